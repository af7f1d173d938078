package lint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// loadTestdata loads files of testdata/<dir> into one Set, as `kubectl amha lint -f a -f b`
// does.
func loadTestdata(t *testing.T, dir string, names ...string) *Set {
	t.Helper()
	var ins []Input
	for _, n := range names {
		ins = append(ins, Input{Name: filepath.Join("testdata", dir, n), Data: []byte(testdataText(t, dir, n)), Explicit: true})
	}
	s, err := Load(ins)
	if err != nil {
		t.Fatalf("%s: %v", strings.Join(names, ", "), err)
	}
	return s
}

// testdataText is the text of testdata/<dir>/<name>.
func testdataText(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// oneFindingAt checks the findings of id among fs: none when phrase is "" (ok is false then),
// else exactly one, whose message holds phrase and whose first location is at line:col.
func oneFindingAt(t *testing.T, fs []model.Finding, id, phrase string, line, col int) (f model.Finding, ok bool) {
	t.Helper()
	var hits []model.Finding
	for _, f := range fs {
		if f.ID == id {
			hits = append(hits, f)
		}
	}
	if phrase == "" {
		if len(hits) > 0 {
			t.Fatalf("unexpected %s: %s", id, hits[0].Message)
		}
		return model.Finding{}, false
	}
	if len(hits) != 1 || !strings.Contains(hits[0].Message, phrase) {
		t.Fatalf("want one %s saying %q, got %d: %v", id, phrase, len(hits), hits)
	}
	if l := hits[0].Locations[0]; l.Line != line || l.Column != col {
		t.Errorf("first location %s, want line %d column %d", l, line, col)
	}
	return hits[0], true
}
