package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/amha-dev/kubectl-amha/pkg/findings"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
	"github.com/amha-dev/kubectl-amha/pkg/watch"
	"github.com/amha-dev/kubectl-amha/ui"
)

// Smallest size the view lays out; below it, it says so.
const (
	minWidth  = 40
	minHeight = 10
)

// View renders the model: two header lines, the tabs, the body, one footer line. Every line
// is cut to the width and there are exactly height lines.
func (m Model) View() string {
	w, h := m.width, m.height
	if w < minWidth || h < minHeight {
		return fitLines([]string{fmt.Sprintf("amha needs at least %dx%d (now %dx%d)", minWidth, minHeight, w, h)}, w, h)
	}
	lines := m.header(w)
	lines = append(lines, m.tabBar())
	body, pos := m.body(w, m.bodyHeight())
	lines = append(lines, body...)
	lines = append(lines, m.footer(w, pos))
	return fitLines(lines, w, h)
}

// bodyHeight is what is left for the body at the current size.
func (m Model) bodyHeight() int { return max(1, m.height-4) }

// fitLines cuts every line to w and pads or cuts the list to h lines.
func fitLines(lines []string, w, h int) string {
	out := make([]string, h)
	for i := range out {
		if i < len(lines) {
			out[i] = strings.TrimRight(ansi.Truncate(lines[i], w, "…"), " ")
		}
	}
	return strings.Join(out, "\n")
}

func (m Model) header(w int) []string {
	s := m.styles
	right := ""
	if m.had {
		right = m.updated.Format("15:04:05")
	}
	if m.fetching {
		right = strings.TrimSpace("refreshing… " + right)
	}
	c, f := m.current()
	title := s.Title.Render("amha")
	if c == nil {
		return []string{title, rightAlign("", s.Dim.Render(right), w)}
	}
	name := c.Name
	if c.Namespace != "" {
		name = c.Namespace + "/" + c.Name
	}
	if len(m.clusters) > 1 {
		name = fmt.Sprintf("[%d/%d] %s", m.cluster+1, len(m.clusters), name)
	}
	islands := "1 island"
	if n := len(f.islands); n != 1 {
		islands = s.Bad.Render(fmt.Sprintf("%d islands", n))
	}
	answer := fmt.Sprintf("%d of %d answer", f.answered, f.expected)
	if f.answered < f.expected {
		answer = s.Bad.Render(answer)
	}
	peers := fmt.Sprintf("%d of %d peers", f.peers, f.expected)
	if f.peers < f.expected {
		peers = s.Bad.Render(peers)
	}
	line1 := strings.Join([]string{title + "  " + s.Bold.Render(name), answer, peers, islands}, s.Dim.Render(" · "))

	t, v := clusterVerdict(c)
	line2 := s.Tone(t) + " " + s.Paint(t, v)
	if len(c.Drills) > 0 {
		line2 = s.Tone(warn) + " " + s.Warning.Render(c.Drills[0].String()) + s.Dim.Render(" · ") + s.Paint(t, v)
	}
	if m.err != nil {
		line2 = s.Tone(warn) + " " + s.Warning.Render("refresh failed, showing "+m.updated.Format("15:04:05")+": "+ui.Clean(firstLine(m.err.Error())))
	}
	return []string{line1, rightAlign(line2, s.Dim.Render(right), w)}
}

// rightAlign puts right at the end of a w-wide line, cutting left to make room.
func rightAlign(left, right string, w int) string {
	rw := ansi.StringWidth(right)
	left = ansi.Truncate(left, w-rw-1, "…")
	return left + strings.Repeat(" ", max(1, w-ansi.StringWidth(left)-rw)) + right
}

func (m Model) tabBar() string {
	s := m.styles
	var parts []string
	for i, name := range tabNames {
		label := fmt.Sprintf("%d %s", i+1, name)
		switch tab(i) {
		case tabFindings:
			if c, _ := m.current(); c != nil {
				label += fmt.Sprintf(" (%d)", len(c.Findings))
			}
		case tabEvents:
			label += fmt.Sprintf(" (%d)", len(m.events))
		}
		if tab(i) == m.tab && !m.help {
			parts = append(parts, s.TabActive.Render("["+label+"]"))
		} else {
			parts = append(parts, s.Tab.Render(" "+label+" "))
		}
	}
	return strings.Join(parts, " ")
}

func (m Model) footer(w int, pos string) string {
	s := m.styles
	left := m.note
	if m.typing {
		left = s.Key.Render("/") + m.filter + "█" + s.Dim.Render("  enter keeps it, esc clears it")
	} else if left == "" && m.filter != "" && (m.tab == tabFindings || m.tab == tabEvents) {
		left = s.Key.Render("/") + m.filter + s.Dim.Render("  (filter: / edits it, esc clears it)")
	}
	if left == "" {
		keys := []string{"←→ view", "↑↓ move", "r refresh", "? help", "q quit"}
		if m.tab == tabFindings && m.opts.Copy != nil {
			keys = []string{"←→ view", "↑↓ select", "y copy fix", "/ filter", "? help", "q quit"}
		}
		if m.tab == tabEvents {
			keys = []string{"←→ view", "↑↓ move", "/ filter", "? help", "q quit"}
		}
		if m.tab == tabDrills && m.opts.Drills != nil {
			keys = m.drillKeys()
		}
		for i, k := range keys {
			key, rest, _ := strings.Cut(k, " ")
			keys[i] = s.Key.Render(key) + " " + rest
		}
		left = strings.Join(keys, "  ")
	}
	right := "every " + m.opts.Interval.String()
	if pos != "" {
		right = pos + "  " + right
	}
	return rightAlign(left, s.Dim.Render(right), w)
}

// body renders the current tab into exactly h lines, and says where the window is when the
// content is longer ("1-20/34").
func (m Model) body(w, h int) ([]string, string) {
	if m.help {
		return window(m.helpLines(), 0, h)
	}
	c, f := m.current()
	if c == nil {
		return window(m.waitingLines(w), 0, h)
	}
	switch m.tab {
	case tabMesh:
		return window(m.meshLines(c, f, w), m.scroll[tabMesh], h)
	case tabFindings:
		return m.findingsBody(c, w, h)
	case tabEvents:
		return m.eventBody(w, h)
	case tabFailures:
		return window(m.failureLines(f, c, w), m.scroll[tabFailures], h)
	default:
		return window(m.drillLines(w), m.scroll[tabDrills], h)
	}
}

// window is h lines of lines from offset (clamped), and the position when it does not all fit.
func window(lines []string, offset, h int) ([]string, string) {
	offset = max(0, min(offset, len(lines)-h))
	end := min(len(lines), offset+h)
	out := make([]string, h)
	copy(out, lines[offset:end])
	if len(lines) <= h {
		return out, ""
	}
	return out, fmt.Sprintf("%d-%d/%d", offset+1, end, len(lines))
}

func (m Model) waitingLines(w int) []string {
	switch {
	case m.err == nil && m.had:
		return []string{"", "  The last snapshot holds no cluster."}
	case m.err == nil:
		return []string{"", "  Asking the replicas…"}
	}
	lines := []string{"", "  " + m.styles.Bad.Render("Could not take a snapshot:")}
	lines = append(lines, wrap(ui.CleanText(m.err.Error()), w, "  ")...)
	return append(lines, "", "  "+m.styles.Dim.Render("Trying again every "+m.opts.Interval.String()+"; r tries now, q quits."))
}

func (m Model) meshLines(c *model.Cluster, f *facts, w int) []string {
	s := m.styles
	out := []string{s.Bold.Render("Peer mesh") + "  " + s.Cell(model.CellSelf) + s.Dim.Render(" self  ") + s.Cell(model.CellSees) +
		s.Dim.Render(" sees  ") + s.Cell(model.CellMissing) + s.Dim.Render(" does not see  ") + s.Cell(model.CellUnknown) + s.Dim.Render(" not asked  ") +
		s.Changed.Render("*") + s.Dim.Render(" just changed")}
	mx := c.Matrix
	if mx == nil || len(mx.Columns) == 0 {
		out = append(out, "  no replica reported any member")
	} else {
		out = append(out, matrixLines(s, mx, f.changed)...)
	}
	switch n := len(f.islands); {
	case n == 1:
		out = append(out, "  "+s.Good.Render("1 island: every replica that answers sees every other"))
	case n > 1:
		var parts []string
		for _, g := range f.islands {
			parts = append(parts, "{"+strings.Join(g, ", ")+"}")
		}
		out = append(out, wrap(s.Bad.Render(fmt.Sprintf("%d islands, each notifies on its own:", n))+" "+strings.Join(parts, " "), w, "  ")...)
	}

	out = append(out, "", s.Bold.Render("Readiness")+"  "+s.Dim.Render("pod Ready is not mesh health: /-/ready answers 200 while settling"))
	t := table{
		header: []string{"REPLICA", "READY", "RST", "MESH", "POS", "PEERS", "FAIL", "CONFIG", "VERSION"},
		prio:   []int{0, 4, 3, 0, 6, 0, 5, 1, 2},
	}
	for i, h := range t.header {
		t.header[i] = s.Header.Render(h)
	}
	nameW := 0
	for i := range c.Replicas {
		r := &c.Replicas[i]
		nameW = max(nameW, ansi.StringWidth(r.Name))
		ready, rst := "-", "-"
		if r.Pod != nil {
			ready, rst = "no", strconv.Itoa(int(r.Pod.Restarts))
			if r.Pod.Ready {
				ready = "yes"
			}
			if r.Pod.Deleted {
				ready = s.Bad.Render("gone")
			}
		}
		if !r.OK() {
			t.add(r.Name, ready, rst, s.Bad.Render("unreachable"), "-", "-", "-", "-", "-")
			continue
		}
		mesh := s.MeshStatus(r.Status.Cluster)
		mt := r.Metrics
		if mt == nil {
			mt = &model.Metrics{}
		}
		peers := fmt.Sprintf("%d/%d", len(f.replicas[i].sees), f.expected)
		if len(f.replicas[i].sees) < f.expected {
			peers = s.Bad.Render(peers)
		}
		failed := ui.Num(mt.FailedPeers)
		if mt.FailedPeers != nil && *mt.FailedPeers > 0 {
			failed = s.Bad.Render(failed)
		}
		t.add(r.Name, ready, rst, mesh, ui.Num(mt.Position), peers, failed, ui.OrDash(mt.ConfigHash), ui.OrDash(r.Status.Version))
	}
	out = append(out, t.lines(w, "  ")...)
	out = append(out, "", s.Bold.Render("Verdict"))
	for i := range c.Replicas {
		rf := f.replicas[i]
		name := c.Replicas[i].Name
		hang := strings.Repeat(" ", nameW+6)
		lines := wrap(rf.verdict, w, hang)
		lines[0] = "  " + name + strings.Repeat(" ", nameW-ansi.StringWidth(name)+2) + s.Tone(rf.tone) + " " + strings.TrimPrefix(lines[0], hang)
		out = append(out, lines...)
	}
	return out
}

// matrixLines draws the peer matrix. Rows are numbered; a column that is a replica carries
// that replica's number, a member no asked replica is gets a letter and a legend line. A cell
// that changed since the last snapshot has a * after it.
func matrixLines(s Styles, mx *model.Matrix, changed [][]bool) []string {
	mx, changed = withLostColumns(mx, changed)
	row := map[string]int{}
	for i, n := range mx.Rows {
		row[n] = i
	}
	labels := make([]string, len(mx.Columns))
	var legend []string
	foreign := 0
	for j, col := range mx.Columns {
		if i, ok := row[col.Replica]; ok && col.Replica != "" {
			labels[j] = fmt.Sprintf("[%d]", i)
			continue
		}
		labels[j] = fmt.Sprintf("[%c]", 'a'+foreign%26)
		foreign++
		legend = append(legend, fmt.Sprintf("  %s %s %s %s", labels[j], s.Dim.Render("member"), col.Name,
			s.Dim.Render(col.Address+", which no replica asked is")))
	}
	cellW := 4
	for _, l := range labels {
		cellW = max(cellW, len(l)+1)
	}
	rowLabels := make([]string, len(mx.Rows))
	labelW := 0
	for i, n := range mx.Rows {
		rowLabels[i] = fmt.Sprintf("[%d] %s", i, n)
		labelW = max(labelW, ansi.StringWidth(rowLabels[i]))
	}
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", labelW+4))
	for _, l := range labels {
		b.WriteString(l + strings.Repeat(" ", cellW-len(l)))
	}
	out := []string{strings.TrimRight(b.String(), " ")}
	for i, cells := range mx.Cells {
		b.Reset()
		b.WriteString("  " + rowLabels[i] + strings.Repeat(" ", labelW-ansi.StringWidth(rowLabels[i])+2))
		for j, cell := range cells {
			mark := " "
			if i < len(changed) && j < len(changed[i]) && changed[i][j] {
				mark = s.Changed.Render("*")
			}
			b.WriteString(" " + s.Cell(cell) + mark + strings.Repeat(" ", cellW-3))
		}
		out = append(out, strings.TrimRight(b.String(), " "))
	}
	return append(out, legend...)
}

// withLostColumns gives a replica that did not answer, and that no replica lists any more, its
// column back, so that the others' ✗ for it shows rather than the column vanishing with it.
// Only when every column is a replica's: a member no replica claims may be that replica under
// another name, and then it is the legend's.
func withLostColumns(mx *model.Matrix, changed [][]bool) (*model.Matrix, [][]bool) {
	has := map[string]bool{}
	for _, col := range mx.Columns {
		if col.Replica == "" {
			return mx, changed
		}
		has[col.Replica] = true
	}
	if len(has) == len(mx.Rows) {
		return mx, changed
	}
	out := &model.Matrix{Rows: mx.Rows}
	var from []int // the original column of each new one, -1 for an added one
	answered := make([]bool, len(mx.Rows))
	for i, cells := range mx.Cells {
		for _, c := range cells {
			answered[i] = answered[i] || c != model.CellUnknown
		}
	}
	for i, name := range mx.Rows {
		j := slices.IndexFunc(mx.Columns, func(c model.MatrixMember) bool { return c.Replica == name })
		switch {
		case j >= 0:
			out.Columns, from = append(out.Columns, mx.Columns[j]), append(from, j)
		case !answered[i]:
			out.Columns, from = append(out.Columns, model.MatrixMember{Name: name, Replica: name}), append(from, -1)
		}
	}
	newChanged := make([][]bool, len(mx.Rows))
	for i := range mx.Rows {
		row := make([]model.Cell, len(out.Columns))
		newChanged[i] = make([]bool, len(out.Columns))
		for k, j := range from {
			switch {
			case j >= 0 && i < len(mx.Cells):
				row[k] = mx.Cells[i][j]
				newChanged[i][k] = i < len(changed) && j < len(changed[i]) && changed[i][j]
			case !answered[i]:
				row[k] = model.CellUnknown
			default:
				row[k] = model.CellMissing
			}
		}
		out.Cells = append(out.Cells, row)
	}
	return out, newChanged
}

// findingsBody is the list of findings, most severe first, above the selected one's detail.
func (m Model) findingsBody(c *model.Cluster, w, h int) ([]string, string) {
	s := m.styles
	if len(c.Findings) == 0 && m.filter != "" {
		return window([]string{"", "  No finding matches /" + m.filter + " (esc clears the filter)."}, 0, h)
	}
	if len(c.Findings) == 0 {
		return window(append([]string{"", "  " + s.Good.Render("No findings: the mesh is whole and consistent.")}, suppressedLine(c, s)...), 0, h)
	}
	listH := findingsListHeight(len(c.Findings), h)
	start := max(0, m.finding-listH+1)
	t := table{header: []string{"", "SEVERITY", "CHECK", "SYMPTOMS", "ON"}, prio: []int{0, 0, 0, 1, 2}}
	for i, hd := range t.header {
		t.header[i] = s.Header.Render(hd)
	}
	for i, f := range c.Findings {
		mark := " "
		id := f.ID
		if i == m.finding {
			mark, id = "›", s.Selected.Render(f.ID)
		}
		syms := make([]string, len(f.Symptoms))
		for k, x := range f.Symptoms {
			syms[k] = string(x)
		}
		t.add(mark, s.Severity(f.Severity), id, s.Dim.Render(strings.Join(syms, ", ")), objects(f.Objects))
	}
	rows := t.lines(w, " ")
	list := append([]string{rows[0]}, rows[1+start:1+start+listH]...)
	list = append(list, suppressedLine(c, s)...)
	var pos string
	if len(c.Findings) > listH {
		pos = fmt.Sprintf("finding %d/%d", m.finding+1, len(c.Findings))
	}
	detail, dpos := window(m.findingDetail(&c.Findings[m.finding], w), m.scroll[tabFindings], h-len(list)-1)
	if dpos != "" {
		pos = strings.TrimSpace(pos + "  detail " + dpos)
	}
	out := append(list, s.Dim.Render(strings.Repeat("─", w)))
	return append(out, detail...), pos
}

// suppressedLine counts the findings the team accepted (--disable, the config file, the
// objects' annotations), so that none is dropped silently; none when there are none.
func suppressedLine(c *model.Cluster, s Styles) []string {
	if len(c.Suppressed) == 0 {
		return nil
	}
	return []string{"  " + s.Dim.Render(ui.SuppressedSummary(c.Suppressed, true))}
}

// findingsListHeight is how many findings the list shows in a body of h lines; the detail
// gets the rest, below the list's header and a rule.
func findingsListHeight(n, h int) int { return min(n, max(3, h/3)) }

// maxScroll is the furthest the current view scrolls: its length less the window.
func (m Model) maxScroll() int {
	c, f := m.current()
	if c == nil || m.help {
		return 0
	}
	w, h := m.width, m.bodyHeight()
	var lines []string
	switch m.tab {
	case tabMesh:
		lines = m.meshLines(c, f, w)
	case tabFindings:
		if len(c.Findings) == 0 {
			return 0
		}
		lines = m.findingDetail(&c.Findings[m.finding], w)
		h -= findingsListHeight(len(c.Findings), h) + 2 + len(suppressedLine(c, m.styles))
	case tabEvents:
		return m.lastEventScroll(m.eventOrder(), w, h)
	case tabFailures:
		lines = m.failureLines(f, c, w)
	default:
		lines = m.drillLines(w)
	}
	return max(0, len(lines)-h)
}

func (m Model) findingDetail(f *model.Finding, w int) []string {
	s := m.styles
	head := s.Severity(f.Severity) + " " + s.Bold.Render(f.ID)
	if len(f.Symptoms) > 0 {
		syms := make([]string, len(f.Symptoms))
		for k, x := range f.Symptoms {
			syms[k] = string(x)
		}
		head += s.Dim.Render(" (" + strings.Join(syms, ", ") + ")")
	}
	out := []string{head}
	if len(f.Objects) > 0 {
		out = append(out, wrap("on: "+strings.Join(f.Objects, ", "), w, "  ")...)
	}
	out = append(out, wrap(f.Message, w, "  ")...)
	for _, d := range f.Details {
		out = append(out, "    "+s.Dim.Render(d))
	}
	out = append(out, s.Bold.Render("fix:"))
	out = append(out, wrap(f.Fix, w, "  ")...)
	// The page at this binary's version, whole: a URL cut to the width opens nothing.
	for _, l := range wrap(findings.DocURL(f.ID), w, "  ") {
		out = append(out, s.Dim.Render(l))
	}
	return out
}

func objects(objs []string) string {
	switch len(objs) {
	case 0:
		return "-"
	case 1:
		return objs[0]
	}
	return fmt.Sprintf("%s +%d", objs[0], len(objs)-1)
}

// eventOrder is the log's display order, as indices into m.events: newest snapshot first,
// the events of one snapshot in the order they were found; with a filter, those that match.
func (m Model) eventOrder() []int {
	order := make([]int, 0, len(m.events))
	for end := len(m.events); end > 0; {
		start := end - 1
		for start > 0 && m.events[start-1].At.Equal(m.events[end-1].At) {
			start--
		}
		for i := start; i < end; i++ {
			if e := m.events[i]; m.filter == "" || matches(m.filter, e.Text, e.Cluster, string(e.Kind)) {
				order = append(order, i)
			}
		}
		end = start
	}
	return order
}

// eventBody shows the log from its from-th event (in display order) on. The log scrolls by
// event, and only what is on screen is rendered: it holds up to maxEvents events.
func (m Model) eventBody(w, h int) ([]string, string) {
	if len(m.events) == 0 {
		return window([]string{"", "  No changes yet."}, 0, h)
	}
	order := m.eventOrder()
	if len(order) == 0 {
		return window([]string{"", "  No event matches /" + m.filter + " (esc clears the filter)."}, 0, h)
	}
	from := min(m.scroll[tabEvents], m.lastEventScroll(order, w, h))
	var out []string
	shown := 0
	for _, i := range order[from:] {
		if len(out) >= h {
			break
		}
		out = append(out, m.eventLines(m.events[i], w)...)
		shown++
	}
	lines, _ := window(out, 0, h)
	pos := ""
	if from > 0 || from+shown < len(order) || len(out) > h {
		pos = fmt.Sprintf("events %d-%d/%d", from+1, from+shown, len(order))
	}
	return lines, pos
}

// lastEventScroll is the furthest the log scrolls: the last events fill the window.
func (m Model) lastEventScroll(order []int, w, h int) int {
	n := 0
	for k := len(order) - 1; k >= 0; k-- {
		n += len(m.eventLines(m.events[order[k]], w))
		if n > h {
			return min(k+1, len(order)-1)
		}
	}
	return 0
}

// eventLines is one event, wrapped under its time.
func (m Model) eventLines(e watch.Event, w int) []string {
	const hang = "            "
	s := m.styles
	text := e.Text
	if len(m.clusters) > 1 && e.Cluster != "" {
		text = e.Cluster + ": " + text
	}
	lines := wrap(text, w, hang)
	lines[0] = s.Dim.Render(e.At.Format("15:04:05")) + "  " + s.Tone(eventTone(e.Kind)) + " " + strings.TrimPrefix(lines[0], hang)
	return lines
}

// failureLines is the timing model's table for this cluster: per failure scenario, how many
// notifications one alert group gets and when, then the partition case in words.
func (m Model) failureLines(f *facts, c *model.Cluster, w int) []string {
	s := m.styles
	p := f.timing
	out := []string{s.Bold.Render("Failure table for this cluster") + "  " + s.Dim.Render(fmt.Sprintf("%d replicas, peer-timeout %s",
		p.Replicas, timing.Format(p.PeerTimeout)))}
	out = append(out, wrap(s.Dim.Render(fmt.Sprintf("Route timing is Alertmanager's default (group_wait %s, group_interval %s); "+
		"kubectl amha snippets models your own. Times are from the first alert reaching the replicas.",
		timing.Format(p.GroupWait), timing.Format(timing.DefaultGroupInterval))), w, "  ")...)
	if f.timingErr != nil {
		return append(out, "", "  "+s.Bad.Render("no table: "+f.timingErr.Error()))
	}
	t := table{header: []string{"SCENARIO", "SENT", "WHEN", "WHAT"}, prio: []int{0, 0, 0, 0}, wrapLast: true}
	for i, h := range t.header {
		t.header[i] = s.Header.Render(h)
	}
	var partition timing.Scenario
	for _, sc := range f.scenarios {
		count := sc.Count()
		switch {
		case sc.Max == 0:
			count = s.Bad.Render(count)
		case sc.Max > 1:
			count = s.Warning.Render(count)
		}
		t.add(sc.ID, count, sc.When(), sc.Summary)
		if sc.ID == timing.Partition {
			partition = sc
		}
	}
	out = append(out, "")
	out = append(out, t.lines(w, "  ")...)
	n := len(f.islands)
	now := s.Good.Render("Now: 1 island, so one notification per alert group.")
	if n > 1 {
		now = s.Bad.Render(fmt.Sprintf("Now: %d islands, so up to %d notifications per alert group.", n, n))
	}
	out = append(out, "", s.Bold.Render("Partition")+"  "+now)
	return append(out, wrap(partition.Explanation, w, "  ")...)
}

func (m Model) helpLines() []string {
	s := m.styles
	keys := [][2]string{
		{"←/→ tab shift+tab h/l", "previous / next view"},
		{"1-5", "Mesh, Findings, Events, Failures, Drills"},
		{"↑/↓ k/j", "select a finding; scroll the other views"},
		{"pgup/pgdn space", "scroll (on Findings: the detail)"},
		{"home/end g/G", "top / bottom"},
		{"[ ]", "previous / next cluster (-A)"},
		{"y", "copy the selected finding's fix (OSC 52)"},
		{"/", "filter the findings and events (esc clears)"},
		{"enter, y / n", "Drills: the chosen drill's plan; y runs it"},
		{"x esc", "Drills: stop the drill (it restores all)"},
		{"r", "refresh now (otherwise every " + m.opts.Interval.String() + ")"},
		{"?", "this help; ? or esc closes it"},
		{"q ctrl+c", "quit (a drill is stopped and restored first)"},
	}
	out := []string{s.Bold.Render("Keys")}
	for _, k := range keys {
		out = append(out, "  "+s.Key.Render(fmt.Sprintf("%-22s", k[0]))+" "+k[1])
	}
	return out
}

// wrap breaks text at spaces into lines of at most w columns, each starting with indent. A
// word longer than a line is cut. (ansi.Wrap would also break at hyphens: flags and pod
// names must stay whole.)
func wrap(text string, w int, indent string) []string {
	limit := max(10, w-len(indent))
	var lines []string
	var cur strings.Builder
	curW := 0
	flush := func() {
		lines = append(lines, indent+cur.String())
		cur.Reset()
		curW = 0
	}
	for _, word := range strings.Fields(text) {
		ww := ansi.StringWidth(word)
		if curW > 0 && curW+1+ww > limit {
			flush()
		}
		for curW == 0 && ww > limit {
			lines = append(lines, indent+ansi.Truncate(word, limit, ""))
			word = ansi.TruncateLeft(word, limit, "")
			ww = ansi.StringWidth(word)
		}
		if curW > 0 {
			cur.WriteByte(' ')
			curW++
		}
		cur.WriteString(word)
		curW += ww
	}
	if curW > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}
