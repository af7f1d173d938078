package promwire

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name          string
		body          string
		code          int
		active, drop  []string
		errContaining []string
	}{
		{
			name: "kubernetes_sd endpoints, mesh port dropped by relabelling",
			body: string(testdata(t, "alertmanagers-endpoints.json")), code: 200,
			active: []string{
				"http://10.244.1.12:9093/api/v2/alerts",
				"http://10.244.2.7:9093/api/v2/alerts",
				"http://10.244.3.19:9093/api/v2/alerts",
			},
			drop: []string{
				"http://10.244.1.12:9094/api/v2/alerts",
				"http://10.244.2.7:9094/api/v2/alerts",
				"http://10.244.3.19:9094/api/v2/alerts",
				"http://10.244.2.30:8080/api/v2/alerts",
			},
		},
		{
			name: "no Alertmanager configured",
			body: string(testdata(t, "alertmanagers-none.json")), code: 200,
		},
		{
			name: "fields Parse does not use are ignored",
			body: `{"status":"success","warnings":["w"],"data":{"activeAlertmanagers":[{"url":"http://am:9093/api/v2/alerts","extra":1}]}}`,
			code: 200, active: []string{"http://am:9093/api/v2/alerts"},
		},
		{
			name: "Prometheus web UI (wrong path or a proxy's login page)",
			body: string(testdata(t, "prometheus-ui.html")), code: 200,
			errContaining: []string{"/api/v1/alertmanagers (HTTP 200)", "not Prometheus API JSON"},
		},
		{
			name: "API error", body: string(testdata(t, "error-unavailable.json")), code: 503,
			errContaining: []string{"(HTTP 503)", "error", "Alertmanager discovery not ready"},
		},
		{
			name: "empty body", body: "", code: 502,
			errContaining: []string{"(HTTP 502)", "not Prometheus API JSON"},
		},
		{
			name: "JSON without a status", body: `{"data":{"activeAlertmanagers":[{"url":"http://x"}]}}`, code: 200,
			errContaining: []string{"(HTTP 200)"},
		},
		{
			name: "JSON of another shape", body: `[{"url":"http://x"}]`, code: 200,
			errContaining: []string{"not Prometheus API JSON"},
		},
		{
			name: "plain-text 404", body: "404 page not found\n", code: 404,
			errContaining: []string{"(HTTP 404)", "not Prometheus API JSON"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			active, dropped, err := Parse(strings.NewReader(tc.body), tc.code)
			if tc.errContaining != nil {
				if err == nil {
					t.Fatalf("no error; active %q, dropped %q", active, dropped)
				}
				for _, s := range tc.errContaining {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				if active != nil || dropped != nil {
					t.Errorf("URLs returned with an error: %q %q", active, dropped)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(active, tc.active) || !reflect.DeepEqual(dropped, tc.drop) {
				t.Fatalf("active %q dropped %q\nwant active %q dropped %q", active, dropped, tc.active, tc.drop)
			}
		})
	}
}

func TestFetch(t *testing.T) {
	body := testdata(t, "alertmanagers-endpoints.json")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /prometheus/api/v1/alertmanagers", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	mux.HandleFunc("GET /slow/api/v1/alertmanagers", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("GET /ui/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(testdata(t, "prometheus-ui.html"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server at %s, want 127.0.0.1", srv.URL)
	}

	t.Run("route prefix, trailing slash", func(t *testing.T) {
		active, dropped, err := Fetch(context.Background(), srv.Client(), 5*time.Second, srv.URL+"/prometheus/")
		if err != nil {
			t.Fatal(err)
		}
		if len(active) != 3 || len(dropped) != 4 || active[0] != "http://10.244.1.12:9093/api/v2/alerts" {
			t.Fatalf("active %q dropped %q", active, dropped)
		}
	})
	t.Run("not found", func(t *testing.T) {
		_, _, err := Fetch(context.Background(), srv.Client(), 5*time.Second, srv.URL+"/nothing")
		if err == nil || !strings.Contains(err.Error(), "HTTP 404") {
			t.Fatalf("error %v, want HTTP 404", err)
		}
	})
	t.Run("HTML", func(t *testing.T) {
		_, _, err := Fetch(context.Background(), srv.Client(), 5*time.Second, srv.URL+"/ui/")
		if err == nil || !strings.Contains(err.Error(), "not Prometheus API JSON") {
			t.Fatalf("error %v, want not Prometheus API JSON", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		start := time.Now()
		_, _, err := Fetch(context.Background(), srv.Client(), 200*time.Millisecond, srv.URL+"/slow")
		if err == nil || !strings.Contains(err.Error(), "no answer within the request timeout") {
			t.Fatalf("error %v, want a timeout", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("took %s despite a 200ms timeout", d)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		closed := httptest.NewServer(http.NotFoundHandler())
		url := closed.URL
		closed.Close()
		_, _, err := Fetch(context.Background(), http.DefaultClient, time.Second, url)
		if err == nil || !strings.Contains(err.Error(), "prometheus "+url) {
			t.Fatalf("error %v, want one naming the Prometheus", err)
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"alertmanagers-endpoints.json", "alertmanagers-none.json", "error-unavailable.json", "prometheus-ui.html"} {
		f.Add(string(testdata(f, name)), 200)
	}
	f.Add(`{"status":"success","data":{"activeAlertmanagers":[{"url":null},{}]}}`, 200)
	f.Add(`{"status":"success","data":null}`, 500)
	f.Fuzz(func(t *testing.T, body string, code int) {
		active, dropped, err := Parse(strings.NewReader(body), code)
		if err != nil {
			if active != nil || dropped != nil {
				t.Fatalf("URLs with an error: %q %q %v", active, dropped, err)
			}
			return
		}
		// Success means the first JSON value is an object whose status is "success".
		var v struct {
			Status string `json:"status"`
		}
		if err := json.NewDecoder(strings.NewReader(body)).Decode(&v); err != nil || v.Status != "success" {
			t.Fatalf("accepted %q (status %q, %v)", body, v.Status, err)
		}
	})
}
