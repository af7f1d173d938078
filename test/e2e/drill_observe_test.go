package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/amha-dev/kubectl-amha/internal/localcluster"
	"github.com/amha-dev/kubectl-amha/pkg/cmd"
	"github.com/amha-dev/kubectl-amha/pkg/drill"
	"github.com/amha-dev/kubectl-amha/pkg/kube"
)

// observeConfig routes the Watchdog to a dead-man's switch (a webhook in the namespace) with a
// short repeat_interval, and everything else, the Silent alert included, to a receiver
// without an integration, as kube-prometheus routes its Watchdog.
func observeConfig(ns string) string {
	return fmt.Sprintf(`route:
  receiver: "null"
  group_by: [alertname]
  routes:
  - matchers: ['alertname="Watchdog"']
    receiver: deadmans-switch
    group_wait: 1s
    group_interval: 2s
    repeat_interval: 6s
receivers:
- name: "null"
- name: deadmans-switch
  webhook_configs:
  - url: http://deadmans-switch.%s.svc:8080/hook
`, ns)
}

// --observe-only on the rig: no drill route, no sink; the Watchdog (posted to every pod as
// Prometheus does) counted by the replicas' notification counters across each fault. An alert
// routed to a receiver without an integration is refused; the four drills pass; nothing of the
// drill's is left.
func TestDrillObserveOnlyOnRig(t *testing.T) {
	// Beside the other parallel tests: it judges counts over 18s windows, not arrival times.
	t.Parallel()
	r := newRig(t)
	buildDrillImage(t)
	ns := r.namespace(t, "amha-observe")
	objs := manifest(t, "operator-shape.yaml")
	for _, o := range objs {
		switch v := o.(type) {
		case *corev1.Secret:
			v.StringData["alertmanager.env.yaml"] = observeConfig(ns)
		case *appsv1.StatefulSet:
			c := &v.Spec.Template.Spec.Containers[0]
			c.Args = append(c.Args, "--cluster.peer-timeout=3s")
			// 0.34: before 0.33 Alertmanager checks repeat_interval after its position's wait,
			// and with a 6s repeat_interval its replicas may send the same repeat (rightly FAIL).
			c.Image = amImageWithKillVersion(t, "v0.34.2")
		}
	}
	// The dead-man's switch: a webhook that answers (kubectl-amha's sink), not the drill's.
	dep, svc := kube.SinkObjects(kube.DrillObject{Namespace: ns, Run: "none", Expires: time.Now()}, drillImage)
	own := map[string]string{"app": "deadmans-switch"}
	for _, m := range []*metav1.ObjectMeta{&dep.ObjectMeta, &svc.ObjectMeta, &dep.Spec.Template.ObjectMeta} {
		m.Name, m.Labels, m.Annotations = "deadmans-switch", own, nil
	}
	dep.Spec.Template.Name = ""
	dep.Spec.Selector.MatchLabels, svc.Spec.Selector = own, own
	r.apply(t, ns, append(objs, []runtime.Object{dep, svc}...))
	r.waitReady(t, ns, "alertmanager-main", 3)

	// Prometheus' part: the Watchdog and Silent, to every pod, every 5s (pods replaced by the
	// drills are found again each time).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			pods, err := r.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=alertmanager"})
			if err == nil {
				for _, p := range pods.Items {
					if p.Status.PodIP != "" {
						pctx, pcancel := context.WithTimeout(ctx, 3*time.Second)
						_ = localcluster.PostAlerts(pctx, []string{"http://" + p.Status.PodIP + ":9093"},
							map[string]string{"alertname": "Watchdog", "severity": "none"}, map[string]string{"alertname": "Silent"})
						pcancel()
					}
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
			}
		}
	}()

	// The drill's own preflight: the mesh whole and settled, the Watchdog on every replica.
	deadline := time.Now().Add(2 * time.Minute)
	plan, code, _ := r.drillText(t, "all", "-n", ns, "--observe-only", "--dry-run")
	for code != cmd.ExitOK && time.Now().Before(deadline) {
		time.Sleep(5 * time.Second)
		plan, code, _ = r.drillText(t, "all", "-n", ns, "--observe-only", "--dry-run")
	}
	// An alert no integration receives is refused, saying why, with nothing changed.
	if _, code, errOut := r.drillText(t, "baseline", "-n", ns, "--observe-only", "--alert", "Silent", "--dry-run"); code != cmd.ExitNoCheck ||
		!strings.Contains(errOut, "reaches receiver null, which has no integration") {
		t.Errorf("--alert Silent: exit %d, %s", code, errOut)
	}
	for _, want := range []string{"Observe-only: counts Watchdog (firing on every replica) to receiver deadmans-switch through its webhook integration(s)",
		"repeat_interval 6s, 18s per drill", "Creates: no sink and no drill alert", "Cannot tell: which alert group was sent", "partition (observing Watchdog):"} {
		if code != cmd.ExitOK || !strings.Contains(plan, want) {
			t.Errorf("the observe-only plan (exit %d) does not say %q", code, want)
		}
	}
	rep, code, errOut := r.drill(t, "all", "-n", ns, "--observe-only", "--yes", "-o", "json")
	if rep.Observed == nil || rep.Observed.Receiver != "deadmans-switch" || rep.Observed.Window != 18*time.Second {
		t.Errorf("observed: %+v", rep.Observed)
	}
	if code != cmd.ExitOK || len(rep.Drills) != 4 {
		t.Fatalf("drill all --observe-only: exit %d, %d drills\n%s", code, len(rep.Drills), errOut)
	}
	for _, d := range rep.Drills {
		if d.Verdict != drill.Pass || d.Alert != "Watchdog" || !strings.Contains(d.Explanation, "cannot tell which alert group was sent") {
			t.Errorf("%s: %s %s", d.Drill, d.Verdict, d.Explanation)
		}
	}
	if m := r.managed(t, ns); len(m) > 0 {
		t.Errorf("objects left after the drill: %v", m)
	}
	if strings.Contains(errOut, "creating the sink") {
		t.Errorf("observe-only created a sink:\n%s", errOut)
	}
}
