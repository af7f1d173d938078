package cmd

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/hostile"
)

// A replica with an escape sequence in every string field (node and peer names, addresses,
// version, alert names, silences): the text reports print them as escapes, never raw, and no
// line is forged; JSON keeps them as they were said.
func TestStatusEscapesFromReplica(t *testing.T) {
	am := hostile.Escaping()
	url := hostile.Serve(t, am)
	for _, format := range []string{"table", "wide"} {
		out, errOut, _ := run(t, "status", "--color=never", "-o", format, "--url", url, "--alert-grace=0s")
		for _, raw := range []string{"\x1b", "\x07", "\r", "\u202e", "\u009b"} {
			if strings.Contains(out+errOut, raw) {
				t.Errorf("-o %s prints %q raw:\n%q", format, raw, out+errOut)
			}
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "all healthy") {
				t.Errorf("-o %s: a forged line %q", format, line)
			}
		}
		if !strings.Contains(out, `am\x1b]0;owned\x07`) {
			t.Errorf("-o %s does not show the node name escaped:\n%s", format, out)
		}
	}
	r, _ := statusJSON(t, []string{url})
	if got := r.Clusters[0].Replicas[0].Status.NodeName; got != am.Name {
		t.Errorf("JSON node name %q, want %q as said", got, am.Name)
	}
}

// A replica listing 100,000 members (anyone who reaches an unauthenticated mesh port can join
// that often): status answers in seconds with a bounded report.
func TestStatusHugePeerList(t *testing.T) {
	url := hostile.Serve(t, hostile.HugeMesh(100_000))
	start := time.Now()
	out, _, code := run(t, "status", "--color=never", "--url", url)
	took := time.Since(start)
	if code != ExitFindings || took > 30*time.Second {
		t.Fatalf("exit %d after %s", code, took)
	}
	if len(out) > 1<<20 || !strings.Contains(out, "mesh/foreign-peer") {
		t.Errorf("report of %d bytes:\n%.3000s", len(out), out)
	}
	t.Logf("100,000 members: status took %s, %d bytes of text", took.Round(time.Millisecond), len(out))
}

// Answers that trickle in, a byte at a time, end at the request timeout with a message that
// says so, not when they would finish.
func TestStatusTricklingAnswer(t *testing.T) {
	body := `{"cluster": {"status": "ready", "peers": []` + strings.Repeat(" ", 1000) + `}}` // complete after 20 s
	url := hostile.Serve(t, hostile.Trickle("application/json", body, 20*time.Millisecond))
	start := time.Now()
	r, code := statusJSON(t, []string{url}, "--request-timeout=1s")
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("status took %s with --request-timeout=1s", took)
	}
	if got := r.Clusters[0].Replicas[0].Error; code != ExitNoCheck || !strings.Contains(got, "no answer within the request timeout") {
		t.Errorf("exit %d, error %q", code, got)
	}
}

// A GET limit of 1 in front of a real replica (Alertmanager's --web.get-concurrency=1, shared
// with a dashboard): amha's four GETs at once are refused but for one, asked again, and the
// replica is read whole.
func TestStatusGETLimitOfOne(t *testing.T) {
	limited := inFrontOfReplica(t, func(w http.ResponseWriter, r *http.Request, replica http.Handler) {
		hostile.GETLimit(1, replica).ServeHTTP(w, r)
	})
	r, code := statusJSON(t, []string{limited.URL}, "--request-timeout=10s")
	if rep := r.Clusters[0].Replicas[0]; code != ExitOK || !rep.OK() || len(rep.Partial) > 0 {
		t.Errorf("exit %d, error %q, partial %v", code, rep.Error, rep.Partial)
	}
}
