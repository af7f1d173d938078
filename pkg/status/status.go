// Package status collects a snapshot of one Alertmanager cluster from its replicas, all at
// once, and analyses it. Where the replicas are (port-forwards, URLs) is the caller's business.
package status

import (
	"context"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/amclient"
	"github.com/amha-dev/kubectl-amha/pkg/checks"
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

// PrometheusTarget is a Prometheus server whose alerting wiring is checked.
type PrometheusTarget struct {
	Name     string
	Endpoint string
	Err      error
}

// Options say what to collect beyond the replicas themselves.
type Options struct {
	Checks     checks.Options
	Prometheus []PrometheusTarget
	// Probe runs the gossip convergence probe (it writes a short-lived silence).
	Probe        bool
	ProbeTimeout time.Duration
	// Annotate, when set, adds to the collected replicas before the checks run.
	Annotate func(*model.Cluster)
	// Extra, when set, adds findings after the mesh checks (the configuration of the live
	// objects).
	Extra func(*model.Cluster) []model.Finding
}

// Collect asks every target concurrently and returns the analysed cluster.
func Collect(ctx context.Context, cl *amclient.Client, c model.Cluster, targets []Target, o Options) model.Cluster {
	c.Replicas = make([]model.Replica, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r model.Replica
			if t.Err != nil {
				r = model.Replica{Name: t.Name, Endpoint: t.Endpoint, Error: t.Err.Error()}
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
				active, dropped, err := promwire.Fetch(ctx, cl.HTTP, cl.Timeout, p.Endpoint)
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
	if o.Probe {
		c.Probe = probe.Run(ctx, cl, c.Replicas, o.ProbeTimeout)
	}
	if o.Annotate != nil {
		o.Annotate(&c)
	}
	if o.Checks.Now.IsZero() {
		o.Checks.Now = c.CollectedAt
	}
	checks.Analyze(&c, o.Checks)
	if o.Extra != nil {
		c.Findings = append(c.Findings, o.Extra(&c)...)
		model.SortFindings(c.Findings)
	}
	return c
}

// URLTargets turns --url values into targets. The name is the URL's host:port; the web
// addresses add the host's resolved IPs so that Prometheus' view can be matched.
func URLTargets(ctx context.Context, urls []string, timeout time.Duration) []Target {
	out := make([]Target, len(urls))
	var wg sync.WaitGroup
	for i, raw := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := Target{Name: raw, Endpoint: raw}
			u, err := url.Parse(raw)
			if err != nil || u.Host == "" {
				out[i] = t
				return
			}
			port := u.Port()
			if port == "" {
				port = map[string]string{"https": "443"}[u.Scheme]
				if port == "" {
					port = "80"
				}
			}
			t.Name = net.JoinHostPort(u.Hostname(), port)
			t.WebAddresses = []string{t.Name}
			if net.ParseIP(u.Hostname()) == nil {
				lctx, cancel := context.WithTimeout(ctx, timeout)
				ips, _ := net.DefaultResolver.LookupHost(lctx, u.Hostname())
				cancel()
				for _, ip := range ips {
					t.WebAddresses = append(t.WebAddresses, net.JoinHostPort(ip, port))
				}
			}
			out[i] = t
		}()
	}
	wg.Wait()
	return out
}
