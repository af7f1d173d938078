package kube

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestSinkPodIsRestricted(t *testing.T) {
	d := DrillObject{Namespace: "monitoring", Run: "abc", Expires: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	dep, svc := SinkObjects(d, "img:1")
	for _, m := range []metav1.ObjectMeta{dep.ObjectMeta, svc.ObjectMeta, dep.Spec.Template.ObjectMeta} {
		if m.Labels[ManagedByLabel] != ManagedBy || m.Labels[DrillRunLabel] != "abc" || m.Annotations[ExpiresAnno] != "2026-01-02T03:04:05Z" {
			t.Errorf("%q: labels %v annotations %v", m.Name, m.Labels, m.Annotations)
		}
	}
	pod := dep.Spec.Template
	if pod.Annotations["sidecar.istio.io/inject"] != "false" {
		t.Error("no sidecar.istio.io/inject: false")
	}
	ps := pod.Spec.SecurityContext
	if ps.RunAsNonRoot == nil || !*ps.RunAsNonRoot || ps.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod security context %+v", ps)
	}
	c := pod.Spec.Containers[0].SecurityContext
	if c.AllowPrivilegeEscalation == nil || *c.AllowPrivilegeEscalation || !slices.Equal(c.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("container security context %+v", c)
	}
	if !slices.Equal(pod.Spec.Containers[0].Args[:1], []string{"sink"}) || svc.Spec.Ports[0].Port != 8080 {
		t.Errorf("args %v, port %d", pod.Spec.Containers[0].Args, svc.Spec.Ports[0].Port)
	}
}

func TestPartitionPolicyCutsOnlyTheMeshPort(t *testing.T) {
	p := PartitionPolicy(DrillObject{Namespace: "ns", Run: "abc"}, "am-2", MeshPort)
	if p.Spec.PodSelector.MatchLabels["statefulset.kubernetes.io/pod-name"] != "am-2" || len(p.Spec.PolicyTypes) != 2 {
		t.Fatalf("selector %v types %v", p.Spec.PodSelector, p.Spec.PolicyTypes)
	}
	allowed := func(proto corev1.Protocol, port int32) bool {
		for _, r := range p.Spec.Ingress[0].Ports {
			if *r.Protocol == proto && r.Port.IntVal <= port && port <= *r.EndPort {
				return true
			}
		}
		return false
	}
	for _, proto := range []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP} {
		for port, want := range map[int32]bool{1: true, 53: true, 8080: true, 9093: true, 9094: false, 9095: true, 65535: true} {
			if allowed(proto, port) != want {
				t.Errorf("%s %d allowed %v, want %v", proto, port, !want, want)
			}
		}
	}
	if len(p.Spec.Egress) != 1 || len(p.Spec.Egress[0].Ports) != len(p.Spec.Ingress[0].Ports) {
		t.Error("egress differs from ingress")
	}
}

func TestDeleteDrillObjectsOnlyTheRuns(t *testing.T) {
	cs := fake.NewClientset()
	c := &Client{CS: cs, Timeout: time.Second}
	ctx := context.Background()
	mine := DrillObject{Namespace: "ns", Run: "mine", Expires: time.Now()}
	if err := c.CreateSink(ctx, mine, "img"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateNetworkPolicy(ctx, PartitionPolicy(mine, "am-2", MeshPort)); err != nil {
		t.Fatal(err)
	}
	other := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "team", Namespace: "ns"}}
	if _, err := cs.CoreV1().Services("ns").Create(ctx, other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateSink(ctx, mine, "img"); err == nil {
		t.Error("a second sink was created over the first")
	}
	deleted, err := c.DeleteDrillObjects(ctx, mine)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"deployment/amha-drill-sink", "service/amha-drill-sink", "networkpolicy/amha-drill-partition-am-2"}
	if !slices.Equal(deleted, want) {
		t.Errorf("deleted %v, want %v", deleted, want)
	}
	if _, err := cs.CoreV1().Services("ns").Get(ctx, "team", metav1.GetOptions{}); err != nil {
		t.Errorf("the team's service: %v", err)
	}
}

func TestDrillLeftoversByRun(t *testing.T) {
	cs := fake.NewClientset()
	c := &Client{CS: cs, Timeout: time.Second}
	ctx := context.Background()
	old := DrillObject{Namespace: "ns", Run: "old", Expires: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := c.CreateSink(ctx, old, "img"); err != nil {
		t.Fatal(err)
	}
	live := DrillObject{Namespace: "ns", Run: "live", Expires: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}
	if _, err := c.CreateNetworkPolicy(ctx, PartitionPolicy(live, "am-2", MeshPort)); err != nil {
		t.Fatal(err)
	}
	got, err := c.DrillLeftovers(ctx, "ns")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Run != "old" || !got[0].Expires.Equal(old.Expires) || len(got[0].Objects) != 2 ||
		got[1].Run != "live" || !got[1].Expires.Equal(live.Expires) || got[1].Objects[0] != "networkpolicy/amha-drill-partition-am-2" {
		t.Errorf("leftovers %+v", got)
	}
}

// status may not list Deployments (its Role has no such right): the sink's Service still tells
// of the drill, where the drill's own listing fails.
func TestDrillsInProgressWithoutDeployments(t *testing.T) {
	cs := fake.NewClientset()
	cs.PrependReactor("list", "deployments", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "deployments"}, "", errors.New("no right"))
	})
	c := &Client{CS: cs, Timeout: time.Second}
	ctx := context.Background()
	d := DrillObject{Namespace: "ns", Run: "live", Expires: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}
	_, svc := SinkObjects(d, "img")
	if _, err := cs.CoreV1().Services("ns").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := c.DrillsInProgress(ctx, "ns")
	if err != nil || len(got) != 1 || got[0].Run != "live" || got[0].Objects[0] != "service/"+SinkName {
		t.Errorf("in progress %+v, %v", got, err)
	}
	if _, err := c.DrillLeftovers(ctx, "ns"); err == nil {
		t.Error("DrillLeftovers hid a refused list")
	}
}
