package lint

import (
	"fmt"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// clusterLabelMissing: without --cluster.label (0.26+) a mesh accepts any node that reaches
// its port; replicas re-join the IPs of gone pods for --cluster.reconnect-timeout, and a pod of
// another Alertmanager cluster that gets such an IP merges the two clusters (ha-facts, issues
// 2250, 1835). Warning on Kubernetes, where pod IPs are reused all the time; info for command
// lines, whose addresses seldom pass to another Alertmanager.
type clusterLabelMissing struct{}

func (clusterLabelMissing) ID() string { return "cluster/label-missing" }

func (c clusterLabelMissing) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, cl := range s.Clusters() {
		if !clusterMeshOn(cl) {
			continue
		}
		var ws []*Workload
		for _, w := range cl.Workloads {
			if a := w.Arg("cluster.label"); w.Clustered() && (a == nil || a.Value == "") {
				ws = append(ws, w)
			}
		}
		if len(ws) == 0 {
			continue
		}
		w := ws[0]
		f := model.Finding{
			ID: c.ID(), Severity: model.Warning, Symptoms: []model.Symptom{model.Missed, model.Delayed},
			Message: fmt.Sprintf("No --cluster.label in a cluster of %d replicas: the mesh accepts any Alertmanager that reaches %s. "+
				"Replicas keep re-joining the IPs of pods that went away (for --cluster.reconnect-timeout, 6h by default); when Kubernetes gives such an IP "+
				"to a pod of another Alertmanager cluster, the two clusters merge (issues 2250, 1835). Merged clusters share silences, so a silence made "+
				"for the other cluster mutes alerts here (missed), and every foreign member can add a peer timeout to the replicas' waits (delayed).", cl.Replicas(), k8sMeshPorts(ws...)),
		}
		label := clusterLabelValue(w)
		if w.Kind == "Command" {
			f.Severity = model.Info
			f.Message = fmt.Sprintf("No --cluster.label in a cluster of %d replicas: the mesh accepts any Alertmanager that reaches %s. "+
				"Should another Alertmanager cluster ever get an address these replicas still re-join (for --cluster.reconnect-timeout, 6h by default), "+
				"the clusters merge and share silences (missed) and positions (delayed). Outside Kubernetes an address seldom passes to another Alertmanager, which makes that rare (issues 2250, 1835).", cl.Replicas(), k8sMeshPorts(ws...))
			label = "<site>/alertmanager"
		}
		f.Fix = fmt.Sprintf("Set %s, the same value on every replica of this cluster and a different one on every other cluster. "+
			"Labelled and unlabelled nodes cannot talk: adding or changing the label splits the cluster until every replica runs with it, "+
			"so expect islands and duplicate notifications during that rollout.", clusterSet(w, "cluster.label", label))
		if atLeast, known := versionAtLeast(w.Version, 0, 26); known && !atLeast {
			f.Fix = fmt.Sprintf("--cluster.label exists from Alertmanager 0.26 (this runs %s): upgrade, then %s", w.Version, f.Fix)
		}
		for _, w := range ws {
			f.Objects = append(f.Objects, w.ID())
			f.Locations = append(f.Locations, clusterArgLoc(w, nil))
		}
		out = append(out, f)
	}
	return out
}
