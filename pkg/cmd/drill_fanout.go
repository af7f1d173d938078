package cmd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/pflag"

	"github.com/amha-dev/kubectl-amha/pkg/amclient"
	"github.com/amha-dev/kubectl-amha/pkg/drill"
	"github.com/amha-dev/kubectl-amha/pkg/kube"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/snapshot"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// fanoutOptions are prometheus-fanout's flags.
type fanoutOptions struct {
	alert  string
	window time.Duration
}

func (f *fanoutOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.alert, "alert", "Watchdog", "prometheus-fanout and --observe-only: the alertname to watch, an alert of the team's that always fires")
	fs.DurationVar(&f.window, "fanout-window", 2*time.Minute, "prometheus-fanout: how long each replica is given to receive the alert again (Prometheus resends every firing alert every 1m)")
}

// runFanout runs prometheus-fanout: it changes nothing and posts nothing, so it needs no
// sink, no drill route and no confirmation; it reads the cluster as status does, Prometheus
// wiring included, on Kubernetes or by --url.
func (o *drillOptions) runFanout(ctx context.Context) (*drillRun, error) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	run := hex.EncodeToString(b)
	r := &drillRun{report: drill.Report{Run: run, DryRun: o.dryRun, Drills: []drill.ReportDrill{{Drill: drill.PrometheusFanout, Alert: o.fanout.alert}}},
		http: &http.Client{Timeout: o.timeout}}
	so := snapshot.Options{HTTP: r.http, Timeout: o.timeout}
	var src snapshot.Source
	if len(o.url.urls) > 0 {
		src = snapshot.NewURLs(o.url.urls, so)
	} else {
		kc, ns, err := kubeClient(o.kube, o.timeout, "")
		if err != nil {
			return r, o.stopped(r, r.stop(drill.StopNotFound, err))
		}
		r.kc = kc
		if o.namespace != "" {
			ns = o.namespace
		}
		r.report.Namespace = ns
		found, err := kc.Find(ctx, kube.Query{Namespace: ns, Name: o.name})
		if err != nil {
			return r, o.stopped(r, r.stop(drill.StopNotFound, withFindHint(err, "use -n", "(kubectl amha drill prometheus-fanout NAME)")))
		}
		if len(found) != 1 {
			return r, o.stopped(r, r.stop(drill.StopNotFound, withFindHint(&kube.AmbiguousError{Where: "namespace " + ns, Found: found}, "", "(kubectl amha drill prometheus-fanout NAME)")))
		}
		r.found = &found[0]
		k := snapshot.NewKube(kc, kube.Query{Namespace: r.found.Namespace, Name: r.found.Name}, nil, so)
		defer k.Close()
		src = k
	}
	snap := func(ctx context.Context) (model.Cluster, error) {
		cs, err := src.Snapshot(ctx)
		if err != nil {
			return model.Cluster{}, err
		}
		if len(cs) != 1 {
			return model.Cluster{}, fmt.Errorf("%d clusters found, not 1: name one", len(cs))
		}
		return cs[0], nil
	}
	c, err := snap(ctx)
	if err != nil {
		return r, o.stopped(r, r.stop(drill.StopPreflight, err))
	}
	r.report.Cluster = c.Name
	fo := drill.FanoutOptions{Alert: o.fanout.alert, Window: o.fanout.window, Every: 5 * time.Second,
		HTTP: &amclient.Client{HTTP: amclient.HTTP(r.http), Timeout: o.timeout}, Timeout: o.timeout}
	var names []string
	for _, rep := range c.Replicas {
		names = append(names, rep.Name)
	}
	d := &r.report.Drills[0]
	d.Expectation = drill.FanoutExpect(names, fo)
	if o.output == "text" {
		w := o.streams.Out
		fmt.Fprintf(w, "Cluster %s: %d replicas.\n\n%s (alert %s, posted by Prometheus; the drill posts nothing and changes nothing):\n", c.Name, len(names), d.Drill, o.fanout.alert)
		fmt.Fprintf(w, "  Does:      asks every replica for its %s alert every %s for up to %s, and notes when each one's copy is updated.\n", o.fanout.alert, timing.Format(fo.Every), timing.Format(fo.Window))
		fmt.Fprintf(w, "  Expects:   each of the %d replicas receives it within %s.\n", len(names), timing.Format(fo.Window))
		fmt.Fprintf(w, "  Why:       %s\n", d.Expectation.Why)
		if o.dryRun {
			fmt.Fprintln(w, "\nDry run: nothing was asked yet.")
		}
	}
	if o.dryRun {
		if o.structuredOutput() {
			return r, o.printReport(r.report)
		}
		return r, nil
	}
	start := time.Now()
	fo.Progress = o.progress
	if fo.Progress == nil {
		fo.Progress = func(s string) { fmt.Fprintf(o.streams.ErrOut, "[%5.1fs] %s\n", time.Since(start).Seconds(), s) }
	}
	res, err := drill.Fanout(ctx, snap, fo)
	if ctx.Err() != nil {
		r.interrupted = d.Alert
		return r, errInterrupted
	}
	if err != nil {
		d.Error = err.Error()
	} else {
		d.Result = res
		d.Wall, d.Waits = model.Duration(time.Since(start)), model.Duration(res.Waited)
	}
	if err := o.printResults(r); err != nil {
		return r, err
	}
	return r, drillVerdict(r.report.Drills, nil)
}
