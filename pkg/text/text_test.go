package text_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/amha-dev/kubectl-amha/pkg/text"
)

func TestDiffLines(t *testing.T) {
	many := func(n int, prefix string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "%s%d\n", prefix, i)
		}
		return b.String()
	}
	for _, tc := range []struct {
		name  string
		a, b  string
		limit int
		want  []string
	}{
		{name: "equal", a: "a\nb\nc\n", b: "a\nb\nc\n", limit: 40, want: nil},
		{name: "both empty", a: "", b: "", limit: 40, want: nil},
		{name: "line added", a: "a\nc\n", b: "a\nb\nc\n", limit: 40, want: []string{"+ b"}},
		{name: "line removed", a: "a\nb\nc\n", b: "a\nc\n", limit: 40, want: []string{"- b"}},
		// A changed line shows as the insertion first, then the deletion.
		{name: "line changed", a: "a\nb\nc", b: "a\nx\nc", limit: 40, want: []string{"+ x", "- b"}},
		{name: "appended at the end", a: "a\n", b: "a\nb\nc\n", limit: 40, want: []string{"+ b", "+ c"}},
		{name: "removed at the start", a: "x\ny\na\n", b: "a\n", limit: 40, want: []string{"- x", "- y"}},
		{name: "indentation kept", a: "route:\n  receiver: a\n", b: "route:\n  receiver: b\n", limit: 40,
			want: []string{"+   receiver: b", "-   receiver: a"}},
		{name: "trailing newline only", a: "a", b: "a\n", limit: 40, want: []string{"+ "}},
		{name: "moved line", a: "a\nb\nc\n", b: "b\nc\na\n", limit: 40, want: []string{"- a", "+ a"}},
		{name: "limit reached", a: "a\nb\nc\n", b: "x\ny\nz\n", limit: 2, want: []string{"+ x", "+ y", "..."}},
		{name: "exactly at the limit", a: "a\n", b: "x\n", limit: 2, want: []string{"+ x", "- a"}},
		{name: "too large", a: many(5001, "l"), b: "x\n", limit: 40, want: []string{"(configurations too large to diff)"}},
		{name: "large but within bounds", a: many(1000, "l"), b: many(999, "l"), limit: 40, want: []string{"- l999"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := text.DiffLines(tc.a, tc.b, tc.limit)
			if strings.Join(got, "\x00") != strings.Join(tc.want, "\x00") || len(got) != len(tc.want) {
				t.Fatalf("DiffLines(%.40q, %.40q, %d)\n got  %q\n want %q", tc.a, tc.b, tc.limit, got, tc.want)
			}
		})
	}
}

func TestOr(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"json"}, "json"},
		{[]string{"table", "json"}, "table or json"},
		{[]string{"text", "json", "yaml", "sarif"}, "text, json, yaml or sarif"},
	} {
		if got := text.Or(tc.in); got != tc.want {
			t.Errorf("Or(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
