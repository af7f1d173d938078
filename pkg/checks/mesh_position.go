package checks

import (
	"fmt"
	"sort"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

type meshPosition struct{}

func (meshPosition) ID() string { return "mesh/position" }

// Run checks, inside each island, that alertmanager_peer_position takes each value 0..n-1 once.
// Two replicas with one position wait equally long and both send.
func (meshPosition) Run(c *model.Cluster, _ Options) []model.Finding {
	byName := map[string]*model.Replica{}
	for i := range c.Replicas {
		byName[c.Replicas[i].Name] = &c.Replicas[i]
	}
	var out []model.Finding
	for _, island := range c.Matrix.Islands {
		pos := map[int][]string{}
		known := 0
		for _, n := range island {
			r := byName[n]
			if r.Metrics == nil || r.Metrics.Position == nil {
				continue
			}
			known++
			p := int(*r.Metrics.Position)
			pos[p] = append(pos[p], n)
		}
		if known < 2 {
			continue
		}
		var dup []string
		var keys []int
		for p := range pos {
			keys = append(keys, p)
		}
		sort.Ints(keys)
		for _, p := range keys {
			if len(pos[p]) > 1 {
				dup = append(dup, fmt.Sprintf("position %d: %v", p, pos[p]))
			}
		}
		if len(dup) == 0 {
			continue
		}
		sev, when := model.Warning, "when every replica before them fails to send"
		if len(pos[0]) > 1 {
			sev, when = model.Error, "for every notification, since position 0 does not wait"
		}
		out = append(out, model.Finding{
			ID: "mesh/position", Severity: sev, Symptoms: []model.Symptom{model.Duplicates},
			Objects: island,
			Message: fmt.Sprintf("Replicas share a position (%v). Position decides how long a replica waits (position x peer-timeout) "+
				"before it sends; replicas with the same position send at the same moment, before either log entry arrives: "+
				"duplicates %s.", dup, when),
			Fix: "Positions come from each replica's sorted member list; equal positions mean the replicas' member lists differ. " +
				"Fix the mesh first (see mesh/missing-peer); --cluster.peer-name=$(POD_NAME) (0.30+) gives stable names and order.",
		})
	}
	return out
}
