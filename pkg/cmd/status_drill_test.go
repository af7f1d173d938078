package cmd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/amtest"
	"github.com/amha-dev/kubectl-amha/internal/localcluster"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// A drill alert on one replica of three (as when the others restarted during a drill): status
// --url says a drill is in progress, from the alert alone, and keeps the divergence it causes
// at info, marked, with exit 0; a team alert diverging beside it is still a warning.
func TestStatusDrillInProgressByAlert(t *testing.T) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	label := "amha-status-drill-" + hex.EncodeToString(b)
	c := amtest.Start(t, 3, amtest.Options{Options: localcluster.Options{
		Args: func(int) []string { return []string{"--cluster.label=" + label} },
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	drillAlert := map[string]string{"alertname": model.DrillAlertName, model.DrillLabel: "1a2b3c4d-crash-sender"}
	if err := localcluster.PostAlerts(ctx, c.URLs()[:1], drillAlert); err != nil {
		t.Fatal(err)
	}
	r, code := statusJSON(t, c.URLs())
	wantFindings(t, r, code, ExitOK, "mesh/alerts-diverge")
	cl := r.Clusters[0]
	if len(cl.Drills) != 1 || cl.Drills[0].Run != "1a2b3c4d" || strings.Join(cl.Drills[0].Drills, ",") != "crash-sender" ||
		len(cl.Drills[0].Alerting) != 1 || cl.Drills[0].Expires == nil {
		t.Fatalf("drillInProgress = %+v", cl.Drills)
	}
	if f := cl.Findings[0]; !f.DrillCaused || f.Severity != model.Info || !strings.HasPrefix(f.Message, "(drill in progress: run 1a2b3c4d;") {
		t.Fatalf("the drill's divergence is not marked: %+v", f)
	}
	out, _, code := run(t, "status", "--alert-grace=0s", "--url", c.URLs()[0], "--url", c.URLs()[1], "--url", c.URLs()[2])
	if code != ExitOK || !strings.Contains(out, "drill in progress: run 1a2b3c4d, crash-sender, expires ") {
		t.Fatalf("status exit %d:\n%s", code, out)
	}

	if err := localcluster.PostAlerts(ctx, c.URLs()[:1], map[string]string{"alertname": "DiskFull"}); err != nil {
		t.Fatal(err)
	}
	r, code = statusJSON(t, c.URLs())
	wantFindings(t, r, code, ExitFindings, "mesh/alerts-diverge", "mesh/alerts-diverge")
	for _, f := range r.Clusters[0].Findings {
		if f.DrillCaused == strings.Contains(strings.Join(f.Details, " "), "DiskFull") {
			t.Errorf("the team alert's divergence must stay a finding of its own: %+v", f)
		}
	}
}
