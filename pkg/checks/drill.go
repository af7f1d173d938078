package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// drillCaused are the findings a drill of `kubectl amha drill` causes on purpose: it evicts,
// crashes or cuts off a replica (unreachable, settling, missing, islands, shared positions,
// failed peers of the recreated pod, a Prometheus that lost a target, a probe that cannot
// cross the split) and posts its alert (mesh/alerts-diverge, judged by that check alone: only
// the drill alerts' divergence is the drill's).
var drillCaused = map[string]bool{
	"mesh/unreachable":            true,
	"mesh/settling":               true,
	"mesh/island":                 true,
	"mesh/missing-peer":           true,
	"mesh/position":               true,
	"mesh/failed-peers":           true,
	"mesh/silences-diverge":       true,
	"mesh/slow-gossip":            true,
	"prometheus/not-all-replicas": true,
}

// DrillCaused reports whether a drill in progress causes findings of id on purpose.
func DrillCaused(id string) bool { return drillCaused[id] || id == "mesh/alerts-diverge" }

// noteDrillAlerts adds to c.Drills the runs whose alert a replica holds (amha_drill=<run>-<drill>),
// next to the runs already known from their objects.
func noteDrillAlerts(c *model.Cluster) {
	for _, r := range c.Replicas {
		for _, a := range r.Alerts {
			v := a.Drill()
			if v == "" {
				continue
			}
			run, drill, _ := strings.Cut(v, "-")
			d := drillRun(c, run)
			if drill != "" && !slices.Contains(d.Drills, drill) {
				d.Drills = append(d.Drills, drill)
			}
			if !slices.Contains(d.Alerting, r.Name) {
				d.Alerting = append(d.Alerting, r.Name)
			}
			if len(d.Objects) == 0 && !a.EndsAt.IsZero() && (d.Expires == nil || a.EndsAt.After(*d.Expires)) {
				ends := a.EndsAt.UTC()
				d.Expires = &ends
			}
		}
	}
}

func drillRun(c *model.Cluster, run string) *model.DrillRun {
	for i := range c.Drills {
		if c.Drills[i].Run == run {
			return &c.Drills[i]
		}
	}
	c.Drills = append(c.Drills, model.DrillRun{Run: run})
	return &c.Drills[len(c.Drills)-1]
}

// markDrillCaused keeps the findings a drill in progress causes on purpose, at info, saying so.
func markDrillCaused(c *model.Cluster) {
	if len(c.Drills) == 0 {
		return
	}
	if !faultInProgress(c.Drills) {
		return // a baseline injects no fault: what status finds is the cluster's own
	}
	for i := range c.Findings {
		f := &c.Findings[i]
		if drillCaused[f.ID] && !f.DrillCaused {
			markDrill(f, c.Drills)
		}
	}
}

// faultInProgress reports whether a run in progress may have injected a fault: any drill but
// baseline, or a run whose drills are not known.
func faultInProgress(ds []model.DrillRun) bool {
	for _, d := range ds {
		if len(d.Drills) == 0 {
			return true
		}
		for _, name := range d.Drills {
			if name != "baseline" {
				return true
			}
		}
	}
	return false
}

func markDrill(f *model.Finding, ds []model.DrillRun) {
	runs := make([]string, len(ds))
	for i, d := range ds {
		runs[i] = d.Run
	}
	f.Message = fmt.Sprintf("(drill in progress: run %s; %s otherwise) %s", strings.Join(runs, ", "), f.Severity, f.Message)
	f.Severity = model.Info
	f.DrillCaused = true
}
