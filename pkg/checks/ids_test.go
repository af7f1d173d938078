package checks_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/amha-dev/kubectl-amha/pkg/checks"
)

var idRE = regexp.MustCompile(`^(mesh|prometheus)/[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// idFiles maps every id returned by an ID method in the package's sources to the file that
// declares it.
func idFiles(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Name.Name != "ID" || fn.Body == nil || len(fn.Body.List) != 1 {
				continue
			}
			ret, ok := fn.Body.List[0].(*ast.ReturnStmt)
			if !ok || len(ret.Results) != 1 {
				continue
			}
			lit, ok := ret.Results[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				continue
			}
			id, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			if prev, dup := out[id]; dup {
				t.Errorf("id %s declared in %s and %s", id, prev, name)
			}
			out[id] = name
		}
	}
	return out
}

func fileOf(id string) string {
	return strings.ReplaceAll(strings.ReplaceAll(id, "/", "_"), "-", "_") + ".go"
}

func TestIDsUniqueAndNamedAfterTheirFile(t *testing.T) {
	all := checks.All()
	if len(all) == 0 {
		t.Fatal("checks.All() is empty")
	}
	declared := idFiles(t)
	seen := map[string]bool{}
	for _, c := range all {
		id := c.ID()
		if seen[id] {
			t.Errorf("id %s is listed twice in All()", id)
		}
		seen[id] = true
		if !idRE.MatchString(id) {
			t.Errorf("id %q is not <area>/<name> in lower-case kebab case", id)
			continue
		}
		want := fileOf(id)
		if _, err := os.Stat(want); err != nil {
			t.Errorf("id %s: no file %s", id, want)
		}
		if got, ok := declared[id]; !ok {
			t.Errorf("id %s: no ID method returns it literally", id)
		} else if got != want {
			t.Errorf("id %s is declared in %s, want %s", id, got, want)
		}
	}
	// Checks are wired by hand: one that is written but not listed never runs.
	for id, file := range declared {
		if !seen[id] {
			t.Errorf("%s declares check %s, which is missing from checks.All()", file, id)
		}
	}
}

func TestFileOf(t *testing.T) {
	for id, want := range map[string]string{
		"mesh/unreachable":            "mesh_unreachable.go",
		"mesh/missing-peer":           "mesh_missing_peer.go",
		"prometheus/not-all-replicas": "prometheus_not_all_replicas.go",
	} {
		if got := fileOf(id); got != want {
			t.Errorf("fileOf(%q) = %q, want %q", id, got, want)
		}
	}
}
