package cmd

import (
	"bytes"
	"strings"
	"testing"

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
	for i, d := range []string{"baseline", "stop-sender", "crash-sender", "partition", "all"} {
		if !strings.HasPrefix(lines[i], d+" ") {
			t.Errorf("line %d %q, want the %s drill", i, lines[i], d)
		}
	}
}

func TestDrillInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"baseline", "-n", "x"}, "--sink-image is required: this build of kubectl-amha has no release version"},
		{[]string{"nope", "main"}, `unknown drill "nope"`},
		{[]string{"baseline", "-o", "yaml", "--dry-run"}, `--output "yaml"`},
		{[]string{"partition", "--split-timeout", "0s", "--dry-run"}, "--split-timeout must be positive"},
	} {
		code, _, errOut := runDrillCmd(t, tc.args...)
		if code != ExitNoCheck || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}
