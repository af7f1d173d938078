package amclient

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"slices"
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

// batchBytes is how much of the kept page is parsed at once: a page at the answer cap made of
// the wanted families would otherwise be held whole, and as parsed families about ten times
// over (330 MB for 32 MiB). A variable for the tests.
var batchBytes = 256 << 10

// maxIntegrations bounds the integrations read: Alertmanager has about fifteen.
const maxIntegrations = 64

// ParseMetrics reads the Prometheus text exposition of an Alertmanager's /metrics. The page is
// read by the line; the lines of the wanted families are parsed a batch at a time and summed,
// so that memory stays bounded whatever the page holds.
func ParseMetrics(r io.Reader) (*model.Metrics, error) {
	a := newMetricsSum()
	var kept bytes.Buffer
	kept.Grow(16 * 1024)
	p := expfmt.NewTextParser(pmodel.UTF8Validation)
	flush := func() error {
		if kept.Len() == 0 {
			return nil
		}
		fams, err := p.TextToMetricFamilies(&kept)
		if err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		kept.Reset()
		return a.add(fams)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1024*1024)
	lines := 0
	var typeLine []byte // the TYPE line of the family being read, again at the top of a batch
	var fam []byte
	for sc.Scan() {
		line := sc.Bytes()
		lines++
		f := family(line)
		if !wanted[string(f)] {
			continue
		}
		if bytes.HasPrefix(line, []byte("# TYPE ")) {
			typeLine = append(typeLine[:0], line...)
			fam = append(fam[:0], f...)
		}
		if kept.Len() >= batchBytes && line[0] != '#' {
			if err := flush(); err != nil {
				return nil, err
			}
			if bytes.Equal(f, fam) {
				kept.Write(typeLine)
				kept.WriteByte('\n')
			}
		}
		kept.Write(line)
		kept.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if lines == 0 {
		return nil, fmt.Errorf("metrics: empty page")
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if !a.any {
		return nil, fmt.Errorf("metrics: no Alertmanager metrics on the page (is this an Alertmanager /metrics page?)")
	}
	return a.metrics(), nil
}

// metricsSum is what ParseMetrics keeps of the batches: the first value of each gauge, and per
// integration the notification counts and the latency histogram summed.
type metricsSum struct {
	any    bool
	gauges map[string]*float64
	ints   map[string]*model.Integration
	hists  map[string]*dto.Histogram
}

func newMetricsSum() *metricsSum {
	return &metricsSum{gauges: map[string]*float64{}, ints: map[string]*model.Integration{}, hists: map[string]*dto.Histogram{}}
}

func (a *metricsSum) integration(name string) (*model.Integration, error) {
	i := a.ints[name]
	if i == nil {
		if len(a.ints) == maxIntegrations {
			return nil, fmt.Errorf("metrics: more than %d integrations: not an Alertmanager's page", maxIntegrations)
		}
		i = &model.Integration{Name: name}
		a.ints[name] = i
	}
	return i, nil
}

func (a *metricsSum) add(fams map[string]*dto.MetricFamily) error {
	if len(fams) > 0 {
		a.any = true
	}
	for _, name := range []string{"alertmanager_cluster_enabled", "alertmanager_cluster_members", "alertmanager_peer_position",
		"alertmanager_cluster_health_score", "alertmanager_cluster_failed_peers", "alertmanager_config_hash"} {
		if _, ok := a.gauges[name]; !ok {
			if v := gauge(fams, name); v != nil {
				a.gauges[name] = v
			}
		}
	}
	for name, failed := range map[string]bool{"alertmanager_notifications_total": false, "alertmanager_notifications_failed_total": true} {
		f := fams[name]
		if f == nil {
			continue
		}
		for _, m := range f.Metric {
			i, err := a.integration(label(m, "integration"))
			if err != nil {
				return err
			}
			if failed {
				i.Failed += value(m)
			} else {
				i.Total += value(m)
			}
		}
	}
	if f := fams["alertmanager_notification_latency_seconds"]; f != nil {
		for _, m := range f.Metric {
			if m.Histogram == nil {
				continue
			}
			n := label(m, "integration")
			if _, err := a.integration(n); err != nil {
				return err
			}
			a.hists[n] = sumHistograms(a.hists[n], m.Histogram)
		}
	}
	return nil
}

// sumHistograms adds h to sum (nil: none yet), bucket by upper bound.
func sumHistograms(sum, h *dto.Histogram) *dto.Histogram {
	if sum == nil {
		sum = &dto.Histogram{}
	}
	count := sum.GetSampleCount() + h.GetSampleCount()
	sum.SampleCount = &count
	for _, b := range h.Bucket {
		i := slices.IndexFunc(sum.Bucket, func(s *dto.Bucket) bool { return s.GetUpperBound() == b.GetUpperBound() })
		if i < 0 {
			if len(sum.Bucket) >= 1000 {
				continue // no Alertmanager has that many buckets
			}
			u, c := b.GetUpperBound(), uint64(0)
			sum.Bucket = append(sum.Bucket, &dto.Bucket{UpperBound: &u, CumulativeCount: &c})
			i = len(sum.Bucket) - 1
		}
		c := sum.Bucket[i].GetCumulativeCount() + b.GetCumulativeCount()
		sum.Bucket[i].CumulativeCount = &c
	}
	return sum
}

func (a *metricsSum) metrics() *model.Metrics {
	m := &model.Metrics{
		ClusterEnabled: a.gauges["alertmanager_cluster_enabled"],
		Members:        a.gauges["alertmanager_cluster_members"],
		Position:       a.gauges["alertmanager_peer_position"],
		HealthScore:    a.gauges["alertmanager_cluster_health_score"],
		FailedPeers:    a.gauges["alertmanager_cluster_failed_peers"],
	}
	if h := a.gauges["alertmanager_config_hash"]; h != nil && *h >= 0 && *h < 1<<53 {
		m.ConfigHash = strconv.FormatUint(uint64(*h), 16)
	}
	for n, h := range a.hists {
		if q, ok := HistogramQuantile(0.99, h); ok {
			d := model.Duration(time.Duration(q * float64(time.Second)))
			a.ints[n].LatencyP99 = &d
		}
	}
	m.Integrations = make([]model.Integration, 0, len(a.ints))
	for _, i := range a.ints {
		// An integration nobody configured has all-zero series: keep only those in use.
		if i.Total > 0 || i.Failed > 0 {
			m.Integrations = append(m.Integrations, *i)
		}
	}
	sort.Slice(m.Integrations, func(x, y int) bool { return m.Integrations[x].Name < m.Integrations[y].Name })
	return m
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
