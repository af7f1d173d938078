package ui

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"

	drill "github.com/amha-dev/kubectl-amha/pkg/drillreport"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// The HTML report of `kubectl amha drill --report FILE.html`: one self-contained page (inline
// CSS, the timelines as inline SVG, no script, nothing fetched), so that it can be attached to
// a ticket or a CI run and opened anywhere, also offline. html/template escapes everything the
// cluster and the run put in it.

//go:embed drillreport.html
var drillHTML string

var drillTmpl = template.Must(template.New("drill").Funcs(template.FuncMap{
	"f1": func(v float64) string { return fmt.Sprintf("%.1f", v) },
}).Parse(drillHTML))

// WriteDrillHTML writes r as the HTML page. Nothing is written unless all of it rendered.
func WriteDrillHTML(w io.Writer, r drill.Report, m DrillMeta) error {
	var b bytes.Buffer
	if err := drillTmpl.Execute(&b, newHTMLReport(r, m)); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

type htmlReport struct {
	R      drill.Report
	M      DrillMeta
	Title  string
	Date   string
	Params [][2]string
	Drills []htmlDrill
	// Legend is one mark of each kind, for the key under the timelines.
	Legend []svgMark
}

type htmlDrill struct {
	drill.ReportDrill
	State, Class, Symbol, Why string
	Expected, Observed, Wall  string
	Sides                     [][]string
	Hits                      []htmlHit
	Timeline                  *svgTimeline
	Events                    []htmlEvent
}

type htmlHit struct {
	At, Sender, Kind, Judged string
}

type htmlEvent struct {
	At, Kind, Lane, Text string
}

// verdictLook is each state's CSS class and symbol: the symbol and the word carry the verdict
// without colour.
var verdictLook = map[string][2]string{
	string(drill.Pass):         {"pass", "✔"},
	string(drill.Fail):         {"fail", "✘"},
	string(drill.Inconclusive): {"inconclusive", "?"},
	string(drill.Skipped):      {"skipped", "↷"},
	string(drill.NotRun):       {"notrun", "–"},
	"ERROR":                    {"error", "!"},
	"PLAN":                     {"plan", "◇"},
	"NOT REACHED":              {"notrun", "–"},
	"INTERRUPTED":              {"inconclusive", "■"},
}

func newHTMLReport(r drill.Report, m DrillMeta) htmlReport {
	h := htmlReport{R: r, M: m, Title: "kubectl-amha drill report"}
	if r.Cluster != "" {
		h.Title += ": " + joinSlash(r.Namespace, r.Cluster)
	}
	if !m.Date.IsZero() {
		h.Date = m.Date.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	t := r.Timing
	h.Params = [][2]string{
		{"peer-timeout", durOrDash(t.PeerTimeout.D())},
		{"group_wait", durOrDash(t.GroupWait.D())},
		{"group_interval", durOrDash(t.GroupInterval.D())},
		{"repeat_interval", durOrDash(t.RepeatInterval.D())},
	}
	for _, d := range r.Drills {
		state := drillState(r, d, m)
		look := verdictLook[state]
		hd := htmlDrill{ReportDrill: d, State: state, Class: look[0], Symbol: look[1], Why: drillStateWhy(r, d, m),
			Expected: drillExpected(d.Expectation), Observed: drillObserved(d.Hits), Wall: "-", Sides: d.Expectation.Sides}
		if d.Wall > 0 {
			hd.Wall = fmt.Sprintf("%s (waits %s)", timing.Format(d.Wall.D().Round(100*time.Millisecond)), timing.Format(d.Waits.D().Round(100*time.Millisecond)))
		}
		e := d.Expectation
		for _, x := range d.Hits {
			hh := htmlHit{At: fmtAt(x.At), Sender: senderName(x.Sender), Kind: "firing"}
			switch {
			case x.Resolved:
				hh.Kind, hh.Judged = "resolved", "not counted"
			case e.Drill == "":
			case x.At < e.From || x.At > e.To+drill.Slack:
				hh.Judged = "outside the window"
			default:
				hh.Judged = "in the window"
			}
			hd.Hits = append(hd.Hits, hh)
		}
		for _, ev := range d.Events {
			hd.Events = append(hd.Events, htmlEvent{At: fmtAt(ev.At), Kind: ev.Kind, Lane: laneName(ev), Text: ev.Text})
		}
		hd.Timeline = newTimeline(r.Positions, d)
		h.Drills = append(h.Drills, hd)
	}
	for _, k := range []string{drill.EventPost, drill.EventFault, drill.EventSplit, drill.EventNotify, "resolved-notify", drill.EventHeal, drill.EventResolve} {
		mk := svgMark{X: 8, Y: 8, Kind: k, Title: legendText[k]}
		if k == "resolved-notify" {
			mk.Kind, mk.Hollow = drill.EventNotify, true
		}
		h.Legend = append(h.Legend, mk)
	}
	return h
}

var legendText = map[string]string{
	drill.EventPost:    "alert posted (T0)",
	drill.EventFault:   "fault",
	drill.EventSplit:   "mesh split",
	drill.EventNotify:  "notification (lane: its sender)",
	"resolved-notify":  "resolved notification",
	drill.EventHeal:    "heal",
	drill.EventResolve: "alert resolved",
}

func laneName(e drill.Event) string {
	switch {
	case e.Replica != "":
		return e.Replica
	case e.Kind == drill.EventNotify:
		return "cluster (sender unknown)"
	}
	return "cluster"
}

func joinSlash(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

func durOrDash(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return timing.Format(d)
}

// The timeline's geometry, in SVG user units.
const (
	svgWidth  = 960.0
	svgLabelW = 230.0 // the lanes' names, left of the plot
	svgPad    = 14.0  // inside the plot, so that marks at its ends are whole
	svgTop    = 34.0  // the axis' labels and T0's
	svgLaneH  = 34.0
	svgBottom = 26.0
)

// svgTimeline is one drill's timeline, laid out: one lane for the cluster and one per replica,
// a time axis from the first event to the last with T0 marked.
type svgTimeline struct {
	Width, Height  float64
	PlotX, PlotEnd float64
	AxisY, LanesY  float64
	Lanes          []svgLane
	Ticks          []svgTick
	T0             float64
	Window         *svgBand
	Bands          []svgBand
	Lines          []svgLine
	Marks          []svgMark
	Span           string
}

type svgLane struct {
	Y, TextY, RoleY float64
	Name, Role      string
	Odd             bool
	// Fit squeezes a name too long for the label column into it (SVG text does not wrap).
	Fit float64
}

type svgTick struct {
	X     float64
	Label string
}

type svgBand struct {
	X, Y, W, H float64
	Title      string
}

type svgLine struct {
	X          float64
	Kind, Text string
}

type svgMark struct {
	X, Y        float64
	Kind, Title string
	Label       string
	Hollow      bool
	// Anchor places the label: at the plot's right end it ends at the mark.
	Anchor string
}

// newTimeline lays out d's events; nil when it has none (a plan, a drill not run).
func newTimeline(positions []string, d drill.ReportDrill) *svgTimeline {
	if len(d.Events) == 0 {
		return nil
	}
	lanes := []string{""}
	lanes = append(lanes, positions...)
	for _, e := range d.Events {
		if e.Replica != "" && !slices.Contains(lanes, e.Replica) {
			lanes = append(lanes, e.Replica)
		}
	}
	lo, hi := time.Duration(0), time.Duration(0)
	for _, e := range d.Events {
		lo, hi = min(lo, e.At), max(hi, e.At)
	}
	if hi-lo < time.Second {
		hi = lo + time.Second
	}
	t := &svgTimeline{Width: svgWidth, PlotX: svgLabelW, PlotEnd: svgWidth - 4, AxisY: svgTop - 6, LanesY: svgTop}
	t.Height = svgTop + float64(len(lanes))*svgLaneH + svgBottom
	x := func(at time.Duration) float64 {
		return svgLabelW + svgPad + float64(at-lo)/float64(hi-lo)*(svgWidth-4-svgLabelW-2*svgPad)
	}
	t.T0 = x(0)
	t.Span = fmt.Sprintf("%s to %s", fmtAt(lo), fmtAt(hi))
	laneOf := func(e drill.Event) int {
		if e.Replica == "" {
			return 0
		}
		return slices.Index(lanes, e.Replica)
	}
	for i, name := range lanes {
		y := svgTop + float64(i)*svgLaneH
		l := svgLane{Y: y, TextY: y + svgLaneH/2 - 1, RoleY: y + svgLaneH/2 + 11, Name: name, Odd: i%2 == 1}
		// About 7 units a character at the lanes' 12px.
		if w := float64(len(name)) * 7; w > svgLabelW-16 {
			l.Fit = svgLabelW - 16
		}
		switch p := slices.Index(positions, name); {
		case i == 0:
			l.Name, l.Role = "cluster", "post, split, resolve"
		case p >= 0:
			l.Role = fmt.Sprintf("position %d", p)
		default:
			l.Role = "not in the positions"
		}
		t.Lanes = append(t.Lanes, l)
	}
	step := tickStep(hi - lo)
	for at := (lo / step) * step; at <= hi; at += step {
		if at >= lo && at != 0 {
			t.Ticks = append(t.Ticks, svgTick{X: x(at), Label: fmtAt(at)})
		}
	}
	lanesH := float64(len(lanes)) * svgLaneH
	if e := d.Expectation; e.Drill != "" && e.Count > 0 {
		from, to := max(e.From, lo), min(e.To+drill.Slack, hi)
		if from <= to {
			t.Window = &svgBand{X: x(from), Y: svgTop, W: max(x(to)-x(from), 2), H: lanesH,
				Title: fmt.Sprintf("expected window: %s to %s (+%s slack)", fmtAt(e.From), fmtAt(e.To), timing.Format(drill.Slack))}
		}
	}
	// A fault holds on its replica's lane until the heal.
	for i, e := range d.Events {
		if e.Kind != drill.EventFault || e.Replica == "" {
			continue
		}
		if slices.ContainsFunc(d.Events[:i], func(p drill.Event) bool { return p.Kind == drill.EventFault && p.Replica == e.Replica }) {
			continue
		}
		end := hi
		for _, h := range d.Events[i:] {
			if h.Kind == drill.EventHeal && (h.Replica == e.Replica || h.Replica == "") {
				end = h.At
				break
			}
		}
		y := svgTop + float64(laneOf(e))*svgLaneH
		t.Bands = append(t.Bands, svgBand{X: x(e.At), Y: y + 6, W: max(x(end)-x(e.At), 2), H: svgLaneH - 12,
			Title: fmt.Sprintf("%s: fault from %s to %s", e.Replica, fmtAt(e.At), fmtAt(end))})
	}
	for _, e := range d.Events {
		m := svgMark{X: x(e.At), Y: svgTop + float64(laneOf(e))*svgLaneH + svgLaneH/2, Kind: e.Kind,
			Title: fmt.Sprintf("%s %s %s: %s", fmtAt(e.At), e.Kind, laneName(e), e.Text)}
		switch e.Kind {
		case drill.EventNotify:
			m.Hollow = strings.HasPrefix(e.Text, "resolved") // the drill's end, not counted
			m.Label, m.Anchor = fmtAt(e.At), "middle"
			if m.X > svgWidth-40 {
				m.Anchor = "end"
			} else if m.X < svgLabelW+30 {
				m.Anchor = "start"
			}
		case drill.EventSplit, drill.EventHeal:
			t.Lines = append(t.Lines, svgLine{X: m.X, Kind: e.Kind, Text: e.Kind + " " + fmtAt(e.At)})
		}
		t.Marks = append(t.Marks, m)
	}
	return t
}

// tickStep is the axis' step: the smallest round one that makes at most 10 ticks.
func tickStep(span time.Duration) time.Duration {
	for _, s := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
		time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 30 * time.Minute} {
		if span/s <= 10 {
			return s
		}
	}
	return time.Hour
}
