package cmd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/sink"
)

// sinkProcess is `kubectl-amha sink` running as its own process (TestMain puts the command on
// PATH), with its stderr lines as they come.
type sinkProcess struct {
	cmd    *exec.Cmd
	lines  chan string
	url    string
	exited chan error
}

func startSink(t *testing.T, args ...string) *sinkProcess {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, "kubectl-amha", append([]string{"sink", "--listen", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &sinkProcess{cmd: cmd, lines: make(chan string, 100), exited: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		p.exited <- cmd.Wait()
	}()
	listening := p.expect(t, `listening on (127\.0\.0\.1:\d+): webhooks POST /hook`)
	p.url = "http://" + listening[1]
	return p
}

// expect waits for the next stderr line and matches it.
func (p *sinkProcess) expect(t *testing.T, pattern string) []string {
	t.Helper()
	select {
	case line, ok := <-p.lines:
		m := regexp.MustCompile(pattern).FindStringSubmatch(line)
		if !ok || m == nil {
			t.Fatalf("stderr line %q (open %v), want %s", line, ok, pattern)
		}
		return m
	case <-time.After(10 * time.Second):
		t.Fatalf("no stderr line %s within 10s", pattern)
	}
	return nil
}

// stop signals the process and wants it to exit 0 within 7s (its shutdown takes 5s at most).
func (p *sinkProcess) stop(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	p.expect(t, `shut down: \d+ hits kept, \d+ bad, \d+ dropped$`)
	select {
	case err := <-p.exited:
		if err != nil {
			t.Errorf("exit after %s: %v, want 0", sig, err)
		}
	case <-time.After(7 * time.Second):
		t.Fatalf("no exit within 7s of %s", sig)
	}
}

// The binary records a webhook, logs it, serves it, and on SIGTERM answers the request it is
// still delaying and exits 0.
func TestSinkProcessRecordsAndStopsOnSIGTERM(t *testing.T) {
	p := startSink(t, "--delay", "1m")
	client := &http.Client{Timeout: 20 * time.Second}
	body := `{"version":"4","groupKey":"{}:{amha_drill=\"d-1\"}","receiver":"amha-drill","status":"firing",` +
		`"alerts":[{"status":"firing","labels":{"amha_drill":"d-1"},"fingerprint":"f1"}]}`
	answered := make(chan error, 1)
	go func() {
		resp, err := client.Post(p.url+"/hook", "application/json", strings.NewReader(body))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				err = errors.New(resp.Status)
			}
		}
		answered <- err
	}()
	p.expect(t, `^\S+Z hit 127\.0\.0\.1 receiver="amha-drill" status=firing groupKey="\{\}:\{amha_drill=\\"d-1\\"\}" alerts=1$`)

	resp, err := client.Get(p.url + "/hits?label=amha_drill=d-1")
	if err != nil {
		t.Fatal(err)
	}
	var r sink.Report
	err = json.NewDecoder(resp.Body).Decode(&r)
	resp.Body.Close()
	if err != nil || r.Kind != "SinkHits" || len(r.Hits) != 1 || r.Hits[0].Source != "127.0.0.1" {
		t.Fatalf("GET /hits: %v %+v", err, r)
	}
	select {
	case err := <-answered:
		t.Fatalf("the webhook was answered before the 1m delay or a signal: %v", err)
	default:
	}

	start := time.Now()
	p.stop(t, syscall.SIGTERM)
	if err := <-answered; err != nil {
		t.Errorf("the delayed webhook at shutdown: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %s", d)
	}
}

func TestSinkProcessStopsOnSIGINT(t *testing.T) {
	startSink(t).stop(t, os.Interrupt)
}

// Bad flags exit 2 (the messages are in testdata/script/sink.txtar); so does a busy address.
func TestSinkProcessBadFlagsExit2(t *testing.T) {
	busy := startSink(t)
	defer busy.stop(t, syscall.SIGTERM)
	for _, args := range [][]string{
		{"--max-hits", "0"},
		{"--path", "hook"},
		{"--bogus"},
		{"--listen", strings.TrimPrefix(busy.url, "http://")},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, "kubectl-amha", append([]string{"sink"}, args...)...)
		cmd.Stdout = io.Discard
		err := cmd.Run()
		cancel()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != ExitNoCheck {
			t.Errorf("sink %v: %v, want exit 2", args, err)
		}
	}
}
