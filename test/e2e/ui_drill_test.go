package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/ptytest"
)

// The Drills tab of the live view on the rig, in a pseudo-terminal: the list says what each
// drill expects on this cluster; a partition started from it shows the plan, asks, and then
// the split, the notifications, the heal and the verdict while the mesh matrix updates; a
// second drill stopped with q mid-run restores everything before the view exits 0.
func TestUIDrillOnRig(t *testing.T) {
	r := newRig(t)
	buildDrillImage(t)
	bin := ptytest.Build(t)
	ns := r.drillCluster(t, "amha-ui-drill", true)

	p := ptytest.Start(t, bin, 120, 50, "ui", "--kubeconfig", r.kubeconfig, "-n", ns, "--interval", "2s",
		"--sink-image", drillImage, "--split-timeout", "20s")
	at := p.WaitFor(t, "3 of 3 peers", 0, 30*time.Second)
	p.Press(t, "5")
	at = p.WaitFor(t, "here: 2 at 5s from one per side", at, 10*time.Second)
	press(t, p, "j", "j", "j", "\r") // baseline, stop-sender, crash-sender, partition
	at = p.WaitFor(t, "Run it?", at, time.Minute)
	if !strings.Contains(p.Text(), "NetworkPolicy amha-drill-partition-alertmanager-main-2") {
		t.Errorf("the plan does not name the policy it creates:\n%s", tail(p.Text()))
	}
	p.Press(t, "y")
	at = p.WaitFor(t, "2 islands, each notifies on its own", at, 2*time.Minute)
	t.Logf("the split is on screen %s after start", time.Since(p.Started).Round(time.Second))
	at = p.WaitFor(t, "PASS partition: 2 notifications", at, 3*time.Minute)
	p.WaitFor(t, "esc back to the drills", at, 3*time.Minute)
	if m := r.managed(t, ns); len(m) > 0 {
		t.Errorf("objects left after the drill ended: %v", m)
	}
	at = p.WaitFor(t, "1 island", at, time.Minute)

	// Baseline, stopped with q once its alert is posted: the view stops it, restores, exits 0.
	p.Press(t, "\x1b")
	at = p.WaitFor(t, "enter plan", at, 10*time.Second)
	press(t, p, "k", "k", "k", "\r")
	at = p.WaitFor(t, "Run it?", at, time.Minute)
	p.Press(t, "y")
	p.WaitFor(t, "posting alert", at, 2*time.Minute)
	p.Press(t, "q")
	select {
	case err := <-p.Exited:
		if err != nil {
			t.Fatalf("exit after q mid-drill: %v\n%s", err, tail(p.Text()))
		}
	case <-time.After(90 * time.Second):
		t.Fatalf("still running 90s after q mid-drill:\n%s", tail(p.Text()))
	}
	if m := r.managed(t, ns); len(m) > 0 {
		t.Errorf("objects left after q mid-drill: %v", m)
	}
	r.eventually(t, 90*time.Second, healthy, "-n", ns)
}

// press presses keys one at a time, as a person does (keys written at once arrive as one).
func press(t *testing.T, p *ptytest.Proc, keys ...string) {
	t.Helper()
	for _, k := range keys {
		p.Press(t, k)
		time.Sleep(150 * time.Millisecond)
	}
}

func tail(s string) string { return s[max(0, len(s)-3000):] }
