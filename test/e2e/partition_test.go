package e2e

import (
	"context"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/amha-dev/kubectl-amha/pkg/cmd"
	"github.com/amha-dev/kubectl-amha/ui"
)

func islands(rep ui.StatusReport) int {
	if len(rep.Clusters) != 1 || rep.Clusters[0].Matrix == nil {
		return 0
	}
	return len(rep.Clusters[0].Matrix.Islands)
}

// A NetworkPolicy denying 9094 to and from one pod: on a live mesh it does not split it
// (established flows survive, and memberlist's UDP gossip keeps its conntrack entry alive);
// once the pod is recreated behind the policy it is an island; removing the policy heals it.
func TestNetworkPolicyPartition(t *testing.T) {
	// Not parallel: NetworkPolicy enforcement is timing-sensitive on a busy rig (see
	// test/rig/netpol), so the policy tests run alone, before the parallel ones.
	r := newRig(t)
	ns := r.namespace(t, "amha-part")
	r.apply(t, ns, manifest(t, "operator-shape.yaml"))
	r.waitReady(t, ns, "alertmanager-main", 3)
	r.eventually(t, 90*time.Second, healthy, "-n", ns)

	r.apply(t, ns, manifest(t, "netpol-deny-mesh.yaml"))
	applied := time.Now()
	for time.Since(applied) < 25*time.Second {
		rep, _, _ := r.status(t, "-n", ns)
		if n := islands(rep); n != 1 {
			t.Fatalf("the live mesh split %s after the policy (%d islands): established flows were expected to survive", time.Since(applied).Round(time.Second), n)
		}
		time.Sleep(3 * time.Second)
	}
	t.Logf("no split %s after the deny policy on a live mesh", time.Since(applied).Round(time.Second))

	r.deletePod(t, ns, "alertmanager-main-2")
	recreated := time.Now()
	rep, code := r.eventually(t, 120*time.Second, func(rep ui.StatusReport, code int) bool {
		return code == cmd.ExitFindings && islands(rep) == 2 && slices.Contains(ids(rep), "mesh/island")
	}, "-n", ns)
	t.Logf("island shown %s after the pod was recreated behind the policy (exit %d, findings %v)", time.Since(recreated).Round(time.Second), code, ids(rep))
	for _, g := range rep.Clusters[0].Matrix.Islands {
		if len(g) == 1 && g[0] != "alertmanager-main-2" {
			t.Fatalf("the lone island is %v, want alertmanager-main-2", g)
		}
	}

	err := r.cs.NetworkingV1().NetworkPolicies(ns).Delete(context.Background(), "deny-mesh-alertmanager-main-2", metav1.DeleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	removed := time.Now()
	r.eventually(t, 120*time.Second, func(rep ui.StatusReport, _ int) bool {
		return islands(rep) == 1 && len(rep.Clusters[0].Matrix.Columns) == 3
	}, "-n", ns)
	t.Logf("mesh whole again %s after the policy was removed", time.Since(removed).Round(time.Second))
}
