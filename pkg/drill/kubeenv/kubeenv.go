// Package kubeenv runs pkg/drill's drills on Kubernetes: snapshots from the pipeline status
// uses, faults through pkg/kube (the Eviction API, a NetworkPolicy, pods/exec), and the sink's
// hits read through a port-forward. Every API server call is pkg/kube's.
package kubeenv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/amha-dev/kubectl-amha/pkg/drill"
	"github.com/amha-dev/kubectl-amha/pkg/kube"
	"github.com/amha-dev/kubectl-amha/pkg/lint"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/sink"
	"github.com/amha-dev/kubectl-amha/pkg/snapshot"
)

// Env is one found cluster on Kubernetes.
type Env struct {
	Kube  *kube.Client
	Src   snapshot.Source
	Found *kube.Found
	// Object labels and annotates what the drill creates.
	Object kube.DrillObject
	// Recreate deletes the cut-off pod once after the partition's policy is in place, so that
	// it restarts with no established flows.
	RecreateAtOnce bool
	// Say reports what a fault did.
	Say func(string)
	// NarrowPolicies lets the partition take the cut-off pod out of the team's policies that
	// allow the mesh port to it, for the drill's length.
	NarrowPolicies bool
	// EvictWait is how long rolling-restart retries an eviction a PodDisruptionBudget refuses
	// (--eviction-timeout; 0: DefaultEvictWait).
	EvictWait time.Duration
	// Event, when set, records a fault or its undoing as a Kubernetes Event on the cluster
	// (reason, message).
	Event func(warning bool, reason, message string)

	recreated map[string]bool
}

// Snapshot is the found cluster as status sees it.
func (e *Env) Snapshot(ctx context.Context) (model.Cluster, error) {
	cs, err := e.Src.Snapshot(ctx)
	if err != nil {
		return model.Cluster{}, err
	}
	for _, c := range cs {
		if c.Name == e.Found.Name && c.Namespace == e.Found.Namespace {
			return c, nil
		}
	}
	return model.Cluster{}, fmt.Errorf("%s/%s is gone", e.Found.Namespace, e.Found.Name)
}

// record says what happened and records it as an Event.
func (e *Env) record(reason, format string, a ...any) {
	e.say(format, a...)
	if e.Event != nil {
		e.Event(reason != "DrillHealed", reason, fmt.Sprintf(format, a...))
	}
}

func (e *Env) say(format string, a ...any) {
	if e.Say != nil {
		e.Say(fmt.Sprintf(format, a...))
	}
}

// Fault causes the drill's fault on the replica (its pod's name).
func (e *Env) Fault(ctx context.Context, d, replica string) (func(context.Context) error, error) {
	ns := e.Found.Namespace
	fctx, cancel := context.WithTimeout(ctx, e.Kube.Timeout)
	defer cancel()
	switch d {
	case drill.StopSender:
		err := e.evict(fctx, replica, false)
		if err == nil {
			e.record("DrillFault", "stop-sender: evicted %s (a graceful stop)", replica)
		}
		return nil, err
	case drill.CrashSender:
		before, err := e.Kube.Pod(fctx, ns, replica)
		if err != nil {
			return nil, err
		}
		if err := e.kill(fctx, replica, "-QUIT"); err != nil {
			return nil, err
		}
		e.record("DrillFault", "crash-sender: sent SIGQUIT to PID 1 of %s (a crash: it exits without leaving the mesh)", replica)
		return e.deleteCrashed(replica), e.crashed(ctx, before)
	case drill.Partition:
		names, err := e.meshAllowed(fctx, replica)
		if err != nil {
			return nil, err
		}
		if len(names) > 0 && !e.NarrowPolicies {
			return nil, &drill.SkipError{Reason: fmt.Sprintf("NetworkPolicy %s already allows port %d to or from %s: policies only add "+
				"allowances, so no new policy can cut the mesh while it exists (--narrow-policies takes the pod out of it for the drill and restores it after)",
				strings.Join(names, ", "), kube.MeshPort, replica)}
		}
		var restores []func(context.Context) error
		for _, name := range names {
			restore, err := e.Kube.NarrowPolicy(fctx, e.Object, name, replica)
			if err != nil {
				return undo(restores), err
			}
			restores = append(restores, restore)
			e.record("DrillFault", "partition: NetworkPolicy %s narrowed: its allowances no longer apply to %s (restored after the drill)", name, replica)
		}
		heal, err := e.Kube.CreateNetworkPolicy(fctx, kube.PartitionPolicy(e.Object, replica, kube.MeshPort))
		if err != nil {
			return undo(restores), err
		}
		if len(restores) > 0 {
			cut := heal
			heal = func(ctx context.Context) error {
				err := cut(ctx)
				if rerr := undo(restores)(ctx); rerr != nil {
					return errors.Join(err, rerr)
				}
				e.record("DrillHealed", "partition: NetworkPolicy %s restored as it was", strings.Join(names, ", "))
				return err
			}
		}
		e.record("DrillFault", "partition: NetworkPolicy amha-drill-partition-%s cuts port %d of %s: both sides notify every alert group that fires until it is deleted", replica, kube.MeshPort, replica)
		del := heal
		heal = func(ctx context.Context) error {
			if err := del(ctx); err != nil {
				return err
			}
			e.record("DrillHealed", "partition: NetworkPolicy amha-drill-partition-%s deleted: the mesh heals", replica)
			return nil
		}
		if e.RecreateAtOnce {
			if _, err := e.recreate(fctx, replica); err != nil {
				return heal, err
			}
		}
		return heal, nil
	}
	return nil, nil
}

// Recreate deletes the cut-off pod once, so that its StatefulSet starts a replacement behind
// the partition's policy with no established flows; false when it was already recreated.
func (e *Env) Recreate(ctx context.Context, replica string) (bool, error) {
	fctx, cancel := context.WithTimeout(ctx, e.Kube.Timeout)
	defer cancel()
	return e.recreate(fctx, replica)
}

func (e *Env) recreate(ctx context.Context, replica string) (bool, error) {
	if e.recreated[replica] {
		return false, nil
	}
	if err := e.Kube.DeletePod(ctx, e.Found.Namespace, replica); err != nil {
		return false, err
	}
	if e.recreated == nil {
		e.recreated = map[string]bool{}
	}
	e.recreated[replica] = true
	e.record("DrillFault", "partition: deleted %s: its replacement starts behind the policy, with no established flows", replica)
	return true, nil
}

// deleteCrashed deletes the crashed pod once the drill has counted: the kubelet's restart
// back-off grows for a container that crashes again, and a new pod starts without it. A
// CrashLoopBackOff found then is reported, not waited out. It returns once the old pod is
// gone (up to crashGoneWait): until then its restarted container may still answer in a whole
// mesh, and the next drill's wait for a whole mesh would pass before the pod leaves it.
func (e *Env) deleteCrashed(replica string) func(context.Context) error {
	return func(ctx context.Context) error {
		p, err := e.Kube.Pod(ctx, e.Found.Namespace, replica)
		if err == nil {
			for _, s := range p.Status.ContainerStatuses {
				if w := s.State.Waiting; s.Name == e.Found.Container && w != nil && w.Reason == "CrashLoopBackOff" {
					e.say("%s is in CrashLoopBackOff (restarts %d): %s", replica, s.RestartCount, w.Message)
				}
			}
		}
		if err := e.Kube.DeletePod(ctx, e.Found.Namespace, replica); err != nil {
			return fmt.Errorf("delete the crashed pod %s: %w", replica, err)
		}
		e.record("DrillHealed", "crash-sender: deleted the crashed pod %s: its replacement starts without the kubelet's restart back-off", replica)
		if p == nil {
			return nil
		}
		// Its own bound: the caller's may be a short restore context.
		gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), crashGoneWait)
		defer cancel()
		return e.gone(gctx, p)
	}
}

// crashGoneWait bounds the wait for the deleted crashed pod to go (a graceful stop: it leaves
// the mesh, up to 10s, then snapshots its state).
const crashGoneWait = time.Minute

// undo runs restores in reverse order, each on its own, and joins their errors; nil restores
// give a nil func.
func undo(restores []func(context.Context) error) func(context.Context) error {
	if len(restores) == 0 {
		return nil
	}
	return func(ctx context.Context) error {
		var errs []error
		for i := len(restores) - 1; i >= 0; i-- {
			errs = append(errs, restores[i](ctx))
		}
		return errors.Join(errs...)
	}
}

// crashWait bounds the wait for the kubelet to see the crashed container.
const crashWait = 5 * time.Second

// crashed confirms the crash from the kubelet's side: the container's restart count rose, or
// it terminated, with Go's exit code for SIGQUIT (2). Not seen within crashWait:
// NoEffectError.
func (e *Env) crashed(ctx context.Context, before *corev1.Pod) error {
	status := func(p *corev1.Pod) corev1.ContainerStatus {
		for _, s := range p.Status.ContainerStatuses {
			if s.Name == e.Found.Container {
				return s
			}
		}
		return corev1.ContainerStatus{}
	}
	was := status(before).RestartCount
	deadline := time.Now().Add(crashWait)
	for time.Now().Before(deadline) {
		pctx, cancel := context.WithTimeout(ctx, e.Kube.Timeout)
		p, err := e.Kube.Pod(pctx, before.Namespace, before.Name)
		cancel()
		if err == nil && p.UID == before.UID {
			s := status(p)
			term := s.State.Terminated
			if s.RestartCount > was {
				term = s.LastTerminationState.Terminated
			}
			if term != nil {
				e.say("crash confirmed: %s exited with code %d (restarts %d)", before.Name, term.ExitCode, s.RestartCount)
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return &drill.NoEffectError{Reason: fmt.Sprintf("SIGQUIT was sent to PID 1 of %s but its container did not exit within %s "+
		"(no restart, no termination): the process ignores SIGQUIT, or PID 1 is not Alertmanager (an init such as tini)", before.Name, crashWait)}
}

// Precheck tells, before the drill alert is posted, whether the fault can be caused: the
// eviction as a dry run (a PodDisruptionBudget that blocks it), and `kill -0 1` in the
// container (kill in the image, the right to exec). A SkipError says why not.
func (e *Env) Precheck(ctx context.Context, d, replica string) error {
	fctx, cancel := context.WithTimeout(ctx, e.Kube.Timeout)
	defer cancel()
	switch d {
	case drill.StopSender:
		return e.evict(fctx, replica, true)
	case drill.CrashSender:
		return e.kill(fctx, replica, "-0")
	}
	return nil
}

func (e *Env) evict(ctx context.Context, replica string, dryRun bool) error {
	err := e.Kube.Evict(ctx, e.Found.Namespace, replica, dryRun)
	if errors.Is(err, kube.ErrEvictionRefused) {
		return &drill.SkipError{Reason: fmt.Sprintf("a PodDisruptionBudget blocks the eviction of %s: %v", replica, err)}
	}
	return err
}

func (e *Env) kill(ctx context.Context, replica, signal string) error {
	_, err := e.Kube.Exec(ctx, e.Found.Namespace, replica, e.Found.Container, []string{"kill", signal, "1"})
	switch {
	case errors.Is(err, kube.ErrNoExecutable):
		return &drill.SkipError{Reason: fmt.Sprintf("no kill in the image of container %s: its process cannot be crashed from inside (a distroless or minimal image)", e.Found.Container)}
	case err != nil && strings.Contains(err.Error(), "RBAC denies"):
		return &drill.SkipError{Reason: err.Error()}
	}
	return err
}

// SinkBlocked says what stops a replica from reaching the sink the drill will create (port
// 8080, path /hook) under the namespace's NetworkPolicies, as lint evaluates them: the
// policy and the pod; nil when every replica may reach it. The drill's own policies are
// left out (they allow every port but the mesh's).
func (e *Env) SinkBlocked(ctx context.Context) error {
	objs, err := e.Kube.Objects(ctx, e.Found)
	if _, unread := objs.Unread["NetworkPolicy"]; unread {
		return err
	}
	var nps []networkingv1.NetworkPolicy
	for _, np := range objs.NetworkPolicies {
		if np.Labels[kube.ManagedByLabel] != kube.ManagedBy {
			nps = append(nps, np)
		}
	}
	dep, _ := kube.SinkObjects(e.Object, "")
	sink := dep.Spec.Template
	for _, p := range e.Found.Pods {
		if by := lint.PolicyBlocks(nps, p.Labels, sink.Labels, kube.SinkPort, corev1.ProtocolTCP, sink.Spec.Containers[0].Ports); by != "" {
			return fmt.Errorf("NetworkPolicy %s stops %s from reaching the sink %s on port %d: the drill would count nothing. "+
				"Allow egress from the replicas and ingress to pods labelled app.kubernetes.io/name=%s on TCP %d for the drill",
				by, p.Name, kube.SinkName, kube.SinkPort, kube.SinkName, kube.SinkPort)
		}
	}
	return nil
}

// meshAllowed finds the NetworkPolicies of the namespace (not the drill's) that select the pod
// and allow the mesh port to it (ingress) or from it (egress), from or to every pod or the
// pods of the cluster: while they hold, no new policy can cut it. Named ports and namespace
// selectors count as allowing.
// MeshAllowed names the namespace's NetworkPolicies (not the drill's) that allow the mesh port
// to or from pod: while one does, no partition policy can cut it (policies only add).
func (e *Env) MeshAllowed(ctx context.Context, pod string) ([]string, error) {
	fctx, cancel := context.WithTimeout(ctx, e.Kube.Timeout)
	defer cancel()
	return e.meshAllowed(fctx, pod)
}

func (e *Env) meshAllowed(ctx context.Context, pod string) ([]string, error) {
	objs, err := e.Kube.Objects(ctx, e.Found)
	if _, unread := objs.Unread["NetworkPolicy"]; unread {
		return nil, err
	}
	var p *corev1.Pod
	for i := range e.Found.Pods {
		if e.Found.Pods[i].Name == pod {
			p = &e.Found.Pods[i]
		}
	}
	if p == nil {
		return nil, fmt.Errorf("pod %s is not one of %s's", pod, e.Found.Name)
	}
	var names []string
	for _, np := range objs.NetworkPolicies {
		if np.Labels[kube.ManagedByLabel] == kube.ManagedBy || !selects(np.Spec.PodSelector, p.Labels) {
			continue
		}
		allows := false
		if lint.PolicyIngress(np) {
			for _, r := range np.Spec.Ingress {
				allows = allows || portAllowed(r.Ports) && e.peersAllowed(r.From)
			}
		}
		if slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) || len(np.Spec.PolicyTypes) == 0 {
			for _, r := range np.Spec.Egress {
				allows = allows || portAllowed(r.Ports) && e.peersAllowed(r.To)
			}
		}
		if allows {
			names = append(names, np.Name)
		}
	}
	return names, nil
}

func selects(sel metav1.LabelSelector, l map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(&sel)
	return err == nil && s.Matches(labels.Set(l))
}

func portAllowed(ports []networkingv1.NetworkPolicyPort) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		if p.Port == nil || p.Port.Type != 0 { // every port, or a named one (it may be the mesh's)
			return true
		}
		from, to := p.Port.IntVal, p.Port.IntVal
		if p.EndPort != nil {
			to = *p.EndPort
		}
		if from <= kube.MeshPort && kube.MeshPort <= to {
			return true
		}
	}
	return false
}

func (e *Env) peersAllowed(peers []networkingv1.NetworkPolicyPeer) bool {
	if len(peers) == 0 {
		return true
	}
	for _, peer := range peers {
		if peer.IPBlock != nil {
			continue
		}
		if peer.PodSelector == nil {
			return true // every pod of the selected namespaces
		}
		for _, other := range e.Found.Pods {
			if selects(*peer.PodSelector, other.Labels) {
				return true
			}
		}
	}
	return false
}

// Sink reads the hits of the in-cluster sink through a port-forward.
type Sink struct {
	Pool *kube.Pool
	Pod  *corev1.Pod
	HTTP *http.Client
}

// Hits asks the sink for the hits whose alerts carry amha_drill=run.
func (s *Sink) Hits(ctx context.Context, run string) ([]sink.Hit, error) {
	fw, err := s.Pool.Forward(ctx, s.Pod, kube.SinkPort)
	if err != nil {
		return nil, fmt.Errorf("the sink: %w", err)
	}
	u := "http://" + fw.Local + "/hits?label=" + url.QueryEscape(drill.Label+"="+run)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.HTTP.Do(req)
	if err != nil {
		s.Pool.Discard(fw)
		return nil, fmt.Errorf("the sink's hits: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("the sink's hits: %s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	var rep sink.Report
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&rep); err != nil {
		return nil, fmt.Errorf("the sink's hits: %w", err)
	}
	return rep.Hits, nil
}

// DefaultEvictWait bounds how long Restart retries an eviction that a PodDisruptionBudget
// refuses (the budget counts a replacement only once it is Ready), every evictEvery, when
// Env.EvictWait is 0 (--eviction-timeout); goneWait bounds the wait for an evicted or deleted
// pod to go (its termination grace period).
const (
	DefaultEvictWait = 2 * time.Minute
	evictEvery       = 5 * time.Second
	goneWait         = 3 * time.Minute
)

// Restart evicts the replica's pod through the Eviction API, as a node drain or a careful
// rollout does, so that a PodDisruptionBudget is respected: while it refuses (429), Restart
// retries every evictEvery up to EvictWait, then gives up (NoEffectError). It returns once the
// old pod is gone; its StatefulSet recreates it under the same name.
func (e *Env) Restart(ctx context.Context, replica string) error {
	before, err := e.pod(ctx, replica)
	if err != nil {
		return err
	}
	evictWait := e.EvictWait
	if evictWait <= 0 {
		evictWait = DefaultEvictWait
	}
	deadline := time.Now().Add(evictWait)
	for told := false; ; told = true {
		err := e.evictOnce(ctx, replica)
		if err == nil {
			break
		}
		if !errors.Is(err, kube.ErrEvictionRefused) {
			return err
		}
		if time.Now().Add(evictEvery).After(deadline) {
			return &drill.NoEffectError{Reason: fmt.Sprintf("a PodDisruptionBudget blocked the eviction of %s for %s (%v): the rolling "+
				"restart stopped there, with the replicas before it restarted. A budget that allows no disruption blocks every "+
				"node drain too (kubectl amha status shows it)", replica, evictWait, err)}
		}
		if !told {
			e.say("a PodDisruptionBudget blocks the eviction of %s for now: retrying every %s, up to %s", replica, evictEvery, evictWait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(evictEvery):
		}
	}
	e.record("DrillFault", "rolling-restart: evicted %s (a graceful stop; its StatefulSet recreates it)", replica)
	return e.gone(ctx, before)
}

// StopAll deletes every pod of the cluster at once, each with its own grace period (a graceful
// stop: Alertmanager snapshots its state), and returns once they are all gone; the StatefulSet
// recreates them. A replacement created while an old pod was still there is the overlap: it
// may have joined that pod's Alertmanager, still announcing its leave, and pulled the log from
// it. Created, not seen running: the kubelet reports a running container a second or more
// after it started, long enough to join, and an old pod's object goes only after its process.
func (e *Env) StopAll(ctx context.Context) (string, error) {
	var pods []*corev1.Pod
	for _, p := range e.Found.Pods {
		cur, err := e.pod(ctx, p.Name)
		if err != nil {
			return "", err
		}
		pods = append(pods, cur)
	}
	var names []string
	for _, p := range pods {
		fctx, cancel := context.WithTimeout(ctx, e.Kube.Timeout)
		err := e.Kube.DeletePod(fctx, p.Namespace, p.Name)
		cancel()
		if err != nil {
			return "", err
		}
		names = append(names, p.Name)
	}
	e.record("DrillFault", "all-down: deleted every pod at once (%s), gracefully: nothing is notified until they are back", strings.Join(names, ", "))
	deadline := time.Now().Add(goneWait)
	overlap := ""
	for {
		var up, created []string // old pods still there; replacements already created
		for _, old := range pods {
			p, err := e.pod(ctx, old.Name)
			switch {
			case apierrors.IsNotFound(err):
			case err != nil:
				up = append(up, old.Name) // not known: wait
			case p.UID == old.UID:
				up = append(up, old.Name)
			default:
				created = append(created, old.Name)
			}
		}
		if len(up) == 0 {
			return overlap, nil
		}
		if overlap == "" && len(created) > 0 {
			overlap = fmt.Sprintf("the replacement of %s was created while %s was still stopping", strings.Join(created, ", "), strings.Join(up, ", "))
		}
		if time.Now().After(deadline) {
			return overlap, fmt.Errorf("pod(s) %s of %s/%s still there %s after they were deleted", strings.Join(up, ", "), e.Found.Namespace, e.Found.Name, goneWait)
		}
		select {
		case <-ctx.Done():
			return overlap, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// Storage says whether --storage.path is on a persistent volume, by lint's own check
// (k8s/storage) of the StatefulSet the pods run from (prometheus-operator's generated one
// included: it holds the volumes the operator chose); where it is when it is not.
func (e *Env) Storage(context.Context) (bool, string, error) {
	if e.Found.StatefulSet == nil {
		return false, "", fmt.Errorf("%s/%s: no StatefulSet to read the storage from", e.Found.Namespace, e.Found.Name)
	}
	set, err := lint.LiveSet([]lint.LiveObject{{APIVersion: "apps/v1", Kind: "StatefulSet", Object: e.Found.StatefulSet}}, "")
	if err != nil {
		return false, "", fmt.Errorf("statefulset %s/%s: %w", e.Found.Namespace, e.Found.StatefulSet.Name, err)
	}
	for _, f := range lint.Run(set) {
		if f.ID == "k8s/storage" {
			return false, storageWhere(f.Message), nil
		}
	}
	return true, "", nil
}

// storageWhere takes "on an emptyDir ..." out of k8s/storage's message ("The notification log
// and silences (--storage.path /alertmanager) are on X, lost when ..."); the message when it
// does not read that way.
func storageWhere(msg string) string {
	_, rest, ok := strings.Cut(msg, " are on ")
	if !ok {
		return msg
	}
	where, _, _ := strings.Cut(rest, ", lost ")
	return where
}

func (e *Env) pod(ctx context.Context, name string) (*corev1.Pod, error) {
	fctx, cancel := context.WithTimeout(ctx, e.Kube.Timeout)
	defer cancel()
	return e.Kube.Pod(fctx, e.Found.Namespace, name)
}

func (e *Env) evictOnce(ctx context.Context, replica string) error {
	fctx, cancel := context.WithTimeout(ctx, e.Kube.Timeout)
	defer cancel()
	return e.Kube.Evict(fctx, e.Found.Namespace, replica, false)
}

// gone waits, up to goneWait, until the pod is deleted or replaced (another UID under its name).
func (e *Env) gone(ctx context.Context, before *corev1.Pod) error {
	deadline := time.Now().Add(goneWait)
	for {
		p, err := e.pod(ctx, before.Name)
		switch {
		case apierrors.IsNotFound(err):
			return nil
		case err == nil && p.UID != before.UID:
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pod %s/%s was still there %s after it was stopped (%v)", before.Namespace, before.Name, goneWait, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}
