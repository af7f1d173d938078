package lint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
