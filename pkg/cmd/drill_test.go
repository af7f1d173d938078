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
		{"q\n", nil, ExitOK},
		{"\n", nil, ExitOK},
		{"9\n", nil, ExitNoCheck},
	} {
		var out, errOut bytes.Buffer
		o := &drillOptions{streams: genericiooptions.IOStreams{In: strings.NewReader(tc.in), Out: &out, ErrOut: &errOut}}
		got, err := o.menu(context.Background())
		if !slices.Equal(got, tc.want) || CodeOf(err) != tc.code && !(err == nil && tc.code == ExitOK) {
			t.Errorf("%q: %v, %v; want %v, exit %d", tc.in, got, err, tc.want, tc.code)
		}
		for _, d := range []string{"1) baseline", "4) partition", "5) all", "drill cleanup"} {
			if !strings.Contains(out.String(), d) {
				t.Errorf("the menu lacks %q:\n%s", d, out.String())
			}
		}
	}
}
