package kubeenv

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/amha-dev/kubectl-amha/pkg/drill"
	"github.com/amha-dev/kubectl-amha/pkg/kube"
)

var amLabels = map[string]string{"app.kubernetes.io/name": "alertmanager"}

func env(objs ...runtime.Object) *Env {
	var pods []corev1.Pod
	for i := range 3 {
		l := map[string]string{"statefulset.kubernetes.io/pod-name": "am-" + string(rune('0'+i))}
		for k, v := range amLabels {
			l[k] = v
		}
		pods = append(pods, corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "am-" + string(rune('0'+i)), Namespace: "ns", Labels: l}})
	}
	c := &kube.Client{CS: fake.NewClientset(objs...), Timeout: time.Second}
	return &Env{Kube: c, Found: &kube.Found{Namespace: "ns", Name: "am", Source: "statefulset", StatefulSet: &appsv1.StatefulSet{}, Container: "alertmanager", Pods: pods},
		Object: kube.DrillObject{Namespace: "ns", Run: "r1"}}
}

func policy(name string, ports []networkingv1.NetworkPolicyPort, from []networkingv1.NetworkPolicyPeer) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: amLabels},
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{Ports: ports, From: from}},
		},
	}
}

func TestPartitionSkippedWhenAPolicyAllowsTheMeshPort(t *testing.T) {
	mesh := intstr.FromInt32(9094)
	web := intstr.FromInt32(9093)
	fromAM := []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: amLabels}}}
	for name, tc := range map[string]struct {
		np   *networkingv1.NetworkPolicy
		skip bool
	}{
		"kube-prometheus: 9094 from alertmanager pods": {policy("alertmanager-main", []networkingv1.NetworkPolicyPort{{Port: &mesh}}, fromAM), true},
		"every port from everywhere":                   {policy("allow-all", nil, nil), true},
		"only the web port":                            {policy("web-only", []networkingv1.NetworkPolicyPort{{Port: &web}}, nil), false},
		"9094 from other pods only": {policy("other", []networkingv1.NetworkPolicyPort{{Port: &mesh}},
			[]networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}}}}), false},
	} {
		t.Run(name, func(t *testing.T) {
			e := env(tc.np)
			heal, err := e.Fault(context.Background(), drill.Partition, "am-2")
			var skip *drill.SkipError
			if tc.skip {
				if !errors.As(err, &skip) || !strings.Contains(skip.Reason, tc.np.Name) {
					t.Fatalf("err %v, want SKIPPED naming %s", err, tc.np.Name)
				}
				return
			}
			if err != nil || heal == nil {
				t.Fatalf("err %v, heal %v", err, heal != nil)
			}
			if _, err := e.Kube.CS.NetworkingV1().NetworkPolicies("ns").Get(context.Background(), "amha-drill-partition-am-2", metav1.GetOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := heal(context.Background()); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Kube.CS.NetworkingV1().NetworkPolicies("ns").Get(context.Background(), "amha-drill-partition-am-2", metav1.GetOptions{}); err == nil {
				t.Error("the policy outlived the heal")
			}
		})
	}
}
