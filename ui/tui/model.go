// Package tui is amha's live view: a bubbletea program over snapshots of Alertmanager
// clusters. The model is plain data; Update turns messages (keys, window sizes, snapshots)
// into a new model and commands; View is a pure function of the model. Snapshots are taken
// by the Poll function the caller gives, inside commands, never in View.
package tui

import (
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/watch"
	_ "github.com/amha-dev/kubectl-amha/ui/tui/noquery" // before bubbletea's init: see there
)

// Options configure the live view.
type Options struct {
	// Poll takes one snapshot (blocking). Nil: snapshots arrive only as messages (tests).
	Poll func() ([]model.Cluster, error)
	// Interval is the time between the end of one snapshot and the start of the next.
	Interval time.Duration
	// Now stamps snapshots and events; time.Now when nil.
	Now func() time.Time
	// Color turns colours on; false for NO_COLOR and --color=never.
	Color bool
	// Copy puts text on the terminal's clipboard (OSC 52); nil disables the y key.
	Copy func(string) error
	// Drills runs drills from the Drills tab; nil: the tab says where drills run.
	Drills Drills
}

// maxEvents bounds the event log.
const maxEvents = 500

// tab is one of the views of the body.
type tab int

const (
	tabMesh tab = iota
	tabFindings
	tabEvents
	tabFailures
	tabDrills
	tabCount
)

var tabNames = [tabCount]string{"Mesh", "Findings", "Events", "Failures", "Drills"}

// Model is the state of the live view.
type Model struct {
	opts   Options
	styles Styles
	width  int
	height int

	// clusters is the last good snapshot and facts what the view states about each cluster.
	clusters []model.Cluster
	facts    []facts
	had      bool // a snapshot arrived at least once
	updated  time.Time
	// err is the error of the last snapshot, nil when it worked.
	err      error
	fetching bool
	// gen numbers the refresh cycles, so that a stale tick does not start a second one.
	gen int

	events []watch.Event // oldest first

	tab     tab
	cluster int // index into clusters
	finding int // selected finding of the current cluster
	scroll  [tabCount]int
	help    bool
	note    string // one line in the footer: what a key just did
	// filter narrows the findings and the event log (/); typing is true while it is typed.
	filter string
	typing bool

	dr drillState // the Drills tab
}

// snapshotMsg carries one snapshot (or why there is none) into Update.
type snapshotMsg struct {
	clusters []model.Cluster
	err      error
	at       time.Time
}

// tickMsg starts the next refresh of cycle gen.
type tickMsg struct{ gen int }

// copiedMsg reports the outcome of y.
type copiedMsg struct {
	what string
	err  error
}

// New returns the live view's model, before any snapshot.
func New(o Options) Model {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Interval <= 0 {
		o.Interval = 5 * time.Second
	}
	return Model{opts: o, styles: NewStyles(o.Color), width: 80, height: 24, fetching: o.Poll != nil}
}

// Init takes the first snapshot.
func (m Model) Init() tea.Cmd {
	if m.opts.Poll == nil {
		return nil
	}
	return m.poll()
}

// poll takes one snapshot in a command.
func (m Model) poll() tea.Cmd {
	poll, now := m.opts.Poll, m.opts.Now
	return func() tea.Msg {
		cs, err := poll()
		return snapshotMsg{clusters: cs, err: err, at: now()}
	}
}

func (m Model) tick() tea.Cmd {
	gen := m.gen
	return tea.Tick(m.opts.Interval, func(time.Time) tea.Msg { return tickMsg{gen: gen} })
}

func (m Model) copyText(what, text string) tea.Cmd {
	cp := m.opts.Copy
	return func() tea.Msg { return copiedMsg{what: what, err: cp(text)} }
}

// current is the cluster on screen and its facts; nil before the first snapshot.
// With a filter (/), its findings are those that match it.
func (m *Model) current() (*model.Cluster, *facts) {
	if m.cluster >= len(m.clusters) {
		return nil, nil
	}
	c := &m.clusters[m.cluster]
	if m.filter != "" {
		fc := *c
		fc.Findings = nil
		for _, f := range c.Findings {
			if matches(m.filter, f.ID, f.Severity.String(), f.Message, strings.Join(f.Objects, " "), strings.Join(f.Details, " ")) {
				fc.Findings = append(fc.Findings, f)
			}
		}
		c = &fc
	}
	return c, &m.facts[m.cluster]
}

// matches: every word of filter is in one of texts, case aside.
func matches(filter string, texts ...string) bool {
	all := strings.ToLower(strings.Join(texts, "\n"))
	for _, w := range strings.Fields(strings.ToLower(filter)) {
		if !strings.Contains(all, w) {
			return false
		}
	}
	return true
}
