package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/cmd"
)

// A baseline interrupted (Ctrl-C) while it counts still writes --report: the page says the
// run was interrupted, marks the drill INTERRUPTED, and has its timeline until then (the
// alert posted, and resolved by the restore).
func TestDrillReportInterruptedOnRig(t *testing.T) {
	r := newRig(t)
	buildDrillImage(t)
	ns := r.drillCluster(t, "amha-report", true)
	page := filepath.Join(t.TempDir(), "interrupted.html")
	c, stderr, done := startDrill(t, r, "counting notifications", 2*time.Minute, "baseline", "-n", ns, "--yes", "--sink-image", drillImage, "--report", page)
	if err := c.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := c.Wait()
	done()
	if c.ProcessState.ExitCode() != cmd.ExitInterrupted {
		t.Errorf("exit %d (%v), want 130:\n%s", c.ProcessState.ExitCode(), err, stderr.String())
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
