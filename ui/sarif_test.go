package ui_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"path/filepath"
	"testing"

	"github.com/amha-dev/kubectl-amha/internal/golden"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/ui"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestSARIFGolden: one rule per id, titled and linked from the findings index (an id the index
// does not know is its own title), results with file and object locations.
func TestSARIFGolden(t *testing.T) {
	fs := []model.Finding{
		{
			ID: "k8s/pdb", Severity: model.Warning, Message: "No PodDisruptionBudget covers the replicas.", Fix: "Add one.",
			Locations: []model.Location{{File: "deploy/am.yaml", Line: 12, Column: 3, Object: "StatefulSet monitoring/am", Path: "spec"}},
		},
		{
			ID: "cluster/label-missing", Severity: model.Info, Message: "No --cluster.label.",
			Locations: []model.Location{{File: "<stdin>", Object: "Command am-0"}},
		},
		{ID: "k8s/pdb", Severity: model.Error, Message: "The budget allows no eviction."},
		{ID: "area/unknown", Severity: model.Error, Message: "Not in the index."},
	}
	var b bytes.Buffer
	if err := ui.WriteSARIF(&b, fs, "v1.2.3", nil); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "findings.sarif"), b.Bytes(), *update)
}

// A suppressed finding is a result with its suppression: in source for an annotation or a
// comment, external for --disable and the config file.
func TestSARIFSuppressions(t *testing.T) {
	f := model.Finding{ID: "k8s/pdb", Severity: model.Warning, Message: "No PodDisruptionBudget covers the replicas."}
	sup := []model.SuppressedFinding{
		{Finding: f, SuppressedBy: model.Suppression{By: "comment", Where: "am.yaml:12"}},
		{Finding: f, SuppressedBy: model.Suppression{By: "config", Where: ".amha.yaml"}},
	}
	var b bytes.Buffer
	if err := ui.WriteSARIF(&b, []model.Finding{f}, "v1.2.3", sup); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID       string
				Suppressions []struct{ Kind, Justification string }
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	rs := log.Runs[0].Results
	if len(rs) != 3 || len(rs[0].Suppressions) != 0 {
		t.Fatalf("results = %+v, want the finding that counts first, without suppressions, then the 2 suppressed", rs)
	}
	for i, want := range []struct{ kind, why string }{{"inSource", "suppressed by comment at am.yaml:12"}, {"external", "suppressed by config file .amha.yaml"}} {
		if s := rs[i+1].Suppressions; len(s) != 1 || s[0].Kind != want.kind || s[0].Justification != want.why {
			t.Errorf("result %d suppressions = %+v, want %s %q", i+1, s, want.kind, want.why)
		}
	}
}
