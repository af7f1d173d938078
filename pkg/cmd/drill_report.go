package cmd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/drill"
	"github.com/amha-dev/kubectl-amha/pkg/version"
	"github.com/amha-dev/kubectl-amha/ui"
)

// checkReportFile refuses, before anything runs, a --report path that could not be written at
// the end: its directory does not exist, or it names a directory.
func checkReportFile(path string) error {
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return usageError("--report %s: directory %s does not exist (the report is written there at the end of the run)", path, dir)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return usageError("--report %s: is a directory; name the HTML file to write", path)
	}
	return nil
}

// printReport prints the report in a structured -o format: JUnit XML, or the DrillReport's
// JSON or YAML (or a template applied to it).
func (o *drillOptions) printReport(rep drill.Report) error {
	return o.printReportMeta(rep, drillMeta(nil, ""))
}

// printReportMeta is printReport with what JUnit says beyond the report (an interruption).
func (o *drillOptions) printReportMeta(rep drill.Report, meta ui.DrillMeta) error {
	if o.output == "junit" {
		return ui.WriteDrillJUnit(o.streams.Out, rep, meta)
	}
	return templateErr(o.output, ui.Write(o.streams.Out, o.output, "DrillReport", rep))
}

// structuredOutput tells whether -o prints a document (JSON, YAML, a template, JUnit) rather
// than the text for people.
func (o *drillOptions) structuredOutput() bool {
	return structured(o.output) || o.output == "junit"
}

// drillMeta is what the files say beyond the report: this kubectl-amha, the time, and whether
// runErr is the run's interruption (then interrupted names the drill it stopped in).
func drillMeta(runErr error, interrupted string) ui.DrillMeta {
	return ui.DrillMeta{Version: version.Get().Line(), Date: time.Now(), Interrupted: errors.Is(runErr, errInterrupted), InterruptedDrill: interrupted}
}

// writeReportFile writes --report once the run has ended, however it ended: the plan of a dry
// run, the reason of a run that stopped, what was known when it was interrupted. runErr is the
// run's own result: returned as it is, unless the report could not be written after a run
// that succeeded (exit 2).
func (o *drillOptions) writeReportFile(r *drillRun, runErr error) error {
	if o.reportFile == "" || r == nil {
		return runErr
	}
	err := writeFileAtomic(o.reportFile, func(f *os.File) error {
		return ui.WriteDrillHTML(f, r.report, drillMeta(runErr, r.interrupted))
	})
	if err != nil {
		err = fmt.Errorf("--report %s: %w", o.reportFile, err)
		if runErr == nil {
			return &ExitError{Code: ExitNoCheck, Err: err}
		}
		fmt.Fprintln(o.streams.ErrOut, err)
		return runErr
	}
	fmt.Fprintf(o.streams.ErrOut, "The report: %s\n", o.reportFile)
	return runErr
}

// writeFileAtomic writes path through a temporary file in its directory, renamed over it once
// complete: a failure (or a kill) never leaves a partial report, and a reader never sees one.
func writeFileAtomic(path string, write func(*os.File) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = write(f)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

// liveEvents keeps a drill's timeline as it happens (drill.Options.OnEvent): a drill
// interrupted by Ctrl-C returns no result, and the report then shows what was known.
type liveEvents struct {
	mu     sync.Mutex
	at     []time.Time
	events []drill.Event
}

func (l *liveEvents) add(at time.Time, e drill.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.at = append(l.at, at)
	l.events = append(l.events, e)
}

// relative is the events from T0, the alert posted; before the post (a partition waiting for
// its split), from the first event.
func (l *liveEvents) relative() []drill.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.events) == 0 {
		return nil
	}
	t0 := l.at[0]
	for i, e := range l.events {
		if e.Kind == drill.EventPost {
			t0 = l.at[i]
			break
		}
	}
	out := make([]drill.Event, len(l.events))
	for i, e := range l.events {
		e.At = l.at[i].Sub(t0)
		out[i] = e
	}
	return out
}

// finish ends a run however it ended: an interrupted run still prints its report with -o json,
// yaml, junit or a template (the drill Ctrl-C stopped, and those after it NOT RUN), and
// --report is written.
func (o *drillOptions) finish(r *drillRun, runErr error) error {
	if r != nil && r.interrupted != "" && errors.Is(runErr, errInterrupted) && o.structuredOutput() {
		rep := r.report
		rep.Interrupted = r.interrupted
		rep.Drills = slices.Clone(rep.Drills)
		after := false
		for i := range rep.Drills {
			d := &rep.Drills[i]
			switch {
			case d.Alert == r.interrupted:
				d.Verdict, d.Error, after = "", "interrupted (Ctrl-C): what it changed was restored", true
				if r.restoreErr != "" {
					d.Error = "interrupted (Ctrl-C); restoring failed: " + r.restoreErr
				}
			case after:
				d.Verdict, d.Explanation = drill.NotRun, "the run was interrupted before it"
			}
		}
		if err := o.printReportMeta(rep, drillMeta(runErr, r.interrupted)); err != nil {
			fmt.Fprintln(o.streams.ErrOut, err)
		}
	}
	return o.writeReportFile(r, runErr)
}
