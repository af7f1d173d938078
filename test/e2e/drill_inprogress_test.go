package e2e

import (
	"context"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/amha-dev/kubectl-amha/internal/localcluster"
	"github.com/amha-dev/kubectl-amha/pkg/cmd"
	"github.com/amha-dev/kubectl-amha/pkg/kube"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/ui"
)

// status recognises a drill in progress by its labelled objects (an expired one is a leftover,
// not a drill) and by its alert, posted to one replica only as during a drill: the JSON field
// names the run, the divergence the drill alert causes is kept at info, and the exit code is 0.
func TestStatusDrillInProgressOnRig(t *testing.T) {
	r := newRig(t)
	ns := r.drillCluster(t, "amha-dip", false)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	service := func(name, run string, expires time.Time) {
		d := kube.DrillObject{Namespace: ns, Run: run, Expires: expires}
		_, svc := kube.SinkObjects(d, "unused")
		svc.Name = name
		if _, err := r.cs.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	drills := func(rep ui.StatusReport) []model.DrillRun {
		if len(rep.Clusters) != 1 {
			return nil
		}
		return rep.Clusters[0].Drills
	}

	service("amha-drill-old", "0ld0ld00", time.Now().Add(-time.Minute))
	rep, code, stderr := r.status(t, "-n", ns)
	if code != cmd.ExitOK || len(drills(rep)) != 0 {
		t.Fatalf("an expired drill object: exit %d, drillInProgress %+v, stderr %s", code, drills(rep), stderr)
	}

	const run = "d1a2b3c4"
	service("amha-drill-dummy", run, time.Now().Add(10*time.Minute))
	rep, code, stderr = r.status(t, "-n", ns)
	ds := drills(rep)
	if code != cmd.ExitOK || len(ds) != 1 || ds[0].Run != run || !slices.Contains(ds[0].Objects, "service/amha-drill-dummy") || ds[0].Expires == nil {
		t.Fatalf("a drill's object: exit %d, drillInProgress %+v, stderr %s", code, ds, stderr)
	}

	cfg, err := clientcmd.BuildConfigFromFlags("", r.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := kube.NewClient(cfg, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	fw, err := kube.PortForward(ctx, kc, ns, "alertmanager-main-0", 9093)
	if err != nil {
		t.Fatal(err)
	}
	defer fw.Close()
	if err := localcluster.PostAlerts(ctx, []string{"http://" + fw.Local}, map[string]string{"alertname": model.DrillAlertName, model.DrillLabel: run + "-partition"}); err != nil {
		t.Fatal(err)
	}
	rep, code, stderr = r.status(t, "-n", ns, "--alert-grace=0s")
	ds = drills(rep)
	if code != cmd.ExitOK || len(ds) != 1 || !slices.Equal(ds[0].Drills, []string{"partition"}) || !slices.Equal(ds[0].Alerting, []string{"alertmanager-main-0"}) {
		t.Fatalf("the drill's alert on one replica: exit %d, drillInProgress %+v, findings %v, stderr %s", code, ds, ids(rep), stderr)
	}
	marked := false
	for _, f := range rep.Clusters[0].Findings {
		if f.ID == "mesh/alerts-diverge" && f.DrillCaused && f.Severity == model.Info {
			marked = true
		}
	}
	if !marked {
		t.Fatalf("the drill alert's divergence is not kept marked at info: %+v", rep.Clusters[0].Findings)
	}
}
