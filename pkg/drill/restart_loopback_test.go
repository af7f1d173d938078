package drill

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The loopback replicas restart as a rollout restarts pods: SIGTERM (the replica leaves the
// mesh and snapshots its state), then the same process again under the same name and ports,
// with its data directory kept (a persistent volume) or wiped (an emptyDir).

func (l *loopback) Restart(_ context.Context, replica string) error {
	p := l.byURL[replica]
	if p == nil {
		return fmt.Errorf("no replica %s", replica)
	}
	p.Stop()
	if l.wipe {
		if err := os.RemoveAll(filepath.Join(p.Dir, "data")); err != nil {
			return err
		}
	}
	return p.Start()
}

func (l *loopback) StopAll(context.Context) (string, error) {
	var wg sync.WaitGroup
	for _, p := range l.c.Replicas {
		wg.Go(p.Stop)
	}
	wg.Wait()
	for _, p := range l.c.Replicas {
		if l.wipe {
			if err := os.RemoveAll(filepath.Join(p.Dir, "data")); err != nil {
				return "", err
			}
		}
		if err := p.Start(); err != nil {
			return "", err
		}
	}
	return "", nil
}

func (l *loopback) Storage(context.Context) (bool, string, error) {
	return !l.wipe, "a directory wiped at each restart", nil
}

func runRestartDrill(t *testing.T, drill string, wipe bool) Result {
	t.Helper()
	if os.Getenv("AMHA_SKIP_DRILLS") == "1" {
		t.Skip("AMHA_SKIP_DRILLS=1")
	}
	sk, url := startSink(t)
	env := newLoopback(t, url)
	env.wipe = wipe
	o := loopbackOptions()
	o.Progress = func(s string) { t.Log(s) }
	r, err := Run(context.Background(), env, sk, drill, o)
	if err != nil {
		t.Fatalf("%s: %v", drill, err)
	}
	for _, h := range r.Hits {
		t.Logf("hit at %s from %q resolved=%v", h.At, h.Sender, h.Resolved)
	}
	for _, e := range r.Events {
		t.Logf("event %s %s %q: %s", e.At, e.Kind, e.Replica, e.Text)
	}
	t.Logf("%s: %s: %s", drill, r.Verdict, r.Explanation)
	// The timeline: the post at T0, then per restart a fault and a heal (one each for
	// all-down), the alert posted again to each replica back, and the resolve.
	kinds := map[string]int{}
	for _, e := range r.Events {
		kinds[e.Kind]++
	}
	restarts := 3
	if drill == AllDown {
		restarts = 1
	}
	if kinds[EventFault] != restarts || kinds[EventHeal] != restarts || kinds[EventPost] != 1+3 || kinds[EventResolve] != 1 {
		t.Errorf("%s: events %v, want %d faults and heals, 4 posts, 1 resolve", drill, kinds, restarts)
	}
	return r
}

// rolling-restart on real replicas: 1 notification, from position 0, and none after each
// replica was restarted, whether its data directory survived or not (it pulls the log at
// join).
func TestRollingRestartOnLoopback(t *testing.T) {
	for _, wipe := range []bool{false, true} {
		t.Run(fmt.Sprintf("wiped=%v", wipe), func(t *testing.T) {
			r := runRestartDrill(t, RollingRestart, wipe)
			if r.Verdict != Pass || len(Firing(r.Hits)) != 1 {
				t.Errorf("%s: %d firing: %s", r.Verdict, len(Firing(r.Hits)), r.Explanation)
			}
			if warned := strings.Contains(r.Explanation, "a restart of every replica at once"); warned != wipe {
				t.Errorf("storage warning %v, want %v: %s", warned, wipe, r.Explanation)
			}
			if strings.Contains(r.Explanation, "had not settled") {
				t.Errorf("a settle warning for a restart that waited: %s", r.Explanation)
			}
		})
	}
}

// all-down on real replicas: with the data kept, the log snapshotted at the graceful stop is
// loaded and nothing repeats; wiped, the first replica back notifies once more.
func TestAllDownOnLoopback(t *testing.T) {
	for _, wipe := range []bool{false, true} {
		t.Run(fmt.Sprintf("wiped=%v", wipe), func(t *testing.T) {
			r := runRestartDrill(t, AllDown, wipe)
			want := 1
			if wipe {
				want = 2
			}
			if r.Verdict != Pass || len(Firing(r.Hits)) != want || r.Expectation.Count != want {
				t.Errorf("%s: %d firing, expected %d, want %d: %s", r.Verdict, len(Firing(r.Hits)), r.Expectation.Count, want, r.Explanation)
			}
			if !strings.Contains(r.Explanation, "dead-man's switch") {
				t.Errorf("the explanation does not name the dead-man's switch: %s", r.Explanation)
			}
		})
	}
}
