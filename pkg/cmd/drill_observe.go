package cmd

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/amha-dev/kubectl-amha/pkg/drill"
	"github.com/amha-dev/kubectl-amha/pkg/drillreport"
	"github.com/amha-dev/kubectl-amha/pkg/kube"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// observeOptions are --observe-only's: the drills count the sends of an always-firing alert of
// the team's (--alert, prometheus-fanout's flag) by the replicas' notification counters, with
// no sink and no drill alert.
type observeOptions struct {
	only   bool
	window time.Duration
}

func (ob *observeOptions) addFlags(f *pflag.FlagSet) {
	f.BoolVar(&ob.only, "observe-only", false, "For clusters where no drill route may be added: count the sends of an alert that always fires (--alert, the Watchdog) by each replica's notification counters across the fault, with no sink and no drill alert (baseline, stop-sender, crash-sender, partition)")
	f.DurationVar(&ob.window, "observe-window", 0, "--observe-only: how long each drill holds its fault and counts; at least 3 x the alert's repeat_interval (the default, when that is at most 30m; a longer window must be given)")
}

// validateObserve refuses what --observe-only cannot run.
func (o *drillOptions) validateObserve() error {
	if !o.observe.only {
		if o.observe.window != 0 {
			return usageError("--observe-window is --observe-only's")
		}
		return nil
	}
	if o.observe.window < 0 {
		return usageError("--observe-window %s: must not be negative", o.observe.window)
	}
	if len(o.url.urls) > 0 {
		return usageError("--observe-only runs on Kubernetes: with --url, run the drills with their sink (--sink-listen)")
	}
	for _, d := range o.drills {
		if !slices.Contains(drill.ObserveDrills, d) {
			return usageError("%s does not run with --observe-only (it needs the drill's own alert, counted at a sink): only %s",
				d, strings.Join(drill.ObserveDrills, ", "))
		}
	}
	return nil
}

// prepareObserve finds the watched alert on every replica and its route (refusing what cannot
// be judged) and sets each drill's expectation over the window.
func (o *drillOptions) prepareObserve(r *drillRun, c model.Cluster) error {
	f := r.found
	w, err := drill.Watch(c, o.fanout.alert, o.observe.window)
	if err != nil {
		return r.stop(drillreport.StopNotObservable, fmt.Errorf("%s/%s: %w; nothing was changed", f.Namespace, f.Name, err))
	}
	r.report.Observed = &w
	r.params = timing.Params{PeerTimeout: c.PeerTimeout.D(), GroupInterval: w.GroupInterval, RepeatInterval: w.RepeatInterval}
	r.report.Timing = drill.ReportTime{PeerTimeout: model.Duration(r.params.PeerTimeout), GroupInterval: model.Duration(w.GroupInterval),
		RepeatInterval: model.Duration(w.RepeatInterval)}
	for _, a := range drill.TeamAlertsFor(o.drills) {
		r.report.TeamAlerts = append(r.report.TeamAlerts, a.Name)
	}
	for i := range r.report.Drills {
		d := &r.report.Drills[i]
		d.Alert = w.Alert
		if d.Expectation, err = drill.ObserveExpect(d.Drill, w, r.positions); err != nil {
			return r.stop(drill.StopPreflight, err)
		}
	}
	return nil
}

// printObservePlan is the plan of an observe-only run.
func (o *drillOptions) printObservePlan(r *drillRun) error {
	w := o.streams.Out
	ob := r.report.Observed
	ns := r.found.Namespace
	fmt.Fprintf(w, "Cluster %s/%s: %d replicas, position 0 is %s, peer-timeout %s.\n", ns, r.found.Name, len(r.positions), r.positions[0],
		timing.Format(r.params.PeerTimeout))
	fmt.Fprintf(w, "Observe-only: counts %s (firing on every replica) to receiver %s through its %s integration(s): group_interval %s, "+
		"repeat_interval %s, %s per drill.\n", ob.Alert, ob.Receiver, strings.Join(ob.Integrations, ", "), timing.Format(ob.GroupInterval),
		timing.Format(ob.RepeatInterval), timing.Format(ob.Window))
	fmt.Fprintf(w, "Creates: no sink and no drill alert")
	if slices.Contains(o.drills, drill.Partition) {
		fmt.Fprintf(w, "; the partition's NetworkPolicy, labelled %s=%s, deleted at its end", kube.DrillRunLabel, r.report.Run)
	}
	fmt.Fprintf(w, ".\nReads: %s.\nCannot tell: %s.\n", strings.TrimPrefix(drill.ObserveReads(*ob), "reads "), drill.ObserveBlind(*ob))
	for _, d := range r.report.Drills {
		e := d.Expectation
		fmt.Fprintf(w, "\n%s (observing %s):\n", d.Drill, ob.Alert)
		fmt.Fprintf(w, "  Does:      %s\n", o.observeDoes(d.Drill, r))
		fmt.Fprintf(w, "  Expects:   %s\n", observeExpects(e))
		fmt.Fprintf(w, "  Why:       %s\n", e.Why)
		fmt.Fprintf(w, "  Real alerts: %s\n", observeRealAlerts(d.Drill, r))
	}
	o.printTeamAlerts(w, r)
	if o.dryRun {
		fmt.Fprintln(w, "\nDry run: nothing was changed.")
	}
	return nil
}

// observeExpects is an observe-only expectation in one line.
func observeExpects(e drill.Expectation) string {
	switch {
	case len(e.Sides) == 2:
		return fmt.Sprintf("sends from both sides (%s | %s) within %s, %s in all", strings.Join(e.Sides[0], ","),
			strings.Join(e.Sides[1], ","), timing.Format(e.To), e.Counts())
	case e.Drill == drill.Baseline:
		return fmt.Sprintf("%s send(s) within %s, one per repeat_interval", e.Counts(), timing.Format(e.To))
	}
	return fmt.Sprintf("%s send(s) within %s, as often as before the fault: by %s (position 0 then), and by the replacement once it rejoins",
		e.Counts(), timing.Format(e.To), strings.Join(e.Senders, ", "))
}

// observeDoes is what an observe-only drill does, with the cluster's pods.
func (o *drillOptions) observeDoes(d string, r *drillRun) string {
	win := timing.Format(r.report.Observed.Window)
	switch d {
	case drill.Baseline:
		return fmt.Sprintf("no fault; reads every replica's notification counters every %s for %s.", timing.Format(drill.ObserveEvery), win)
	case drill.StopSender:
		return fmt.Sprintf("evicts pod %s (position 0; Eviction API, a PodDisruptionBudget that blocks it makes the drill SKIPPED), then counts for %s; its StatefulSet recreates it.", r.positions[0], win)
	case drill.CrashSender:
		return fmt.Sprintf("runs kill -QUIT 1 in container %s of pod %s (position 0; no kill in the image: SKIPPED), counts for %s, then deletes the crashed pod so that its replacement starts without restart back-off.",
			r.found.Container, r.positions[0], win)
	case drill.Partition:
		cut := r.positions[len(r.positions)-1]
		return fmt.Sprintf("creates NetworkPolicy amha-drill-partition-%s cutting port 9094 of pod %s (deleting the pod once if no split shows within %s), "+
			"counts for %s once the split shows, then deletes the policy.", cut, cut, timing.Format(o.splitTimeout), win)
	}
	return ""
}

// observeRealAlerts is what an observe-only drill does to the team's real alerts.
func observeRealAlerts(d string, r *drillRun) string {
	if d == drill.Baseline {
		return "none: nothing is changed."
	}
	return realAlerts(d, r.params)
}
