package cmd

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/amha-dev/kubectl-amha/internal/hostile"
)

// Alertmanager's own GET limit (--web.get-concurrency) answers 503 when busy: amha tries
// again within the request timeout and gets its answer. A failing Alertmanager (HTTP 500) and
// a wrong URL (404) are told apart, and a redirect to another host is refused.
func TestStatusBusyAndFailingReplicas(t *testing.T) {
	var mu sync.Mutex
	busy := map[string]int{}
	flaky := inFrontOfReplica(t, func(w http.ResponseWriter, r *http.Request, replica http.Handler) {
		mu.Lock()
		busy[r.URL.Path]++
		n := busy[r.URL.Path]
		mu.Unlock()
		if n <= 2 { // the first two of every path are refused, as a full GET limit does
			http.Error(w, "Limit of concurrent GET requests reached (1), try again later.", http.StatusServiceUnavailable)
			return
		}
		replica.ServeHTTP(w, r)
	})
	failing := hostile.Serve(t, hostile.Status(http.StatusInternalServerError, "internal error"))
	alwaysBusy := hostile.Serve(t, hostile.Status(http.StatusServiceUnavailable, "busy"))
	elsewhere := hostile.Serve(t, hostile.RedirectTo(flaky.URL))

	r, _ := statusJSON(t, []string{flaky.URL, failing, alwaysBusy, elsewhere}, "--request-timeout=5s")
	reps := r.Clusters[0].Replicas
	if !reps[0].OK() || len(reps[0].Partial) > 0 {
		t.Errorf("the replica behind a busy GET limit: error %q, partial %v", reps[0].Error, reps[0].Partial)
	}
	if !strings.Contains(reps[1].Error, "the Alertmanager is failing") {
		t.Errorf("HTTP 500: %q", reps[1].Error)
	}
	if !strings.Contains(reps[2].Error, "busy") {
		t.Errorf("always 503: %q", reps[2].Error)
	}
	// A redirect to another host is not followed: its answers would pass for this replica's.
	if !strings.Contains(reps[3].Error, "does not follow a replica to another host") {
		t.Errorf("redirect to another host: %q", reps[3].Error)
	}
}
