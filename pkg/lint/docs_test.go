package lint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryLintCheckIsDocumented: every check in All has its page, titled with its id, and a
// row in the checks index (docs/checks/README.md), so `kubectl amha lint` output can always be
// looked up. Ids are unique.
func TestEveryLintCheckIsDocumented(t *testing.T) {
	index, err := os.ReadFile("../../docs/checks/README.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range All() {
		id := c.ID()
		if seen[id] {
			t.Errorf("%s is listed twice in All", id)
		}
		seen[id] = true
		area, name, ok := strings.Cut(id, "/")
		if !ok || name == "" {
			t.Errorf("id %q is not <area>/<name>", id)
			continue
		}
		b, err := os.ReadFile(filepath.Join("../../docs/checks", area, name+".md"))
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		if !strings.HasPrefix(string(b), "# "+id+"\n") {
			t.Errorf("%s: its page does not start with its id as title", id)
		}
		if !strings.Contains(string(index), "| ["+id+"]("+id+".md) |") {
			t.Errorf("%s: no row in docs/checks/README.md", id)
		}
	}
}

// TestTitlesMatchIndex: the SARIF rule titles are the index's "what it means" column, for
// every check.
func TestTitlesMatchIndex(t *testing.T) {
	index, err := os.ReadFile("../../docs/checks/README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(index)
	lintPart := text[strings.Index(text, "## Configuration checks"):]
	for _, c := range All() {
		title, ok := titles[c.ID()]
		if !ok {
			t.Errorf("%s has no title", c.ID())
			continue
		}
		if !strings.Contains(lintPart, "| ["+c.ID()+"]("+c.ID()+".md) |") || !strings.Contains(lintPart, "| "+title+" |\n") {
			t.Errorf("%s: title %q is not its row's meaning in the index", c.ID(), title)
		}
	}
	if len(titles) != len(All()) {
		t.Errorf("%d titles for %d checks", len(titles), len(All()))
	}
}
