package snapshot

import (
	"slices"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/amha-dev/kubectl-amha/pkg/checks"
	"github.com/amha-dev/kubectl-amha/pkg/kube"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/suppress"
)

// liveStatefulSet is a 3-replica StatefulSet as the API server returns it, with annotations.
func liveStatefulSet(annotations map[string]string) *appsv1.StatefulSet {
	three := int32(3)
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "am", Namespace: "mon", Annotations: annotations},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    &three,
			ServiceName: "am",
			Selector:    &metav1.LabelSelector{MatchLabels: map[string]string{"app": "am"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "am"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "alertmanager", Image: "quay.io/prometheus/alertmanager:v0.31.1",
					Args: []string{"--cluster.peer=am-0.am:9094", "--cluster.peer=am-1.am:9094", "--cluster.peer=am-2.am:9094"},
				}}},
			},
		},
	}
}

// status honours the annotations of the live objects and --disable: the workload's annotation
// holds for every finding of the cluster, another object's for the findings that point at it.
func TestAnalyseSuppressesLiveFindings(t *testing.T) {
	sts := liveStatefulSet(map[string]string{suppress.Annotation: "k8s/spread"})
	zero := intstr.FromInt32(0)
	pdb := policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "am", Namespace: "mon", Annotations: map[string]string{suppress.Annotation: "k8s/pdb"}},
		Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &zero,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "am"}}},
	}
	f := &kube.Found{Namespace: "mon", Name: "am", StatefulSet: sts}
	live := newLiveConfig(f, kube.Objects{PDBs: []policyv1.PodDisruptionBudget{pdb}})

	var base suppress.Rules
	base.Disable([]string{"cluster/insecure-gossip"}, model.Suppression{By: suppress.ByFlag, Where: "--disable"})
	rules := clusterRules(&base, f, new([]string))
	c := model.Cluster{Name: "am", Namespace: "mon"}
	analyse(&c, checks.Options{}, live, rules)

	var got []string
	for _, s := range c.Suppressed {
		got = append(got, s.ID+" by "+s.SuppressedBy.String())
	}
	sort.Strings(got)
	want := []string{
		"cluster/insecure-gossip by --disable",
		"k8s/pdb by annotation on PodDisruptionBudget mon/am",
		"k8s/spread by annotation on StatefulSet mon/am",
	}
	if !slices.Equal(got, want) {
		t.Errorf("suppressed = %v, want %v", got, want)
	}
	for _, f := range c.Findings {
		if slices.Contains([]string{"k8s/spread", "k8s/pdb", "cluster/insecure-gossip"}, f.ID) {
			t.Errorf("%s still among the findings", f.ID)
		}
	}
	if len(c.Findings) == 0 {
		t.Errorf("every finding suppressed; want the others kept (cluster/label-missing at least)")
	}
	// Without the annotations and the flag, the same findings are reported.
	c2 := model.Cluster{Name: "am", Namespace: "mon"}
	pdb.Annotations = nil
	f2 := &kube.Found{Namespace: "mon", Name: "am", StatefulSet: liveStatefulSet(nil)}
	analyse(&c2, checks.Options{}, newLiveConfig(f2, kube.Objects{PDBs: []policyv1.PodDisruptionBudget{pdb}}), clusterRules(nil, f2, new([]string)))
	var ids []string
	for _, f := range c2.Findings {
		ids = append(ids, f.ID)
	}
	for _, id := range []string{"k8s/spread", "k8s/pdb", "cluster/insecure-gossip"} {
		if !slices.Contains(ids, id) {
			t.Errorf("%s not reported without suppression: %v", id, ids)
		}
	}
}

// An unknown id in a live annotation does not stop status: the annotation is left out and a
// note says so.
func TestAnalyseUnknownIDInAnnotation(t *testing.T) {
	f := &kube.Found{Namespace: "mon", Name: "am", StatefulSet: liveStatefulSet(map[string]string{suppress.Annotation: "k8s/sprad"})}
	var notes []string
	rules := clusterRules(nil, f, &notes)
	c := model.Cluster{Name: "am", Namespace: "mon"}
	analyse(&c, checks.Options{}, newLiveConfig(f, kube.Objects{}), rules)
	if len(c.Suppressed) != 0 {
		t.Errorf("suppressed by an annotation naming an unknown id: %v", c.Suppressed)
	}
	// The note names the object, the id, the known ids of its area (k8s/spread among them).
	if len(notes) != 1 || !strings.HasPrefix(notes[0], `StatefulSet mon/am: annotation amha.dev/ignore: unknown finding id "k8s/sprad"`) ||
		!strings.Contains(notes[0], "k8s/spread") || !strings.HasSuffix(notes[0], "; the annotation is not applied") {
		t.Errorf("notes = %q", notes)
	}
}
