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
		p := filepath.Join("testdata", dir, n)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ins = append(ins, Input{Name: p, Data: b, Explicit: true})
	}
	s, err := Load(ins)
	if err != nil {
		t.Fatalf("%s: %v", strings.Join(names, ", "), err)
	}
	return s
}
