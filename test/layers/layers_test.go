// Package layers holds the architecture to what the README and the package docs say: one
// package talks to the API server, and the renderer knows neither Kubernetes nor the
// Alertmanager API.
package layers

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/amha-dev/kubectl-amha"

// apiServer are client-go's packages that talk to an API server; utility packages such as
// util/jsonpath are not among them.
var apiServer = []string{
	"k8s.io/client-go/kubernetes", "k8s.io/client-go/rest", "k8s.io/client-go/tools", "k8s.io/client-go/dynamic",
}

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

func talksToAPIServer(pkg string) bool {
	for _, p := range apiServer {
		if pkg == p || strings.HasPrefix(pkg, p+"/") {
			return true
		}
	}
	return false
}

// The renderer (ui/ and ui/tui) links neither client-go's API clients nor the Alertmanager API
// client: it renders model data and dispatches.
func TestUIKnowsNoOutsideWorld(t *testing.T) {
	for _, dep := range goList(t, "-deps", module+"/ui/...") {
		if talksToAPIServer(dep) || strings.HasPrefix(dep, "github.com/prometheus/alertmanager/api/v2/client") {
			t.Errorf("ui links %s; find the importer with `go list -deps -f '{{.ImportPath}}: {{.Imports}}' ./ui/... | grep %s`", dep, dep)
		}
	}
}

// Only pkg/kube imports client-go's API clients (tests aside): every read, write and
// port-forward goes through it.
func TestOnlyPkgKubeTalksToTheAPIServer(t *testing.T) {
	for _, line := range goList(t, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"/...") {
		pkg, imports, _ := strings.Cut(line, " ")
		if pkg == module+"/pkg/kube" {
			continue
		}
		for _, imp := range strings.Fields(imports) {
			if talksToAPIServer(imp) {
				t.Errorf("%s imports %s: API server calls belong in pkg/kube", pkg, imp)
			}
		}
	}
}

// The sink, which runs in the cluster as the drills' receiver, knows neither Kubernetes, the
// Alertmanager API client nor the terminal: it links only what decodes a webhook payload.
func TestSinkKnowsNoOutsideWorld(t *testing.T) {
	for _, dep := range goList(t, "-deps", module+"/pkg/sink") {
		for _, world := range []string{"k8s.io/", "github.com/prometheus/alertmanager/api/", "github.com/prometheus/alertmanager/notify", "github.com/charmbracelet/", "golang.org/x/term"} {
			if strings.HasPrefix(dep, world) {
				t.Errorf("pkg/sink links %s", dep)
			}
		}
	}
}

// The hostile servers are for tests only: no package links them into amha.
func TestHostileServersOnlyInTests(t *testing.T) {
	for _, line := range goList(t, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"/...") {
		pkg, imports, _ := strings.Cut(line, " ")
		for _, imp := range strings.Fields(imports) {
			if imp == module+"/internal/hostile" {
				t.Errorf("%s imports %s outside its tests", pkg, imp)
			}
		}
	}
}
