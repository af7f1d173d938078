package tui

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// BenchmarkTUIRender times View with a 9-replica snapshot (a stopped replica, a settling one,
// three findings) and a full event log, in colour, on each view and at two sizes. Targets: a
// render under 5ms; resident memory (reported as MiB-rss, the whole test process) under 50 MiB.
func BenchmarkTUIRender(b *testing.B) {
	// A long session: the log is full, alternating between nine and nine with a healed replica.
	healedNine := func(at time.Time) []model.Cluster {
		cs := nine(at)
		cs[0].Replicas[8] = replica(8, "ready", 8, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8)
		cs[0].Findings = cs[0].Findings[1:]
		return cs
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for _, view := range []string{"1", "2", "3"} {
			b.Run(fmt.Sprintf("%dx%d/%s", size[0], size[1], tabNames[view[0]-'1']), func(b *testing.B) {
				m := New(Options{Color: true, Copy: func(string) error { return nil }})
				next, _ := m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
				for i := 0; len(next.(Model).events) < maxEvents; i++ {
					snap := nine
					if i%2 == 1 {
						snap = healedNine
					}
					next, _ = next.Update(snapshotMsg{clusters: snap(t0), at: t0.Add(time.Duration(i) * time.Second)})
				}
				next, _ = next.Update(keyMsg(view))
				m = next.(Model)
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					_ = m.View()
				}
				b.StopTimer()
				if rss, ok := residentMiB(); ok {
					b.ReportMetric(rss, "MiB-rss")
				}
			})
		}
	}
}

// residentMiB is this process's resident memory (VmRSS) in MiB, where /proc has it.
func residentMiB() (float64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024, err == nil
		}
	}
	return 0, false
}
