package checks

import (
	"fmt"

	"github.com/amha-dev/kubectl-amha/pkg/mesh"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

type meshMissingPeer struct{}

func (meshMissingPeer) ID() string { return "mesh/missing-peer" }

// Run reports replicas that see fewer replicas than there are. A split into islands is
// reported by mesh/island; this check speaks of one-sided views and members short of the
// StatefulSet's replica count.
func (meshMissingPeer) Run(c *model.Cluster, _ Options) []model.Finding {
	if len(c.Matrix.Islands) > 1 {
		return nil
	}
	// Expected in every view: the clustered replicas that answered, plus pods the StatefulSet
	// wants that do not exist. Unreachable and disabled replicas have findings of their own.
	want := len(mesh.Clustered(c)) + max(0, c.DesiredReplicas-len(c.Replicas))
	var out []model.Finding
	rowOf := map[string]int{}
	for i, n := range c.Matrix.Rows {
		rowOf[n] = i
	}
	for _, r := range answered(c) {
		if r.Status.Cluster == "disabled" {
			continue
		}
		cells := c.Matrix.Cells[rowOf[r.Name]]
		var missing []string
		for j, col := range c.Matrix.Columns {
			if col.Replica != "" && cells[j] == model.CellMissing && answeredClustered(c, col.Replica) {
				missing = append(missing, col.Replica)
			}
		}
		// Replicas whose own member was seen by nobody are missing too: count members.
		seesReplicas := 0
		for j, col := range c.Matrix.Columns {
			if col.Replica != "" && answeredClustered(c, col.Replica) && (cells[j] == model.CellSees || cells[j] == model.CellSelf) {
				seesReplicas++
			}
		}
		if len(missing) == 0 && seesReplicas >= want {
			continue
		}
		msg := fmt.Sprintf("%s sees %d of %d replicas", r.Name, seesReplicas, want)
		if len(missing) > 0 {
			msg += fmt.Sprintf(" (not %v, though they run)", missing)
		}
		out = append(out, model.Finding{
			ID: "mesh/missing-peer", Severity: model.Warning, Symptoms: []model.Symptom{model.Duplicates, model.Delayed},
			Objects: []string{r.Name},
			Message: msg + ". A replica missing from its view does not get its notification log entries in time: both may " +
				"send, and positions (the order in which replicas wait) differ between views.",
			Fix: "List every replica in --cluster.peer (one per replica, including itself) and check 9094/TCP+UDP between them. " +
				"A member that never appears is usually a replica that cannot resolve or reach its peers; look for " +
				"'failed to join cluster' in its log (debug level for memberlist's own errors).",
		})
	}
	return out
}

func answeredClustered(c *model.Cluster, name string) bool {
	for _, r := range mesh.Clustered(c) {
		if r.Name == name {
			return true
		}
	}
	return false
}
