package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/amha-dev/kubectl-amha/internal/amtest"
	"github.com/amha-dev/kubectl-amha/pkg/drill"
)

// prometheus-fanout against three real replicas and a real Prometheus with an always-firing
// Watchdog: sending to two of them, the third is named (FAIL, exit 1); once another Prometheus
// sends to all three, it PASSes. Nothing is posted and no sink is needed.
func TestDrillPrometheusFanout(t *testing.T) {
	if testing.Short() {
		t.Skip("real replicas: not in -short")
	}
	c := amtest.Start(t, 3, amtest.Options{})
	var hosts []string
	for _, p := range c.Replicas {
		hosts = append(hosts, p.WebAddr)
	}
	amtest.StartPrometheusWatchdog(t, hosts[:2], true)
	fanout := func() (drill.ReportDrill, int, string) {
		t.Helper()
		args := []string{"drill", "prometheus-fanout", "--fanout-window", "30s", "-o", "json"}
		out, errOut, code := run(t, append(args, urlArgs(c.URLs())...)...)
		var rep drill.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Drills) != 1 {
			t.Fatalf("drill prometheus-fanout -o json: %v\nstdout %s\nstderr %s", err, out, errOut)
		}
		return rep.Drills[0], code, errOut
	}
	d, code, errOut := fanout()
	if code != ExitFindings || d.Verdict != drill.Fail || !strings.Contains(d.Explanation, c.Replicas[2].WebAddr+" never received Watchdog") {
		t.Errorf("Prometheus sending to 2 of 3: exit %d, %s: %s\n%s", code, d.Verdict, d.Explanation, errOut)
	}
	received := 0
	for _, e := range d.Events {
		if e.Kind == drill.EventReceive {
			received++
		}
	}
	if received != 2 {
		t.Errorf("%d receive events, want 2: %+v", received, d.Events)
	}
	amtest.StartPrometheusWatchdog(t, hosts, true)
	if d, code, errOut := fanout(); code != ExitOK || d.Verdict != drill.Pass {
		t.Errorf("Prometheus sending to all 3: exit %d, %s: %s\n%s", code, d.Verdict, d.Explanation, errOut)
	}
}
