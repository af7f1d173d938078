package cmd

import (
	"bytes"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// BenchmarkStatusRTT puts a 20ms round trip (as through an API server's port-forward, or a
// WAN) in front of each replica. Everything is asked concurrently, so 9 replicas should cost
// about what 1 does (target: at most 1.3x), not 9 times as much.
func BenchmarkStatusRTT(b *testing.B) {
	for _, n := range []int{1, 9} {
		b.Run(fmt.Sprintf("replicas=%d", n), func(b *testing.B) {
			c := amtest.Start(b, n, amtest.Options{Options: quietGossip})
			var urls []string
			for _, p := range c.Replicas {
				urls = append(urls, "http://"+delayProxy(b, p.WebAddr, 20*time.Millisecond))
			}
			benchStatus(b, urls)
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

// delayProxy forwards 127.0.0.1 connections to backend; the first chunk of each answer waits d.
func delayProxy(b *testing.B, backend string, d time.Duration) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	b.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close() // idle keep-alive connections would otherwise stay open
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", backend)
			if err != nil {
				in.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, in, out)
			mu.Unlock()
			var asked atomic.Bool
			wg.Add(2)
			go func() { // client to backend
				defer wg.Done()
				defer out.Close()
				buf := make([]byte, 32<<10)
				for {
					n, err := in.Read(buf)
					if n > 0 {
						asked.Store(true)
						if _, err := out.Write(buf[:n]); err != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
			go func() { // backend to client, one round trip per request
				defer wg.Done()
				defer in.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := out.Read(buf)
					if n > 0 {
						if asked.Swap(false) {
							time.Sleep(d)
						}
						if _, err := in.Write(buf[:n]); err != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}
