package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/amha-dev/kubectl-amha/internal/ptytest"
	"github.com/amha-dev/kubectl-amha/pkg/cmd"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/ui"
)

// `kubectl amha snippets NAME` on a running cluster with known mistakes: the patch it writes,
// applied by its own patch-apply.sh with the rig's kubectl (and kubectl-amha found by kubectl
// as a plugin, for the script's last step), leaves a whole mesh where status reports none of
// the mistakes; only what the patch does not compare (the configuration) stays reported.
func TestSnippetsPatchRunningClusterOnRig(t *testing.T) {
	r := newRig(t)
	ns := r.namespace(t, "amha-patch")

	// The Helm chart's shape with three mistakes: the headless Service without 9094/UDP,
	// no PodDisruptionBudget, and no --cluster.label. Storage is a claim, so that storage is
	// not among the findings.
	objs := manifest(t, "helm-shape.yaml")
	for _, o := range objs {
		if svc, ok := o.(*corev1.Service); ok && svc.Name == "alertmanager-headless" {
			svc.Spec.Ports = slices.DeleteFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.Protocol == corev1.ProtocolUDP })
		}
	}
	sts := statefulSet(objs)
	sts.Spec.Template.Spec.Volumes = slices.DeleteFunc(sts.Spec.Template.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == "storage" })
	sts.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{
		ObjectMeta: metav1.ObjectMeta{Name: "storage"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}}
	r.persistentVolumes(t, ns, sts)
	r.apply(t, ns, objs)
	r.waitReady(t, ns, sts.Name, 3)

	before, _ := r.eventually(t, 90*time.Second, func(rep ui.StatusReport, _ int) bool {
		return len(rep.Clusters) == 1 && len(rep.Clusters[0].Matrix.Islands) == 1 && len(rep.Clusters[0].Matrix.Columns) == 3
	}, "-n", ns, "--config-checks=true")
	for _, want := range []string{"k8s/mesh-port-udp", "k8s/pdb"} {
		if !slices.Contains(ids(before), want) {
			t.Fatalf("the broken cluster does not show %s: %v", want, ids(before))
		}
	}

	dir := t.TempDir()
	if code, text := amha(t, "snippets", sts.Name, "-n", ns, "--kubeconfig", r.kubeconfig, "--out", dir); code != cmd.ExitOK {
		t.Fatalf("snippets %s: exit %d\n%s", sts.Name, code, text)
	}
	script, err := os.ReadFile(filepath.Join(dir, "patch-apply.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"patch-service", "patch-pdb", "--cluster.label", "managed by Helm",
		"the mesh is split in two and both sides notify", "# kubectl apply -f patch-networkpolicy.yaml"} {
		if !strings.Contains(string(script)+listDir(t, dir), want) {
			t.Errorf("the patch lacks %q:\n%s", want, script)
		}
	}

	r.patchApply(t, dir)

	// Fixed: the mistakes the patch is about. What it does not compare (the configuration, the
	// start delay) or leaves to the user (the NetworkPolicy) stays reported, and so do, until --cluster.reconnect-timeout (the patch sets
	// 5m) forgets them, the addresses of the pods the rollout replaced.
	// The NetworkPolicy is written but not applied by the script (it would deny every other client).
	notPatched := map[string]bool{"config/no-watchdog": true, "k8s/start-delay": true, "mesh/failed-peers": true, "mesh/settling": true,
		"cluster/insecure-gossip": true}
	after := r.patchedMesh(t, notPatched, sts.Name, "-n", ns)
	for _, f := range after.Clusters[0].Findings {
		t.Logf("after the patch, not the patch's to fix: %s %s", f.Severity, f.ID)
	}
	if l := after.Clusters[0].Replicas[0].Flags.Label; l == nil || *l == "" {
		t.Errorf("the patched pods run without --cluster.label")
	}
}

// patchApply runs the patch-apply.sh that snippets wrote in dir as a user runs it: the rig's
// kubectl and the built plugin on PATH. Its last step is status, which exits 1 while the rolled
// pods still settle: the caller judges the cluster afterwards.
func (r *rig) patchApply(t *testing.T, dir string) {
	t.Helper()
	kubectl := rigKubectl(t)
	bin := ptytest.Build(t)
	sh := exec.Command("sh", "patch-apply.sh")
	sh.Dir = dir
	sh.Env = append(os.Environ(), "KUBECONFIG="+r.kubeconfig,
		"PATH="+filepath.Dir(kubectl)+":"+filepath.Dir(bin)+":"+os.Getenv("PATH"))
	out, err := sh.CombinedOutput()
	t.Logf("patch-apply.sh:\n%s", out)
	// Every step must succeed (set -eu): only the final status' findings are tolerated, and
	// the script says so with an echo instead of failing.
	if err != nil {
		t.Fatalf("patch-apply.sh: %v", err)
	}
}

// patchedMesh waits up to 2 minutes for status (with the configuration checks) to show a whole
// mesh of 3 with no finding but those in allowed, and returns that report.
func (r *rig) patchedMesh(t *testing.T, allowed map[string]bool, args ...string) ui.StatusReport {
	t.Helper()
	after, _ := r.eventually(t, 120*time.Second, func(rep ui.StatusReport, code int) bool {
		if code == cmd.ExitNoCheck || len(rep.Clusters) != 1 {
			return false
		}
		c := rep.Clusters[0]
		if len(c.Replicas) != 3 || len(c.Matrix.Islands) != 1 || len(c.Matrix.Columns) != 3 {
			return false
		}
		return !slices.ContainsFunc(c.Findings, func(f model.Finding) bool { return !allowed[f.ID] })
	}, append(args, "--config-checks=true")...)
	return after
}

// listDir is the names and contents of the files in dir, for assertions across them.
func listDir(t *testing.T, dir string) string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range es {
		c, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		b.WriteString(e.Name() + "\n" + string(c) + "\n")
	}
	return b.String()
}

// rigKubectl is the rig's kubectl (rig.sh env exports AMHA_RIG_KUBECTL), else one on PATH.
func rigKubectl(t *testing.T) string {
	t.Helper()
	if k := os.Getenv("AMHA_RIG_KUBECTL"); k != "" {
		return k
	}
	k, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatal("no kubectl: set AMHA_RIG_KUBECTL (eval \"$(test/rig/rig.sh env)\")")
	}
	return k
}
