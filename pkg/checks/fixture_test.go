package checks_test

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/checks"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// t0 is when every synthetic snapshot was taken.
var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

const (
	prom     = "monitoring/prometheus-k8s-0"
	hashA    = "e7acbd7b8ed6"
	hashB    = "0d1c2b3a4f5e"
	versionA = "0.31.1"
	versionB = "0.34.2"
)

// configA is config.original as Alertmanager re-marshals it (trimmed).
const configA = "route:\n  receiver: team\n  group_by:\n  - alertname\nreceivers:\n- name: team\n  webhook_configs:\n  - url: http://hook.monitoring:8080/\n"

// node is the memberlist name of replica i: a ULID as Alertmanager makes at start, chosen so
// that sorting by name gives am-0 position 0.
func node(i int) string { return fmt.Sprintf("01JDQ7ZK5W0000000000000%03d", i) }

func podIP(i int) string { return fmt.Sprintf("10.42.0.%d", 10+i) }

func meshAddr(i int) string { return podIP(i) + ":9094" }

func webURL(i int) string { return fmt.Sprintf("http://%s:9093/api/v2/alerts", podIP(i)) }

func rname(i int) string { return fmt.Sprintf("am-%d", i) }

// members is the peer list replica views report: the given replicas' members, sorted by name.
func members(idx ...int) []model.Member {
	out := make([]model.Member, 0, len(idx))
	for _, i := range idx {
		out = append(out, model.Member{Name: node(i), Address: meshAddr(i)})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

func upto(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func f64(v float64) *float64 { return &v }

func dur(d time.Duration) *model.Duration { x := model.Duration(d); return &x }

// healthy is an n-replica StatefulSet cluster as prometheus-operator deploys it: a whole mesh,
// one configuration, one version, Prometheus sending to every pod IP, gossip well within budget.
// As in a real healthy cluster only position 0 has sent notifications.
func healthy(n int) *model.Cluster {
	c := &model.Cluster{
		Name: "main", Namespace: "monitoring", Source: "statefulset",
		DesiredReplicas: n,
		PeerTimeout:     model.Duration(model.DefaultPeerTimeout),
		CollectedAt:     t0,
	}
	var active []string
	for i := range n {
		r := model.Replica{
			Name:         rname(i),
			Endpoint:     fmt.Sprintf("http://127.0.0.1:%d", 19090+i),
			WebAddresses: []string{podIP(i) + ":9093", fmt.Sprintf("am-%d.alertmanager-operated.monitoring.svc:9093", i)},
			Pod:          &model.Pod{Phase: "Running", Ready: true, IP: podIP(i), Node: fmt.Sprintf("node-%d", i)},
			Status: &model.Status{
				Cluster:  "ready",
				NodeName: node(i),
				Peers:    members(upto(n)...),
				Version:  versionA,
				Uptime:   t0.Add(-2 * time.Hour),
				Config:   configA,
			},
			Metrics: &model.Metrics{
				ClusterEnabled: f64(1),
				Members:        f64(float64(n)),
				Position:       f64(float64(i)),
				HealthScore:    f64(0),
				FailedPeers:    f64(0),
				ConfigHash:     hashA,
			},
			Alerts: []model.AlertRef{
				{Fingerprint: "3f1a0c2b9d8e7f60", Name: "Watchdog", UpdatedAt: t0.Add(-10 * time.Minute)},
				{Fingerprint: "b2c4d6e8f0a1b3c5", Name: "HighLatency", UpdatedAt: t0.Add(-5 * time.Minute)},
			},
			Silences: []model.SilenceRef{
				{ID: "0b6f6c4e-silence-active", State: "active", UpdatedAt: t0.Add(-time.Hour)},
				{ID: "7d1e2f3a-silence-expired", State: "expired", UpdatedAt: t0.Add(-3 * time.Hour)},
			},
			AlertCount: 2, SilenceCount: 1,
		}
		if i == 0 {
			r.Metrics.Integrations = []model.Integration{{Name: "webhook", Total: 12, LatencyP99: dur(250 * time.Millisecond)}}
		}
		c.Replicas = append(c.Replicas, r)
		active = append(active, webURL(i))
	}
	c.Prometheus = []model.PrometheusWiring{{Name: prom, Active: active}}
	if n > 1 {
		c.Probe = &model.ProbeResult{Origin: rname(0), Silence: "5a5a5a5a-probe"}
		for i := 1; i < n; i++ {
			c.Probe.Results = append(c.Probe.Results, model.ProbeTiming{Replica: rname(i), After: dur(time.Duration(150+30*i) * time.Millisecond)})
		}
	}
	return c
}

// split sets each group's replicas to see exactly the members of their group, with positions
// and member counts as each group's replicas would report them.
func split(c *model.Cluster, groups ...[]int) {
	for _, g := range groups {
		for pos, i := range g {
			r := &c.Replicas[i]
			r.Status.Peers = members(g...)
			r.Metrics.Members = f64(float64(len(g)))
			r.Metrics.Position = f64(float64(pos))
		}
	}
}

// unreachable makes replica i one amha could not ask.
func unreachable(c *model.Cluster, i int, err string) {
	r := &c.Replicas[i]
	r.Error = err
	r.Status, r.Metrics, r.Alerts, r.Silences = nil, nil, nil, nil
	r.AlertCount, r.SilenceCount = 0, 0
}

// brief is the part of a finding the table asserts exactly.
type brief struct {
	ID       string
	Severity model.Severity
	Objects  []string
}

func (b brief) String() string {
	return fmt.Sprintf("%s %s %v", b.Severity, b.ID, b.Objects)
}

func briefs(fs []model.Finding) []brief {
	out := []brief{}
	for _, f := range fs {
		out = append(out, brief{f.ID, f.Severity, append([]string{}, f.Objects...)})
	}
	return out
}

func fmtBriefs(bs []brief) string {
	if len(bs) == 0 {
		return "  (none)"
	}
	var s []string
	for _, b := range bs {
		s = append(s, "  "+b.String())
	}
	return strings.Join(s, "\n")
}

// analyze runs every check and fails unless the findings are exactly want, in order.
func analyze(t *testing.T, c *model.Cluster, o checks.Options, want []brief) {
	t.Helper()
	checks.Analyze(c, o)
	got := briefs(c.Findings)
	if want == nil {
		want = []brief{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("findings:\n%s\nwant:\n%s", fmtBriefs(got), fmtBriefs(want))
	}
}

func finding(t *testing.T, c *model.Cluster, id string) model.Finding {
	t.Helper()
	for _, f := range c.Findings {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("no %s finding", id)
	return model.Finding{}
}

func contains(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not contain %q:\n%s", what, sub, s)
		}
	}
}

func equalLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %q\n want %q", what, got, want)
	}
}
