// Command ambuild builds (once) and prints the paths of Alertmanager binaries built from the
// pinned Go module: `go run ./hack/ambuild [-print] [VERSION...]` (default: every tested version).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/amha-dev/kubectl-amha/internal/ambuild"
)

func main() {
	quiet := flag.Bool("print", false, "print only the binary paths")
	flag.Parse()
	versions := flag.Args()
	if len(versions) == 0 {
		versions = ambuild.Versions
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	progress := os.Stderr
	for _, v := range versions {
		p, err := ambuild.Ensure(ctx, v, progress)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ambuild:", err)
			os.Exit(1)
		}
		if *quiet {
			fmt.Println(p)
		} else {
			fmt.Printf("%s %s\n", v, p)
		}
	}
}
