package tui

import (
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/amha-dev/kubectl-amha/internal/golden"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/watch"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// script is a Poll function that returns the given snapshots in turn (the last one again
// when they run out).
func script(steps ...func(time.Time) []model.Cluster) func() ([]model.Cluster, error) {
	i := 0
	return func() ([]model.Cluster, error) {
		s := steps[min(i, len(steps)-1)]
		i++
		return s(t0), nil
	}
}

// driver feeds messages to the model the way the bubbletea runtime does, minus the terminal.
type driver struct {
	t *testing.T
	m Model
}

func newDriver(t *testing.T, o Options) *driver {
	if o.Now == nil {
		o.Now = fakeClock()
	}
	if o.Interval == 0 {
		o.Interval = 5 * time.Second
	}
	return &driver{t: t, m: New(o)}
}

func (d *driver) send(msg tea.Msg) tea.Cmd {
	d.t.Helper()
	next, cmd := d.m.Update(msg)
	d.m = next.(Model)
	return cmd
}

// refresh runs one snapshot command (what a tick or Init starts) and feeds its message back.
func (d *driver) refresh() {
	d.t.Helper()
	d.send(d.m.poll()())
}

func (d *driver) keys(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		d.send(keyMsg(k))
	}
}

func keyMsg(k string) tea.KeyMsg {
	switch k {
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	case "pgup":
		return tea.KeyMsg{Type: tea.KeyPgUp}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// checkFrame asserts the frame is exactly w x h at most, with no escape sequence.
func checkFrame(t *testing.T, name, frame string, w, h int) {
	t.Helper()
	lines := strings.Split(frame, "\n")
	if len(lines) != h {
		t.Errorf("%s: %d lines, want %d", name, len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("%s: line %d is %d wide (> %d): %q", name, i+1, n, w, l)
		}
	}
	if strings.Contains(frame, "\x1b") {
		t.Errorf("%s: escape sequences with colour off", name)
	}
}

// TestTUIGolden feeds a healthy mesh, an island and the healed mesh, and compares every view
// at 80x24 and 120x40 with the golden files.
func TestTUIGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			d := newDriver(t, Options{Poll: script(healthy, island, healed), Copy: func(string) error { return nil }})
			d.send(tea.WindowSizeMsg{Width: w, Height: h})
			frame := func(name string) {
				t.Helper()
				v := d.m.View()
				checkFrame(t, name, v, w, h)
				golden.Check(t, filepath.Join("testdata", fmt.Sprintf("%dx%d/%s.golden", w, h, name)), []byte(v), *update)
			}
			frame("0-waiting")
			d.refresh()
			frame("1-healthy-mesh")
			d.refresh()
			frame("2-island-mesh")
			d.keys("2")
			frame("3-island-findings")
			d.keys("down")
			frame("4-island-findings-second")
			d.refresh()
			d.keys("3")
			frame("5-healed-events")
			d.keys("4")
			frame("6-failures")
			d.keys("5")
			frame("7-drills")
			d.keys("?")
			frame("8-help")
		})
	}
}

// TestTUIEventLog: the log records, with the injected clock's times, what changed between the
// healthy, island and healed snapshots.
func TestTUIEventLog(t *testing.T) {
	d := newDriver(t, Options{Poll: script(healthy, island, healed)})
	d.refresh()
	d.refresh()
	d.refresh()
	var got []string
	for _, e := range d.m.events {
		got = append(got, e.At.Format("15:04:05")+" "+string(e.Kind)+" "+e.Subject)
	}
	want := []string{
		"12:00:00 started ",
		"12:00:05 member-left alertmanager-main-0",
		"12:00:05 member-left alertmanager-main-1",
		"12:00:05 member-left alertmanager-main-2",
		"12:00:05 island-formed ",
		"12:00:05 position-changed alertmanager-main-2",
		"12:00:05 finding-raised mesh/island",
		"12:00:05 finding-raised mesh/failed-peers",
		"12:00:10 member-joined alertmanager-main-0",
		"12:00:10 member-joined alertmanager-main-1",
		"12:00:10 member-joined alertmanager-main-2",
		"12:00:10 island-healed ",
		"12:00:10 position-changed alertmanager-main-2",
		"12:00:10 finding-cleared mesh/island",
		"12:00:10 finding-cleared mesh/failed-peers",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events\n got  %q\n want %q", got, want)
	}
}

func TestTUISettlingAndLoss(t *testing.T) {
	settling := func(at time.Time) []model.Cluster {
		return snapshot(at, []model.Replica{replica(0, "ready", 0, 0, 0, 1, 2), replica(1, "ready", 1, 0, 0, 1, 2), replica(2, "settling", 2, 0, 0, 1, 2)})
	}
	lost := func(at time.Time) []model.Cluster {
		return snapshot(at, []model.Replica{replica(0, "ready", 0, 1, 0, 1), replica(1, "ready", 1, 1, 0, 1),
			{Name: "alertmanager-main-2", Error: "connection refused"}})
	}
	d := newDriver(t, Options{Poll: script(healthy, settling, healthy, lost)})
	for range 4 {
		d.refresh()
	}
	var kinds []watch.Kind
	for _, e := range d.m.events {
		kinds = append(kinds, e.Kind)
	}
	for _, k := range []watch.Kind{watch.Settling, watch.Settled, watch.ReplicaDown, watch.MemberLeft} {
		if !slices.Contains(kinds, k) {
			t.Errorf("no %s event in %v", k, kinds)
		}
	}
	v := d.m.View()
	for _, want := range []string{"2 of 3 answer", "2 of 3 peers", "unreachable"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
}

func TestTUIColour(t *testing.T) {
	for _, color := range []bool{false, true} {
		d := newDriver(t, Options{Color: color, Poll: script(healthy, island)})
		d.refresh()
		d.refresh()
		for _, k := range []string{"1", "2", "3", "4", "5", "?"} {
			d.keys(k)
			v := d.m.View()
			if got := strings.Contains(v, "\x1b["); got != color {
				t.Errorf("colour %v, view %s: escape sequences in the view: %v", color, k, got)
			}
			// Colour changes no width: the plain text of a coloured view fits as well.
			checkFrame(t, fmt.Sprintf("colour %v, view %s", color, k), ansi.Strip(v), 80, 24)
			d.keys("esc")
		}
	}
}

func TestTUIResize(t *testing.T) {
	d := newDriver(t, Options{Poll: script(nine)})
	d.refresh()
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}, {40, 10}, {60, 15}, {100, 30}} {
		for _, k := range []string{"1", "2", "3", "4", "5", "?"} {
			d.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			d.keys(k, "pgdown", "pgdown", "down")
			checkFrame(t, fmt.Sprintf("%dx%d view %s", size[0], size[1], k), d.m.View(), size[0], size[1])
			d.keys("esc")
		}
	}
	d.send(tea.WindowSizeMsg{Width: 30, Height: 8})
	if v := d.m.View(); !strings.Contains(v, "needs at least 40x10") {
		t.Fatalf("too small a window:\n%s", v)
	}
}

func TestTUIScrollBackAfterOvershoot(t *testing.T) {
	d := newDriver(t, Options{Poll: script(nine)})
	d.refresh()
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.keys("pgdown", "pgdown", "pgdown", "pgdown", "pgdown", "pgup")
	if s := d.m.scroll[tabMesh]; s != d.m.maxScroll()-d.m.bodyHeight()/2 {
		t.Fatalf("scroll %d after overshooting and one page up; max %d", s, d.m.maxScroll())
	}
}

func TestTUIRefreshCycle(t *testing.T) {
	polls := 0
	d := newDriver(t, Options{Poll: func() ([]model.Cluster, error) { polls++; return healthy(t0), nil }})
	if d.m.Init() == nil || !d.m.fetching {
		t.Fatal("Init takes no snapshot")
	}
	d.refresh()
	if d.m.fetching {
		t.Fatal("still fetching after the snapshot arrived")
	}
	if cmd := d.send(tickMsg{gen: d.m.gen - 1}); cmd != nil {
		t.Fatal("a stale tick started a snapshot")
	}
	if cmd := d.send(tickMsg{gen: d.m.gen}); cmd == nil || !d.m.fetching {
		t.Fatal("the tick of the current cycle started no snapshot")
	}
	if cmd := d.send(keyMsg("r")); cmd != nil {
		t.Fatal("r started a second snapshot while one is in flight")
	}
	d.refresh()
	if cmd := d.send(keyMsg("r")); cmd == nil {
		t.Fatal("r started no snapshot")
	}
	if polls != 2 {
		t.Fatalf("%d polls, want 2", polls)
	}
}

func TestTUISnapshotErrors(t *testing.T) {
	fail := true
	d := newDriver(t, Options{Poll: func() ([]model.Cluster, error) {
		if fail {
			return nil, errors.New("no Alertmanager StatefulSet in namespace monitoring")
		}
		return healthy(t0), nil
	}})
	d.refresh()
	if v := d.m.View(); !strings.Contains(v, "Could not take a snapshot") || !strings.Contains(v, "no Alertmanager StatefulSet") {
		t.Fatalf("first snapshot failed:\n%s", v)
	}
	fail = false
	d.refresh()
	fail = true
	d.refresh()
	d.refresh()
	if v := d.m.View(); !strings.Contains(v, "refresh failed, showing 12:00:05") || !strings.Contains(v, "3 of 3 peers") {
		t.Fatalf("a failed refresh after a good one:\n%s", v)
	}
	fail = false
	d.refresh()
	var kinds []watch.Kind
	for _, e := range d.m.events {
		kinds = append(kinds, e.Kind)
	}
	// The same error twice is logged once.
	want := []watch.Kind{watch.SnapshotFailed, watch.Started, watch.SnapshotFailed, watch.SnapshotOK}
	if !slices.Equal(kinds, want) {
		t.Fatalf("events %v, want %v", kinds, want)
	}
}

func TestTUICopyAndQuit(t *testing.T) {
	var copied string
	d := newDriver(t, Options{Poll: script(island), Copy: func(s string) error { copied = s; return nil }})
	d.refresh()
	d.keys("2", "down")
	cmd := d.send(keyMsg("y"))
	if cmd == nil {
		t.Fatal("y does nothing on the findings view")
	}
	d.send(cmd())
	if want := d.m.clusters[0].Findings[1].Fix; copied != want || !strings.Contains(d.m.View(), "copied the fix of") {
		t.Fatalf("copied %q, want %q", copied, want)
	}
	for _, k := range []string{"q", "ctrl+c"} {
		cmd := d.send(keyMsg(k))
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Fatalf("%s does not quit", k)
		}
	}
}

// TestTUIClusters: with several clusters (-A) [ and ] switch between them, and the log names
// the cluster of each event.
func TestTUIClusters(t *testing.T) {
	two := func(split bool) func(time.Time) []model.Cluster {
		return func(at time.Time) []model.Cluster {
			a := healthy(at)[0]
			b := healthy(at)[0]
			if split {
				b = island(at)[0]
			}
			b.Namespace = "team-b"
			return []model.Cluster{a, b}
		}
	}
	d := newDriver(t, Options{Poll: script(two(false), two(true))})
	d.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	d.refresh()
	d.refresh()
	if v := d.m.View(); !strings.Contains(v, "[1/2] monitoring/alertmanager-main") || !strings.Contains(v, "3 of 3 peers") {
		t.Fatalf("first cluster:\n%s", v)
	}
	d.keys("]")
	if v := d.m.View(); !strings.Contains(v, "[2/2] team-b/alertmanager-main") || !strings.Contains(v, "2 islands") {
		t.Fatalf("second cluster:\n%s", v)
	}
	d.keys("]", "3")
	if v := d.m.View(); !strings.Contains(v, "team-b/alertmanager-main: mesh split into 2 islands") {
		t.Fatalf("events do not name their cluster:\n%s", v)
	}
}

// A partition drill in progress: the header and the Drills view say so, and the split it
// causes reads as info.
func TestTUIDrillInProgress(t *testing.T) {
	drilled := func(at time.Time) []model.Cluster {
		cs := island(at)
		exp := at.Add(10 * time.Minute)
		cs[0].Drills = []model.DrillRun{{Run: "1a2b3c4d", Drills: []string{"partition"}, Expires: &exp}}
		for i := range cs[0].Findings {
			cs[0].Findings[i].Severity, cs[0].Findings[i].DrillCaused = model.Info, true
		}
		return cs
	}
	d := newDriver(t, Options{Poll: script(drilled)})
	d.send(tea.WindowSizeMsg{Width: 160, Height: 40})
	d.refresh()
	frame := ansi.Strip(d.m.View())
	if !strings.Contains(frame, "drill in progress: run 1a2b3c4d, partition, expires 2025-") || !strings.Contains(frame, "2 infos") {
		t.Fatalf("header:\n%s", frame)
	}
	d.keys("5")
	if frame := ansi.Strip(d.m.View()); !strings.Contains(frame, "kept at info") {
		t.Fatalf("drills view:\n%s", frame)
	}
}

// The findings view counts the findings the team accepted: with findings and without.
func TestTUISuppressed(t *testing.T) {
	accept := func(step func(time.Time) []model.Cluster) func(time.Time) []model.Cluster {
		return func(at time.Time) []model.Cluster {
			cs := step(at)
			cs[0].Suppressed = []model.SuppressedFinding{{
				Finding:      model.Finding{ID: "mesh/version-skew", Severity: model.Warning},
				SuppressedBy: model.Suppression{By: "annotation", Where: "StatefulSet monitoring/alertmanager-main"},
			}}
			return cs
		}
	}
	const want = "1 finding suppressed (mesh/version-skew by annotation on StatefulSet"
	for name, step := range map[string]func(time.Time) []model.Cluster{"healthy": healthy, "island": island} {
		d := newDriver(t, Options{Poll: script(accept(step))})
		d.refresh()
		d.keys("2")
		if v := d.m.View(); !strings.Contains(v, want) {
			t.Errorf("%s: findings view without the count of suppressed findings:\n%s", name, v)
		}
	}
}

// A replica that stops answering, and that the others no longer list, keeps its column: the
// others' ✗ for it shows, its own row is ? (not asked).
func TestTUILostReplicaKeepsItsColumn(t *testing.T) {
	lost := func(at time.Time) []model.Cluster {
		gone := model.Replica{Name: "alertmanager-main-2", Error: "connection refused", Pod: &model.Pod{Phase: "Running"}}
		return snapshot(at, []model.Replica{replica(0, "ready", 0, 1, 0, 1), replica(1, "ready", 1, 1, 0, 1), gone})
	}
	d := newDriver(t, Options{Poll: script(lost)})
	d.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	d.refresh()
	f := ansi.Strip(d.m.View())
	for _, want := range []string{"[0] [1] [2]", "[0] alertmanager-main-0   ●   ✓   ✗", "[2] alertmanager-main-2   ?   ?   ?"} {
		if !strings.Contains(f, want) {
			t.Errorf("the matrix does not show %q:\n%s", want, f)
		}
	}
}

// / filters the findings and the event log; esc clears the filter.
func TestTUIFilter(t *testing.T) {
	d := newDriver(t, Options{Poll: script(healthy, island, healed)})
	d.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	d.refresh()
	d.refresh()
	d.keys("2")
	all := len(d.m.clusters[0].Findings)
	if all < 2 {
		t.Fatalf("the island fixture has %d findings", all)
	}
	first := d.m.clusters[0].Findings[0].ID
	d.keys("/")
	for _, r := range first {
		d.keys(string(r))
	}
	d.keys("enter")
	c, _ := d.m.current()
	if len(c.Findings) == 0 || len(c.Findings) >= all {
		t.Fatalf("/%s keeps %d of %d findings", first, len(c.Findings), all)
	}
	if f := ansi.Strip(d.m.View()); !strings.Contains(f, "/"+first) {
		t.Errorf("the footer does not show the filter:\n%s", f)
	}
	d.keys("/", "x", "y", "z", "z", "y", "enter")
	if f := ansi.Strip(d.m.View()); !strings.Contains(f, "No finding matches") {
		t.Errorf("a filter that matches nothing:\n%s", f)
	}
	d.keys("esc")
	if c, _ := d.m.current(); len(c.Findings) != all {
		t.Errorf("esc leaves %d of %d findings", len(c.Findings), all)
	}
	d.refresh()
	d.keys("3", "/", "i", "s", "l", "a", "n", "d", "enter")
	for _, i := range d.m.eventOrder() {
		if !strings.Contains(strings.ToLower(d.m.events[i].Text), "island") {
			t.Errorf("/island shows %q", d.m.events[i].Text)
		}
	}
	if n := len(d.m.eventOrder()); n == 0 || n == len(d.m.events) {
		t.Errorf("/island keeps %d of %d events", n, len(d.m.events))
	}
}
