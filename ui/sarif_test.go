package ui_test

import (
	"bytes"
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
