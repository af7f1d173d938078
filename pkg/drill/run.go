package drill

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/client/alert"
	"github.com/prometheus/alertmanager/api/v2/models"

	"github.com/amha-dev/kubectl-amha/pkg/amclient"
	"github.com/amha-dev/kubectl-amha/pkg/mesh"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/sink"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// Env is where the drilled cluster runs: it takes snapshots of it (the pipeline status uses)
// and causes the faults. A Kubernetes Env deletes and cuts off pods; the loopback one of the
// tests stops, kills and relabels processes.
type Env interface {
	Snapshot(ctx context.Context) (model.Cluster, error)
	// Fault causes drill's fault on the replica; heal, when not nil, undoes it (the
	// partition). A fault that cannot be caused here returns a SkipError.
	Fault(ctx context.Context, drill, replica string) (heal func(context.Context) error, err error)
}

// Prechecker is an Env that can tell, before the drill alert is posted, that a fault cannot
// be caused here (a SkipError), so that a skipped drill posts nothing.
type Prechecker interface {
	Precheck(ctx context.Context, drill, replica string) error
}

// Recreater is an Env that can restart a cut-off replica behind the partition's fault, for
// networks that do not cut established flows. Recreate reports false when it already did
// (at the fault, when asked to).
type Recreater interface {
	Recreate(ctx context.Context, replica string) (bool, error)
}

// FirstFaulter is an Env that causes stop-sender's or crash-sender's fault before the drill
// alert is posted instead of seconds before position 0's flush: a person guided through it
// cannot hit that second (replicas given by URL, without --stop-command or --crash-command).
type FirstFaulter interface {
	FaultFirst(drill string) bool
}

// GoneTimeout bounds the wait, after a fault caused first, until position 0 no longer answers
// and the others no longer list it (a crash is detected after a few seconds).
const GoneTimeout = time.Minute

// recreateStart is the time a recreated replica is given to start, on top of SplitTimeout.
const recreateStart = 60 * time.Second

// Sink gives the notifications the drill route delivered for one run.
type Sink interface {
	Hits(ctx context.Context, run string) ([]sink.Hit, error)
}

// SkipError says that a drill cannot run in this environment, and why.
type SkipError struct{ Reason string }

func (e *SkipError) Error() string { return e.Reason }

// NoEffectError says that the fault was attempted but did not take (the process did not
// crash): the drill is INCONCLUSIVE.
type NoEffectError struct{ Reason string }

func (e *NoEffectError) Error() string { return e.Reason }

// Label names the drill alert's run label; AlertName is its alertname.
const (
	Label     = model.DrillLabel
	AlertName = model.DrillAlertName
)

// Options say how one drill runs.
type Options struct {
	// Run is the run id: the value of the drill alert's amha_drill label, new each run.
	Run string
	// Timing is the drill route's group_wait, group_interval, repeat_interval and the
	// replicas' peer-timeout.
	Timing timing.Params
	// ExtraLabels are added to the drill alert (namespace=... for an AlertmanagerConfig route).
	ExtraLabels map[string]string
	HTTP        *http.Client
	Timeout     time.Duration
	// SplitTimeout bounds the wait for a partition to show in every replica's status.
	SplitTimeout time.Duration
	// Progress, when set, receives what the drill is doing, as it does it.
	Progress func(string)
	// OnEvent, when set, receives each event of the drill's timeline (Result.Events) as it
	// happens, with its wall time; notifications come in the result, from the sink.
	OnEvent func(time.Time, Event)
	// ReceiverDelay is how late the sink answers slow-receiver's webhooks (0: the default);
	// other drills ignore it.
	ReceiverDelay time.Duration
}

// Run runs one drill: preflight, the fault, counting, heal, and the verdict. It stops at the
// first end of ctx, restoring what it changed (the alert resolved, the partition healed) on a
// fresh context, and returns ctx's error.
func Run(ctx context.Context, env Env, sk Sink, drill string, o Options) (Result, error) {
	if drill == RollingRestart || drill == AllDown {
		return runRestart(ctx, env, sk, drill, o) // restart.go
	}
	say := func(format string, a ...any) {
		if o.Progress != nil {
			o.Progress(fmt.Sprintf(format, a...))
		}
	}
	o, err := slowOptions(drill, o)
	if err != nil {
		return Result{}, err
	}
	c, positions, err := opening(ctx, env, alertLabels(o))
	if err != nil {
		return Result{}, err
	}
	ff, _ := env.(FirstFaulter)
	first := ff != nil && (drill == StopSender || drill == CrashSender) && ff.FaultFirst(drill)
	e, err := Expect(drill, Cluster{Timing: o.Timing, Positions: positions, ReceiverDelay: o.ReceiverDelay, FaultFirst: first})
	if err != nil {
		return Result{}, err
	}
	endpoint := map[string]string{}
	seen := []model.Cluster{c}
	for _, r := range c.Replicas {
		endpoint[r.Name] = r.URL()
	}
	am := &amclient.Client{HTTP: amclient.HTTP(o.HTTP), Timeout: o.Timeout}
	var heal func(context.Context) error
	var waited time.Duration
	tl := &timeline{on: o.OnEvent}
	faulted := ""   // the replica the fault was caused on
	posted := false // the alert is resolved only once it was posted (to the replicas then known)
	restore := func() error {
		rctx, cancel := context.WithTimeout(context.Background(), 2*o.Timeout+5*time.Second)
		defer cancel()
		var errs []error
		if posted {
			if err := postAlert(rctx, am, endpoint, o, time.Now(), time.Now(), true); err != nil {
				errs = append(errs, fmt.Errorf("resolve the drill alert: %w", err))
			} else {
				tl.add(EventResolve, "", "the drill alert resolved")
			}
		}
		if heal != nil {
			if err := heal(rctx); err != nil {
				errs = append(errs, fmt.Errorf("heal: %w", err))
			} else {
				tl.add(EventHeal, faulted, healText[drill])
			}
		}
		return errors.Join(errs...)
	}

	if p, ok := env.(Prechecker); ok && (drill == StopSender || drill == CrashSender) {
		if err := p.Precheck(ctx, drill, positions[0]); err != nil {
			return skipOr(e, err)
		}
	}
	if drill == Partition {
		cut := e.Sides[0][0]
		var split model.Cluster
		var splitWait time.Duration
		var r *Result
		faulted = cut // for the heal's event, also after a fault that failed half-way
		heal, split, splitWait, r, err = partition(ctx, env, e, o.SplitTimeout, say, tl)
		if err != nil || r != nil {
			rerr := restore()
			if ctx.Err() != nil {
				return Result{}, errors.Join(ctx.Err(), rerr)
			}
			if r != nil {
				return *r, errors.Join(err, rerr)
			}
			return Result{}, errors.Join(err, rerr)
		}
		waited += splitWait
		// The cut-off replica may have been recreated behind the fault (a new pod, address
		// and port-forward): post to the replicas as the split shows them.
		for _, r := range split.Replicas {
			endpoint[r.Name] = r.Endpoint
		}
		seen = append(seen, split)
	}
	if first {
		say("%s on %s (position 0), before the alert", drill, positions[0])
		if heal, err = env.Fault(ctx, drill, positions[0]); err != nil {
			r, serr := skipOr(e, err)
			return r, errors.Join(serr, restore())
		}
		faulted = positions[0]
		tl.add(EventFault, faulted, faultText[drill])
		gone, why := waitGone(ctx, env, c, positions[0], say)
		if why != "" {
			rerr := restore()
			if ctx.Err() != nil {
				return Result{}, errors.Join(ctx.Err(), rerr)
			}
			return Result{Expectation: e, Verdict: Inconclusive, Explanation: why + ": the fault did not take, nothing was judged"}, rerr
		}
		// It is gone: the alert goes to the others only.
		delete(endpoint, positions[0])
		seen = append(seen, gone)
	}
	before := webhookTotals(c)
	t0 := time.Now()
	say("posting alert %s to %d replicas", Alert(o.Run, o.ExtraLabels), len(endpoint))
	posted = true
	if err := postAlert(ctx, am, endpoint, o, t0, t0, false); err != nil {
		return Result{}, errors.Join(err, restore())
	}
	tl.add(EventPost, "", fmt.Sprintf("the drill alert posted to %d replicas", len(endpoint)))
	pt := o.Timing.WithDefaults().PeerTimeout
	switch drill {
	case SlowReceiver:
		say("%s", slowFaultText(o.ReceiverDelay))
		tl.add(EventFault, "", slowFaultText(o.ReceiverDelay))
	case CrashSender, StopSender:
		if first {
			break
		}
		lead := 2 * time.Second
		if drill == StopSender {
			lead = 3 * time.Second
		}
		at := max(o.Timing.GroupWait-lead, 0)
		say("waiting %s, then the fault on %s (position 0)", timing.Format(at), positions[0])
		if !sleep(ctx, time.Until(t0.Add(at))) {
			return Result{}, errors.Join(ctx.Err(), restore())
		}
		// heal, when set, restores after the count (crash-sender deletes the crashed pod).
		if heal, err = env.Fault(ctx, drill, positions[0]); err != nil {
			r, serr := skipOr(e, err)
			return r, errors.Join(serr, restore())
		}
		faulted = positions[0]
		tl.add(EventFault, positions[0], faultText[drill])
		// It is gone (or its replacement starts empty): the resolve goes to the others.
		delete(endpoint, positions[0])
	}
	// Count until every replica has decided: the last position's wait ends at group_wait +
	// (n-1) x peer-timeout, and a duplicate from it would come then, later than the expected
	// notification.
	last := o.Timing.WithDefaults().GroupWait + time.Duration(len(positions)-1)*pt
	until := t0.Add(max(e.To, last) + Slack + pt/2)
	say("counting notifications until %s after the alert", timing.Format(until.Sub(t0)))
	// Prometheus sends every firing alert again at its resend delay, with the same startsAt;
	// so does the drill while it counts, to the replicas it posted to (never to one restarted
	// inside the window: it is out of endpoint).
	// Meanwhile every notification is told as it arrives, with its sender, and the mesh's
	// islands whenever they change.
	prog := progress{say: say, t0: t0, seen: seen, before: before}
	repost := t0.Add(timing.PrometheusResendDelay)
	for now := time.Now(); now.Before(until); now = time.Now() {
		wake := earliest(until, repost, now.Add(progressEvery))
		if !sleep(ctx, time.Until(wake)) {
			return Result{}, errors.Join(ctx.Err(), restore())
		}
		if !time.Now().Before(repost) && repost.Before(until) {
			if err := postAlert(ctx, am, endpoint, o, t0, time.Now(), false); err != nil {
				say("re-posting the alert: %v", err)
			}
			repost = repost.Add(timing.PrometheusResendDelay)
		}
		if time.Now().Before(until) {
			prog.poll(ctx, env, sk, o.Run) // at the end the result tells the rest
		}
	}
	raw, err := sk.Hits(ctx, o.Run)
	if err != nil {
		return Result{}, errors.Join(err, restore())
	}
	after, _ := env.Snapshot(ctx)
	hits := attribute(raw, t0, append(seen, after), before, webhookTotals(after))
	res := Judge(e, hits)
	res.Waited = waited + until.Sub(t0)
	err = restore()
	res.Events = tl.relative(t0, hits)
	return res, err
}

// waitGone waits, up to GoneTimeout, until the replica no longer answers and every other
// replica's status no longer lists it (by its node name in c), and returns the snapshot that
// showed it; else why not.
func waitGone(ctx context.Context, env Env, c model.Cluster, name string, say func(string, ...any)) (model.Cluster, string) {
	node := ""
	for _, r := range c.Replicas {
		if r.Name == name && r.Status != nil {
			node = r.Status.NodeName
		}
	}
	deadline := time.Now().Add(GoneTimeout)
	why := ""
	for time.Now().Before(deadline) {
		s, err := env.Snapshot(ctx)
		if err == nil {
			why = ""
			for _, r := range s.Replicas {
				switch {
				case r.Name == name && r.OK():
					why = fmt.Sprintf("%s still answers %s after the fault", name, timing.Format(GoneTimeout))
				case r.Name != name && r.OK() && slices.ContainsFunc(r.Status.Peers, func(m model.Member) bool { return m.Name == node }):
					why = fmt.Sprintf("%s still lists %s as a member %s after the fault", r.Name, name, timing.Format(GoneTimeout))
				}
			}
			if why == "" {
				say("%s is gone: it does not answer and no other replica lists it", name)
				return s, ""
			}
		}
		if !sleep(ctx, 500*time.Millisecond) {
			return model.Cluster{}, ctx.Err().Error()
		}
	}
	if why == "" {
		why = fmt.Sprintf("the replicas could not be read for %s after the fault", timing.Format(GoneTimeout))
	}
	return model.Cluster{}, why
}

// opening is every drill's start: a snapshot, the preflight (the replicas by position), and,
// for a drill alert with these labels (nil: none is posted), the check that nothing mutes it.
func opening(ctx context.Context, env Env, labels map[string]string) (model.Cluster, []string, error) {
	c, err := env.Snapshot(ctx)
	if err != nil {
		return c, nil, err
	}
	positions, err := Preflight(c)
	if err != nil {
		return c, nil, err
	}
	if labels != nil {
		if err := Muted(c, labels); err != nil {
			return c, nil, err
		}
	}
	return c, positions, nil
}

// partition cuts e's cut-off replica off the mesh port and waits for the split, recreating it
// behind the policy when the network kept its established flows (a Recreater). It returns the
// heal (also when the fault failed half-way: a policy narrowed, a cut made), the snapshot
// that showed the split and how long it took, and, when no split showed (or the fault cannot
// be caused here), the INCONCLUSIVE (SKIPPED) result.
func partition(ctx context.Context, env Env, e Expectation, splitTimeout time.Duration, say func(string, ...any), tl *timeline) (
	heal func(context.Context) error, split model.Cluster, waited time.Duration, inconclusive *Result, err error) {
	cut := e.Sides[0][0]
	say("cutting %s off the mesh port", cut)
	if heal, err = env.Fault(ctx, Partition, cut); err != nil {
		r, serr := skipOr(e, err)
		if serr != nil {
			return heal, split, 0, nil, serr
		}
		return heal, split, 0, &r, nil
	}
	tl.add(EventFault, cut, faultText[Partition])
	from := time.Now()
	split, ok := waitSplit(ctx, env, cut, splitTimeout, say)
	why := fmt.Sprintf("the mesh did not split within %s", timing.Format(splitTimeout))
	if rc, can := env.(Recreater); !ok && ctx.Err() == nil && can {
		// Most policy engines do not cut established flows, and memberlist's UDP gossip
		// keeps its conntrack entry alive: a replacement pod starts behind the policy.
		did, err := rc.Recreate(ctx, cut)
		if err != nil {
			return heal, split, 0, nil, err
		}
		if did {
			say("no split within %s: recreated %s behind the policy", timing.Format(splitTimeout), cut)
			tl.add(EventFault, cut, "recreated behind the policy (the network kept its established flows)")
			split, ok = waitSplit(ctx, env, cut, splitTimeout+recreateStart, say)
			why = fmt.Sprintf("the mesh did not split within %s, nor within %s once %s was recreated behind the policy",
				timing.Format(splitTimeout), timing.Format(splitTimeout+recreateStart), cut)
		}
	}
	if !ok {
		if ctx.Err() != nil {
			return heal, split, 0, nil, ctx.Err()
		}
		return heal, split, 0, &Result{Expectation: e, Verdict: Inconclusive, Explanation: why + ": this network does not enforce " +
			"NetworkPolicy (no policy controller, or one that ignores this policy); nothing was judged and the policy is deleted"}, nil
	}
	tl.add(EventSplit, "", fmt.Sprintf("the mesh is split: %s is alone", cut))
	return heal, split, time.Since(from), nil, nil
}

// faultText and healText say what the fault and its heal did, for the timeline.
var (
	faultText = map[string]string{
		StopSender:  "stopped gracefully: it leaves the mesh",
		CrashSender: "crashed: it exits without leaving the mesh",
		Partition:   "cut off the mesh port",
	}
	healText = map[string]string{
		CrashSender: "the crashed replica replaced",
		Partition:   "the partition removed: the mesh heals",
	}
)

// Preflight refuses a cluster a drill would judge wrongly, and returns its replicas by
// position: every replica answered, at least 2, one island, every member seen by all.
func Preflight(c model.Cluster) ([]string, error) {
	if len(c.Replicas) < 2 {
		return nil, fmt.Errorf("%d replica(s): a drill needs at least 2", len(c.Replicas))
	}
	type pos struct {
		name string
		at   float64
	}
	var ps []pos
	for _, r := range c.Replicas {
		if !r.OK() {
			return nil, fmt.Errorf("replica %s did not answer (%s): drill a whole cluster", r.Name, r.Error)
		}
		if r.Status.Cluster != "ready" {
			return nil, fmt.Errorf("replica %s is %s, not ready: wait until gossip has settled", r.Name, r.Status.Cluster)
		}
		if len(r.Status.Peers) != len(c.Replicas) {
			return nil, fmt.Errorf("replica %s sees %d members, not %d: the mesh is not whole (kubectl amha status)", r.Name, len(r.Status.Peers), len(c.Replicas))
		}
		if r.Metrics == nil || r.Metrics.Position == nil {
			return nil, fmt.Errorf("replica %s reports no position (alertmanager_peer_position)", r.Name)
		}
		ps = append(ps, pos{r.Name, *r.Metrics.Position})
	}
	if isl := mesh.Islands(&c); len(isl) != 1 {
		return nil, fmt.Errorf("the mesh is split into %d islands: heal it before a drill", len(isl))
	}
	slices.SortFunc(ps, func(a, b pos) int { return int(a.at - b.at) })
	out := make([]string, len(ps))
	for i, p := range ps {
		if int(p.at) != i {
			return nil, fmt.Errorf("positions are not 0..%d (%s is at %v): the mesh is changing", len(ps)-1, p.name, p.at)
		}
		out[i] = p.name
	}
	return out, nil
}

// WaitWhole waits, up to timeout, until env's cluster passes the preflight again: every
// replica answers and is ready, sees every other, one island, positions settled. It looks
// every interval and returns the last reason it was not whole.
func WaitWhole(ctx context.Context, env Env, timeout, every time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := env.Snapshot(ctx)
		if err == nil {
			if _, err = Preflight(c); err == nil {
				return nil
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !time.Now().Add(every).Before(deadline) {
			return fmt.Errorf("the mesh was not whole within %s: %v", timing.Format(timeout), err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
}

// Alert is the drill alert as a selector: AmhaDrill{amha_drill="<run>", namespace="team"}.
func Alert(run string, extra map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s{%s=%q", AlertName, Label, run)
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		fmt.Fprintf(&b, ", %s=%q", k, extra[k])
	}
	return b.String() + "}"
}

// alertLabels are the drill alert's labels: alertname, amha_drill, the extra labels, and for
// slow-receiver the sink's delay.
func alertLabels(o Options) map[string]string {
	labels := map[string]string{"alertname": AlertName, Label: o.Run}
	maps.Copy(labels, o.ExtraLabels)
	if o.ReceiverDelay > 0 {
		labels[DelayLabel] = timing.Format(o.ReceiverDelay)
	}
	return labels
}

// postAlert sends the drill alert to every replica, as Prometheus does: startsAt when it was
// first posted (an old startsAt on a first post would flush at once), endsAt four resend
// delays after at (now) so that an abandoned drill resolves by itself; resolved sets endsAt
// to at.
func postAlert(ctx context.Context, am *amclient.Client, endpoints map[string]string, o Options, startsAt, at time.Time, resolved bool) error {
	labels := models.LabelSet(alertLabels(o))
	starts := strfmt.DateTime(startsAt)
	ends := strfmt.DateTime(at.Add(4 * timing.PrometheusResendDelay))
	if resolved {
		ends = strfmt.DateTime(at)
	}
	a := &models.PostableAlert{Alert: models.Alert{Labels: labels}, EndsAt: ends}
	if !resolved {
		a.StartsAt = starts
	}
	var errs []error
	for name, ep := range endpoints {
		api, err := am.API(ep)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, o.Timeout)
		_, err = api.Alert.PostAlerts(alert.NewPostAlertsParamsWithContext(pctx).WithAlerts(models.PostableAlerts{a}))
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("post the drill alert to %s: %w", name, amclient.Explain(err)))
		}
	}
	return errors.Join(errs...)
}

// waitSplit polls until the cut-off replica sees only itself and the others do not see it,
// and returns the snapshot that showed it.
func waitSplit(ctx context.Context, env Env, cut string, timeout time.Duration, say func(string, ...any)) (model.Cluster, bool) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if c, err := env.Snapshot(ctx); err == nil && len(mesh.Islands(&c)) == 2 && answered(c) {
			say("the mesh is split: %s is alone", cut)
			return c, true
		}
		if !sleep(ctx, 500*time.Millisecond) {
			return model.Cluster{}, false
		}
	}
	return model.Cluster{}, false
}

// answered: every replica of the snapshot answered and has settled (a recreated one is up
// again, and past gossip settling, which holds its notifications back).
func answered(c model.Cluster) bool {
	for _, r := range c.Replicas {
		if !r.OK() || r.Status.Cluster != "ready" {
			return false
		}
	}
	return len(c.Replicas) > 0
}

// attribute turns the sink's hits into the drill's: arrival from t0, and the sender by the
// source IP mapped to the replicas' addresses seen during the run (a recreated pod has a new
// one); where that does not tell (every replica behind one address, as on loopback or behind
// SNAT), by which replicas' webhook counters rose.
// progressEvery is how often the counting window reports new notifications and the mesh.
const progressEvery = 2 * time.Second

// progress tells, while a drill counts, each notification as it arrives and the mesh's
// islands when they change: what the result table will show, as it happens.
type progress struct {
	say     func(string, ...any)
	t0      time.Time
	seen    []model.Cluster
	told    int
	islands string
	before  map[string]float64
	totals  map[string]float64
}

func (p *progress) poll(ctx context.Context, env Env, sk Sink, run string) {
	pctx, cancel := context.WithTimeout(ctx, progressEvery)
	defer cancel()
	if c, err := env.Snapshot(pctx); err == nil {
		p.seen = append(p.seen[:min(len(p.seen), 1)], c)
		p.totals = webhookTotals(c)
		if is := islandsOf(c); is != p.islands {
			if p.islands != "" {
				p.say("mesh: %s", is)
			}
			p.islands = is
		}
	}
	raw, err := sk.Hits(pctx, run)
	if err != nil || len(raw) <= p.told || len(p.seen) == 0 {
		return
	}
	for _, h := range attribute(raw, p.t0, p.seen, p.before, p.totals)[p.told:] {
		from := h.Sender
		if from == "" {
			from = "an address of no replica"
		}
		what := "notification"
		if h.Resolved {
			what = "resolved notification"
		}
		p.say("%s %d at %s from %s", what, p.told+1, timing.Format(h.At.Round(100*time.Millisecond)), from)
		p.told++
	}
}

func earliest(t time.Time, more ...time.Time) time.Time {
	for _, m := range more {
		if m.Before(t) {
			t = m
		}
	}
	return t
}

// islandsOf says how the mesh stands: "whole (3)" or its islands.
func islandsOf(c model.Cluster) string {
	if c.Matrix == nil || len(c.Matrix.Islands) == 0 {
		return "not known"
	}
	if len(c.Matrix.Islands) == 1 {
		return fmt.Sprintf("whole (%d)", len(c.Matrix.Islands[0]))
	}
	parts := make([]string, len(c.Matrix.Islands))
	for i, is := range c.Matrix.Islands {
		parts[i] = "{" + strings.Join(is, ", ") + "}"
	}
	return "split into " + strings.Join(parts, " | ")
}

func attribute(raw []sink.Hit, t0 time.Time, seen []model.Cluster, before, after map[string]float64) []Hit {
	byIP := map[string][]string{}
	for _, c := range seen {
		for _, r := range c.Replicas {
			if r.Pod != nil && r.Pod.IP != "" && !slices.Contains(byIP[r.Pod.IP], r.Name) {
				byIP[r.Pod.IP] = append(byIP[r.Pod.IP], r.Name)
			}
		}
	}
	var rose []string
	for _, r := range seen[0].Replicas {
		for range int(after[r.Name] - before[r.Name]) {
			rose = append(rose, r.Name)
		}
	}
	var out []Hit
	firing, nFiring := 0, countFiring(raw)
	for _, h := range raw {
		hit := Hit{At: h.At.Sub(t0), Resolved: h.Status == "resolved"}
		if names := byIP[h.Source]; len(names) == 1 {
			hit.Sender = names[0]
		} else if !hit.Resolved && len(rose) == nFiring {
			// Counters say who sent, not which request was whose: in arrival order.
			hit.Sender = rose[firing]
		}
		if !hit.Resolved {
			firing++
		}
		out = append(out, hit)
	}
	return out
}

func countFiring(raw []sink.Hit) int {
	n := 0
	for _, h := range raw {
		if h.Status != "resolved" {
			n++
		}
	}
	return n
}

// webhookTotals are each replica's alertmanager_notifications_total{integration="webhook"}.
func webhookTotals(c model.Cluster) map[string]float64 { return integrationTotals(c, nil) }

// integrationTotals are each replica's alertmanager_notifications_total summed over the
// integrations kinds (nil: webhook).
func integrationTotals(c model.Cluster, kinds []string) map[string]float64 {
	if kinds == nil {
		kinds = []string{"webhook"}
	}
	out := map[string]float64{}
	for _, r := range c.Replicas {
		if r.Metrics == nil {
			continue
		}
		for _, in := range r.Metrics.Integrations {
			if slices.Contains(kinds, in.Name) {
				out[r.Name] += in.Total
			}
		}
	}
	return out
}

func skipOr(e Expectation, err error) (Result, error) {
	var skip *SkipError
	if errors.As(err, &skip) {
		return Result{Expectation: e, Verdict: Skipped, Explanation: skip.Reason}, nil
	}
	var none *NoEffectError
	if errors.As(err, &none) {
		return Result{Expectation: e, Verdict: Inconclusive, Explanation: none.Reason}, nil
	}
	return Result{}, err
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
