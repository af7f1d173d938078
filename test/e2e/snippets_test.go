package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/amha-dev/kubectl-amha/pkg/cmd"
	"github.com/amha-dev/kubectl-amha/ui"
)

// The StatefulSet snippet, applied as written (only the image swapped for the rig's, and
// volumes provided by hand-made PersistentVolumes), runs a healthy mesh that the
// configuration checks find nothing wrong with: the remediation amha prints is itself clean,
// on a real cluster with its NetworkPolicy enforced.
func TestSnippetsStatefulSetOnRig(t *testing.T) {
	// Not parallel: NetworkPolicy enforcement is timing-sensitive on a busy rig (see
	// test/rig/netpol), so the policy tests run alone, before the parallel ones.
	r := newRig(t)
	ns := r.namespace(t, "amha-snip")
	out := t.TempDir()
	amha(t, "snippets", "--only", "statefulset", "-n", ns, "--replicas", "3", "--out", out)
	b, err := os.ReadFile(filepath.Join(out, "alertmanager.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// lint agrees with itself first: the files it wrote have no warning.
	if code, text := amha(t, "lint", "-f", filepath.Join(out, "alertmanager.yaml")); code != 0 {
		t.Fatalf("lint of the snippet: exit %d\n%s", code, text)
	}

	objs := decodeAll(t, "alertmanager.yaml", b)
	sts := statefulSet(objs)
	if sts == nil {
		t.Fatal("the snippet has no StatefulSet")
	}
	c := &sts.Spec.Template.Spec.Containers[0]
	c.Image, c.ImagePullPolicy = rigAMImage(), corev1.PullNever
	r.persistentVolumes(t, ns, sts)
	r.apply(t, ns, objs)
	r.waitReady(t, ns, sts.Name, 3)

	rep, _ := r.eventually(t, 90*time.Second, func(rep ui.StatusReport, code int) bool {
		return code == cmd.ExitOK && len(rep.Clusters) == 1 && healthy(rep, code)
	}, "-n", ns, "--config-checks=true")
	for _, f := range rep.Clusters[0].Findings {
		t.Logf("finding %s %s", f.Severity, f.ID)
	}
}

// amha runs the plugin's root command in-process: exit code and combined output.
func amha(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	root := cmd.NewRoot(genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &out})
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		fmt.Fprintln(&out, err)
		return cmd.CodeOf(err), out.String()
	}
	return cmd.ExitOK, out.String()
}

func rigAMImage() string {
	if v := os.Getenv("AMHA_RIG_AM_IMAGE"); v != "" {
		return v
	}
	return "amha.local/alertmanager:v0.31.1"
}

// persistentVolumes gives each claim of the StatefulSet a hostPath volume in a directory the
// test owns (the rig has no provisioner), pre-bound to the claim's name.
func (r *rig) persistentVolumes(t *testing.T, ns string, sts *appsv1.StatefulSet) {
	t.Helper()
	ctx := context.Background()
	for _, vct := range sts.Spec.VolumeClaimTemplates {
		for i := 0; i < int(*sts.Spec.Replicas); i++ {
			dir := t.TempDir()
			if err := os.Chmod(dir, 0o777); err != nil {
				t.Fatal(err)
			}
			claim := fmt.Sprintf("%s-%s-%d", vct.Name, sts.Name, i)
			pv := &corev1.PersistentVolume{
				ObjectMeta: metav1.ObjectMeta{Name: ns + "-" + claim},
				Spec: corev1.PersistentVolumeSpec{
					Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
					AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
					ClaimRef:                      &corev1.ObjectReference{Namespace: ns, Name: claim},
					PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: dir}},
				},
			}
			if _, err := r.cs.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				_ = r.cs.CoreV1().PersistentVolumes().Delete(context.Background(), pv.Name, metav1.DeleteOptions{})
			})
		}
	}
}
