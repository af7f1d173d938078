package drill

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/amclient"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// Restarter is an Env that restarts replicas, for rolling-restart and all-down.
type Restarter interface {
	// Restart stops the replica gracefully, as a rollout does (on Kubernetes through the
	// Eviction API, so that a PodDisruptionBudget is respected), and returns once it is gone;
	// its replacement, of the same name, may still be starting. A budget that blocks it for
	// too long is a NoEffectError.
	Restart(ctx context.Context, replica string) error
	// StopAll stops every replica at once, gracefully, and returns once they are all gone.
	// overlap, when not "", says that a replacement ran while an old replica was still up
	// (a controller that recreates each pod as soon as it is gone): it may have pulled the
	// log from it, and the cluster was never entirely down.
	StopAll(ctx context.Context) (overlap string, err error)
	// Storage says whether --storage.path survives a restart, and when it does not, where it
	// is ("an emptyDir").
	Storage(ctx context.Context) (persistent bool, where string, err error)
}

// RestartTimeout bounds the wait for a restarted replica (every replica, for all-down) to be
// back, ready and in a whole mesh: scheduling, an image pull and gossip settling.
const RestartTimeout = 5 * time.Minute

// restartPoll is how often a restart drill looks at the cluster while it waits.
const restartPoll = 500 * time.Millisecond

// expectRestart is the expectation of rolling-restart and all-down: the drill alert is
// notified once, at group_wait from position 0, before the restarts; then the scenario's
// extra notifications (none, or one for all-down without persistent storage), at any time
// after the replicas are back.
func expectRestart(e Expectation, c Cluster, p timing.Params) Expectation {
	gw := p.GroupWait
	e.Count = 1 + e.Scenario.Min
	if e.Drill == AllDown && !c.PersistentStorage && e.Scenario.Max > e.Scenario.Min {
		e.CountMax = 1 + e.Scenario.Max
	}
	e.From, e.To = gw, gw
	e.Senders = []string{c.Positions[0]}
	storage := "The pods keep --storage.path on a persistent volume."
	if !c.PersistentStorage {
		storage = "The pods have no persistent storage for --storage.path: a restart of every replica at once " +
			"(all-down) notifies every group still firing once more."
	}
	switch e.Drill {
	case RollingRestart:
		e.Why = fmt.Sprintf("The drill alert is notified once, by %s at group_wait (%s). Then every replica is restarted, "+
			"one at a time, each after the previous one is back and settled; each is given the alert again with its "+
			"first startsAt, as Prometheus does. %s 1 notification in all. %s",
			c.Positions[0], timing.Format(gw), e.Scenario.Explanation, storage)
	case AllDown:
		back := "The log snapshot written at the graceful stop is loaded at start: nothing more, 1 notification in all."
		if !c.PersistentStorage {
			back = fmt.Sprintf("Without persistent storage for --storage.path the log is lost with the pods: the first "+
				"replica back notifies once more right after it settles (the alert's startsAt is older than group_wait, "+
				"%s), 2 notifications in all. Replicas that start together may each notify once more, up to %d in all: "+
				"one that resolves its peers' DNS names before they are published starts alone, settles alone and "+
				"flushes before its DNS refresh (every 15s) joins it to the others. On Kubernetes a replacement is often created "+
				"while an old pod is still stopping (Alertmanager keeps running up to 10s to announce its leave) and pulls the log "+
				"from it: the drill then sees 1 in all and says INCONCLUSIVE, \"not all down at once\".", timing.Format(gw), e.CountMax)
		}
		e.Why = fmt.Sprintf("The drill alert is notified once, by %s at group_wait (%s). Then every pod is deleted at once, "+
			"gracefully: while all are down nothing is sent and nothing says so, only a dead-man's switch (an always-firing "+
			"Watchdog routed to a service outside the cluster) tells. The drill gives each replica the alert again, with its "+
			"first startsAt, as soon as it answers. %s",
			c.Positions[0], timing.Format(gw), back)
	}
	return e
}

// restartRun is one rolling-restart or all-down drill under way.
type restartRun struct {
	env   Env
	rs    Restarter
	sk    Sink
	o     Options
	drill string
	say   func(string, ...any)
	am    *amclient.Client
	tl    *timeline
	t0    time.Time
	// names are the replicas, by position at the start.
	names []string
	// endpoint is where each replica answers now (a restarted pod has a new one).
	endpoint map[string]string
	repost   time.Time
	// seen are the snapshots with each replacement's address, for the senders.
	seen     []model.Cluster
	counters counters
	prog     progress
	warnings []string
	// overlap: all-down's replicas were not all down at once (Restarter.StopAll).
	overlap string
}

// runRestart runs rolling-restart or all-down: the drill alert notified once, then the
// restarts, each replica given the alert again as soon as it answers, then a count until
// every replica has flushed, and the verdict.
func runRestart(ctx context.Context, env Env, sk Sink, drill string, o Options) (Result, error) {
	say := func(format string, a ...any) {
		if o.Progress != nil {
			o.Progress(fmt.Sprintf(format, a...))
		}
	}
	c, positions, err := opening(ctx, env, alertLabels(o))
	if err != nil {
		return Result{}, err
	}
	rs, ok := env.(Restarter)
	persistent, where := false, ""
	if ok {
		if persistent, where, err = rs.Storage(ctx); err != nil {
			return Result{}, err
		}
	}
	e, err := Expect(drill, Cluster{Timing: o.Timing, Positions: positions, PersistentStorage: persistent})
	if err != nil {
		return Result{}, err
	}
	if !ok {
		return Result{Expectation: e, Verdict: Skipped, Explanation: "this environment cannot restart replicas"}, nil
	}
	r := &restartRun{env: env, rs: rs, sk: sk, o: o, drill: drill, say: say, tl: &timeline{on: o.OnEvent},
		am: &amclient.Client{HTTP: amclient.HTTP(o.HTTP), Timeout: o.Timeout}, names: positions,
		endpoint: Endpoints(c), seen: []model.Cluster{c}}
	r.counters.observe(c)
	before := r.counters.totals()
	if !persistent {
		if where == "" {
			where = "no persistent volume"
		}
		r.warnings = append(r.warnings, fmt.Sprintf("--storage.path is on %s: a restart of every replica at once notifies every group still firing once more", where))
	}

	r.t0 = time.Now()
	r.prog = progress{say: say, t0: r.t0, seen: r.seen, before: before}
	say("posting alert %s to %d replicas", Alert(o.Run, o.ExtraLabels), len(r.endpoint))
	if err := postAlert(ctx, r.am, r.endpoint, o, r.t0, r.t0, false); err != nil {
		return Result{}, errors.Join(err, r.restore())
	}
	r.tl.add(EventPost, "", fmt.Sprintf("the drill alert posted to %d replicas", len(r.endpoint)))
	r.repost = r.t0.Add(timing.PrometheusResendDelay)

	// Every replica decides before the first restart: the last position's wait ends at
	// group_wait + (n-1) x peer-timeout.
	p := o.Timing.WithDefaults()
	last := p.GroupWait + time.Duration(len(positions)-1)*p.PeerTimeout
	say("waiting for the first notification (until %s after the alert, when every replica has decided)", timing.Format(last+Slack))
	if err := r.count(ctx, r.t0.Add(last+Slack)); err != nil {
		return Result{}, errors.Join(err, r.restore())
	}
	raw, err := sk.Hits(ctx, o.Run)
	if err != nil {
		return Result{}, errors.Join(err, r.restore())
	}
	if countFiring(raw) == 0 {
		return r.judge(ctx, e, before)
	}

	if drill == AllDown {
		err = r.allDown(ctx)
	} else {
		err = r.rolling(ctx)
	}
	if err != nil {
		if ctx.Err() != nil {
			return Result{}, errors.Join(ctx.Err(), r.restore())
		}
		// The first notification is kept: the drill then waits for its resolved one before the
		// sink goes, so that no replica is left retrying at a deleted sink.
		res, serr := skipOr(e, err)
		if raw, herr := sk.Hits(ctx, o.Run); herr == nil {
			res.Hits = attribute(raw, r.t0, r.seen, before, r.counters.totals())
		}
		rerr := r.restore()
		res.Events = r.tl.relative(r.t0, res.Hits)
		return res, errors.Join(serr, rerr)
	}
	// A restarted replica flushes the alert right after it settles (its startsAt is old) and
	// waits its position's peer-timeouts: count until the last one has decided.
	until := time.Now().Add(max(p.GroupWait, time.Duration(len(positions)-1)*p.PeerTimeout) + Slack + p.PeerTimeout/2)
	say("counting notifications until %s after the alert", timing.Format(until.Sub(r.t0)))
	if err := r.count(ctx, until); err != nil {
		return Result{}, errors.Join(err, r.restore())
	}
	return r.judge(ctx, e, before)
}

// rolling restarts the replicas one at a time, from the last position to position 0 (a
// StatefulSet's rollout goes from the highest ordinal down), each once the previous one is
// back and the mesh whole.
func (r *restartRun) rolling(ctx context.Context) error {
	for i := len(r.names) - 1; i >= 0; i-- {
		name := r.names[i]
		r.say("restarting %s (%d of %d)", name, len(r.names)-i, len(r.names))
		if err := r.rs.Restart(ctx, name); err != nil {
			return err
		}
		r.tl.add(EventFault, name, "restarted gracefully: it leaves the mesh, its replacement rejoins under the same name")
		delete(r.endpoint, name)
		if err := r.waitBack(ctx, []string{name}); err != nil {
			return err
		}
		r.tl.add(EventHeal, name, "back and ready, the mesh whole again")
	}
	return nil
}

// allDown stops every replica at once and waits for them all to be back.
func (r *restartRun) allDown(ctx context.Context) error {
	r.say("stopping every replica at once")
	overlap, err := r.rs.StopAll(ctx)
	if err != nil {
		return err
	}
	if overlap != "" {
		r.overlap = overlap
		r.say("not all down at once: %s", overlap)
	}
	r.tl.add(EventFault, "", "every replica stopped at once, gracefully: nothing can notify")
	clear(r.endpoint)
	if err := r.waitBack(ctx, r.names); err != nil {
		return err
	}
	r.tl.add(EventHeal, "", "every replica back and ready, the mesh whole again")
	return nil
}

// waitBack waits, up to RestartTimeout, until the restarted replicas answer, are ready and
// the mesh is whole again (the preflight's checks, every replica of the start present, and
// each pod Ready). Each restarted replica is given the drill alert as soon as it answers, with
// its first startsAt, as Prometheus would at its next resend. A replica that was not
// restarted but does not answer or has not settled while a restarted one has not settled is
// a warning: two replicas down at once may lose the log.
func (r *restartRun) waitBack(ctx context.Context, restarted []string) error {
	deadline := time.Now().Add(RestartTimeout)
	pending := slices.Clone(restarted)
	warned := map[string]bool{}
	nextPoll := time.Now()
	why := "no snapshot yet"
	for {
		r.resend(ctx)
		c, err := r.env.Snapshot(ctx)
		if err == nil {
			r.counters.observe(c)
			byName := map[string]*model.Replica{}
			for i := range c.Replicas {
				byName[c.Replicas[i].Name] = &c.Replicas[i]
			}
			for _, name := range slices.Clone(pending) {
				rep := byName[name]
				if rep == nil || !rep.OK() {
					continue
				}
				r.endpoint[name] = rep.URL()
				if err := postAlert(ctx, r.am, map[string]string{name: rep.URL()}, r.o, r.t0, time.Now(), false); err != nil {
					r.say("posting the alert to %s: %v", name, err)
					continue
				}
				r.say("%s answers: the drill alert posted to it, with its first startsAt", name)
				r.tl.add(EventPost, name, "the drill alert posted to the restarted replica, with its first startsAt")
				pending = slices.DeleteFunc(pending, func(s string) bool { return s == name })
				r.seen = append(r.seen, c)
			}
			unsettled := ""
			for _, name := range restarted {
				if rep := byName[name]; rep == nil || !rep.OK() || rep.Status.Cluster != "ready" {
					unsettled = name
				}
			}
			for _, name := range r.names {
				rep := byName[name]
				if unsettled == "" || slices.Contains(restarted, name) || warned[name] {
					continue
				}
				if rep == nil || !rep.OK() || rep.Status.Cluster != "ready" {
					warned[name] = true
					w := fmt.Sprintf("%s went down (or stopped being ready) while %s had not settled: the notification log may have been held by no running replica", name, unsettled)
					r.warnings = append(r.warnings, w)
					r.say("warning: %s", w)
				}
			}
			why = r.whole(c)
			if why == "" && len(pending) == 0 {
				return nil
			}
		} else {
			why = err.Error()
		}
		if !time.Now().Before(nextPoll) {
			r.prog.poll(ctx, r.env, r.sk, r.o.Run)
			nextPoll = time.Now().Add(progressEvery)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not back in a whole mesh within %s: %s", strings.Join(restarted, ", "), timing.Format(RestartTimeout), why)
		}
		if !sleep(ctx, restartPoll) {
			return ctx.Err()
		}
	}
}

// whole says why c is not the whole cluster of the start again; "" when it is.
func (r *restartRun) whole(c model.Cluster) string {
	if _, err := Preflight(c); err != nil {
		return err.Error()
	}
	for _, name := range r.names {
		i := slices.IndexFunc(c.Replicas, func(rep model.Replica) bool { return rep.Name == name })
		if i < 0 {
			return name + " is not there yet"
		}
		if p := c.Replicas[i].Pod; p != nil && (!p.Ready || p.Phase != "Running") {
			return fmt.Sprintf("pod %s is %s, ready %v", name, p.Phase, p.Ready)
		}
	}
	if len(c.Replicas) != len(r.names) {
		return fmt.Sprintf("%d replicas, not %d", len(c.Replicas), len(r.names))
	}
	return ""
}

// count re-posts the alert at Prometheus' resend delay and tells each notification as it
// arrives, until until.
func (r *restartRun) count(ctx context.Context, until time.Time) error {
	for now := time.Now(); now.Before(until); now = time.Now() {
		if !sleep(ctx, time.Until(earliest(until, r.repost, now.Add(progressEvery)))) {
			return ctx.Err()
		}
		r.resend(ctx)
		if time.Now().Before(until) {
			r.prog.poll(ctx, r.env, r.sk, r.o.Run)
			if n := len(r.prog.seen); n > 0 {
				r.counters.observe(r.prog.seen[n-1])
			}
		}
	}
	return nil
}

// resend posts the alert again to the replicas that answer, with its first startsAt, once
// Prometheus' resend delay has passed since the last time.
func (r *restartRun) resend(ctx context.Context) {
	if time.Now().Before(r.repost) {
		return
	}
	if err := postAlert(ctx, r.am, r.endpoint, r.o, r.t0, time.Now(), false); err != nil {
		r.say("re-posting the alert: %v", err)
	}
	r.repost = r.repost.Add(timing.PrometheusResendDelay)
}

// judge reads the sink, judges, resolves the alert and returns the result with its timeline.
func (r *restartRun) judge(ctx context.Context, e Expectation, before map[string]float64) (Result, error) {
	raw, err := r.sk.Hits(ctx, r.o.Run)
	if err != nil {
		return Result{}, errors.Join(err, r.restore())
	}
	if after, err := r.env.Snapshot(ctx); err == nil {
		r.counters.observe(after)
		r.seen = append(r.seen, after)
	}
	hits := attribute(raw, r.t0, r.seen, before, r.counters.totals())
	res := JudgeRestart(e, hits, r.warnings)
	res = notAllDown(res, r.overlap)
	res.Waited = time.Since(r.t0)
	err = r.restore()
	res.Events = r.tl.relative(r.t0, hits)
	return res, err
}

// restore resolves the drill alert on every replica that answers now (restarted pods have
// new endpoints), on a fresh context.
func (r *restartRun) restore() error {
	rctx, cancel := context.WithTimeout(context.Background(), 2*r.o.Timeout+5*time.Second)
	defer cancel()
	if c, err := r.env.Snapshot(rctx); err == nil {
		maps.Copy(r.endpoint, Endpoints(c))
	}
	if err := postAlert(rctx, r.am, r.endpoint, r.o, time.Now(), time.Now(), true); err != nil {
		return fmt.Errorf("resolve the drill alert: %w", err)
	}
	r.tl.add(EventResolve, "", "the drill alert resolved")
	return nil
}

// counters keeps each replica's webhook notification counter across its restarts (a new
// process, told by its start time, counts from 0), so that the senders can be told by which
// counters rose when the addresses do not tell (loopback, SNAT).
type counters struct {
	base, last map[string]float64
	started    map[string]time.Time
	// kinds are the integrations counted (nil: webhook, the sink's).
	kinds []string
}

func (c *counters) observe(cl model.Cluster) {
	if c.base == nil {
		c.base, c.last, c.started = map[string]float64{}, map[string]float64{}, map[string]time.Time{}
	}
	totals := integrationTotals(cl, c.kinds)
	for _, r := range cl.Replicas {
		v, ok := totals[r.Name]
		if !ok || !r.OK() {
			continue
		}
		if was, seen := c.started[r.Name]; seen && !r.Status.Uptime.Equal(was) || v < c.last[r.Name] {
			c.base[r.Name] += c.last[r.Name]
		}
		c.started[r.Name], c.last[r.Name] = r.Status.Uptime, v
	}
}

func (c *counters) totals() map[string]float64 {
	out := map[string]float64{}
	for name, v := range c.last {
		out[name] = c.base[name] + v
	}
	return out
}

// notAllDown makes all-down's missing notification INCONCLUSIVE when the replicas were not
// all down at once (overlap, from Restarter.StopAll): the log may have passed from an old
// replica to a new one, so its loss was not tested.
func notAllDown(res Result, overlap string) Result {
	n := len(Firing(res.Hits))
	if overlap == "" || res.Verdict != Fail || n >= res.Expectation.Count {
		return res
	}
	res.Verdict = Inconclusive
	res.Explanation = fmt.Sprintf("%d notification(s), expected %s, but the replicas were not all down at once (%s): "+
		"a stopping Alertmanager keeps running up to 10s to tell its peers it leaves, and a replacement that joins it "+
		"meanwhile pulls the log from it: the loss of the log was not tested. A real restart of every pod may be saved "+
		"the same way, but cannot count on it.", n, res.Expectation.Counts(), overlap)
	return res
}

// JudgeRestart judges rolling-restart and all-down: the first notification at group_wait from
// position 0, then exactly the expected count in all; warnings (no persistent storage, a
// replica down before another settled) are added to the explanation.
func JudgeRestart(e Expectation, hits []Hit, warnings []string) Result {
	r := Result{Expectation: e, Hits: hits}
	firing := Firing(hits)
	slices.SortFunc(firing, func(a, b Hit) int { return int(a.At - b.At) })
	r.Verdict, r.Explanation = judgeRestart(e, firing)
	for _, w := range warnings {
		r.Explanation += " Warning: " + w + "."
	}
	return r
}

func judgeRestart(e Expectation, firing []Hit) (Verdict, string) {
	n := len(firing)
	if n == 0 {
		return Fail, countMeaning(e, 0)
	}
	first := firing[0]
	if first.At < e.From || first.At > e.To+Slack {
		return Fail, fmt.Sprintf("the first notification arrived at %s, outside the model's window %s-%s (+%s): %s",
			fmtD(first.At), fmtD(e.From), fmtD(e.To), fmtD(Slack), timingMeaning(e, first))
	}
	if first.Sender != "" && len(e.Senders) > 0 && first.Sender != e.Senders[0] {
		return Fail, fmt.Sprintf("the first notification was sent by %s, expected %s: positions are not what the drill saw "+
			"before the restarts (a replica restarted, or members are named differently from their pods).", first.Sender, e.Senders[0])
	}
	var later []string
	for _, h := range firing[1:] {
		s := h.Sender
		if s == "" {
			s = "an unknown sender"
		}
		later = append(later, fmt.Sprintf("%s from %s", fmtD(h.At), s))
	}
	got := fmt.Sprintf("%d notification(s), expected %s", n, e.Counts())
	switch {
	case e.Drill == RollingRestart && n > e.Count:
		return Fail, fmt.Sprintf("%s: the alert was notified again after the restarts (%s). A restarted replica did not find "+
			"the log entry when it flushed: it joined no peer to pull the log from (--cluster.peer, the mesh port), or a "+
			"replica went down before the previous one had settled, so no running replica held the entry. A rollout "+
			"repeats every firing alert the same way.", got, strings.Join(later, "; "))
	case e.Drill == AllDown && n > e.Count && e.Count == 1:
		return Fail, fmt.Sprintf("%s: the alert was notified again when the replicas came back (%s). The log was not "+
			"restored at start although --storage.path looked persistent: the volume is not where --storage.path "+
			"points, or the stop was not graceful (no snapshot written at shutdown).", got, strings.Join(later, "; "))
	case e.Drill == AllDown && n < e.Count:
		return Fail, fmt.Sprintf("%s: the replicas came back with the log although --storage.path has no persistent volume "+
			"(storage the drill does not recognise as persistent, or not every replica was replaced).", got)
	case n > max(e.Count, e.CountMax):
		return Fail, fmt.Sprintf("%s (%s): more than the lost log explains; the replicas back did not see each other's "+
			"log in time.", got, strings.Join(later, "; "))
	}
	sender := first.Sender
	if sender == "" {
		sender = "an unknown sender"
	}
	switch {
	case e.Drill == RollingRestart:
		return Pass, fmt.Sprintf("1 notification, from %s at %s, and none after every replica was restarted one at a time: "+
			"each found the entry in the log it pulled at join.", sender, fmtD(first.At))
	case n > 2:
		return Pass, fmt.Sprintf("1 notification, from %s at %s, and %d more when the replicas came back (%s): the log was "+
			"lost with the pods (no persistent storage), and the replicas did not find each other before they settled: "+
			"each that started without its peers (it resolved their DNS names before they were published) settled alone "+
			"and notified before its DNS refresh (every 15s) joined it to the others. After a restart of every replica at "+
			"once, every alert group still firing is notified that many times; persistent storage for --storage.path "+
			"avoids it (each replica loads its log at start). While every replica was down nothing was sent and nothing "+
			"said so: only a dead-man's switch (Watchdog) tells.",
			sender, fmtD(first.At), n-1, strings.Join(later, "; "))
	case n == 2:
		return Pass, fmt.Sprintf("1 notification, from %s at %s, and 1 more when the replicas came back (%s): the log was lost "+
			"with the pods (no persistent storage). While every replica was down nothing was sent and nothing said so: only a "+
			"dead-man's switch (Watchdog) tells.", sender, fmtD(first.At), later[0])
	}
	return Pass, fmt.Sprintf("1 notification, from %s at %s, and none when the replicas came back: the log snapshot written "+
		"at the graceful stop was loaded. While every replica was down nothing was sent and nothing said so: only a "+
		"dead-man's switch (Watchdog) tells.", sender, fmtD(first.At))
}
