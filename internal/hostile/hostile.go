// Package hostile serves, on loopback, what a replica (or anything at a replica's URL) may
// answer that an Alertmanager would not: endless and trickling bodies, huge peer lists, escape
// sequences in every string field, 5xx, HTML, redirects to another host, a GET limit. It is
// for tests: every server stops with the test, and a handler that waits ends with it.
package hostile

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Serve runs h on a loopback port until the end of the test and returns its URL. Requests
// still waiting then (Hang, Trickle) end first: the server's Close would wait for them.
func Serve(t testing.TB, h http.Handler) string { return Server(t, h, false).URL }

// ServeTLS is Serve over HTTPS with httptest's own certificate, which nothing trusts; the
// server is returned for its certificate.
func ServeTLS(t testing.TB, h http.Handler) *httptest.Server { return Server(t, h, true) }

// Server is Serve, or ServeTLS when tls is set, returning the server.
func Server(t testing.TB, h http.Handler, tls bool) *httptest.Server {
	t.Helper()
	stop, cancel := context.WithCancel(context.Background())
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, end := context.WithCancel(r.Context())
		defer context.AfterFunc(stop, end)()
		defer end()
		h.ServeHTTP(w, r.WithContext(ctx))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // failed handshakes and cut answers are the point
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	t.Cleanup(cancel) // runs first
	return srv
}

// Hang answers nothing until the client gives up.
func Hang() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
}

// Endless answers prefix and then chunk again and again, without end.
func Endless(contentType, prefix, chunk string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		io.WriteString(w, prefix)
		c := []byte(strings.Repeat(chunk, max(1, 64<<10/max(1, len(chunk)))))
		for r.Context().Err() == nil {
			if _, err := w.Write(c); err != nil {
				return
			}
		}
	})
}

// EndlessStatus is an /api/v2/status whose peer list never ends.
func EndlessStatus() http.Handler {
	return Endless("application/json", `{"cluster": {"status": "ready", "peers": [`, `{"name": "x", "address": "1.2.3.4:9094"},`)
}

// Trickle answers body one byte every interval, flushed: slow enough never to end within a
// request timeout, never idle long enough for a read timeout.
func Trickle(contentType, body string, every time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		f, _ := w.(http.Flusher)
		for i := range len(body) {
			if _, err := w.Write([]byte{body[i]}); err != nil {
				return
			}
			if f != nil {
				f.Flush()
			}
			select {
			case <-r.Context().Done():
				return
			case <-time.After(every):
			}
		}
	})
}

// Status answers code with body as text.
func Status(code int, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, body, code) })
}

// HTML answers 200 with a web page, as a dashboard or a login page behind the URL would.
func HTML() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html><body>Grafana</body></html>")
	})
}

// Garbage answers JSON cut short.
func Garbage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"cluster": {"status": `)
	})
}

// RedirectTo sends every request to the same path on base (another host).
func RedirectTo(base string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, base+r.URL.Path, http.StatusFound)
	})
}

// GETLimit lets at most n GETs reach next at once and refuses the others as Alertmanager's
// --web.get-concurrency does (503 and its message).
func GETLimit(n int, next http.Handler) http.Handler {
	var inFlight atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			if inFlight.Add(1) > int64(n) {
				inFlight.Add(-1)
				http.Error(w, fmt.Sprintf("Limit of concurrent GET requests reached (%d), try again later.", n), http.StatusServiceUnavailable)
				return
			}
			defer inFlight.Add(-1)
		}
		next.ServeHTTP(w, r)
	})
}

// Escapes are strings that a terminal obeys rather than prints: a new title, a wiped screen,
// the clipboard written, a forged line, text reversed, a C1 control and bytes that are not
// UTF-8.
var Escapes = []string{
	"\x1b]0;owned\x07",
	"\x1b[2J\x1b[H",
	"\x1b]52;c;ZWNobyBvd25lZA==\x07",
	"\r\nall healthy\r\n",
	"\u202eevil",
	"\u009b31m",
	"\xff\xfe",
}

// Member is one peer of an Alertmanager's status.
type Member struct{ Name, Address string }

// Alertmanager is a fake Alertmanager v2 API and /metrics page, shaped by its fields: what a
// replica, or any member that joined an unauthenticated mesh, may say about itself.
type Alertmanager struct {
	// Name is the node name; Version, Config and ClusterStatus ("ready" by default) likewise.
	Name, Version, Config, ClusterStatus string
	// Peers are the members it lists (its own first, at Address when given).
	Peers []Member
	// AlertNames and SilenceComments label one alert and one silence each.
	AlertNames, SilenceComments []string
	// ConfigHash is alertmanager_config_hash.
	ConfigHash float64
}

// HugeMesh lists n members besides itself: a replica of a mesh anyone joined n times.
func HugeMesh(n int) Alertmanager {
	a := Alertmanager{Name: "01JSELF0000000000000000000", Version: "0.31.1", Peers: []Member{{"01JSELF0000000000000000000", "10.0.0.1:9094"}}}
	for i := range n {
		a.Peers = append(a.Peers, Member{fmt.Sprintf("01JPEER%019d", i), fmt.Sprintf("10.%d.%d.%d:9094", i>>16&255, i>>8&255, i&255)})
	}
	return a
}

// Escaping has an escape sequence in every string field amha reads.
func Escaping() Alertmanager {
	e := func(i int) string { return Escapes[i%len(Escapes)] }
	a := Alertmanager{Name: "am" + e(0), Version: "0.31.1" + e(1), Config: "route: {}\n# " + e(2)}
	for i := range len(Escapes) {
		a.Peers = append(a.Peers, Member{Name: "m" + e(i), Address: "10.0.0." + fmt.Sprint(i) + ":9094" + e(i+1)})
		a.AlertNames = append(a.AlertNames, "Alert"+e(i))
		a.SilenceComments = append(a.SilenceComments, e(i))
	}
	a.Peers[0].Name = a.Name
	return a
}

// ServeHTTP answers /api/v2/status, /api/v2/alerts, /api/v2/silences and /metrics (under any
// route prefix), and 404 otherwise.
func (a Alertmanager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	var v any
	switch p := r.URL.Path; {
	case strings.HasSuffix(p, "/api/v2/status"):
		peers := make([]map[string]string, len(a.Peers))
		for i, m := range a.Peers {
			peers[i] = map[string]string{"name": m.Name, "address": m.Address}
		}
		status := a.ClusterStatus
		if status == "" {
			status = "ready"
		}
		v = map[string]any{
			"cluster":     map[string]any{"name": a.Name, "status": status, "peers": peers},
			"config":      map[string]string{"original": a.Config},
			"uptime":      now,
			"versionInfo": map[string]string{"version": a.Version, "branch": a.Version, "buildDate": a.Version, "buildUser": a.Version, "goVersion": a.Version, "revision": a.Version},
		}
	case strings.HasSuffix(p, "/api/v2/alerts"):
		var alerts []map[string]any
		for i, n := range a.AlertNames {
			alerts = append(alerts, map[string]any{
				"fingerprint": fmt.Sprintf("%016x", i), "labels": map[string]string{"alertname": n, "instance": n},
				"annotations": map[string]string{"summary": n}, "startsAt": now, "endsAt": now, "updatedAt": now,
				"receivers": []map[string]string{{"name": n}}, "status": map[string]any{"state": "active", "inhibitedBy": []string{}, "silencedBy": []string{}},
			})
		}
		v = alerts
	case strings.HasSuffix(p, "/api/v2/silences"):
		var sil []map[string]any
		for i, c := range a.SilenceComments {
			sil = append(sil, map[string]any{
				"id": fmt.Sprintf("0000000%d-%s", i, c), "matchers": []map[string]any{{"name": c, "value": c, "isRegex": false, "isEqual": true}},
				"startsAt": now, "endsAt": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "updatedAt": now,
				"createdBy": c, "comment": c, "status": map[string]string{"state": "active"},
			})
		}
		v = sil
	case strings.HasSuffix(p, "/metrics"):
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprintf(w, "alertmanager_cluster_enabled 1\nalertmanager_cluster_members %d\nalertmanager_peer_position 0\n"+
			"alertmanager_cluster_health_score 0\nalertmanager_cluster_failed_peers 0\nalertmanager_config_hash %g\n", len(a.Peers), a.ConfigHash)
		return
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
