package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// ExitInterrupted is the conventional exit code of a program stopped by SIGINT (128 + 2).
const ExitInterrupted = 130

// errInterrupted is what a command returns when the user stopped it: nothing it had not
// finished is reported.
var errInterrupted = &ExitError{Code: ExitInterrupted, Err: errors.New("interrupted")}

// exitNow ends the process at a second signal; a variable so that tests can see it called.
var exitNow = os.Exit

// interruptible returns a context that ends at the first SIGINT or SIGTERM, so that every step
// checking it winds down (port-forwards closed, the probe's silence expired). A second signal
// does not wait for that: it says so on errOut and exits at once with ExitInterrupted.
func interruptible(parent context.Context, errOut io.Writer) (context.Context, context.CancelFunc) {
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-done:
			return
		}
		select {
		case <-sigs:
			fmt.Fprintln(errOut, "interrupted twice: exiting without cleaning up")
			exitNow(ExitInterrupted)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}
