package cmd

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/amha-dev/kubectl-amha/internal/amtest"
	"github.com/amha-dev/kubectl-amha/internal/ptytest"
)

func subcommand(t *testing.T, root *cobra.Command, name string) *cobra.Command {
	t.Helper()
	c, _, err := root.Find([]string{name})
	if err != nil || c.Name() != name {
		t.Fatalf("no %s command: %v", name, err)
	}
	return c
}

// TestUIFlagsMatchStatus: ui and the bare root take status's flags with status's names,
// shorthands, defaults and help, so the three cannot drift apart; ui's drill flags (for its
// Drills tab) are drill's, likewise.
func TestUIFlagsMatchStatus(t *testing.T) {
	root := NewRoot(genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}})
	status := subcommand(t, root, "status").Flags()
	same := func(where string, f *pflag.Flag) {
		s := status.Lookup(f.Name)
		if s == nil {
			t.Errorf("%s --%s: status has no such flag", where, f.Name)
			return
		}
		if s.Shorthand != f.Shorthand || s.DefValue != f.DefValue || s.Usage != f.Usage || s.Value.Type() != f.Value.Type() {
			t.Errorf("%s --%s differs from status's:\n  %q %q %q %s\n  %q %q %q %s", where, f.Name,
				f.Shorthand, f.DefValue, f.Usage, f.Value.Type(), s.Shorthand, s.DefValue, s.Usage, s.Value.Type())
		}
	}
	ui := subcommand(t, root, "ui").Flags()
	drill := subcommand(t, root, "drill").Flags()
	ui.VisitAll(func(f *pflag.Flag) {
		if d := drill.Lookup(f.Name); d != nil && status.Lookup(f.Name) == nil {
			if d.DefValue != f.DefValue || d.Usage != f.Usage || d.Value.Type() != f.Value.Type() {
				t.Errorf("ui --%s differs from drill's", f.Name)
			}
			return
		}
		if f.Name != "interval" {
			same("ui", f)
		}
	})
	for _, report := range []string{"output", "probe", "probe-timeout"} {
		if ui.Lookup(report) != nil {
			t.Errorf("ui has --%s, which only a one-off report needs", report)
		}
	}
	status.VisitAll(func(f *pflag.Flag) {
		if r := root.Flags().Lookup(f.Name); r == nil {
			t.Errorf("kubectl amha (no subcommand) lacks status's --%s", f.Name)
		} else {
			same("root", r)
		}
	})
}

// TestUIRootWithoutTerminal: kubectl amha without a subcommand, its output not a terminal,
// is status.
func TestUIRootWithoutTerminal(t *testing.T) {
	out, errOut, code := run(t, "--url", "http://127.0.0.1:1", "--request-timeout", "2s")
	if code != ExitNoCheck || !strings.Contains(errOut, "no replica answered") || !strings.Contains(out, "unreachable") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if _, errOut, code := run(t, "statsu"); code != ExitNoCheck || !strings.Contains(errOut, `unknown command "statsu"`) {
		t.Fatalf("a mistyped subcommand: exit %d, stderr %s", code, errOut)
	}
}

func TestUINeedsTerminal(t *testing.T) {
	_, errOut, code := run(t, "ui", "--url", "http://127.0.0.1:1")
	if code != ExitNoCheck || !strings.Contains(errOut, "ui needs a terminal") {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
}

// colourSGR matches an escape sequence that sets a foreground colour.
var colourSGR = regexp.MustCompile(`\x1b\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|38)(?:;[0-9;]*)?m`)

// TestUIEndToEnd runs the real binary in a pseudo-terminal against three real replicas: the
// view shows 3 of 3 peers, shows the loss of a stopped replica within a few refreshes, and q
// quits at once with exit 0 and nothing left running.
func TestUIEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs real replicas")
	}
	bin := ptytest.Build(t)
	c := amtest.Start(t, 3, amtest.Options{})

	// bubbletea's init would ask the terminal for its background colour, and wait 5s for an
	// answer this pty never gives, in every command: see ui/tui/noquery.
	v := ptytest.Start(t, bin, 80, 24, "version")
	select {
	case <-v.Exited:
	case <-time.After(3 * time.Second):
		t.Fatal("version still running after 3s: waiting for a terminal answer?")
	}
	<-v.Read
	if raw := v.Raw(); strings.Contains(raw, "\x1b]11;?") || strings.Contains(raw, "\x1b[6n") {
		t.Fatalf("version queried the terminal: %q", raw)
	}

	const interval = time.Second
	p := ptytest.Start(t, bin, 80, 24, append([]string{"ui", "--interval", interval.String()}, urlArgs(c.URLs())...)...)
	p.WaitFor(t, "amha", 0, 2*time.Second)
	at := p.WaitFor(t, "3 of 3 peers", 0, 10*time.Second)
	p.WaitFor(t, "3 of 3 answer", 0, time.Second)
	rss, anon := p.Memory()
	t.Logf("first snapshot on screen %s after start; resident memory %.1f MiB (%.1f MiB allocated)",
		time.Since(p.Started).Round(10*time.Millisecond), rss, anon)

	c.Replicas[2].Stop()
	stopped := time.Now()
	p.WaitFor(t, "2 of 3 answer", at, 3*interval+2*time.Second)
	t.Logf("the stopped replica shows as lost %s after it stopped (interval %s)", time.Since(stopped).Round(10*time.Millisecond), interval)
	p.WaitFor(t, "2 of 3 peers", at, 15*time.Second)
	p.Press(t, "3")
	p.WaitFor(t, "stopped answering", at, 3*time.Second)

	p.Quit(t)
	raw := p.Raw()
	if !strings.Contains(raw, "\x1b[?1049l") {
		t.Error("the alternate screen was not left on exit")
	}
	if m := colourSGR.FindString(raw); m != "" {
		t.Errorf("colour escape %q with NO_COLOR set", m)
	}
}

// BenchmarkTUIProcess runs the released binary's live view against 9 real replicas at
// 120x40, refreshing every second, and reports its resident memory (target: under 50 MiB;
// the largest of the iterations) and how long the first snapshot takes to reach the screen.
// The binary is installed by copying, as krew does (ptytest.Build says why that matters).
func BenchmarkTUIProcess(b *testing.B) {
	bin := ptytest.Build(b)
	c := amtest.Start(b, 9, amtest.Options{})
	var rss, anon, first float64
	for b.Loop() {
		p := ptytest.Start(b, bin, 120, 40, append([]string{"ui", "--interval", "1s"}, urlArgs(c.URLs())...)...)
		p.WaitFor(b, "9 of 9 peers", 0, 10*time.Second)
		first += time.Since(p.Started).Seconds() * 1000
		time.Sleep(2500 * time.Millisecond) // two more refreshes
		r, a := p.Memory()
		rss, anon = max(rss, r), max(anon, a)
		p.Quit(b)
	}
	b.ReportMetric(rss, "MiB-rss")
	b.ReportMetric(anon, "MiB-anon")
	b.ReportMetric(first/float64(b.N), "ms-to-first-view")
}
