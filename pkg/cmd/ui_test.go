package cmd

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/creack/pty"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/amha-dev/kubectl-amha/internal/amtest"
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
// shorthands, defaults and help, so the three cannot drift apart.
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
	ui.VisitAll(func(f *pflag.Flag) {
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

// buildBinary builds kubectl-amha as a release does (stripped, -trimpath) into a test
// directory.
func buildBinary(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "kubectl-amha")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "github.com/amha-dev/kubectl-amha/cmd/kubectl-amha")
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// ptyProc is the binary running in a pseudo-terminal, with what it wrote there.
type ptyProc struct {
	cmd     *exec.Cmd
	pty     *os.File
	started time.Time
	exited  chan error

	mu   sync.Mutex
	out  bytes.Buffer
	read chan struct{} // closed when the terminal is closed
}

// startPTY runs bin with args in a cols x rows terminal, without colour; it is killed at the
// end of the test if it still runs.
func startPTY(tb testing.TB, bin string, cols, rows uint16, args ...string) *ptyProc {
	tb.Helper()
	p := &ptyProc{cmd: exec.Command(bin, args...), exited: make(chan error, 1), read: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), "NO_COLOR=1", "TERM=xterm-256color")
	f, err := pty.StartWithSize(p.cmd, &pty.Winsize{Cols: cols, Rows: rows})
	if err != nil {
		tb.Fatal(err)
	}
	p.pty, p.started = f, time.Now()
	go func() { p.exited <- p.cmd.Wait() }()
	go func() {
		defer close(p.read)
		buf := make([]byte, 32<<10)
		for {
			n, err := f.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	tb.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		f.Close()
	})
	return p
}

// raw is everything written to the terminal; text is the same without escape sequences.
func (p *ptyProc) raw() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func (p *ptyProc) text() string { return ansi.Strip(p.raw()) }

// waitFor waits until want appears in the text after offset from, and returns where it ends.
// The renderer writes each changed line whole, so a phrase of one line arrives in one piece.
func (p *ptyProc) waitFor(tb testing.TB, want string, from int, timeout time.Duration) int {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		txt := p.text()
		if i := strings.Index(txt[min(from, len(txt)):], want); i >= 0 {
			return from + i + len(want)
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%q not on screen within %s; screen so far (last 3000 bytes):\n%s", want, timeout, txt[max(0, len(txt)-3000):])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *ptyProc) press(tb testing.TB, keys string) {
	tb.Helper()
	if _, err := p.pty.Write([]byte(keys)); err != nil {
		tb.Fatal(err)
	}
}

// quit presses q and checks that the program exits 0 within 5s, leaving no process behind.
func (p *ptyProc) quit(tb testing.TB) {
	tb.Helper()
	p.press(tb, "q")
	select {
	case err := <-p.exited:
		if err != nil {
			tb.Fatalf("exit after q: %v\n%s", err, p.text())
		}
	case <-time.After(5 * time.Second):
		tb.Fatalf("still running 5s after q")
	}
	// pty.Start made the program a session and process group leader: nothing of it is left
	// when signalling the group finds no process.
	if err := syscall.Kill(-p.cmd.Process.Pid, 0); !errors.Is(err, syscall.ESRCH) {
		tb.Fatalf("processes left in the group of kubectl-amha: kill(-pgid, 0) = %v", err)
	}
	<-p.read
}

// memory is the process's resident memory in MiB, all of it and its anonymous part (what it
// allocated, as opposed to the pages of its binary).
func (p *ptyProc) memory() (rss, anon float64) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p.cmd.Process.Pid), "status"))
	if err != nil {
		return 0, 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(l, ":")
		kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		switch k {
		case "VmRSS":
			rss = kb / 1024
		case "RssAnon":
			anon = kb / 1024
		}
	}
	return rss, anon
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
	bin := buildBinary(t)
	c := amtest.Start(t, 3, amtest.Options{})

	// bubbletea's init would ask the terminal for its background colour, and wait 5s for an
	// answer this pty never gives, in every command: see ui/tui/noquery.
	v := startPTY(t, bin, 80, 24, "version")
	select {
	case <-v.exited:
	case <-time.After(3 * time.Second):
		t.Fatal("version still running after 3s: waiting for a terminal answer?")
	}
	<-v.read
	if raw := v.raw(); strings.Contains(raw, "\x1b]11;?") || strings.Contains(raw, "\x1b[6n") {
		t.Fatalf("version queried the terminal: %q", raw)
	}

	const interval = time.Second
	p := startPTY(t, bin, 80, 24, append([]string{"ui", "--interval", interval.String()}, urlArgs(c.URLs())...)...)
	p.waitFor(t, "amha", 0, 2*time.Second)
	at := p.waitFor(t, "3 of 3 peers", 0, 10*time.Second)
	p.waitFor(t, "3 of 3 answer", 0, time.Second)
	rss, anon := p.memory()
	t.Logf("first snapshot on screen %s after start; resident memory %.1f MiB (%.1f MiB allocated)",
		time.Since(p.started).Round(10*time.Millisecond), rss, anon)

	c.Replicas[2].Stop()
	stopped := time.Now()
	p.waitFor(t, "2 of 3 answer", at, 3*interval+2*time.Second)
	t.Logf("the stopped replica shows as lost %s after it stopped (interval %s)", time.Since(stopped).Round(10*time.Millisecond), interval)
	p.waitFor(t, "2 of 3 peers", at, 15*time.Second)
	p.press(t, "3")
	p.waitFor(t, "stopped answering", at, 3*time.Second)

	p.quit(t)
	raw := p.raw()
	if !strings.Contains(raw, "\x1b[?1049l") {
		t.Error("the alternate screen was not left on exit")
	}
	if m := colourSGR.FindString(raw); m != "" {
		t.Errorf("colour escape %q with NO_COLOR set", m)
	}
}

// BenchmarkTUIProcess runs the released binary's live view against 9 real replicas at
// 120x40, refreshing every second, and reports its resident memory (target: under 50 MiB)
// and how long the first snapshot takes to reach the screen.
func BenchmarkTUIProcess(b *testing.B) {
	bin := buildBinary(b)
	c := amtest.Start(b, 9, amtest.Options{})
	var rss, anon, first float64
	for b.Loop() {
		p := startPTY(b, bin, 120, 40, append([]string{"ui", "--interval", "1s"}, urlArgs(c.URLs())...)...)
		p.waitFor(b, "9 of 9 peers", 0, 10*time.Second)
		first += time.Since(p.started).Seconds() * 1000
		time.Sleep(2500 * time.Millisecond) // two more refreshes
		r, a := p.memory()
		rss, anon = max(rss, r), max(anon, a)
		p.quit(b)
	}
	b.ReportMetric(rss, "MiB-rss")
	b.ReportMetric(anon, "MiB-anon")
	b.ReportMetric(first/float64(b.N), "ms-to-first-view")
}
