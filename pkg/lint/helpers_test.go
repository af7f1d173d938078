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

// testOnly is the one finding of id in fs whose message holds phrase. With phrase "" no
// finding of id may be there, and ok is false.
func testOnly(t *testing.T, fs []model.Finding, id, phrase string) (f model.Finding, ok bool) {
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
		t.Fatalf("want one %s saying %q, got %d: %+v", id, phrase, len(hits), hits)
	}
	return hits[0], true
}

// oneFindingAt is testOnly that also wants the finding's first location at line:col.
func oneFindingAt(t *testing.T, fs []model.Finding, id, phrase string, line, col int) (model.Finding, bool) {
	t.Helper()
	f, ok := testOnly(t, fs, id, phrase)
	if ok {
		if l := f.Locations[0]; l.Line != line || l.Column != col {
			t.Errorf("first location %s, want line %d column %d", l, line, col)
		}
	}
	return f, ok
}
