package tui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	drill "github.com/amha-dev/kubectl-amha/pkg/drillreport"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// scriptedDrills plays a drill's progress for the view's tests: the view's side of the
// Drills interface (the runner itself is tested on the rig, tests/e2e).
type scriptedDrills struct {
	planned, ran []string
	cannot       error
	// release lets Run return; stopped says it returned because ctx ended.
	release chan struct{}
	stopped bool
}

func (s *scriptedDrills) Choices() []DrillChoice {
	return []DrillChoice{
		{Name: drill.Baseline, Summary: "no fault", Drills: []string{drill.Baseline}},
		{Name: drill.Partition, Summary: "cut one pod off the mesh port", Drills: []string{drill.Partition}},
	}
}

func (s *scriptedDrills) Expectations(c *model.Cluster) (map[string]string, string) {
	return map[string]string{drill.Partition: "here: 2 at 10s from one per side: " + c.Replicas[2].Name}, "No drill route yet"
}

func (s *scriptedDrills) Plan(_ context.Context, ns, name, d string) (string, error) {
	s.planned = append(s.planned, ns+"/"+name+" "+d)
	return "partition (alert run-partition):\n  Does: creates NetworkPolicy amha-drill-partition-alertmanager-main-2", s.cannot
}

func (s *scriptedDrills) Run(ctx context.Context, ns, name, d string, send func(DrillUpdate)) (drill.Report, error) {
	s.ran = append(s.ran, ns+"/"+name+" "+d)
	at := t0.Add(time.Minute)
	ev := func(off time.Duration, kind, replica, text string) {
		e := drill.Event{Kind: kind, Replica: replica, Text: text}
		send(DrillUpdate{At: at.Add(off), Drill: d, Event: &e})
	}
	send(DrillUpdate{At: at, Line: "cutting alertmanager-main-2 off the mesh port"})
	ev(-2*time.Second, drill.EventFault, "alertmanager-main-2", "cut off the mesh port")
	ev(0, drill.EventSplit, "", "the mesh is split")
	ev(0, drill.EventPost, "", "posted")
	select {
	case <-s.release:
	case <-ctx.Done():
		s.stopped = true
		return drill.Report{}, errors.New("stopped: the drill alert was resolved, the fault undone and what the drill created deleted")
	}
	rep := drill.Report{Drills: []drill.ReportDrill{{Drill: d, Result: drill.Result{
		Verdict: drill.Pass, Explanation: "2 notifications, one from each side",
		Events: []drill.Event{
			{At: 5 * time.Second, Kind: drill.EventNotify, Replica: "alertmanager-main-0", Text: "notification"},
			{At: 5 * time.Second, Kind: drill.EventNotify, Replica: "alertmanager-main-2", Text: "notification"},
		},
	}}}}
	return rep, nil
}

// run feeds the commands' messages back as the runtime does, until none is left or stop says.
func (d *driver) run(cmd tea.Cmd, stop func(tea.Msg) bool) {
	d.t.Helper()
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		if b, ok := msg.(tea.BatchMsg); ok {
			queue = append(queue, b...)
			continue
		}
		if msg == nil {
			continue
		}
		next := d.send(msg)
		if stop != nil && stop(msg) {
			return
		}
		queue = append(queue, next)
	}
}

func frameOf(d *driver) string { return ansi.Strip(d.m.View()) }

// The Drills tab: the list with this cluster's expectations, Enter shows the plan and asks,
// y runs it, the lanes fill in as the events come, the verdict shows at the end.
func TestTUIDrillRun(t *testing.T) {
	sd := &scriptedDrills{release: make(chan struct{})}
	d := newDriver(t, Options{Poll: script(healthy), Drills: sd})
	d.send(tea.WindowSizeMsg{Width: 120, Height: 50})
	d.refresh()
	d.keys("5")
	f := frameOf(d)
	for _, want := range []string{"▸ baseline", "partition", "here: 2 at 10s from one per side: alertmanager-main-2", "No drill route yet"} {
		if !strings.Contains(f, want) {
			t.Errorf("the list does not say %q:\n%s", want, f)
		}
	}
	d.keys("down")
	d.run(d.send(keyMsg("enter")), nil)
	if f := frameOf(d); !strings.Contains(f, "Does: creates NetworkPolicy") || !strings.Contains(f, "Run it?") {
		t.Fatalf("no plan and question:\n%s", f)
	}
	if len(sd.planned) != 1 || sd.planned[0] != "monitoring/alertmanager-main partition" {
		t.Errorf("planned %v", sd.planned)
	}
	// y: the run starts; its events arrive until it waits.
	cmd := d.send(keyMsg("y"))
	go func() { time.Sleep(100 * time.Millisecond); close(sd.release) }()
	d.run(cmd, func(m tea.Msg) bool { _, done := m.(drillDoneMsg); return done })
	f = frameOf(d)
	for _, want := range []string{"Timeline of partition", "alertmanager-main-2  ✗ -2s  ● 5s", "cluster", "⇄ 0s", "PASS partition: 2 notifications, one from each side",
		"cutting alertmanager-main-2 off the mesh port", "esc back to the drills"} {
		if !strings.Contains(f, want) {
			t.Errorf("the run does not show %q:\n%s", want, f)
		}
	}
	t.Log("\n" + f)
	checkFrame(t, "drill run", d.m.View(), 120, 50)
	d.keys("esc")
	if f := frameOf(d); !strings.Contains(f, "▸ partition") {
		t.Errorf("esc does not go back to the list:\n%s", f)
	}
}

// q while a drill runs stops it, waits for its restore, and only then quits.
func TestTUIDrillQuitStopsFirst(t *testing.T) {
	sd := &scriptedDrills{release: make(chan struct{})}
	d := newDriver(t, Options{Poll: script(healthy), Drills: sd})
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.refresh()
	d.keys("5")
	d.run(d.send(keyMsg("enter")), nil)
	start := d.send(keyMsg("y"))
	// Start the run and read its first events, then q.
	msgs := start().(tea.BatchMsg)
	msgs[0]()
	for i := 0; i < 4; i++ {
		d.send(msgs[1]())
	}
	quit := d.send(keyMsg("q"))
	if f := frameOf(d); !strings.Contains(f, "stopping") {
		t.Errorf("q mid-drill does not say it stops first:\n%s", f)
	}
	var quitted bool
	d.run(quit, nil)
	d.run(waitDrill(d.m.dr.ch), func(m tea.Msg) bool { _, done := m.(drillDoneMsg); return done })
	if !sd.stopped {
		t.Error("the run's context did not end")
	}
	_, cmd := d.m.Update(drillDoneMsg{})
	if cmd != nil {
		_, quitted = cmd().(tea.QuitMsg)
	}
	if !quitted {
		t.Error("the view did not quit once the drill had restored")
	}
	checkFrame(t, "drill stopping", d.m.View(), 80, 24)
}

// A plan asked for before esc does not show up as the plan of the drill chosen after it; q in
// the help overlay mid-drill still stops the drill first.
func TestTUIDrillStalePlanAndHelpQuit(t *testing.T) {
	sd := &scriptedDrills{release: make(chan struct{})}
	d := newDriver(t, Options{Poll: script(healthy), Drills: sd})
	d.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	d.refresh()
	d.keys("5")
	stale := d.send(keyMsg("enter")) // baseline's plan, still being made
	d.keys("esc", "down")
	fresh := d.send(keyMsg("enter")) // partition's
	d.send(stale())
	if d.m.dr.phase != drillPlanning {
		t.Fatalf("the plan asked for before esc was taken for partition's (phase %d)", d.m.dr.phase)
	}
	d.send(fresh())
	if d.m.dr.phase != drillAsking || d.m.dr.choice.Name != drill.Partition {
		t.Fatalf("partition's plan: phase %d, %s", d.m.dr.phase, d.m.dr.choice.Name)
	}
	start := d.send(keyMsg("y"))
	msgs := start().(tea.BatchMsg)
	msgs[0]()
	d.keys("?")
	d.send(keyMsg("q"))
	if !d.m.drillBusy() || !d.m.dr.quit || d.m.dr.phase != drillStopping {
		t.Errorf("q in the help overlay mid-drill: busy %v, quit %v, phase %d", d.m.drillBusy(), d.m.dr.quit, d.m.dr.phase)
	}
	d.m.dr.cancel()
}

// A drill that cannot run from here says why, and y does nothing.
func TestTUIDrillCannotRun(t *testing.T) {
	sd := &scriptedDrills{cannot: errors.New("no sink image: start the live view with --sink-image IMAGE")}
	d := newDriver(t, Options{Poll: script(healthy), Drills: sd})
	d.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	d.refresh()
	d.keys("5")
	d.run(d.send(keyMsg("enter")), nil)
	d.keys("y")
	if f := frameOf(d); !strings.Contains(f, "Cannot run from here: no sink image") || len(sd.ran) != 0 {
		t.Errorf("ran %v:\n%s", sd.ran, f)
	}
}
