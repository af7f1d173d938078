package amtest

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/ambuild"
	"github.com/amha-dev/kubectl-amha/internal/localcluster"
)

// StartPrometheus runs a real Prometheus on 127.0.0.1 whose alerting section sends to the
// given host:port targets (static_configs), and waits until it lists them as active.
func StartPrometheus(t testing.TB, targets []string) string {
	t.Helper()
	return StartPrometheusWatchdog(t, targets, false)
}

// StartPrometheusWatchdog is StartPrometheus; with watchdog, it also evaluates an always-firing
// Watchdog alert (as kube-prometheus does) every 5s and resends it every 5s (1m by default).
func StartPrometheusWatchdog(t testing.TB, targets []string, watchdog bool) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	bin, err := ambuild.EnsurePrometheus(ctx, os.Stderr)
	if err != nil {
		t.Fatalf("prometheus: %v", err)
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf("global:\n  evaluation_interval: 5s\nalerting:\n  alertmanagers:\n  - static_configs:\n    - targets: ['%s']\n",
		strings.Join(targets, "', '"))
	args := []string{"--config.file=" + filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path=" + filepath.Join(dir, "data")}
	if watchdog {
		cfg += "rule_files: ['rules.yml']\n"
		rules := "groups:\n- name: general.rules\n  interval: 5s\n  rules:\n  - alert: Watchdog\n    expr: vector(1)\n"
		if err := os.WriteFile(filepath.Join(dir, "rules.yml"), []byte(rules), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--rules.alert.resend-delay=5s")
	}
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var log strings.Builder
	var mu sync.Mutex
	cmd := exec.Command(bin, append(args, "--web.listen-address="+addr)...)
	w := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return log.Write(p) })
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			mu.Lock()
			t.Logf("prometheus log (tail):\n%s", localcluster.Tail(log.String(), 3000))
			mu.Unlock()
		}
	})
	url := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var r struct {
			Data struct {
				Active []struct{ URL string } `json:"activeAlertmanagers"`
			} `json:"data"`
		}
		if err := localcluster.GetJSON(ctx, url+"/api/v1/alertmanagers", &r); err == nil && len(r.Data.Active) == len(targets) {
			return url
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("prometheus did not list %d active alertmanagers within 60s", len(targets))
	return ""
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// LoadBalancer is a round-robin TCP proxy on 127.0.0.1 in front of backends: the setup
// Alertmanager's documentation warns against, for tests that show why.
func LoadBalancer(t testing.TB, backends []string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			in, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer in.Close()
				out, err := net.DialTimeout("tcp", backends[i%len(backends)], 5*time.Second)
				if err != nil {
					return
				}
				defer out.Close()
				done := make(chan struct{}, 2)
				go func() { _, _ = io.Copy(out, in); done <- struct{}{} }()
				go func() { _, _ = io.Copy(in, out); done <- struct{}{} }()
				<-done
			}()
		}
	}()
	return l.Addr().String()
}
