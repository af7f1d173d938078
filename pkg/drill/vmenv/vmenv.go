// Package vmenv is where a drill runs on Alertmanagers outside Kubernetes (systemd units,
// containers on hosts), given by URL: snapshots come from the replicas' own APIs, the sink runs
// inside kubectl-amha, and the faults are the team's own commands (run at the moment the drill
// needs them) or, for the partition, a person guided step by step whose every step is checked
// from the replicas' status.
package vmenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/drill"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/sink"
)

// Hook names: the commands a team gives for the faults (--stop-command, ...).
const (
	HookStop  = "stop"  // stop position 0 gracefully (stop-sender)
	HookCrash = "crash" // crash it: exit without leaving the mesh (crash-sender)
	HookStart = "start" // start a stopped or crashed replica again
	HookCut   = "cut"   // cut a replica off the mesh port (partition)
	HookHeal  = "heal"  // undo the cut
)

// Source takes snapshots of the replicas (snapshot.URLs).
type Source interface {
	Snapshot(ctx context.Context) ([]model.Cluster, error)
}

// Env is a drill environment over replicas given by URL.
type Env struct {
	Src Source
	// Hooks are shell commands by hook name; {url}, {host}, {port} and {replica} are replaced
	// with the replica's.
	Hooks map[string]string
	// HookTimeout bounds each command.
	HookTimeout time.Duration
	// Ask shows a step to a person and returns when they confirm it (Enter); nil when no one
	// can be asked (no terminal): steps without a command are then SKIPPED.
	Ask func(ctx context.Context, step string) error
	// Say reports what the environment does.
	Say func(string)

	urls map[string]string // replica name -> its URL, from the last snapshot
	mesh map[string]string // replica name -> its gossip port, from the last snapshot
}

// Snapshot is the one cluster the URLs make.
func (e *Env) Snapshot(ctx context.Context) (model.Cluster, error) {
	cs, err := e.Src.Snapshot(ctx)
	if err != nil {
		return model.Cluster{}, err
	}
	if len(cs) != 1 {
		return model.Cluster{}, fmt.Errorf("the URLs make %d clusters, not 1: drill one cluster at a time", len(cs))
	}
	if e.urls == nil {
		e.urls, e.mesh = map[string]string{}, map[string]string{}
	}
	for _, r := range cs[0].Replicas {
		if r.Endpoint != "" {
			e.urls[r.Name] = r.Endpoint
		}
		if r.Status == nil {
			continue
		}
		for _, p := range r.Status.Peers {
			if _, port, err := net.SplitHostPort(p.Address); err == nil && p.Name == r.Status.NodeName {
				e.mesh[r.Name] = port
			}
		}
	}
	return cs[0], nil
}

// faultHook is the command hook of stop-sender and crash-sender ("" for the others).
func faultHook(d string) string {
	return map[string]string{drill.StopSender: HookStop, drill.CrashSender: HookCrash}[d]
}

// Precheck: a stop or crash needs its command, or a person to guide through it.
func (e *Env) Precheck(_ context.Context, d, replica string) error {
	hook := faultHook(d)
	if hook != "" && e.Hooks[hook] == "" && e.Ask == nil {
		return &drill.SkipError{Reason: fmt.Sprintf("%s needs --%s-command (timed %s before %s's flush; for example --%s-command "+
			"'ssh {host} sudo systemctl %s alertmanager'), or a terminal to guide a person through it",
			d, hook, map[string]string{HookStop: "3s", HookCrash: "2s"}[hook], replica, hook, map[string]string{HookStop: "stop", HookCrash: "kill --signal=SIGQUIT"}[hook])}
	}
	return nil
}

// FaultFirst: without its command, a stop or crash is a person's, who cannot time it to the
// second before position 0's flush; it comes before the drill alert is posted (drill.FirstFaulter).
func (e *Env) FaultFirst(d string) bool {
	hook := faultHook(d)
	return hook != "" && e.Hooks[hook] == "" && e.Ask != nil
}

// Fault causes the drill's fault on the replica (its URL).
func (e *Env) Fault(ctx context.Context, d, replica string) (func(context.Context) error, error) {
	switch d {
	case drill.StopSender, drill.CrashSender:
		hook := faultHook(d)
		if e.FaultFirst(d) {
			step := fmt.Sprintf("Stop the Alertmanager at %s now, gracefully (it leaves the mesh), for example on %s:\n"+
				"  sudo systemctl stop alertmanager\n", e.url(replica), host(e.url(replica)))
			if d == drill.CrashSender {
				step = fmt.Sprintf("Crash the Alertmanager at %s now, without it leaving the mesh (SIGQUIT: a Go process exits at "+
					"once), for example on %s:\n  sudo pkill -QUIT -x alertmanager\n"+
					"  (a systemd unit with Restart= brings it back at once: stop the unit's restarts first)\n", e.url(replica), host(e.url(replica)))
			}
			// Whatever the person did, the restart is offered after the count.
			return e.restart(replica), e.Ask(ctx, step+"Then press Enter (the drill checks that it no longer answers and that the others no longer list it).")
		}
		// A command that failed may still have stopped it (ssh hung after the stop): the
		// restart is returned either way.
		return e.restart(replica), e.run(ctx, hook, replica)
	case drill.Partition:
		if e.Hooks[HookCut] != "" {
			if err := e.run(ctx, HookCut, replica); err != nil {
				return e.heal(replica), err // it may have cut before it failed
			}
		} else {
			if e.Ask == nil {
				return nil, &drill.SkipError{Reason: "the partition needs --cut-command and --heal-command, or a terminal to guide a person through it"}
			}
			if err := e.Ask(ctx, fmt.Sprintf("Cut %s off the mesh port %s, TCP and UDP, both ways (its web port stays open), for example on %s:\n"+
				"  iptables -I INPUT -p tcp --dport %[2]s -j DROP; iptables -I INPUT -p udp --dport %[2]s -j DROP\n"+
				"  iptables -I OUTPUT -p tcp --dport %[2]s -j DROP; iptables -I OUTPUT -p udp --dport %[2]s -j DROP\n"+
				"Established flows may survive a new rule: restart its Alertmanager after the cut if the mesh does not split.\n"+
				"Then press Enter (the drill checks the split in every replica's status).", e.url(replica), e.meshPort(replica), host(e.url(replica)))); err != nil {
				return nil, err
			}
		}
		return e.heal(replica), nil
	}
	return nil, nil
}

// restart starts a stopped or crashed replica again: its command, else a person, else nothing
// (the next drill's wait for a whole mesh says it is missing).
//
// Putting things back is not bounded by the drill's restore deadline: a person answers when
// done, and a command has its own --command-timeout.
func (e *Env) restart(replica string) func(context.Context) error {
	return func(ctx context.Context) error {
		ctx = context.WithoutCancel(ctx)
		switch {
		case e.Hooks[HookStart] != "":
			return e.run(ctx, HookStart, replica)
		case e.Ask != nil:
			return e.Ask(ctx, fmt.Sprintf("Start the Alertmanager at %s again, then press Enter.", e.url(replica)))
		}
		e.say("%s stays down: give --start-command to bring it back after the drill", replica)
		return nil
	}
}

func (e *Env) heal(replica string) func(context.Context) error {
	return func(ctx context.Context) error {
		ctx = context.WithoutCancel(ctx)
		if e.Hooks[HookHeal] != "" {
			return e.run(ctx, HookHeal, replica)
		}
		if e.Ask == nil {
			return fmt.Errorf("nothing undoes the cut of %s: undo it by hand (no --heal-command, no terminal)", replica)
		}
		return e.Ask(ctx, fmt.Sprintf("Undo the cut of %s (delete the rules you added), then press Enter.", e.url(replica)))
	}
}

// run runs a hook's command for the replica through sh -c, within HookTimeout.
func (e *Env) run(ctx context.Context, hook, replica string) error {
	tmpl := e.Hooks[hook]
	if tmpl == "" {
		return fmt.Errorf("no --%s-command", hook)
	}
	cmdline := Expand(tmpl, replica, e.url(replica))
	to := e.HookTimeout
	if to <= 0 {
		to = 30 * time.Second
	}
	cctx, cancel := context.WithTimeout(ctx, to)
	defer cancel()
	c := exec.CommandContext(cctx, "sh", "-c", cmdline)
	// Its own process group, killed whole at the timeout: an ssh it started goes too.
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
	c.WaitDelay = time.Second
	out, err := c.CombinedOutput()
	e.say("--%s-command for %s: %s", hook, replica, cmdline)
	if err != nil {
		if errors.Is(cctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("did not end within %s", to)
		}
		return fmt.Errorf("--%s-command for %s (%s): %v: %s", hook, replica, cmdline, err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (e *Env) say(format string, a ...any) {
	if e.Say != nil {
		e.Say(fmt.Sprintf(format, a...))
	}
}

// meshPort is the replica's gossip port as it lists itself (9094 when unknown).
func (e *Env) meshPort(replica string) string {
	if p := e.mesh[replica]; p != "" {
		return p
	}
	return "9094"
}

// url is the replica's URL as the last snapshot gave it (its name when unknown).
func (e *Env) url(replica string) string {
	if u := e.urls[replica]; u != "" {
		return u
	}
	return replica
}

// Expand replaces {url}, {host}, {port} (of the replica's URL) and {replica} (its name) in a
// hook's command.
func Expand(tmpl, replica, rawURL string) string {
	port := ""
	if u, err := url.Parse(rawURL); err == nil {
		port = u.Port()
	}
	return strings.NewReplacer("{url}", rawURL, "{host}", host(rawURL), "{port}", port, "{replica}", replica).Replace(tmpl)
}

func host(replica string) string {
	if u, err := url.Parse(replica); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return replica
}

// Sink reads the hits of the sink that runs inside kubectl-amha.
type Sink struct{ S *sink.Sink }

// Hits are the sink's hits whose alerts carry amha_drill=run.
func (s Sink) Hits(_ context.Context, run string) ([]sink.Hit, error) {
	return s.S.Hits(sink.Filter{Label: drill.Label, Value: run}), nil
}
