package cmd

import (
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amha-dev/kubectl-amha/internal/amtest"
	"github.com/amha-dev/kubectl-amha/internal/hostile"
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
	return frontOfReplica(t, false, handle)
}

// frontOfReplica is inFrontOfReplica, over HTTPS with httptest's own certificate when tls is set.
func frontOfReplica(t *testing.T, tls bool, handle func(w http.ResponseWriter, r *http.Request, replica http.Handler)) *httptest.Server {
	t.Helper()
	return proxyTo(t, amtest.Start(t, 1, amtest.Options{}).URLs()[0], tls, handle)
}

// proxyTo serves handle in front of the replica at backend, whose requests the replica
// handler forwards (errors of requests amha cancels are not logged).
func proxyTo(t *testing.T, backend string, tls bool, handle func(w http.ResponseWriter, r *http.Request, replica http.Handler)) *httptest.Server {
	t.Helper()
	u, err := url.Parse(backend)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ErrorLog = log.New(io.Discard, "", 0)
	return hostile.Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handle(w, r, proxy) }), tls)
}

// A replica behind HTTPS with a certificate amha does not trust: the error says how to trust
// it (--http-config tls_config ca_file) or not check it; --insecure-skip-tls-verify applies to
// --url, and so does a tls_config with the CA.
func TestStatusURLUntrustedCertificate(t *testing.T) {
	srv := frontOfReplica(t, true, func(w http.ResponseWriter, r *http.Request, replica http.Handler) { replica.ServeHTTP(w, r) })
	r, code := statusJSON(t, []string{srv.URL})
	msg := r.Clusters[0].Replicas[0].Error
	if code != ExitNoCheck {
		t.Errorf("exit %d, want 2", code)
	}
	for _, want := range []string{"x509: certificate signed by unknown authority", "the replica's certificate is not trusted",
		"--http-config (tls_config: {ca_file: CA.pem}", "insecure_skip_verify: true", "--insecure-skip-tls-verify"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}

	r, code = statusJSON(t, []string{srv.URL}, "--insecure-skip-tls-verify")
	if rep := r.Clusters[0].Replicas[0]; code != ExitOK || !rep.OK() || len(rep.Partial) > 0 {
		t.Errorf("--insecure-skip-tls-verify: exit %d, error %q, partial %v", code, rep.Error, rep.Partial)
	}

	dir := t.TempDir()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := "tls_config:\n  ca_file: " + filepath.Join(dir, "ca.pem") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "http.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	r, code = statusJSON(t, []string{srv.URL}, "--http-config", filepath.Join(dir, "http.yml"))
	if rep := r.Clusters[0].Replicas[0]; code != ExitOK || !rep.OK() || len(rep.Partial) > 0 {
		t.Errorf("--http-config with ca_file: exit %d, error %q, partial %v", code, rep.Error, rep.Partial)
	}
	// The flag applies over an --http-config without the CA too.
	if err := os.WriteFile(filepath.Join(dir, "noca.yml"), []byte("follow_redirects: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, code = statusJSON(t, []string{srv.URL}, "--http-config", filepath.Join(dir, "noca.yml"), "--insecure-skip-tls-verify")
	if rep := r.Clusters[0].Replicas[0]; code != ExitOK || !rep.OK() {
		t.Errorf("--http-config without ca_file and --insecure-skip-tls-verify: exit %d, error %q", code, rep.Error)
	}
}
