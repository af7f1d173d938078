package cmd

import (
	"bytes"
	"fmt"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/amha-dev/kubectl-amha/internal/amtest"
)

// BenchmarkStatus runs `status --url ... -o json` against 1 and 9 real replicas. Everything is
// concurrent, so 9 replicas should cost little more than 1 (target: at most 1.3x).
func BenchmarkStatus(b *testing.B) {
	for _, n := range []int{1, 9} {
		b.Run(fmt.Sprintf("replicas=%d", n), func(b *testing.B) {
			c := amtest.Start(b, n, amtest.Options{})
			args := append([]string{"status", "-o", "json"}, urlArgs(c.URLs())...)
			b.ResetTimer()
			for range b.N {
				var out bytes.Buffer
				root := NewRoot(genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &out})
				root.SetArgs(args)
				if err := root.Execute(); err != nil {
					b.Fatalf("status: %v\n%s", err, out.String())
				}
			}
		})
	}
}
