package e2e

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/amha-dev/kubectl-amha/internal/ptytest"
)

var alertmanagers = schema.GroupVersionResource{Group: "monitoring.coreos.com", Version: "v1", Resource: "alertmanagers"}

// kube-prometheus' own Alertmanager manifests (testdata/kube-prometheus), reconciled by the
// rig's real prometheus-operator v0.93.0: the released kubectl-amha binary, run as the kubectl
// plugin, finds the cluster by namespace, by the StatefulSet's name and by the Alertmanager
// object's name, and sees a whole mesh of 3. The configuration checks' findings on what the
// operator generated are logged, not asserted (see the comment near the end).
func TestKubePrometheus(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.needOperator(t)
	ns := r.namespace(t, "amha-kp")
	r.kubectl(t, "apply", "--server-side", "-n", ns, "-f", "testdata/kube-prometheus/")
	r.waitAlertmanager(t, ns, "main", 3)
	r.waitReady(t, ns, "alertmanager-main", 3)
	r.checkGenerated(t, ns)

	user := &rig{kubeconfig: r.kubeconfig, cs: r.cs, plugin: ptytest.Build(t)}
	rep, _ := user.eventually(t, 90*time.Second, healthy, "-n", ns)
	c := rep.Clusters[0]
	if c.Name != "alertmanager-main" || c.Source != "prometheus-operator" || c.DesiredReplicas != 3 {
		t.Fatalf("cluster: %s %s %d", c.Name, c.Source, c.DesiredReplicas)
	}
	for _, rp := range c.Replicas {
		if rp.Pod == nil || !rp.Pod.Ready || rp.Status == nil || rp.Status.Cluster != "ready" || len(rp.Status.Peers) != 3 {
			t.Fatalf("replica %s: want Ready, mesh ready with 3 peers: %+v", rp.Name, rp)
		}
		if rp.Flags == nil || rp.Flags.Label == nil || *rp.Flags.Label != ns+"/main" || len(rp.Flags.Peers) != 3 {
			t.Fatalf("replica %s flags: %+v", rp.Name, rp.Flags)
		}
	}
	for _, name := range []string{"alertmanager-main", "main"} {
		if rep, code, stderr := user.status(t, "-n", ns, name); !healthy(rep, code) {
			t.Fatalf("status %s: exit %d findings %v %s", name, code, ids(rep), stderr)
		}
	}

	// The configuration checks of the live objects (recorded in test/rig/README.md, "kube-prometheus
	// on the rig"): the ones that hold for these manifests, and no other. kube-prometheus'
	// PodDisruptionBudget and NetworkPolicy select the pods by their podMetadata labels, which
	// amha models as the operator copies them (no k8s/pdb, no cluster/insecure-gossip).
	rep, code, stderr := user.status(t, "-n", ns, "--config-checks")
	got := map[string]bool{}
	for _, f := range rep.Clusters[0].Findings {
		var at []string
		for _, l := range f.Locations {
			at = append(at, l.String())
		}
		t.Logf("  %s %s: %s [%s]", f.Severity, f.ID, f.Message, strings.Join(at, "; "))
		got[f.ID] = true
		if !holds[f.ID] {
			t.Errorf("status --config-checks on kube-prometheus: %s %s is not one that holds for these manifests: %s", f.Severity, f.ID, f.Message)
		}
	}
	for id := range holds {
		if !got[id] {
			t.Errorf("status --config-checks: %s missing (exit %d, findings %v) %s", id, code, ids(rep), stderr)
		}
	}
}

// holds are the findings status gives on kube-prometheus' manifests as the rig runs them, each
// true: no anti-affinity or spread (k8s/spread), an emptyDir (k8s/storage), the Watchdog routed
// to a receiver without integrations (config/no-watchdog), no --dispatch.start-delay
// (k8s/start-delay, info).
var holds = map[string]bool{"k8s/spread": true, "k8s/storage": true, "config/no-watchdog": true, "k8s/start-delay": true}

// needOperator skips (fails under AMHA_E2E_REQUIRED=1) when the rig serves no Alertmanager
// CRD: a rig brought up without prometheus-operator.
func (r *rig) needOperator(t *testing.T) {
	t.Helper()
	if _, err := r.cs.Discovery().ServerResourcesForGroupVersion(alertmanagers.GroupVersion().String()); err != nil {
		if os.Getenv("AMHA_E2E_REQUIRED") == "1" {
			t.Fatalf("the rig has no prometheus-operator CRDs (%v): bring it up with test/rig/rig.sh up", err)
		}
		t.Skipf("the rig has no prometheus-operator CRDs: %v", err)
	}
}

// kubectl runs the rig's kubectl as the test's admin.
func (r *rig) kubectl(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command(kubectlPath(), append([]string{"--kubeconfig", r.kubeconfig}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// waitAlertmanager waits until the operator reports n available replicas of the Alertmanager
// object and its Available and Reconciled conditions are True.
func (r *rig) waitAlertmanager(t *testing.T, ns, name string, n int64) {
	t.Helper()
	dc := r.dynamic(t)
	deadline := time.Now().Add(180 * time.Second)
	var last *unstructured.Unstructured
	for time.Now().Before(deadline) {
		am, err := dc.Resource(alertmanagers).Namespace(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err == nil {
			last = am
			avail, _, _ := unstructured.NestedInt64(am.Object, "status", "availableReplicas")
			if avail == n && condition(am, "Available") == "True" && condition(am, "Reconciled") == "True" {
				return
			}
		}
		time.Sleep(time.Second)
	}
	r.dumpPods(t, ns)
	var status any
	if last != nil {
		status = last.Object["status"]
	}
	t.Fatalf("Alertmanager %s/%s: not %d available and reconciled within 180s; status %v", ns, name, n, status)
}

// dynamic is a dynamic client of the rig, for the operator's objects.
func (r *rig) dynamic(t *testing.T) dynamic.Interface {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", r.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return dc
}

func condition(obj *unstructured.Unstructured, typ string) string {
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok && m["type"] == typ {
			s, _ := m["status"].(string)
			return s
		}
	}
	return ""
}

// checkGenerated checks that the StatefulSet is the operator's work with the rig's images: the
// Alertmanager image of the object and the config-reloader image the rig gave the operator.
func (r *rig) checkGenerated(t *testing.T, ns string) {
	t.Helper()
	sts, err := r.cs.AppsV1().StatefulSets(ns).Get(context.Background(), "alertmanager-main", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	images := map[string]string{}
	for _, c := range append(sts.Spec.Template.Spec.InitContainers, sts.Spec.Template.Spec.Containers...) {
		images[c.Name] = c.Image
	}
	want := map[string]string{
		"alertmanager":         rigAMImage(),
		"config-reloader":      "amha.local/prometheus-config-reloader:rig",
		"init-config-reloader": "amha.local/prometheus-config-reloader:rig",
	}
	for name, image := range want {
		if images[name] != image {
			t.Errorf("container %s: image %q, want %q (all: %v)", name, images[name], image, images)
		}
	}
	if owner := metav1.GetControllerOf(sts); owner == nil || owner.Kind != "Alertmanager" || owner.Name != "main" {
		t.Errorf("StatefulSet controller %+v, want the Alertmanager main", owner)
	}
}
