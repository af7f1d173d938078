package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/amha-dev/kubectl-amha/pkg/cmd"
	"github.com/amha-dev/kubectl-amha/pkg/drill"
)

// restartEvents counts the drill's timeline events of one kind.
func restartEvents(d drill.ReportDrill, kind string) int {
	n := 0
	for _, e := range d.Events {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// replaced checks that every pod of ns was replaced since before (another UID).
func (r *rig) replaced(t *testing.T, ns string, before map[string]string) {
	t.Helper()
	pods, err := r.cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=alertmanager"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		if uid, ok := before[p.Name]; ok && uid == string(p.UID) {
			t.Errorf("pod %s was not replaced (uid %s)", p.Name, uid)
		}
	}
}

func podUIDs(t *testing.T, r *rig, ns string) map[string]string {
	t.Helper()
	pods, err := r.cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=alertmanager"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range pods.Items {
		out[p.Name] = string(p.UID)
	}
	if len(out) != 3 {
		t.Fatalf("%d alertmanager pods in %s, want 3", len(out), ns)
	}
	return out
}

// rolling-restart on the rig's operator shape (emptyDir storage): every pod evicted in turn,
// each replacement back in a whole mesh before the next, and 1 notification in all; the
// explanation warns that the storage is not persistent.
func TestDrillRollingRestartOnRig(t *testing.T) {
	r := newRig(t)
	buildDrillImage(t)
	ns := r.drillCluster(t, "amha-drill-rolling", true)
	before := podUIDs(t, r, ns)
	rep, code, errOut := r.drill(t, "rolling-restart", "-n", ns, "--yes", "--sink-image", drillImage, "-o", "json")
	if code != cmd.ExitOK || len(rep.Drills) != 1 || rep.Drills[0].Verdict != drill.Pass {
		t.Fatalf("rolling-restart: exit %d, %+v\n%s", code, rep.Drills, errOut)
	}
	d := rep.Drills[0]
	if f := firing(d); len(f) != 1 || f[0].Sender != rep.Positions[0] {
		t.Errorf("firing %+v, want 1 in all, from %s (position 0)", f, rep.Positions[0])
	}
	if d.Expectation.Count != 1 {
		t.Errorf("expected %d notifications, want 1", d.Expectation.Count)
	}
	if !strings.Contains(d.Explanation, "--storage.path is on") || !strings.Contains(d.Expectation.Why, "no persistent storage") {
		t.Errorf("no warning of the emptyDir storage: %q / %q", d.Explanation, d.Expectation.Why)
	}
	if f, h, p := restartEvents(d, drill.EventFault), restartEvents(d, drill.EventHeal), restartEvents(d, drill.EventPost); f != 3 || h != 3 || p != 4 {
		t.Errorf("timeline: %d faults, %d heals, %d posts; want 3, 3 and 4 (the first post, then one per replacement)", f, h, p)
	}
	for _, name := range rep.Positions {
		if !strings.Contains(errOut, "rolling-restart: evicted "+name) {
			t.Errorf("the drill does not say it evicted %s", name)
		}
	}
	r.replaced(t, ns, before)
	r.drillEvents(t, ns, "StatefulSet", "alertmanager-main", rep.Run, "DrillStarted", "DrillFault", "DrillFinished")
	if rep.MeshAtEnd == nil || !rep.MeshAtEnd.Whole {
		t.Errorf("the mesh is not whole at the end: %+v", rep.MeshAtEnd)
	}
	if m := r.managed(t, ns); len(m) > 0 {
		t.Errorf("objects left after the drill: %v", m)
	}
}

// all-down on the rig's operator shape: refused without --allow-all-down (nothing changed);
// with it, every pod deleted at once and, without persistent storage, 1 more notification
// when they are back, up to 1 per replica when they come back as islands (each resolved its
// peers' DNS names before they were published).
func TestDrillAllDownOnRig(t *testing.T) {
	r := newRig(t)
	buildDrillImage(t)
	ns := r.drillCluster(t, "amha-drill-alldown", true)
	before := podUIDs(t, r, ns)
	if _, code, errOut := r.drill(t, "all-down", "-n", ns, "--yes", "--sink-image", drillImage); code != cmd.ExitNoCheck || !strings.Contains(errOut, "--allow-all-down") {
		t.Fatalf("all-down without --allow-all-down: exit %d, %q", code, errOut)
	}
	// The plan of both, which a dry run prints without the flag: what each does, with the
	// warning of the emptyDir storage, and what all-down expects.
	plan, code, _ := r.drillText(t, "rolling-restart", "-n", ns, "--dry-run")
	for _, want := range []string{"evicts the pods one at a time, alertmanager-main-2, then alertmanager-main-1, then alertmanager-main-0",
		`--storage.path is on the emptyDir volume "alertmanager-main-db"`, "1 notification(s) in all"} {
		if code != cmd.ExitOK || !strings.Contains(plan, want) {
			t.Errorf("rolling-restart's plan (exit %d) does not say %q:\n%s", code, want, plan)
		}
	}
	plan, code, _ = r.drillText(t, "all-down", "-n", ns, "--dry-run")
	for _, want := range []string{"Runs only with --allow-all-down", "2 to 4 notification(s) in all", "1 to 3 more after the restarts", "dead-man's switch"} {
		if code != cmd.ExitOK || !strings.Contains(plan, want) {
			t.Errorf("all-down's plan (exit %d) does not say %q:\n%s", code, want, plan)
		}
	}
	rep, code, errOut := r.drill(t, "all-down", "-n", ns, "--allow-all-down", "--yes", "--sink-image", drillImage, "-o", "json")
	if len(rep.Drills) != 1 {
		t.Fatalf("all-down: exit %d, %+v\n%s", code, rep.Drills, errOut)
	}
	d := rep.Drills[0]
	// Deleting three pods is not atomic: when a replacement runs while an old pod is still
	// terminating, it may pull the log from it. The drill sees that and says INCONCLUSIVE
	// rather than judging a loss that did not happen.
	switch {
	case d.Verdict == drill.Inconclusive && strings.Contains(d.Explanation, "not all down at once") && len(firing(d)) == 1:
		t.Logf("the pods were not all down at once on this run, and the drill said so: %s", d.Explanation)
	case code != cmd.ExitOK || d.Verdict != drill.Pass:
		t.Errorf("all-down: exit %d, %s: %s", code, d.Verdict, d.Explanation)
	case len(firing(d)) < 2 || len(firing(d)) > 4 || d.Expectation.Count != 2 || d.Expectation.CountMax != 4:
		t.Errorf("firing %+v, expected %s; want 2 to 4 (the first, and 1 more on return without persistent storage, up to 1 per replica when they start as islands)",
			firing(d), d.Expectation.Counts())
	case !strings.Contains(d.Explanation, "dead-man's switch"):
		t.Errorf("the explanation does not name the dead-man's switch: %s", d.Explanation)
	}
	r.replaced(t, ns, before)
	if m := r.managed(t, ns); len(m) > 0 {
		t.Errorf("objects left after the drill: %v", m)
	}
}

// rolling-restart under a PodDisruptionBudget that allows no disruption: every eviction is
// refused (429), retried for --eviction-timeout (20s here; 2m by default), then the drill stops
// there, INCONCLUSIVE (exit 1), with no pod replaced and nothing left behind.
func TestDrillRollingRestartBlockedOnRig(t *testing.T) {
	// Beside the other parallel tests: refused evictions and their retries, no timing judged.
	t.Parallel()
	r := newRig(t)
	buildDrillImage(t)
	ns := r.drillCluster(t, "amha-drill-rolling-pdb", true)
	zero := intstr.FromInt32(0)
	r.apply(t, ns, []runtime.Object{&policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "alertmanager-main"},
		Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &zero,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "alertmanager"}}},
	}})
	// The disruption controller fills the budget's status before the Eviction API enforces it.
	time.Sleep(3 * time.Second)
	before := podUIDs(t, r, ns)
	rep, code, errOut := r.drill(t, "rolling-restart", "-n", ns, "--yes", "--sink-image", drillImage, "--eviction-timeout", "20s", "-o", "json")
	if code != cmd.ExitFindings || len(rep.Drills) != 1 || rep.Drills[0].Verdict != drill.Inconclusive ||
		!strings.Contains(rep.Drills[0].Explanation, "a PodDisruptionBudget blocked the eviction of alertmanager-main-2 for 20s") {
		t.Fatalf("rolling-restart under a blocking budget: exit %d, %+v", code, rep.Drills)
	}
	if !strings.Contains(errOut, "a PodDisruptionBudget blocks the eviction of alertmanager-main-2 for now: retrying every 5s, up to 20s") {
		t.Errorf("the drill did not say it retries")
	}
	// The first notification is in the result, and its resolved one arrived before the sink
	// was deleted.
	if f := firing(rep.Drills[0]); len(f) != 1 || !strings.Contains(errOut, "the resolved notification(s) arrived") {
		t.Errorf("firing %+v; the resolved notification awaited: %v", f, strings.Contains(errOut, "the resolved notification(s) arrived"))
	}
	if after := podUIDs(t, r, ns); len(after) != len(before) {
		t.Errorf("pods %v, before %v", after, before)
	} else {
		for name, uid := range before {
			if after[name] != uid {
				t.Errorf("pod %s was replaced under a budget that allows no disruption", name)
			}
		}
	}
	if m := r.managed(t, ns); len(m) > 0 {
		t.Errorf("objects left after the drill: %v", m)
	}
}
