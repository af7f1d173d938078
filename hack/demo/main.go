// Command demo starts a local Alertmanager cluster on loopback with a typical fault, runs
// `kubectl-amha status --url ...` against it, and tears it down (also on Ctrl-C).
//
//	go run ./hack/demo [--scenario island|drift|disabled|healthy] [--amha bin/kubectl-amha]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/localcluster"
)

type scenario struct {
	about    string
	opts     localcluster.Options
	wait     func(ctx context.Context, c *localcluster.Cluster) error
	wantExit int
}

var scenarios = map[string]scenario{
	"healthy": {
		about:    "three replicas that all peer with each other",
		wait:     func(ctx context.Context, c *localcluster.Cluster) error { return c.WaitMesh(ctx, 3) },
		wantExit: 0,
	},
	"island": {
		about: "replica 2 lists only itself in --cluster.peer, so it forms an island; Prometheus (here: the demo) " +
			"sends an alert to replicas 0 and 1 only, and a silence is created on the island",
		opts: localcluster.Options{Peers: func(i int, a []string) []string {
			if i == 2 {
				return a[2:]
			}
			return a[:2]
		}},
		wait: func(ctx context.Context, c *localcluster.Cluster) error {
			for i, n := range []int{2, 2, 1} {
				if _, err := c.Replicas[i].WaitStatus(ctx, func(s localcluster.StatusView) bool {
					return s.Cluster.Status == "ready" && len(s.Cluster.Peers) == n
				}); err != nil {
					return err
				}
			}
			if err := localcluster.PostAlerts(ctx, c.URLs()[:2], map[string]string{"alertname": "DiskFull", "instance": "db-1"}); err != nil {
				return err
			}
			_, err := localcluster.PostSilence(ctx, c.Replicas[2].URL(), "team", "db", time.Hour)
			return err
		},
		wantExit: 1,
	},
	"drift": {
		about: "replica 2 runs a different alertmanager.yml (it groups by cluster too)",
		opts: localcluster.Options{ConfigFor: func(i int) string {
			if i == 2 {
				return strings.Replace(localcluster.DefaultConfig, "[alertname]", "[alertname, cluster]", 1)
			}
			return localcluster.DefaultConfig
		}},
		wait:     func(ctx context.Context, c *localcluster.Cluster) error { return c.WaitMesh(ctx, 3) },
		wantExit: 1,
	},
	"disabled": {
		about: "replica 2 runs with --cluster.listen-address= (empty): clustering off",
		opts: localcluster.Options{Args: func(i int) []string {
			if i == 2 {
				return []string{"--cluster.listen-address="}
			}
			return nil
		}},
		wait: func(ctx context.Context, c *localcluster.Cluster) error {
			for i := range 2 {
				if _, err := c.Replicas[i].WaitStatus(ctx, func(s localcluster.StatusView) bool { return len(s.Cluster.Peers) == 2 }); err != nil {
					return err
				}
			}
			return nil
		},
		wantExit: 1,
	},
}

func main() {
	name := flag.String("scenario", "island", "healthy, island, drift or disabled")
	amha := flag.String("amha", "bin/kubectl-amha", "the kubectl-amha binary to run")
	flag.Parse()
	if err := run(*name, *amha); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(name, amha string) error {
	sc, ok := scenarios[name]
	if !ok {
		return fmt.Errorf("unknown scenario %q (healthy, island, drift, disabled)", name)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sc.opts.Progress = os.Stderr
	fmt.Fprintf(os.Stderr, "demo: starting 3 Alertmanager replicas on 127.0.0.1: %s\n", sc.about)
	c, err := localcluster.Start(ctx, 3, sc.opts)
	if err != nil {
		return err
	}
	defer c.Close()
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := sc.wait(wctx, c); err != nil {
		return err
	}
	// The alerts were posted a moment ago: compare them at once rather than after the usual grace.
	args := []string{"status", "--alert-grace=0s"}
	for _, u := range c.URLs() {
		args = append(args, "--url", u)
	}
	fmt.Fprintf(os.Stderr, "demo: %s %s\n\n", amha, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, amha, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	err = cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "\ndemo: kubectl-amha exited %d (expected %d for this scenario); stopping the replicas\n", code, sc.wantExit)
	if code != sc.wantExit {
		return fmt.Errorf("unexpected exit code %d", code)
	}
	return nil
}
