package lint

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

var topName = regexp.MustCompile(`(?m)^  name: `)

// stream is n objects: copies of the operator-shape manifest (a Secret, two Services and a
// StatefulSet per copy), each copy renamed and in its own namespace, so that every StatefulSet is its own cluster.
func stream(tb testing.TB, n int) []byte {
	tb.Helper()
	b, err := os.ReadFile("../../test/rig/manifests/operator-shape.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	docs := strings.Count(string(b), "\n---\n") + 1
	perCopy := strings.Count(string(b), "\nkind: ")
	if perCopy == 0 {
		tb.Fatal("operator-shape.yaml has no objects")
	}
	var out bytes.Buffer
	for i := 0; i*perCopy < n; i++ {
		// Each copy is its own cluster in its own namespace, as in a real cluster-wide dump:
		// the Services of one namespace select only that namespace's pods.
		s := strings.ReplaceAll(string(b), "alertmanager-main", fmt.Sprintf("am%d", i))
		s = topName.ReplaceAllString(s, fmt.Sprintf("  namespace: ns%d\n  name: ", i))
		out.WriteString(s)
		out.WriteString("\n---\n")
		if i*docs > 10*n {
			tb.Fatal("stream does not grow")
		}
	}
	return out.Bytes()
}

func BenchmarkLint(b *testing.B) {
	for _, n := range []int{500, 1000, 2000} {
		data := stream(b, n)
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				r, err := Lint([]Input{{Name: "stream.yaml", Data: data, Explicit: true}})
				if err != nil {
					b.Fatal(err)
				}
				if r.Read.Objects < n {
					b.Fatalf("read %d objects, want %d", r.Read.Objects, n)
				}
			}
		})
	}
}

func TestStreamSize(t *testing.T) {
	r, err := Lint([]Input{{Name: "stream.yaml", Data: stream(t, 2000), Explicit: true}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Read.Objects < 2000 || r.Read.Workloads < 500 {
		t.Fatalf("read %+v", r.Read)
	}
}
