package ui

import (
	"fmt"
	"strings"
	"time"

	drill "github.com/amha-dev/kubectl-amha/pkg/drillreport"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// DrillMeta is what a drill report written to a file (HTML, JUnit) says beyond the
// DrillReport itself: when it was written, by which kubectl-amha, and whether the run was
// interrupted (Ctrl-C) so that it holds only what was known by then.
type DrillMeta struct {
	// Version is kubectl-amha's version line (version.Info.Line).
	Version     string
	Date        time.Time
	Interrupted bool
	// InterruptedDrill is the alert (ReportDrill.Alert) of the drill the run was interrupted in.
	InterruptedDrill string
}

// drillState is a drill's verdict as the reports show it: the verdict, or what stands for
// one when the drill has none (an error, a plan, a drill the run did not reach).
func drillState(r drill.Report, d drill.ReportDrill, m DrillMeta) string {
	switch {
	case m.Interrupted && d.Alert == m.InterruptedDrill && d.Verdict == "":
		return "INTERRUPTED"
	case d.Verdict != "":
		return string(d.Verdict)
	case d.Error != "":
		return "ERROR"
	case r.DryRun:
		return "PLAN"
	}
	return "NOT REACHED"
}

// drillStateWhy is the sentence that goes with drillState: the explanation, the error, or why
// there is neither.
func drillStateWhy(r drill.Report, d drill.ReportDrill, m DrillMeta) string {
	switch {
	case m.Interrupted && d.Alert == m.InterruptedDrill && d.Verdict == "":
		return "the run was interrupted (Ctrl-C) in this drill; what it changed was restored. The timeline has what happened until then"
	case d.Verdict != "" || d.Error != "":
		return joinSet(d.Explanation, d.Error)
	case r.DryRun:
		return "dry run: the plan only, nothing was changed"
	case m.Interrupted:
		return "the run was interrupted (Ctrl-C) before this drill"
	}
	return "the run ended before this drill"
}

// drillExpected is the plan's expectation in one line: "1 notification(s) at 5s (+2s), from
// am-0".
func drillExpected(e drill.Expectation) string {
	if e.Drill == "" {
		return "-"
	}
	s := fmt.Sprintf("%s notification(s) %s after the alert (+%s)", e.Counts(), drillWindow(e), timing.Format(drill.Slack))
	switch {
	case len(e.Sides) == 2:
		s += fmt.Sprintf(", one from each side: %s | %s", strings.Join(e.Sides[0], ", "), strings.Join(e.Sides[1], ", "))
	case len(e.Senders) > 0:
		s += ", from " + strings.Join(e.Senders, ", ")
	}
	return s
}

// drillWindow is "at 5s" or "between 5s and 8s".
func drillWindow(e drill.Expectation) string {
	if e.From == e.To {
		return "at " + timing.Format(e.From)
	}
	return "between " + timing.Format(e.From) + " and " + timing.Format(e.To)
}

// drillObserved is the firing notifications in one line: "5.01s am-0; 5.02s am-2", or "-".
func drillObserved(hits []drill.Hit) string {
	var out []string
	for _, h := range drill.Firing(hits) {
		out = append(out, fmt.Sprintf("%s %s", fmtAt(h.At), senderName(h.Sender)))
	}
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, "; ")
}

func senderName(s string) string {
	if s == "" {
		return "sender unknown"
	}
	return s
}

// fmtAt is a time from T0 as the reports write it: "5.01s", "-3.2s".
func fmtAt(d time.Duration) string {
	if d < 0 {
		return "-" + timing.Format((-d).Round(10*time.Millisecond))
	}
	return timing.Format(d.Round(10 * time.Millisecond))
}

// joinSet joins the parts that are set with "; ".
func joinSet(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "; ")
}
