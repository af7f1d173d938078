package checks

import (
	"fmt"
	"sort"

	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/text"
)

type meshSilencesDiverge struct{}

func (meshSilencesDiverge) ID() string { return "mesh/silences-diverge" }

// Run compares the silences that are in force (active or pending). Silences are gossiped, so
// a lasting difference means gossip does not reach a replica.
func (meshSilencesDiverge) Run(c *model.Cluster, _ Options) []model.Finding {
	var rs []*model.Replica
	for _, r := range answered(c) {
		if !hasPartial(r, "silences") && r.Status.Cluster != "disabled" {
			rs = append(rs, r)
		}
	}
	if len(rs) < 2 {
		return nil
	}
	inForce := map[string]map[string]bool{}
	all := map[string]bool{}
	for _, r := range rs {
		inForce[r.Name] = map[string]bool{}
		for _, s := range r.Silences {
			// A probe silence left by an interrupted amha is in flight by design, not the team's.
			if s.State != "expired" && !s.Probe {
				inForce[r.Name][s.ID] = true
				all[s.ID] = true
			}
		}
	}
	var ids []string
	for id := range all {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var details []string
	objs := map[string]bool{}
	for _, id := range ids {
		var on, off []string
		for _, r := range rs {
			if inForce[r.Name][id] {
				on = append(on, r.Name)
			} else {
				off = append(off, r.Name)
				objs[r.Name] = true
			}
		}
		if len(off) > 0 {
			details = append(details, fmt.Sprintf("silence %s in force on %v, not on %v", id, on, off))
		}
	}
	if len(details) == 0 {
		return nil
	}
	var o []string
	for n := range objs {
		o = append(o, n)
	}
	sort.Strings(o)
	return []model.Finding{{
		ID: "mesh/silences-diverge", Severity: model.Warning, Symptoms: []model.Symptom{model.Duplicates, model.Missed},
		Objects: o,
		Message: fmt.Sprintf("%s between replicas. Silences travel by gossip; a replica without the silence pages "+
			"for alerts the others mute (and a stale one mutes what should page). A difference lasting longer than a "+
			"few seconds means gossip does not reach it.", text.Plural(len(details), "silence differs", "silences differ")),
		Details: details,
		Fix:     "Fix the mesh (see mesh/island and mesh/missing-peer). A full state sync runs every --cluster.pushpull-interval (1m).",
	}}
}
