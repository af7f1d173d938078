package drill

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/amtest"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// watchConfig routes the Watchdog as a team with a dead-man's switch does, and (kube-prometheus'
// way) the InfoInhibitor to a receiver without an integration.
const watchConfig = `route:
  receiver: default
  group_by: [alertname]
  routes:
  - matchers: ['alertname="Watchdog"']
    receiver: deadmans-switch
    group_wait: 1s
    group_interval: %s
    repeat_interval: %s
  - matchers: ['alertname="InfoInhibitor"']
    receiver: "null"
receivers:
- name: default
  webhook_configs:
  - url: %s/default
- name: deadmans-switch
  webhook_configs:
  - url: %s/deadmans-switch
- name: "null"
`

func watchCluster(cfg string, alerts ...map[string]string) model.Cluster {
	var c model.Cluster
	for i := range 3 {
		r := model.Replica{Name: fmt.Sprintf("am-%d", i), Status: &model.Status{Cluster: "ready", Config: cfg}}
		for _, l := range alerts {
			r.Alerts = append(r.Alerts, model.AlertRef{Name: l["alertname"], Labels: l})
		}
		c.Replicas = append(c.Replicas, r)
	}
	return c
}

func TestWatch(t *testing.T) {
	cfg := fmt.Sprintf(watchConfig, "10s", "1m", "http://sw", "http://sw")
	watchdog := map[string]string{"alertname": "Watchdog", "severity": "none"}
	c := watchCluster(cfg, watchdog, map[string]string{"alertname": "KubePodCrashLooping"}, map[string]string{"alertname": "InfoInhibitor"})
	w, err := Watch(c, "Watchdog", 0)
	if err != nil {
		t.Fatal(err)
	}
	if w.Receiver != "deadmans-switch" || !slices.Equal(w.Integrations, []string{"webhook"}) || w.RepeatInterval != time.Minute ||
		w.GroupInterval != 10*time.Second || w.Window != 3*time.Minute || !slices.Equal(w.Others, []string{"KubePodCrashLooping"}) {
		t.Errorf("watched %+v", w)
	}
	if !strings.Contains(ObserveLimits(w), "KubePodCrashLooping also reach(es) these integrations") {
		t.Errorf("limits: %s", ObserveLimits(w))
	}
	for _, tc := range []struct {
		name   string
		c      model.Cluster
		alert  string
		window time.Duration
		says   string
	}{
		{"to a receiver without an integration", c, "InfoInhibitor", 0, `reaches receiver null, which has no integration`},
		{"not firing", c, "Absent", 0, "replica am-0 has no active Absent alert"},
		{"window too short", c, "Watchdog", 2 * time.Minute, "--observe-window 2m is less than 3 x Watchdog's repeat_interval (1m)"},
		{"repeat too rare", watchCluster(fmt.Sprintf(watchConfig, "5m", "12h", "http://sw", "http://sw"), watchdog), "Watchdog", 0,
			"repeat_interval, 12h: a drill must count across at least 3 of them, 36h"},
	} {
		if _, err := Watch(tc.c, tc.alert, tc.window); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v, want it to say %q", tc.name, err, tc.says)
		}
	}
	drift := watchCluster(cfg, watchdog)
	drift.Replicas[2].Status.Config = fmt.Sprintf(watchConfig, "10s", "2m", "http://sw", "http://sw")
	if _, err := Watch(drift, "Watchdog", 0); err == nil || !strings.Contains(err.Error(), "configurations differ") {
		t.Errorf("drift: %v", err)
	}
}

func TestJudgeObserve(t *testing.T) {
	w := Watched{Alert: "Watchdog", Integrations: []string{"webhook"}, GroupInterval: 2 * time.Second, RepeatInterval: 6 * time.Second, Window: 24 * time.Second}
	pos := []string{"am-0", "am-1", "am-2"}
	at := func(sender string, n int) []Hit {
		var hs []Hit
		for i := range n {
			hs = append(hs, Hit{At: time.Duration(i*6) * time.Second, Sender: sender})
		}
		return hs
	}
	for _, tc := range []struct {
		drill   string
		hits    []Hit
		verdict Verdict
		says    string
	}{
		{Baseline, at("am-0", 3), Pass, "3 send(s) in 24s (am-0 3): one per repeat_interval"},
		{Baseline, append(at("am-0", 2), at("am-1", 2)...), Pass, "4 send(s) in 24s (am-0 2, am-1 2): one per repeat_interval"},
		{Baseline, append(at("am-0", 4), at("am-1", 2)...), Fail, "more than one per repeat_interval (at most 5)"},
		{Baseline, at("am-0", 2), Fail, "expected at least 3"},
		{StopSender, at("am-1", 3), Pass, "3 send(s) in 24s (am-1 3): with am-0 down, Watchdog kept being sent"},
		{StopSender, append(at("am-1", 1), at("am-0", 2)...), Pass, "(am-0 2, am-1 1): with am-0 down, Watchdog kept being sent"},
		{StopSender, at("am-1", 2), Pass, "fewer than one per repeat_interval + group_interval (3): the takeover took up to a repeat"},
		{CrashSender, nil, Fail, "nobody sent Watchdog after am-0 went down, for 24s"},
		{Partition, append(at("am-2", 2), at("am-0", 2)...), Pass, "both sides sent Watchdog (am-2 alone 2, the rest 2)"},
		{Partition, at("am-0", 3), Fail, "am-2, alone, sent nothing"},
	} {
		e, err := ObserveExpect(tc.drill, w, pos)
		if err != nil {
			t.Fatal(err)
		}
		r := judgeObserve(e, w, tc.hits, "am-0", "")
		if r.Verdict != tc.verdict || !strings.Contains(r.Explanation, tc.says) || !strings.Contains(r.Explanation, "it cannot tell which alert group was sent") {
			t.Errorf("%s %v: %s %q, want %s saying %q", tc.drill, tc.hits, r.Verdict, r.Explanation, tc.verdict, tc.says)
		}
	}
	// Before 0.33, the repeat check's time explains duplicated repeats.
	e, _ := ObserveExpect(Baseline, w, pos)
	if r := judgeObserve(e, w, append(at("am-0", 4), at("am-1", 2)...), "", "am-1 runs Alertmanager 0.31.1"); r.Verdict != Fail ||
		!strings.Contains(r.Explanation, "am-1 runs Alertmanager 0.31.1: before 0.33 Alertmanager checks repeat_interval after its position's wait") {
		t.Errorf("an old version's duplicated repeat: %s %s", r.Verdict, r.Explanation)
	}
	if old := olderThan033(model.Cluster{Replicas: []model.Replica{{Name: "a", Status: &model.Status{Version: "0.34.2"}}, {Name: "b", Status: &model.Status{Version: "0.31.1"}}}}); old != "b runs Alertmanager 0.31.1" {
		t.Errorf("olderThan033: %q", old)
	}
	if _, err := ObserveExpect(SlowReceiver, w, pos); err == nil {
		t.Error("slow-receiver observe-only: no error")
	}
}

// receiverCount counts the webhooks a receiver gets, by path.
type receiverCount struct {
	mu sync.Mutex
	n  map[string]int
}

func (rc *receiverCount) get(path string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.n[path]
}

func startReceiver(t *testing.T) (*receiverCount, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiverCount{n: map[string]int{}}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		rc.n[r.URL.Path]++
		rc.mu.Unlock()
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return rc, "http://" + ln.Addr().String()
}

// Observe-only on real replicas on loopback, with a real Prometheus firing the Watchdog at
// all three: the baseline counts the sends of position 0 alone, as many as the receiver got;
// the partition counts sends from both sides; a stopped position 0 is taken over.
func TestObserveLoopback(t *testing.T) {
	rc, url := startReceiver(t)
	// 0.34: Alertmanager before 0.33 checks repeat_interval after its position's wait, and with
	// a 6s repeat_interval its replicas send the same repeat (judged FAIL, rightly).
	l := newLoopbackConfigVersion(t, fmt.Sprintf(watchConfig, "2s", "6s", url, url), "v0.34.2")
	amtest.StartPrometheusWatchdog(t, hosts(l.c.URLs()), true)
	ctx := context.Background()
	var w Watched
	deadline := time.Now().Add(time.Minute)
	for {
		c, err := l.Snapshot(ctx)
		if err == nil {
			if w, err = Watch(c, "Watchdog", 0); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the Watchdog is not watchable: %v", err)
		}
		time.Sleep(time.Second)
	}
	if w.Window != 18*time.Second || w.Receiver != "deadmans-switch" {
		t.Fatalf("watched %+v", w)
	}
	var said []string
	o := ObserveOptions{Watched: w, SplitTimeout: 20 * time.Second, Progress: func(s string) { said = append(said, s) }}

	before := rc.get("/deadmans-switch")
	r, err := Observe(ctx, l, Baseline, o)
	got := rc.get("/deadmans-switch") - before
	t.Logf("baseline: the receiver got %d", got)
	if err != nil || r.Verdict != Pass {
		t.Fatalf("baseline: %v %s %s\n%s", err, r.Verdict, r.Explanation, strings.Join(said, "\n"))
	}
	// The counters saw what the receiver got, give or take the send under way at each end.
	if n := len(r.Hits); n < got-1 || n > got+1 || n < 3 {
		t.Errorf("baseline: %d send(s) observed, the receiver got %d", n, got)
	}
	t.Logf("baseline: %s (receiver: %d)", r.Explanation, got)

	r, err = Observe(ctx, l, Partition, o)
	if err != nil || r.Verdict != Pass {
		t.Fatalf("partition: %v %s %s\n%s", err, r.Verdict, r.Explanation, strings.Join(said, "\n"))
	}
	t.Logf("partition: %s", r.Explanation)
	if err := WaitWhole(ctx, l, 90*time.Second, time.Second); err != nil {
		t.Fatal(err)
	}
	r, err = Observe(ctx, l, StopSender, o)
	if err != nil || r.Verdict != Pass {
		t.Fatalf("stop-sender: %v %s %s\n%s", err, r.Verdict, r.Explanation, strings.Join(said, "\n"))
	}
	t.Logf("stop-sender: %s", r.Explanation)
}

func hosts(urls []string) []string {
	var out []string
	for _, u := range urls {
		out = append(out, strings.TrimPrefix(u, "http://"))
	}
	return out
}
