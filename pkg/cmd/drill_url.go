package cmd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/amha-dev/kubectl-amha/pkg/drill"
	"github.com/amha-dev/kubectl-amha/pkg/drill/kubeenv"
	"github.com/amha-dev/kubectl-amha/pkg/drill/vmenv"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/sink"
	"github.com/amha-dev/kubectl-amha/pkg/snapshot"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// urlOptions are the drill's options for replicas outside Kubernetes (--url).
type urlOptions struct {
	urls        []string
	sinkListen  string
	sinkURL     string
	hooks       map[string]*string
	hookTimeout time.Duration
	peerTimeout time.Duration
}

func (u *urlOptions) addFlags(f *pflag.FlagSet) {
	f.StringArrayVar(&u.urls, "url", nil, "Web URL of a replica outside Kubernetes, once per replica: the drill runs against them, with the sink inside kubectl-amha (--sink-listen)")
	f.StringVar(&u.sinkListen, "sink-listen", "", "With --url: the address the sink inside kubectl-amha listens on (host:port), which every replica must reach")
	f.StringVar(&u.sinkURL, "sink-url", "", "With --url: the webhook URL the replicas' drill route uses to reach the sink (default http://<--sink-listen>/hook)")
	u.hooks = map[string]*string{}
	for _, h := range []struct{ name, usage string }{
		{vmenv.HookStop, "stop-sender: command that stops a replica gracefully, run 3s before its flush"},
		{vmenv.HookCrash, "crash-sender: command that crashes a replica (exits without leaving the mesh: SIGQUIT or SIGKILL), run 2s before its flush"},
		{vmenv.HookStart, "command that starts a stopped or crashed replica again, after the count (else a person is asked)"},
		{vmenv.HookCut, "partition: command that cuts a replica off the mesh port, TCP and UDP, both ways (else a person is guided)"},
		{vmenv.HookHeal, "partition: command that undoes --cut-command (else a person is asked)"},
	} {
		u.hooks[h.name] = f.String(h.name+"-command", "", "With --url: "+h.usage+"; {url}, {host}, {port} and {replica} are replaced, run with sh -c")
	}
	f.DurationVar(&u.hookTimeout, "command-timeout", 30*time.Second, "With --url: how long each --*-command may run")
	f.DurationVar(&u.peerTimeout, "peer-timeout", 0, "With --url: the replicas' --cluster.peer-timeout, which their API does not tell (default 15s, Alertmanager's)")
}

// runURLs runs the drills on replicas given by URL: the same preflight, route check,
// expectations, faults and judgement as on Kubernetes; the sink runs in this process.
func (o *drillOptions) runURLs(ctx context.Context) (*drillRun, error) {
	r := &drillRun{http: &http.Client{Timeout: o.timeout}}
	return r, o.runOnURLs(ctx, r)
}

func (o *drillOptions) runOnURLs(ctx context.Context, r *drillRun) error {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	run := hex.EncodeToString(b)
	r.report = drill.Report{Run: run, DryRun: o.dryRun}
	for _, d := range o.drills {
		r.report.Drills = append(r.report.Drills, drill.ReportDrill{Drill: d, Alert: run + "-" + d})
	}
	start := time.Now()
	say := func(s string) { fmt.Fprintf(o.streams.ErrOut, "[%5.1fs] %s\n", time.Since(start).Seconds(), s) }
	hooks := map[string]string{}
	for k, v := range o.url.hooks {
		if *v != "" {
			hooks[k] = *v
		}
	}
	env := &vmenv.Env{
		Src:   snapshot.NewURLs(o.url.urls, snapshot.Options{HTTP: r.http, Timeout: o.timeout, PeerTimeout: o.url.peerTimeout}),
		Hooks: hooks, HookTimeout: o.url.hookTimeout, Say: say,
	}
	if o.stdinTerminal() {
		env.Ask = func(ctx context.Context, step string) error {
			_, err := o.readAnswer(ctx, "\n"+step+" ")
			return err
		}
	}
	c, err := env.Snapshot(ctx)
	if err != nil {
		return o.stopped(r, r.stop(drill.StopPreflight, err))
	}
	r.report.Cluster = c.Name
	if r.positions, err = drill.Preflight(c); err != nil {
		return o.stopped(r, r.stop(drill.StopPreflight, err))
	}
	r.report.Positions = r.positions
	sinkURL := o.url.sinkURL
	if sinkURL == "" {
		sinkURL = "http://" + o.url.sinkListen + "/hook"
	}
	base := map[string]string{"alertname": drill.AlertName, drill.Label: run + "-" + drill.Baseline}
	m, err := drill.MatchSinkEverywhere(c, "", base)
	r.route = m.Timing
	r.report.Route = &drill.ReportRoute{Receiver: m.Receiver, Others: m.Others}
	if err != nil {
		r.route = drill.RouteToAddTiming
		r.report.Route = &drill.ReportRoute{Missing: err.Error(), ToAdd: drill.RouteToAddURL(sinkURL)}
		if !o.dryRun {
			fmt.Fprintf(o.streams.ErrOut, "Add to every replica's alertmanager.yml (the drill never changes it), then reload:\n%s", r.report.Route.ToAdd)
			return o.stopped(r, r.stop(drill.StopNoRoute, fmt.Errorf("no drill route (%w): nothing was changed", err)))
		}
	}
	labels := maps.Clone(base)
	maps.Copy(labels, m.Extra)
	r.report.Labels = m.Extra
	if err := drill.Muted(c, labels); err != nil {
		return o.stopped(r, r.stop(drill.StopMuted, fmt.Errorf("the drill alert would not be counted, nothing was changed:\n%w", err)))
	}
	r.params = timing.Params{PeerTimeout: c.PeerTimeout.D(), GroupWait: r.route.GroupWait, GroupInterval: r.route.GroupInterval, RepeatInterval: r.route.RepeatInterval}
	r.report.Timing = drill.ReportTime{PeerTimeout: model.Duration(r.params.PeerTimeout), GroupWait: model.Duration(r.route.GroupWait),
		GroupInterval: model.Duration(r.route.GroupInterval), RepeatInterval: model.Duration(r.route.RepeatInterval)}
	for i, d := range o.drills {
		e, err := drill.Expect(d, drill.Cluster{Timing: r.params, Positions: r.positions, ReceiverDelay: o.receiverDelay, FaultFirst: env.FaultFirst(d)})
		if err != nil {
			return o.stopped(r, r.stop(drill.StopReceiverDelay, err))
		}
		r.report.Drills[i].Expectation = e
		if d == drill.SlowReceiver && r.report.Route.Missing == "" {
			if err := checkDelayedRoute(c, labels, r.report.Drills[i], r.route); err != nil {
				return o.stopped(r, r.stop(drill.StopNoRoute, err))
			}
		}
	}
	if o.structuredOutput() && o.dryRun {
		return o.printReport(r.report)
	}
	if o.output == "text" {
		o.printURLPlan(r, env, sinkURL)
	}
	if o.dryRun {
		return nil
	}
	if !o.yes {
		if !o.stdinTerminal() {
			return o.stopped(r, r.stop(drill.StopNotConfirmed, errors.New("not a terminal to ask on: use --yes to run the drill")))
		}
		if yes, err := o.ask(ctx, "Run it? [y/N] "); err != nil || !yes {
			if err != nil {
				return err
			}
			return o.stopped(r, r.stop(drill.StopNotConfirmed, errors.New("not confirmed: nothing was changed")))
		}
	}
	ln, err := net.Listen("tcp", o.url.sinkListen)
	if err != nil {
		return o.stopped(r, r.stop(drill.StopSink, fmt.Errorf("the sink cannot listen on --sink-listen %s: %w", o.url.sinkListen, err)))
	}
	sk := sink.New(sink.Options{})
	sctx, stopSink := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { _ = sk.Serve(sctx, ln); close(served) }()
	defer func() { stopSink(); <-served }()
	say(fmt.Sprintf("the sink listens on %s (the drill route's webhook: %s)", ln.Addr(), sinkURL))
	hits := vmenv.Sink{S: sk}
	// No Kubernetes object to record Events on: nil.
	ended, err := o.drillLoop(ctx, r, env, hits, say, nil)
	if err != nil {
		return err
	}
	if err := o.meshAtEnd(ctx, r, env, say, nil); err != nil {
		return err
	}
	if err := o.awaitResolved(ctx, r, hits, ended, say); err != nil {
		return err
	}
	if err := o.printResults(r); err != nil {
		return err
	}
	return drillVerdict(r.report.Drills, r.report.MeshAtEnd)
}

// printURLPlan is the plan for replicas given by URL.
func (o *drillOptions) printURLPlan(r *drillRun, env *vmenv.Env, sinkURL string) {
	w := o.streams.Out
	p := r.params
	fmt.Fprintf(w, "Cluster of %d replicas given by --url: position 0 is %s, peer-timeout %s.\n", len(r.positions), r.positions[0], timing.Format(p.PeerTimeout))
	if rt := r.report.Route; rt != nil && rt.Missing == "" {
		fmt.Fprintf(w, "Drill route (checked on every replica): receiver %s, group_wait %s, group_interval %s, repeat_interval %s.\n",
			rt.Receiver, timing.Format(p.GroupWait), timing.Format(p.GroupInterval), timing.Format(p.RepeatInterval))
	}
	fmt.Fprintf(w, "The sink runs inside kubectl-amha on %s; every replica must reach it at %s.\n", orDash(o.url.sinkListen), sinkURL)
	for _, d := range r.report.Drills {
		e := d.Expectation
		fmt.Fprintf(w, "\n%s (alert %s, posted to every replica):\n", d.Drill, drill.Alert(d.Alert, r.report.Labels))
		fmt.Fprintf(w, "  Does:      %s\n", urlDoes(d.Drill, r, env))
		fmt.Fprintf(w, "  Expects:   %s notification(s) %s after the alert (+%s)\n", e.Counts(), window(e), timing.Format(drill.Slack))
		fmt.Fprintf(w, "  Why:       %s\n", e.Why)
		fmt.Fprintf(w, "  Real alerts: %s\n", realAlerts(d.Drill, p))
	}
	if rt := r.report.Route; rt != nil && rt.Missing != "" {
		fmt.Fprintf(w, "\nNeeds, added by the team to every replica's alertmanager.yml (a run stops without it, exit 2):\n%s", rt.ToAdd)
	}
	if o.dryRun {
		fmt.Fprintln(w, "\nDry run: nothing was changed.")
	}
}

func urlDoes(d string, r *drillRun, env *vmenv.Env) string {
	hook := func(h string) string {
		if c := env.Hooks[h]; c != "" {
			return "runs --" + h + "-command: " + vmenv.Expand(c, r.positions[0], r.positions[0])
		}
		return ""
	}
	switch d {
	case drill.Baseline:
		return "no fault; counts the notifications, then resolves the alert."
	case drill.StopSender, drill.CrashSender:
		h := map[string]string{drill.StopSender: vmenv.HookStop, drill.CrashSender: vmenv.HookCrash}[d]
		if s := hook(h); s != "" {
			return fmt.Sprintf("%s on %s (position 0) just before its flush; then --start-command, or a person is asked to start it again.", s, r.positions[0])
		}
		if env.FaultFirst(d) {
			what := "stop it gracefully"
			if d == drill.CrashSender {
				what = "crash it (SIGQUIT: it exits without leaving the mesh)"
			}
			return fmt.Sprintf("guides a person: %s on %s (position 0), press Enter; the drill waits until it no longer answers and "+
				"the others no longer list it, then posts the alert to them and counts; after the count, start it again and press Enter. "+
				"(--%s-command instead times the fault seconds before the flush.)", what, r.positions[0], h)
		}
		return fmt.Sprintf("SKIPPED: needs --%s-command (timed seconds before the flush), or a terminal to guide a person through it.", h)
	case drill.Partition:
		cut := r.positions[len(r.positions)-1]
		if env.Hooks[vmenv.HookCut] != "" {
			return fmt.Sprintf("runs --cut-command for %s, waits up to %s for the split in every replica's status, posts, counts, then --heal-command.", cut, timing.Format(2*time.Minute))
		}
		return fmt.Sprintf("guides a person: cut %s off the mesh port (TCP and UDP, both ways), press Enter; the split is checked in every replica's status; after the count, undo it and press Enter.", cut)
	}
	return ""
}

// validateURLs checks the --url flags; nil when the drill is not for replicas by URL.
func (o *drillOptions) validateURLs() error {
	if len(o.url.urls) == 0 {
		for k, v := range o.url.hooks {
			if *v != "" {
				return usageError("--%s-command needs --url: on Kubernetes the drill causes the faults itself", k)
			}
		}
		if o.url.sinkListen != "" || o.url.sinkURL != "" {
			return usageError("--sink-listen and --sink-url need --url: on Kubernetes the sink runs in the cluster (--sink-image)")
		}
		if o.url.peerTimeout != 0 {
			return usageError("--peer-timeout needs --url: on Kubernetes the drill reads it from the pods' arguments")
		}
		return nil
	}
	if o.url.peerTimeout < 0 {
		return usageError("--peer-timeout %s: must be positive", o.url.peerTimeout)
	}
	if o.name != "" {
		return usageError("NAME %q and --url: the replicas given by --url are the cluster", o.name)
	}
	for flag, set := range map[string]bool{"silence-team-alerts": o.silence, "recreate": o.recreate, "narrow-policies": o.narrow, "eviction-timeout": o.evictWait != kubeenv.DefaultEvictWait, "sink-image": o.sinkImage != "" && o.sinkImage != defaultSinkImage()} {
		if set {
			return usageError("--%s is for Kubernetes: with --url the drill creates nothing in a cluster", flag)
		}
	}
	for _, d := range o.drills {
		if slices.Contains(drill.OptIn, d) {
			return usageError("%s needs Kubernetes (it evicts or deletes the pods and waits for their StatefulSet to bring them back): with --url, run the restarts with your own tooling and watch with kubectl amha status --url", d)
		}
	}
	if o.url.sinkListen == "" && !o.dryRun && !o.fanoutOnly() {
		return usageError("--url needs --sink-listen HOST:PORT: the sink runs inside kubectl-amha, and every replica must reach it there")
	}
	if o.url.sinkListen != "" {
		if _, _, err := net.SplitHostPort(o.url.sinkListen); err != nil {
			return usageError("--sink-listen %q: want HOST:PORT (%v)", o.url.sinkListen, err)
		}
	}
	if strings.HasPrefix(o.url.sinkListen, ":") && o.url.sinkURL == "" && !o.dryRun && !o.fanoutOnly() {
		return usageError("--sink-listen %s listens on every address: give --sink-url http://HOST%s/hook, the address the replicas reach it at", o.url.sinkListen, o.url.sinkListen)
	}
	return nil
}
