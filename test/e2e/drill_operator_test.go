package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/amha-dev/kubectl-amha/pkg/cmd"
	"github.com/amha-dev/kubectl-amha/pkg/drill"
)

// amcDrillRoute is the drill route as an AlertmanagerConfig in the team's namespace, its sink
// in the Alertmanager's namespace; group_wait 7s tells its timing from every other route's.
const amcDrillRoute = `apiVersion: monitoring.coreos.com/v1alpha1
kind: AlertmanagerConfig
metadata:
  name: amha-drill
spec:
  route:
    matchers:
    - name: amha_drill
      matchType: "=~"
      value: ".+"
    receiver: amha-drill-sink
    groupBy: [amha_drill]
    groupWait: 7s
    groupInterval: 10s
    repeatInterval: 24h
  receivers:
  - name: amha-drill-sink
    webhookConfigs:
    - url: http://amha-drill-sink.NAMESPACE.svc:8080/hook
      sendResolved: true
`

// An AlertmanagerConfig in another namespace, merged by the rig's real prometheus-operator into
// kube-prometheus' Alertmanager (its alertmanagerConfigNamespaceSelector set to select that
// namespace). amha's view of the routing must be what the operator rendered into the generated
// Secret: the drill finds the route (receiver <team>/amha-drill/amha-drill-sink, which matches
// only alerts labelled namespace=<team>, and continue: true) in every replica's running
// configuration, the generated Secret routes the same labels the same way with the same timing,
// and the baseline posted with that label passes through it.
func TestDrillAlertmanagerConfigOnRig(t *testing.T) {
	start := time.Now()
	r := newRig(t)
	r.needOperator(t)
	if os.Getenv("AMHA_RIG_RIGCTL") == "" {
		t.Skip("AMHA_RIG_RIGCTL is not set (eval \"$(test/rig/rig.sh env)\")")
	}
	buildDrillImage(t)
	ns := r.namespace(t, "amha-opamc")
	team := r.namespace(t, "amha-opamc-team")
	r.kubectl(t, "label", "namespace", team, "amha.dev/e2e-drill-routes="+ns)

	files, err := filepath.Glob("testdata/kube-prometheus/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		r.kubectl(t, "apply", "--server-side", "-n", ns, "-f", f)
	}
	r.kubectl(t, "patch", "alertmanagers.monitoring.coreos.com", "main", "-n", ns, "--type", "merge", "-p",
		`{"spec":{"alertmanagerConfigNamespaceSelector":{"matchLabels":{"amha.dev/e2e-drill-routes":"`+ns+`"}}}}`)
	amc := filepath.Join(t.TempDir(), "amc.yaml")
	if err := os.WriteFile(amc, []byte(strings.ReplaceAll(amcDrillRoute, "NAMESPACE", ns)), 0o644); err != nil {
		t.Fatal(err)
	}
	r.kubectl(t, "apply", "-n", team, "-f", amc)
	r.waitAlertmanager(t, ns, "main", 3)
	r.waitReady(t, ns, "alertmanager-main", 3)

	// The operator's rendering, from the generated Secret.
	var rendered string
	deadline := time.Now().Add(2 * time.Minute)
	for rendered == "" || !strings.Contains(rendered, team+"/amha-drill/amha-drill-sink") {
		if time.Now().After(deadline) {
			t.Fatalf("the operator did not render the AlertmanagerConfig into alertmanager-main-generated within 2m:\n%s", rendered)
		}
		time.Sleep(2 * time.Second)
		rendered = r.generatedConfig(t, ns)
	}
	t.Logf("rendered by the operator after %s:\n%s", time.Since(start).Round(time.Second), rendered)
	base := map[string]string{"alertname": drill.AlertName, drill.Label: "e2e-baseline"}
	m, err := drill.MatchSink("generated Secret", rendered, ns, base)
	extra, rt := m.Extra, m.Timing
	if err != nil {
		t.Fatalf("the generated Secret does not route the drill alert to the sink alone: %v", err)
	}
	if extra[drill.NamespaceLabel] != team || rt.GroupWait != 7*time.Second {
		t.Fatalf("generated Secret: labels %v, timing %+v; want namespace=%s and group_wait 7s", extra, rt, team)
	}
	if _, err := drill.CheckRoute("generated Secret", rendered, base); err == nil {
		t.Errorf("the generated Secret routes the drill alert to the sink without namespace=%s: the operator's matcher is gone", team)
	}

	// The drill's view, from every replica's running configuration (the config-reloader
	// reloads it once the kubelet has updated the Secret's volume).
	var rep drill.Report
	deadline = time.Now().Add(3 * time.Minute)
	for {
		var code int
		rep, code, _ = r.drill(t, "baseline", "main", "-n", ns, "--dry-run", "-o", "json")
		// A dry run exits 0 without a drill route too: it plans with the route to add.
		if code == cmd.ExitOK && rep.Route != nil && rep.Route.Missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("drill --dry-run: exit %d 3m after the AlertmanagerConfig was rendered", code)
		}
		time.Sleep(5 * time.Second)
	}
	if rep.Route.Receiver != team+"/amha-drill/amha-drill-sink" {
		t.Errorf("the drill route's receiver %q, want the AlertmanagerConfig's %s/amha-drill/amha-drill-sink", rep.Route.Receiver, team)
	}
	if rep.Labels[drill.NamespaceLabel] != team || len(rep.Labels) != 1 {
		t.Errorf("the drill alert's labels %v, want namespace=%s as the operator's matcher needs", rep.Labels, team)
	}
	if rep.Timing.GroupWait.D() != rt.GroupWait || rep.Timing.GroupInterval.D() != rt.GroupInterval || rep.Timing.RepeatInterval.D() != rt.RepeatInterval {
		t.Errorf("the drill's timing %+v, the generated Secret's %+v", rep.Timing, rt)
	}

	// The baseline, through the AlertmanagerConfig's route.
	rep, code, _ := r.drill(t, "baseline", "main", "-n", ns, "--yes", "--sink-image", drillImage, "-o", "json")
	if code != cmd.ExitOK || len(rep.Drills) != 1 || rep.Drills[0].Verdict != drill.Pass {
		t.Fatalf("baseline through the AlertmanagerConfig route: exit %d, %+v", code, rep.Drills)
	}
	if m := r.managed(t, ns); len(m) > 0 {
		t.Errorf("objects left after the drill: %v", m)
	}
	// The phases are Events on the Alertmanager object, where `kubectl describe` shows them.
	r.drillEvents(t, ns, "Alertmanager", "main", rep.Run, "DrillStarted", "DrillFinished")
	t.Logf("done in %s", time.Since(start).Round(time.Second))
}

// generatedConfig is the configuration prometheus-operator rendered for the Alertmanager main
// (alertmanager.yaml.gz of the Secret alertmanager-main-generated), or "" while there is none.
func (r *rig) generatedConfig(t *testing.T, ns string) string {
	t.Helper()
	s, err := r.cs.CoreV1().Secrets(ns).Get(context.Background(), "alertmanager-main-generated", metav1.GetOptions{})
	if err != nil {
		return ""
	}
	if b, ok := s.Data["alertmanager.yaml"]; ok {
		return string(b)
	}
	gz, ok := s.Data["alertmanager.yaml.gz"]
	if !ok {
		return ""
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatalf("alertmanager-main-generated: %v", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("alertmanager-main-generated: %v", err)
	}
	return string(b)
}
