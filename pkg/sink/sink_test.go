package sink

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"
)

// testSink is a Sink serving on 127.0.0.1 with an OS-picked port, and a client with timeouts.
type testSink struct {
	*Sink
	url    string
	addr   string
	client *http.Client
	stop   func() error // ends Serve and returns what it returned
}

// serve starts a sink; the test's cleanup stops it and checks that no goroutine is left.
func serve(t *testing.T, opts Options) *testSink {
	t.Helper()
	before := runtime.NumGoroutine()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, l) }()
	transport := &http.Transport{}
	ts := &testSink{
		Sink:   s,
		url:    "http://" + l.Addr().String(),
		addr:   l.Addr().String(),
		client: &http.Client{Timeout: 5 * time.Second, Transport: transport},
	}
	var once sync.Once
	var serveErr error
	ts.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case serveErr = <-done:
			case <-time.After(10 * time.Second):
				serveErr = fmt.Errorf("Serve did not return within 10s of its context ending")
			}
		})
		return serveErr
	}
	t.Cleanup(func() {
		if err := ts.stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
		transport.CloseIdleConnections()
		checkNoLeak(t, before)
	})
	return ts
}

func checkNoLeak(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		var buf bytes.Buffer
		_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
		t.Errorf("%d goroutines after the shutdown, %d before:\n%s", n, before, buf.String())
	}
}

func (ts *testSink) post(t *testing.T, path, body string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func (ts *testSink) report(t *testing.T, query string) Report {
	t.Helper()
	var r Report
	if err := json.Unmarshal(ts.get(t, "/hits"+query), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// payload is a small webhook body with one alert carrying amha_drill=id.
func payload(id, status string) string {
	return fmt.Sprintf(`{"version":"4","groupKey":"{}:{amha_drill=\"%[1]s\"}","receiver":"amha-drill","status":%[2]q,`+
		`"alerts":[{"status":%[2]q,"labels":{"alertname":"AmhaDrill","amha_drill":%[1]q},"startsAt":"2026-12-05T13:30:42Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"f%[1]s"}]}`, id, status)
}

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// The body Alertmanager's own webhook code writes (hack/sinkpayload) becomes one hit: served by
// GET /hits exactly as testdata/hits.golden.json, logged in one line.
func TestRecordsAlertmanagerPayload(t *testing.T) {
	body, err := os.ReadFile("testdata/alertmanager-v0.34.2.json")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 5, 13, 30, 52, 280000001, time.UTC)
	var logged bytes.Buffer // read after Serve returned
	ts := serve(t, Options{Now: func() time.Time { return now }, Log: &logged})
	if resp := ts.post(t, "/hook", string(body), "User-Agent", "Alertmanager/0.34.2", "X-Forwarded-For", "198.18.0.99"); resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /hook: %s", resp.Status)
	}
	ts.post(t, "/hook", "x")
	got := ts.get(t, "/hits")
	golden := "testdata/hits.golden.json"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want, err := os.ReadFile(golden); err != nil || !bytes.Equal(got, want) {
		t.Errorf("GET /hits differs from %s (go test ./pkg/sink -run %s -update rewrites it):\n%s", golden, t.Name(), got)
	}
	if in := ts.Hits(Filter{}); len(in) != 1 || in[0].Source != "127.0.0.1" || len(in[0].Alerts) != 1 || ts.Bad() != 1 {
		t.Errorf("in process: %+v, bad %d", in, ts.Bad())
	}
	if got := ts.get(t, "/healthz"); string(got) != "ok\n" {
		t.Errorf("GET /healthz: %q", got)
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	wantLog := `2026-12-05T13:30:52.280000001Z hit 127.0.0.1 receiver="amha-drill" status=firing groupKey="{}/{amha_drill=\"d-7f3a\"}:{amha_drill=\"d-7f3a\"}" alerts=1` + "\n" +
		`2026-12-05T13:30:52.280000001Z bad 127.0.0.1 not a webhook payload: invalid character 'x' looking for beginning of value` + "\n"
	if logged.String() != wantLog {
		t.Errorf("log\n got %q\nwant %q", logged.String(), wantLog)
	}
}

// get wants a 200 and returns the body.
func (ts *testSink) get(t *testing.T, path string) []byte {
	t.Helper()
	resp, err := ts.client.Get(ts.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v %s", path, resp.Status, err, b)
	}
	return b
}

// A slow receiver's duplicates arrive while the first request is still open: both are counted
// before either is answered, and a shutdown answers them at once.
func TestRecordsOnArrivalBeforeTheAnswer(t *testing.T) {
	ts := serve(t, Options{Delay: time.Minute})
	answered := make(chan int, 2)
	for _, id := range []string{"a", "a"} {
		go func() {
			resp, err := ts.client.Post(ts.url+"/hook", "application/json", strings.NewReader(payload(id, "firing")))
			if err != nil {
				answered <- 0
				return
			}
			resp.Body.Close()
			answered <- resp.StatusCode
		}()
	}
	deadline := time.Now().Add(3 * time.Second)
	for len(ts.report(t, "").Hits) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(ts.report(t, "").Hits); n != 2 {
		t.Fatalf("%d hits while both requests are open, want 2", n)
	}
	select {
	case code := <-answered:
		t.Fatalf("a request was answered (%d) before the delay or the shutdown", code)
	default:
	}
	start := time.Now()
	if err := ts.stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	for range 2 {
		if code := <-answered; code != http.StatusOK {
			t.Errorf("pending request answered %d at shutdown, want 200", code)
		}
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("shutdown with pending delays took %s", d)
	}
}

func TestDelayAnswersAfterIt(t *testing.T) {
	ts := serve(t, Options{Delay: 300 * time.Millisecond})
	start := time.Now()
	if resp := ts.post(t, "/hook", payload("a", "firing")); resp.StatusCode != http.StatusOK {
		t.Fatalf("POST: %s", resp.Status)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("answered after %s, want the 300ms delay", d)
	}
}

// A webhook whose alert carries the delay label is answered that much later, whatever
// --delay says; others at once (or after --delay); an unreadable value is logged and ignored.
func TestDelayLabel(t *testing.T) {
	var logged bytes.Buffer // read after Serve returned
	ts := serve(t, Options{Delay: 2 * time.Second, Log: &logged})
	labelled := func(id, delay string) string {
		return strings.Replace(payload(id, "firing"), `"amha_drill":`, fmt.Sprintf(`%q:%q,"amha_drill":`, DelayLabel, delay), 1)
	}
	for _, c := range []struct {
		body     string
		min, max time.Duration
	}{
		{labelled("a", "400ms"), 400 * time.Millisecond, 1500 * time.Millisecond},
		{labelled("b", "0s"), 0, 500 * time.Millisecond},
		{payload("c", "firing"), 2 * time.Second, 3 * time.Second},
		{labelled("d", "soon"), 2 * time.Second, 3 * time.Second},
		{labelled("e", "11m"), 2 * time.Second, 3 * time.Second},
	} {
		start := time.Now()
		if resp := ts.post(t, "/hook", c.body); resp.StatusCode != http.StatusOK {
			t.Fatalf("POST: %s", resp.Status)
		}
		if d := time.Since(start); d < c.min || d > c.max {
			t.Errorf("%s: answered after %s, want %s-%s", c.body, d, c.min, c.max)
		}
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`ignored amha_drill_delay="soon"`, `ignored amha_drill_delay="11m"`} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, logged.String())
		}
	}
}

func TestLabelFilter(t *testing.T) {
	ts := serve(t, Options{})
	for _, p := range []string{payload("a", "firing"), payload("b", "firing"), payload("a", "resolved")} {
		ts.post(t, "/hook", p)
	}
	if r := ts.report(t, "?label=amha_drill=a"); len(r.Hits) != 2 || r.Hits[0].Status != "firing" || r.Hits[1].Status != "resolved" {
		t.Errorf("?label=amha_drill=a: %+v", r.Hits)
	}
	if r := ts.report(t, "?label=amha_drill%3Db"); len(r.Hits) != 1 || r.Hits[0].Seq != 2 {
		t.Errorf("?label=amha_drill%%3Db: %+v", r.Hits)
	}
	if r := ts.report(t, "?label=amha_drill=c"); len(r.Hits) != 0 || r.Hits == nil {
		t.Errorf("?label=amha_drill=c: %#v, want an empty list", r.Hits)
	}
	if hits := ts.Hits(Filter{Label: "alertname", Value: "AmhaDrill"}); len(hits) != 3 {
		t.Errorf("Hits(alertname=AmhaDrill): %d", len(hits))
	}
	for _, q := range []string{"?label=amha_drill", "?label==a", "?label=a=1&label=b=2"} {
		resp, err := ts.client.Get(ts.url + "/hits" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET /hits%s: %s, want 400", q, resp.Status)
		}
	}
}

func TestBadRequestsAreCounted(t *testing.T) {
	ts := serve(t, Options{})
	cases := []struct {
		method, path, body string
		code               int
		reason             string
	}{
		{"POST", "/hook", "not json", 400, "not a webhook payload: invalid character 'o' in literal null (expecting 'u')"},
		{"POST", "/hook", "", 400, "not a webhook payload: unexpected end of JSON input"},
		{"POST", "/hook", "[]", 400, "not a webhook payload: json: cannot unmarshal array into Go value of type sink.message"},
		{"POST", "/hook", "{}", 400, "not a webhook payload: no groupKey"},
		{"POST", "/hook", `{"groupKey":"k","status":"pending"}`, 400, `status "pending": want firing or resolved`},
		{"POST", "/hook", `{"groupKey":"k","status":"firing","alerts":[{"labels":{"a":1}}]}`, 400, "not a webhook payload: json: cannot unmarshal number into Go struct field"},
		{"POST", "/hook", payload("a", "firing") + "{}", 400, "not a webhook payload: invalid character '{' after top-level value"},
		{"GET", "/hook", "", 405, "GET /hook: method not allowed"},
		{"POST", "/webhook", payload("a", "firing"), 404, "POST /webhook: not a sink path (the webhook path is /hook)"},
	}
	for i, c := range cases {
		req, _ := http.NewRequest(c.method, ts.url+c.path, strings.NewReader(c.body))
		resp, err := ts.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.code {
			t.Errorf("%s %s %q: %s, want %d", c.method, c.path, c.body, resp.Status, c.code)
		}
		r := ts.report(t, "")
		if r.Bad != i+1 || len(r.Hits) != 0 {
			t.Fatalf("after %s %s %q: bad %d, hits %d", c.method, c.path, c.body, r.Bad, len(r.Hits))
		}
		if got := r.BadLatest[len(r.BadLatest)-1]; !strings.HasPrefix(got.Reason, c.reason) || got.Source != "127.0.0.1" {
			t.Errorf("%s %s %q: recorded %+v, want reason %q", c.method, c.path, c.body, got, c.reason)
		}
	}
	if ts.Bad() != len(cases) {
		t.Errorf("Bad() = %d", ts.Bad())
	}
	if resp := ts.post(t, "/hook", payload("a", "firing")); resp.StatusCode != http.StatusOK {
		t.Errorf("a good payload after the bad ones: %s", resp.Status)
	}
}

func TestOversizedBodies(t *testing.T) {
	ts := serve(t, Options{})
	big := strings.Repeat(" ", DefaultMaxBody) + payload("a", "firing")
	// With a Content-Length the sink refuses at once; chunked, it stops reading at the limit.
	if resp := ts.post(t, "/hook", big); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("%d bytes with Content-Length: %s, want 413", len(big), resp.Status)
	}
	resp, err := ts.client.Post(ts.url+"/hook", "application/json", io.MultiReader(strings.NewReader(big)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("%d bytes chunked: %s, want 413", len(big), resp.Status)
	}
	r := ts.report(t, "")
	if r.Bad != 2 || len(r.Hits) != 0 {
		t.Fatalf("bad %d, hits %d", r.Bad, len(r.Hits))
	}
	for _, b := range r.BadLatest {
		if b.Reason != "body larger than 1 MiB" {
			t.Errorf("reason %q", b.Reason)
		}
	}
	// Exactly at the limit is fine.
	if resp := ts.post(t, "/hook", big[len(big)-DefaultMaxBody:]); resp.StatusCode != http.StatusOK {
		t.Errorf("%d bytes: %s, want 200", DefaultMaxBody, resp.Status)
	}
}

// rawConn speaks HTTP by hand, for requests a client library would not send.
func rawConn(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	return c
}

// trickle writes s one byte at a time, every gap, until the server stops it or s ends.
func trickle(c net.Conn, s string, gap time.Duration) {
	for i := range len(s) {
		if _, err := c.Write([]byte{s[i]}); err != nil {
			return
		}
		time.Sleep(gap)
	}
}

func waitBad(t *testing.T, s *Sink, n int) Report {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for s.Bad() < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	r := s.Report(Filter{})
	if r.Bad != n {
		t.Fatalf("bad %d, want %d: %+v", r.Bad, n, r.BadLatest)
	}
	return r
}

func TestSlowAndMalformedRequests(t *testing.T) {
	ts := serve(t, Options{ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 400 * time.Millisecond, MaxHeaderBytes: 1024})

	// A body that trickles past the read timeout.
	c := rawConn(t, ts.addr)
	body := payload("a", "firing")
	fmt.Fprintf(c, "POST /hook HTTP/1.1\r\nHost: sink\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
	start := time.Now()
	trickle(c, body, 50*time.Millisecond)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the sink read a trickling body for %s", d)
	}
	r := waitBad(t, ts.Sink, 1)
	if got := r.BadLatest[0].Reason; got != "body not complete within the read timeout (400ms)" {
		t.Errorf("trickling body: reason %q", got)
	}

	// A head that trickles past the read-header timeout never reaches the handler.
	c = rawConn(t, ts.addr)
	trickle(c, "POST /hook HTTP/1.1\r\nHost: sink\r\nX-Slow: "+strings.Repeat("x", 100), 20*time.Millisecond)
	r = waitBad(t, ts.Sink, 2)
	const headReason = "request head malformed, larger than 1 KiB or not complete within 200ms"
	if got := r.BadLatest[1].Reason; got != headReason {
		t.Errorf("trickling head: reason %q", got)
	}

	// Garbage instead of HTTP, and a head larger than MaxHeaderBytes (net/http allows 4 KiB more).
	for i, raw := range []string{
		"\x16\x03\x01 not http at all\r\n\r\n",
		"POST /hook HTTP/1.1\r\nHost: sink\r\nX-Big: " + strings.Repeat("x", 8<<10) + "\r\n\r\n",
	} {
		c = rawConn(t, ts.addr)
		_, _ = io.WriteString(c, raw)
		status, _ := bufio.NewReader(c).ReadString('\n')
		if !strings.HasPrefix(status, "HTTP/1.1 4") {
			t.Errorf("raw request %d: answered %q, want a 4xx", i, status)
		}
		r = waitBad(t, ts.Sink, 3+i)
		if got := r.BadLatest[2+i].Reason; got != headReason {
			t.Errorf("raw request %d: reason %q", i, got)
		}
	}

	// A connection that sends nothing is not a request; the sink still answers afterwards.
	c = rawConn(t, ts.addr)
	c.Close()
	if resp := ts.post(t, "/hook", payload("a", "firing")); resp.StatusCode != http.StatusOK {
		t.Errorf("after the bad requests: %s", resp.Status)
	}
	if r := ts.Report(Filter{}); r.Bad != 4 || len(r.Hits) != 1 {
		t.Errorf("bad %d, hits %d; want 4 and 1", r.Bad, len(r.Hits))
	}
}

func TestHitLimitDropsTheOldest(t *testing.T) {
	ts := serve(t, Options{MaxHits: 50})
	for i := range 120 {
		ts.post(t, "/hook", payload(fmt.Sprint(i), "firing"))
	}
	r := ts.report(t, "")
	if len(r.Hits) != 50 || r.Dropped != 70 || r.Hits[0].Seq != 71 || r.Hits[49].Seq != 120 {
		t.Fatalf("kept %d (seq %d..%d), dropped %d", len(r.Hits), r.Hits[0].Seq, r.Hits[len(r.Hits)-1].Seq, r.Dropped)
	}
	if c := cap(ts.store.hits); c > 2*50+16 {
		t.Errorf("the store holds an array of %d for 50 hits", c)
	}
}

// Hits with many large labels are dropped by memory before the count limit is reached.
func TestStoredBytesStayWithinTheBudget(t *testing.T) {
	s := New(Options{MaxStoredBytes: 256 << 10})
	labels := map[string]string{}
	for i := range 100 {
		labels[fmt.Sprint("l", i)] = strings.Repeat("v", 1000)
	}
	for range 1000 {
		s.store.add(Hit{GroupKey: "k", Status: "firing", Alerts: []Alert{{Labels: labels}}})
	}
	r := s.Report(Filter{})
	if s.store.bytes > 256<<10 || len(r.Hits) == 0 || r.Dropped != 1000-len(r.Hits) {
		t.Errorf("kept %d hits of %d bytes, dropped %d", len(r.Hits), s.store.bytes, r.Dropped)
	}
	// One hit larger than the budget is kept alone rather than lost.
	s = New(Options{MaxStoredBytes: 1024})
	s.store.add(Hit{Alerts: []Alert{{Labels: labels}}})
	if len(s.Hits(Filter{})) != 1 {
		t.Error("a hit larger than the budget was dropped on arrival")
	}
}

func TestBadLatestKeepsTheLast32(t *testing.T) {
	s := New(Options{})
	for i := range 40 {
		s.bad(time.Time{}, "10.0.0.1:5000", fmt.Sprint(i))
	}
	r := s.Report(Filter{})
	if r.Bad != 40 || len(r.BadLatest) != 32 || r.BadLatest[0].Reason != "8" || r.BadLatest[31].Reason != "39" || r.BadLatest[0].Source != "10.0.0.1" {
		t.Errorf("bad %d, latest %d: %v ... %v", r.Bad, len(r.BadLatest), r.BadLatest[0], r.BadLatest[len(r.BadLatest)-1])
	}
}
