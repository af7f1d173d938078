package snapshot

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// slowSource blocks each snapshot until its context ends, and records Close.
type slowSource struct {
	started      chan struct{}
	inFlight     atomic.Int32
	closedDuring atomic.Bool
	closed       atomic.Bool
}

func (s *slowSource) Snapshot(ctx context.Context) ([]model.Cluster, error) {
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	s.started <- struct{}{}
	<-ctx.Done()
	time.Sleep(20 * time.Millisecond) // a request that takes a moment to unwind
	return nil, ctx.Err()
}

func (s *slowSource) Close() {
	s.closedDuring.Store(s.inFlight.Load() > 0)
	s.closed.Store(true)
}

func TestPollerCloseWaitsForSnapshotInFlight(t *testing.T) {
	src := &slowSource{started: make(chan struct{}, 1)}
	p := NewPoller(context.Background(), src)
	done := make(chan error, 1)
	go func() { _, err := p.Poll(); done <- err }()
	<-src.started
	start := time.Now()
	p.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %s", d)
	}
	if !src.closed.Load() || src.closedDuring.Load() {
		t.Fatalf("source closed %v, closed during a snapshot %v", src.closed.Load(), src.closedDuring.Load())
	}
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("snapshot in flight returned %v, want context.Canceled", err)
	}
	if _, err := p.Poll(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Poll after Close: %v", err)
	}
	p.Close()
}
