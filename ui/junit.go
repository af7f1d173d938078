package ui

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	drill "github.com/amha-dev/kubectl-amha/pkg/drillreport"
)

// JUnit XML as CI systems read it (Jenkins, GitLab, GitHub's test reporters): one testsuite,
// "kubectl-amha drill", one testcase per drill. A FAIL is a failure, INCONCLUSIVE and a drill
// that could not run an error (the drill proved nothing), SKIPPED, NOT RUN, a plan and a drill
// the run did not reach are skipped; each carries the explanation as its message.

// JUnitSuiteName is the name of the one testsuite of `kubectl amha drill -o junit`.
const JUnitSuiteName = "kubectl-amha drill"

// JUnitSuites is the document's root element.
type JUnitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []JUnitSuite `xml:"testsuite"`
}

// JUnitSuite is the drills of one run.
type JUnitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []JUnitProperty `xml:"properties>property"`
	Cases      []JUnitCase     `xml:"testcase"`
	SystemOut  *JUnitText      `xml:"system-out"`
}

// JUnitProperty is one fact of the run: the cluster, the run id, the version.
type JUnitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// JUnitCase is one drill.
type JUnitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *JUnitProblem `xml:"failure"`
	Error     *JUnitProblem `xml:"error"`
	Skipped   *JUnitProblem `xml:"skipped"`
	SystemOut *JUnitText    `xml:"system-out"`
}

// JUnitText is text kept as written (CDATA), lines and all.
type JUnitText struct {
	Text string `xml:",cdata"`
}

// JUnitProblem is a failure, an error or a skip: the message, the verdict as its type, and the
// details (expected, observed, the timeline) as its text.
type JUnitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",cdata"`
}

// WriteDrillJUnit writes r as JUnit XML. Nothing is written unless all of it rendered.
func WriteDrillJUnit(w io.Writer, r drill.Report, m DrillMeta) error {
	b, err := xml.MarshalIndent(DrillJUnit(r, m), "", "  ")
	if err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s%s\n", xml.Header, b)
	return err
}

// DrillJUnit is r as a JUnit document.
func DrillJUnit(r drill.Report, m DrillMeta) JUnitSuites {
	class := r.Cluster
	if r.Namespace != "" {
		class = r.Namespace + "/" + r.Cluster
	}
	s := JUnitSuite{Name: JUnitSuiteName, Tests: len(r.Drills)}
	if !m.Date.IsZero() {
		s.Timestamp = m.Date.UTC().Format(time.RFC3339)
	}
	prop := func(name, value string) {
		if value != "" {
			s.Properties = append(s.Properties, JUnitProperty{Name: name, Value: value})
		}
	}
	prop("cluster", r.Cluster)
	prop("namespace", r.Namespace)
	prop("run", r.Run)
	prop("version", m.Version)
	if r.DryRun {
		prop("dryRun", "true")
	}
	if m.Interrupted {
		prop("interrupted", "true")
	}
	if st := r.Stopped; st != nil {
		prop("stopped", st.Reason+": "+st.Message)
	}
	if me := r.MeshAtEnd; me != nil {
		if me.Whole {
			prop("meshAtEnd", "whole after "+fmtAt(me.Waited.D()))
		} else {
			prop("meshAtEnd", "NOT whole: "+me.Detail)
		}
	}
	var total time.Duration
	for _, d := range r.Drills {
		total += d.Wall.D()
		c := JUnitCase{Name: d.Drill, ClassName: class, Time: seconds(d.Wall.D())}
		p := &JUnitProblem{Message: drillStateWhy(r, d, m), Type: drillState(r, d, m), Text: drillDetails(d)}
		switch {
		case d.Verdict == drill.Pass:
			c.SystemOut = &JUnitText{Text: p.Text}
		case d.Verdict == drill.Fail:
			c.Failure = p
			s.Failures++
		case d.Verdict == drill.Inconclusive || d.Verdict == "" && d.Error != "":
			c.Error = p
			s.Errors++
		default: // SKIPPED, NOT RUN, a plan, a drill not reached
			c.Skipped = p
			s.Skipped++
		}
		s.Cases = append(s.Cases, c)
	}
	s.Time = seconds(total)
	if me := r.MeshAtEnd; me != nil && !me.Whole {
		s.SystemOut = &JUnitText{Text: "The mesh was not whole after the last drill (exit 1): " + me.Detail}
	}
	return JUnitSuites{Name: JUnitSuiteName, Tests: s.Tests, Failures: s.Failures, Errors: s.Errors, Skipped: s.Skipped, Time: s.Time, Suites: []JUnitSuite{s}}
}

// drillDetails is what a testcase says in its text: expected, observed, and the timeline.
func drillDetails(d drill.ReportDrill) string {
	var b strings.Builder
	fmt.Fprintf(&b, "alert: amha_drill=%s\n", d.Alert)
	fmt.Fprintf(&b, "expected: %s\n", drillExpected(d.Expectation))
	fmt.Fprintf(&b, "observed: %s\n", drillObserved(d.Hits))
	if d.Verdict != "" {
		fmt.Fprintf(&b, "verdict: %s: %s\n", d.Verdict, d.Explanation)
	}
	if d.Error != "" {
		fmt.Fprintf(&b, "error: %s\n", d.Error)
	}
	if len(d.Events) > 0 {
		b.WriteString("timeline (from the alert posted):\n")
		for _, e := range d.Events {
			who := ""
			if e.Replica != "" {
				who = e.Replica + ": "
			}
			fmt.Fprintf(&b, "  %8s  %-7s  %s%s\n", fmtAt(e.At), e.Kind, who, e.Text)
		}
	}
	return b.String()
}

// seconds is a duration as JUnit's time attribute: seconds with milliseconds.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.3f", d.Seconds())
}
