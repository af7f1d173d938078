package drill

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	amconfig "github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/dispatch"
	"golang.org/x/mod/semver"

	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// Observe-only drills are for clusters where no route to a sink may be added. Instead of a
// drill alert counted at a sink, they watch an alert of the team's that always fires (the
// Watchdog) and count its sends by each replica's notification counters
// (alertmanager_notifications_total of the receiver's integrations) across the fault. What
// that cannot see is said in every result (ObserveLimits).

// ObserveDrills are the drills that run observe-only: the faults, and the baseline to compare
// them with. The others need the sink (slow-receiver), post their own alert over restarts
// (rolling-restart, all-down), or change nothing already (prometheus-fanout).
var ObserveDrills = []string{Baseline, StopSender, CrashSender, Partition}

// ObserveEvery is how often an observe-only drill reads the replicas' counters.
const ObserveEvery = 2 * time.Second

// MaxObserveWindow bounds the window an observe-only drill picks by itself (3 x the watched
// alert's repeat_interval): a longer one must be asked for with a flag.
const MaxObserveWindow = 30 * time.Minute

// Watch finds the watched alert on every replica of the snapshot and how each routes it, and
// refuses what an observe-only drill could not judge: the alert missing on a replica, routed
// to receivers without an integration (kube-prometheus routes its Watchdog to one: nothing is
// sent, no counter moves), routed differently by the replicas, or repeated too rarely for the
// window (window 0: 3 x repeat_interval, at most MaxObserveWindow).
func Watch(c model.Cluster, alert string, window time.Duration) (Watched, error) {
	w := Watched{Alert: alert}
	var ref string
	for _, r := range c.Replicas {
		if !r.OK() {
			return w, fmt.Errorf("replica %s did not answer (%s): observe a whole cluster", r.Name, r.Error)
		}
		i := slices.IndexFunc(r.Alerts, func(a model.AlertRef) bool { return a.Name == alert && a.Labels != nil })
		if i < 0 {
			return w, fmt.Errorf("replica %s has no active %s alert: it does not fire, or Prometheus does not send it there "+
				"(kubectl amha drill prometheus-fanout tells which replicas never get it); name an alert that always fires with --alert", r.Name, alert)
		}
		if w.Labels == nil {
			w.Labels = maps.Clone(r.Alerts[i].Labels)
		}
		got, err := watchedRoute(r.Name, r.Status.Config, w.Labels)
		if err != nil {
			return w, err
		}
		key := fmt.Sprintf("%s %v %s %s", got.Receiver, got.Integrations, got.GroupInterval, got.RepeatInterval)
		if ref == "" {
			ref = key
			w.Receiver, w.Integrations, w.GroupInterval, w.RepeatInterval = got.Receiver, got.Integrations, got.GroupInterval, got.RepeatInterval
		} else if key != ref {
			return w, fmt.Errorf("%s routes %s to %s, %s to %s: the replicas' configurations differ (kubectl amha status shows the drift), "+
				"and their counts could not be compared", c.Replicas[0].Name, alert, ref, r.Name, key)
		}
	}
	if len(c.Replicas) == 0 {
		return w, errors.New("no replica to observe")
	}
	if len(w.Integrations) == 0 {
		return w, fmt.Errorf("%s reaches receiver %s, which has no integration: nothing is sent for it, so no counter moves "+
			"(kube-prometheus routes its Watchdog to such a receiver). Route it to your dead-man's switch with a repeat_interval "+
			"of a few minutes, or run the drills with a sink (without --observe-only)", alert, w.Receiver)
	}
	need := 3 * w.RepeatInterval
	switch {
	case window == 0 && need > MaxObserveWindow:
		return w, fmt.Errorf("%s is sent again every repeat_interval, %s: a drill must count across at least 3 of them, %s per "+
			"drill. Give %s's route a repeat_interval of at most %s (a dead-man's switch wants a few minutes), or ask for "+
			"that window with --observe-window", alert, timing.Format(w.RepeatInterval), timing.Format(need), alert, timing.Format(MaxObserveWindow/3))
	case window == 0:
		window = need
	case window < need:
		return w, fmt.Errorf("--observe-window %s is less than 3 x %s's repeat_interval (%s): fewer than 3 repeat_intervals "+
			"fit in it; give at least %s", timing.Format(window), alert, timing.Format(w.RepeatInterval), timing.Format(need))
	}
	w.Window = window
	w.Others = otherSenders(c.Replicas[0], w)
	return w, nil
}

// watchedRoute matches the watched alert's labels against a replica's running configuration
// with Alertmanager's own routing: the receivers it reaches, their integration kinds, and the
// (first) matched route's timing.
func watchedRoute(replica, original string, labels map[string]string) (Watched, error) {
	cfg, err := loadConfig(original)
	if err != nil {
		return Watched{}, &RouteError{replica, fmt.Sprintf("its running configuration does not load: %v", err)}
	}
	if cfg.Route == nil {
		return Watched{}, &RouteError{replica, "its running configuration has no route"}
	}
	matched := dispatch.NewRoute(cfg.Route, nil).Match(labelSet(labels))
	if len(matched) == 0 {
		return Watched{}, &RouteError{replica, "no route matches " + lsString(labels)}
	}
	var w Watched
	var names []string
	for _, m := range matched {
		names = append(names, m.RouteOpts.Receiver)
		for _, k := range receiverKinds(cfg, m.RouteOpts.Receiver) {
			if !slices.Contains(w.Integrations, k) {
				w.Integrations = append(w.Integrations, k)
			}
		}
	}
	slices.Sort(w.Integrations)
	w.Receiver = strings.Join(names, ", ")
	w.GroupInterval, w.RepeatInterval = matched[0].RouteOpts.GroupInterval, matched[0].RouteOpts.RepeatInterval
	return w, nil
}

// receiverKinds are the integration kinds of a receiver, as the metrics label them
// (webhook_configs: webhook).
func receiverKinds(cfg *amconfig.Config, name string) []string {
	for i := range cfg.Receivers {
		if cfg.Receivers[i].Name != name {
			continue
		}
		_, kinds := integrations(&cfg.Receivers[i])
		var out []string
		for _, k := range kinds {
			out = append(out, strings.TrimSuffix(k, "_configs"))
		}
		return out
	}
	return nil
}

// otherSenders are the other active alerts on the replica whose routes reach a receiver with
// one of the watched integrations: their sends are counted too.
func otherSenders(r model.Replica, w Watched) []string {
	cfg, err := loadConfig(r.Status.Config)
	if err != nil || cfg.Route == nil {
		return nil
	}
	route := dispatch.NewRoute(cfg.Route, nil)
	var out []string
	for _, a := range r.Alerts {
		if a.Name == w.Alert || a.Labels == nil {
			continue
		}
		for _, m := range route.Match(labelSet(a.Labels)) {
			if slices.ContainsFunc(receiverKinds(cfg, m.RouteOpts.Receiver), func(k string) bool { return slices.Contains(w.Integrations, k) }) {
				if !slices.Contains(out, a.Name) {
					out = append(out, a.Name)
				}
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// period is the longest time between two sends of the watched alert: it is sent again at the
// first flush (every group_interval) once repeat_interval has passed.
func period(w Watched) time.Duration { return w.RepeatInterval + w.GroupInterval }

// ObserveLimits says what an observe-only drill cannot see.
func ObserveLimits(w Watched) string {
	return fmt.Sprintf("Observe-only %s: it cannot tell %s.", ObserveReads(w), ObserveBlind(w))
}

// ObserveReads is what an observe-only drill reads.
func ObserveReads(w Watched) string {
	return fmt.Sprintf("reads each replica's alertmanager_notifications_total{integration=~%q} every %s",
		strings.Join(w.Integrations, "|"), timing.Format(ObserveEvery))
}

// ObserveBlind is what an observe-only drill cannot tell.
func ObserveBlind(w Watched) string {
	s := "which alert group was sent"
	if len(w.Others) > 0 {
		s += fmt.Sprintf(" (%s also reach(es) these integrations and count(s) too)", strings.Join(w.Others, ", "))
	}
	return s + ", nor whether the receiver got it, nor a send between a replica's last reading and its restart (its counter " +
		"starts again at 0); times are those of the readings"
}

// ObserveExpect is what an observe-only drill expects of the watched alert over its window.
func ObserveExpect(drill string, w Watched, positions []string) (Expectation, error) {
	if !slices.Contains(ObserveDrills, drill) {
		return Expectation{}, fmt.Errorf("%s does not run observe-only (only %s): it needs the drill's own alert and sink", drill, strings.Join(ObserveDrills, ", "))
	}
	if len(positions) < 2 {
		return Expectation{}, fmt.Errorf("%d replica(s): a drill needs at least 2", len(positions))
	}
	// One send per repeat_interval at most, and at least one per repeat_interval +
	// group_interval (the first flush after it).
	least, most := max(int(w.Window/period(w)), 1), int(w.Window/w.RepeatInterval)+1
	e := Expectation{Drill: drill, To: w.Window, Count: least, CountMax: most}
	every := fmt.Sprintf("%s is sent again every repeat_interval (%s), at the first flush after it (group_interval %s): "+
		"%d to %d send(s) in %s", w.Alert, timing.Format(w.RepeatInterval), timing.Format(w.GroupInterval), least, most, timing.Format(w.Window))
	switch drill {
	case Baseline:
		e.Why = fmt.Sprintf("%s: whichever replica's group_interval timer comes first after repeat_interval sends it, and the "+
			"others find the send in the gossiped log and stay quiet. More is duplicates.", every)
	case StopSender, CrashSender:
		e.Senders = positions[1:2]
		how := "stopped gracefully: it leaves the mesh and %s becomes position 0 at once"
		if drill == CrashSender {
			how = "crashed: the others take it for failed after a few seconds, then %s is position 0"
		}
		e.Why = fmt.Sprintf("%s is "+how+" and sends %s from then on, as often as before (the log is shared: %d to %d "+
			"send(s) in %s): the dead-man's switch keeps being fed. (Its replacement rejoins under the same name and takes "+
			"position 0 back.)", positions[0], positions[1], w.Alert, least, most, timing.Format(w.Window))
	case Partition:
		cut := positions[len(positions)-1]
		e.Sides = [][]string{{cut}, slices.Clone(positions[:len(positions)-1])}
		e.Count, e.CountMax = 2*least, 2*most
		e.Senders = []string{cut, positions[0]}
		e.Why = fmt.Sprintf("%s is cut off the mesh port for %s. Each side keeps its own log: %s alone and the rest each send "+
			"%s every repeat_interval (%s), %d to %d send(s) each, %d to %d in all: every alert group firing during a partition "+
			"is notified by both sides (duplicates rather than a miss).", cut, timing.Format(w.Window), cut, w.Alert,
			timing.Format(w.RepeatInterval), least, most, e.Count, e.CountMax)
	}
	return e, nil
}

// ObserveOptions say how an observe-only drill runs.
type ObserveOptions struct {
	Watched Watched
	// SplitTimeout bounds the wait for a partition to show.
	SplitTimeout time.Duration
	// Every is how often the counters are read (0: ObserveEvery).
	Every    time.Duration
	Progress func(string)
	OnEvent  func(time.Time, Event)
}

// Observe runs one observe-only drill: the fault held for the window while every replica's
// counters of the watched integrations are read, the heal, and the verdict. It posts no alert
// and needs no sink. It stops at the first end of ctx, healing on a fresh context.
func Observe(ctx context.Context, env Env, drill string, o ObserveOptions) (Result, error) {
	say := func(format string, a ...any) {
		if o.Progress != nil {
			o.Progress(fmt.Sprintf(format, a...))
		}
	}
	every := o.Every
	if every <= 0 {
		every = ObserveEvery
	}
	w := o.Watched
	c, positions, err := opening(ctx, env, nil)
	if err != nil {
		return Result{}, err
	}
	e, err := ObserveExpect(drill, w, positions)
	if err != nil {
		return Result{}, err
	}
	tl := &timeline{on: o.OnEvent}
	var heal func(context.Context) error
	faulted := ""
	restore := func() error {
		if heal == nil {
			return nil
		}
		rctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := heal(rctx); err != nil {
			return fmt.Errorf("heal: %w", err)
		}
		tl.add(EventHeal, faulted, healText[drill])
		return nil
	}
	cnt := counters{kinds: w.Integrations}
	cnt.observe(c)
	var waited time.Duration
	switch drill {
	case StopSender, CrashSender:
		if p, ok := env.(Prechecker); ok {
			if err := p.Precheck(ctx, drill, positions[0]); err != nil {
				return skipOr(e, err)
			}
		}
		say("%s on %s (position 0)", drill, positions[0])
		if heal, err = env.Fault(ctx, drill, positions[0]); err != nil {
			r, serr := skipOr(e, err)
			return r, errors.Join(serr, restore())
		}
		faulted = positions[0]
		tl.add(EventFault, faulted, faultText[drill])
	case Partition:
		var split model.Cluster
		var splitWait time.Duration
		var r *Result
		faulted = e.Sides[0][0]
		heal, split, splitWait, r, err = partition(ctx, env, e, o.SplitTimeout, say, tl)
		if err != nil || r != nil {
			rerr := restore()
			if r != nil {
				return *r, errors.Join(err, rerr)
			}
			return Result{}, errors.Join(err, rerr)
		}
		waited += splitWait
		cnt.observe(split)
	}
	t0 := time.Now()
	until := t0.Add(w.Window)
	say("counting the sends of %s through %s on every replica for %s", w.Alert, strings.Join(w.Integrations, ", "), timing.Format(w.Window))
	var hits []Hit
	last := cnt.totals()
	for time.Now().Before(until) {
		if !sleep(ctx, min(every, time.Until(until))) {
			return Result{}, errors.Join(ctx.Err(), restore())
		}
		s, err := env.Snapshot(ctx)
		if err != nil {
			continue
		}
		cnt.observe(s)
		now := cnt.totals()
		at := time.Since(t0)
		for _, name := range positions {
			for n := int(now[name] - last[name]); n > 0; n-- {
				hits = append(hits, Hit{At: at, Sender: name})
				tl.add(EventNotify, name, fmt.Sprintf("sent through %s", strings.Join(w.Integrations, ", ")))
				say("%s sent (%s) at %s", name, strings.Join(w.Integrations, ", "), timing.Format(at.Round(100*time.Millisecond)))
			}
		}
		last = now
	}
	res := judgeObserve(e, w, hits, faulted, olderThan033(c))
	res.Waited = waited + w.Window
	err = restore()
	res.Events = tl.relative(t0, nil)
	return res, err
}

// judgeObserve judges the sends counted over the window: who sent, and how many; faulted is
// the replica a stop or crash took down; old a replica older than 0.33 ("" none), whose repeat
// check may send a repeat twice.
func judgeObserve(e Expectation, w Watched, hits []Hit, faulted, old string) Result {
	r := Result{Expectation: e, Hits: hits}
	by := map[string]int{}
	var senders []string
	for _, h := range hits {
		if by[h.Sender] == 0 {
			senders = append(senders, h.Sender)
		}
		by[h.Sender]++
	}
	slices.Sort(senders)
	seen := func(names []string) string {
		var out []string
		for _, n := range names {
			out = append(out, fmt.Sprintf("%s %d", n, by[n]))
		}
		if len(out) == 0 {
			return "none"
		}
		return strings.Join(out, ", ")
	}
	got := fmt.Sprintf("%d send(s) in %s (%s)", len(hits), timing.Format(w.Window), seen(senders))
	inflated := len(w.Others) > 0
	switch e.Drill {
	case Baseline:
		switch {
		case len(hits) < e.Count:
			r.Verdict, r.Explanation = Fail, fmt.Sprintf("%s, expected at least %d: %s was not sent every repeat_interval; the "+
				"receiver's notifications fail (alertmanager_notifications_failed_total), or the route's timing is not what the "+
				"replicas run.", got, e.Count, w.Alert)
		case len(hits) > e.CountMax && !inflated:
			why := "The mesh does not carry the log (kubectl amha status), or the receiver is slower than the peer timeout."
			if old != "" {
				why = fmt.Sprintf("%s: before 0.33 Alertmanager checks repeat_interval after its position's wait rather than at "+
					"the flush's time, so a later position whose wait ends between repeat_interval and the sender's next flush sends "+
					"the same repeat (alertmanager#1005). Upgrade; the repeats of every alert group are duplicated the same way.", old)
			}
			r.Verdict, r.Explanation = Fail, fmt.Sprintf("%s, more than one per repeat_interval (at most %d): replicas sent the "+
				"same repeat, so they did not find each other's sends in the gossiped log in time: duplicates. %s", got, e.CountMax, why)
		default:
			r.Verdict, r.Explanation = Pass, fmt.Sprintf("%s: one per repeat_interval, by whichever replica's timer came first; "+
				"the others found each send in the gossiped log.", got)
		}
	case StopSender, CrashSender:
		// Who sent is told, not judged: a replacement under the same name rejoins, takes
		// position 0 back and sends the next repeats itself.
		switch {
		case len(hits) == 0:
			r.Verdict, r.Explanation = Fail, fmt.Sprintf("%s: nobody sent %s after %s went down, for %s: the dead-man's "+
				"switch would page. The others did not take over (kubectl amha status shows their positions and mesh).",
				got, w.Alert, faulted, timing.Format(w.Window))
		case len(hits) < e.Count:
			// A window of a few repeats cannot tell a lost repeat from the takeover's own
			// peer-timeout: said, not judged.
			r.Verdict, r.Explanation = Pass, fmt.Sprintf("%s, fewer than one per repeat_interval + group_interval (%d): the "+
				"takeover took up to a repeat; a dead-man's switch with a timeout tighter than that would page.", got, e.Count)
		default:
			r.Verdict, r.Explanation = Pass, fmt.Sprintf("%s: with %s down, %s kept being sent, one per repeat_interval (by "+
				"the others, then by its replacement once it rejoined); the dead-man's switch kept being fed.", got, faulted, w.Alert)
		}
	case Partition:
		cut, rest := e.Sides[0], e.Sides[1]
		var a, b int
		for _, n := range cut {
			a += by[n]
		}
		for _, n := range rest {
			b += by[n]
		}
		switch {
		case a > 0 && b > 0:
			r.Verdict, r.Explanation = Pass, fmt.Sprintf("%s: both sides sent %s (%s alone %d, the rest %d): each side keeps its "+
				"own log, so every alert group firing during a partition is notified by both (duplicates rather than a miss).",
				got, w.Alert, strings.Join(cut, ","), a, b)
		case a == 0 && b > 0:
			r.Verdict, r.Explanation = Fail, fmt.Sprintf("%s: %s, alone, sent nothing: an isolated replica should notify on its "+
				"own. It may not reach the receiver, or its notifications fail (alertmanager_notifications_failed_total).",
				got, strings.Join(cut, ","))
		default:
			r.Verdict, r.Explanation = Fail, fmt.Sprintf("%s: the side of %s sent nothing during the partition.", got, strings.Join(rest, ","))
		}
	}
	r.Explanation += " " + ObserveLimits(w)
	return r
}

// olderThan033 is a replica of the cluster that runs Alertmanager older than 0.33, whose
// DedupStage checks repeat_interval at the end of its position's wait instead of at the
// flush's time ("" when none, or no version is known).
func olderThan033(c model.Cluster) string {
	for _, r := range c.Replicas {
		if r.Status == nil || r.Status.Version == "" {
			continue
		}
		if v := "v" + strings.TrimPrefix(r.Status.Version, "v"); semver.IsValid(v) && semver.Compare(v, "v0.33.0") < 0 {
			return fmt.Sprintf("%s runs Alertmanager %s", r.Name, r.Status.Version)
		}
	}
	return ""
}
