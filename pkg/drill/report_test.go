package drill

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestReportDurationsRoundTrip(t *testing.T) {
	d := ReportDrill{Drill: Baseline, Alert: "a-baseline", Result: Result{
		Expectation: Expectation{Drill: Baseline, Count: 1, From: 5 * time.Second, To: 5 * time.Second, Why: "w"},
		Hits:        []Hit{{At: 5230 * time.Millisecond, Sender: "am-0"}},
		Verdict:     Pass,
	}}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"from":"5s"`, `"to":"5s"`, `"at":"5.23s"`, `"verdict":"PASS"`, `"alert":"a-baseline"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	var back ReportDrill
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Hits[0].At != 5230*time.Millisecond || back.Expectation.To != 5*time.Second || back.Expectation.Why != "w" {
		t.Errorf("round trip: %+v", back)
	}
}

// A run that stops before its first drill still reports every drill: NOT RUN with the
// reason, no expectation (none was computed), and why it stopped.
func TestReportStopped(t *testing.T) {
	r := Report{Cluster: "main", Run: "r", Drills: []ReportDrill{{Drill: Baseline, Alert: "r-baseline"}, {Drill: Partition, Alert: "r-partition"}}}
	r.Stop(StopNoRoute, "replica am-0: no route matches the drill alert:\n  Add this:   ...")
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Stopped == nil || back.Stopped.Reason != "no-route" || !strings.Contains(back.Stopped.Message, "Add this") {
		t.Errorf("stopped %+v", back.Stopped)
	}
	for _, d := range back.Drills {
		if d.Verdict != NotRun || d.Explanation != "the run stopped before its first drill (no-route): replica am-0: no route matches the drill alert: Add this: ..." {
			t.Errorf("%s: %s %q", d.Drill, d.Verdict, d.Explanation)
		}
	}
	if strings.Contains(string(b), `"expected"`) {
		t.Errorf("an expectation that was never computed is printed: %s", b)
	}
}
