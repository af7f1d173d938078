package ui_test

import (
	"bytes"
	"testing"

	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/ui"
)

// lineFindings cover what the one-line formats must get right: positions with and without line
// and column, several files, <stdin>, no file at all, and text from the files that would break
// a line or act on a terminal (an escape sequence, a line break) or on GitHub's parser (%, : and
// , in a property).
var lineFindings = []model.Finding{
	{
		ID: "k8s/pdb", Severity: model.Warning, Message: "No PodDisruptionBudget covers the replicas.", Fix: "Add one.",
		Locations: []model.Location{{File: "deploy/am.yaml", Line: 12, Column: 3, Object: "StatefulSet monitoring/am", Path: "spec"}},
	},
	{
		ID: "config/drift", Severity: model.Error, Message: "The files differ: 100% \x1b[2Jdifferent.\nforged line",
		Fix:       "Use one file:\n  route: {}",
		Locations: []model.Location{{File: "am-0/alertmanager.yml", Line: 1, Column: 1}, {File: "am-1/alertmanager.yml", Line: 4}},
	},
	{
		ID: "cluster/label-missing", Severity: model.Info, Message: "No --cluster.label.",
		Locations: []model.Location{{File: "<stdin>", Line: 145, Column: 13, Object: "StatefulSet monitoring/alertmanager"}},
	},
	{
		ID: "cluster/peers-missing", Severity: model.Warning, Message: "No peers.",
		Locations: []model.Location{{File: "odd,name:1.service"}},
	},
	{ID: "config/no-watchdog", Severity: model.Info, Message: "No Watchdog route.", Locations: []model.Location{{Object: "Command am-0"}}},
}

func TestWriteLines(t *testing.T) {
	var b bytes.Buffer
	if err := ui.WriteLines(&b, lineFindings); err != nil {
		t.Fatal(err)
	}
	want := `deploy/am.yaml:12:3: warning k8s/pdb: No PodDisruptionBudget covers the replicas.
am-0/alertmanager.yml:1:1: error config/drift: The files differ: 100% \x1b[2Jdifferent.\x0aforged line (also am-1/alertmanager.yml:4)
<stdin>:145:13: info cluster/label-missing: No --cluster.label.
odd,name:1.service: warning cluster/peers-missing: No peers.
kubectl-amha: info config/no-watchdog: No Watchdog route.
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestWriteGitHub(t *testing.T) {
	var b bytes.Buffer
	if err := ui.WriteGitHub(&b, lineFindings); err != nil {
		t.Fatal(err)
	}
	want := `::warning file=deploy/am.yaml,line=12,col=3,title=k8s/pdb::No PodDisruptionBudget covers the replicas.%0AFix: Add one.
::error file=am-0/alertmanager.yml,line=1,col=1,title=config/drift::The files differ: 100%25 \x1b[2Jdifferent.\x0aforged line (also am-1/alertmanager.yml:4)%0AFix: Use one file:%0A  route: {}
::notice title=cluster/label-missing::<stdin>:145:13: No --cluster.label.
::warning file=odd%2Cname%3A1.service,title=cluster/peers-missing::No peers.
::notice title=config/no-watchdog::No Watchdog route.
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
