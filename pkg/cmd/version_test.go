package cmd

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/amha-dev/kubectl-amha/pkg/version"
)

// setVersion sets what the linker sets for a release, for one test.
func setVersion(t *testing.T, v, commit, date string) {
	t.Helper()
	old := [3]string{version.Version, version.Commit, version.Date}
	version.Version, version.Commit, version.Date = v, commit, date
	t.Cleanup(func() { version.Version, version.Commit, version.Date = old[0], old[1], old[2] })
}

func TestVersionFlagAndCommand(t *testing.T) {
	setVersion(t, "v1.2.3", "0349af888e400752bf3090d0f15ff951dff89576", "2026-12-05T15:18:16Z")
	want := "kubectl-amha v1.2.3 (commit 0349af888e400752bf3090d0f15ff951dff89576, date 2026-12-05T15:18:16Z, " +
		runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")\n"
	for _, args := range [][]string{{"--version"}, {"version"}, {"version", "-o", "text"}} {
		out, errOut, code := run(t, args...)
		if code != ExitOK || out != want || errOut != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 0 and %q", args, code, out, errOut, want)
		}
	}
	// --version is the root's only: snippets --version is the Alertmanager version it writes for.
	if out, _, code := run(t, "snippets", "--version", "v0.29.0", "--only", "cluster-flags"); code != ExitOK || strings.Contains(out, "kubectl-amha v1.2.3") {
		t.Errorf("snippets --version: exit %d, %q", code, out)
	}
	// No -v: kubectl users know it as the log level.
	if _, errOut, code := run(t, "-v"); code != ExitNoCheck || !strings.Contains(errOut, "unknown shorthand flag: 'v'") {
		t.Errorf("-v: exit %d, %q; want 2 and unknown shorthand", code, errOut)
	}
}

func TestVersionJSON(t *testing.T) {
	setVersion(t, "v1.2.3", "abc", "2026-12-05T15:18:16Z")
	out, errOut, code := run(t, "version", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := map[string]string{"apiVersion": "amha.dev/v1alpha1", "kind": "Version", "version": "v1.2.3", "commit": "abc",
		"date": "2026-12-05T15:18:16Z", "goVersion": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, errOut, code := run(t, "version", "-o", "wide"); code != ExitNoCheck || !strings.Contains(errOut, `--output "wide": want text, json or yaml`) {
		t.Errorf("-o wide: exit %d, %q", code, errOut)
	}
}

// Without link-time values (a test binary has no VCS stamp either), a build says what it is not.
func TestVersionUnset(t *testing.T) {
	setVersion(t, "", "", "")
	out, _, code := run(t, "--version")
	if code != ExitOK || !strings.HasPrefix(out, "kubectl-amha dev (commit unknown, date unknown, ") {
		t.Errorf("exit %d, %q", code, out)
	}
}
