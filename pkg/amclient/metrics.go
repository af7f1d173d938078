package amclient

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	pmodel "github.com/prometheus/common/model"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// wanted are the metric families amha reads. The rest of the page (Go runtime, HTTP, process,
// gossip internals such as the per-peer ping histograms: nine tenths of it) is dropped before
// parsing; the live view reads every replica at every refresh.
var wanted = map[string]bool{
	"alertmanager_cluster_enabled": true, "alertmanager_cluster_members": true, "alertmanager_peer_position": true,
	"alertmanager_cluster_health_score": true, "alertmanager_cluster_failed_peers": true, "alertmanager_config_hash": true,
	"alertmanager_notifications_total": true, "alertmanager_notifications_failed_total": true,
	"alertmanager_notification_latency_seconds": true,
}

// family is the metric family a line of the text exposition belongs to: the name of a
// "# HELP"/"# TYPE" line or of a sample, without a histogram sample's suffix.
func family(line []byte) []byte {
	if rest, ok := bytes.CutPrefix(line, []byte("# HELP ")); ok {
		line = rest
	} else if rest, ok := bytes.CutPrefix(line, []byte("# TYPE ")); ok {
		line = rest
	}
	if i := bytes.IndexAny(line, "{ \t"); i >= 0 {
		line = line[:i]
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := bytes.CutSuffix(line, []byte(suffix)); ok && wanted[string(base)] {
			return base
		}
	}
	return line
}

// ParseMetrics reads the Prometheus text exposition of an Alertmanager's /metrics.
func ParseMetrics(r io.Reader) (*model.Metrics, error) {
	var kept bytes.Buffer
	kept.Grow(16 * 1024)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1024*1024)
	lines := 0
	for sc.Scan() {
		line := sc.Bytes()
		lines++
		if wanted[string(family(line))] {
			kept.Write(line)
			kept.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if lines == 0 {
		return nil, fmt.Errorf("metrics: empty page")
	}
	p := expfmt.NewTextParser(pmodel.UTF8Validation)
	fams, err := p.TextToMetricFamilies(&kept)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if len(fams) == 0 {
		return nil, fmt.Errorf("metrics: no Alertmanager metrics on the page (is this an Alertmanager /metrics page?)")
	}
	m := &model.Metrics{
		ClusterEnabled: gauge(fams, "alertmanager_cluster_enabled"),
		Members:        gauge(fams, "alertmanager_cluster_members"),
		Position:       gauge(fams, "alertmanager_peer_position"),
		HealthScore:    gauge(fams, "alertmanager_cluster_health_score"),
		FailedPeers:    gauge(fams, "alertmanager_cluster_failed_peers"),
	}
	if h := gauge(fams, "alertmanager_config_hash"); h != nil && *h >= 0 && *h < 1<<53 {
		m.ConfigHash = strconv.FormatUint(uint64(*h), 16)
	}
	m.Integrations = integrations(fams)
	return m, nil
}

// gauge returns the value of a single-series gauge or counter, nil when absent.
func gauge(fams map[string]*dto.MetricFamily, name string) *float64 {
	f, ok := fams[name]
	if !ok || len(f.Metric) == 0 {
		return nil
	}
	v := value(f.Metric[0])
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	return math.NaN()
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.Label {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// integrations sums notifications, failures and the latency histogram per integration.
func integrations(fams map[string]*dto.MetricFamily) []model.Integration {
	byName := map[string]*model.Integration{}
	get := func(name string) *model.Integration {
		if byName[name] == nil {
			byName[name] = &model.Integration{Name: name}
		}
		return byName[name]
	}
	if f := fams["alertmanager_notifications_total"]; f != nil {
		for _, m := range f.Metric {
			get(label(m, "integration")).Total += value(m)
		}
	}
	if f := fams["alertmanager_notifications_failed_total"]; f != nil {
		for _, m := range f.Metric {
			get(label(m, "integration")).Failed += value(m)
		}
	}
	if f := fams["alertmanager_notification_latency_seconds"]; f != nil {
		hists := map[string][]*dto.Histogram{}
		for _, m := range f.Metric {
			if m.Histogram != nil {
				n := label(m, "integration")
				hists[n] = append(hists[n], m.Histogram)
			}
		}
		for n, hs := range hists {
			if q, ok := HistogramQuantile(0.99, hs...); ok {
				d := model.Duration(time.Duration(q * float64(time.Second)))
				get(n).LatencyP99 = &d
			}
		}
	}
	out := make([]model.Integration, 0, len(byName))
	for _, i := range byName {
		// An integration nobody configured has all-zero series: keep only those in use.
		if i.Total > 0 || i.Failed > 0 {
			out = append(out, *i)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

// HistogramQuantile estimates quantile q over the sum of the given histograms, interpolating
// linearly inside the bucket as PromQL's histogram_quantile does. ok is false without samples.
func HistogramQuantile(q float64, hs ...*dto.Histogram) (float64, bool) {
	type bucket struct{ upper, count float64 }
	sum := map[float64]float64{}
	var total float64
	for _, h := range hs {
		for _, b := range h.Bucket {
			sum[b.GetUpperBound()] += float64(b.GetCumulativeCount())
		}
		total += float64(h.GetSampleCount())
	}
	if total == 0 {
		return 0, false
	}
	bs := make([]bucket, 0, len(sum)+1)
	for u, c := range sum {
		bs = append(bs, bucket{u, c})
	}
	sort.Slice(bs, func(a, b int) bool { return bs[a].upper < bs[b].upper })
	if len(bs) == 0 || !math.IsInf(bs[len(bs)-1].upper, 1) {
		bs = append(bs, bucket{math.Inf(1), total})
	}
	rank := q * total
	lower, prev := 0.0, 0.0
	for i, b := range bs {
		if b.count >= rank {
			if math.IsInf(b.upper, 1) {
				// Beyond the largest finite bucket: all we know is "more than" it.
				if i == 0 {
					return 0, false
				}
				return bs[i-1].upper, true
			}
			if b.count == prev {
				return b.upper, true
			}
			return lower + (b.upper-lower)*(rank-prev)/(b.count-prev), true
		}
		lower, prev = b.upper, b.count
	}
	return bs[len(bs)-1].upper, true
}
