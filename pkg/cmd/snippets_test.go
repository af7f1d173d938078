package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/amha-dev/kubectl-amha/internal/golden"
	"github.com/amha-dev/kubectl-amha/pkg/snippets"
	"github.com/amha-dev/kubectl-amha/ui"
)

// runSnippets runs `snippets args...` and returns stdout, stderr and the exit code.
func runSnippets(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return run(t, append([]string{"snippets"}, args...)...)
}

func TestSnippetsCommandText(t *testing.T) {
	out, errOut, code := runSnippets(t)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, id := range snippets.IDs {
		if !strings.Contains(out, "#### "+id+":") {
			t.Errorf("no snippet %s in the output", id)
		}
	}
	for _, want := range []string{
		"--cluster.peer=alertmanager-main-2.alertmanager-main:9094",
		"--cluster.label=monitoring/main",
		"both halves notify: duplicates rather than a miss, by design",
		"crash-position-0  1              30s-45s",
	} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) && !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestSnippetsCommandFlags(t *testing.T) {
	out, _, code := runSnippets(t, "-n", "obs", "--name", "alerts", "--replicas", "2", "--version", "v0.29.0",
		"--zones", "eu-1a,eu-1b", "--peer-timeout", "3s", "--group-wait", "10s", "--receiver-latency", "5s",
		"--only", "cluster-flags,scenarios,statefulset")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		"--cluster.peer=alertmanager-alerts-1.alertmanager-alerts:9094", "--cluster.label=obs/alerts",
		"slow-receiver     2              10s-13s", "topology.kubernetes.io/zone", "- eu-1b", "whenUnsatisfiable: DoNotSchedule",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "--cluster.peer-name") || strings.Contains(out, "#### prometheus") || strings.Contains(out, "#### alertmanager-operator") {
		t.Error("v0.29 got --cluster.peer-name, or --only let other snippets through")
	}
}

func TestSnippetsCommandJSONAndYAML(t *testing.T) {
	out, _, code := runSnippets(t, "-o", "json", "--only", "scenarios,prometheus-static")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	var r struct {
		ui.Envelope
		snippets.Report
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.APIVersion != ui.APIVersion || r.Kind != "SnippetsReport" {
		t.Errorf("envelope %+v", r.Envelope)
	}
	if len(r.Snippets) != 2 || len(r.Scenarios) != 9 || r.Cluster.Replicas != 3 || r.Timing.PeerTimeout.String() != "15s" {
		t.Errorf("report: %d snippets, %d scenarios, %+v", len(r.Snippets), len(r.Scenarios), r.Cluster)
	}
	out, _, code = runSnippets(t, "-o", "yaml", "--only", "flags")
	var y struct {
		ui.Envelope
		snippets.Report
	}
	if err := yaml.UnmarshalStrict([]byte(out), &y); err != nil || code != ExitOK || y.Kind != "SnippetsReport" {
		t.Fatalf("exit %d: %v", code, err)
	}
	if len(y.Snippets) != 1 || !strings.Contains(y.Snippets[0].Content, "--cluster.reconnect-timeout=5m") || y.Scenarios != nil {
		t.Errorf("yaml report: %+v", y)
	}
}

// TestSnippetsReportGolden: the whole -o json and -o yaml reports, for the default cluster and
// one over three zones with a 30s peer timeout; -update rewrites testdata/snippets.
func TestSnippetsReportGolden(t *testing.T) {
	for name, args := range map[string][]string{"default": nil, "zones": {"--zones", "a,b,c", "--peer-timeout", "30s"}} {
		for _, format := range []string{"json", "yaml"} {
			out, errOut, code := runSnippets(t, append(args, "-o", format)...)
			if code != ExitOK {
				t.Fatalf("%s -o %s: exit %d: %s", name, format, code, errOut)
			}
			golden.Check(t, filepath.Join("testdata", "snippets", name+"."+format), []byte(out), *update)
		}
	}
}

func TestSnippetsCommandOut(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "am")
	out, _, code := runSnippets(t, "--out", dir)
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(snippets.IDs) || strings.Count(out, "\n") != len(snippets.IDs) {
		t.Errorf("%d files written, output %q", len(entries), out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "failure-scenarios.txt"))
	if err != nil || !strings.Contains(string(b), "partition") {
		t.Errorf("failure-scenarios.txt: %v", err)
	}

	// A file where the directory should be: exit 2, nothing written.
	file := filepath.Join(t.TempDir(), "plain")
	os.WriteFile(file, []byte("x"), 0o644)
	_, errOut, code := runSnippets(t, "--out", filepath.Join(file, "sub"))
	if code != ExitNoCheck || !strings.Contains(errOut, "nothing written") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	// A directory in the way of one file: exit 2, no other file left.
	blocked := filepath.Join(t.TempDir(), "am")
	os.MkdirAll(filepath.Join(blocked, "mesh-check.sh"), 0o755)
	_, errOut, code = runSnippets(t, "--out", blocked)
	entries, _ = os.ReadDir(blocked)
	if code != ExitNoCheck || len(entries) != 1 {
		t.Errorf("exit %d, %d entries left, stderr %q", code, len(entries), errOut)
	}
}

func TestSnippetsCommandBadFlags(t *testing.T) {
	cases := map[string]struct {
		args []string
		want string
	}{
		"replicas":       {[]string{"--replicas", "0"}, "--replicas 0"},
		"namespace":      {[]string{"-n", "Bad_NS"}, "--namespace"},
		"version":        {[]string{"--version", "latest"}, "--version \"latest\""},
		"old version":    {[]string{"--version", "v0.25.0"}, "v0.26"},
		"zones":          {[]string{"--zones", "a,,b"}, "--zones"},
		"peer-timeout":   {[]string{"--peer-timeout", "0s"}, "--peer-timeout"},
		"output":         {[]string{"-o", "xml"}, "--output \"xml\""},
		"only":           {[]string{"--only", "grafana"}, "unknown snippet \"grafana\""},
		"out with json":  {[]string{"--out", "x", "-o", "json"}, "--out"},
		"only with NAME": {[]string{"main", "--only", "flags"}, "--only describes a cluster to generate"},
		"unknown flag":   {[]string{"--bogus"}, "unknown flag"},
		"not a number":   {[]string{"--replicas", "three"}, "invalid argument"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out, errOut, code := runSnippets(t, tc.args...)
			if code != ExitNoCheck {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr %q lacks %q", errOut, tc.want)
			}
			if out != "" {
				t.Errorf("stdout not empty: %q", out)
			}
		})
	}
}

// What snippets --out writes, lint -f reads back without a finding: the alternative forms (the
// plain StatefulSet and the prometheus-operator form, four Prometheus blocks) are read apart,
// not as one cluster of two workloads sharing Services. Without their first line they would be.
func TestSnippetsOutPassesLint(t *testing.T) {
	for name, args := range map[string][]string{
		"default": nil,
		"zones":   {"--zones", "a,b,c", "--version", "v0.34.2"},
		"two":     {"--replicas", "2", "--peer-timeout", "30s"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			if _, errOut, code := run(t, append([]string{"snippets", "--out", dir}, args...)...); code != ExitOK {
				t.Fatalf("snippets --out: exit %d: %s", code, errOut)
			}
			out, errOut, code := run(t, "lint", "-f", dir, "--color=never")
			if code != ExitOK || !strings.Contains(out, "No findings.") {
				t.Fatalf("lint -f DIR: exit %d\n%s%s", code, out, errOut)
			}
			for _, want := range []string{
				"Alternatives alertmanager: " + filepath.Join(dir, "alertmanager-operator.yaml") + " | " + filepath.Join(dir, "alertmanager.yaml"),
				"Alternatives prometheus: ",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("lint output lacks %q:\n%s", want, out)
				}
			}
		})
	}
	// The same files without the line that makes them alternatives: one cluster of two forms,
	// and its false finding.
	dir := t.TempDir()
	if _, errOut, code := run(t, "snippets", "--out", dir); code != ExitOK {
		t.Fatal(errOut)
	}
	for _, f := range []string{"alertmanager.yaml", "alertmanager-operator.yaml"} {
		p := filepath.Join(dir, f)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		_, rest, _ := strings.Cut(string(b), "\n")
		if err := os.WriteFile(p, []byte(rest), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, _, code := run(t, "lint", "-f", dir, "--color=never")
	if code != ExitFindings || strings.Contains(out, "Alternatives alertmanager") {
		t.Errorf("without the alternative lines: exit %d\n%s", code, out)
	}
}
