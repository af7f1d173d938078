// Package collect asks the replicas of one Alertmanager cluster, all at once, what they know
// (cluster status, metrics, alerts, silences), reads the alerting wiring of Prometheus servers,
// and runs the gossip probe when asked. It does not judge what it collects, and where the
// replicas are (port-forwards, URLs) is the caller's business.
package collect

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/amclient"
	"github.com/amha-dev/kubectl-amha/pkg/mesh"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/probe"
	"github.com/amha-dev/kubectl-amha/pkg/promwire"
)

// Target is one replica to ask: where its web port answers and what is known of it already.
type Target struct {
	Name     string
	Endpoint string
	// Err is set when the replica cannot be reached at all (a failed port-forward).
	Err          error
	WebAddresses []string
	Pod          *model.Pod
	Flags        *model.Flags
}

// PrometheusTarget is a Prometheus server whose alerting wiring is read.
type PrometheusTarget struct {
	Name     string
	Endpoint string
	Err      error
}

// Options say how to ask and what to collect beyond the replicas themselves.
type Options struct {
	HTTP *http.Client
	// Timeout bounds each request.
	Timeout    time.Duration
	Prometheus []PrometheusTarget
	// Probe runs the gossip convergence probe (it writes a short-lived silence).
	Probe        bool
	ProbeTimeout time.Duration
}

// Collect asks every target and Prometheus concurrently, then probes when asked, and returns
// c with its replicas, wiring, probe and collection time filled in.
func Collect(ctx context.Context, c model.Cluster, targets []Target, o Options) model.Cluster {
	hc := amclient.HTTP(o.HTTP)
	cl := &amclient.Client{HTTP: hc, Timeout: o.Timeout}
	c.Replicas = make([]model.Replica, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r model.Replica
			if t.Err != nil {
				r = model.Replica{Name: t.Name, Endpoint: amclient.Redacted(t.Endpoint), Reach: t.Endpoint, Error: t.Err.Error()}
			} else {
				r = cl.Collect(ctx, t.Name, t.Endpoint)
			}
			r.WebAddresses, r.Pod, r.Flags = t.WebAddresses, t.Pod, t.Flags
			c.Replicas[i] = r
		}()
	}
	c.Prometheus = make([]model.PrometheusWiring, len(o.Prometheus))
	for i, p := range o.Prometheus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := model.PrometheusWiring{Name: p.Name}
			if p.Err != nil {
				w.Error = p.Err.Error()
			} else {
				active, dropped, err := promwire.Fetch(ctx, hc, o.Timeout, p.Endpoint)
				w.Active, w.Dropped = active, dropped
				if err != nil {
					w.Error = err.Error()
				}
			}
			c.Prometheus[i] = w
		}()
	}
	wg.Wait()
	c.CollectedAt = time.Now()
	c.Replicas, c.Notes = sameReplicas(c.Replicas, c.Notes)
	if o.Probe {
		c.Probe = probe.Run(ctx, cl, c.Replicas, o.ProbeTimeout)
	}
	return c
}

// sameReplicas keeps one of the replicas that are one process reached two ways (localhost
// and 127.0.0.1, a name and its IP): a replica is known by what it says it is, its node name
// at its own mesh address in /api/v2/status, not by how it was written. The first is kept, with
// the other's web addresses (Prometheus may know it by either), and a note names both.
func sameReplicas(rs []model.Replica, notes []string) ([]model.Replica, []string) {
	first := map[string]int{}
	out := rs[:0:0]
	for _, r := range rs {
		id := identity(r)
		if id == "" {
			out = append(out, r)
			continue
		}
		if i, ok := first[id]; ok {
			k := &out[i]
			for _, a := range r.WebAddresses {
				if !slices.Contains(k.WebAddresses, a) {
					k.WebAddresses = append(k.WebAddresses, a)
				}
			}
			notes = append(notes, fmt.Sprintf("%s and %s are the same replica (both say they are %s at %s): reported once, as %s",
				k.Endpoint, r.Endpoint, r.Status.NodeName, strings.TrimPrefix(id, r.Status.NodeName+"@"), k.Name))
			continue
		}
		first[id] = len(out)
		out = append(out, r)
	}
	return out, notes
}

// identity is a replica's node name at its own mesh address, "" when it did not say (it did
// not answer, runs without a mesh, or does not list itself).
func identity(r model.Replica) string {
	if r.Status == nil || r.Status.NodeName == "" {
		return ""
	}
	if k := mesh.SelfKey(&r); !strings.HasSuffix(k, "@") {
		return k
	}
	return ""
}
