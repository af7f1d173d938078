package ui_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/amha-dev/kubectl-amha/pkg/checks"
	"github.com/amha-dev/kubectl-amha/pkg/mesh"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/ui"
)

// A member of an unauthenticated mesh chooses its own name: whatever it is, the report prints
// it and the terminal never obeys it.
func hostileCluster(s string) model.Cluster {
	evil := model.Member{Name: s, Address: s + ":9094"}
	a := replica(0, 0, 0, 0, 1)
	a.Status.Peers = append(a.Status.Peers, evil)
	a.Status.Version = s
	b := replica(1, 1, 0, 0, 1)
	b.Error = "status: " + s
	b.Status, b.Metrics = nil, nil
	c := cluster(a, b)
	c.Name = s
	checks.Analyze(&c, checks.Options{Now: collectedAt})
	c.Matrix = mesh.Build(&c)
	return c
}

// inert reports the first byte or rune of out that could act on a terminal.
func inert(out string) (string, bool) {
	for i, r := range out {
		switch {
		case r == utf8.RuneError && strings.HasPrefix(out[i:], "\xef\xbf\xbd") == false:
			return out[i:min(i+4, len(out))], false
		case r == '\n':
		case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return string(r), false
		}
	}
	return "", true
}

func renderHostile(t testing.TB, s string) string {
	var b bytes.Buffer
	c := hostileCluster(s)
	if err := ui.WriteText(&b, []model.Cluster{c}, ui.NewStyles(false), ui.TextOptions{Wide: true}); err != nil {
		t.Fatal(err)
	}
	if err := ui.WriteFindings(&b, c.Findings, ui.NewStyles(false), "none"); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestWriteTextHostileStrings(t *testing.T) {
	for _, s := range []string{
		"\x1b]0;owned\x07",               // retitle the terminal
		"\x1b[2J\x1b[H",                  // wipe the screen
		"\x1b]52;c;ZWNobyBvd25lZA==\x07", // write the clipboard
		"ok\nall healthy: 3 of 3 ready",  // forge a line
		"\u202eydaer\u202c",              // reorder what is shown
		"\x9b2J",                         // C1 CSI
		"\xff\xfe not UTF-8",
	} {
		out := renderHostile(t, s)
		if bad, ok := inert(out); !ok {
			t.Errorf("%q reached the output as %q:\n%s", s, bad, out)
		}
		if strings.Contains(out, "\nall healthy") {
			t.Errorf("%q forged a line:\n%s", s, out)
		}
	}
	if got := ui.Clean("a\x1b[2Jb\u202e"); got != `a\x1b[2Jb\u202e` {
		t.Errorf("Clean: %q", got)
	}
	if got := ui.CleanText("line 1\nline\x07 2\t."); got != "line 1\nline\\x07 2\t." {
		t.Errorf("CleanText: %q", got)
	}
}

// FuzzWriteText: no string a replica sends puts a control byte in the text report.
func FuzzWriteText(f *testing.F) {
	for _, s := range []string{"am-0", "\x1b]0;x\x07", "a\nb", "\u202e", "\x9b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := renderHostile(t, s)
		if bad, ok := inert(out); !ok {
			t.Fatalf("%q reached the output as %q", s, bad)
		}
	})
}

// hugeMesh is a healthy 3-replica cluster whose first replica also lists n foreign members.
func hugeMesh(n int) model.Cluster {
	a := replica(0, 0, 0, 0, 1, 2)
	for i := range n {
		a.Status.Peers = append(a.Status.Peers, model.Member{Name: fmt.Sprintf("m%d", i), Address: fmt.Sprintf("10.9.%d.%d:9094", i/256%256, i%256)})
	}
	c := cluster(a, replica(1, 1, 0, 0, 1, 2), replica(2, 2, 0, 0, 1, 2))
	checks.Analyze(&c, checks.Options{Now: collectedAt})
	c.Matrix = mesh.Build(&c)
	return c
}

// A mesh anyone can join may list any number of members: the text report shows the replicas
// and a count of the rest, not a 10,000-column matrix.
func TestWriteTextHugeMesh(t *testing.T) {
	var b bytes.Buffer
	c := hugeMesh(10_000)
	if err := ui.WriteText(&b, []model.Cluster{c}, ui.NewStyles(false), ui.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); len(out) > 64<<10 || !strings.Contains(out, "and 9971 more members, not shown") || !strings.Contains(out, "and 9990 more") {
		t.Errorf("%d bytes of text for 10,003 members:\n%.3000s", len(out), out)
	}
}

// BenchmarkWriteTextHugeMesh: from collection to text, 100,000 members (it took over two
// minutes when the matrix had a column per member).
func BenchmarkWriteTextHugeMesh(b *testing.B) {
	c := hugeMesh(100_000)
	for b.Loop() {
		var out bytes.Buffer
		if err := ui.WriteText(&out, []model.Cluster{c}, ui.NewStyles(false), ui.TextOptions{Wide: true}); err != nil {
			b.Fatal(err)
		}
	}
}
