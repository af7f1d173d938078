// Package source gives snapshots of Alertmanager clusters, again and again: from --url replicas,
// or from Kubernetes, where it keeps one port-forward per pod open between snapshots and
// follows pods that come and go. `status` takes one snapshot; the live view takes many.
package source

import (
	"context"
	"sync"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/amclient"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/status"
)

// Source yields analysed snapshots of one or more clusters.
type Source interface {
	Snapshot(ctx context.Context) ([]model.Cluster, error)
	// Close releases everything the source holds open (port-forwards).
	Close()
}

// Options are shared by every source.
type Options struct {
	Client *amclient.Client
	Status status.Options
	// PeerTimeout overrides the peer timeout read from pods (0: read it; default 15s).
	PeerTimeout time.Duration
	// ConfigChecks adds the lint checks of the live objects (Kubernetes sources) to the mesh
	// findings.
	ConfigChecks bool
}

// URLs is a source over replicas given by URL (no Kubernetes).
type URLs struct {
	opts    Options
	urls    []string
	once    sync.Once
	targets []status.Target
}

// NewURLs returns a source for the given replica URLs.
func NewURLs(urls []string, o Options) *URLs { return &URLs{opts: o, urls: urls} }

func (u *URLs) Snapshot(ctx context.Context) ([]model.Cluster, error) {
	u.once.Do(func() { u.targets = status.URLTargets(ctx, u.urls, u.opts.Client.Timeout) })
	pt := u.opts.PeerTimeout
	if pt == 0 {
		pt = model.DefaultPeerTimeout
	}
	c := model.Cluster{Name: "replicas", Source: "url", PeerTimeout: model.Duration(pt)}
	return []model.Cluster{status.Collect(ctx, u.opts.Client, c, u.targets, u.opts.Status)}, nil
}

func (u *URLs) Close() {}

// forEach runs fn for 0..n-1 concurrently and waits.
func forEach(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); fn(i) }()
	}
	wg.Wait()
}
