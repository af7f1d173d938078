package ui_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/golden"
	"github.com/amha-dev/kubectl-amha/pkg/mesh"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/version"
	"github.com/amha-dev/kubectl-amha/ui"
)

// collectedAt is every fixture's snapshot time: ages are counted from it.
var collectedAt = time.Date(2026, 11, 24, 7, 42, 10, 0, time.UTC)

func f64(v float64) *float64 { return &v }

func dur(d time.Duration) *model.Duration { v := model.Duration(d); return &v }

func node(i int) string { return fmt.Sprintf("01JDQ7ZK5W0000000000000%03d", i) }

func member(i int) model.Member {
	return model.Member{Name: node(i), Address: fmt.Sprintf("10.42.0.%d:9094", 10+i)}
}

// replica is alertmanager-main-<i>, Running and Ready, up for upSince, seeing the members view
// (itself included) at the given position.
func replica(i int, position float64, upSince time.Duration, view ...int) model.Replica {
	var peers []model.Member
	for _, j := range view {
		peers = append(peers, member(j))
	}
	name := fmt.Sprintf("alertmanager-main-%d", i)
	return model.Replica{
		Name:         name,
		Endpoint:     fmt.Sprintf("http://127.0.0.1:4012%d", i),
		WebAddresses: []string{fmt.Sprintf("10.42.0.%d:9093", 10+i), name + ".alertmanager-operated:9093"},
		Pod:          &model.Pod{Phase: "Running", Ready: true, IP: fmt.Sprintf("10.42.0.%d", 10+i), Node: fmt.Sprintf("n%d", i+1)},
		Status: &model.Status{
			Cluster: "ready", NodeName: node(i), Peers: peers, Version: "0.31.1",
			Uptime: collectedAt.Add(-upSince),
		},
		Metrics: &model.Metrics{
			ClusterEnabled: f64(1), Members: f64(float64(len(view))), Position: f64(position),
			HealthScore: f64(0), FailedPeers: f64(0), ConfigHash: "805cd4ca1564",
		},
		AlertCount: 2, SilenceCount: 1,
	}
}

func cluster(rs ...model.Replica) model.Cluster {
	c := model.Cluster{
		Name: "alertmanager-main", Namespace: "monitoring", Source: "prometheus-operator", DesiredReplicas: len(rs),
		PeerTimeout: model.Duration(model.DefaultPeerTimeout), Replicas: rs, CollectedAt: collectedAt,
	}
	c.Matrix = mesh.Build(&c)
	return c
}

var islandFinding = model.Finding{
	ID: "mesh/island", Severity: model.Error, Symptoms: []model.Symptom{model.Duplicates},
	Objects: []string{"alertmanager-main-0", "alertmanager-main-1", "alertmanager-main-2"},
	Message: "The mesh is split into 2 islands that do not see each other: {alertmanager-main-0, alertmanager-main-1} {alertmanager-main-2}.",
	Fix:     "Make every replica reach every other on the cluster port over TCP and UDP.",
}

func fixtures() map[string]model.Cluster {
	healthy := cluster(replica(0, 0, 3*time.Hour, 0, 1, 2), replica(1, 1, 3*time.Hour, 0, 1, 2), replica(2, 2, 90*time.Second, 0, 1, 2))

	split := cluster(replica(0, 0, 64*time.Second, 0, 1), replica(1, 1, 64*time.Second, 0, 1), replica(2, 0, 34*time.Second, 2))
	split.Replicas[2].Metrics.FailedPeers, split.Replicas[2].Metrics.HealthScore = f64(2), f64(4)
	split.Findings = []model.Finding{islandFinding}

	down := replica(2, 0, 0)
	down.Status, down.Metrics, down.AlertCount, down.SilenceCount = nil, nil, 0, 0
	down.Pod.Ready, down.Pod.Restarts = false, 4
	down.Error = "status: dial tcp 127.0.0.1:40122: connect: connection refused"
	failed := cluster(replica(0, 0, 26*time.Hour, 0, 1, 2), replica(1, 1, 26*time.Hour, 0, 1, 2), down)
	failed.Replicas[1].Partial = []string{"metrics: context deadline exceeded"}
	failed.Replicas[1].Metrics = nil
	failed.Findings = []model.Finding{{
		ID: "mesh/unreachable", Severity: model.Error, Symptoms: []model.Symptom{model.Missed},
		Objects: []string{"alertmanager-main-2"},
		Message: "alertmanager-main-2 did not answer GET /api/v2/status.", Fix: "Check the pod's logs and events.",
	}}

	findings := cluster(replica(0, 0, 5*24*time.Hour, 0, 1, 2), replica(1, 1, 5*24*time.Hour, 0, 1, 2), replica(2, 1, 5*24*time.Hour, 0, 1, 2))
	findings.Replicas[2].Status.Version = "0.30.0"
	findings.Replicas[2].Metrics.ConfigHash = "a1b2c3d4e5f6"
	findings.Findings = []model.Finding{
		{
			ID: "mesh/config-drift", Severity: model.Error, Symptoms: []model.Symptom{model.Duplicates, model.Missed},
			Objects: []string{"alertmanager-main-2"},
			Message: "alertmanager-main-2 runs another configuration than the others.",
			Details: []string{"+ receiver: pager", "- receiver: team"},
			Fix:     "Roll out one configuration to every replica.",
		},
		{
			ID: "mesh/version-skew", Severity: model.Warning, Symptoms: []model.Symptom{model.Duplicates},
			Objects: []string{"alertmanager-main-0", "alertmanager-main-1", "alertmanager-main-2"},
			Message: "The replicas run 2 Alertmanager versions: 0.31.1, 0.30.0.", Fix: "Run one version.",
		},
		{
			ID: "k8s/start-delay", Severity: model.Info, Symptoms: []model.Symptom{model.Flapping, model.Duplicates},
			Objects:   []string{"Alertmanager monitoring/main"},
			Locations: []model.Location{{Object: "Alertmanager monitoring/main", Path: "spec.additionalArgs"}},
			Message:   "Alertmanager 0.30+ without --dispatch.start-delay flushes partial groups after a restart.",
			Fix:       "Set --dispatch.start-delay=2m.",
		},
	}

	wired := cluster(replica(0, 0, 10*time.Minute, 0, 1, 2), replica(1, 1, 10*time.Minute, 0, 1, 2), replica(2, 2, 10*time.Minute, 0, 1, 2))
	wired.Source, wired.Namespace, wired.Name, wired.DesiredReplicas = "url", "", "replicas", 0
	for i := range wired.Replicas {
		wired.Replicas[i].Pod = nil
	}
	wired.Prometheus = []model.PrometheusWiring{
		{Name: "monitoring/prometheus-k8s-0", Active: []string{"http://10.42.0.10:9093/api/v2/alerts", "http://10.42.0.11:9093/api/v2/alerts"}},
		{Name: "monitoring/prometheus-k8s-1", Error: "GET /api/v1/alertmanagers: 503 Service Unavailable"},
	}
	wired.Probe = &model.ProbeResult{
		Origin: "alertmanager-main-0", Silence: "7f3c2d1e-0000-4000-8000-000000000001",
		Results: []model.ProbeTiming{
			{Replica: "alertmanager-main-1", After: dur(84 * time.Millisecond)},
			{Replica: "alertmanager-main-2", Error: "not served within 30s"},
		},
		Error: "expire on alertmanager-main-2: connection refused",
	}
	// A partition drill in progress: its split kept at info, marked as the drill's.
	drill := cluster(replica(0, 0, 64*time.Second, 0, 1), replica(1, 1, 64*time.Second, 0, 1), replica(2, 0, 34*time.Second, 2))
	expires := collectedAt.Add(9 * time.Minute)
	drill.Drills = []model.DrillRun{{Run: "1a2b3c4d", Drills: []string{"partition"}, Expires: &expires,
		Objects:  []string{"deployment/amha-drill-sink", "service/amha-drill-sink", "networkpolicy/amha-drill-partition"},
		Alerting: []string{"alertmanager-main-0", "alertmanager-main-1", "alertmanager-main-2"}}}
	island := islandFinding
	island.Severity, island.DrillCaused = model.Info, true
	island.Message = "(drill in progress: run 1a2b3c4d; error otherwise) " + island.Message
	drill.Findings = []model.Finding{island}
	// A healthy mesh whose team accepted two findings: counted, listed with --show-suppressed.
	accepted := healthy
	skew := islandFinding
	skew.ID, skew.Severity = "mesh/version-skew", model.Warning
	pdb := model.Finding{ID: "k8s/pdb", Severity: model.Warning, Objects: []string{"StatefulSet monitoring/alertmanager-main"},
		Message: "No PodDisruptionBudget selects the 3 replicas.", Fix: "Add one with maxUnavailable: 1.",
		Locations: []model.Location{{Object: "StatefulSet monitoring/alertmanager-main", Path: "spec.replicas"}}}
	accepted.Suppressed = []model.SuppressedFinding{
		{Finding: pdb, SuppressedBy: model.Suppression{By: "annotation", Where: "StatefulSet monitoring/alertmanager-main"}},
		{Finding: skew, SuppressedBy: model.Suppression{By: "flag", Where: "--disable"}},
	}
	return map[string]model.Cluster{"healthy": healthy, "split": split, "failed-replica": failed, "findings": findings, "prometheus-probe": wired, "drill": drill, "suppressed": accepted}
}

// TestStatusGolden renders every fixture in every format: testdata/status/<fixture>.<format>;
// go test ./ui -update rewrites them.
func TestStatusGolden(t *testing.T) {
	formats := map[string]func(*bytes.Buffer, model.Cluster) error{
		"table": func(b *bytes.Buffer, c model.Cluster) error {
			return ui.WriteText(b, []model.Cluster{c}, ui.NewStyles(false), ui.TextOptions{})
		},
		"wide": func(b *bytes.Buffer, c model.Cluster) error {
			return ui.WriteText(b, []model.Cluster{c}, ui.NewStyles(false), ui.TextOptions{Wide: true})
		},
		"json": func(b *bytes.Buffer, c model.Cluster) error {
			return ui.Write(b, "json", "StatusReport", ui.NewStatusReport([]model.Cluster{c}))
		},
		"yaml": func(b *bytes.Buffer, c model.Cluster) error {
			return ui.Write(b, "yaml", "StatusReport", ui.NewStatusReport([]model.Cluster{c}))
		},
	}
	for name, c := range fixtures() {
		for format, write := range formats {
			t.Run(name+"/"+format, func(t *testing.T) {
				var b bytes.Buffer
				if err := write(&b, c); err != nil {
					t.Fatal(err)
				}
				golden.Check(t, filepath.Join("testdata", "status", name+"."+format), b.Bytes(), *update)
			})
		}
	}
}

// Suppressed findings are counted with their reasons; --show-suppressed lists each with it.
func TestStatusSuppressed(t *testing.T) {
	c := fixtures()["suppressed"]
	const count = "2 findings suppressed (k8s/pdb by annotation on StatefulSet monitoring/alertmanager-main; mesh/version-skew by --disable)"
	var b bytes.Buffer
	if err := ui.WriteText(&b, []model.Cluster{c}, ui.NewStyles(false), ui.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(b.String(), "\n"+count+"; --show-suppressed lists them\n") || strings.Contains(b.String(), "suppressed by:") {
		t.Errorf("text without --show-suppressed:\n%s\nwant it to end with the count only", b.String())
	}
	b.Reset()
	if err := ui.WriteText(&b, []model.Cluster{c}, ui.NewStyles(false), ui.TextOptions{ShowSuppressed: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\nSuppressed (2)\nwarning k8s/pdb\n", "\n  suppressed by: annotation on StatefulSet monitoring/alertmanager-main\n",
		"\n  suppressed by: --disable\n", "\n" + count + "\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text with --show-suppressed:\n%s\nwant %q", b.String(), want)
		}
	}
}

// A release's reports link each finding's page at its own tag: text (docs:) and JSON (doc).
func TestFindingsLinkTheirPageAtTheVersion(t *testing.T) {
	old := version.Version
	t.Cleanup(func() { version.Version = old })
	version.Version = "v0.3.0"
	const want = "https://github.com/amha-dev/kubectl-amha/blob/v0.3.0/docs/checks/mesh/island.md"
	var text, js bytes.Buffer
	if err := ui.WriteFindings(&text, []model.Finding{islandFinding}, ui.NewStyles(false), ""); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "\n  docs: "+want+"\n") {
		t.Errorf("text:\n%s\nwant a line docs: %s", text.String(), want)
	}
	c := fixtures()["split"]
	if err := ui.Write(&js, "json", "StatusReport", ui.NewStatusReport([]model.Cluster{c})); err != nil {
		t.Fatal(err)
	}
	var r struct {
		Clusters []struct{ Findings []struct{ ID, Doc string } }
	}
	if err := json.Unmarshal(js.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if got := r.Clusters[0].Findings[0]; got.ID != "mesh/island" || got.Doc != want {
		t.Errorf("JSON finding %+v, want doc %s", got, want)
	}
}
