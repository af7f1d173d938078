package amclient

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

func TestImplausible(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	st := &model.Status{Uptime: now.Add(time.Hour)}
	m := &model.Metrics{Members: f(-3), Position: f(1), FailedPeers: f(math.Inf(1)), HealthScore: f(0)}
	notes := implausible(st, m, now)
	if m.Members != nil || m.FailedPeers != nil || m.Position == nil || m.HealthScore == nil || !st.Uptime.IsZero() {
		t.Errorf("kept %+v, uptime %s", m, st.Uptime)
	}
	if len(notes) != 3 || !strings.Contains(strings.Join(notes, "\n"), "alertmanager_cluster_members is -3") {
		t.Errorf("notes %q", notes)
	}
	if got := implausible(&model.Status{Uptime: now.Add(-time.Hour)}, &model.Metrics{Position: f(0)}, now); len(got) != 0 {
		t.Errorf("a plausible replica: %q", got)
	}
}
