package cmd

import (
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/amtest"
	"github.com/amha-dev/kubectl-amha/internal/hostile"
)

// Servers that are not Alertmanagers, next to a real one: each gets a clear per-replica
// error, the real one is checked, and nothing waits past --request-timeout.
func TestStatusBadReplicas(t *testing.T) {
	html := hostile.Serve(t, hostile.HTML())
	notFound := hostile.Serve(t, http.NotFoundHandler())
	garbage := hostile.Serve(t, hostile.Garbage())
	hang := hostile.Serve(t, hostile.Hang())
	tlsSrv := hostile.ServeTLS(t, http.NotFoundHandler())

	c := amtest.Start(t, 1, amtest.Options{})
	urls := []string{c.URLs()[0], html, notFound, garbage, hang, tlsSrv.URL}
	start := time.Now()
	r, code := statusJSON(t, urls, "--request-timeout=1s")
	if took := time.Since(start); took > 8*time.Second {
		t.Errorf("status took %s with --request-timeout=1s", took)
	}
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1 (one replica answered, five did not)", code)
	}
	want := map[string]string{
		html:       "not Alertmanager API JSON",
		notFound:   "HTTP 404",
		garbage:    "not Alertmanager API JSON",
		hang:       "request timeout",
		tlsSrv.URL: "certificate",
	}
	reps := r.Clusters[0].Replicas
	if !reps[0].OK() {
		t.Fatalf("the real replica failed: %+v", reps[0])
	}
	for i, u := range urls[1:] {
		got := reps[i+1].Error
		if !strings.Contains(got, want[u]) {
			t.Errorf("%s: error %q, want it to mention %q", u, got, want[u])
		}
	}
	unreachable := 0
	for _, f := range r.Clusters[0].Findings {
		if f.ID == "mesh/unreachable" {
			unreachable++
		}
	}
	if unreachable != 5 {
		t.Errorf("%d mesh/unreachable findings, want 5", unreachable)
	}
}

func TestStatusBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"status", "--url", "am-0:9093"}, "want http://HOST:PORT"},
		{[]string{"status", "--url", "http://a:1", "-o", "xml"}, "--output"},
		{[]string{"status", "--url", "http://a:1", "main"}, "does not combine"},
		{[]string{"status", "--url", "http://a:1", "--http-config", "/nonexistent/http.yml"}, "/nonexistent/http.yml"},
		{[]string{"status", "--url", "http://a:1", "--color", "pink"}, "--color"},
		{[]string{"status", "--kubeconfig", "/nonexistent/kubeconfig"}, "kubeconfig"},
		// amha never waits unbounded: a negative timeout is refused, not "no timeout".
		{[]string{"status", "--url", "http://a:1", "--request-timeout", "-1s"}, "--request-timeout -1s: must not be negative"},
		{[]string{"status", "--url", "http://a:1", "--request-timeout", "soon"}, "want a duration"},
		{[]string{"status", "--url", "http://", "--request-timeout", "5"}, `--url "http://": want http://HOST:PORT`},
		{[]string{"status", "--url", "http://a:1", "--probe", "--probe-timeout", "0s"}, "--probe-timeout 0s: must be positive"},
	} {
		out, errOut, code := run(t, tc.args...)
		if code != ExitNoCheck || !strings.Contains(errOut, tc.want) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

// A replica that answers without end: the answer is cut at bounded.MaxAnswer with an error
// that says so, and amha's memory stays bounded (it grew to 481 MB in 10 s before).
func TestStatusEndlessAnswer(t *testing.T) {
	srv := hostile.Serve(t, hostile.EndlessStatus())
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, code := statusJSON(t, []string{srv}, "--request-timeout=30s")
	runtime.ReadMemStats(&after)
	if code != ExitNoCheck {
		t.Errorf("exit %d, want 2 (no replica answered)", code)
	}
	if got := r.Clusters[0].Replicas[0].Error; !strings.Contains(got, "answer larger than 32 MiB") {
		t.Errorf("replica error %q, want the cap named", got)
	}
	// Four endless answers (status, alerts, silences, metrics) read at once, each capped.
	if grew := int64(after.TotalAlloc - before.TotalAlloc); grew > 1<<30 {
		t.Errorf("allocated %d MiB reading capped answers", grew>>20)
	}
}
