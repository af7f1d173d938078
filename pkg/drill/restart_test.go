package drill

import (
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// rolling-restart: the first notification and 0 extra, storage or not; all-down: 0 extra with
// persistent storage, 1 without (ha-facts, Drills).
func TestExpectRestart(t *testing.T) {
	for _, c := range []struct {
		drill      string
		persistent bool
		count      int
		scenario   string
		why        []string
	}{
		{RollingRestart, false, 1, timing.RollingRestart, []string{"pulls the notification log", "no persistent storage"}},
		{RollingRestart, true, 1, timing.RollingRestart, []string{"one at a time", "on a persistent volume"}},
		{AllDown, false, 2, timing.FullRestart, []string{"dead-man's switch", "lost with the pods", "2 notifications in all"}},
		{AllDown, true, 1, timing.FullRestart, []string{"dead-man's switch", "snapshot written at the graceful stop"}},
	} {
		cl := rig
		cl.PersistentStorage = c.persistent
		e, err := Expect(c.drill, cl)
		if err != nil {
			t.Fatalf("%s: %v", c.drill, err)
		}
		if e.Count != c.count || e.From != s(5) || e.To != s(5) || strings.Join(e.Senders, ",") != "am-0" || e.Scenario.ID != c.scenario {
			t.Errorf("%s persistent=%v: %d in %s-%s from %v (%s), want %d at 5s from am-0 (%s)",
				c.drill, c.persistent, e.Count, e.From, e.To, e.Senders, e.Scenario.ID, c.count, c.scenario)
		}
		for _, w := range c.why {
			if !strings.Contains(e.Why, w) {
				t.Errorf("%s persistent=%v: the explanation does not say %q: %s", c.drill, c.persistent, w, e.Why)
			}
		}
	}
	for _, d := range OptIn {
		for _, n := range Names {
			if d == n {
				t.Errorf("%s is in Names: drill all would run it", d)
			}
		}
	}
}

func TestJudgeRestart(t *testing.T) {
	rolling, _ := Expect(RollingRestart, rig)
	downKept := rig
	downKept.PersistentStorage = true
	allDownKept, _ := Expect(AllDown, downKept)
	allDownLost, _ := Expect(AllDown, rig)
	first := Hit{At: s(5.2), Sender: "am-0"}
	resolved := Hit{At: s(80), Resolved: true}
	for _, c := range []struct {
		name    string
		e       Expectation
		hits    []Hit
		warn    []string
		verdict Verdict
		says    string
	}{
		{"rolling: the first only", rolling, []Hit{first, resolved}, nil, Pass, "each found the entry"},
		{"rolling: a warning is told", rolling, []Hit{first}, []string{"am-1 went down while am-2 had not settled"}, Pass, "Warning: am-1 went down"},
		{"rolling: a repeat after a restart", rolling, []Hit{first, {At: s(40), Sender: "am-2"}}, nil, Fail, "notified again after the restarts (40s from am-2)"},
		{"rolling: none", rolling, nil, nil, Fail, "none reached the sink"},
		{"rolling: first late", rolling, []Hit{{At: s(9), Sender: "am-0"}}, nil, Fail, "outside the model's window"},
		{"rolling: first from another", rolling, []Hit{{At: s(5), Sender: "am-1"}}, nil, Fail, "sent by am-1, expected am-0"},
		{"all-down kept: nothing more", allDownKept, []Hit{first}, nil, Pass, "snapshot written at the graceful stop was loaded"},
		{"all-down kept: a repeat", allDownKept, []Hit{first, {At: s(70)}}, nil, Fail, "not restored at start"},
		{"all-down lost: one more", allDownLost, []Hit{first, {At: s(70)}}, nil, Pass, "1 more when the replicas came back (1m10s from an unknown sender)"},
		{"all-down lost: none more", allDownLost, []Hit{first}, nil, Fail, "came back with the log"},
		{"all-down lost: two more, islands", allDownLost, []Hit{first, {At: s(70)}, {At: s(73)}}, nil, Pass, "2 more when the replicas came back (1m10s from an unknown sender; 1m13s"},
		{"all-down lost: three more, one per replica", allDownLost, []Hit{first, {At: s(70)}, {At: s(70)}, {At: s(71)}}, nil, Pass, "did not find each other before they settled"},
		{"all-down lost: more than one per replica", allDownLost, []Hit{first, {At: s(70)}, {At: s(70)}, {At: s(71)}, {At: s(72)}}, nil, Fail, "5 notification(s), expected 2 to 4"},
	} {
		r := JudgeRestart(c.e, c.hits, c.warn)
		if r.Verdict != c.verdict || !strings.Contains(r.Explanation, c.says) {
			t.Errorf("%s: %s %q, want %s saying %q", c.name, r.Verdict, r.Explanation, c.verdict, c.says)
		}
	}
}

// all-down without persistent storage, 1 notification only: INCONCLUSIVE when a replacement
// ran while an old pod was still up, FAIL otherwise; a pass stays a pass.
func TestNotAllDown(t *testing.T) {
	e, _ := Expect(AllDown, rig)
	one := JudgeRestart(e, []Hit{{At: s(5), Sender: "am-0"}}, nil)
	if r := notAllDown(one, ""); r.Verdict != Fail {
		t.Errorf("no overlap: %s", r.Verdict)
	}
	if r := notAllDown(one, "the replacement of am-2 was running while am-1 was still there"); r.Verdict != Inconclusive ||
		!strings.Contains(r.Explanation, "not all down at once (the replacement of am-2") {
		t.Errorf("overlap: %s %s", r.Verdict, r.Explanation)
	}
	two := JudgeRestart(e, []Hit{{At: s(5), Sender: "am-0"}, {At: s(30)}}, nil)
	if r := notAllDown(two, "x"); r.Verdict != Pass {
		t.Errorf("overlap and 2 notifications: %s", r.Verdict)
	}
}

// A replica's webhook counter starts again from 0 in a new process: the counters add what the
// old one had sent.
func TestCountersAcrossRestarts(t *testing.T) {
	at := func(start time.Time, total float64) model.Cluster {
		return model.Cluster{Replicas: []model.Replica{{
			Name:    "am-0",
			Status:  &model.Status{Uptime: start},
			Metrics: &model.Metrics{Integrations: []model.Integration{{Name: "webhook", Total: total}}},
		}}}
	}
	t0 := time.Unix(1000, 0)
	var c counters
	c.observe(at(t0, 1))
	c.observe(model.Cluster{Replicas: []model.Replica{{Name: "am-0", Error: "connection refused"}}})
	c.observe(at(t0.Add(time.Minute), 1)) // restarted, and sent once more
	if got := c.totals()["am-0"]; got != 2 {
		t.Errorf("am-0 sent %v, want 2", got)
	}
}
