package drill

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// The slow-receiver expectation is the model's min(N, 1 + floor(D/P)), from positions 0, 1, ...
// one peer-timeout apart, with the fix in this cluster's numbers.
func TestExpectSlowReceiver(t *testing.T) {
	five := []string{"am-0", "am-1", "am-2", "am-3", "am-4"}
	for _, c := range []struct {
		name      string
		pt, gi, d time.Duration
		positions []string
		count     int
		to        time.Duration
	}{
		{"default 1.5 x P", s(3), time.Minute, 0, rig.Positions, 2, s(8)},
		{"measured D=5 P=3", s(3), time.Minute, s(5), rig.Positions, 2, s(8)},
		{"measured D=7 P=3", s(3), time.Minute, s(7), rig.Positions, 3, s(11)},
		{"faster than P", s(3), time.Minute, s(2), rig.Positions, 1, s(5)},
		{"capped at N", s(3), time.Minute, s(10), rig.Positions, 3, s(11)},
		{"five replicas", s(3), time.Minute, s(10), five, 4, s(14)},
		{"two replicas", s(15), time.Minute, 0, []string{"am-0", "am-1"}, 2, s(20)},
		// 1.5 x 6s = 9s, just below the flush budget of 10s.
		{"default P=6 GI=10s", s(6), 10 * time.Second, 0, rig.Positions, 2, s(11)},
	} {
		cl := Cluster{Timing: rig.Timing, Positions: c.positions, ReceiverDelay: c.d}
		cl.Timing.PeerTimeout, cl.Timing.GroupInterval = c.pt, c.gi
		e, err := Expect(SlowReceiver, cl)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if e.Count != c.count || e.From != s(5) || e.To != c.to || !slices.Equal(e.Senders, c.positions[:c.count]) {
			t.Errorf("%s: %d in %s-%s from %v, want %d in 5s-%s from %v", c.name, e.Count, e.From, e.To, e.Senders, c.count, c.to, c.positions[:c.count])
		}
		if c.d != 0 && e.ReceiverDelay.D() != c.d {
			t.Errorf("%s: receiver delay %s, want %s", c.name, e.ReceiverDelay, c.d)
		}
		for _, want := range []string{"by design", "--cluster.peer-timeout", "answer within peer-timeout (" + timing.Format(c.pt) + ")"} {
			if !strings.Contains(e.Why, want) || !strings.Contains(e.Fix, want) {
				t.Errorf("%s: why %q / fix %q lack %q", c.name, e.Why, e.Fix, want)
			}
		}
	}
	// The default on the rig: 4.5s; the fix raises peer-timeout to 6s, and the last of three
	// positions then covers at group_wait + 12s instead of + 6s.
	e, err := Expect(SlowReceiver, rig)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"answers the drill alert's webhooks 4.5s after", "am-0 at 5s, am-1 at 8s",
		"latency (4.5s here, e.g. to 6s)", "the last position (2) would notify at group_wait + 12s (17s on this route) instead of group_wait + 6s (11s)"} {
		if !strings.Contains(e.Why, want) {
			t.Errorf("rig: why lacks %q:\n%s", want, e.Why)
		}
	}
}

// A delay at a multiple of peer-timeout (within 0.5s) is a race the drill cannot judge; one at
// or past the flush budget makes every send fail. Both are refused, saying why.
func TestReceiverDelayRefused(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		gi   time.Duration
		says []string
	}{
		{s(6), time.Minute, []string{"within 500ms of 2 × peer-timeout (6s)", "a race: 2 or 3 notifications", "such as 4.5s or 7.5s"}},
		{s(3.4), time.Minute, []string{"within 500ms of 1 × peer-timeout (3s)", "a race"}},
		{s(2.5), time.Minute, []string{"within 500ms of 1 × peer-timeout"}},
		{s(8.6), time.Minute, []string{"3 × peer-timeout (9s)"}},
		{s(10), 10 * time.Second, []string{"not below the flush budget max(group_interval, 10s) = 10s", "every group_interval", "between 3s and 10s"}},
		{s(70), time.Minute, []string{"flush budget", "= 1m"}},
		{-s(1), time.Minute, []string{"must not be negative"}},
	} {
		p := rig.Timing
		p.GroupInterval = c.gi
		_, err := ReceiverDelay(c.d, p)
		if err == nil {
			t.Errorf("%s: accepted", c.d)
			continue
		}
		for _, want := range c.says {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q lacks %q", c.d, err, want)
			}
		}
		if _, err := Expect(SlowReceiver, Cluster{Timing: p, Positions: rig.Positions, ReceiverDelay: c.d}); err == nil {
			t.Errorf("%s: Expect accepted it", c.d)
		}
	}
	// The default when 1.5 x peer-timeout is past the budget, and when no delay fits.
	p := timing.Params{PeerTimeout: s(8), GroupWait: s(5), GroupInterval: s(10)}
	if d := DefaultReceiverDelay(p); d != s(9) {
		t.Errorf("default with P=8s and a 10s budget: %s, want 9s", d)
	}
	p.PeerTimeout = s(15)
	if _, err := ReceiverDelay(0, p); err == nil || !strings.Contains(err.Error(), "the default receiver delay") {
		t.Errorf("P=15s and a 10s budget: %v, want the default refused", err)
	}
}

func TestJudgeSlowReceiver(t *testing.T) {
	e, err := Expect(SlowReceiver, rig)
	if err != nil {
		t.Fatal(err)
	}
	h := func(at float64, sender string) Hit { return Hit{At: s(at), Sender: sender} }
	for _, c := range []struct {
		name string
		hits []Hit
		want Verdict
		says string
	}{
		{"pass", []Hit{h(5.1, "am-0"), h(8.1, "am-1"), {At: s(70), Sender: "am-0", Resolved: true}}, Pass, "am-0 at 5.1s, am-1 at 8.1s"},
		{"pass names the fix", []Hit{h(5.1, "am-0"), h(8.1, "am-1")}, Pass, "These duplicates are by design"},
		{"one", []Hit{h(5.1, "am-0")}, Fail, "sooner than the 4.5s the sink waits"},
		{"three", []Hit{h(5.1, "am-0"), h(8.1, "am-1"), h(11.1, "am-2")}, Fail, "more replicas sent"},
		{"wrong order", []Hit{h(5.1, "am-1"), h(8.1, "am-0")}, Fail, "sent by am-1, am-0, expected am-0, am-1"},
		{"late", []Hit{h(5.1, "am-0"), h(11, "am-1")}, Fail, "outside the model's window"},
	} {
		r := Judge(e, c.hits)
		if r.Verdict != c.want || !strings.Contains(r.Explanation, c.says) {
			t.Errorf("%s: %s %q, want %s saying %q", c.name, r.Verdict, r.Explanation, c.want, c.says)
		}
	}
}

// Only slow-receiver's alert carries the delay label, with the checked delay.
func TestSlowOptions(t *testing.T) {
	o := Options{Run: "r", Timing: rig.Timing, ReceiverDelay: s(7)}
	for _, d := range Names {
		got, err := slowOptions(d, o)
		if err != nil || got.ReceiverDelay != 0 {
			t.Errorf("%s: delay %s, %v", d, got.ReceiverDelay, err)
		}
		if _, ok := alertLabels(got)[DelayLabel]; ok {
			t.Errorf("%s: its alert carries %s", d, DelayLabel)
		}
	}
	got, err := slowOptions(SlowReceiver, Options{Run: "r", Timing: rig.Timing})
	if err != nil || alertLabels(got)[DelayLabel] != "4.5s" {
		t.Errorf("slow-receiver: labels %v, %v", alertLabels(got), err)
	}
	if _, err := slowOptions(SlowReceiver, Options{Run: "r", Timing: rig.Timing, ReceiverDelay: s(6)}); err == nil {
		t.Error("slow-receiver at 2 × peer-timeout: accepted")
	}
	if slices.Contains(Names, SlowReceiver) || !Known(SlowReceiver) || !slices.Contains(Extra, SlowReceiver) {
		t.Errorf("slow-receiver must be known but not in Names (drill all): Names %v, All %v", Names, All())
	}
}
