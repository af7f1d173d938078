package checks

import (
	"fmt"
	"sort"

	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/text"
)

type meshAlertsDiverge struct{}

func (meshAlertsDiverge) ID() string { return "mesh/alerts-diverge" }

// Run compares the alert sets. Alerts are not gossiped: each replica holds what Prometheus sent
// it, so replicas holding different alerts mean Prometheus does not send to all of them.
func (meshAlertsDiverge) Run(c *model.Cluster, o Options) []model.Finding {
	var rs []*model.Replica
	for _, r := range answered(c) {
		if !hasPartial(r, "alerts") {
			rs = append(rs, r)
		}
	}
	if len(rs) < 2 {
		return nil
	}
	settled := func(a model.AlertRef) bool { return o.AlertGrace <= 0 || o.Now.Sub(a.UpdatedAt) >= o.AlertGrace }
	holders := map[string][]string{}
	names := map[string]string{}
	has := map[string]map[string]bool{}
	for _, r := range rs {
		has[r.Name] = map[string]bool{}
		for _, a := range r.Alerts {
			has[r.Name][a.Fingerprint] = true
			if settled(a) {
				holders[a.Fingerprint] = append(holders[a.Fingerprint], r.Name)
				names[a.Fingerprint] = a.Name
			}
		}
	}
	lacking := map[string]int{}
	var details []string
	var fps []string
	for fp := range holders {
		fps = append(fps, fp)
	}
	sort.Strings(fps)
	diverging := 0
	for _, fp := range fps {
		var without []string
		for _, r := range rs {
			if !has[r.Name][fp] {
				without = append(without, r.Name)
				lacking[r.Name]++
			}
		}
		if len(without) == 0 {
			continue
		}
		diverging++
		if len(details) < 10 {
			details = append(details, fmt.Sprintf("alert %s{fingerprint=%s} on %v, not on %v", names[fp], fp, holders[fp], without))
		}
	}
	if diverging == 0 {
		return nil
	}
	if diverging > len(details) {
		details = append(details, fmt.Sprintf("... and %d more", diverging-len(details)))
	}
	var objs []string
	for _, r := range rs {
		if lacking[r.Name] > 0 {
			objs = append(objs, fmt.Sprintf("%s (lacks %d)", r.Name, lacking[r.Name]))
		}
	}
	return []model.Finding{{
		ID: "mesh/alerts-diverge", Severity: model.Warning, Symptoms: []model.Symptom{model.Missed, model.Duplicates, model.Delayed},
		Objects: objs,
		Message: fmt.Sprintf("%s held by some replicas and not by others. Alerts are not gossiped: Prometheus must send every alert "+
			"to every replica. Replicas with different alerts build different groups, so notifications fragment, repeat or "+
			"wait, and an alert is lost with the one replica that had it.", text.Plural(diverging, "alert is", "alerts are")),
		Details: details,
		Fix: "Point Prometheus at every replica (kubernetes_sd endpoints keeping only the web port, or one static target per " +
			"replica), never at a load balancer or ClusterIP Service; check with status --prometheus.",
	}}
}

func hasPartial(r *model.Replica, part string) bool {
	for _, p := range r.Partial {
		if len(p) >= len(part) && p[:len(part)] == part {
			return true
		}
	}
	return false
}
