// Package snapshot takes analysed snapshots of Alertmanager clusters, again and again, in one
// straight pipeline: targets (Kubernetes pods through port-forwards, or --url replicas) →
// collect (the Alertmanager side: replicas, Prometheus wiring, probe) → annotate from
// Kubernetes (pods deleted meanwhile) → analyse (the mesh checks and the configuration checks
// of the live objects). `status` takes one snapshot; the live view takes many through a Poller.
package snapshot

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/par"

	"github.com/amha-dev/kubectl-amha/pkg/amclient"
	"github.com/amha-dev/kubectl-amha/pkg/checks"
	"github.com/amha-dev/kubectl-amha/pkg/collect"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/suppress"
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
	// Suppress are the findings accepted by --disable and the config file; a Kubernetes
	// cluster adds its objects' amha.dev/ignore annotations.
	Suppress *suppress.Rules
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
	notes   []string
	once    sync.Once
	targets []collect.Target
}

// NewURLs returns a source for the given replica URLs. A URL that is an earlier one written
// another way (letter case, the default port, a trailing slash) is left out with a note; one
// replica reached by two names (localhost and 127.0.0.1) is found out by what it answers
// (collect.Collect).
func NewURLs(urls []string, o Options) *URLs {
	s := &URLs{opts: o}
	seen := map[string]string{}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			s.urls = append(s.urls, raw)
			continue
		}
		key := sameURL(u)
		if first, ok := seen[key]; ok {
			s.notes = append(s.notes, fmt.Sprintf("--url %s and %s are the same replica: asked once", amclient.Redacted(first), amclient.Redacted(raw)))
			continue
		}
		seen[key] = raw
		s.urls = append(s.urls, raw)
	}
	return s
}

// sameURL is a URL as a replica's address: scheme, lower-case host, port (the scheme's default
// when none is given) and path without a trailing slash.
func sameURL(u *url.URL) string {
	return u.Scheme + "://" + strings.ToLower(u.Hostname()) + ":" + portOf(u) + strings.TrimSuffix(u.Path, "/")
}

// portOf is a URL's port, or its scheme's default (80 unless https).
func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

func (u *URLs) Snapshot(ctx context.Context) ([]model.Cluster, error) {
	u.once.Do(func() { u.targets = urlTargets(ctx, u.urls, u.opts.Timeout) })
	pt := u.opts.PeerTimeout
	if pt == 0 {
		pt = model.DefaultPeerTimeout
	}
	c := model.Cluster{Name: "replicas", Source: "url", PeerTimeout: model.Duration(pt), Notes: slices.Clone(u.notes)}
	c = collect.Collect(ctx, c, u.targets, u.opts.collect(nil))
	analyse(&c, u.opts.Checks, nil, u.opts.Suppress)
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
		port := portOf(u)
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
