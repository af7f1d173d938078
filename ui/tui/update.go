package tui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/watch"
	"github.com/amha-dev/kubectl-amha/ui"
)

// Update applies one message.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.clampScroll()
		return m, nil
	case snapshotMsg:
		m.snapshot(msg)
		m.gen++
		return m, m.tick()
	case tickMsg:
		if msg.gen != m.gen || m.fetching || m.opts.Poll == nil {
			return m, nil
		}
		m.fetching = true
		return m, m.poll()
	case copiedMsg:
		m.note = "copied " + msg.what + " (OSC 52: your terminal decides whether it reaches the clipboard)"
		if msg.err != nil {
			m.note = "could not copy: " + msg.err.Error()
		}
		return m, nil
	case drillPlanMsg, drillUpdateMsg, drillDoneMsg:
		return m.drillMsg(msg)
	case tea.KeyMsg:
		return m.key(msg)
	}
	return m, nil
}

// snapshot takes in a new snapshot: events from the difference to the last one, then the
// snapshot itself. A failed snapshot keeps the last good one on screen.
func (m *Model) snapshot(msg snapshotMsg) {
	m.fetching = false
	// The Drills tab's expectations read the running configurations as they are (YAML); what
	// it shows of them is cleaned there.
	var drills []facts
	if m.opts.Drills != nil && msg.err == nil {
		drills = make([]facts, len(msg.clusters))
		for i := range msg.clusters {
			drillFacts(m.opts.Drills, &msg.clusters[i], &drills[i])
		}
	}
	// Cleaned once on arrival: every string the view draws from a replica is inert.
	msg.clusters = ui.Cleaned(msg.clusters)
	if msg.err != nil {
		if m.err == nil || m.err.Error() != msg.err.Error() {
			m.log(watch.Event{At: msg.at, Kind: watch.SnapshotFailed, Text: "snapshot failed: " + ui.Clean(firstLine(msg.err.Error()))})
		}
		m.err = msg.err
		return
	}
	if m.err != nil && m.had {
		m.log(watch.Event{At: msg.at, Kind: watch.SnapshotOK, Text: "snapshots work again"})
	}
	var prev []model.Cluster
	if m.had {
		prev = append([]model.Cluster{}, m.clusters...)
	}
	m.log(watch.Diff(prev, msg.clusters, msg.at)...)
	before := map[string]*model.Cluster{}
	for i := range prev {
		before[watch.Key(&prev[i])] = &prev[i]
	}
	m.clusters, m.had, m.err, m.updated = msg.clusters, true, nil, msg.at
	m.facts = make([]facts, len(m.clusters))
	for i := range m.clusters {
		c := &m.clusters[i]
		m.facts[i] = factsOf(c)
		m.facts[i].changed = changedCells(before[watch.Key(c)], c)
		if drills != nil {
			m.facts[i].drillExpect, m.facts[i].drillRoute = drills[i].drillExpect, drills[i].drillRoute
		}
	}
	m.cluster = min(m.cluster, max(len(m.clusters)-1, 0))
	m.clampFinding()
	m.clampScroll()
}

func (m *Model) log(evs ...watch.Event) {
	m.events = append(m.events, evs...)
	if n := len(m.events) - maxEvents; n > 0 {
		m.events = append([]watch.Event(nil), m.events[n:]...)
	}
}

func (m *Model) clampFinding() {
	n := 0
	if c, _ := m.current(); c != nil {
		n = len(c.Findings)
	}
	m.finding = max(0, min(m.finding, n-1))
}

func (m Model) key(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	m.note = ""
	if m.typing {
		return m.filterKey(k), nil
	}
	if m.drillBusy() && (k.String() == "q" || k.String() == "ctrl+c") {
		// Never leave a drill's fault behind: stop it, restore, then quit.
		m.note, m.help = "stopping the drill and restoring what it changed, then quitting…", false
		m, cmd, _ := m.drillStop(true)
		return m, cmd
	}
	if m.help {
		switch k.String() {
		case "q", "ctrl+c":
			return m, tea.Quit
		case "?", "esc", "enter":
			m.help = false
		}
		return m, nil
	}
	if m.tab == tabDrills && m.opts.Drills != nil {
		if m, cmd, ok := m.drillKey(k.String()); ok {
			return m, cmd
		}
	}
	switch k.String() {
	case "q", "ctrl+c":
		return m, tea.Quit
	case "?":
		m.help = true
	case "tab", "right", "l":
		m.tab = (m.tab + 1) % tabCount
	case "shift+tab", "left", "h":
		m.tab = (m.tab + tabCount - 1) % tabCount
	case "1", "2", "3", "4", "5":
		m.tab = tab(k.String()[0] - '1')
	case "]", "[":
		if n := len(m.clusters); n > 1 {
			step := 1
			if k.String() == "[" {
				step = n - 1
			}
			m.cluster = (m.cluster + step) % n
			m.finding, m.scroll[tabFindings] = 0, 0
		}
	case "up", "k":
		m.move(-1)
	case "down", "j":
		m.move(1)
	case "pgup":
		m.scroll[m.tab] = max(0, m.scroll[m.tab]-m.bodyHeight()/2)
	case "pgdown", " ":
		m.scroll[m.tab] += m.bodyHeight() / 2
	case "home", "g":
		m.scroll[m.tab] = 0
		if m.tab == tabFindings {
			m.finding = 0
		}
	case "end", "G":
		m.scroll[m.tab] = 1 << 30 // clamped below
		if c, _ := m.current(); c != nil && m.tab == tabFindings {
			m.finding = len(c.Findings) - 1
			m.scroll[m.tab] = 0
		}
	case "r":
		if m.opts.Poll != nil && !m.fetching {
			m.fetching = true
			return m, m.poll()
		}
	case "/":
		if m.tab == tabFindings || m.tab == tabEvents {
			m.typing = true
			m.scroll[m.tab], m.finding = 0, 0
		}
	case "esc":
		if m.filter != "" {
			m.filter = ""
			m.clampFinding()
		}
	case "y":
		if c, _ := m.current(); c != nil && m.tab == tabFindings && len(c.Findings) > 0 && m.opts.Copy != nil {
			f := c.Findings[m.finding]
			return m, m.copyText("the fix of "+f.ID, f.Fix)
		}
	}
	m.clampScroll()
	return m, nil
}

// filterKey edits the filter while it is typed: enter keeps it, esc clears it.
func (m Model) filterKey(k tea.KeyMsg) Model {
	switch k.Type {
	case tea.KeyEnter:
		m.typing = false
	case tea.KeyEsc, tea.KeyCtrlC:
		m.typing, m.filter = false, ""
	case tea.KeyBackspace:
		if r := []rune(m.filter); len(r) > 0 {
			m.filter = string(r[:len(r)-1])
		}
	case tea.KeySpace:
		m.filter += " "
	case tea.KeyRunes:
		m.filter += string(k.Runes)
	}
	m.finding, m.scroll[tabFindings], m.scroll[tabEvents] = 0, 0, 0
	m.clampFinding()
	return m
}

// clampScroll keeps the current view's scroll within its content, so that scrolling back
// up after overshooting takes effect at once.
func (m *Model) clampScroll() { m.scroll[m.tab] = min(m.scroll[m.tab], m.maxScroll()) }

// move moves the selection on the findings view, and scrolls the others by a line.
func (m *Model) move(d int) {
	if m.tab == tabFindings {
		m.finding += d
		m.clampFinding()
		m.scroll[tabFindings] = 0
		return
	}
	m.scroll[m.tab] = max(0, m.scroll[m.tab]+d)
}
