package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/cmd"
	"github.com/amha-dev/kubectl-amha/pkg/drill"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// The real binary killed with SIGKILL while its partition holds and the drill alert is posted:
// nothing of its own cleanup runs. `drill cleanup` leaves the run while it has not expired (it
// may still be going) and says so (exit 2); once the run has expired, status names what it
// left (mesh/drill-leftover: the policy still cuts a pod), and cleanup deletes the sink and the policy,
// resolves the drill alert on every replica, and sees the mesh whole again: no object of the
// drill left, no drill alert active on any replica.
func TestDrillKilledThenCleanupOnRig(t *testing.T) {
	// Not parallel: NetworkPolicy enforcement is timing-sensitive on a busy rig (partition_test.go).
	r := newRig(t)
	buildDrillImage(t)
	ns := r.drillCluster(t, "amha-drill-kill", true)

	c, stderr, done := startDrill(t, r, "posting alert", 150*time.Second, "partition", "-n", ns, "--yes", "--recreate", "--split-timeout", "90s", "--sink-image", drillImage)
	time.Sleep(time.Second) // the post itself
	if err := c.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = c.Wait()
	done()
	t.Logf("killed:\n%s", stderr.String())
	left := r.managed(t, ns)
	if !strings.Contains(strings.Join(left, " "), "networkpolicy/amha-drill-partition-") {
		t.Fatalf("after SIGKILL mid-partition, the drill's objects: %v; want its policy still there", left)
	}
	if n := drillAlerts(t, r, ns); n == 0 {
		t.Fatalf("after SIGKILL the drill alert is active on no replica: the kill came before the post")
	}

	code, out := amha(t, "drill", "cleanup", "-n", ns, "--kubeconfig", r.kubeconfig)
	t.Logf("drill cleanup: exit %d\n%s", code, out)
	if code != cmd.ExitNoCheck || !strings.Contains(out, "not expired until") || !strings.Contains(out, "--force") {
		t.Errorf("cleanup of an unexpired run without --force: exit %d; want 2, the run named with its expiry and --force", code)
	}
	if m := r.managed(t, ns); len(m) != len(left) {
		t.Errorf("cleanup without --force removed objects of an unexpired run: %v -> %v", left, m)
	}

	// Past its expiry, status names what the run left (the policy still cuts a pod), and
	// cleanup removes it without --force.
	r.kubectl(t, "annotate", "--overwrite", "-n", ns, "deployment,service,networkpolicy", "-l", "amha.dev/drill-run",
		"amha.dev/expires="+time.Now().Add(-time.Minute).UTC().Format(time.RFC3339))
	st, _, _ := r.status(t, "-n", ns)
	if f := findings(st, "mesh/drill-leftover"); len(f) != 1 || f[0].Severity != model.Warning || !strings.Contains(f[0].Message, "still cuts port 9094") {
		t.Errorf("status after the expiry: mesh/drill-leftover %+v; want one warning naming the cut", f)
	}
	code, out = amha(t, "drill", "cleanup", "-n", ns, "--kubeconfig", r.kubeconfig)
	t.Logf("drill cleanup: exit %d\n%s", code, out)
	if code != cmd.ExitOK {
		t.Errorf("cleanup of an expired run: exit %d, want 0", code)
	}
	for _, want := range []string{"deleted", "networkpolicy/amha-drill-partition-", "resolved drill alert(s)", "the mesh is whole", "Nothing of a drill is left."} {
		if !strings.Contains(out, want) {
			t.Errorf("cleanup --force does not say %q", want)
		}
	}
	if m := r.managed(t, ns); len(m) > 0 {
		t.Errorf("objects left after cleanup --force: %v", m)
	}
	if n := drillAlerts(t, r, ns); n != 0 {
		t.Errorf("%d drill alert(s) still active after cleanup", n)
	}
	r.eventually(t, 120*time.Second, wholeOf3, "-n", ns)
}

// drillAlerts counts the active drill alerts over the replicas of the cluster in ns.
func drillAlerts(t *testing.T, r *rig, ns string) int {
	t.Helper()
	rep, _, _ := r.status(t, "-n", ns)
	n := 0
	for _, c := range rep.Clusters {
		for _, rp := range c.Replicas {
			for _, a := range rp.Alerts {
				if a.Name == drill.AlertName {
					n++
				}
			}
		}
	}
	return n
}
