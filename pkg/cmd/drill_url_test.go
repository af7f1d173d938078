package cmd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/amtest"
	"github.com/amha-dev/kubectl-amha/internal/localcluster"
	"github.com/amha-dev/kubectl-amha/internal/ptytest"
	"github.com/amha-dev/kubectl-amha/pkg/drill"
)

// freePort is a loopback port nothing listens on now (the sink's, named in the replicas'
// configuration before it listens).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// hookControl plays the team's fault commands for replicas on loopback: ctl.sh ACTION PORT
// asks the test, which stops, kills, starts or relabels the replica with that web port, and
// returns once it is done.
func hookControl(t *testing.T, c *localcluster.Cluster, label string) string {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "ctl.sh")
	if err := os.WriteFile(script, []byte(`#!/bin/sh
# ctl.sh ACTION PORT: ask the test to act on the replica, wait until it did.
: > "$(dirname "$0")/req-$1-$2"
while [ ! -e "$(dirname "$0")/ok-$1-$2" ]; do sleep 0.05; done
rm -f "$(dirname "$0")/ok-$1-$2"
`), 0o755); err != nil {
		t.Fatal(err)
	}
	byPort := map[string]*localcluster.Process{}
	orig := map[string][]string{}
	for _, p := range c.Replicas {
		_, port, _ := net.SplitHostPort(p.WebAddr)
		byPort[port], orig[port] = p, p.Args
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			reqs, _ := filepath.Glob(filepath.Join(dir, "req-*"))
			for _, r := range reqs {
				action, port, _ := strings.Cut(strings.TrimPrefix(filepath.Base(r), "req-"), "-")
				_ = os.Remove(r)
				if p := byPort[port]; p != nil {
					switch action {
					case "stop":
						p.Stop()
					case "kill":
						p.Kill()
					case "start":
						p.Args = orig[port]
						_ = p.Start()
					case "cut": // memberlist drops the packets of another --cluster.label
						p.Stop()
						p.Args = localcluster.OverrideArgs(orig[port], []string{"--cluster.label=" + label + "-cut-off"})
						_ = p.Start()
					case "heal":
						p.Stop()
						p.Args = orig[port]
						_ = p.Start()
					}
				}
				_ = os.WriteFile(filepath.Join(dir, "ok-"+action+"-"+port), nil, 0o644)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	return script
}

// drill all --url on three real replicas on loopback, the sink inside kubectl-amha and the
// faults the team's commands: every drill PASSes as on Kubernetes, and the mesh is whole at
// the end.
func TestDrillURLsOnLoopback(t *testing.T) {
	if testing.Short() {
		t.Skip("real replicas: not in -short")
	}
	c, port, label := urlCluster(t)
	ctl := hookControl(t, c, label)
	args := []string{"drill", "all", "--yes", "-o", "json", "--peer-timeout", "3s", "--sink-listen", fmt.Sprintf("127.0.0.1:%d", port),
		"--stop-command", "sh " + ctl + " stop {port}", "--crash-command", "sh " + ctl + " kill {port}",
		"--start-command", "sh " + ctl + " start {port}", "--cut-command", "sh " + ctl + " cut {port}",
		"--heal-command", "sh " + ctl + " heal {port}", "--split-timeout", "20s"}
	for _, u := range c.URLs() {
		args = append(args, "--url", u)
	}
	out, errOut, code := run(t, args...)
	var rep drill.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("drill -o json: %v\nstdout %s\nstderr %s", err, out, errOut)
	}
	t.Log(errOut)
	if code != ExitOK {
		t.Errorf("exit %d", code)
	}
	if len(rep.Drills) != 4 {
		t.Fatalf("%d drills", len(rep.Drills))
	}
	for _, d := range rep.Drills {
		if d.Verdict != drill.Pass {
			t.Errorf("%s: %s %s %s", d.Drill, d.Verdict, d.Explanation, d.Error)
		}
	}
	if m := rep.MeshAtEnd; m == nil || !m.Whole {
		t.Errorf("the mesh at the end: %+v", m)
	}
	for _, want := range []string{"the sink listens on 127.0.0.1:", "--stop-command for", "--cut-command for", "--heal-command for"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr does not say %q", want)
		}
	}
}

// urlCluster starts three real replicas on loopback whose drill route sends to a sink on
// 127.0.0.1:port, under their own --cluster.label.
func urlCluster(t *testing.T) (*localcluster.Cluster, int, string) {
	t.Helper()
	port := freePort(t)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	label := "amha-drill-url-" + hex.EncodeToString(b)
	cfg := fmt.Sprintf(`route:
  receiver: default
  routes:
  - matchers: ['amha_drill=~".+"']
    receiver: amha-drill-sink
    group_by: [amha_drill]
    group_wait: 5s
    group_interval: 1m
    repeat_interval: 24h
    continue: false
receivers:
- name: default
- name: amha-drill-sink
  webhook_configs:
  - url: http://127.0.0.1:%d/hook
    send_resolved: true
`, port)
	c := amtest.Start(t, 3, amtest.Options{Options: localcluster.Options{Config: cfg, Args: func(i int) []string {
		return []string{"--cluster.label=" + label, "--cluster.peer-timeout=3s", fmt.Sprintf("--cluster.peer-name=am-%d", i)}
	}}})
	return c, port, label
}

// The partition without --cut-command, on a terminal: the person is guided through the cut
// (here the test does it), the split is checked, and after the count through the heal.
func TestDrillURLsGuidedPartition(t *testing.T) {
	if testing.Short() {
		t.Skip("real replicas: not in -short")
	}
	c, port, label := urlCluster(t)
	bin := ptytest.Build(t)
	args := []string{"drill", "partition", "--yes", "--peer-timeout", "3s", "--sink-listen", fmt.Sprintf("127.0.0.1:%d", port), "--split-timeout", "20s"}
	p := ptytest.Start(t, bin, 160, 50, append(args, urlArgs(c.URLs())...)...)
	at := p.WaitFor(t, "off the mesh port "+portOf(t, c.Replicas[2].ClusterAddr), 0, 2*time.Minute)
	cut := c.Replicas[2] // the last position: peer names am-0..am-2 sort so
	orig := cut.Args
	cut.Stop()
	cut.Args = localcluster.OverrideArgs(orig, []string{"--cluster.label=" + label + "-cut-off"})
	if err := cut.Start(); err != nil {
		t.Fatal(err)
	}
	p.Press(t, "\r")
	at = p.WaitFor(t, "the mesh is split", at, time.Minute)
	at = p.WaitFor(t, "Undo the cut of", at, time.Minute)
	cut.Stop()
	cut.Args = orig
	if err := cut.Start(); err != nil {
		t.Fatal(err)
	}
	p.Press(t, "\r")
	passAndExit(t, p, at, "partition")
}

// passAndExit waits, after the last step was answered, for the PASS and a clean exit.
func passAndExit(t *testing.T, p *ptytest.Proc, at int, drill string) {
	t.Helper()
	p.WaitFor(t, "PASS", at, 2*time.Minute)
	select {
	case err := <-p.Exited:
		if err != nil {
			t.Fatalf("%s: exit: %v\n%s", drill, err, p.Text())
		}
	case <-time.After(4 * time.Minute):
		t.Fatalf("%s: still running:\n%s", drill, p.Text())
	}
}

// stop-sender and crash-sender without their commands, on a terminal: the person is asked to
// stop (crash) position 0 before the alert (here the test does it), the drill checks it is gone
// from every replica's status, expects position 1 at group_wait, and after the count asks for
// the restart.
func TestDrillURLsGuidedStopAndCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("real replicas: not in -short")
	}
	c, port, _ := urlCluster(t)
	bin := ptytest.Build(t)
	sender := c.Replicas[0] // position 0: peer names am-0..am-2 sort so
	for _, tc := range []struct {
		drill, step string
		fault       func()
	}{
		{"stop-sender", "Stop the Alertmanager at " + sender.URL() + " now, gracefully", sender.Stop},
		{"crash-sender", "Crash the Alertmanager at " + sender.URL() + " now", sender.Kill},
	} {
		args := []string{"drill", tc.drill, "--yes", "--peer-timeout", "3s", "--sink-listen", fmt.Sprintf("127.0.0.1:%d", port)}
		p := ptytest.Start(t, bin, 200, 50, append(args, urlArgs(c.URLs())...)...)
		at := p.WaitFor(t, tc.step, 0, 2*time.Minute)
		tc.fault()
		p.Press(t, "\r")
		at = p.WaitFor(t, "is gone: it does not answer and no other replica lists it", at, time.Minute)
		at = p.WaitFor(t, "Start the Alertmanager at "+sender.URL()+" again", at, time.Minute)
		if err := sender.Start(); err != nil {
			t.Fatal(err)
		}
		p.Press(t, "\r")
		passAndExit(t, p, at, tc.drill)
		if !strings.Contains(p.Text(), "1 notification") || !strings.Contains(p.Text(), "am-1") && !strings.Contains(p.Text(), c.Replicas[1].WebAddr) {
			t.Errorf("%s: the result does not name position 1's notification:\n%s", tc.drill, p.Text())
		}
	}
}

func portOf(t *testing.T, addr string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// Without the commands a stop or crash needs, they are SKIPPED, saying why, before any alert
// is posted; flags that need --url are refused without it.
func TestDrillURLsRefusals(t *testing.T) {
	_, errOut, code := run(t, "drill", "baseline", "--url", "http://127.0.0.1:1", "--yes")
	if code != ExitNoCheck || !strings.Contains(errOut, "--url needs --sink-listen HOST:PORT") {
		t.Errorf("--url without --sink-listen: exit %d, %s", code, errOut)
	}
	_, errOut, code = run(t, "drill", "baseline", "--stop-command", "true", "--yes", "--sink-image", "x")
	if code != ExitNoCheck || !strings.Contains(errOut, "--stop-command needs --url") {
		t.Errorf("--stop-command without --url: exit %d, %s", code, errOut)
	}
	_, errOut, code = run(t, "drill", "baseline", "--url", "http://127.0.0.1:1", "--sink-listen", ":8080", "--yes")
	if code != ExitNoCheck || !strings.Contains(errOut, "give --sink-url") {
		t.Errorf("--sink-listen :8080 without --sink-url: exit %d, %s", code, errOut)
	}
	_, errOut, code = run(t, "drill", "partition", "--url", "http://127.0.0.1:1", "--sink-listen", "127.0.0.1:1", "--recreate", "--yes")
	if code != ExitNoCheck || !strings.Contains(errOut, "--recreate is for Kubernetes") {
		t.Errorf("--recreate with --url: exit %d, %s", code, errOut)
	}
	_, errOut, code = run(t, "drill", "baseline", "--peer-timeout", "3s", "--yes", "--sink-image", "x")
	if code != ExitNoCheck || !strings.Contains(errOut, "--peer-timeout needs --url") {
		t.Errorf("--peer-timeout without --url: exit %d, %s", code, errOut)
	}
	_, errOut, code = run(t, "drill", "rolling-restart", "--url", "http://127.0.0.1:1", "--sink-listen", "127.0.0.1:1", "--yes")
	if code != ExitNoCheck || !strings.Contains(errOut, "rolling-restart needs Kubernetes") {
		t.Errorf("rolling-restart with --url: exit %d, %s", code, errOut)
	}
}
