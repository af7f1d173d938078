package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/amha-dev/kubectl-amha/pkg/cmd"
	"github.com/amha-dev/kubectl-amha/pkg/drill"
)

// A namespace policy that allows the mesh port between the replicas (as kube-prometheus ships
// one): the partition cannot cut it and is SKIPPED naming it; with --narrow-policies the
// cut-off pod is taken out of it for the drill, the partition passes, and the policy is
// restored exactly as it was (labels, annotations, spec).
func TestDrillNarrowPoliciesOnRig(t *testing.T) {
	// Not parallel: NetworkPolicy enforcement is timing-sensitive on a busy rig (partition_test.go).
	r := newRig(t)
	buildDrillImage(t)
	ns := r.drillCluster(t, "amha-drill-narrow", true)
	am := map[string]string{"app.kubernetes.io/name": "alertmanager"}
	tcp, udp := intstr.FromInt32(9094), intstr.FromInt32(9094)
	pTCP, pUDP := networkingv1.NetworkPolicyPort{Port: &tcp}, networkingv1.NetworkPolicyPort{Port: &udp}
	proto := func(p string) *corev1.Protocol { v := corev1.Protocol(p); return &v }
	pTCP.Protocol, pUDP.Protocol = proto("TCP"), proto("UDP")
	web := intstr.FromInt32(9093)
	r.apply(t, ns, []runtime.Object{&networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "replicas-mesh", Labels: map[string]string{"team": "observability"},
			Annotations: map[string]string{"note": "the mesh between the replicas"}},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: am},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{
				{From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: am}}}, Ports: []networkingv1.NetworkPolicyPort{pTCP, pUDP}},
				{Ports: []networkingv1.NetworkPolicyPort{{Port: &web}}},
			},
		},
	}})
	before := policyJSON(t, r, ns, "replicas-mesh")

	rep, code, _ := r.drill(t, "partition", "-n", ns, "--yes", "--sink-image", drillImage, "-o", "json")
	if code != cmd.ExitNoCheck || len(rep.Drills) != 1 || rep.Drills[0].Verdict != drill.Skipped ||
		!strings.Contains(rep.Drills[0].Explanation, "NetworkPolicy replicas-mesh already allows port 9094") {
		t.Fatalf("partition beside a policy that allows the mesh: exit %d, %+v; want SKIPPED naming it", code, rep.Drills)
	}

	rep, code, errOut := r.drill(t, "partition", "-n", ns, "--yes", "--sink-image", drillImage, "--narrow-policies", "--split-timeout", "20s", "-o", "json")
	if code != cmd.ExitOK || len(rep.Drills) != 1 || rep.Drills[0].Verdict != drill.Pass {
		t.Errorf("partition --narrow-policies: exit %d, %+v", code, rep.Drills)
	}
	for _, want := range []string{"NetworkPolicy replicas-mesh narrowed", "NetworkPolicy replicas-mesh restored as it was"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the drill does not say %q", want)
		}
	}
	if after := policyJSON(t, r, ns, "replicas-mesh"); after != before {
		t.Errorf("the policy was not restored exactly:\nbefore %s\nafter  %s", before, after)
	}
	if m := r.managed(t, ns); len(m) > 0 {
		t.Errorf("objects left: %v", m)
	}
}

// policyJSON is a NetworkPolicy's labels, annotations and spec, as JSON.
func policyJSON(t *testing.T, r *rig, ns, name string) string {
	t.Helper()
	np, err := r.cs.NetworkingV1().NetworkPolicies(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal([]any{np.Labels, np.Annotations, np.Spec})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
