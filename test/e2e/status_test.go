package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/amha-dev/kubectl-amha/pkg/cmd"
	"github.com/amha-dev/kubectl-amha/ui"
)

func healthy(rep ui.StatusReport, code int) bool {
	if code != cmd.ExitOK || len(rep.Clusters) != 1 {
		return false
	}
	c := rep.Clusters[0]
	return len(c.Replicas) == 3 && len(c.Matrix.Islands) == 1 && len(c.Matrix.Columns) == 3
}

func TestOperatorShape(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ns := r.namespace(t, "amha-op")
	r.apply(t, ns, manifest(t, "operator-shape.yaml"))
	r.waitReady(t, ns, "alertmanager-main", 3)
	// Discovery by namespace alone, by StatefulSet name and by the Alertmanager object's name.
	rep, _ := r.eventually(t, 90*time.Second, healthy, "-n", ns)
	c := rep.Clusters[0]
	if c.Name != "alertmanager-main" || c.Source != "prometheus-operator" || c.DesiredReplicas != 3 {
		t.Fatalf("cluster: %s %s %d", c.Name, c.Source, c.DesiredReplicas)
	}
	for i, rp := range c.Replicas {
		if rp.Pod == nil || !rp.Pod.Ready || rp.Status.NodeName != rp.Name || !strings.HasPrefix(rp.Endpoint, "http://127.0.0.1:") {
			t.Fatalf("replica %d: %+v", i, rp)
		}
		if rp.Flags == nil || rp.Flags.Label == nil || *rp.Flags.Label != ns+"/main" || len(rp.Flags.Peers) != 3 {
			t.Fatalf("replica %d flags: %+v", i, rp.Flags)
		}
	}
	for _, name := range []string{"alertmanager-main", "main"} {
		if rep, code, _ := r.status(t, "-n", ns, name); !healthy(rep, code) {
			t.Fatalf("status %s: exit %d findings %v", name, code, ids(rep))
		}
	}
}

func TestHelmShape(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ns := r.namespace(t, "amha-helm")
	objs := manifest(t, "helm-shape.yaml")
	sts := statefulSet(objs)
	r.apply(t, ns, objs)
	r.waitReady(t, ns, sts.Name, int(*sts.Spec.Replicas))
	rep, _ := r.eventually(t, 90*time.Second, healthy, "-n", ns)
	if src := rep.Clusters[0].Source; src != "helm" {
		t.Fatalf("source %q, want helm", src)
	}
}

func TestClusteringDisabled(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ns := r.namespace(t, "amha-off")
	objs := manifest(t, "operator-shape.yaml")
	withoutClustering(statefulSet(objs))
	r.apply(t, ns, objs)
	r.waitReady(t, ns, "alertmanager-main", 3)
	rep, code, _ := r.status(t, "-n", ns)
	if code != cmd.ExitFindings || !slices.Contains(ids(rep), "mesh/disabled") {
		t.Fatalf("exit %d findings %v, want mesh/disabled", code, ids(rep))
	}
	for _, rp := range rep.Clusters[0].Replicas {
		if rp.Status == nil || rp.Status.Cluster != "disabled" || !rp.Pod.Ready {
			t.Fatalf("replica %s: pod Ready with clustering disabled expected: %+v", rp.Name, rp)
		}
	}
	// The configuration checks of the live StatefulSet name the cause: the argument itself.
	rep, code, _ = r.status(t, "-n", ns, "--config-checks")
	var at []string
	for _, f := range rep.Clusters[0].Findings {
		if f.ID == "cluster/disabled" {
			for _, l := range f.Locations {
				at = append(at, l.String())
			}
		}
	}
	want := "StatefulSet " + ns + "/alertmanager-main spec.template.spec.containers[0].args["
	if code != cmd.ExitFindings || len(at) != 1 || !strings.HasPrefix(at[0], want) {
		t.Fatalf("exit %d, cluster/disabled at %q, want one location %s<n>]; findings %v", code, at, want, ids(rep))
	}
}

// One replica restarted with another configuration: the others keep the one they loaded.
func TestConfigDrift(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ns := r.namespace(t, "amha-drift")
	r.apply(t, ns, manifest(t, "operator-shape.yaml"))
	r.waitReady(t, ns, "alertmanager-main", 3)
	r.eventually(t, 90*time.Second, healthy, "-n", ns)
	ctx := context.Background()
	sec, err := r.cs.CoreV1().Secrets(ns).Get(ctx, "alertmanager-main-generated", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(sec.Data["alertmanager.env.yaml"]), "group_by: [alertname, namespace]", "group_by: [alertname, namespace, cluster]", 1)
	sec.Data["alertmanager.env.yaml"] = []byte(cfg)
	if _, err := r.cs.CoreV1().Secrets(ns).Update(ctx, sec, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	r.deletePod(t, ns, "alertmanager-main-2")
	rep, _ := r.eventually(t, 120*time.Second, func(rep ui.StatusReport, code int) bool {
		return code == cmd.ExitFindings && slices.Contains(ids(rep), "mesh/config-drift")
	}, "-n", ns)
	for _, f := range rep.Clusters[0].Findings {
		if f.ID == "mesh/config-drift" && !strings.Contains(strings.Join(f.Details, "\n"), "cluster") {
			t.Fatalf("drift details lack the changed group_by: %v", f.Details)
		}
	}
}

// A pod deleted between discovery and collection: its port-forward fails cleanly and the
// report says the pod was deleted.
func TestPodDeletedWhileChecking(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ns := r.namespace(t, "amha-del")
	r.apply(t, ns, manifest(t, "operator-shape.yaml"))
	r.waitReady(t, ns, "alertmanager-main", 3)
	r.eventually(t, 90*time.Second, healthy, "-n", ns)
	r.deletePod(t, ns, "alertmanager-main-1")
	// Until the StatefulSet recreates it, the pod is gone or a new pod without a running container.
	rep, code, stderr := r.status(t, "-n", ns, "--request-timeout=5s")
	if code != cmd.ExitFindings {
		t.Fatalf("exit %d (%s)", code, stderr)
	}
	var found bool
	for _, rp := range rep.Clusters[0].Replicas {
		if rp.Name == "alertmanager-main-1" {
			found = true
			if rp.Error == "" {
				t.Fatalf("replica main-1 has no error: %+v", rp)
			}
		}
	}
	if found && !slices.Contains(ids(rep), "mesh/unreachable") {
		t.Fatalf("findings %v, want mesh/unreachable for the deleted pod", ids(rep))
	}
}
