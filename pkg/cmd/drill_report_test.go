package cmd

import (
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/drill"
	"github.com/amha-dev/kubectl-amha/ui"
)

// --report into a directory that does not exist is a usage error before anything runs (the
// error is its own, not that of the cluster not found).
func TestDrillReportMissingDirectory(t *testing.T) {
	kubeconfig := fakeAPIServer(t, map[string]any{"/apis/apps/v1/namespaces/monitoring/statefulsets": statefulSets()})
	missing := filepath.Join(t.TempDir(), "no-such-dir", "drill.html")
	code, out, errOut := runDrillCmd(t, "baseline", "main", "--dry-run", "--report", missing, "--kubeconfig", kubeconfig)
	if code != ExitNoCheck || out != "" || !strings.Contains(errOut, "--report "+missing+": directory") {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 naming the directory", code, out, errOut)
	}
	if strings.Contains(errOut, "not found") {
		t.Errorf("the run went on before the usage error: %s", errOut)
	}
	dir := t.TempDir()
	if code, _, errOut := runDrillCmd(t, "baseline", "main", "--dry-run", "--report", dir, "--kubeconfig", kubeconfig); code != ExitNoCheck || !strings.Contains(errOut, "is a directory") {
		t.Errorf("--report DIR: exit %d, stderr %q", code, errOut)
	}
}

// A run that stops before its first drill still writes the page (why it stopped, every drill
// NOT RUN) and, with -o junit, prints every drill skipped with the reason; nothing else is
// left in the report's directory.
func TestDrillReportOfAStoppedRun(t *testing.T) {
	kubeconfig := fakeAPIServer(t, map[string]any{"/apis/apps/v1/namespaces/monitoring/statefulsets": statefulSets()})
	dir := t.TempDir()
	page := filepath.Join(dir, "drill.html")
	code, out, errOut := runDrillCmd(t, "all", "main", "--yes", "--sink-image", "x", "-o", "junit", "--report", page, "--kubeconfig", kubeconfig)
	if code != ExitNoCheck {
		t.Fatalf("exit %d, want 2: %s", code, errOut)
	}
	var doc ui.JUnitSuites
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("stdout is not JUnit XML: %v\n%s", err, out)
	}
	if len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != len(drill.Names) || doc.Skipped != len(drill.Names) {
		t.Fatalf("JUnit %+v: want one suite with every drill skipped", doc)
	}
	for _, c := range doc.Suites[0].Cases {
		if c.Skipped == nil || c.Skipped.Type != string(drill.NotRun) || !strings.Contains(c.Skipped.Message, "(not-found)") {
			t.Errorf("%s: %+v, want skipped NOT RUN with the reason", c.Name, c.Skipped)
		}
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatalf("no report: %v (stderr %s)", err, errOut)
	}
	for _, want := range []string{"Stopped before the first drill (not-found)", "– NOT RUN", "monitoring/main"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the page does not contain %q", want)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("the report's directory holds %d files, want the report alone", len(ents))
	}
}

// A report that fails while it is written leaves the file as it was and no temporary file.
func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "drill.html")
	if err := os.WriteFile(path, []byte("before"), 0o644); err != nil {
		t.Fatal(err)
	}
	failed := errors.New("render failed")
	err := writeFileAtomic(path, func(f *os.File) error {
		_, _ = f.WriteString("partial")
		return failed
	})
	if !errors.Is(err, failed) {
		t.Errorf("error %v, want the render's", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "before" {
		t.Errorf("the file holds %q after a failed write, want it as it was", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files in the directory, want no temporary file left", len(ents))
	}
	if err := writeFileAtomic(path, func(f *os.File) error { _, err := f.WriteString("after"); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "after" {
		t.Errorf("the file holds %q, want the new report", b)
	}
}

// The timeline of an interrupted drill is from the alert posted; before a post, from the
// first event.
func TestLiveEventsRelative(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	var l liveEvents
	l.add(t0.Add(-3*time.Second), drill.Event{Kind: drill.EventFault, Replica: "am-2"})
	if ev := l.relative(); len(ev) != 1 || ev[0].At != 0 {
		t.Errorf("before the post: %+v, want the fault at 0", ev)
	}
	l.add(t0, drill.Event{Kind: drill.EventPost})
	l.add(t0.Add(1500*time.Millisecond), drill.Event{Kind: drill.EventHeal, Replica: "am-2"})
	ev := l.relative()
	if len(ev) != 3 || ev[0].At != -3*time.Second || ev[1].At != 0 || ev[2].At != 1500*time.Millisecond {
		t.Errorf("events %+v, want -3s, 0, 1.5s", ev)
	}
}
