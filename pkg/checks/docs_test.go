package checks_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amha-dev/kubectl-amha/pkg/checks"
)

// docsDir is docs/checks at the repository root, seen from this package's directory.
const docsDir = "../../docs/checks"

// TestEveryCheckHasADocPage: a reader finds any check's page by its id,
// docs/checks/<area>/<name>.md.
func TestEveryCheckHasADocPage(t *testing.T) {
	for _, c := range checks.All() {
		id := c.ID()
		area, name, ok := strings.Cut(id, "/")
		if !ok {
			t.Errorf("id %q has no area", id)
			continue
		}
		page := filepath.Join(docsDir, area, name+".md")
		b, err := os.ReadFile(page)
		switch {
		case os.IsNotExist(err):
			t.Errorf("%s: no page %s", id, filepath.ToSlash(filepath.Join("docs/checks", area, name+".md")))
		case err != nil:
			t.Errorf("%s: %v", id, err)
		case len(strings.TrimSpace(string(b))) == 0:
			t.Errorf("%s: page %s is empty", id, page)
		}
	}
}
