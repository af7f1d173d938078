package cmd

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/amha-dev/kubectl-amha/internal/amtest"
	"github.com/amha-dev/kubectl-amha/internal/hostile"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// status honours --disable and --config: the accepted findings are reported in suppressed,
// with the reason, and do not count for the exit code.
func TestStatusSuppress(t *testing.T) {
	c := amtest.Start(t, 1, amtest.Options{})
	gone := hostile.Serve(t, http.NotFoundHandler())
	urls := []string{c.URLs()[0], gone}

	r, code := statusJSON(t, urls)
	if code != ExitFindings || !slices.Contains(findingIDs(r), "mesh/unreachable") {
		t.Fatalf("without suppression: exit %d, findings %v; want exit 1 with mesh/unreachable", code, findingIDs(r))
	}
	cfg := filepath.Join(t.TempDir(), "amha.yaml")
	if err := os.WriteFile(cfg, []byte("disable: [mesh/unreachable]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		by   model.Suppression
	}{
		{[]string{"--disable", "mesh/unreachable"}, model.Suppression{By: "flag", Where: "--disable"}},
		{[]string{"--config", cfg}, model.Suppression{By: "config", Where: cfg}},
	} {
		r, code := statusJSON(t, urls, tc.args...)
		cl := r.Clusters[0]
		if slices.Contains(findingIDs(r), "mesh/unreachable") {
			t.Errorf("%v: mesh/unreachable still among the findings", tc.args)
		}
		if len(cl.Suppressed) != 1 || cl.Suppressed[0].ID != "mesh/unreachable" || cl.Suppressed[0].SuppressedBy != tc.by {
			t.Errorf("%v: suppressed = %+v, want mesh/unreachable by %v", tc.args, cl.Suppressed, tc.by)
		}
		// mesh/unreachable was the only finding: with it accepted, the cluster is healthy.
		if code != ExitOK || len(cl.Findings) != 0 {
			t.Errorf("%v: exit %d, findings %v; want exit 0 and none", tc.args, code, findingIDs(r))
		}
	}

	// Text: the count closes the findings.
	out, _, _ := run(t, "status", "--url", urls[0], "--url", urls[1], "--color", "never", "--disable", "mesh/unreachable")
	if want := "1 finding suppressed (mesh/unreachable by --disable); --show-suppressed lists them\n"; !strings.HasSuffix(out, want) {
		t.Errorf("text report:\n%s\nwant it to end with %q", out, want)
	}

	// An unknown id is a usage error naming it, before anything is asked.
	out, errOut, code := run(t, "status", "--url", urls[0], "--disable", "mesh/unreachabel")
	if code != ExitNoCheck || out != "" || !strings.Contains(errOut, `--disable: unknown finding id "mesh/unreachabel"`) {
		t.Errorf("unknown id: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
