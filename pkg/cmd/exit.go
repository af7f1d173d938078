package cmd

import (
	"errors"
	"fmt"
)

// Exit codes, in one place.
const (
	ExitOK       = 0 // healthy: no finding above info
	ExitFindings = 1 // at least one warning or error finding
	ExitNoCheck  = 2 // could not check: bad input, no access, nothing found
)

// ExitError carries an exit code; main prints Err once and exits with Code.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// usageError is bad input: exit 2.
func usageError(format string, a ...any) error {
	return &ExitError{Code: ExitNoCheck, Err: fmt.Errorf(format, a...)}
}

// findingsExit is the silent exit 1 when findings were printed.
var findingsExit = &ExitError{Code: ExitFindings}

// CodeOf is the exit code for an error returned by a command.
func CodeOf(err error) int {
	var e *ExitError
	if errors.As(err, &e) {
		return e.Code
	}
	return ExitNoCheck
}
