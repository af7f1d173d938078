package cmd

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/hostile"
	"github.com/amha-dev/kubectl-amha/internal/ptytest"
)

// Ctrl-C while status waits on replicas that do not answer: no report is built from the
// cancelled requests (no mesh/unreachable, no exit 1), "interrupted" and exit 130, at once.
func TestStatusInterrupted(t *testing.T) {
	url := hostile.Serve(t, hostile.Hang())

	bin := ptytest.Build(t)
	// Late (the requests in flight) and early (before any request: the signal must not be lost).
	for _, after := range []time.Duration{700 * time.Millisecond, 30 * time.Millisecond} {
		cmd := exec.Command(bin, "status", "--url", url, "--url", url+"/b", "--request-timeout", "30s", "-o", "json")
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(after)
		start := time.Now()
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		took := time.Since(start)
		code := cmd.ProcessState.ExitCode()
		killed := code == -1 // the signal came before Go's runtime could pass it on: still a stop
		if !killed && (code != ExitInterrupted || out.Len() != 0 || strings.TrimSpace(errOut.String()) != "error: interrupted") {
			t.Errorf("SIGINT %s after start: exit %d (%v), stdout %q, stderr %q; want 130, nothing, \"error: interrupted\"", after, code, err, out.String(), errOut.String())
		}
		if took > 5*time.Second {
			t.Errorf("SIGINT %s after start: status took %s to stop", after, took)
		}
	}
}

// A second signal does not wait for the clean-up of the first.
func TestInterruptibleSecondSignalExitsAtOnce(t *testing.T) {
	exited := make(chan int, 1)
	exitNow = func(code int) { exited <- code }
	defer func() { exitNow = os.Exit }()
	var errOut bytes.Buffer
	ctx, stop := interruptible(t.Context(), &errOut)
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the first SIGINT did not end the context")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exited:
		if code != ExitInterrupted || !strings.Contains(errOut.String(), "interrupted twice") {
			t.Errorf("exit %d, stderr %q", code, errOut.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the second signal did not exit")
	}
}
