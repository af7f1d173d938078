// Command ambuild builds (once) and prints the paths of Alertmanager binaries built from the
// pinned Go module: `go run ./hack/ambuild [-print] [-prometheus] [VERSION...]` (default: every
// tested version).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/amha-dev/kubectl-amha/internal/ambuild"
)

func main() {
	quiet := flag.Bool("print", false, "print only the binary paths")
	prom := flag.Bool("prometheus", false, "also build Prometheus "+ambuild.PrometheusVersion+" (for the wiring tests)")
	flag.Parse()
	versions := flag.Args()
	if len(versions) == 0 {
		versions = ambuild.Versions
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	type build struct {
		label string
		run   func(context.Context, io.Writer) (string, error)
	}
	var builds []build
	if *prom {
		builds = append(builds, build{"prometheus " + ambuild.PrometheusVersion, ambuild.EnsurePrometheus})
	}
	for _, v := range versions {
		builds = append(builds, build{"alertmanager " + v, func(ctx context.Context, w io.Writer) (string, error) { return ambuild.Ensure(ctx, v, w) }})
	}
	for _, b := range builds {
		p, err := b.run(ctx, os.Stderr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ambuild:", err)
			os.Exit(1)
		}
		if *quiet {
			fmt.Println(p)
		} else {
			fmt.Printf("%s %s\n", b.label, p)
		}
	}
}
