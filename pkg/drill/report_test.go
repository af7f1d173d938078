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
