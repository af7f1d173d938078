package drill

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/localcluster"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/sink"
	"github.com/amha-dev/kubectl-amha/pkg/snapshot"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// The drills against real Alertmanager replicas on loopback, with the real sink in process.
// The faults are the processes': SIGTERM for a graceful stop, SIGKILL for a crash (no leave),
// and for a partition a restart of the cut-off replica under another --cluster.label (memberlist
// drops the others' packets; a reduced peer list would not split it: the others keep rejoining).

const (
	peerTimeout = 3 * time.Second
	groupWait   = 5 * time.Second
)

type loopback struct {
	t     *testing.T
	c     *localcluster.Cluster
	src   *snapshot.URLs
	label string
	byURL map[string]*localcluster.Process
	// wipe: a restart (restart_loopback_test.go) wipes the replica's --storage.path.
	wipe bool
}

func newLoopback(t *testing.T, sinkURL string) *loopback {
	t.Helper()
	return newLoopbackConfig(t, fmt.Sprintf(`route:
  receiver: default
  group_by: [alertname]
  routes:
  - matchers: ['%s=~".+"']
    receiver: amha-drill-sink
    group_by: [%s]
    group_wait: %s
    group_interval: 1m
    repeat_interval: 24h
    continue: false
receivers:
- name: default
- name: amha-drill-sink
  webhook_configs:
  - url: %s/hook
    send_resolved: true
`, Label, Label, timing.Format(groupWait), sinkURL))
}

// newLoopbackConfig starts 3 replicas on loopback with the configuration cfg, each with its
// own --cluster.label, and waits until they are settled in one mesh.
func newLoopbackConfig(t *testing.T, cfg string) *loopback {
	t.Helper()
	return newLoopbackConfigVersion(t, cfg, "")
}

// newLoopbackConfigVersion is newLoopbackConfig on Alertmanager version ("": the default).
func newLoopbackConfigVersion(t *testing.T, cfg, version string) *loopback {
	t.Helper()
	if testing.Short() {
		t.Skip("real replicas: not in -short")
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	label := "amha-drill-test-" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := localcluster.Start(ctx, 3, localcluster.Options{
		Config: cfg, Version: version,
		Args: func(i int) []string {
			return []string{"--cluster.label=" + label, "--cluster.peer-timeout=" + timing.Format(peerTimeout),
				fmt.Sprintf("--cluster.peer-name=am-%d", i)}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.WaitMesh(ctx, 3); err != nil {
		t.Fatal(err)
	}
	l := &loopback{t: t, c: c, label: label, byURL: map[string]*localcluster.Process{}}
	l.src = snapshot.NewURLs(c.URLs(), snapshot.Options{HTTP: &http.Client{}, Timeout: 5 * time.Second})
	for _, p := range c.Replicas {
		host := strings.TrimPrefix(p.URL(), "http://")
		l.byURL[host] = p
	}
	// Settled: every replica ready with 3 members.
	deadline := time.Now().Add(30 * time.Second)
	for {
		cl, _ := l.Snapshot(ctx)
		if _, err := Preflight(cl); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the loopback mesh did not settle: %v", err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	return l
}

func (l *loopback) Snapshot(ctx context.Context) (model.Cluster, error) {
	cs, err := l.src.Snapshot(ctx)
	if err != nil {
		return model.Cluster{}, err
	}
	return cs[0], nil
}

func (l *loopback) Fault(_ context.Context, drill, replica string) (func(context.Context) error, error) {
	p := l.byURL[replica]
	if p == nil {
		return nil, fmt.Errorf("no replica %s", replica)
	}
	switch drill {
	case StopSender:
		p.Stop()
	case CrashSender:
		p.Kill()
	case Partition:
		orig := p.Args
		p.Stop()
		p.Args = localcluster.OverrideArgs(orig, []string{"--cluster.label=" + l.label + "-cut-off"})
		if err := p.Start(); err != nil {
			return nil, err
		}
		return func(context.Context) error {
			p.Stop()
			p.Args = orig
			return p.Start()
		}, nil
	}
	return nil, nil
}

// inProcess is the sink in the test process, read directly.
type inProcess struct{ s *sink.Sink }

func (i inProcess) Hits(_ context.Context, run string) ([]sink.Hit, error) {
	return i.s.Hits(sink.Filter{Label: Label, Value: run}), nil
}

func startSink(t *testing.T) (inProcess, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := sink.New(sink.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return inProcess{s}, "http://" + ln.Addr().String()
}

// loopbackOptions are a drill's options on the loopback replicas, with a new run id.
func loopbackOptions() Options {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return Options{
		Run:          hex.EncodeToString(b),
		Timing:       timing.Params{PeerTimeout: peerTimeout, GroupWait: groupWait, GroupInterval: time.Minute, RepeatInterval: 24 * time.Hour},
		HTTP:         &http.Client{},
		Timeout:      5 * time.Second,
		SplitTimeout: 20 * time.Second,
	}
}

func runDrill(t *testing.T, drill string) Result {
	t.Helper()
	sk, url := startSink(t)
	env := newLoopback(t, url)
	o := loopbackOptions()
	var told []string
	o.Progress = func(s string) {
		t.Log(s)
		if strings.HasPrefix(s, "notification ") {
			told = append(told, s)
		}
	}
	r, err := Run(context.Background(), env, sk, drill, o)
	if err != nil {
		t.Fatalf("%s: %v", drill, err)
	}
	firing := 0
	// The count ends group_wait + 2 peer-timeouts + Slack + peer-timeout/2 after the alert
	// (three replicas); hits in its last poll interval are told by the result alone.
	until := groupWait + 2*peerTimeout + Slack + peerTimeout/2
	for _, h := range r.Hits {
		t.Logf("hit at %s from %q resolved=%v", h.At, h.Sender, h.Resolved)
		if !h.Resolved {
			// Each notification was told as it came, with its sender.
			if h.At < until-progressEvery && (firing >= len(told) || (h.Sender != "" && !strings.HasSuffix(told[firing], " from "+h.Sender))) {
				t.Errorf("notification %d from %q not told while counting: %q", firing+1, h.Sender, told)
			}
			firing++
		}
	}
	t.Logf("%s: %s: %s", drill, r.Verdict, r.Explanation)
	return r
}

func TestDrillsOnLoopback(t *testing.T) {
	if os.Getenv("AMHA_SKIP_DRILLS") == "1" {
		t.Skip("AMHA_SKIP_DRILLS=1")
	}
	for _, d := range Names {
		t.Run(d, func(t *testing.T) {
			r := runDrill(t, d)
			if r.Verdict != Pass {
				t.Errorf("%s: %s: %s", d, r.Verdict, r.Explanation)
			}
			checkTimeline(t, d, r)
		})
	}
}

// checkTimeline: the drill's events in time order, the alert posted at T0, the fault where
// the drill causes it (before T0 for the partition, after it for the others), each firing
// notification with its sender, the resolve and the heal.
func checkTimeline(t *testing.T, drill string, r Result) {
	t.Helper()
	var kinds []string
	at := map[string]time.Duration{}
	notified := 0
	for i, e := range r.Events {
		t.Logf("event %s %s %q: %s", e.At, e.Kind, e.Replica, e.Text)
		if i > 0 && e.At < r.Events[i-1].At {
			t.Errorf("event %d (%s at %s) before the one ahead of it", i, e.Kind, e.At)
		}
		if _, ok := at[e.Kind]; !ok {
			at[e.Kind] = e.At
		}
		if e.Kind == EventNotify && e.Text == "notification" {
			notified++
		}
		kinds = append(kinds, e.Kind)
	}
	if p, ok := at[EventPost]; !ok || p < 0 || p > time.Second {
		t.Errorf("%s: the alert posted at %s (%v), want at T0", drill, p, ok)
	}
	if notified != len(Firing(r.Hits)) {
		t.Errorf("%s: %d notify events, %d firing hits", drill, notified, len(Firing(r.Hits)))
	}
	if r, ok := at[EventResolve]; !ok || r < at[EventPost] {
		t.Errorf("%s: the alert not resolved after it was posted: %v", drill, kinds)
	}
	f, faulted := at[EventFault]
	switch drill {
	case Baseline:
		if faulted {
			t.Errorf("baseline: a fault in its timeline: %v", kinds)
		}
	case Partition:
		if s, split := at[EventSplit]; !faulted || !split || f > s || s > at[EventPost] {
			t.Errorf("partition: want fault, split, post in that order: %v", kinds)
		}
		if _, healed := at[EventHeal]; !healed {
			t.Errorf("partition: no heal: %v", kinds)
		}
	case SlowReceiver:
		// The fault is the receiver: told at T0, about no replica, with no heal.
		if !faulted || f < at[EventPost] || f > time.Second {
			t.Errorf("slow-receiver: want the sink's delay told at the post: %v", kinds)
		}
		if _, healed := at[EventHeal]; healed {
			t.Errorf("slow-receiver: a heal in its timeline: %v", kinds)
		}
	default:
		if !faulted || f < at[EventPost] {
			t.Errorf("%s: want the fault after the post: %v", drill, kinds)
		}
	}
}

// Ctrl-C at each phase of the partition drill: Run returns the interruption, and before it
// returns the mesh is healed and the drill alert is resolved on every replica.
func TestDrillInterruptedRestores(t *testing.T) {
	if os.Getenv("AMHA_SKIP_DRILLS") == "1" {
		t.Skip("AMHA_SKIP_DRILLS=1")
	}
	for _, phase := range []string{"the mesh is split", "posting alert", "counting notifications"} {
		t.Run(phase, func(t *testing.T) {
			sk, url := startSink(t)
			env := newLoopback(t, url)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			b := make([]byte, 4)
			_, _ = rand.Read(b)
			run := hex.EncodeToString(b)
			o := Options{
				Run:          run,
				Timing:       timing.Params{PeerTimeout: peerTimeout, GroupWait: groupWait, GroupInterval: time.Minute, RepeatInterval: 24 * time.Hour},
				HTTP:         &http.Client{},
				Timeout:      5 * time.Second,
				SplitTimeout: 20 * time.Second,
				Progress: func(s string) {
					t.Log(s)
					if strings.HasPrefix(s, phase) {
						cancel()
					}
				},
			}
			start := time.Now()
			_, err := Run(ctx, env, sk, Partition, o)
			if err == nil || ctx.Err() == nil {
				t.Fatalf("Run after Ctrl-C at %q: err %v", phase, err)
			}
			if took := time.Since(start); took > 20*time.Second {
				t.Errorf("Run took %s to stop", took)
			}
			// Healed: the mesh whole again (the cut-off replica restarted under the cluster's label).
			deadline := time.Now().Add(30 * time.Second)
			for {
				c, _ := env.Snapshot(context.Background())
				if _, err := Preflight(c); err == nil {
					break
				} else if time.Now().After(deadline) {
					t.Fatalf("the mesh is not whole 30s after the interrupted drill: %v", err)
				}
				time.Sleep(500 * time.Millisecond)
			}
			for _, u := range env.c.URLs() {
				var active []map[string]any
				if err := localcluster.GetJSON(context.Background(), u+"/api/v2/alerts?filter="+Label+"%3D%22"+run+"%22", &active); err != nil {
					t.Fatal(err)
				}
				if len(active) != 0 {
					t.Errorf("%s still has the drill alert active: %v", u, active)
				}
			}
		})
	}
}

// slow-receiver against the real mesh, the sink answering only its alert's webhooks 4.5s
// late (1.5 × peer-timeout): positions 0 and 1 send, one peer-timeout apart; position 2's wait
// ends after position 0's log entry was written, and it stays quiet.
func TestSlowReceiverOnLoopback(t *testing.T) {
	if os.Getenv("AMHA_SKIP_DRILLS") == "1" {
		t.Skip("AMHA_SKIP_DRILLS=1")
	}
	r := runDrill(t, SlowReceiver)
	if r.Verdict != Pass {
		t.Fatalf("%s: %s", r.Verdict, r.Explanation)
	}
	f := Firing(r.Hits)
	if len(f) != 2 || !slices.Equal([]string{f[0].Sender, f[1].Sender}, r.Expectation.Senders[:2]) {
		t.Fatalf("firing %+v, want 2 from %v", f, r.Expectation.Senders)
	}
	if gap := f[1].At - f[0].At; gap < peerTimeout-time.Second || gap > peerTimeout+time.Second {
		t.Errorf("the two notifications %s apart, want one peer-timeout (%s)", gap, peerTimeout)
	}
	if r.Expectation.ReceiverDelay.D() != 4500*time.Millisecond || !strings.Contains(r.Explanation, "by design") {
		t.Errorf("delay %s, explanation %q", r.Expectation.ReceiverDelay, r.Explanation)
	}
	checkTimeline(t, SlowReceiver, r)
}
