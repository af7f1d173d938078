package snapshot

import (
	"testing"

	"github.com/amha-dev/kubectl-amha/pkg/lint"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// A kind amha could not list (RBAC) is not an absent kind: the checks that conclude from its
// absence stay quiet, the others still report.
func TestConfigFindingsUnreadKinds(t *testing.T) {
	sts := liveStatefulSet(nil)
	objs := []lint.LiveObject{{APIVersion: "apps/v1", Kind: "StatefulSet", Object: sts}}
	ids := func(unread map[string]bool) map[string]bool {
		out := map[string]bool{}
		for _, f := range configFindings(objs, unread, &model.Cluster{}) {
			out[f.ID] = true
		}
		return out
	}
	all := ids(nil)
	if !all["k8s/pdb"] || !all["cluster/insecure-gossip"] {
		t.Fatalf("with every kind read, want k8s/pdb and cluster/insecure-gossip: %v", all)
	}
	some := ids(map[string]bool{"PodDisruptionBudget": true, "NetworkPolicy": true})
	if some["k8s/pdb"] || some["cluster/insecure-gossip"] {
		t.Errorf("PDBs and NetworkPolicies unread, still concluded from their absence: %v", some)
	}
	if !some["k8s/spread"] {
		t.Errorf("unread kinds silenced an unrelated check: %v", some)
	}
}
