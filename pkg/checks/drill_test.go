package checks

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/findings"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// A drill alert on some replicas only and a split: both are the drill's, kept at info and
// marked; a team alert diverging beside it keeps its warning.
func TestDrillInProgressMarksWhatItCauses(t *testing.T) {
	now := time.Date(2026, 12, 5, 17, 0, 0, 0, time.UTC)
	old := now.Add(-time.Minute)
	drillAlert := model.AlertRef{Fingerprint: "d1", Name: model.DrillAlertName, UpdatedAt: old, EndsAt: now.Add(4 * time.Minute),
		Labels: map[string]string{"alertname": model.DrillAlertName, model.DrillLabel: "1a2b3c4d-partition"}}
	rep := func(name string, alerts ...model.AlertRef) model.Replica {
		return model.Replica{Name: name, Status: &model.Status{Cluster: "ready", NodeName: name,
			Peers: []model.Member{{Name: name, Address: name + ":9094"}}}, Alerts: alerts}
	}
	c := model.Cluster{Name: "x", Source: "url", CollectedAt: now, Replicas: []model.Replica{rep("a", drillAlert), rep("b")}}
	Analyze(&c, Options{})
	if len(c.Drills) != 1 || c.Drills[0].Run != "1a2b3c4d" || c.Drills[0].Drills[0] != "partition" || c.Drills[0].Expires == nil {
		t.Fatalf("drills = %+v", c.Drills)
	}
	if got := c.Drills[0].String(); got != "drill in progress: run 1a2b3c4d, partition, expires 2026-12-05T17:04:00Z" {
		t.Errorf("line = %q", got)
	}
	if w, _ := model.Worst(c.Findings); w != model.Info {
		t.Errorf("worst = %v, want info: %+v", w, c.Findings)
	}
	ids := map[string]bool{}
	for _, f := range c.Findings {
		ids[f.ID] = true
		if !f.DrillCaused || !strings.HasPrefix(f.Message, "(drill in progress: run 1a2b3c4d;") {
			t.Errorf("%s not marked: %+v", f.ID, f)
		}
	}
	if !ids["mesh/island"] || !ids["mesh/alerts-diverge"] {
		t.Errorf("findings kept: %v", ids)
	}

	team := model.AlertRef{Fingerprint: "t1", Name: "DiskFull", UpdatedAt: old, Labels: map[string]string{"alertname": "DiskFull"}}
	c.Replicas[0].Alerts = append(c.Replicas[0].Alerts, team)
	c.Drills = nil
	Analyze(&c, Options{})
	warned := 0
	for _, f := range c.Findings {
		if f.ID == "mesh/alerts-diverge" && !f.DrillCaused && f.Severity == model.Warning {
			warned++
			if strings.Contains(strings.Join(f.Details, " "), "AmhaDrill") {
				t.Errorf("the team's finding lists the drill alert: %v", f.Details)
			}
		}
	}
	if warned != 1 {
		t.Errorf("want the team alert's divergence as a warning: %+v", c.Findings)
	}
}

// Without a drill nothing is marked.
// A baseline injects no fault: what status finds while it runs is the cluster's own, at its
// own severity.
func TestBaselineMarksNothing(t *testing.T) {
	for _, c := range []struct {
		drills []model.DrillRun
		marks  bool
	}{
		{[]model.DrillRun{{Run: "r1", Drills: []string{"baseline"}}}, false},
		{[]model.DrillRun{{Run: "r1", Drills: []string{"baseline", "partition"}}}, true},
		{[]model.DrillRun{{Run: "r1"}}, true}, // drills unknown: a fault may be in
	} {
		cl := model.Cluster{Name: "x", Drills: c.drills, Findings: []model.Finding{{ID: "mesh/failed-peers", Severity: model.Warning}}}
		markDrillCaused(&cl)
		if cl.Findings[0].DrillCaused != c.marks {
			t.Errorf("%+v: marked %v, want %v", c.drills, cl.Findings[0].DrillCaused, c.marks)
		}
	}
}

func TestNoDrillNoMark(t *testing.T) {
	c := model.Cluster{Name: "x", Source: "url", Replicas: []model.Replica{{Name: "a", Error: "refused"}, {Name: "b", Error: "refused"}}}
	Analyze(&c, Options{})
	for _, f := range c.Findings {
		if f.DrillCaused || f.Severity == model.Info {
			t.Errorf("marked without a drill: %+v", f)
		}
	}
}

// The pages that list the findings a drill keeps at info name exactly those.
func TestDrillCausedDocumented(t *testing.T) {
	for page, anchor := range map[string]string{
		"../../docs/json.md":          "While a drill runs",
		"../../docs/checks/README.md": "While a `kubectl amha drill` runs",
	} {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		_, para, _ := strings.Cut(string(b), anchor)
		para, _, _ = strings.Cut(para, "\n\n")
		for _, e := range findings.All() {
			if listed := strings.Contains(para, "`"+e.ID+"`"); listed != DrillCaused(e.ID) {
				t.Errorf("%s: %s listed %v, drill-caused %v", page, e.ID, listed, DrillCaused(e.ID))
			}
		}
	}
}
