package kube

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// The selection logic of NAME completion, on client-go's fake clientsets: Alertmanager
// StatefulSets and prometheus-operator Alertmanager objects of one namespace, nothing else.
func TestNames(t *testing.T) {
	am := func(ns, name string) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "monitoring.coreos.com/v1", "kind": "Alertmanager",
			"metadata": map[string]any{"namespace": ns, "name": name},
		}}
	}
	cs := fake.NewClientset(fixtures()...)
	dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{AlertmanagerGVR: "AlertmanagerList"},
		am("monitoring", "main"), am("team-b", "other"))
	c := &Client{CS: cs, Dyn: dyn, Timeout: 5 * time.Second}
	names, err := c.Names(context.Background(), "monitoring")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range names {
		got = append(got, n.Name+"/"+n.Kind)
	}
	// postgres is no Alertmanager; team-b is another namespace.
	if want := []string{"alertmanager-main/StatefulSet", "am/StatefulSet", "main/Alertmanager"}; !slices.Equal(got, want) {
		t.Errorf("names %v, want %v", got, want)
	}

	// Without the CRD (or the right to list it) the StatefulSets still complete.
	dyn.PrependReactor("list", "alertmanagers", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, fmt.Errorf("the server could not find the requested resource")
	})
	names, err = c.Names(context.Background(), "monitoring")
	if err != nil || len(names) != 2 {
		t.Errorf("without the CRD: %v, %v; want the 2 StatefulSets", names, err)
	}

	// The StatefulSets' error is the answer's: RBAC named, with the namespace.
	cs.PrependReactor("list", "statefulsets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, fmt.Errorf("forbidden")
	})
	if _, err := c.Names(context.Background(), "monitoring"); err == nil || !strings.Contains(err.Error(), "list statefulsets in namespace monitoring") {
		t.Errorf("list refused: %v", err)
	}
}

func TestNamespaces(t *testing.T) {
	ns := func(name string) *corev1.Namespace {
		return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	}
	c := &Client{CS: fake.NewClientset(ns("team-b"), ns("monitoring"), ns("default")), Timeout: 5 * time.Second}
	got, err := c.Namespaces(context.Background())
	if want := []string{"default", "monitoring", "team-b"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("namespaces %v, %v; want %v", got, err, want)
	}
}
