package cmd

import (
	"fmt"
	"maps"

	"github.com/amha-dev/kubectl-amha/pkg/drill"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// checkDelayedRoute checks slow-receiver's alert as the drill alert was checked: with its
// delay label too, every replica must route it to the sink alone, by the route whose timing
// the expectation used. labels are the drill alert's checked labels.
func checkDelayedRoute(c model.Cluster, labels map[string]string, d drill.ReportDrill, want drill.RouteTiming) error {
	l := maps.Clone(labels)
	l[drill.Label] = d.Alert
	l[drill.DelayLabel] = timing.Format(d.Expectation.ReceiverDelay.D())
	for _, rep := range c.Replicas {
		rt, err := drill.CheckRoute(rep.Name, rep.Status.Config, l)
		if err != nil {
			return fmt.Errorf("%s's alert, with %s=%q: %w", drill.SlowReceiver, drill.DelayLabel, l[drill.DelayLabel], err)
		}
		if rt != want {
			return fmt.Errorf("%s's alert, with %s=%q, takes another route on replica %s (group_wait %s, group_interval %s) than the drill "+
				"alert (group_wait %s, group_interval %s): match the drill route on amha_drill alone", drill.SlowReceiver, drill.DelayLabel,
				l[drill.DelayLabel], rep.Name, timing.Format(rt.GroupWait), timing.Format(rt.GroupInterval), timing.Format(want.GroupWait), timing.Format(want.GroupInterval))
		}
	}
	return nil
}

// slowDoes says what slow-receiver does on this cluster.
func slowDoes(r *drillRun) string {
	var e drill.Expectation
	for _, d := range r.report.Drills {
		if d.Drill == drill.SlowReceiver {
			e = d.Expectation
		}
	}
	delay := timing.Format(e.ReceiverDelay.D())
	return fmt.Sprintf("no fault on a replica: the drill alert carries %s=%q, and the sink answers its webhooks %s after they arrive "+
		"(every other webhook at once); counts the notifications, then resolves the alert (its resolved notifications are answered "+
		"as late, and the sink stays until each sender's came). It leaves status reporting mesh/slow-receiver for the replicas that "+
		"sent: their webhook latency histogram counts since they started, so these %s sends weigh in its p99 until faster sends "+
		"outweigh them or the replicas restart.", drill.DelayLabel, delay, delay, delay)
}
