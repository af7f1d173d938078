package cmd

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/amha-dev/kubectl-amha/internal/golden"
	"github.com/amha-dev/kubectl-amha/pkg/drill"
	"github.com/amha-dev/kubectl-amha/pkg/kube"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// A run that stops before its first drill still prints, with -o json, the report of the
// documented schema: why it stopped, and every drill NOT RUN with the reason (exit 2).
func TestDrillStoppedPrintsReport(t *testing.T) {
	kubeconfig := fakeAPIServer(t, map[string]any{"/apis/apps/v1/namespaces/monitoring/statefulsets": statefulSets()})
	for _, args := range [][]string{
		{"all", "main", "--dry-run", "-o", "json"},
		{"baseline", "main", "--yes", "--sink-image", "x", "-o", "json"},
	} {
		code, out, errOut := runDrillCmd(t, append(args, "--kubeconfig", kubeconfig)...)
		if code != ExitNoCheck {
			t.Errorf("%v: exit %d, want 2: %s", args, code, errOut)
		}
		var rep struct {
			APIVersion, Kind string
			drill.Report
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v: stdout is not a JSON report: %v\n%s", args, err, out)
		}
		if rep.Kind != "DrillReport" || rep.APIVersion != "amha.dev/v1alpha1" || rep.Stopped == nil || rep.Stopped.Reason != drill.StopNotFound ||
			rep.Cluster != "main" || rep.Namespace != "monitoring" || rep.Run == "" {
			t.Errorf("%v: report %+v, stopped %+v", args, rep, rep.Stopped)
		}
		if len(rep.Drills) == 0 {
			t.Errorf("%v: no drill in the report", args)
		}
		for _, d := range rep.Drills {
			if d.Verdict != drill.NotRun || !strings.Contains(d.Explanation, "(not-found)") {
				t.Errorf("%v: %s: %s %q, want NOT RUN with the reason", args, d.Drill, d.Verdict, d.Explanation)
			}
		}
	}
	// Text output: nothing on stdout, the error on stderr, as before.
	if code, out, errOut := runDrillCmd(t, "baseline", "main", "--dry-run", "--kubeconfig", kubeconfig); code != ExitNoCheck || out != "" || errOut == "" {
		t.Errorf("text: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// The exit status with the mesh at the end: not whole makes a passing run exit 1 with the
// reason, and is added to the reason of an exit 2.
func TestDrillVerdictMeshAtEnd(t *testing.T) {
	pass := []drill.ReportDrill{{Drill: drill.Baseline, Result: drill.Result{Verdict: drill.Pass}}}
	fail := []drill.ReportDrill{{Drill: drill.Baseline, Result: drill.Result{Verdict: drill.Fail}}}
	skipped := []drill.ReportDrill{{Drill: drill.CrashSender, Result: drill.Result{Verdict: drill.Skipped}}}
	whole := &drill.MeshAtEnd{Whole: true}
	split := &drill.MeshAtEnd{Detail: "the mesh was not whole within 3m: the mesh is split into 2 islands"}
	for _, tc := range []struct {
		name string
		ds   []drill.ReportDrill
		mesh *drill.MeshAtEnd
		code int
		msg  string
	}{
		{"pass, whole", pass, whole, ExitOK, ""},
		{"pass, not whole", pass, split, ExitFindings, "the mesh is not whole after the last drill: the mesh was not whole within 3m: the mesh is split into 2 islands"},
		{"fail, whole", fail, whole, ExitFindings, ""},
		{"fail, not whole", fail, split, ExitFindings, "the mesh is not whole after the last drill"},
		{"skipped, not whole", skipped, split, ExitNoCheck, "no drill ran: every one was skipped or not run\nthe mesh is not whole"},
	} {
		err := drillVerdict(tc.ds, tc.mesh)
		if code := CodeOf(err); err == nil && tc.code != ExitOK || err != nil && code != tc.code {
			t.Errorf("%s: %v, want exit %d", tc.name, err, tc.code)
		}
		if msg := ""; err != nil && err.Error() != "exit 1" {
			msg = err.Error()
			if !strings.Contains(msg, tc.msg) || tc.msg == "" {
				t.Errorf("%s: %q, want %q", tc.name, msg, tc.msg)
			}
		} else if tc.msg != "" {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.msg)
		}
	}
}

// A dry run without a drill route prints the plan with the numbers of the route to add, and
// the route and AlertmanagerConfig to add, on stdout (testdata/drill/plan-without-route.txt).
func TestDrillPlanWithoutRoute(t *testing.T) {
	sts := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: "monitoring", Name: "alertmanager-main",
		OwnerReferences: []metav1.OwnerReference{{Kind: "Alertmanager", Name: "main"}}}}
	f := &kube.Found{Namespace: "monitoring", Name: "main", StatefulSet: sts, Container: "alertmanager"}
	rt := drill.RouteToAddTiming
	r := &drillRun{found: f, positions: []string{"am-0", "am-1"},
		params: timing.Params{PeerTimeout: 15e9, GroupWait: rt.GroupWait, GroupInterval: rt.GroupInterval, RepeatInterval: rt.RepeatInterval},
		report: drill.Report{Cluster: "main", Run: "r", DryRun: true, Drills: []drill.ReportDrill{{Drill: drill.Baseline, Alert: "r-baseline"}},
			Timing: drill.ReportTime{GroupWait: model.Duration(rt.GroupWait)},
			Route: &drill.ReportRoute{Missing: "replica am-0: the drill alert is routed to receiver(s) null, not only to amha-drill-sink",
				ToAdd: drill.RouteToAdd("monitoring"), AlertmanagerConfigToAdd: drill.AlertmanagerConfigToAdd("monitoring")}},
	}
	e, err := drill.Expect(drill.Baseline, drill.Cluster{Timing: r.params, Positions: r.positions})
	if err != nil {
		t.Fatal(err)
	}
	r.report.Drills[0].Expectation = e
	var buf bytes.Buffer
	o := &drillOptions{streams: genericiooptions.IOStreams{Out: &buf, ErrOut: &buf}, output: "text", dryRun: true, splitTimeout: 45e9}
	if err := o.printPlan(r); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "drill", "plan-without-route.txt"), buf.Bytes(), *update)
}
