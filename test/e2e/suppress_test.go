package e2e

import (
	"slices"
	"testing"

	"github.com/amha-dev/kubectl-amha/pkg/cmd"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// status honours the amha.dev/ignore annotation of the live StatefulSet: the mesh finding it
// names is reported apart as suppressed and does not count for the exit code; a finding it
// does not name still counts.
func TestStatusSuppressAnnotation(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ns := r.namespace(t, "amha-ignore")
	objs := manifest(t, "operator-shape.yaml")
	sts := statefulSet(objs)
	sts.Annotations = map[string]string{"amha.dev/ignore": "mesh/disabled"}
	withoutClustering(sts)
	r.apply(t, ns, objs)
	r.waitReady(t, ns, "alertmanager-main", 3)

	rep, code, _ := r.status(t, "-n", ns)
	cl := rep.Clusters[0]
	want := model.Suppression{By: "annotation", Where: "StatefulSet " + ns + "/alertmanager-main"}
	var by []model.Suppression
	for _, s := range cl.Suppressed {
		if s.ID == "mesh/disabled" {
			by = append(by, s.SuppressedBy)
		}
	}
	if len(by) == 0 || slices.ContainsFunc(by, func(s model.Suppression) bool { return s != want }) {
		t.Fatalf("mesh/disabled suppressed by %v, want by %v; findings %v", by, want, ids(rep))
	}
	if slices.Contains(ids(rep), "mesh/disabled") {
		t.Fatalf("mesh/disabled still among the findings: %v", ids(rep))
	}
	// mesh/disabled is the only finding of the mesh here: accepted, the cluster is healthy.
	if code != cmd.ExitOK || len(cl.Findings) != 0 {
		t.Fatalf("exit %d findings %v, want exit 0 and none", code, ids(rep))
	}
	// The configuration checks' cluster/disabled is not named by the annotation: it counts.
	rep, code, _ = r.status(t, "-n", ns, "--config-checks")
	if code != cmd.ExitFindings || !slices.Contains(ids(rep), "cluster/disabled") || slices.Contains(ids(rep), "mesh/disabled") {
		t.Fatalf("--config-checks: exit %d findings %v, want exit 1 with cluster/disabled and without mesh/disabled", code, ids(rep))
	}
}
