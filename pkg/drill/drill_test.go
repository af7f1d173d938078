package drill

import (
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// The rig's drill numbers: 3 replicas, peer-timeout 3s, group_wait 5s.
var rig = Cluster{
	Timing:    timing.Params{PeerTimeout: 3 * time.Second, GroupWait: 5 * time.Second, GroupInterval: time.Minute, RepeatInterval: 24 * time.Hour},
	Positions: []string{"am-0", "am-1", "am-2"},
}

func s(d float64) time.Duration { return time.Duration(d * float64(time.Second)) }

func TestExpect(t *testing.T) {
	for _, c := range []struct {
		drill    string
		count    int
		from, to time.Duration
		senders  []string
	}{
		{Baseline, 1, s(5), s(5), []string{"am-0"}},
		{CrashSender, 1, s(5), s(8), []string{"am-1"}},
		{StopSender, 1, s(5), s(8), []string{"am-1"}},
		{Partition, 2, s(5), s(5), nil},
	} {
		e, err := Expect(c.drill, rig)
		if err != nil {
			t.Fatalf("%s: %v", c.drill, err)
		}
		if e.Count != c.count || e.From != c.from || e.To != c.to || strings.Join(e.Senders, ",") != strings.Join(c.senders, ",") {
			t.Errorf("%s: got %d in %s-%s from %v, want %d in %s-%s from %v", c.drill, e.Count, e.From, e.To, e.Senders, c.count, c.from, c.to, c.senders)
		}
		if e.Why == "" {
			t.Errorf("%s: no explanation", c.drill)
		}
	}
	p, _ := Expect(Partition, rig)
	if len(p.Sides) != 2 || p.Sides[0][0] != "am-2" || len(p.Sides[1]) != 2 || !strings.Contains(p.Why, "duplicates rather than a miss") {
		t.Errorf("partition: sides %v, why %q", p.Sides, p.Why)
	}
	if _, err := Expect("reboot", rig); err == nil {
		t.Error("an unknown drill was accepted")
	}
	if _, err := Expect(Baseline, Cluster{Timing: rig.Timing, Positions: []string{"am-0"}}); err == nil {
		t.Error("a drill on one replica was accepted")
	}
	if _, err := Expect(Partition, Cluster{Timing: rig.Timing, Positions: rig.Positions, CutOff: "am-9"}); err == nil {
		t.Error("cutting off a replica that is not there was accepted")
	}
}

func TestJudge(t *testing.T) {
	h := func(at float64, sender string) Hit { return Hit{At: s(at), Sender: sender} }
	for _, c := range []struct {
		name  string
		drill string
		hits  []Hit
		want  Verdict
		says  string
	}{
		{"baseline pass", Baseline, []Hit{h(5.3, "am-0"), {At: s(40), Sender: "am-0", Resolved: true}}, Pass, "as the model says"},
		{"baseline three", Baseline, []Hit{h(5.3, "am-0"), h(8.2, "am-1"), h(11.1, "am-2")}, Fail, "Gossip does not reach the senders"},
		{"baseline none", Baseline, nil, Fail, "none reached the sink"},
		{"baseline late", Baseline, []Hit{h(9, "am-0")}, Fail, "outside the model's window"},
		{"baseline early", Baseline, []Hit{h(1, "am-0")}, Fail, "earlier than group_wait"},
		{"baseline wrong sender", Baseline, []Hit{h(5.2, "am-1")}, Fail, "sent by am-1, expected am-0"},
		{"baseline sender unknown", Baseline, []Hit{h(5.2, "")}, Pass, ""},
		{"crash pass late", CrashSender, []Hit{h(8.3, "am-1")}, Pass, ""},
		{"crash pass detected", CrashSender, []Hit{h(5.2, "am-1")}, Pass, ""},
		{"crash too late", CrashSender, []Hit{h(10.5, "am-1")}, Fail, "later than"},
		{"stop pass", StopSender, []Hit{h(5.2, "am-1")}, Pass, ""},
		{"stop rejoined", StopSender, []Hit{h(8.3, "am-1")}, Pass, "replacement had rejoined"},
		{"stop race", StopSender, []Hit{h(8.3, "am-1"), h(8.9, "am-0")}, Pass, "known race"},
		{"stop two far apart", StopSender, []Hit{h(5.2, "am-1"), h(8.3, "am-2")}, Fail, "more replicas sent"},
		{"partition pass", Partition, []Hit{h(5.1, "am-2"), h(5.4, "am-0")}, Pass, "duplicates rather than a miss"},
		{"partition one side", Partition, []Hit{h(5.1, "am-0")}, Fail, "only one side notified"},
		{"partition same side", Partition, []Hit{h(5.1, "am-0"), h(5.2, "am-1")}, Fail, "from one side"},
	} {
		e, err := Expect(c.drill, rig)
		if err != nil {
			t.Fatal(err)
		}
		r := Judge(e, c.hits)
		if r.Verdict != c.want || !strings.Contains(r.Explanation, c.says) {
			t.Errorf("%s: %s %q, want %s saying %q", c.name, r.Verdict, r.Explanation, c.want, c.says)
		}
	}
}
