// Package ptytest runs the kubectl-amha binary in a pseudo-terminal for end-to-end tests of
// the live view: what it writes, keys pressed, its memory, and a clean exit.
package ptytest

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/creack/pty"
)

// ReleaseTags are the build tags of a release (.goreleaser.yaml; test/release checks that
// the two agree). kustomize_disable_go_plugin_support drops kustomize's Go-plugin loader,
// which cli-runtime links: with the "plugin" package in it, the Go linker exports every
// symbol and keeps every exported method, which makes the binary a third larger and costs
// about 30 MiB resident in every amha process.
const ReleaseTags = "kustomize_disable_go_plugin_support"

// Build builds kubectl-amha as a release does (static, stripped, -trimpath, ReleaseTags)
// and installs it into a test directory as krew does, by copying it into place.
//
// The copy matters to memory figures: how many of the binary's pages a process maps, and so
// its VmRSS, depends on how the kernel holds the file in its page cache. go build writes
// through a shared mapping, which leaves the file in large folios of which a fault maps a
// whole one; a file written with write(2), as an installer does, or read back in by exec after
// a reboot, is held in small ones. The benchmark measures the installed case.
func Build(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	built := filepath.Join(dir, "build", "kubectl-amha")
	build := exec.Command("go", "build", "-trimpath", "-tags="+ReleaseTags, "-ldflags=-s -w", "-o", built,
		"github.com/amha-dev/kubectl-amha/cmd/kubectl-amha")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	bin := filepath.Join(dir, "kubectl-amha")
	if err := install(built, bin); err != nil {
		tb.Fatal(err)
	}
	return bin
}

// install copies the binary from to to with plain writes, as krew's installer does.
func install(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(struct{ io.Writer }{dst}, src); err != nil { // plain writes: no copy_file_range
		dst.Close()
		return err
	}
	return dst.Close()
}

// Proc is the binary running in a pseudo-terminal, with what it wrote there.
type Proc struct {
	Cmd     *exec.Cmd
	pty     *os.File
	Started time.Time
	Exited  chan error

	mu   sync.Mutex
	out  bytes.Buffer
	Read chan struct{} // closed when the terminal is closed
}

// Start runs bin with args in a cols x rows terminal, without colour; it is killed at the
// end of the test if it still runs.
func Start(tb testing.TB, bin string, cols, rows uint16, args ...string) *Proc {
	tb.Helper()
	p := &Proc{Cmd: exec.Command(bin, args...), Exited: make(chan error, 1), Read: make(chan struct{})}
	p.Cmd.Env = append(os.Environ(), "NO_COLOR=1", "TERM=xterm-256color")
	f, err := pty.StartWithSize(p.Cmd, &pty.Winsize{Cols: cols, Rows: rows})
	if err != nil {
		tb.Fatal(err)
	}
	p.pty, p.Started = f, time.Now()
	go func() { p.Exited <- p.Cmd.Wait() }()
	go func() {
		defer close(p.Read)
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
		_ = p.Cmd.Process.Kill()
		f.Close()
	})
	return p
}

// Raw is everything written to the terminal; text is the same without escape sequences.
func (p *Proc) Raw() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func (p *Proc) Text() string { return ansi.Strip(p.Raw()) }

// WaitFor waits until want appears in the text after offset from, and returns where it ends.
// The renderer writes each changed line whole, so a phrase of one line arrives in one piece.
func (p *Proc) WaitFor(tb testing.TB, want string, from int, timeout time.Duration) int {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		txt := p.Text()
		if i := strings.Index(txt[min(from, len(txt)):], want); i >= 0 {
			return from + i + len(want)
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%q not on screen within %s; screen so far (last 3000 bytes):\n%s", want, timeout, txt[max(0, len(txt)-3000):])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *Proc) Press(tb testing.TB, keys string) {
	tb.Helper()
	if _, err := p.pty.Write([]byte(keys)); err != nil {
		tb.Fatal(err)
	}
}

// Quit presses q and checks that the program exits 0 within 5s, leaving no process behind.
func (p *Proc) Quit(tb testing.TB) {
	tb.Helper()
	p.Press(tb, "q")
	select {
	case err := <-p.Exited:
		if err != nil {
			tb.Fatalf("exit after q: %v\n%s", err, p.Text())
		}
	case <-time.After(5 * time.Second):
		tb.Fatalf("still running 5s after q")
	}
	// pty.Start made the program a session and process group leader: nothing of it is left
	// when signalling the group finds no process.
	if err := syscall.Kill(-p.Cmd.Process.Pid, 0); !errors.Is(err, syscall.ESRCH) {
		tb.Fatalf("processes left in the group of kubectl-amha: kill(-pgid, 0) = %v", err)
	}
	<-p.Read
}

// Memory is the process's resident memory in MiB, all of it and its anonymous part (what it
// allocated, as opposed to the pages of its binary).
func (p *Proc) Memory() (rss, anon float64) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p.Cmd.Process.Pid), "status"))
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
