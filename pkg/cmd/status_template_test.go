package cmd

import (
	"strings"
	"testing"

	"github.com/amha-dev/kubectl-amha/internal/amtest"
)

// TestStatusTemplates: -o jsonpath= and -o go-template= apply kubectl's printers to the
// report -o json prints (envelope included); a template that does not parse is a usage error
// naming it, before any replica is asked.
func TestStatusTemplates(t *testing.T) {
	c := amtest.Start(t, 2, amtest.Options{})
	r, _ := statusJSON(t, c.URLs())
	var names []string
	for _, rep := range r.Clusters[0].Replicas {
		names = append(names, rep.Name)
	}
	args := append([]string{"status", "--alert-grace=0s"}, urlArgs(c.URLs())...)
	for _, tc := range []struct{ format, want string }{
		{"jsonpath={.clusters[0].replicas[*].name}", strings.Join(names, " ")},
		{`jsonpath={.kind} {.apiVersion}{"\n"}`, "StatusReport amha.dev/v1alpha1\n"},
		{`go-template={{range .clusters}}{{range .replicas}}{{.name}} {{.status.cluster}};{{end}}{{end}}`,
			names[0] + " ready;" + names[1] + " ready;"},
		// A key the report does not have prints nothing, as in kubectl.
		{"jsonpath={.clusters[0].nosuchfield}", ""},
	} {
		out, errOut, code := run(t, append(args, "-o", tc.format)...)
		if code != ExitOK || out != tc.want {
			t.Errorf("-o %s: exit %d, stdout %q, want %q; stderr %s", tc.format, code, out, tc.want, errOut)
		}
	}
	for _, tc := range []struct{ format, want string }{
		{"jsonpath={.clusters[0", `error: --output: jsonpath template "{.clusters[0": unterminated array`},
		{"go-template={{.kind", `error: --output: go-template "{{.kind": template: output:1: unclosed action`},
		{"jsonpath=", "error: --output: -o jsonpath needs a template: -o jsonpath=TEMPLATE"},
		// It parses, but fails on the report: the same exit, naming the template.
		{"jsonpath={.clusters[7].name}", `error: --output: jsonpath={.clusters[7].name}: error executing jsonpath "{.clusters[7].name}": Error executing template: array index out of bounds`},
	} {
		out, errOut, code := run(t, append(args, "-o", tc.format)...)
		if code != ExitNoCheck || out != "" || !strings.HasPrefix(errOut, tc.want) {
			t.Errorf("-o %s: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.format, code, out, errOut, tc.want)
		}
	}
}
