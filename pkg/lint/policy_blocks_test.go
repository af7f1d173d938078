package lint

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestPolicyBlocks(t *testing.T) {
	am := map[string]string{"app": "am"}
	sink := map[string]string{"app": "sink"}
	ports := []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}
	egressToAM := networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "am-egress"}, Spec: networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{MatchLabels: am}, PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
		Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: am}}}}},
	}}
	denyIngress := networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "default-deny"}, Spec: networkingv1.NetworkPolicySpec{
		PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
	}}
	named := intstr.FromString("http")
	allowSink := networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "sink-in"}, Spec: networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{MatchLabels: sink},
		Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: am}}},
			Ports: []networkingv1.NetworkPolicyPort{{Port: &named}}}},
	}}
	for _, tc := range []struct {
		nps  []networkingv1.NetworkPolicy
		want string
	}{
		{nil, ""},
		{[]networkingv1.NetworkPolicy{egressToAM}, "am-egress (egress of the sender)"},
		{[]networkingv1.NetworkPolicy{denyIngress}, "default-deny (ingress of the receiver)"},
		{[]networkingv1.NetworkPolicy{denyIngress, allowSink}, ""},
	} {
		if got := PolicyBlocks(tc.nps, am, sink, 8080, corev1.ProtocolTCP, ports); got != tc.want {
			t.Errorf("%d policies: %q, want %q", len(tc.nps), got, tc.want)
		}
	}
}
