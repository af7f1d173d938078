package cmd

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/amha-dev/kubectl-amha/internal/amtest"
)

// A replica behind basic auth, given as --url http://user:pass@host: every request (API and
// /metrics) carries the credentials, and no output prints the password.
func TestStatusURLCredentials(t *testing.T) {
	srv := inFrontOfReplica(t, func(w http.ResponseWriter, r *http.Request, replica http.Handler) {
		if u, p, ok := r.BasicAuth(); !ok || u != "amha" || p != "s3cret-pw" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		replica.ServeHTTP(w, r)
	})
	withCreds := strings.Replace(srv.URL, "http://", "http://amha:s3cret-pw@", 1)

	r, _ := statusJSON(t, []string{withCreds})
	rep := r.Clusters[0].Replicas[0]
	if !rep.OK() || len(rep.Partial) > 0 {
		t.Fatalf("the replica behind basic auth: error %q, partial %v", rep.Error, rep.Partial)
	}
	for _, format := range []string{"json", "yaml", "wide", "table"} {
		out, errOut, _ := run(t, "status", "--url", withCreds, "-o", format)
		if strings.Contains(out+errOut, "s3cret-pw") {
			t.Errorf("-o %s prints the password:\n%s%s", format, out, errOut)
		}
	}
	// A URL given twice, once with a trailing slash, is one replica asked once; the note hides
	// the password.
	out, errOut, code := run(t, "status", "-o", "json", "--url", withCreds, "--url", withCreds+"/")
	if code != ExitOK || !strings.Contains(out, "are the same replica: asked once") || strings.Contains(out+errOut, "s3cret-pw") {
		t.Errorf("duplicate --url: exit %d, %s%s", code, out, errOut)
	}
	_, errOut, code = run(t, "status", "--url", "http://")
	if code != ExitNoCheck || !strings.Contains(errOut, "want http://HOST:PORT") {
		t.Errorf("--url http://: exit %d, %q", code, errOut)
	}
}

// inFrontOfReplica serves handle in front of a real replica (reached through replica).
func inFrontOfReplica(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, replica http.Handler)) *httptest.Server {
	t.Helper()
	c := amtest.Start(t, 1, amtest.Options{})
	backend, err := url.Parse(c.URLs()[0])
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(backend)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handle(w, r, proxy) }))
	t.Cleanup(srv.Close)
	return srv
}
