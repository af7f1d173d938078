package cmd

import (
	"strings"
	"testing"
)

// TestOptions: the kube connection flags are listed by `options`, not in every command's help,
// which points there instead; a command's own flags stay in its help.
func TestOptions(t *testing.T) {
	const pointer = `Use "kubectl amha options" for a list of global command-line options`
	for _, args := range [][]string{{"status", "--help"}, {"lint", "--help"}, {"drill", "--help"}, {"--help"}} {
		out, _, code := run(t, args...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d", args, code)
		}
		if strings.Contains(out, "--certificate-authority") || strings.Contains(out, "--kubeconfig") || strings.Contains(out, "Global Flags") {
			t.Errorf("%v lists the connection flags:\n%s", args, out)
		}
		if !strings.Contains(out, pointer) || !strings.Contains(out, "  -o, --output") {
			t.Errorf("%v: want its own flags (-o) and the pointer to options:\n%s", args, out)
		}
	}
	out, _, code := run(t, "options")
	if code != ExitOK {
		t.Fatalf("options: exit %d", code)
	}
	for _, f := range []string{"--certificate-authority", "--kubeconfig", "-n, --namespace", "--request-timeout", "--context"} {
		if !strings.Contains(out, f) {
			t.Errorf("options does not list %s:\n%s", f, out)
		}
	}
	if strings.Contains(out, "--output") {
		t.Errorf("options lists a command's own flag:\n%s", out)
	}
}
