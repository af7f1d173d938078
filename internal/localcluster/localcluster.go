// Package localcluster runs real Alertmanager processes on loopback: a cluster of N replicas
// with their own ports, storage and configuration. Tests (through amtest) and the demo use it.
package localcluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/ambuild"
)

// DefaultConfig groups by alertname and sends to a receiver without integrations.
const DefaultConfig = `route:
  receiver: default
  group_by: [alertname]
  group_wait: 1s
  group_interval: 5s
  repeat_interval: 1h
receivers:
- name: default
`

// Options shape a local cluster. Zero values give a healthy cluster of the default version.
type Options struct {
	// Version is the Alertmanager release of every replica; VersionFor overrides it per replica.
	Version    string
	VersionFor func(i int) string
	// Config is the alertmanager.yml of every replica; ConfigFor overrides it per replica.
	Config    string
	ConfigFor func(i int) string
	// Peers returns the --cluster.peer values of replica i given every replica's cluster
	// address; the default is all of them.
	Peers func(i int, clusterAddrs []string) []string
	// Args returns extra flags for replica i; a flag replaces the default of the same name.
	Args func(i int) []string
	// Dir holds the replicas' files; empty means a new temporary directory removed by Close.
	Dir string
	// Progress receives build messages; may be nil.
	Progress io.Writer
}

// labelSeq numbers the clusters a process starts, for their --cluster.label.
var labelSeq atomic.Int64

// Cluster is a set of running replicas.
type Cluster struct {
	Replicas []*Process
	tmp      string
}

// Process is one running Alertmanager.
type Process struct {
	Index       int
	WebAddr     string // 127.0.0.1:port
	ClusterAddr string // 127.0.0.1:port
	Dir         string
	Args        []string
	bin         string
	cmd         *exec.Cmd
	log         *syncBuffer
	exited      chan struct{}
}

// URL is the replica's web URL.
func (p *Process) URL() string { return "http://" + p.WebAddr }

// Start builds (once) and runs n replicas; it does not wait for the mesh (see WaitMesh).
// On error every process started so far is stopped.
func Start(ctx context.Context, n int, o Options) (c *Cluster, err error) {
	c = &Cluster{}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	dir := o.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "amha-local-"); err != nil {
			return c, err
		}
		c.tmp = dir
	}
	// A label of this cluster's own: a stray packet from another mesh on the same host (another
	// test's replicas, reusing a port) is dropped instead of merging the two.
	label := fmt.Sprintf("amha-local/%d-%d", os.Getpid(), labelSeq.Add(1))
	clusterAddrs := make([]string, n)
	webAddrs := make([]string, n)
	for i := range n {
		if webAddrs[i], err = freeAddr(false); err != nil {
			return c, err
		}
		if clusterAddrs[i], err = freeAddr(true); err != nil {
			return c, err
		}
	}
	for i := range n {
		version := o.Version
		if o.VersionFor != nil {
			version = o.VersionFor(i)
		}
		if version == "" {
			version = ambuild.Default
		}
		bin, err := ambuild.Ensure(ctx, version, o.Progress)
		if err != nil {
			return c, err
		}
		cfg := o.Config
		if o.ConfigFor != nil {
			cfg = o.ConfigFor(i)
		}
		if cfg == "" {
			cfg = DefaultConfig
		}
		peers := clusterAddrs
		if o.Peers != nil {
			peers = o.Peers(i, clusterAddrs)
		}
		var extra []string
		if o.Args != nil {
			extra = o.Args(i)
		}
		p := &Process{Index: i, WebAddr: webAddrs[i], ClusterAddr: clusterAddrs[i], bin: bin, Dir: filepath.Join(dir, fmt.Sprintf("am-%d", i))}
		if err := os.MkdirAll(p.Dir, 0o755); err != nil {
			return c, err
		}
		if err := os.WriteFile(filepath.Join(p.Dir, "alertmanager.yml"), []byte(cfg), 0o644); err != nil {
			return c, err
		}
		p.Args = []string{
			"--config.file=" + filepath.Join(p.Dir, "alertmanager.yml"),
			"--storage.path=" + filepath.Join(p.Dir, "data"),
			"--web.listen-address=" + p.WebAddr,
			"--cluster.listen-address=" + p.ClusterAddr,
			"--cluster.gossip-interval=50ms",
			"--cluster.pushpull-interval=2s",
			"--cluster.settle-timeout=1s",
			"--cluster.reconnect-interval=1s",
			"--cluster.label=" + label,
			"--log.level=debug",
		}
		for _, peer := range peers {
			p.Args = append(p.Args, "--cluster.peer="+peer)
		}
		p.Args = OverrideArgs(p.Args, extra)
		c.Replicas = append(c.Replicas, p)
		if err := p.Start(); err != nil {
			return c, err
		}
	}
	for _, p := range c.Replicas {
		if err := p.rebindIfTaken(ctx); err != nil {
			return c, err
		}
	}
	return c, nil
}

// rebindIfTaken waits until the replica listens on its web address. Loopback ports are shared
// with whatever else runs on the machine: a port taken between its choice and the replica's
// bind makes the replica exit at once ("address already in use"). It is then given new ports
// and started again, up to 3 times; the others learn its new address when it joins them. A
// replica that exited for another reason is left to the caller's wait, which shows its log.
func (p *Process) rebindIfTaken(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		deadline := time.Now().Add(5 * time.Second)
		for p.Running() && time.Now().Before(deadline) {
			if conn, err := net.DialTimeout("tcp", p.WebAddr, 200*time.Millisecond); err == nil {
				conn.Close()
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
		if p.Running() || attempt > 3 || !strings.Contains(p.Log(), "address already in use") {
			return nil
		}
		web, err := freeAddr(false)
		if err != nil {
			return err
		}
		cluster, err := freeAddr(true)
		if err != nil {
			return err
		}
		p.WebAddr, p.ClusterAddr = web, cluster
		p.Args = OverrideArgs(p.Args, []string{"--web.listen-address=" + web, "--cluster.listen-address=" + cluster})
		if err := p.Start(); err != nil {
			return err
		}
	}
}

// OverrideArgs appends extra flags, each replacing a default of the same name (--cluster.peer
// adds). "--name" alone, without "=", removes the default.
func OverrideArgs(args, extra []string) []string {
	name := func(a string) string { n, _, _ := strings.Cut(a, "="); return n }
	drop := map[string]bool{}
	for _, e := range extra {
		if n := name(e); n != "--cluster.peer" {
			drop[n] = true
		}
	}
	var out []string
	for _, a := range args {
		if !drop[name(a)] {
			out = append(out, a)
		}
	}
	for _, e := range extra {
		if strings.Contains(e, "=") {
			out = append(out, e)
		}
	}
	return out
}

// Start runs the process (again, after a Stop or Kill) with the same arguments.
func (p *Process) Start() error {
	p.log = &syncBuffer{}
	p.cmd = exec.Command(p.bin, p.Args...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("start alertmanager %d: %w", p.Index, err)
	}
	p.exited = make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	return nil
}

// Running reports whether the process has not exited.
func (p *Process) Running() bool {
	if p.exited == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// Stop ends the replica gracefully (SIGTERM): it leaves the mesh.
func (p *Process) Stop() { p.signal(syscall.SIGTERM) }

// Kill ends the replica at once (SIGKILL): the others must detect the failure.
func (p *Process) Kill() { p.signal(syscall.SIGKILL) }

func (p *Process) signal(sig syscall.Signal) {
	if !p.Running() {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// Log is what the process printed so far.
func (p *Process) Log() string {
	if p.log == nil {
		return ""
	}
	return p.log.String()
}

// Close kills every replica and removes the temporary directory.
func (c *Cluster) Close() {
	var wg sync.WaitGroup
	for _, p := range c.Replicas {
		wg.Add(1)
		go func() { defer wg.Done(); p.Kill() }()
	}
	wg.Wait()
	if c.tmp != "" {
		os.RemoveAll(c.tmp)
	}
}

// URLs are the web URLs of all replicas.
func (c *Cluster) URLs() []string {
	var out []string
	for _, p := range c.Replicas {
		out = append(out, p.URL())
	}
	return out
}

// StatusView is the part of /api/v2/status that waiting looks at.
type StatusView struct {
	Cluster struct {
		Name   string `json:"name"`
		Status string `json:"status"`
		Peers  []struct {
			Name    string `json:"name"`
			Address string `json:"address"`
		} `json:"peers"`
	} `json:"cluster"`
}

// WaitStatus polls /api/v2/status until ok holds or the context ends.
func (p *Process) WaitStatus(ctx context.Context, ok func(StatusView) bool) (StatusView, error) {
	var last StatusView
	var lastErr error
	for {
		if !p.Running() {
			return last, fmt.Errorf("replica %d exited:\n%s", p.Index, Tail(p.Log(), 3000))
		}
		var s StatusView
		lastErr = GetJSON(ctx, p.URL()+"/api/v2/status", &s)
		if lastErr == nil {
			last = s
			if ok(s) {
				return s, nil
			}
		}
		select {
		case <-ctx.Done():
			return last, fmt.Errorf("replica %d: condition not met in time; last status %+v, last error %v", p.Index, last, lastErr)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// WaitMesh waits until every replica reports status ready with n members.
func (c *Cluster) WaitMesh(ctx context.Context, n int) error {
	for _, p := range c.Replicas {
		if _, err := p.WaitStatus(ctx, func(s StatusView) bool { return s.Cluster.Status == "ready" && len(s.Cluster.Peers) == n }); err != nil {
			return err
		}
	}
	return nil
}

// PostAlerts posts alerts (label sets) as firing to each URL.
func PostAlerts(ctx context.Context, urls []string, alerts ...map[string]string) error {
	var body []map[string]any
	for _, a := range alerts {
		body = append(body, map[string]any{"labels": a, "startsAt": time.Now().Add(-time.Minute).Format(time.RFC3339)})
	}
	b, _ := json.Marshal(body)
	for _, u := range urls {
		if _, err := post(ctx, u+"/api/v2/alerts", b); err != nil {
			return err
		}
	}
	return nil
}

// PostSilence creates a silence on one replica and returns its id.
func PostSilence(ctx context.Context, url, name, value string, d time.Duration) (string, error) {
	now := time.Now()
	b, _ := json.Marshal(map[string]any{
		"matchers":  []map[string]any{{"name": name, "value": value, "isRegex": false, "isEqual": true}},
		"startsAt":  now.Format(time.RFC3339),
		"endsAt":    now.Add(d).Format(time.RFC3339),
		"createdBy": "amha",
		"comment":   "local cluster",
	})
	res, err := post(ctx, url+"/api/v2/silences", b)
	if err != nil {
		return "", err
	}
	var out struct {
		SilenceID string `json:"silenceID"`
	}
	if err := json.Unmarshal(res, &out); err != nil || out.SilenceID == "" {
		return "", fmt.Errorf("post silence: unexpected answer %q", res)
	}
	return out.SilenceID, nil
}

var client = &http.Client{Timeout: 5 * time.Second}

func post(ctx context.Context, url string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("POST %s: %s %s", url, res.Status, msg)
	}
	return msg, nil
}

// GetJSON decodes the JSON answer of a GET.
func GetJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, res.Status)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

// freeAddr finds a loopback port free for TCP (and UDP when both is set: the mesh port needs both).
func freeAddr(both bool) (string, error) {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		addr := l.Addr().String()
		if !both {
			l.Close()
			return addr, nil
		}
		u, err := net.ListenPacket("udp", addr)
		l.Close()
		if err == nil {
			u.Close()
			return addr, nil
		}
	}
	return "", errors.New("no free loopback port for TCP and UDP")
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Tail is the last n bytes of s.
func Tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
