package amclient

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// The pages in testdata were captured from real Alertmanager processes built by hack/ambuild,
// listening on 127.0.0.1:
//   - metrics-v0.31.1.txt: cluster enabled (one member), config alertmanager-v0.31.1.yml; alerts
//     were posted, one route's webhook answered and the other's was refused (5 notifications,
//     2 failed, 17 requests).
//   - metrics-v0.31.1-disabled.txt: --cluster.listen-address= (empty), config alertmanager-minimal.yml.
//   - metrics-v0.34.2.txt: cluster enabled, config alertmanager-minimal.yml, no notifications.

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// configHash is alertmanager_config_hash as Alertmanager computes it (md5HashAsMetricValue in
// config/coordinator.go: the first 6 bytes of the MD5 of the file, little endian), in hex.
func configHash(t *testing.T, file string) string {
	t.Helper()
	sum := md5.Sum(readTestdata(t, file))
	var b [8]byte
	copy(b[:], sum[:6])
	return strconv.FormatUint(binary.LittleEndian.Uint64(b[:]), 16)
}

func val(p *float64) string {
	if p == nil {
		return "nil"
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
}

func TestParseMetricsRealPages(t *testing.T) {
	for _, tc := range []struct {
		page, config string
		enabled      string
		members      string
		position     string
		health       string
		failed       string
		integrations []string // name total failed
	}{
		{
			page: "metrics-v0.31.1.txt", config: "alertmanager-v0.31.1.yml",
			enabled: "1", members: "1", position: "0", health: "0", failed: "0",
			integrations: []string{"webhook 5 2"},
		},
		{
			page: "metrics-v0.31.1-disabled.txt", config: "alertmanager-minimal.yml",
			enabled: "0", members: "nil", position: "nil", health: "nil", failed: "nil",
		},
		{
			page: "metrics-v0.34.2.txt", config: "alertmanager-minimal.yml",
			enabled: "1", members: "1", position: "0", health: "0", failed: "0",
		},
	} {
		t.Run(tc.page, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tc.page))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			m, err := ParseMetrics(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct{ what, got, want string }{
				{"alertmanager_cluster_enabled", val(m.ClusterEnabled), tc.enabled},
				{"alertmanager_cluster_members", val(m.Members), tc.members},
				{"alertmanager_peer_position", val(m.Position), tc.position},
				{"alertmanager_cluster_health_score", val(m.HealthScore), tc.health},
				{"alertmanager_cluster_failed_peers", val(m.FailedPeers), tc.failed},
				{"alertmanager_config_hash", m.ConfigHash, configHash(t, tc.config)},
			} {
				if c.got != c.want {
					t.Errorf("%s = %s, want %s", c.what, c.got, c.want)
				}
			}
			var got []string
			for _, in := range m.Integrations {
				got = append(got, in.Name+" "+strconv.FormatFloat(in.Total, 'g', -1, 64)+" "+strconv.FormatFloat(in.Failed, 'g', -1, 64))
			}
			if strings.Join(got, ",") != strings.Join(tc.integrations, ",") {
				t.Errorf("integrations %q, want %q", got, tc.integrations)
			}
		})
	}
}

// TestParseMetricsLatencyFromRealPage: all 17 webhook requests took about a millisecond and
// fell into the first bucket (le=1s); the estimate can say no more than "at most 1s".
func TestParseMetricsLatencyFromRealPage(t *testing.T) {
	m, err := ParseMetrics(strings.NewReader(string(readTestdata(t, "metrics-v0.31.1.txt"))))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Integrations) != 1 || m.Integrations[0].LatencyP99 == nil {
		t.Fatalf("integrations %+v, want webhook with a p99", m.Integrations)
	}
	p99 := m.Integrations[0].LatencyP99.D()
	if p99 <= 0 || p99 > time.Second {
		t.Fatalf("webhook p99 %s, want within the first bucket (0, 1s]", p99)
	}
}

func TestParseMetricsConfigHashIsWholeNumberHex(t *testing.T) {
	// 2.54729099382486e+14 is how the v0.31.1 page prints the 48-bit hash.
	for _, tc := range []struct{ line, want string }{
		{"alertmanager_config_hash 2.54729099382486e+14", "e7acbd7b8ed6"},
		{"alertmanager_config_hash 255", "ff"},
		{"alertmanager_config_hash 0", "0"},
		{"alertmanager_config_hash -1", ""},
		{"alertmanager_config_hash NaN", ""},
		{"alertmanager_config_hash 1e20", ""},
		{"alertmanager_cluster_enabled 1", ""},
	} {
		m, err := ParseMetrics(strings.NewReader(tc.line + "\n"))
		if err != nil {
			t.Fatalf("%s: %v", tc.line, err)
		}
		if m.ConfigHash != tc.want {
			t.Errorf("%s: ConfigHash %q, want %q", tc.line, m.ConfigHash, tc.want)
		}
	}
}

// amhaFamilies keeps the lines of a page about the families amha reads, for the webhook
// integration only.
func amhaFamilies(page []byte) string {
	var out []string
	for _, line := range strings.Split(string(page), "\n") {
		if strings.Contains(line, "integration=") && !strings.Contains(line, `integration="webhook"`) {
			continue
		}
		for _, p := range []string{"alertmanager_cluster_", "alertmanager_peer_position", "alertmanager_config_hash", "alertmanager_notification"} {
			if strings.Contains(line, p) {
				out = append(out, line)
				break
			}
		}
	}
	return strings.Join(out, "\n") + "\n"
}

// TestParseMetricsOtherFamiliesIgnored: the Go runtime, HTTP and other integrations' series
// make no difference to what amha reads.
func TestParseMetricsOtherFamiliesIgnored(t *testing.T) {
	page := readTestdata(t, "metrics-v0.31.1.txt")
	cut := amhaFamilies(page)
	if len(cut) > len(page)/4 {
		t.Fatalf("cut page is %d of %d bytes: the filter keeps too much", len(cut), len(page))
	}
	full, err := ParseMetrics(strings.NewReader(string(page)))
	if err != nil {
		t.Fatal(err)
	}
	part, err := ParseMetrics(strings.NewReader(cut))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(full, part) {
		t.Fatalf("full page %+v\ncut page  %+v", full, part)
	}
}

func TestParseMetricsIntegrations(t *testing.T) {
	page := `# TYPE alertmanager_notifications_total counter
alertmanager_notifications_total{integration="email"} 0
alertmanager_notifications_total{integration="webhook"} 100
alertmanager_notifications_total{integration="slack"} 10
alertmanager_notifications_total{integration="pagerduty"} 0
# TYPE alertmanager_notifications_failed_total counter
alertmanager_notifications_failed_total{integration="slack",reason="clientError"} 1
alertmanager_notifications_failed_total{integration="slack",reason="serverError"} 2
alertmanager_notifications_failed_total{integration="webhook",reason="other"} 0
alertmanager_notifications_failed_total{integration="pagerduty",reason="other"} 3
# TYPE alertmanager_notification_latency_seconds histogram
alertmanager_notification_latency_seconds_bucket{integration="webhook",le="1"} 97
alertmanager_notification_latency_seconds_bucket{integration="webhook",le="5"} 99
alertmanager_notification_latency_seconds_bucket{integration="webhook",le="10"} 99
alertmanager_notification_latency_seconds_bucket{integration="webhook",le="15"} 99
alertmanager_notification_latency_seconds_bucket{integration="webhook",le="20"} 100
alertmanager_notification_latency_seconds_bucket{integration="webhook",le="+Inf"} 100
alertmanager_notification_latency_seconds_sum{integration="webhook"} 42
alertmanager_notification_latency_seconds_count{integration="webhook"} 100
alertmanager_notification_latency_seconds_bucket{integration="email",le="1"} 0
alertmanager_notification_latency_seconds_bucket{integration="email",le="+Inf"} 0
alertmanager_notification_latency_seconds_sum{integration="email"} 0
alertmanager_notification_latency_seconds_count{integration="email"} 0
`
	m, err := ParseMetrics(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		name          string
		total, failed float64
		p99           string
	}
	var got []row
	for _, in := range m.Integrations {
		p := "-"
		if in.LatencyP99 != nil {
			p = in.LatencyP99.String()
		}
		got = append(got, row{in.Name, in.Total, in.Failed, p})
	}
	want := []row{
		// Failures without a successful send still make an integration "in use".
		{"pagerduty", 0, 3, "-"},
		{"slack", 10, 3, "-"},
		{"webhook", 100, 0, "5s"},
	}
	if len(got) != len(want) {
		t.Fatalf("integrations %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("integration %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestParseMetricsRejectsNonMetrics(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"empty", ""},
		{"alertmanager web UI", "<!DOCTYPE html>\n<html lang=\"en\">\n    <head>\n        <meta charset=\"utf-8\">\n        <title>Alertmanager</title>\n    </head>\n    <body>\n    </body>\n</html>\n"},
		{"API JSON", `{"cluster":{"name":"01JD","peers":[],"status":"ready"}}`},
		{"plain text error", "404 page not found\n"},
		{"garbage", "\x00\x01\x02 binary \xff\xfe"},
		{"two values", "alertmanager_cluster_members 1 2 3\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseMetrics(strings.NewReader(tc.body))
			if err == nil {
				t.Fatalf("no error; metrics %+v", m)
			}
			if m != nil {
				t.Errorf("metrics %+v returned with error %v", m, err)
			}
			if !strings.HasPrefix(err.Error(), "metrics: ") {
				t.Errorf("error %q does not say it is about metrics", err)
			}
		})
	}
}

func u64(v uint64) *uint64    { return &v }
func fl64(v float64) *float64 { return &v }

// hist builds a histogram from (upper bound, cumulative count) pairs and the sample count.
func hist(count uint64, buckets ...[2]float64) *dto.Histogram {
	h := &dto.Histogram{SampleCount: u64(count)}
	for _, b := range buckets {
		h.Bucket = append(h.Bucket, &dto.Bucket{UpperBound: fl64(b[0]), CumulativeCount: u64(uint64(b[1]))})
	}
	return h
}

func TestHistogramQuantile(t *testing.T) {
	inf := math.Inf(1)
	// 10 samples: 2 in [0,1], 4 in (1,5], 3 in (5,10], 1 above 10.
	h := hist(10, [2]float64{1, 2}, [2]float64{5, 6}, [2]float64{10, 9}, [2]float64{inf, 10})
	for _, tc := range []struct {
		name   string
		q      float64
		hs     []*dto.Histogram
		want   float64
		wantOK bool
	}{
		{"q=0.1 inside the first bucket, from 0", 0.1, []*dto.Histogram{h}, 0.5, true},
		{"q=0.2 at the first bucket's top", 0.2, []*dto.Histogram{h}, 1, true},
		{"median: 1 + 4*(5-2)/(6-2)", 0.5, []*dto.Histogram{h}, 4, true},
		{"q=0.75: 5 + 5*(7.5-6)/(9-6)", 0.75, []*dto.Histogram{h}, 7.5, true},
		{"q=0.9 at the last finite bucket's top", 0.9, []*dto.Histogram{h}, 10, true},
		{"q=0.99 in +Inf: the largest finite bound", 0.99, []*dto.Histogram{h}, 10, true},
		{"no +Inf bucket given: the count closes it", 0.99,
			[]*dto.Histogram{hist(10, [2]float64{1, 5}, [2]float64{5, 10})}, 1 + 4*(9.9-5)/5, true},
		{"two histograms are summed: 1 + 4*(5-4)/(10-4)", 0.5,
			[]*dto.Histogram{
				hist(2, [2]float64{1, 1}, [2]float64{5, 2}, [2]float64{inf, 2}),
				hist(8, [2]float64{1, 3}, [2]float64{5, 8}, [2]float64{inf, 8}),
			}, 1 + 4.0/6, true},
		{"Alertmanager buckets: 97 fast, 2 at 1-5s, 1 at 15-20s", 0.99,
			[]*dto.Histogram{hist(100, [2]float64{1, 97}, [2]float64{5, 99}, [2]float64{10, 99}, [2]float64{15, 99}, [2]float64{20, 100}, [2]float64{inf, 100})},
			5, true},
		{"Alertmanager buckets: every send above 20s", 0.99,
			[]*dto.Histogram{hist(4, [2]float64{1, 0}, [2]float64{5, 0}, [2]float64{10, 0}, [2]float64{15, 0}, [2]float64{20, 0}, [2]float64{inf, 4})},
			20, true},
		{"no samples", 0.99, []*dto.Histogram{hist(0, [2]float64{1, 0}, [2]float64{inf, 0})}, 0, false},
		{"no histograms", 0.99, nil, 0, false},
		{"only the +Inf bucket: nothing known", 0.5, []*dto.Histogram{hist(3, [2]float64{inf, 3})}, 0, false},
		{"samples without buckets", 0.5, []*dto.Histogram{hist(3)}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := HistogramQuantile(tc.q, tc.hs...)
			if ok != tc.wantOK || math.Abs(got-tc.want) > 1e-9 {
				t.Fatalf("HistogramQuantile(%g) = %g, %v; want %g, %v", tc.q, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func FuzzParseMetrics(f *testing.F) {
	// Small seeds only: whole pages (tested elsewhere) left the mutator at a dozen executions
	// a minute. These are the families amha reads, a few lines each.
	f.Add("alertmanager_cluster_enabled 1\nalertmanager_cluster_members 3\nalertmanager_peer_position 0\n" +
		"alertmanager_cluster_health_score 0\nalertmanager_cluster_failed_peers 0\n")
	f.Add("alertmanager_config_hash 2.54729099382486e+14\n")
	f.Add("alertmanager_notifications_total{integration=\"webhook\"} NaN\n")
	f.Add("# TYPE alertmanager_notification_latency_seconds histogram\n" +
		"alertmanager_notification_latency_seconds_bucket{integration=\"w\",le=\"-1\"} 5\n" +
		"alertmanager_notification_latency_seconds_bucket{integration=\"w\",le=\"NaN\"} 3\n" +
		"alertmanager_notification_latency_seconds_count{integration=\"w\"} 4\n" +
		"alertmanager_notifications_total{integration=\"w\"} 1\n")
	f.Add("<html></html>")
	f.Fuzz(func(t *testing.T, page string) {
		m, err := ParseMetrics(strings.NewReader(page))
		if (m == nil) == (err == nil) {
			t.Fatalf("metrics %v and error %v: want exactly one", m, err)
		}
		if m == nil {
			return
		}
		if !sort.SliceIsSorted(m.Integrations, func(a, b int) bool { return m.Integrations[a].Name < m.Integrations[b].Name }) {
			t.Fatalf("integrations not sorted: %+v", m.Integrations)
		}
		for i, in := range m.Integrations {
			if i > 0 && m.Integrations[i-1].Name == in.Name {
				t.Fatalf("integration %q twice", in.Name)
			}
			if !(in.Total > 0 || in.Failed > 0) {
				t.Fatalf("integration %+v kept though not in use", in)
			}
		}
		if m.ConfigHash != "" {
			if _, err := strconv.ParseUint(m.ConfigHash, 16, 64); err != nil {
				t.Fatalf("config hash %q is not hex", m.ConfigHash)
			}
		}
		for _, p := range []*float64{m.ClusterEnabled, m.Members, m.Position, m.HealthScore, m.FailedPeers} {
			if p != nil && math.IsNaN(*p) {
				t.Fatal("NaN kept")
			}
		}
	})
}

// BenchmarkParseMetrics parses a real 0.34 /metrics page of a replica with 8 peers, as the
// live view does for every replica at every refresh.
func BenchmarkParseMetrics(b *testing.B) {
	page := readTestdata(b, "metrics-v0.34.2.txt")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMetrics(bytes.NewReader(page)); err != nil {
			b.Fatal(err)
		}
	}
}
