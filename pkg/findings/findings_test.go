package findings_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amha-dev/kubectl-amha/pkg/checks"
	"github.com/amha-dev/kubectl-amha/pkg/findings"
	"github.com/amha-dev/kubectl-amha/pkg/lint"
	"github.com/amha-dev/kubectl-amha/pkg/version"
)

// root is the repository root, seen from this package's directory.
const root = "../.."

// TestEveryIDHasItsPage: a reader finds any id's page by the id, docs/checks/<area>/<name>.md,
// titled with the id, and its row in the checks index (docs/checks/README.md) under each
// context it is found in, with the index's title as its meaning.
func TestEveryIDHasItsPage(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "docs/checks/README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	live := readme[strings.Index(readme, "## Live checks"):strings.Index(readme, "## Configuration checks")]
	sections := map[findings.Context]string{
		findings.Live:          live,
		findings.Configuration: readme[strings.Index(readme, "## Configuration checks"):],
	}
	seen := map[string]bool{}
	for _, e := range findings.All() {
		if seen[e.ID] {
			t.Errorf("%s is in the index twice", e.ID)
		}
		seen[e.ID] = true
		if _, name, ok := strings.Cut(e.ID, "/"); !ok || name == "" || e.Area() == "" {
			t.Errorf("id %q is not <area>/<name>", e.ID)
			continue
		}
		page, err := os.ReadFile(filepath.Join(root, e.Doc()))
		if err != nil {
			t.Errorf("%s: no page: %v", e.ID, err)
		} else if !strings.HasPrefix(string(page), "# "+e.ID+"\n") {
			t.Errorf("%s: %s does not start with the id as its title", e.ID, e.Doc())
		}
		if e.Context&(findings.Live|findings.Configuration) == 0 {
			t.Errorf("%s: found in no context", e.ID)
		}
		for ctx, section := range sections {
			if e.Context&ctx == 0 {
				continue
			}
			row := "| [" + e.ID + "](" + e.ID + ".md) |"
			i := strings.Index(section, row)
			if i < 0 {
				t.Errorf("%s: no row in its section of docs/checks/README.md", e.ID)
				continue
			}
			line, _, _ := strings.Cut(section[i:], "\n")
			if !strings.HasSuffix(line, "| "+e.Title+" |") {
				t.Errorf("%s: its row's meaning is not the index's title %q:\n%s", e.ID, e.Title, line)
			}
		}
	}
}

// TestRegistriesMatchTheIndex: pkg/checks runs exactly the live ids and pkg/lint exactly the
// configuration ids, each once; a check written but not indexed, or indexed but not wired, fails.
func TestRegistriesMatchTheIndex(t *testing.T) {
	var liveIDs, configIDs []string
	for _, c := range checks.All() {
		liveIDs = append(liveIDs, c.ID())
	}
	for _, c := range lint.All() {
		configIDs = append(configIDs, c.ID())
	}
	for _, r := range []struct {
		name string
		ctx  findings.Context
		ids  []string
	}{{"checks.All", findings.Live, liveIDs}, {"lint.All", findings.Configuration, configIDs}} {
		registered := map[string]bool{}
		for _, id := range r.ids {
			if registered[id] {
				t.Errorf("%s lists %s twice", r.name, id)
			}
			registered[id] = true
			if e, ok := findings.Lookup(id); !ok || e.Context&r.ctx == 0 {
				t.Errorf("%s runs %s, which the index does not list in that context", r.name, id)
			}
		}
		for _, e := range findings.All() {
			if e.Context&r.ctx != 0 && !registered[e.ID] {
				t.Errorf("the index lists %s in %s's context, but %s does not run it", e.ID, r.name, r.name)
			}
		}
	}
}

// TestDocURLAtTheBinarysVersion: a release links the pages of its own tag, a build from source
// main, and every id's URL ends in its page's path.
func TestDocURLAtTheBinarysVersion(t *testing.T) {
	old := version.Version
	t.Cleanup(func() { version.Version = old })
	for v, want := range map[string]string{
		"v0.3.0":                             "https://github.com/amha-dev/kubectl-amha/blob/v0.3.0/docs/checks/mesh/island.md",
		"":                                   "https://github.com/amha-dev/kubectl-amha/blob/main/docs/checks/mesh/island.md",
		"v0.0.0-20261205154249-0349af8abcde": "https://github.com/amha-dev/kubectl-amha/blob/0349af8abcde/docs/checks/mesh/island.md",
	} {
		version.Version = v
		e, _ := findings.Lookup("mesh/island")
		if got := e.DocURL(); got != want {
			t.Errorf("version %q: %s, want %s", v, got, want)
		}
	}
	for _, e := range findings.All() {
		if u := e.DocURL(); !strings.HasSuffix(u, "/"+e.Doc()) {
			t.Errorf("%s: %s does not end in its page %s", e.ID, u, e.Doc())
		}
	}
}
