package kube

import (
	"context"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
)

// Unit tests of the selection logic on client-go's fake clientset; the real API path
// (port-forward, RBAC, deleted pods) is tested against the rig.

func sts(ns, name string, labels map[string]string, c corev1.Container) *appsv1.StatefulSet {
	three := int32(3)
	sel := map[string]string{"app": name}
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    &three,
			ServiceName: "alertmanager-operated",
			Selector:    &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: sel},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{c, {Name: "config-reloader", Image: "quay.io/prometheus-operator/prometheus-config-reloader:v0.80.0"}}},
			},
		},
	}
}

func pod(s *appsv1.StatefulSet, i int, ip string) *corev1.Pod {
	name := s.Name + "-" + string(rune('0'+i))
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: s.Namespace, Name: name, Labels: s.Spec.Template.Labels,
			OwnerReferences: []metav1.OwnerReference{{Kind: "StatefulSet", Name: s.Name}},
		},
		Spec: corev1.PodSpec{Containers: s.Spec.Template.Spec.Containers},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
	}
}

var operatorContainer = corev1.Container{
	Name:  "alertmanager",
	Image: "quay.io/prometheus/alertmanager:v0.31.1",
	Args: []string{
		"--config.file=/etc/alertmanager/config_out/alertmanager.env.yaml",
		"--cluster.listen-address=[$(POD_IP)]:9094",
		"--cluster.peer=alertmanager-main-0.alertmanager-operated:9094",
		"--cluster.peer=alertmanager-main-1.alertmanager-operated:9094",
		"--cluster.peer=alertmanager-main-2.alertmanager-operated:9094",
		"--cluster.reconnect-timeout=5m",
		"--cluster.label=monitoring/main",
		"--cluster.peer-timeout=5s",
		"--web.listen-address=:9093",
	},
	Env:   []corev1.EnvVar{{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}}},
	Ports: []corev1.ContainerPort{{Name: "web", ContainerPort: 9093}, {Name: "mesh-tcp", ContainerPort: 9094}},
}

func fixtures() []runtime.Object {
	op := sts("monitoring", "alertmanager-main", map[string]string{"app.kubernetes.io/managed-by": "prometheus-operator"}, operatorContainer)
	helm := sts("monitoring", "am", map[string]string{"helm.sh/chart": "alertmanager-1.20.0"}, corev1.Container{
		Name: "alertmanager", Image: "quay.io/prometheus/alertmanager:v0.31.1@sha256:abc", Args: []string{"--storage.path=/alertmanager"},
	})
	other := sts("monitoring", "postgres", nil, corev1.Container{Name: "postgres", Image: "postgres:16"})
	elsewhere := sts("team-b", "alertmanager", nil, corev1.Container{Name: "am", Image: "registry.local/mirror/alertmanager:v0.34.2"})
	objs := []runtime.Object{op, helm, other, elsewhere}
	for i, ip := range []string{"198.18.0.10", "198.18.0.11", "198.18.0.12"} {
		objs = append(objs, pod(op, i, ip))
	}
	objs = append(objs, pod(helm, 0, "198.18.0.20"), pod(elsewhere, 0, "198.18.0.30"))
	// A pod matching the labels but owned by something else is not a replica.
	stray := pod(op, 9, "198.18.0.99")
	stray.OwnerReferences = nil
	return append(objs, stray)
}

func TestDiscover(t *testing.T) {
	cs := fake.NewClientset(fixtures()...)
	ctx := context.Background()

	found, err := discover(ctx, cs, "monitoring", "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range found {
		got = append(got, f.Name+"/"+f.Source)
	}
	if want := []string{"alertmanager-main/prometheus-operator", "am/helm"}; !slices.Equal(got, want) {
		t.Fatalf("found %v, want %v", got, want)
	}
	if n := len(found[0].Pods); n != 3 {
		t.Fatalf("operator cluster has %d pods, want 3 (the stray pod is not owned by the StatefulSet)", n)
	}

	all, err := discover(ctx, cs, "", "")
	if err != nil || len(all) != 3 || all[2].Namespace != "team-b" {
		t.Fatalf("all namespaces: %v %v", all, err)
	}

	// A prometheus-operator Alertmanager name finds its StatefulSet alertmanager-<name>.
	byCR, err := discover(ctx, cs, "monitoring", "main")
	if err != nil || len(byCR) != 1 || byCR[0].Name != "alertmanager-main" {
		t.Fatalf("by Alertmanager name: %v %v", byCR, err)
	}
	if _, err := discover(ctx, cs, "monitoring", "nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("unknown name: %v", err)
	}
}

func TestReplicas(t *testing.T) {
	cs := fake.NewClientset(fixtures()...)
	found, err := discover(context.Background(), cs, "monitoring", "alertmanager-main")
	if err != nil {
		t.Fatal(err)
	}
	reps := found[0].Replicas()
	if len(reps) != 3 {
		t.Fatalf("%d replicas", len(reps))
	}
	r := reps[1]
	if r.WebPort != 9093 || r.Info.IP != "198.18.0.11" || !r.Info.Ready {
		t.Fatalf("replica: %+v", r)
	}
	if la := r.Flags.ListenAddress; la == nil || *la != "[198.18.0.11]:9094" {
		t.Fatalf("$(POD_IP) not expanded: %v", la)
	}
	if got := r.Flags.EffectivePeerTimeout().String(); got != "5s" || len(r.Flags.Peers) != 3 {
		t.Fatalf("peer timeout %s, peers %v", got, r.Flags.Peers)
	}
	for _, want := range []string{"198.18.0.11:9093", "alertmanager-main-1.alertmanager-operated.monitoring.svc:9093"} {
		if !slices.Contains(r.WebAddresses, want) {
			t.Errorf("web addresses %v lack %s", r.WebAddresses, want)
		}
	}
}
