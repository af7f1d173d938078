package e2e

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/amha-dev/kubectl-amha/internal/ptytest"
)

// The live view on the rig, in a pseudo-terminal: it port-forwards to the three pods, shows
// 3 of 3 peers, shows a replica that stops answering within a refresh or two, and q quits
// at once with exit 0, nothing left running and no port-forward left open.
func TestUIOnRig(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	bin := ptytest.Build(t)
	ns := r.namespace(t, "amha-ui")
	r.apply(t, ns, manifest(t, "operator-shape.yaml"))
	r.waitReady(t, ns, "alertmanager-main", 3)
	r.eventually(t, 90*time.Second, healthy, "-n", ns)

	const interval = 2 * time.Second
	p := ptytest.Start(t, bin, 120, 40, "ui", "--kubeconfig", r.kubeconfig, "-n", ns, "--interval", interval.String())
	at := p.WaitFor(t, "3 of 3 peers", 0, 20*time.Second)
	p.WaitFor(t, "3 of 3 answer", 0, 5*time.Second)
	rss, anon := p.Memory()
	t.Logf("first view %s after start; resident memory %.1f MiB (%.1f MiB allocated)", time.Since(p.Started).Round(10*time.Millisecond), rss, anon)
	forwards := listeningPorts(t, p.Cmd.Process.Pid)
	if forwards < 3 {
		t.Errorf("%d local listeners for 3 port-forwards", forwards)
	}

	// Stop replica 2 for good: its replacement pod cannot start (an image that is not there,
	// never pulled), so the StatefulSet does not bring it back while the view watches.
	ctx := context.Background()
	sts, err := r.cs.AppsV1().StatefulSets(ns).Get(ctx, "alertmanager-main", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sts.Spec.UpdateStrategy.Type = "OnDelete"
	sts.Spec.UpdateStrategy.RollingUpdate = nil
	c := &sts.Spec.Template.Spec.Containers[0]
	c.Image, c.ImagePullPolicy = "amha.local/absent:none", corev1.PullNever
	if _, err := r.cs.AppsV1().StatefulSets(ns).Update(ctx, sts, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	r.deletePod(t, ns, "alertmanager-main-2")
	stopped := time.Now()
	// Within the next refresh, or the one after when a refresh was in flight.
	p.WaitFor(t, "2 of 3 answer", at, 2*interval+3*time.Second)
	t.Logf("the stopped replica shows as lost %s after its pod was deleted (interval %s)", time.Since(stopped).Round(10*time.Millisecond), interval)

	pid := p.Cmd.Process.Pid
	p.Quit(t)
	if _, err := os.Stat("/proc/" + itoa(pid)); err == nil {
		t.Errorf("process %d still exists after q", pid)
	}
}

// listeningPorts counts the TCP sockets a process listens on (its port-forwards: one on
// 127.0.0.1 and one on ::1 each), from ss.
func listeningPorts(t *testing.T, pid int) int {
	t.Helper()
	out, err := exec.Command("ss", "-Htlnp").Output() // iproute2, installed with the rig
	if err != nil {
		t.Fatalf("ss: %v", err)
	}
	n := 0
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "pid="+itoa(pid)+",") {
			n++
		}
	}
	return n
}

func itoa(i int) string { return strconv.Itoa(i) }
