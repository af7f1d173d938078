package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/cmd"
	"github.com/amha-dev/kubectl-amha/pkg/drill"
)

// A baseline interrupted (Ctrl-C) while it counts still writes --report: the page says the
// run was interrupted, marks the drill INTERRUPTED, and has its timeline until then (the
// alert posted, and resolved by the restore); -o json still prints the report, with the drill
// interrupted.
func TestDrillReportInterruptedOnRig(t *testing.T) {
	r := newRig(t)
	buildDrillImage(t)
	ns := r.drillCluster(t, "amha-report", true)
	page := filepath.Join(t.TempDir(), "interrupted.html")
	c, stderr, done := startDrill(t, r, "counting notifications", 2*time.Minute, "baseline", "-n", ns, "--yes", "--sink-image", drillImage, "--report", page, "-o", "json")
	if err := c.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := c.Wait()
	done()
	if c.ProcessState.ExitCode() != cmd.ExitInterrupted {
		t.Errorf("exit %d (%v), want 130:\n%s", c.ProcessState.ExitCode(), err, stderr.String())
	}
	var rep drill.Report
	out := c.Stdout.(*bytes.Buffer)
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep.Interrupted == "" || len(rep.Drills) != 1 || !strings.HasPrefix(rep.Drills[0].Error, "interrupted") {
		t.Errorf("-o json after Ctrl-C: %v: %s", err, out.String())
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatalf("--report after Ctrl-C: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"Interrupted (Ctrl-C)", "■ INTERRUPTED", "<td>post</td>", "<td>resolve</td>", `<svg class="timeline"`, ns} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the page %s after Ctrl-C does not contain %q", page, want)
		}
	}
	if m := r.managed(t, ns); len(m) > 0 {
		t.Errorf("objects left after Ctrl-C: %v", m)
	}
}
