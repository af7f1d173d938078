package snapshot

import (
	"context"
	"sync"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// Poller takes snapshots from a source, one call at a time, and closes the source only once
// no snapshot is in flight: a port-forward is never closed under a running request.
type Poller struct {
	src    Source
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	closed bool
	busy   sync.WaitGroup
}

// NewPoller polls src until ctx ends or Close is called.
func NewPoller(ctx context.Context, src Source) *Poller {
	ctx, cancel := context.WithCancel(ctx)
	return &Poller{src: src, ctx: ctx, cancel: cancel}
}

// Poll takes one snapshot. After Close it returns context.Canceled at once.
func (p *Poller) Poll() ([]model.Cluster, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, context.Canceled
	}
	p.busy.Add(1)
	p.mu.Unlock()
	defer p.busy.Done()
	return p.src.Snapshot(p.ctx)
}

// Close cancels a snapshot in flight, waits for it to return, then closes the source (every
// port-forward). It is safe to call more than once.
func (p *Poller) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	p.busy.Wait()
	p.src.Close()
}
