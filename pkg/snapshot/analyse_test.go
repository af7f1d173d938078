package snapshot

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/amha-dev/kubectl-amha/pkg/lint"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// A kind amha could not list (RBAC) is not an absent kind: the checks that conclude from its
// absence stay quiet, the others still report.
func TestConfigFindingsUnreadKinds(t *testing.T) {
	three := int32(3)
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "am", Namespace: "mon"},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    &three,
			ServiceName: "am",
			Selector:    &metav1.LabelSelector{MatchLabels: map[string]string{"app": "am"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "am"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "alertmanager", Image: "quay.io/prometheus/alertmanager:v0.31.1",
					Args: []string{"--cluster.peer=am-0.am:9094", "--cluster.peer=am-1.am:9094", "--cluster.peer=am-2.am:9094"},
				}}},
			},
		},
	}
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
