package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/cmd"
	"github.com/amha-dev/kubectl-amha/pkg/drill"
)

// slow-receiver on the operator shape (3 replicas, peer-timeout 3s, group_wait 5s): the sink
// answers the drill alert's webhooks 4.5s late (1.5 x peer-timeout), so positions 0 and 1
// notify, one peer-timeout apart, and position 2 finds the log entry; PASS, saying the fix.
// A delay at a multiple of peer-timeout is refused before anything is created.
func TestDrillSlowReceiverOnRig(t *testing.T) {
	r := newRig(t)
	buildDrillImage(t)
	ns := r.drillCluster(t, "amha-drill-slow", true)

	plan, code, errOut := r.drill(t, "slow-receiver", "-n", ns, "--receiver-delay", "6s", "--dry-run", "-o", "json")
	if code != cmd.ExitNoCheck || plan.Stopped == nil || plan.Stopped.Reason != drill.StopReceiverDelay ||
		!strings.Contains(errOut, "within 500ms of 2 × peer-timeout (6s)") {
		t.Errorf("--receiver-delay 6s: exit %d, stopped %+v, %q; want 2, a race", code, plan.Stopped, errOut)
	}
	out, code, _ := r.drillText(t, "slow-receiver", "-n", ns, "--dry-run")
	for _, want := range []string{`amha_drill_delay="4.5s"`, "Expects:   2 notification(s) between 5s and 8s after the alert", "by design",
		"raise --cluster.peer-timeout above its worst latency (4.5s here, e.g. to 6s)", "group_wait + 12s (17s on this route) instead of group_wait + 6s (11s)"} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan lacks %q (exit %d)", want, code)
		}
	}

	start := time.Now()
	rep, code, errOut := r.drill(t, "slow-receiver", "-n", ns, "--yes", "--sink-image", drillImage, "-o", "json")
	t.Logf("took %s", time.Since(start))
	if code != cmd.ExitOK || len(rep.Drills) != 1 {
		t.Fatalf("exit %d, report %+v", code, rep)
	}
	d := rep.Drills[0]
	e := d.Expectation
	if d.Verdict != drill.Pass || !strings.Contains(d.Explanation, "by design") || !strings.Contains(d.Explanation, "--cluster.peer-timeout") {
		t.Errorf("%s: %s %s", d.Verdict, d.Explanation, d.Error)
	}
	if e.Count != 2 || e.ReceiverDelay.D() != 4500*time.Millisecond || !slices.Equal(e.Senders, rep.Positions[:2]) {
		t.Errorf("expected %d from %v with delay %s; want 2 from %v, 4.5s", e.Count, e.Senders, e.ReceiverDelay, rep.Positions[:2])
	}
	f := firing(d)
	if len(f) != 2 || f[0].Sender != rep.Positions[0] || f[1].Sender != rep.Positions[1] {
		t.Fatalf("firing hits %+v, want positions 0 and 1 (%v)", f, rep.Positions[:2])
	}
	if gap := f[1].At - f[0].At; gap < 2*time.Second || gap > 4*time.Second {
		t.Errorf("%s between the notifications, want one peer-timeout (3s)", gap)
	}
	var fault *drill.Event
	for i, ev := range d.Events {
		if ev.Kind == drill.EventFault {
			fault = &d.Events[i]
		}
	}
	if fault == nil || fault.Replica != "" || !strings.Contains(fault.Text, "after 4.5s") {
		t.Errorf("the timeline's fault: %+v, want the sink's delay", fault)
	}
	// Both senders send the resolved notification as slowly: the sink stays until both came.
	if !strings.Contains(errOut, "the resolved notification(s) arrived") {
		t.Errorf("the sink was deleted before the resolved notifications of both senders came")
	}
	if m := rep.MeshAtEnd; m == nil || !m.Whole {
		t.Errorf("the mesh at the end: %+v, want whole", m)
	}
	if m := r.managed(t, ns); len(m) > 0 {
		t.Errorf("objects left after the drill: %v", m)
	}
	// What it leaves: the replicas that sent have a webhook latency histogram (counted since
	// they started) whose p99 is the sink's delay, and status says so until faster sends
	// outweigh it or they restart (the plan and the docs say it).
	st, _, _ := r.status(t, "-n", ns)
	var slow []string
	for _, c := range st.Clusters {
		for _, fd := range c.Findings {
			switch fd.ID {
			case "mesh/slow-receiver":
				slow = append(slow, fd.Objects[0])
				t.Logf("%s %s: %s", fd.Severity, fd.ID, fd.Message)
			case "mesh/notify-failing":
				t.Errorf("after the drill: %s", fd.Message)
			}
		}
	}
	slices.Sort(slow)
	if !slices.Equal(slow, rep.Positions[:2]) {
		t.Errorf("mesh/slow-receiver after the drill for %v, want the two senders %v", slow, rep.Positions[:2])
	}
}
