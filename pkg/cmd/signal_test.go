package cmd

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/amtest"
	"github.com/amha-dev/kubectl-amha/internal/hostile"
	"github.com/amha-dev/kubectl-amha/internal/localcluster"
	"github.com/amha-dev/kubectl-amha/internal/ptytest"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// Ctrl-C while status waits on replicas that do not answer: no report is built from the
// cancelled requests (no mesh/unreachable, no exit 1), "interrupted" and exit 130, at once.
func TestStatusInterrupted(t *testing.T) {
	url := hostile.Serve(t, hostile.Hang())

	bin := ptytest.Build(t)
	// Late (the requests in flight) and early (before any request: the signal must not be lost).
	for _, after := range []time.Duration{700 * time.Millisecond, 30 * time.Millisecond} {
		cmd := exec.Command(bin, "status", "--url", url, "--url", url+"/b", "--request-timeout", "30s", "-o", "json")
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(after)
		start := time.Now()
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		took := time.Since(start)
		code := cmd.ProcessState.ExitCode()
		killed := code == -1 // the signal came before Go's runtime could pass it on: still a stop
		if !killed && (code != ExitInterrupted || out.Len() != 0 || strings.TrimSpace(errOut.String()) != "error: interrupted") {
			t.Errorf("SIGINT %s after start: exit %d (%v), stdout %q, stderr %q; want 130, nothing, \"error: interrupted\"", after, code, err, out.String(), errOut.String())
		}
		if took > 5*time.Second {
			t.Errorf("SIGINT %s after start: status took %s to stop", after, took)
		}
	}
}

// A second signal does not wait for the clean-up of the first.
func TestInterruptibleSecondSignalExitsAtOnce(t *testing.T) {
	exited := make(chan int, 1)
	exitNow = func(code int) { exited <- code }
	defer func() { exitNow = os.Exit }()
	var errOut bytes.Buffer
	ctx, stop := interruptible(t.Context(), &errOut)
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the first SIGINT did not end the context")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exited:
		if code != ExitInterrupted || !strings.Contains(errOut.String(), "interrupted twice") {
			t.Errorf("exit %d, stderr %q", code, errOut.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the second signal did not exit")
	}
}

// Ctrl-C in each phase of status --probe against real replicas: while collecting (no silence
// is made), while the probe waits for its silence (it is expired), and while it expires the
// silence (the expiry is not cut short: the origin does not answer, another replica expires
// it). Each time: exit 130, nothing on stdout, only "interrupted" on stderr, and no probe
// silence left active on any replica.
func TestStatusProbeInterrupted(t *testing.T) {
	bin := ptytest.Build(t)
	c := amtest.Start(t, 3, amtest.Options{})
	for _, phase := range []string{"collect", "probe wait", "expire"} {
		t.Run(phase, func(t *testing.T) {
			reached := make(chan struct{})
			var once sync.Once
			signal := func() { once.Do(func() { close(reached) }) }
			var urls []string
			for i, p := range c.Replicas {
				urls = append(urls, proxyTo(t, p.URL(), false, func(w http.ResponseWriter, r *http.Request, replica http.Handler) {
					path := r.URL.Path
					switch {
					case phase == "collect" && i == 0 && strings.HasSuffix(path, "/api/v2/status"):
						signal()
						<-r.Context().Done()
						return
					case phase == "probe wait" && i > 0 && strings.Contains(path, "/api/v2/silence/"):
						signal() // the silence never arrives here
						http.NotFound(w, r)
						return
					case phase == "expire" && i == 0 && r.Method == http.MethodDelete:
						signal()
						<-r.Context().Done()
						return
					}
					replica.ServeHTTP(w, r)
				}).URL)
			}
			before, _ := probeSilences(t, c.Replicas[0])
			cmd := exec.Command(bin, append([]string{"status", "-o", "json", "--probe", "--probe-timeout=30s", "--request-timeout=2s"}, urlArgs(urls)...)...)
			var out, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-reached:
			case <-time.After(20 * time.Second):
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				t.Fatalf("the %s phase was never reached: stdout %s, stderr %s", phase, out.String(), errOut.String())
			}
			start := time.Now()
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			took := time.Since(start)
			if code := cmd.ProcessState.ExitCode(); code != ExitInterrupted || out.Len() != 0 || strings.TrimSpace(errOut.String()) != "error: interrupted" {
				t.Errorf("exit %d, stdout %q, stderr %q; want 130, nothing, \"error: interrupted\"", code, out.String(), errOut.String())
			}
			if took > 8*time.Second {
				t.Errorf("status took %s to stop", took)
			}
			// One probe silence was made (on the origin, the first replica) once the collection
			// was over, none before; every replica comes to hold it, expired (silences are
			// gossiped: wait for it).
			made, _ := probeSilences(t, c.Replicas[0])
			if want := map[bool]int{true: 0, false: 1}[phase == "collect"]; made-before != want {
				t.Errorf("%d probe silences made, want %d", made-before, want)
			}
			for _, p := range c.Replicas {
				amtest.WaitStatus(t, p, 10*time.Second, func(localcluster.StatusView) bool {
					all, active := probeSilences(t, p)
					return all == made && active == 0
				})
			}
		})
	}
}

// probeSilences counts the probe silences a replica holds, and those not expired.
func probeSilences(t *testing.T, p *localcluster.Process) (all, active int) {
	var sils []struct {
		Matchers []struct{ Name string } `json:"matchers"`
		Status   struct{ State string }  `json:"status"`
	}
	if err := localcluster.GetJSON(t.Context(), p.URL()+"/api/v2/silences", &sils); err != nil {
		return -1, -1
	}
	for _, s := range sils {
		if len(s.Matchers) > 0 && s.Matchers[0].Name == model.ProbeLabel {
			all++
			if s.Status.State != "expired" {
				active++
			}
		}
	}
	return all, active
}
