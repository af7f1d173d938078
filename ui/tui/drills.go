package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	drill "github.com/amha-dev/kubectl-amha/pkg/drillreport"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
	"github.com/amha-dev/kubectl-amha/ui"
)

// Drills runs drills from the Drills tab. Its methods block and do I/O: the view calls them
// only inside commands, and their progress reaches it as messages.
type Drills interface {
	// Choices are the drills the tab offers, in order, each with a one-line summary.
	Choices() []DrillChoice
	// Plan makes the plan of a drill on the cluster namespace/name and changes nothing: the
	// text to show, and, when the drill cannot run from here, why (no drill route, no sink
	// image).
	Plan(ctx context.Context, namespace, name, drill string) (plan string, cannot error)
	// Expectations are, per choice, what it expects on the cluster with its numbers ("here:
	// 2 at 5s from ..."), and a line about the drill route (none yet) or why no drill can start
	// now. Pure: it reads the snapshot, it asks nothing.
	Expectations(c *model.Cluster) (byChoice map[string]string, route string)
	// Run runs the drill and sends each progress line and timeline event as it happens. It
	// returns once the drill has ended and everything it changed is restored, also when ctx
	// ends first.
	Run(ctx context.Context, namespace, name, drill string, send func(DrillUpdate)) (drill.Report, error)
}

// DrillChoice is one entry of the Drills tab.
type DrillChoice struct {
	Name, Summary string
	// Drills are the drills it runs (all: several).
	Drills []string
}

// DrillUpdate is one piece of a running drill's progress: a line, or a timeline event of the
// drill named Drill.
type DrillUpdate struct {
	At    time.Time
	Line  string
	Drill string
	Event *drill.Event
}

// drillPhase is where the Drills tab is.
type drillPhase int

const (
	drillList     drillPhase = iota // choosing
	drillPlanning                   // the plan is being made
	drillAsking                     // the plan on screen: y runs it
	drillRunning
	drillStopping // stopped (x or q): restoring what it changed
	drillDone
)

// drillState is the Drills tab: the choice, the plan, and the run in progress or ended.
type drillState struct {
	sel     int
	phase   drillPhase
	choice  DrillChoice
	target  [2]string // namespace, name of the cluster drilled
	plan    string
	cannot  string // why the plan cannot run from here
	lines   []string
	events  []timedEvent
	report  *drill.Report
	err     string
	started time.Time
	quit    bool // quit once the run has restored
	cancel  context.CancelFunc
	ch      chan tea.Msg
}

type timedEvent struct {
	at    time.Time
	drill string
	drill.Event
}

// Messages of the Drills tab.
type (
	drillPlanMsg struct {
		// choice and target say which plan it is: one asked for before esc is dropped.
		choice string
		target [2]string
		plan   string
		cannot error
	}
	drillUpdateMsg DrillUpdate
	drillDoneMsg   struct {
		report drill.Report
		err    error
	}
)

// maxDrillLines bounds the progress lines kept.
const maxDrillLines = 200

// drillRunning is whether a drill runs (or restores): q then stops it before quitting.
func (m Model) drillBusy() bool {
	return m.dr.phase == drillRunning || m.dr.phase == drillStopping
}

// drillKey handles a key on the Drills tab; ok false leaves it to the other keys.
func (m Model) drillKey(k string) (Model, tea.Cmd, bool) {
	d := &m.dr
	choices := m.opts.Drills.Choices()
	switch d.phase {
	case drillList, drillDone:
		switch k {
		case "up", "k":
			if d.phase == drillList {
				d.sel = max(0, d.sel-1)
				return m, nil, true
			}
		case "down", "j":
			if d.phase == drillList {
				d.sel = min(len(choices)-1, d.sel+1)
				return m, nil, true
			}
		case "esc":
			if d.phase == drillDone {
				*d = drillState{sel: d.sel}
				return m, nil, true
			}
		case "enter":
			c, _ := m.current()
			if c == nil || c.Namespace == "" || d.sel >= len(choices) {
				return m, nil, true
			}
			*d = drillState{sel: d.sel, phase: drillPlanning, choice: choices[d.sel], target: [2]string{c.Namespace, c.Name}}
			return m, m.drillPlan(), true
		}
	case drillPlanning:
		if k == "esc" {
			*d = drillState{sel: d.sel}
			return m, nil, true
		}
	case drillAsking:
		switch k {
		case "y":
			if d.cannot == "" {
				return m.drillStart()
			}
		case "n", "esc":
			*d = drillState{sel: d.sel}
			return m, nil, true
		}
	case drillRunning:
		if k == "x" || k == "esc" {
			return m.drillStop(false)
		}
	}
	return m, nil, false
}

// drillKeys are the footer's keys on the Drills tab.
func (m Model) drillKeys() []string {
	switch m.dr.phase {
	case drillPlanning:
		return []string{"esc back", "q quit"}
	case drillAsking:
		if m.dr.cannot != "" {
			return []string{"esc back", "↑↓ scroll", "q quit"}
		}
		return []string{"y run", "n back", "↑↓ scroll", "q quit"}
	case drillRunning:
		return []string{"x stop", "←→ view", "↑↓ scroll", "q stop+quit"}
	case drillStopping:
		return []string{"←→ view", "(restoring…)"}
	case drillDone:
		return []string{"esc drills", "←→ view", "↑↓ scroll", "q quit"}
	}
	return []string{"↑↓ choose", "enter plan", "←→ view", "? help", "q quit"}
}

// drillPlan makes the plan in a command.
func (m Model) drillPlan() tea.Cmd {
	dr, t, name := m.opts.Drills, m.dr.target, m.dr.choice.Name
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		plan, cannot := dr.Plan(ctx, t[0], t[1], name)
		return drillPlanMsg{choice: name, target: t, plan: plan, cannot: cannot}
	}
}

// drillStart runs the chosen drill: a command starts it, and its progress comes back through
// a channel that one command at a time waits on.
func (m Model) drillStart() (Model, tea.Cmd, bool) {
	d := &m.dr
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan tea.Msg, 256)
	d.phase, d.cancel, d.ch, d.started, d.lines, d.events = drillRunning, cancel, ch, m.opts.Now(), nil, nil
	dr, t, name := m.opts.Drills, d.target, d.choice.Name
	start := func() tea.Msg {
		go func() {
			rep, err := dr.Run(ctx, t[0], t[1], name, func(u DrillUpdate) {
				select { // never block the drill on a view that stopped reading
				case ch <- drillUpdateMsg(u):
				default:
				}
			})
			ch <- drillDoneMsg{report: rep, err: err}
		}()
		return nil
	}
	return m, tea.Batch(start, waitDrill(ch)), true
}

// waitDrill waits for the running drill's next message.
func waitDrill(ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg { return <-ch }
}

// drillStop stops the running drill: it restores what it changed and then ends (drillDoneMsg);
// quit quits the view then.
func (m Model) drillStop(quit bool) (Model, tea.Cmd, bool) {
	d := &m.dr
	d.quit = d.quit || quit
	if d.phase == drillRunning {
		d.phase = drillStopping
		cancel := d.cancel
		return m, func() tea.Msg { cancel(); return nil }, true
	}
	return m, nil, true
}

// drillMsg applies a message of the Drills tab.
func (m Model) drillMsg(msg tea.Msg) (Model, tea.Cmd) {
	d := &m.dr
	switch msg := msg.(type) {
	case drillPlanMsg:
		if d.phase != drillPlanning || msg.choice != d.choice.Name || msg.target != d.target {
			return m, nil
		}
		d.phase, d.plan = drillAsking, ui.CleanText(msg.plan)
		if msg.cannot != nil {
			d.cannot = ui.CleanText(msg.cannot.Error())
		}
	case drillUpdateMsg:
		if msg.Line != "" {
			d.lines = append(d.lines, fmt.Sprintf("[%5.1fs] %s", msg.At.Sub(d.started).Seconds(), ui.Clean(msg.Line)))
			if n := len(d.lines) - maxDrillLines; n > 0 {
				d.lines = d.lines[n:]
			}
		}
		if msg.Event != nil {
			if len(d.events) > 0 && d.events[len(d.events)-1].drill != msg.Drill {
				d.events = nil // the lanes show the drill that runs now
			}
			d.events = append(d.events, timedEvent{at: msg.At, drill: msg.Drill, Event: *msg.Event})
		}
		return m, waitDrill(d.ch)
	case drillDoneMsg:
		d.phase, d.report, d.cancel, d.ch = drillDone, &msg.report, nil, nil
		if msg.err != nil {
			d.err = ui.CleanText(msg.err.Error())
		}
		if d.quit {
			return m, tea.Quit
		}
	}
	return m, nil
}

// drillLines is the Drills tab.
func (m Model) drillLines(w int) []string {
	s := m.styles
	out := []string{s.Bold.Render("Drills")}
	c, f := m.current()
	if c != nil && len(c.Drills) > 0 && !m.drillBusy() {
		for _, d := range c.Drills {
			out = append(out, "  "+s.Warning.Render(d.String()))
		}
		out = append(out, wrap("The findings the drill causes on purpose are kept at info, marked \"(drill in progress)\".", w, "  ")...)
	}
	if m.opts.Drills == nil {
		return append(out, wrap("Drills run from here on Kubernetes (kubectl amha ui -n NAMESPACE): they create a sink and, for the "+
			"partition, a NetworkPolicy in the cluster's namespace. For replicas outside Kubernetes, kubectl amha drill --help says what runs.", w, "  ")...)
	}
	if c == nil {
		return out
	}
	d := m.dr
	switch d.phase {
	case drillList:
		return append(out, m.drillChoiceLines(c, f, w)...)
	case drillPlanning:
		return append(out, "", "  Making the plan of "+s.Bold.Render(d.choice.Name)+" for "+d.target[0]+"/"+d.target[1]+"… (esc: back)")
	case drillAsking:
		out = append(out, "")
		for _, l := range strings.Split(strings.TrimRight(d.plan, "\n"), "\n") {
			out = append(out, wrap(l, w, "  ")...)
		}
		out = append(out, "")
		if d.cannot != "" {
			out = append(out, wrap(s.Bad.Render("Cannot run from here: ")+d.cannot, w, "  ")...)
			return append(out, "  "+s.Key.Render("esc")+" back")
		}
		return append(out, wrap(s.Bold.Render("Run it?")+" "+s.Key.Render("y")+" runs it (it changes the cluster as the plan says), "+
			s.Key.Render("n")+" back. While it runs, "+s.Key.Render("x")+" or "+s.Key.Render("q")+" stops it and restores everything.", w, "  ")...)
	}
	return append(out, m.drillRunLines(c, f, w)...)
}

// drillChoiceLines lists the drills with what each expects on this cluster.
func (m Model) drillChoiceLines(c *model.Cluster, f *facts, w int) []string {
	s := m.styles
	out := []string{""}
	if c.Namespace == "" {
		return append(out, wrap("Drills need Kubernetes: this cluster was given with --url.", w, "  ")...)
	}
	for i, ch := range m.opts.Drills.Choices() {
		mark := "  "
		name := fmt.Sprintf("%-16s", ch.Name)
		if i == m.dr.sel {
			mark = s.Key.Render("▸ ")
			name = s.Bold.Render(name)
		}
		lines := wrap(ch.Summary, w-18, "")
		out = append(out, mark+name+lines[0])
		for _, l := range lines[1:] {
			out = append(out, strings.Repeat(" ", 18)+l)
		}
		if e := f.drillExpect[ch.Name]; e != "" {
			for _, l := range wrap(e, w-18, "") {
				out = append(out, strings.Repeat(" ", 18)+s.Dim.Render(l))
			}
		}
	}
	out = append(out, "", "  "+s.Key.Render("↑↓")+" choose  "+s.Key.Render("enter")+" show the plan (nothing changes until you confirm it)")
	if f.drillRoute != "" {
		out = append(out, wrap(s.Dim.Render(f.drillRoute), w, "  ")...)
	}
	return out
}

// drillRunLines is a running or ended drill: state, lanes per replica, the verdicts, and the
// last progress lines.
func (m Model) drillRunLines(c *model.Cluster, f *facts, w int) []string {
	s := m.styles
	d := m.dr
	state := fmt.Sprintf("running %s", timing.Format(m.opts.Now().Sub(d.started).Truncate(time.Second)))
	switch d.phase {
	case drillStopping:
		state = s.Warning.Render("stopping: restoring what it changed…")
	case drillDone:
		state = "ended"
	}
	out := []string{"", "  " + s.Bold.Render(d.choice.Name) + " on " + d.target[0] + "/" + d.target[1] + s.Dim.Render(" · ") + state}
	// The mesh as the last snapshot shows it: the split and the heal as they happen.
	if mx := c.Matrix; mx != nil && len(mx.Columns) > 0 {
		out = append(out, matrixLines(s, mx, f.changed)...)
	}
	if n := len(f.islands); n > 1 {
		var parts []string
		for _, g := range f.islands {
			parts = append(parts, "{"+strings.Join(g, ", ")+"}")
		}
		out = append(out, wrap(s.Bad.Render(fmt.Sprintf("%d islands, each notifies on its own:", n))+" "+strings.Join(parts, " "), w, "  ")...)
	} else if n == 1 {
		out = append(out, "  "+s.Good.Render("1 island"))
	}
	out = append(out, m.drillLanes(c, w)...)
	if d.report != nil {
		out = append(out, "")
		for _, r := range d.report.Drills {
			v := dashIfEmpty(string(r.Verdict))
			out = append(out, wrap(s.Paint(verdictTone(r.Verdict), v)+" "+s.Bold.Render(r.Drill)+": "+strings.TrimSpace(r.Explanation+" "+r.Error), w, "  ")...)
		}
		if r := d.report; r.Stopped != nil {
			out = append(out, wrap(s.Bad.Render("Stopped ("+r.Stopped.Reason+"): ")+r.Stopped.Message, w, "  ")...)
		}
		if me := d.report.MeshAtEnd; me != nil && !me.Whole {
			out = append(out, wrap(s.Bad.Render("The mesh is not whole after the drill: ")+me.Detail, w, "  ")...)
		}
	}
	if d.err != "" && (d.report == nil || d.report.Stopped == nil) {
		out = append(out, wrap(s.Bad.Render("Error: ")+d.err, w, "  ")...)
	}
	if d.phase == drillDone {
		out = append(out, "  "+s.Key.Render("esc")+" back to the drills")
	}
	out = append(out, "", "  "+s.Bold.Render("Progress"))
	n := len(d.lines)
	for _, l := range d.lines[max(0, n-12):] {
		out = append(out, wrap(l, w, "    ")...)
	}
	return out
}

// drillLanes draws one lane per replica (and one for the cluster) with the timeline's events
// so far: ▲ alert posted, ✗ fault, ● notification, ⇄ split, ✓ heal, ○ resolve, each with its
// time from the alert.
func (m Model) drillLanes(c *model.Cluster, w int) []string {
	s := m.styles
	d := m.dr
	events := slices.Clone(d.events)
	var t0 time.Time
	current := ""
	for _, e := range events {
		current = e.drill
		if e.Kind == drill.EventPost {
			t0 = e.at
		}
	}
	// Notifications come with the result (from the sink), timed from T0 already.
	if d.report != nil && !t0.IsZero() {
		for _, r := range d.report.Drills {
			if r.Drill != current {
				continue
			}
			for _, e := range r.Events {
				if e.Kind == drill.EventNotify {
					events = append(events, timedEvent{at: t0.Add(e.At), drill: current, Event: e})
				}
			}
		}
	}
	lanes := []string{""}
	for _, r := range c.Replicas {
		lanes = append(lanes, r.Name)
	}
	for _, e := range events {
		if e.Replica != "" && !slices.Contains(lanes, e.Replica) {
			lanes = append(lanes, e.Replica)
		}
	}
	width := 8
	for _, l := range lanes {
		width = max(width, len(l))
	}
	title := "Timeline"
	if current != "" {
		title += " of " + current
	}
	out := []string{"", "  " + s.Bold.Render(title) + s.Dim.Render(", from the alert: ▲ posted  ✗ fault  ⇄ split  ● notification  ✓ healed  ○ resolved")}
	for _, lane := range lanes {
		var marks []string
		for _, e := range events {
			if e.Replica != lane {
				continue
			}
			at := e.at.Sub(t0)
			if t0.IsZero() {
				at = e.at.Sub(d.started)
			}
			marks = append(marks, eventMark(s, e.Kind)+" "+timing.Format(at.Round(100*time.Millisecond)))
		}
		name := lane
		if name == "" {
			name = "cluster"
		}
		line := fmt.Sprintf("  %-*s  ", width, name) + strings.Join(marks, "  ")
		out = append(out, line)
	}
	return out
}

func eventMark(s Styles, kind string) string {
	switch kind {
	case drill.EventPost:
		return "▲"
	case drill.EventFault:
		return s.Bad.Render("✗")
	case drill.EventSplit:
		return s.Warning.Render("⇄")
	case drill.EventNotify:
		return s.Good.Render("●")
	case drill.EventHeal:
		return s.Good.Render("✓")
	}
	return "○"
}

func verdictTone(v drill.Verdict) tone {
	switch v {
	case drill.Pass:
		return good
	case drill.Fail, drill.Inconclusive:
		return bad
	}
	return warn
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// drillFacts are what the Drills tab lists for a cluster (Drills.Expectations). c is the
// snapshot as it came (not cleaned: the configuration is YAML); what is kept is.
func drillFacts(dr Drills, c *model.Cluster, f *facts) {
	f.drillExpect, f.drillRoute = dr.Expectations(c)
	f.drillRoute = ui.Clean(f.drillRoute)
	for k, v := range f.drillExpect {
		f.drillExpect[k] = ui.Clean(v)
	}
}
