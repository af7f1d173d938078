package drill

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/api/v2/client/alert"

	"github.com/amha-dev/kubectl-amha/pkg/amclient"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// PrometheusFanout is the drill of the most common real mistake, Prometheus not sending to
// every replica: it posts nothing and changes nothing, and watches a real alert of the team's
// (the always-firing Watchdog) arrive on each replica. Alerts are not gossiped, so a replica
// Prometheus does not send to never has it.
const PrometheusFanout = "prometheus-fanout"

// EventReceive is a replica receiving the watched alert from Prometheus (prometheus-fanout).
const EventReceive = "receive"

// FanoutOptions say how prometheus-fanout watches.
type FanoutOptions struct {
	// Alert is the alertname watched: an alert that fires all the time (Watchdog).
	Alert string
	// Window is how long each replica is given to receive it again: Prometheus sends every
	// firing alert at each evaluation and again every resend delay (1m).
	Window time.Duration
	// Every is how often the replicas are asked.
	Every   time.Duration
	HTTP    *amclient.Client
	Timeout time.Duration
	// Progress, when set, receives what the drill sees, as it sees it.
	Progress func(string)
}

// FanoutExpect is what prometheus-fanout expects on replicas: each receives the alert within
// the window.
func FanoutExpect(replicas []string, o FanoutOptions) Expectation {
	return Expectation{
		Drill: PrometheusFanout, Count: len(replicas), To: o.Window, Senders: replicas,
		Why: fmt.Sprintf("Prometheus sends every firing alert to every Alertmanager of its alertmanagers block at each "+
			"evaluation, and again every resend delay (1m): within %s each replica's copy of %s is updated. Alerts are not "+
			"gossiped, so a replica Prometheus does not send to never has it: it notifies nothing for it, and when the replicas "+
			"that do have it are down, nobody does.", timing.Format(o.Window), o.Alert),
	}
}

// Fanout watches o.Alert on every replica of the snapshot for o.Window and judges whether
// each one received it from Prometheus (its updatedAt moved). Replicas that never did are
// named, with the snapshot's Prometheus wiring findings that explain them.
func Fanout(ctx context.Context, snap func(context.Context) (model.Cluster, error), o FanoutOptions) (Result, error) {
	say := func(format string, a ...any) {
		if o.Progress != nil {
			o.Progress(fmt.Sprintf(format, a...))
		}
	}
	c, err := snap(ctx)
	if err != nil {
		return Result{}, err
	}
	var names []string
	endpoint := map[string]string{}
	for _, r := range c.Replicas {
		if !r.OK() {
			return Result{}, fmt.Errorf("replica %s did not answer (%s): watch a whole cluster", r.Name, r.Error)
		}
		names = append(names, r.Name)
		endpoint[r.Name] = r.URL()
	}
	e := FanoutExpect(names, o)
	start := time.Now()
	first := map[string]time.Time{}   // the alert's newest updatedAt on each replica at the start
	got := map[string]time.Duration{} // when each replica was seen to receive it, from start
	var res Result
	res.Expectation = e
	poll := func(initial bool) {
		for _, name := range names {
			if _, done := got[name]; done {
				continue
			}
			at, ok, err := newestUpdate(ctx, o, endpoint[name])
			switch {
			case err != nil:
				say("%s: %v", name, err)
			case initial:
				first[name] = at
			case ok && at.After(first[name]):
				got[name] = time.Since(start)
				res.Events = append(res.Events, Event{At: got[name], Kind: EventReceive, Replica: name,
					Text: fmt.Sprintf("received %s from Prometheus", o.Alert)})
				say("%s received %s at %s", name, o.Alert, timing.Format(got[name].Round(100*time.Millisecond)))
			}
		}
	}
	say("watching %s on %d replicas for up to %s", o.Alert, len(names), timing.Format(o.Window))
	poll(true)
	for len(got) < len(names) && time.Since(start) < o.Window {
		select {
		case <-ctx.Done():
			return Result{}, ctx.Err()
		case <-time.After(o.Every):
		}
		poll(false)
	}
	res.Waited = time.Since(start)
	var missing []string
	for _, n := range names {
		if _, ok := got[n]; !ok {
			missing = append(missing, n)
		}
	}
	switch {
	case len(missing) == 0:
		var ats []string
		for _, n := range names {
			ats = append(ats, fmt.Sprintf("%s at %s", n, timing.Format(got[n].Round(100*time.Millisecond))))
		}
		res.Verdict, res.Explanation = Pass, fmt.Sprintf("every replica received %s from Prometheus within %s (%s): Prometheus sends to all %d.",
			o.Alert, timing.Format(o.Window), strings.Join(ats, ", "), len(names))
	case len(missing) == len(names):
		res.Verdict, res.Explanation = Inconclusive, fmt.Sprintf("no replica received %s within %s: it is not firing, or no Prometheus sends to "+
			"these replicas at all (%s). kube-prometheus' Watchdog is in its general.rules; name another alert that always fires with --alert.",
			o.Alert, timing.Format(o.Window), wiring(c))
	default:
		res.Verdict, res.Explanation = Fail, fmt.Sprintf("%s never received %s within %s while %d other replica(s) did: Prometheus does not send "+
			"to them (its alertmanagers block lists only some replicas, a load balancer or Service picks one per send, or service discovery "+
			"finds only some). They notify nothing for alerts they do not get, and when the replicas that do get them are down, nobody is "+
			"notified. %s", strings.Join(missing, ", "), o.Alert, timing.Format(o.Window), len(names)-len(missing), wiring(c))
	}
	return res, nil
}

// newestUpdate is the newest updatedAt of the replica's alerts named o.Alert (silenced and
// inhibited ones too); ok false when it has none.
func newestUpdate(ctx context.Context, o FanoutOptions, endpoint string) (time.Time, bool, error) {
	api, err := o.HTTP.API(endpoint)
	if err != nil {
		return time.Time{}, false, err
	}
	actx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	yes := true
	p := alert.NewGetAlertsParamsWithContext(actx).WithFilter([]string{fmt.Sprintf("alertname=%q", o.Alert)}).
		WithActive(&yes).WithSilenced(&yes).WithInhibited(&yes).WithUnprocessed(&yes)
	resp, err := api.Alert.GetAlerts(p)
	if err != nil {
		return time.Time{}, false, amclient.Explain(err)
	}
	var newest time.Time
	for _, a := range resp.Payload {
		if a.UpdatedAt != nil && time.Time(*a.UpdatedAt).After(newest) {
			newest = time.Time(*a.UpdatedAt)
		}
	}
	return newest, !newest.IsZero(), nil
}

// wiring says what the snapshot found about how Prometheus sends to the cluster.
func wiring(c model.Cluster) string {
	var out []string
	for _, f := range c.Findings {
		if strings.HasPrefix(f.ID, "prometheus/") {
			out = append(out, f.ID+": "+f.Message)
		}
	}
	slices.Sort(out)
	if len(out) == 0 {
		return "The Prometheus wiring was not read (kubectl amha status --prometheus-pod or --prometheus-url reads it)"
	}
	return "What status finds in the Prometheus wiring: " + strings.Join(out, "; ")
}
