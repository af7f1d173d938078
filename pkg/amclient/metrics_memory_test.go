package amclient

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/bounded"
)

// writeHugeMetricsPage writes a /metrics page just under bounded.MaxAnswer made of nothing
// but the families amha parses: the notification counters and latency histogram of many
// receivers. It returns the page's size.
func writeHugeMetricsPage(w io.Writer) int {
	bw := bufio.NewWriterSize(w, 64<<10)
	defer bw.Flush()
	n := 0
	put := func(format string, a ...any) { k, _ := fmt.Fprintf(bw, format, a...); n += k }
	put("# TYPE alertmanager_cluster_members gauge\nalertmanager_cluster_members 3\n")
	put("# TYPE alertmanager_notifications_total counter\n")
	const counter = len("alertmanager_notifications_total{integration=\"webhook\",receiver=\"team-0000000\"} 1\n")
	for i := 0; n+counter <= bounded.MaxAnswer/2; i++ {
		put("alertmanager_notifications_total{integration=\"webhook\",receiver=\"team-%07d\"} 1\n", i)
	}
	put("# TYPE alertmanager_notification_latency_seconds histogram\n")
	for i := 0; n+1024 <= bounded.MaxAnswer; i++ {
		for _, le := range []string{"1", "5", "10", "+Inf"} {
			put("alertmanager_notification_latency_seconds_bucket{integration=\"webhook\",receiver=\"team-%07d\",le=\"%s\"} 1\n", i, le)
		}
		put("alertmanager_notification_latency_seconds_sum{integration=\"webhook\",receiver=\"team-%07d\"} 0.5\n", i)
		put("alertmanager_notification_latency_seconds_count{integration=\"webhook\",receiver=\"team-%07d\"} 1\n", i)
	}
	return n
}

// parseMemory parses page once and reports the bytes allocated and the highest heap in use
// seen meanwhile (sampled every millisecond), above what was in use before.
func parseMemory(t testing.TB, page io.Reader) (allocated, peak uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	done := make(chan struct{})
	var wg sync.WaitGroup
	var high uint64
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			high = max(high, m.HeapInuse)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	m, err := ParseMetrics(page)
	close(done)
	wg.Wait()
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Integrations) != 1 || m.Integrations[0].Total == 0 || m.Integrations[0].LatencyP99 == nil || *m.Members != 3 {
		t.Fatalf("parsed %+v", m)
	}
	return after.TotalAlloc - before.TotalAlloc, high - min(high, before.HeapInuse)
}

// A /metrics page at the answer cap, made of the families amha parses, is parsed within a
// bounded heap: the page is read by the line and parsed a few hundred KiB at a time (it took
// about 330 MB when the kept lines were parsed at once).
func TestParseMetricsMemory(t *testing.T) {
	// The page streams in, as from a replica: only what ParseMetrics keeps is measured.
	pr, pw := io.Pipe()
	size := make(chan int, 1)
	go func() { size <- writeHugeMetricsPage(pw); pw.Close() }()
	allocated, peak := parseMemory(t, pr)
	n := <-size
	t.Logf("a %.1f MiB page of wanted families: %.0f MiB allocated in all, heap in use at most %.1f MiB above before",
		float64(n)/(1<<20), float64(allocated)/(1<<20), float64(peak)/(1<<20))
	if n < bounded.MaxAnswer-2048 {
		t.Fatalf("page of %d bytes, want just under %d", n, bounded.MaxAnswer)
	}
	if peak > 16<<20 {
		t.Errorf("heap in use grew by %.1f MiB parsing a %d MiB page", float64(peak)/(1<<20), n>>20)
	}
}

// Parsed a batch at a time, a page gives what it gives parsed at once: a family or a histogram
// cut between batches is summed whole (the batches here are 1 KiB, a few lines each).
func TestParseMetricsBatches(t *testing.T) {
	page := readTestdata(t, "metrics-v0.31.1.txt")
	whole, err := ParseMetrics(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	defer func(b int) { batchBytes = b }(batchBytes)
	batchBytes = 1 << 10
	cut, err := ParseMetrics(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(whole, cut) || len(cut.Integrations) == 0 || cut.Integrations[0].LatencyP99 == nil {
		t.Errorf("in batches %+v\nat once    %+v", cut, whole)
	}
}

// A page with more integrations than Alertmanager has is refused, not summed without end.
func TestParseMetricsTooManyIntegrations(t *testing.T) {
	var b strings.Builder
	for i := range maxIntegrations + 1 {
		fmt.Fprintf(&b, "alertmanager_notifications_total{integration=\"i%d\"} 1\n", i)
	}
	if _, err := ParseMetrics(strings.NewReader(b.String())); err == nil || !strings.Contains(err.Error(), "more than 64 integrations") {
		t.Errorf("err %v", err)
	}
}
