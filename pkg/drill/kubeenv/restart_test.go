package kubeenv

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/amha-dev/kubectl-amha/pkg/kube"
)

// storageWhere reads k8s/storage's messages, for a StatefulSet and for an Alertmanager object.
func TestStorageWhere(t *testing.T) {
	for msg, want := range map[string]string{
		"The notification log and silences (--storage.path /alertmanager) are on the emptyDir volume \"data\", lost when the pods are deleted": `the emptyDir volume "data"`,
		"The notification log and silences are on an emptyDir (the operator's default without spec.storage), lost when the pods are deleted":   "an emptyDir (the operator's default without spec.storage)",
		"something else": "something else",
	} {
		if got := storageWhere(msg); got != want {
			t.Errorf("storageWhere(%q) = %q, want %q", msg, got, want)
		}
	}
}

// Storage judges the StatefulSet's volume at --storage.path: an emptyDir is not persistent, a
// volumeClaimTemplate is.
func TestStorage(t *testing.T) {
	sts := func(claim bool) *appsv1.StatefulSet {
		s := &appsv1.StatefulSet{
			ObjectMeta: metav1.ObjectMeta{Name: "alertmanager-main", Namespace: "monitoring"},
			Spec: appsv1.StatefulSetSpec{Replicas: ptr(int32(3)), Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "alertmanager", Image: "quay.io/prometheus/alertmanager:v0.31.1",
					Args:         []string{"--storage.path=/alertmanager", "--cluster.listen-address=[$(POD_IP)]:9094"},
					VolumeMounts: []corev1.VolumeMount{{Name: "db", MountPath: "/alertmanager"}}}},
			}}},
		}
		if claim {
			s.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "db"}}}
		} else {
			s.Spec.Template.Spec.Volumes = []corev1.Volume{{Name: "db", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
		}
		return s
	}
	for _, claim := range []bool{false, true} {
		e := &Env{Found: &kube.Found{Namespace: "monitoring", Name: "alertmanager-main", StatefulSet: sts(claim)}}
		persistent, where, err := e.Storage(context.Background())
		if err != nil || persistent != claim || (!claim && !strings.Contains(where, "emptyDir")) {
			t.Errorf("claim %v: persistent %v, where %q, %v", claim, persistent, where, err)
		}
	}
}

func ptr[T any](v T) *T { return &v }
