package cmd

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
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
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "internal error", http.StatusInternalServerError)
	}))
	t.Cleanup(failing.Close)
	alwaysBusy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	t.Cleanup(alwaysBusy.Close)

	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, flaky.URL+r.URL.Path, http.StatusFound)
	}))
	t.Cleanup(elsewhere.Close)

	r, _ := statusJSON(t, []string{flaky.URL, failing.URL, alwaysBusy.URL, elsewhere.URL}, "--request-timeout=5s")
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
