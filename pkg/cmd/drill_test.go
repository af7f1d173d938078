package cmd

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/amha-dev/kubectl-amha/pkg/drill"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func runDrillCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := NewRoot(genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &errOut})
	root.SetArgs(append([]string{"drill"}, args...))
	if err := root.Execute(); err != nil {
		return CodeOf(err), out.String(), errOut.String() + err.Error()
	}
	return ExitOK, out.String(), errOut.String()
}

func TestDrillListsWithoutADrill(t *testing.T) {
	code, out, _ := runDrillCmd(t)
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(out, "\n")
	for i, d := range []string{"baseline", "stop-sender", "crash-sender", "partition", "all", "rolling-restart", "all-down", "slow-receiver", "prometheus-fanout"} {
		if !strings.HasPrefix(lines[i], d+" ") {
			t.Errorf("line %d %q, want the %s drill", i, lines[i], d)
		}
	}
}

// TestDrillSinkImageOfARelease: a release runs the sink from the image it published (the
// release workflow pushes it at the tag); a development build names none.
func TestDrillSinkImageOfARelease(t *testing.T) {
	setVersion(t, "v1.2.3", "abc", "2026-12-05T15:18:16Z")
	if out, _, _ := run(t, "drill", "--help"); !strings.Contains(out, `(default "ghcr.io/amha-dev/kubectl-amha:v1.2.3")`) {
		t.Errorf("drill --help of v1.2.3 does not default --sink-image to its image:\n%s", out)
	}
	setVersion(t, "v1.2.3-dirty", "abc", "2026-12-05T15:18:16Z")
	if code, _, errOut := runDrillCmd(t, "baseline", "-n", "x"); code != ExitNoCheck || !strings.Contains(errOut, "--sink-image is required: this build of kubectl-amha (v1.2.3-dirty) has no release version") {
		t.Errorf("a dirty build: exit %d, %q; want --sink-image required", code, errOut)
	}
}

func TestDrillInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"baseline", "-n", "x"}, ") has no release version, so there is no published image"},
		{[]string{"nope", "main"}, `unknown drill "nope"`},
		{[]string{"baseline", "-o", "xml", "--dry-run"}, `--output "xml": want text, json, yaml, junit, jsonpath=TEMPLATE or go-template=TEMPLATE`},
		{[]string{"partition", "--split-timeout", "0s", "--dry-run"}, "--split-timeout must be positive"},
		{[]string{"all", "--receiver-delay", "5s", "--dry-run"}, "--receiver-delay is slow-receiver's"},
		{[]string{"slow-receiver", "--receiver-delay", "-1s", "--dry-run"}, "--receiver-delay -1s: must not be negative"},
		{[]string{"slow-recevier"}, "did you mean slow-receiver?"},
		{[]string{"rolling-restart", "--eviction-timeout", "0s", "--dry-run"}, "--eviction-timeout 0s: must be positive"},
		{[]string{"all-down", "--eviction-timeout", "30s", "--dry-run"}, "--eviction-timeout is rolling-restart's"},
		// --observe-only: the four drills it runs, on Kubernetes, its window its own.
		{[]string{"slow-receiver", "--observe-only", "--dry-run"}, "slow-receiver does not run with --observe-only"},
		{[]string{"all", "--observe-window", "3m", "--dry-run"}, "--observe-window is --observe-only's"},
		{[]string{"all", "--observe-only", "--observe-window", "-1m", "--dry-run"}, "--observe-window -1m0s: must not be negative"},
		{[]string{"baseline", "--observe-only", "--url", "http://127.0.0.1:1", "--dry-run"}, "--observe-only runs on Kubernetes"},
		// all-down runs only with its own flag, and says what it does.
		{[]string{"all-down", "-n", "x", "--yes", "--sink-image", "img"}, "all-down deletes every pod of the cluster at once"},
		{[]string{"all-down", "-n", "x", "--yes", "--sink-image", "img"}, "Add --allow-all-down to run it"},
	} {
		code, _, errOut := runDrillCmd(t, tc.args...)
		if code != ExitNoCheck || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

// On a terminal, drill without a drill shows the menu: a number or a name chooses, q (or
// nothing) runs nothing, anything else is a usage error.
func TestDrillMenu(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		code int
	}{
		{"3\n", []string{drill.CrashSender}, ExitOK},
		{"partition\n", []string{drill.Partition}, ExitOK},
		{"5\n", drill.Names, ExitOK},
		{"6\n", []string{drill.RollingRestart}, ExitOK},
		{"all-down\n", []string{drill.AllDown}, ExitOK},
		{"8\n", []string{drill.SlowReceiver}, ExitOK},
		{"slow-receiver\n", []string{drill.SlowReceiver}, ExitOK},
		{"q\n", nil, ExitOK},
		{"\n", nil, ExitOK},
		{"10\n", nil, ExitNoCheck},
	} {
		var out, errOut bytes.Buffer
		o := &drillOptions{streams: genericiooptions.IOStreams{In: strings.NewReader(tc.in), Out: &out, ErrOut: &errOut}}
		got, err := o.menu(context.Background())
		if !slices.Equal(got, tc.want) || CodeOf(err) != tc.code && !(err == nil && tc.code == ExitOK) {
			t.Errorf("%q: %v, %v; want %v, exit %d", tc.in, got, err, tc.want, tc.code)
		}
		for _, d := range []string{"1) baseline", "4) partition", "5) all", "6) rolling-restart", "7) all-down", "8) slow-receiver", "9) prometheus-fanout", "drill cleanup"} {
			if !strings.Contains(out.String(), d) {
				t.Errorf("the menu lacks %q:\n%s", d, out.String())
			}
		}
	}
}

// A mistyped drill is not taken for a cluster NAME (a pipe would list the drills and exit 0,
// a false green in CI); a drill's flags without a drill are refused.
func TestDrillMistyped(t *testing.T) {
	for _, args := range [][]string{{"basline", "-n", "x", "--yes"}, {"Baseline"}, {"stop_sender"}, {"partiton", "-o", "json"}} {
		code, _, errOut := runDrillCmd(t, args...)
		if code != ExitNoCheck || !strings.Contains(errOut, "unknown drill") || !strings.Contains(errOut, "did you mean") {
			t.Errorf("%v: exit %d, %q; want 2 and a suggestion", args, code, errOut)
		}
	}
	for _, args := range [][]string{{"main", "--yes"}, {"main", "-o", "json"}, {"--dry-run"}} {
		code, _, errOut := runDrillCmd(t, args...)
		if code != ExitNoCheck || !strings.Contains(errOut, "no drill given") {
			t.Errorf("%v: exit %d, %q; want 2, no drill given", args, code, errOut)
		}
	}
	if code, out, _ := runDrillCmd(t, "alertmanager-main"); code != ExitOK || !strings.Contains(out, "baseline") {
		t.Errorf("a cluster NAME alone: exit %d; want the list", code)
	}
}
