package kube

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
)

func promObject(ns, name string, alertmanagers ...map[string]any) *unstructured.Unstructured {
	var ams []any
	for _, a := range alertmanagers {
		ams = append(ams, a)
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus",
		"metadata": map[string]any{"namespace": ns, "name": name},
		"spec":     map[string]any{"alerting": map[string]any{"alertmanagers": ams}},
	}}
}

func promPod(ns, name, owner string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"operator.prometheus.io/name": owner, "prometheus": owner}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "prometheus", Ports: []corev1.ContainerPort{{Name: "web", ContainerPort: 9090}}}}},
	}
}

func TestPrometheusPodsFor(t *testing.T) {
	objs := fixtures()
	amSvc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "monitoring", Name: "alertmanager-main"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "alertmanager-main"}}}
	otherSvc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "monitoring", Name: "grafana"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "grafana"}}}
	objs = append(objs, amSvc, otherSvc,
		promPod("monitoring", "prometheus-k8s-0", "k8s"), promPod("monitoring", "prometheus-k8s-1", "k8s"),
		promPod("apps", "prometheus-apps-0", "apps"), promPod("monitoring", "prometheus-other-0", "other"))
	cs := fake.NewClientset(objs...)
	scheme := runtime.NewScheme()
	dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(scheme, map[schema.GroupVersionResource]string{PrometheusGVR: "PrometheusList"},
		promObject("monitoring", "k8s", map[string]any{"name": "alertmanager-main", "port": "web"}),
		promObject("apps", "apps", map[string]any{"namespace": "monitoring", "name": "alertmanager-main", "port": "web"}),
		promObject("monitoring", "other", map[string]any{"name": "grafana"}),
	)
	found, err := discover(context.Background(), cs, "monitoring", "alertmanager-main")
	if err != nil {
		t.Fatal(err)
	}
	pods, err := (&Client{CS: cs, Dyn: dyn}).PrometheusPodsFor(context.Background(), &found[0])
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pods {
		got = append(got, p.Owner+":"+p.Pod.Name)
		if p.Port != 9090 {
			t.Errorf("%s: port %d", p.Pod.Name, p.Port)
		}
	}
	want := map[string]bool{"monitoring/k8s:prometheus-k8s-0": true, "monitoring/k8s:prometheus-k8s-1": true, "apps/apps:prometheus-apps-0": true}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, g := range got {
		if !want[g] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
