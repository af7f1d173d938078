package cmd

import (
	"compress/gzip"
	"flag"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite the golden files: testdata/snippets and the golden sections of testdata/script/*.txtar")

// TestMain lets scripts run kubectl-amha as a real process, exactly as cmd/kubectl-amha does.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"kubectl-amha": func() { os.Exit(Main(os.Args[1:])) },
	})
}

// TestScript runs the CLI end to end: go test ./pkg/cmd/ -run TestScript -update rewrites the
// golden sections of the archives from the real output.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Cmds:                map[string]func(*testscript.TestScript, bool, []string){"gzip": gzipCmd},
	})
}

// gzipCmd is the script command `gzip FILE`: it writes FILE.gz, a binary input for lint.
func gzipCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: gzip FILE")
	}
	f, err := os.Create(ts.MkAbs(args[0] + ".gz"))
	ts.Check(err)
	zw := gzip.NewWriter(f)
	_, err = zw.Write([]byte(ts.ReadFile(args[0])))
	ts.Check(err)
	ts.Check(zw.Close())
	ts.Check(f.Close())
}
