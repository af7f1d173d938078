package ui_test

import (
	"bytes"
	"encoding/xml"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/golden"
	"github.com/amha-dev/kubectl-amha/pkg/drill"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
	"github.com/amha-dev/kubectl-amha/ui"
)

// drillFixture is a run of every verdict on a 3-replica cluster with a 3s peer-timeout: a
// baseline that passed, a stop-sender that failed (two senders), a crash-sender that did not
// crash, a partition that passed with its split and heal on the timeline, a crash-sender
// skipped, a partition not run, and a drill that could not run with markup in its error.
// The expectations and verdicts are the drill package's own, from the hits.
func drillFixture(t *testing.T) (drill.Report, ui.DrillMeta) {
	t.Helper()
	pos := []string{"alertmanager-main-0", "alertmanager-main-1", "alertmanager-main-2"}
	params := timing.Params{PeerTimeout: 3 * time.Second, GroupWait: 5 * time.Second, GroupInterval: time.Minute, RepeatInterval: 24 * time.Hour}
	expect := func(d string) drill.Expectation {
		e, err := drill.Expect(d, drill.Cluster{Timing: params, Positions: pos})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	notify := func(at time.Duration, sender string, resolved bool) (drill.Hit, drill.Event) {
		text := "notification"
		if resolved {
			text = "resolved notification"
		}
		return drill.Hit{At: at, Sender: sender, Resolved: resolved}, drill.Event{At: at, Kind: drill.EventNotify, Replica: sender, Text: text}
	}
	judged := func(name string, wall, waits time.Duration, events []drill.Event, hits ...drill.Hit) drill.ReportDrill {
		res := drill.Judge(expect(name), hits)
		res.Events = events
		return drill.ReportDrill{Drill: name, Alert: "92319f8f-" + name, Result: res, Wall: model.Duration(wall), Waits: model.Duration(waits)}
	}
	post := drill.Event{At: 0, Kind: drill.EventPost, Text: "the drill alert posted to 3 replicas"}
	resolve := func(at time.Duration) drill.Event {
		return drill.Event{At: at, Kind: drill.EventResolve, Text: "the drill alert resolved"}
	}

	b1, b1e := notify(ms(5007), pos[0], false)
	b2, b2e := notify(ms(65012), pos[0], true)
	baseline := judged(drill.Baseline, ms(18500), ms(18100), []drill.Event{post, b1e, resolve(ms(11200)), b2e}, b1, b2)

	s1, s1e := notify(ms(5010), pos[1], false)
	s2, s2e := notify(ms(8020), pos[2], false)
	stop := judged(drill.StopSender, ms(21300), ms(20000), []drill.Event{post,
		{At: ms(2000), Kind: drill.EventFault, Replica: pos[0], Text: "stopped gracefully: it leaves the mesh"}, s1e, s2e, resolve(ms(14100))}, s1, s2)

	crash := drill.ReportDrill{Drill: drill.CrashSender, Alert: "92319f8f-crash-sender", Wall: model.Duration(ms(40000)), Waits: model.Duration(ms(39000)),
		Result: drill.Result{Expectation: expect(drill.CrashSender), Verdict: drill.Inconclusive,
			Explanation: "the process did not crash: pod alertmanager-main-0's container neither terminated nor restarted within 30s",
			Events: []drill.Event{post, {At: ms(3000), Kind: drill.EventFault, Replica: pos[0], Text: "crashed: it exits without leaving the mesh"},
				resolve(ms(33000))}}}

	p1, p1e := notify(ms(5012), pos[0], false)
	p2, p2e := notify(ms(5021), pos[2], false)
	p3, p3e := notify(ms(66004), pos[0], true)
	partition := judged(drill.Partition, ms(71800), ms(69500), []drill.Event{
		{At: ms(-36400), Kind: drill.EventFault, Replica: pos[2], Text: "cut off the mesh port"},
		{At: ms(-1600), Kind: drill.EventSplit, Text: "the mesh is split: alertmanager-main-2 is alone"},
		post, p1e, p2e, resolve(ms(11300)),
		{At: ms(11500), Kind: drill.EventHeal, Replica: pos[2], Text: "the partition removed: the mesh heals"}, p3e,
	}, p1, p2, p3)

	skipped := drill.ReportDrill{Drill: drill.CrashSender, Alert: "92319f8f-crash-sender", Wall: model.Duration(ms(900)),
		Result: drill.Result{Expectation: expect(drill.CrashSender), Verdict: drill.Skipped,
			Explanation: "no kill in container alertmanager of pod alertmanager-main-0: the crash cannot be caused"}}
	notRun := drill.ReportDrill{Drill: drill.Partition, Alert: "92319f8f-partition",
		Result: drill.Result{Expectation: expect(drill.Partition), Verdict: drill.NotRun, Explanation: "baseline did not pass: nothing else can be judged"}}
	errored := drill.ReportDrill{Drill: drill.StopSender, Alert: "92319f8f-stop-sender",
		Result: drill.Result{Expectation: expect(drill.StopSender)},
		Error:  `the mesh was not whole within 3m: <script>alert("x")</script> & 'quotes'`}

	r := drill.Report{
		Cluster: "alertmanager-main", Namespace: "monitoring", Run: "92319f8f",
		Timing:    drill.ReportTime{PeerTimeout: model.Duration(params.PeerTimeout), GroupWait: model.Duration(params.GroupWait), GroupInterval: model.Duration(params.GroupInterval), RepeatInterval: model.Duration(params.RepeatInterval)},
		Positions: pos, TeamAlerts: []string{"AlertmanagerMembersInconsistent"},
		Drills:    []drill.ReportDrill{baseline, stop, crash, partition, skipped, notRun, errored},
		Route:     &drill.ReportRoute{Receiver: "amha-drill-sink"},
		MeshAtEnd: &drill.MeshAtEnd{Whole: true, Waited: model.Duration(1200 * time.Millisecond)},
	}
	return r, ui.DrillMeta{Version: "kubectl-amha v1.2.3 (commit abc1234, built 2026-12-01)", Date: time.Date(2026, 12, 5, 21, 4, 5, 0, time.UTC)}
}

// TestDrillHTMLGolden: the page of a run with every verdict and a partition's timeline, as
// testdata/drill/report.html (go test ./ui -run TestDrillHTMLGolden -update rewrites it).
// The browser test (drillbrowser_test.go) opens the same file.
func TestDrillHTMLGolden(t *testing.T) {
	r, m := drillFixture(t)
	var b bytes.Buffer
	if err := ui.WriteDrillHTML(&b, r, m); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	golden.Check(t, filepath.Join("testdata", "drill", "report.html"), b.Bytes(), *update)
	for _, want := range []string{
		"✔ PASS", "✘ FAIL", "? INCONCLUSIVE", "↷ SKIPPED", "– NOT RUN", "! ERROR", // verdicts readable without colour
		"monitoring", "alertmanager-main", "92319f8f", "2026-12-05 21:04:05 UTC", "kubectl-amha v1.2.3",
		"group_wait", "repeat_interval", "T0 (alert posted)", "the mesh is split: alertmanager-main-2 is alone",
		"amha-drill-sink", "whole</span> again after 1.2s",
		"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;quotes&#39;",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the page does not contain %q", want)
		}
	}
	// Self-contained: no script, nothing fetched (the SVG namespace is a name, not a fetch).
	for _, bad := range []string{"<script", "src=", "<link", "@import", "url(", "http://", "https://"} {
		if strings.Contains(strings.ReplaceAll(got, `xmlns="http://www.w3.org/2000/svg"`, ""), bad) {
			t.Errorf("the page contains %q: it must be self-contained", bad)
		}
	}
	// One timeline per drill with events: the cluster's lane and one per replica.
	if n := strings.Count(got, `<svg class="timeline"`); n != 4 {
		t.Errorf("%d timelines, want 4 (the drills that ran)", n)
	}
	if n := strings.Count(got, `class="lane-name"`); n != 16 {
		t.Errorf("%d lanes, want 16 (4 timelines of the cluster and 3 replicas)", n)
	}
}

// A dry run's page says so, and shows the plan without timelines.
func TestDrillHTMLDryRun(t *testing.T) {
	r, m := drillFixture(t)
	r.DryRun = true
	for i := range r.Drills {
		d := &r.Drills[i]
		d.Result = drill.Result{Expectation: d.Expectation}
		d.Error, d.Wall, d.Waits = "", 0, 0
	}
	r.MeshAtEnd = nil
	var b bytes.Buffer
	if err := ui.WriteDrillHTML(&b, r, m); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{"Dry run:", "◇ PLAN", "No timeline: the drill did not run.", "Not checked"} {
		if !strings.Contains(got, want) {
			t.Errorf("the page does not contain %q", want)
		}
	}
	if strings.Contains(got, `<svg class="timeline"`) {
		t.Error("a plan has a timeline")
	}
}

// TestDrillJUnitGolden: the JUnit document of the same run, as testdata/drill/report.junit.xml,
// read back with encoding/xml: one suite, a case per drill, FAIL a failure, INCONCLUSIVE and
// a drill that could not run an error, SKIPPED and NOT RUN skipped, each with its explanation.
func TestDrillJUnitGolden(t *testing.T) {
	r, m := drillFixture(t)
	var b bytes.Buffer
	if err := ui.WriteDrillJUnit(&b, r, m); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "drill", "report.junit.xml"), b.Bytes(), *update)

	var doc ui.JUnitSuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("the JUnit XML does not parse: %v\n%s", err, b.String())
	}
	if len(doc.Suites) != 1 || doc.Suites[0].Name != "kubectl-amha drill" {
		t.Fatalf("suites %+v, want one named kubectl-amha drill", doc.Suites)
	}
	s := doc.Suites[0]
	if s.Tests != 7 || s.Failures != 1 || s.Errors != 2 || s.Skipped != 2 || doc.Tests != 7 {
		t.Errorf("tests %d failures %d errors %d skipped %d (root tests %d), want 7 1 2 2 (7)", s.Tests, s.Failures, s.Errors, s.Skipped, doc.Tests)
	}
	if s.Time != "152.500" {
		t.Errorf("suite time %s, want the drills' wall times summed: 152.500", s.Time)
	}
	type want struct{ name, kind, message, time string }
	wants := []want{
		{"baseline", "", "", "18.500"},
		{"stop-sender", "failure", r.Drills[1].Explanation, "21.300"},
		{"crash-sender", "error", r.Drills[2].Explanation, "40.000"},
		{"partition", "", "", "71.800"},
		{"crash-sender", "skipped", r.Drills[4].Explanation, "0.900"},
		{"partition", "skipped", "baseline did not pass: nothing else can be judged", "0.000"},
		{"stop-sender", "error", r.Drills[6].Error, "0.000"},
	}
	for i, c := range s.Cases {
		w := wants[i]
		kind, msg := "", ""
		switch {
		case c.Failure != nil:
			kind, msg = "failure", c.Failure.Message
		case c.Error != nil:
			kind, msg = "error", c.Error.Message
		case c.Skipped != nil:
			kind, msg = "skipped", c.Skipped.Message
		}
		if c.Name != w.name || kind != w.kind || msg != w.message || c.Time != w.time || c.ClassName != "monitoring/alertmanager-main" {
			t.Errorf("case %d: %s %s %q time %s class %s, want %s %s %q time %s", i, c.Name, kind, msg, c.Time, c.ClassName, w.name, w.kind, w.message, w.time)
		}
	}
	if out := s.Cases[3].SystemOut; out == nil || !strings.Contains(out.Text, "split    the mesh is split") {
		t.Errorf("the partition's output has no split in its timeline: %+v", out)
	}
}

// A run interrupted in a drill: the page says so, the drill is INTERRUPTED with the timeline
// known until then, and the drills after it were not reached.
func TestDrillHTMLInterrupted(t *testing.T) {
	r, m := drillFixture(t)
	r.Drills = r.Drills[:4]
	part := &r.Drills[3]
	part.Result = drill.Result{Expectation: part.Expectation, Events: part.Events[:3]} // fault, split, post
	part.Wall, part.Waits = 0, 0
	r.Drills = append(r.Drills, drill.ReportDrill{Drill: drill.Baseline, Alert: "92319f8f-baseline-2"})
	r.MeshAtEnd = nil
	m.Interrupted, m.InterruptedDrill = true, part.Alert
	var b bytes.Buffer
	if err := ui.WriteDrillHTML(&b, r, m); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{"Interrupted (Ctrl-C)", "■ INTERRUPTED", "the run was interrupted (Ctrl-C) in this drill",
		"– NOT REACHED", "the run was interrupted (Ctrl-C) before this drill", "the mesh is split: alertmanager-main-2 is alone"} {
		if !strings.Contains(got, want) {
			t.Errorf("the page does not contain %q", want)
		}
	}
	if n := strings.Count(got, `<svg class="timeline"`); n != 4 {
		t.Errorf("%d timelines, want 4 (the interrupted drill's too)", n)
	}
}
