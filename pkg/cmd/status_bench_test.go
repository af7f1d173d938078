package cmd

import (
	"bytes"
	"fmt"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/amha-dev/kubectl-amha/internal/amtest"
	"github.com/amha-dev/kubectl-amha/internal/localcluster"
)

// BenchmarkStatus runs `status --url ... -o json` against 1 and 9 real replicas on this
// machine. Here the replicas share its two cores with amha, so their own work (rendering
// /metrics, gossip) adds up: the figure measures this machine's two cores more than amha's
// concurrency, which the real-process tests show (every replica is asked at once).
func BenchmarkStatus(b *testing.B) {
	for _, n := range []int{1, 9} {
		b.Run(fmt.Sprintf("replicas=%d", n), func(b *testing.B) {
			c := amtest.Start(b, n, amtest.Options{Options: quietGossip})
			benchStatus(b, c.URLs())
		})
	}
}

// quietGossip uses Alertmanager's default gossip interval: the tests' fast one keeps nine
// replicas busy enough to distort a benchmark on two cores.
var quietGossip = localcluster.Options{Args: func(int) []string {
	return []string{"--cluster.gossip-interval=200ms", "--cluster.pushpull-interval=1m"}
}}

func benchStatus(b *testing.B, urls []string) {
	args := append([]string{"status", "-o", "json", "--request-timeout=30s"}, urlArgs(urls)...)
	b.ResetTimer()
	for range b.N {
		var out bytes.Buffer
		root := NewRoot(genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &out})
		root.SetArgs(args)
		if err := root.Execute(); err != nil {
			b.Fatalf("status: %v\n%s", err, out.String())
		}
	}
}
