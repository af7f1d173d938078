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
	d := divergence{holders: map[string][]string{}, names: map[string]string{}, has: map[string]map[string]bool{}, drill: map[string]bool{}}
	for _, r := range rs {
		d.has[r.Name] = map[string]bool{}
		for _, a := range r.Alerts {
			d.has[r.Name][a.Fingerprint] = true
			if settled(a) {
				d.holders[a.Fingerprint] = append(d.holders[a.Fingerprint], r.Name)
				d.names[a.Fingerprint] = a.Name
				d.drill[a.Fingerprint] = a.Drill() != ""
			}
		}
	}
	// The drill alerts of a drill in progress diverge on purpose (a restarted or cut-off
	// replica lacks them): they are a finding of their own, marked as the drill's.
	var out []model.Finding
	if f, ok := d.finding(rs, func(fp string) bool { return !d.drill[fp] }); ok {
		out = append(out, f)
	}
	if f, ok := d.finding(rs, func(fp string) bool { return d.drill[fp] }); ok {
		f.Message = "The drill alert is held by some replicas only: the drill posts it to every replica it can reach, " +
			"and a replica it evicted, crashed or cut off lacks it until the drill posts it again."
		f.Fix = "Nothing while the drill runs; if it stays after the drill, run kubectl amha drill cleanup."
		markDrill(&f, c.Drills)
		out = append(out, f)
	}
	return out
}

type divergence struct {
	holders map[string][]string
	names   map[string]string
	has     map[string]map[string]bool
	drill   map[string]bool
}

// finding reports the alerts that keep says of held by some replicas and not by others.
func (d divergence) finding(rs []*model.Replica, keep func(fp string) bool) (model.Finding, bool) {
	lacking := map[string]int{}
	var details []string
	var fps []string
	for fp := range d.holders {
		if keep(fp) {
			fps = append(fps, fp)
		}
	}
	sort.Strings(fps)
	diverging := 0
	for _, fp := range fps {
		var without []string
		for _, r := range rs {
			if !d.has[r.Name][fp] {
				without = append(without, r.Name)
				lacking[r.Name]++
			}
		}
		if len(without) == 0 {
			continue
		}
		diverging++
		if len(details) < 10 {
			details = append(details, fmt.Sprintf("alert %s{fingerprint=%s} on %v, not on %v", d.names[fp], fp, d.holders[fp], without))
		}
	}
	if diverging == 0 {
		return model.Finding{}, false
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
	return model.Finding{
		ID: "mesh/alerts-diverge", Severity: model.Warning, Symptoms: []model.Symptom{model.Missed, model.Duplicates, model.Delayed},
		Objects: objs,
		Message: fmt.Sprintf("%s held by some replicas and not by others. Alerts are not gossiped: Prometheus must send every alert "+
			"to every replica. Replicas with different alerts build different groups, so notifications fragment, repeat or "+
			"wait, and an alert is lost with the one replica that had it.", text.Plural(diverging, "alert is", "alerts are")),
		Details: details,
		Fix: "Point Prometheus at every replica (kubernetes_sd endpoints keeping only the web port, or one static target per " +
			"replica), never at a load balancer or ClusterIP Service; check with status --prometheus.",
	}, true
}

func hasPartial(r *model.Replica, part string) bool {
	for _, p := range r.Partial {
		if len(p) >= len(part) && p[:len(part)] == part {
			return true
		}
	}
	return false
}
