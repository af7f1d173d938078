package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/amha-dev/kubectl-amha/pkg/drill"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
	"github.com/amha-dev/kubectl-amha/ui/tui"
)

// uiDrills runs the drills of the live view's Drills tab, as kubectl amha drill runs them with
// --yes: the same plan, checks, sink, faults, restore and Kubernetes Events, with the progress
// sent to the view instead of stderr. Every run ends (restoring what it changed) before the
// live view's command returns.
type uiDrills struct {
	base drillOptions
	// ctx ends every run: the live view quit, or the process got SIGTERM.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	active int
}

func newUIDrills(ctx context.Context, base drillOptions) *uiDrills {
	u := &uiDrills{base: base}
	u.ctx, u.cancel = context.WithCancel(ctx)
	return u
}

// Choices are the drills in the order drill all runs them, then all, then those not in all.
func (u *uiDrills) Choices() []tui.DrillChoice {
	var out []tui.DrillChoice
	for _, d := range drill.Names {
		out = append(out, tui.DrillChoice{Name: d, Summary: drillSummary[d], Drills: []string{d}})
	}
	out = append(out, tui.DrillChoice{Name: drillAll, Summary: drillSummary[drillAll], Drills: drill.Names})
	for _, d := range drill.Extra {
		out = append(out, tui.DrillChoice{Name: d, Summary: drillSummary[d], Drills: []string{d}})
	}
	return out
}

// options are the drill command's options for one drill on one cluster, writing nowhere the
// terminal shows (the view owns it).
func (u *uiDrills) options(namespace, name, d string) *drillOptions {
	o := u.base
	o.namespace, o.name = namespace, name
	o.drills = []string{d}
	if d == drillAll {
		o.drills = drill.Names
	}
	o.output = "json"
	o.streams = genericiooptions.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}
	return &o
}

// Plan is drill --dry-run's plan, and why the drill cannot run from the view when it cannot.
func (u *uiDrills) Plan(ctx context.Context, namespace, name, d string) (string, error) {
	o := u.options(namespace, name, d)
	o.dryRun, o.output = true, "text"
	var buf bytes.Buffer
	o.streams.Out = &buf
	if o.fanoutOnly() {
		_, err := o.runFanout(ctx)
		return strings.TrimSuffix(strings.TrimRight(buf.String(), "\n"), "\n\nDry run: nothing was asked yet."), err
	}
	r, err := o.prepare(ctx)
	if r != nil && r.env != nil {
		defer r.env.Src.Close()
	}
	if err != nil {
		return "", err
	}
	if err := o.printPlan(r); err != nil {
		return "", err
	}
	plan := strings.TrimSuffix(strings.TrimRight(buf.String(), "\n"), "\n\nDry run: nothing was changed.")
	switch {
	case d == drill.AllDown:
		return plan, errors.New("all-down takes every replica down at once: it runs only as kubectl amha drill all-down --allow-all-down")
	case r.report.Route != nil && r.report.Route.Missing != "":
		return plan, errors.New("no drill route passes on every replica: add the route above (the drill never changes the configuration), then choose the drill again")
	case len(r.report.MissingRights) > 0:
		return plan, fmt.Errorf("missing rights: %s (docs/rbac.md has the Role to grant)", strings.Join(r.report.MissingRights, ", "))
	case o.sinkImage == "":
		return plan, errors.New("no sink image: this build of kubectl-amha has no published image to run the sink from; start the live view with --sink-image IMAGE")
	}
	return plan, nil
}

// Run runs the drill with --yes and sends its progress to the view.
func (u *uiDrills) Run(ctx context.Context, namespace, name, d string, send func(tui.DrillUpdate)) (drill.Report, error) {
	u.wg.Add(1)
	defer u.wg.Done()
	u.mu.Lock()
	u.active++
	u.mu.Unlock()
	defer func() {
		u.mu.Lock()
		u.active--
		u.mu.Unlock()
	}()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(u.ctx, cancel)()
	if d == drill.AllDown {
		return drill.Report{}, errors.New("all-down runs only as kubectl amha drill all-down --allow-all-down")
	}
	o := u.options(namespace, name, d)
	o.yes = true
	// What the command line prints on stderr (a restore that failed, objects left to delete by
	// hand) comes to the view as progress lines.
	o.streams.ErrOut = lineFunc(func(s string) { send(tui.DrillUpdate{At: time.Now(), Line: s}) })
	o.progress = func(s string) { send(tui.DrillUpdate{At: time.Now(), Line: s}) }
	o.onEvent = func(dn string, at time.Time, e drill.Event) { send(tui.DrillUpdate{At: at, Drill: dn, Event: &e}) }
	var r *drillRun
	var err error
	if o.fanoutOnly() {
		r, err = o.runFanout(ctx)
	} else {
		r, err = o.prepare(ctx)
		if r != nil && r.env != nil {
			defer r.env.Src.Close()
		}
		if err == nil {
			err = o.runDrills(ctx, r)
		}
	}
	var rep drill.Report
	if r != nil {
		rep = r.report
	}
	var ee *ExitError
	switch {
	case errors.Is(err, errInterrupted) || ctx.Err() != nil && err != nil:
		err = errors.New("stopped: the drill alert is resolved, the fault undone and what the drill created deleted, unless a progress line says what failed")
	case errors.As(err, &ee) && ee.Code == ExitFindings && ee.Err == nil:
		err = nil // the verdicts say it
	}
	return rep, err
}

// Close stops a drill still running (the view was killed, not quit with q) and waits until it
// has restored what it changed, saying so on w.
func (u *uiDrills) Close(w io.Writer) {
	u.mu.Lock()
	active := u.active
	u.mu.Unlock()
	if active > 0 {
		fmt.Fprintln(w, "stopping the drill: resolving its alert, undoing its fault, deleting what it created…")
	}
	u.cancel()
	u.wg.Wait()
}

// lineFunc is a writer that hands each non-empty line written to it to a function.
type lineFunc func(string)

func (f lineFunc) Write(p []byte) (int, error) {
	for _, l := range strings.Split(string(p), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			f(l)
		}
	}
	return len(p), nil
}

// Expectations are what the Drills tab lists for a cluster: each drill's expectation with the
// cluster's numbers, from the drill route in its running configuration (or the route to add).
func (u *uiDrills) Expectations(c *model.Cluster) (out map[string]string, route string) {
	out = map[string]string{}
	if len(c.Replicas) == 0 || !c.Replicas[0].OK() {
		return out, route
	}
	positions, err := drill.Preflight(*c)
	if err != nil {
		route = "Not ready for a drill now: " + err.Error()
		return out, route
	}
	base := map[string]string{"alertname": drill.AlertName, drill.Label: "plan-" + drill.Baseline}
	m, err := drill.MatchSink(c.Replicas[0].Name, c.Replicas[0].Status.Config, c.Namespace, base)
	rt := m.Timing
	if err != nil {
		rt = drill.RouteToAddTiming
		route = "No drill route in the running configuration yet: the plan shows the route to add (these times use its numbers). " + strings.SplitN(err.Error(), "\n", 2)[0]
	}
	p := timing.Params{PeerTimeout: c.PeerTimeout.D(), GroupWait: rt.GroupWait, GroupInterval: rt.GroupInterval, RepeatInterval: rt.RepeatInterval}
	for _, ch := range u.Choices() {
		var parts []string
		for _, name := range ch.Drills {
			e, err := drill.Expect(name, drill.Cluster{Timing: p, Positions: positions})
			if err != nil {
				continue
			}
			who := strings.Join(e.Senders, ", ")
			if len(e.Sides) == 2 {
				who = "one per side: " + strings.Join(e.Sides[0], ",") + " | " + strings.Join(e.Sides[1], ",")
			}
			when := timing.Format(e.From)
			if e.To != e.From {
				when += "-" + timing.Format(e.To)
			}
			part := fmt.Sprintf("%s at %s", e.Counts(), when)
			if who != "" {
				part += " from " + who
			}
			if len(ch.Drills) > 1 {
				part = name + " " + part
			}
			parts = append(parts, part)
		}
		if len(parts) > 0 {
			out[ch.Name] = "here: " + strings.Join(parts, "; ")
		}
	}
	return out, route
}
