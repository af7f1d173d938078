// Package snapshot takes analysed snapshots of Alertmanager clusters, again and again, in one
// straight pipeline: targets (Kubernetes pods through port-forwards, or --url replicas) →
// collect (the Alertmanager side: replicas, Prometheus wiring, probe) → annotate from
// Kubernetes (pods deleted meanwhile) → analyse (the mesh checks and the configuration checks
// of the live objects). `status` takes one snapshot; the live view takes many through a Poller.
package snapshot

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/par"

	"github.com/amha-dev/kubectl-amha/pkg/amclient"
	"github.com/amha-dev/kubectl-amha/pkg/checks"
	"github.com/amha-dev/kubectl-amha/pkg/collect"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// Source yields analysed snapshots of one or more clusters.
type Source interface {
	Snapshot(ctx context.Context) ([]model.Cluster, error)
	// Close releases everything the source holds open (port-forwards).
	Close()
}

// Options are shared by every source.
type Options struct {
	// HTTP asks the replicas and Prometheus servers (TLS, auth and proxy from --http-config).
	HTTP *http.Client
	// Timeout bounds each request: to a replica, a Prometheus, the API server, a DNS lookup,
	// and a port-forward's set-up.
	Timeout time.Duration
	// PeerTimeout overrides the peer timeout read from pods (0: read it; default 15s).
	PeerTimeout time.Duration
	Checks      checks.Options
	// ConfigChecks adds lint's checks of the live objects (Kubernetes sources) to the mesh
	// findings.
	ConfigChecks bool
	// Prometheus are servers given by URL whose alerting wiring is checked.
	Prometheus []collect.PrometheusTarget
	// Probe runs the gossip convergence probe (it writes a short-lived silence).
	Probe        bool
	ProbeTimeout time.Duration
}

func (o Options) collect(prom []collect.PrometheusTarget) collect.Options {
	return collect.Options{
		HTTP: o.HTTP, Timeout: o.Timeout,
		Prometheus: append(append([]collect.PrometheusTarget{}, o.Prometheus...), prom...),
		Probe:      o.Probe, ProbeTimeout: o.ProbeTimeout,
	}
}

// URLs is a source over replicas given by URL (no Kubernetes).
type URLs struct {
	opts    Options
	urls    []string
	once    sync.Once
	targets []collect.Target
}

// NewURLs returns a source for the given replica URLs.
func NewURLs(urls []string, o Options) *URLs { return &URLs{opts: o, urls: urls} }

func (u *URLs) Snapshot(ctx context.Context) ([]model.Cluster, error) {
	u.once.Do(func() { u.targets = urlTargets(ctx, u.urls, u.opts.Timeout) })
	pt := u.opts.PeerTimeout
	if pt == 0 {
		pt = model.DefaultPeerTimeout
	}
	c := model.Cluster{Name: "replicas", Source: "url", PeerTimeout: model.Duration(pt)}
	c = collect.Collect(ctx, c, u.targets, u.opts.collect(nil))
	analyse(&c, u.opts.Checks, nil)
	return []model.Cluster{c}, nil
}

func (u *URLs) Close() {}

// urlTargets turns --url values into targets. The name is the URL's host:port; the web
// addresses add the host's resolved IPs so that Prometheus' view can be matched.
func urlTargets(ctx context.Context, urls []string, timeout time.Duration) []collect.Target {
	out := make([]collect.Target, len(urls))
	par.Each(len(urls), func(i int) {
		raw := urls[i]
		t := collect.Target{Name: amclient.Redacted(raw), Endpoint: raw}
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
	})
	return out
}
