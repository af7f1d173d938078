// Package amtest runs real Alertmanager clusters for tests, in the manner of Alertmanager's
// own test/testutils: localcluster with testing.TB plumbing (fatal on error, cleanup, logs of
// failed tests).
package amtest

import (
	"context"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/localcluster"
)

// Options are localcluster's; NoWait skips waiting for a whole, ready mesh.
type Options struct {
	localcluster.Options
	NoWait bool
}

// Start runs n replicas, stopped at the end of the test, and waits for a ready mesh of n.
func Start(t testing.TB, n int, o Options) *localcluster.Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	c, err := localcluster.Start(ctx, n, o.Options)
	if err != nil {
		t.Fatalf("start %d alertmanagers: %v", n, err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, p := range c.Replicas {
				t.Logf("replica %d log (tail):\n%s", p.Index, localcluster.Tail(p.Log(), 3000))
			}
		}
		c.Close()
	})
	if !o.NoWait {
		wctx, wcancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer wcancel()
		if err := c.WaitMesh(wctx, n); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// WaitStatus waits (up to timeout) until replica p's status satisfies ok.
func WaitStatus(t testing.TB, p *localcluster.Process, timeout time.Duration, ok func(localcluster.StatusView) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if _, err := p.WaitStatus(ctx, ok); err != nil {
		t.Fatal(err)
	}
}

// PostAlerts posts firing alerts to each URL.
func PostAlerts(t testing.TB, urls []string, alerts ...map[string]string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := localcluster.PostAlerts(ctx, urls, alerts...); err != nil {
		t.Fatal(err)
	}
}

// PostSilence creates a silence on one replica.
func PostSilence(t testing.TB, url, name, value string, d time.Duration) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id, err := localcluster.PostSilence(ctx, url, name, value, d)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
