package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/amha-dev/kubectl-amha/internal/ambuild"
	"github.com/amha-dev/kubectl-amha/internal/ptytest"
	"github.com/amha-dev/kubectl-amha/internal/sinkimage"
	"github.com/amha-dev/kubectl-amha/pkg/cmd"
	"github.com/amha-dev/kubectl-amha/pkg/drill"
	"github.com/amha-dev/kubectl-amha/ui"
)

// drillImage is the sink's image as the rig makes images, in the release image's layout
// (internal/sinkimage): the static binary as /bin/kubectl-amha, user 65534, imported into the
// rig's containerd. buildDrillImage tags it with the binary's hash: test runs of different
// checkouts on one rig would otherwise replace each other's sink under one tag.
var drillImage = "amha.local/kubectl-amha:drill"

// sharedDir holds what several tests use (the drill's binary); removed after the last test.
var sharedDir string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "amha-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	sharedDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

var (
	drillImageOnce sync.Once
	drillImageErr  string
	// drillBinary is the static binary the image was made from.
	drillBinary string
)

func buildDrillImage(t *testing.T) {
	t.Helper()
	drillImageOnce.Do(func() {
		rigctl := os.Getenv("AMHA_RIG_RIGCTL")
		if rigctl == "" {
			drillImageErr = "AMHA_RIG_RIGCTL is not set (eval \"$(test/rig/rig.sh env)\")"
			return
		}
		bin := ptytest.Build(t)
		// Kept for the tests after this one: t's temporary directory goes when it ends.
		drillBinary = filepath.Join(sharedDir, "kubectl-amha")
		if b, err := os.ReadFile(bin); err != nil {
			drillImageErr = err.Error()
			return
		} else if err := os.WriteFile(drillBinary, b, 0o755); err != nil {
			drillImageErr = err.Error()
			return
		} else {
			drillImage = fmt.Sprintf("amha.local/kubectl-amha:drill-%x", sha256.Sum256(b))[:len("amha.local/kubectl-amha:drill-")+12]
		}
		tar := filepath.Join(t.TempDir(), "kubectl-amha-drill.tar")
		steps := [][]string{
			{rigctl, "mkimage", "-o", tar, "-name", drillImage, "-add", bin + ":" + sinkimage.Binary, "-user", strconv.Itoa(sinkimage.UID), "-entrypoint", `["` + sinkimage.Binary + `"]`},
			{"bash", filepath.Join("..", "rig", "rig.sh"), "import", tar},
		}
		for _, s := range steps {
			if out, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
				drillImageErr = fmt.Sprintf("%v: %v\n%s", s, err, out)
				return
			}
		}
	})
	if drillImageErr != "" {
		t.Fatal(drillImageErr)
	}
}

// drillConfig is the operator shape's configuration with the drill route for a sink in ns.
// group_interval is 10s, not the 1m the drill prints, to keep the wait for the resolved
// notification (before the sink is deleted) short; the firing notifications do not depend on it.
func drillConfig(ns string) string {
	return fmt.Sprintf(`global:
  resolve_timeout: 5m
route:
  receiver: "null"
  group_by: [alertname, namespace]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 12h
  routes:
  - matchers: ['amha_drill=~".+"']
    receiver: amha-drill-sink
    group_by: [amha_drill]
    group_wait: 5s
    group_interval: 10s
    repeat_interval: 24h
    continue: false
receivers:
- name: "null"
- name: amha-drill-sink
  webhook_configs:
  - url: http://amha-drill-sink.%s.svc:8080/hook
    send_resolved: true
`, ns)
}

// drillCluster deploys the operator shape (3 replicas, peer-timeout 3s), with the drill
// route when withRoute, and waits until status finds it healthy.
func (r *rig) drillCluster(t *testing.T, prefix string, withRoute bool) string {
	t.Helper()
	return r.drillClusterImage(t, prefix, withRoute, rigAMImage())
}

// drillClusterImage is drillCluster with the replicas running image.
func (r *rig) drillClusterImage(t *testing.T, prefix string, withRoute bool, image string) string {
	t.Helper()
	ns := r.namespace(t, prefix)
	objs := manifest(t, "operator-shape.yaml")
	for _, o := range objs {
		switch v := o.(type) {
		case *corev1.Secret:
			if withRoute {
				v.StringData["alertmanager.env.yaml"] = drillConfig(ns)
			}
		case *appsv1.StatefulSet:
			c := &v.Spec.Template.Spec.Containers[0]
			c.Args = append(c.Args, "--cluster.peer-timeout=3s")
			c.Image = image
		}
	}
	r.apply(t, ns, objs)
	r.waitReady(t, ns, "alertmanager-main", 3)
	r.eventually(t, 90*time.Second, healthy, "-n", ns)
	return ns
}

// drillText runs `kubectl amha drill` in process and returns its stdout, exit code and stderr.
func (r *rig) drillText(t *testing.T, args ...string) (string, int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := cmd.NewRoot(genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &errOut})
	root.SetArgs(append([]string{"drill", "--kubeconfig", r.kubeconfig}, args...))
	code := cmd.ExitOK
	if err := root.Execute(); err != nil {
		code = cmd.CodeOf(err)
		errOut.WriteString(err.Error())
	}
	t.Logf("kubectl amha drill %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out.String(), errOut.String())
	return out.String(), code, errOut.String()
}

// drill runs `kubectl amha drill` in process with -o json and decodes the report.
func (r *rig) drill(t *testing.T, args ...string) (drill.Report, int, string) {
	t.Helper()
	o, code, errOut := r.drillText(t, args...)
	out := bytes.NewBufferString(o)
	var rep struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		drill.Report
	}
	if out.Len() > 0 && strings.HasPrefix(strings.TrimSpace(out.String()), "{") {
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("drill output: %v\n%s", err, out.String())
		}
		if rep.Kind != "DrillReport" || rep.APIVersion == "" {
			t.Errorf("envelope: apiVersion %q kind %q", rep.APIVersion, rep.Kind)
		}
	}
	return rep.Report, code, errOut
}

// managed lists the objects the drill labels as its own in ns.
func (r *rig) managed(t *testing.T, ns string) []string {
	t.Helper()
	ctx := context.Background()
	lo := metav1.ListOptions{LabelSelector: "app.kubernetes.io/managed-by=kubectl-amha"}
	var out []string
	deps, err := r.cs.AppsV1().Deployments(ns).List(ctx, lo)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range deps.Items {
		out = append(out, "deployment/"+o.Name)
	}
	svcs, err := r.cs.CoreV1().Services(ns).List(ctx, lo)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range svcs.Items {
		out = append(out, "service/"+o.Name)
	}
	nps, err := r.cs.NetworkingV1().NetworkPolicies(ns).List(ctx, lo)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range nps.Items {
		out = append(out, "networkpolicy/"+o.Name)
	}
	return out
}

func firing(d drill.ReportDrill) []drill.Hit { return drill.Firing(d.Hits) }

// Without the drill route the drill stops before touching anything (exit 2) and prints the
// route to add, with this namespace in the sink's URL; -o json prints why (every drill NOT
// RUN), and a Warning Event DrillRefused on the StatefulSet records it. A dry run prints the
// plan with the numbers of the route to add, and the route to add, and exits 0.
func TestDrillWithoutRouteOnRig(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ns := r.drillCluster(t, "amha-drill-noroute", false)
	url := "url: http://amha-drill-sink." + ns + ".svc:8080/hook"
	rep, code, errOut := r.drill(t, "baseline", "-n", ns, "--yes", "--sink-image", drillImage, "-o", "json")
	if code != cmd.ExitNoCheck {
		t.Errorf("exit %d, want 2", code)
	}
	for _, want := range []string{"routed to receiver(s) null, not only to amha-drill-sink", "receiver: amha-drill-sink", url} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	if rep.Stopped == nil || rep.Stopped.Reason != drill.StopNoRoute || rep.Route == nil || !strings.Contains(rep.Route.ToAdd, url) ||
		len(rep.Drills) != 1 || rep.Drills[0].Verdict != drill.NotRun || !strings.Contains(rep.Drills[0].Explanation, "no-route") {
		t.Errorf("-o json of the refused run: stopped %+v, route %+v, drills %+v", rep.Stopped, rep.Route, rep.Drills)
	} else {
		r.drillEvents(t, ns, "StatefulSet", "alertmanager-main", rep.Run, "DrillRefused")
	}
	plan, code, _ := r.drill(t, "all", "-n", ns, "--dry-run", "-o", "json")
	if code != cmd.ExitOK || !plan.DryRun || plan.Stopped != nil || plan.Route == nil || !strings.Contains(plan.Route.Missing, "routed to receiver(s) null") ||
		!strings.Contains(plan.Route.ToAdd, url) || len(plan.Drills) != 4 || plan.Timing.GroupWait.D() != drill.RouteToAddTiming.GroupWait ||
		plan.Drills[0].Expectation.Count != 1 {
		t.Errorf("dry run without a route: exit %d, plan %+v, route %+v", code, plan, plan.Route)
	}
	out, code, _ := r.drillText(t, "partition", "-n", ns, "--dry-run")
	if code != cmd.ExitOK {
		t.Errorf("text dry run without a route: exit %d, want 0", code)
	}
	for _, want := range []string{"Drill route: none passes yet", "creates NetworkPolicy amha-drill-partition-", url, "Dry run: nothing was changed."} {
		if !strings.Contains(out, want) {
			t.Errorf("the dry run's plan lacks %q", want)
		}
	}
	// A policy that lets the replicas send only to each other: the sink could count nothing,
	// and the drill says which policy stops it before it creates anything.
	am := map[string]string{"app.kubernetes.io/name": "alertmanager"}
	r.apply(t, ns, []runtime.Object{&networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "replicas-egress-only-to-each-other"},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: am},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress:      []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: am}}}}},
		},
	}})
	rep, code, errOut = r.drill(t, "baseline", "-n", ns, "--dry-run", "-o", "json")
	if code != cmd.ExitNoCheck || !strings.Contains(errOut, "NetworkPolicy replicas-egress-only-to-each-other (egress of the sender) stops") ||
		rep.Stopped == nil || rep.Stopped.Reason != drill.StopSinkBlocked {
		t.Errorf("a policy blocking the sink: exit %d, %q, stopped %+v; want 2 naming the policy", code, errOut, rep.Stopped)
	}
	if m := r.managed(t, ns); len(m) > 0 {
		t.Errorf("objects left: %v", m)
	}
}

// The baseline on the operator shape: one notification, from the position 0 pod (its IP), at
// group_wait; the sink deleted afterwards. --dry-run before it creates nothing.
func TestDrillBaselineOnRig(t *testing.T) {
	r := newRig(t)
	buildDrillImage(t)
	ns := r.drillCluster(t, "amha-drill", true)

	plan, code, _ := r.drill(t, "all", "-n", ns, "--dry-run", "-o", "json")
	if code != cmd.ExitOK || !plan.DryRun || len(plan.Drills) != 4 || plan.Timing.GroupWait.D() != 5*time.Second || plan.Timing.PeerTimeout.D() != 3*time.Second ||
		plan.Route == nil || plan.Route.Receiver != "amha-drill-sink" || plan.Route.Missing != "" {
		t.Fatalf("dry run: exit %d, plan %+v, route %+v", code, plan, plan.Route)
	}
	if m := r.managed(t, ns); len(m) > 0 {
		t.Fatalf("--dry-run created %v", m)
	}
	// Without --yes: refused on a pipe; asked on a terminal, where "n" changes nothing.
	if _, code, errOut := r.drill(t, "baseline", "-n", ns, "--sink-image", drillImage); code != cmd.ExitNoCheck || !strings.Contains(errOut, "use --yes") {
		t.Errorf("without --yes on a pipe: exit %d, %q", code, errOut)
	}
	// On a terminal, without a drill: the menu; 1 chooses the baseline, whose plan asks.
	p := ptytest.Start(t, drillBinary, 120, 40, "drill", "-n", ns, "--kubeconfig", r.kubeconfig, "--sink-image", drillImage)
	p.WaitFor(t, "Choose a drill [1-9, q]", 0, 30*time.Second)
	p.Press(t, "1\r")
	p.WaitFor(t, "Run it? [y/N]", 0, 60*time.Second)
	p.Press(t, "n\r")
	select {
	case <-p.Exited:
		// The last lines may still be in the terminal when the process has exited.
		select {
		case <-p.Read:
		case <-time.After(5 * time.Second):
		}
		if code := p.Cmd.ProcessState.ExitCode(); code != cmd.ExitNoCheck || !strings.Contains(p.Text(), "not confirmed: nothing was changed") {
			t.Errorf("answered n: exit %d\n%s", code, p.Text())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("still running 20s after n:\n%s", p.Text())
	}
	if m := r.managed(t, ns); len(m) > 0 {
		t.Fatalf("answering n created %v", m)
	}

	// The same run writes the HTML page (--report): the verdict and the timeline in it.
	page := filepath.Join(t.TempDir(), "drill.html")
	rep, code, _ := r.drill(t, "baseline", "-n", ns, "--yes", "--sink-image", drillImage, "-o", "json", "--report", page)
	if code != cmd.ExitOK || len(rep.Drills) != 1 {
		t.Fatalf("exit %d, report %+v", code, rep)
	}
	d := rep.Drills[0]
	if d.Verdict != drill.Pass {
		t.Errorf("baseline: %s: %s %s", d.Verdict, d.Explanation, d.Error)
	}
	if b, err := os.ReadFile(page); err != nil {
		t.Errorf("--report %s: %v", page, err)
	} else {
		for _, want := range []string{"✔ " + string(d.Verdict), rep.Run, html.EscapeString(d.Explanation), `<svg class="timeline"`, rep.Positions[0]} {
			if !strings.Contains(string(b), want) {
				t.Errorf("the page %s does not contain %q", page, want)
			}
		}
	}
	if f := firing(d); len(f) != 1 || f[0].Sender != rep.Positions[0] {
		t.Errorf("firing hits %+v, want 1 from %s (position 0)", f, rep.Positions[0])
	}
	if m := rep.MeshAtEnd; m == nil || !m.Whole || m.Detail != "" {
		t.Errorf("the mesh at the end: %+v, want whole", m)
	}
	r.drillEvents(t, ns, "StatefulSet", "alertmanager-main", rep.Run, "DrillStarted", "DrillFinished", "DrillMeshWhole")
	if m := r.managed(t, ns); len(m) > 0 {
		t.Errorf("objects left after the drill: %v", m)
	}
}

// Every drill on the operator shape, in order: baseline and stop-sender pass, crash-sender is
// SKIPPED (the rig's Alertmanager image has no kill), and the partition passes once it has
// recreated the cut-off pod (the rig's policy engine does not cut the live mesh). Every object
// is gone after.
func TestDrillAllOnRig(t *testing.T) {
	// Not parallel: NetworkPolicy enforcement is timing-sensitive on a busy rig (partition_test.go).
	r := newRig(t)
	buildDrillImage(t)
	ns := r.drillCluster(t, "amha-drill-all", true)
	// No --recreate: the rig's policy engine does not cut the live mesh, so the partition
	// recreates the cut-off pod itself after --split-timeout.
	rep, code, errOut := r.drill(t, "all", "-n", ns, "--yes", "--sink-image", drillImage, "--split-timeout", "20s", "-o", "json")
	if !strings.Contains(errOut, "recreated") {
		t.Errorf("the partition did not recreate the cut-off pod after --split-timeout:\n%s", errOut)
	}
	want := map[string]drill.Verdict{drill.Baseline: drill.Pass, drill.StopSender: drill.Pass, drill.CrashSender: drill.Skipped, drill.Partition: drill.Pass}
	if len(rep.Drills) != 4 {
		t.Fatalf("exit %d, %d drills", code, len(rep.Drills))
	}
	for _, d := range rep.Drills {
		if d.Verdict != want[d.Drill] {
			t.Errorf("%s: %s (%s%s), want %s", d.Drill, d.Verdict, d.Explanation, d.Error, want[d.Drill])
		}
		t.Logf("%s: %s: %s %v", d.Drill, d.Verdict, d.Explanation, firing(d))
	}
	if d := rep.Drills[2]; !strings.Contains(d.Explanation, "no kill in the image") {
		t.Errorf("crash-sender skipped for %q, want no kill in the image", d.Explanation)
	}
	if f := firing(rep.Drills[3]); len(f) == 2 && f[0].Sender == f[1].Sender {
		t.Errorf("partition: both notifications from %s", f[0].Sender)
	}
	r.drillEvents(t, ns, "StatefulSet", "alertmanager-main", rep.Run, "DrillStarted", "DrillFault", "DrillHealed", "DrillFinished")
	if code != cmd.ExitOK && !t.Failed() {
		t.Errorf("exit %d, want 0", code)
	}
	if m := r.managed(t, ns); len(m) > 0 {
		t.Errorf("objects left after the drills: %v", m)
	}
}

// On one cluster: a PodDisruptionBudget that allows no disruption makes stop-sender SKIPPED
// (exit 2: nothing ran); a partition on a network without a policy controller is INCONCLUSIVE
// (exit 1) after recreating the cut-off pod, and leaves no policy; and the real binary stopped by
// SIGINT while the partition holds exits 130 with the policy and the sink deleted and the
// mesh whole again.
func TestDrillRefusedInconclusiveInterruptedOnRig(t *testing.T) {
	// Not parallel: NetworkPolicy enforcement is timing-sensitive on a busy rig (partition_test.go).
	r := newRig(t)
	buildDrillImage(t)
	ns := r.drillCluster(t, "amha-drill-edge", true)
	zero := intstr.FromInt32(0)
	pdb := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "alertmanager-main"},
		Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &zero,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "alertmanager"}}},
	}
	// What a killed run left: refused while unexpired, deleted once expired.
	dead := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "amha-drill-sink", Labels: map[string]string{"app.kubernetes.io/managed-by": "kubectl-amha", "amha.dev/drill-run": "dead"},
			Annotations: map[string]string{"amha.dev/expires": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 8080}}},
	}
	r.apply(t, ns, []runtime.Object{pdb, dead})
	if _, code, errOut := r.drill(t, "stop-sender", "-n", ns, "--yes", "--sink-image", drillImage); code != cmd.ExitNoCheck || !strings.Contains(errOut, "drill run dead left service/amha-drill-sink") {
		t.Errorf("unexpired leftovers: exit %d, %q", code, errOut)
	}
	dead, err := r.cs.CoreV1().Services(ns).Get(context.Background(), "amha-drill-sink", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dead.Annotations["amha.dev/expires"] = time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	if _, err := r.cs.CoreV1().Services(ns).Update(context.Background(), dead, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The disruption controller fills the budget's status before the Eviction API enforces it.
	time.Sleep(3 * time.Second)

	rep, code, _ := r.drill(t, "stop-sender", "-n", ns, "--yes", "--sink-image", drillImage, "-o", "json")
	if code != cmd.ExitNoCheck || len(rep.Drills) != 1 || rep.Drills[0].Verdict != drill.Skipped ||
		!strings.Contains(rep.Drills[0].Explanation, "PodDisruptionBudget") {
		t.Errorf("stop-sender under a blocking budget: exit %d, %+v", code, rep.Drills)
	}
	r.eventually(t, 90*time.Second, healthy, "-n", ns)
	if _, err := r.cs.CoreV1().Services(ns).Get(context.Background(), "amha-drill-sink", metav1.GetOptions{}); err == nil {
		t.Error("the expired leftover service is still there")
	}

	// A network that does not enforce NetworkPolicy: the rig with its policy controller stopped.
	rigNetpol(t, "stop")
	t.Cleanup(func() { rigNetpol(t, "start") })
	rep, code, errOut := r.drill(t, "partition", "-n", ns, "--yes", "--sink-image", drillImage, "--split-timeout", "10s", "-o", "json")
	rigNetpol(t, "start")
	if code != cmd.ExitFindings || len(rep.Drills) != 1 || rep.Drills[0].Verdict != drill.Inconclusive ||
		!strings.Contains(rep.Drills[0].Explanation, "does not enforce NetworkPolicy") {
		t.Errorf("partition without a policy controller: exit %d, %+v; want INCONCLUSIVE, the network does not enforce NetworkPolicy", code, rep.Drills)
	}
	if !strings.Contains(errOut, "recreated") {
		t.Errorf("the cut-off pod was not recreated before the drill gave up:\n%s", errOut)
	}
	if m := r.managed(t, ns); len(m) > 0 {
		t.Errorf("objects left: %v", m)
	}

	// Whole again (the recreated pod's old address stays a failed peer for a while).
	r.eventually(t, 90*time.Second, wholeOf3, "-n", ns)
	c, stderr, done := startDrill(t, r, "the mesh is split", 90*time.Second, "partition", "-n", ns, "--yes", "--recreate", "--split-timeout", "90s", "--sink-image", drillImage)
	if err := c.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err = c.Wait()
	done()
	if c.ProcessState.ExitCode() != cmd.ExitInterrupted {
		t.Errorf("exit %d (%v), want 130:\n%s", c.ProcessState.ExitCode(), err, stderr.String())
	}
	t.Logf("interrupted:\n%s", stderr.String())
	if m := r.managed(t, ns); len(m) > 0 {
		t.Errorf("objects left after Ctrl-C: %v", m)
	}
	// Whole again: one island of the 3 (the recreated pod's old address stays listed as a
	// failed peer until --cluster.reconnect-timeout, so not "healthy").
	r.eventually(t, 120*time.Second, wholeOf3, "-n", ns)
}

// wholeOf3 is one island of 3 replicas: a mesh whole again after a pod was recreated, whose
// old address stays listed as a failed peer until --cluster.reconnect-timeout (so not healthy).
func wholeOf3(rep ui.StatusReport, _ int) bool {
	return islands(rep) == 1 && len(rep.Clusters[0].Matrix.Columns) == 3
}

// drillEvents checks that the drill run recorded each reason as an Event on the object (kind,
// name) `kubectl describe` shows them on, naming the run and a user.
func (r *rig) drillEvents(t *testing.T, ns, kind, name, run string, reasons ...string) {
	t.Helper()
	evs, err := r.cs.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{FieldSelector: "involvedObject.name=" + name})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range evs.Items {
		if e.InvolvedObject.Kind == kind && e.Source.Component == "kubectl-amha" {
			got[e.Reason] = e.Message
		}
	}
	for _, reason := range reasons {
		m, ok := got[reason]
		if !ok {
			t.Errorf("no Event %s on %s %s/%s (got %v)", reason, kind, ns, name, got)
			continue
		}
		if !strings.Contains(m, "drill run "+run+" by ") || strings.Contains(m, "unknown user") {
			t.Errorf("Event %s: %q does not name the run %s and the user", reason, m, run)
		}
	}
}

// rigNetpol stops or starts the rig's NetworkPolicy controller (test/rig/rig.sh netpol).
func rigNetpol(t *testing.T, verb string) {
	t.Helper()
	if out, err := exec.Command("bash", filepath.Join("..", "rig", "rig.sh"), "netpol", verb).CombinedOutput(); err != nil {
		t.Fatalf("rig.sh netpol %s: %v\n%s", verb, err, out)
	}
}

// startDrill starts the real binary's `drill args...` and waits until a line of its progress
// contains want; done is called once it has exited.
func startDrill(t *testing.T, r *rig, want string, within time.Duration, args ...string) (c *exec.Cmd, stderr *bytes.Buffer, done func()) {
	t.Helper()
	c = exec.Command(drillBinary, append([]string{"drill", "--kubeconfig", r.kubeconfig}, args...)...)
	c.Stdout = &bytes.Buffer{} // read once it has ended
	stderr = &bytes.Buffer{}
	pr, pw := io.Pipe()
	c.Stderr = io.MultiWriter(stderr, pw)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	seen := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		once := sync.Once{}
		for sc.Scan() {
			if strings.Contains(sc.Text(), want) {
				once.Do(func() { close(seen) })
			}
		}
	}()
	select {
	case <-seen:
	case <-time.After(within):
		_ = c.Process.Kill()
		_ = c.Wait()
		pw.Close()
		t.Fatalf("drill %s: no %q within %s:\n%s", strings.Join(args, " "), want, within, stderr.String())
	}
	return c, stderr, func() { pw.Close() }
}

// killSource is a static kill(1) for an image that has none: kill -SIGNAL PID.
const killSource = `package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

func main() {
	sig := map[string]syscall.Signal{"-0": 0, "-QUIT": syscall.SIGQUIT, "-TERM": syscall.SIGTERM}[os.Args[1]]
	pid, err := strconv.Atoi(os.Args[2])
	if err == nil {
		err = syscall.Kill(pid, sig)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kill:", strings.TrimSpace(err.Error()))
		os.Exit(1)
	}
}
`

// amImageWithKill makes the rig's Alertmanager (same binary) with /bin/kill, as the official
// busybox-based image has: the crash-sender drill needs it. test/rig's own image stays as it is.
func amImageWithKill(t *testing.T) string {
	t.Helper()
	return amImageWithKillVersion(t, "v0.31.1")
}

// amImageWithKillVersion is amImageWithKill of another Alertmanager release (ambuild.Versions).
func amImageWithKillVersion(t *testing.T, version string) string {
	t.Helper()
	name := "amha.local/alertmanager:" + version + "-kill"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	am, err := ambuild.Ensure(ctx, version, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module kill\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(killSource), 0o644); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "kill"), ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build kill: %v\n%s", err, out)
	}
	tar := filepath.Join(dir, "am-kill.tar")
	steps := [][]string{
		{os.Getenv("AMHA_RIG_RIGCTL"), "mkimage", "-o", tar, "-name", name, "-add", am + ":/bin/alertmanager", "-add", filepath.Join(dir, "kill") + ":/bin/kill",
			"-dir", "/alertmanager:0755:65534", "-user", "65534", "-workdir", "/alertmanager", "-entrypoint", `["/bin/alertmanager"]`},
		{"bash", filepath.Join("..", "rig", "rig.sh"), "import", tar},
	}
	for _, s := range steps {
		if out, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", s, err, out)
		}
	}
	return name
}

// crash-sender on replicas whose image has kill: position 0's process crashes (SIGQUIT, no
// leave) 2s before its flush; 1 notification, from position 1, within group_wait +
// peer-timeout; the container exited with code 2, and the crashed pod was replaced.
func TestDrillCrashSenderOnRig(t *testing.T) {
	r := newRig(t)
	if os.Getenv("AMHA_RIG_RIGCTL") == "" {
		t.Skip("AMHA_RIG_RIGCTL is not set (eval \"$(test/rig/rig.sh env)\")")
	}
	buildDrillImage(t)
	ns := r.drillClusterImage(t, "amha-drill-crash", true, amImageWithKill(t))
	before, err := r.cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep, code, errOut := r.drill(t, "crash-sender", "-n", ns, "--yes", "--sink-image", drillImage, "--silence-team-alerts", "-o", "json")
	if code != cmd.ExitOK || len(rep.Drills) != 1 || rep.Drills[0].Verdict != drill.Pass {
		t.Fatalf("crash-sender: exit %d, %+v", code, rep.Drills)
	}
	// The team's alerts a crash makes fire were silenced for the run (one silence per scope)
	// and the silences expired at its end.
	if len(rep.Silences) != 3 || !slices.Contains(rep.TeamAlerts, "KubePodCrashLooping") {
		t.Errorf("team alerts %v, silences %v: want KubePodCrashLooping among them, 3 silences", rep.TeamAlerts, rep.Silences)
	}
	st, _, _ := r.status(t, "-n", ns)
	for _, c := range st.Clusters {
		for _, rp := range c.Replicas {
			if rp.SilenceCount != 0 {
				t.Errorf("%s holds %d active silence(s) after the drill", rp.Name, rp.SilenceCount)
			}
		}
	}
	r.drillEvents(t, ns, "StatefulSet", "alertmanager-main", rep.Run, "DrillSilenced", "DrillFault", "DrillHealed")
	if f := firing(rep.Drills[0]); len(f) != 1 || f[0].Sender != rep.Positions[1] {
		t.Errorf("firing %+v, want 1 from %s (position 1)", f, rep.Positions[1])
	}
	// The crash, as the kubelet saw it (exit code 2: Go's for SIGQUIT), then the crashed pod
	// deleted so that its replacement starts without restart back-off.
	for _, want := range []string{"crash confirmed: " + rep.Positions[0] + " exited with code 2", "deleted the crashed pod " + rep.Positions[0]} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the drill does not say %q", want)
		}
	}
	p, err := r.cs.CoreV1().Pods(ns).Get(context.Background(), rep.Positions[0], metav1.GetOptions{})
	if err == nil {
		for _, o := range before.Items {
			if o.Name == p.Name && o.UID == p.UID && p.DeletionTimestamp == nil {
				t.Errorf("%s is the pod that crashed (uid %s), not being deleted and not a replacement", p.Name, p.UID)
			}
		}
	}
	if m := r.managed(t, ns); len(m) > 0 {
		t.Errorf("objects left after the drill: %v", m)
	}
}
