package source

import (
	"context"
	"fmt"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/amha-dev/kubectl-amha/pkg/kube"
	"github.com/amha-dev/kubectl-amha/pkg/lint"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/status"
)

// ErrNotFound and ErrAmbiguous say why a Kubernetes source has nothing to check.
type (
	ErrNotFound  struct{ Where string }
	ErrAmbiguous struct {
		Where string
		Found []kube.Found
	}
)

func (e *ErrNotFound) Error() string {
	return fmt.Sprintf("no Alertmanager StatefulSet in %s (looked for a container named alertmanager or running an alertmanager image); use -n, -A or --url", e.Where)
}

func (e *ErrAmbiguous) Error() string {
	var names []string
	for _, f := range e.Found {
		names = append(names, fmt.Sprintf("  %s/%s (%s, %d pods)", f.Namespace, f.Name, f.Source, len(f.Pods)))
	}
	return fmt.Sprintf("%d Alertmanager clusters in %s; name one (kubectl amha status NAME) or use -A:\n%s",
		len(e.Found), e.Where, strings.Join(names, "\n"))
}

// Kube is a source over the Alertmanager StatefulSets of a namespace (or all namespaces).
type Kube struct {
	opts      Options
	cfg       *rest.Config
	cs        kubernetes.Interface
	dyn       dynamic.Interface
	namespace string // "" for all namespaces
	defaultNS string // the kubeconfig's namespace, for Prometheus pods named without one
	name      string
	all       bool
	promPods  []string

	mu       sync.Mutex
	forwards map[types.UID]*kube.Forward
}

// NewKube returns a Kubernetes source. name may be empty (one cluster expected unless all).
// promPods are Prometheus pods ("NAME" or "NAMESPACE/NAME") whose wiring is checked; without
// them, the pods of prometheus-operator Prometheus objects that send to a cluster are (dyn
// may be nil to skip that).
func NewKube(cfg *rest.Config, cs kubernetes.Interface, dyn dynamic.Interface, namespace, name string, all bool, promPods []string, o Options) *Kube {
	defaultNS := namespace
	if all {
		namespace = ""
	}
	return &Kube{opts: o, cfg: cfg, cs: cs, dyn: dyn, namespace: namespace, defaultNS: defaultNS, name: name, all: all, promPods: promPods, forwards: map[types.UID]*kube.Forward{}}
}

func (k *Kube) Snapshot(ctx context.Context) ([]model.Cluster, error) {
	found, err := kube.Discover(ctx, k.cs, k.namespace, k.name)
	if err != nil {
		return nil, err
	}
	where := "namespace " + k.namespace
	if k.namespace == "" {
		where = "any namespace"
	}
	if len(found) == 0 {
		return nil, &ErrNotFound{Where: where}
	}
	if len(found) > 1 && k.name == "" && !k.all {
		return nil, &ErrAmbiguous{Where: where, Found: found}
	}
	prom, promUIDs := k.prometheusTargets(ctx)
	live := map[types.UID]bool{}
	for _, uid := range promUIDs {
		live[uid] = true // the --prometheus-pod forwards are kept too
	}
	for _, f := range found {
		for _, p := range f.Pods {
			live[p.UID] = true
		}
	}
	k.prune(live)
	out := make([]model.Cluster, len(found))
	forEach(len(found), func(i int) { out[i] = k.collect(ctx, &found[i], prom) })
	return out, nil
}

// Close ends every port-forward.
func (k *Kube) Close() { k.prune(nil) }

// prune closes forwards to pods that are gone (all of them when live is nil).
func (k *Kube) prune(live map[types.UID]bool) {
	k.mu.Lock()
	var closing []*kube.Forward
	for uid, fw := range k.forwards {
		if !live[uid] {
			closing = append(closing, fw)
			delete(k.forwards, uid)
		}
	}
	k.mu.Unlock()
	forEach(len(closing), func(i int) { closing[i].Close() })
}

// forward returns the open forward to a pod, opening one if needed.
func (k *Kube) forward(ctx context.Context, p *corev1.Pod, port int) (*kube.Forward, error) {
	k.mu.Lock()
	fw := k.forwards[p.UID]
	k.mu.Unlock()
	if fw != nil && !fw.Done() {
		return fw, nil
	}
	fctx, cancel := context.WithTimeout(ctx, k.opts.Client.Timeout)
	defer cancel()
	fw, err := kube.PortForward(fctx, k.cfg, k.cs, p.Namespace, p.Name, port)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	if old := k.forwards[p.UID]; old != nil {
		go old.Close()
	}
	k.forwards[p.UID] = fw
	k.mu.Unlock()
	return fw, nil
}

func (k *Kube) collect(ctx context.Context, f *kube.Found, prom []status.PrometheusTarget) model.Cluster {
	reps := f.Replicas()
	c := model.Cluster{Name: f.Name, Namespace: f.Namespace, Source: f.Source}
	if f.StatefulSet.Spec.Replicas != nil {
		c.DesiredReplicas = int(*f.StatefulSet.Spec.Replicas)
	}
	pt := model.DefaultPeerTimeout
	if len(reps) > 0 {
		pt = reps[0].Flags.EffectivePeerTimeout()
	}
	if k.opts.PeerTimeout > 0 {
		pt = k.opts.PeerTimeout
	}
	c.PeerTimeout = model.Duration(pt)

	targets := make([]status.Target, len(reps))
	forwards := make([]*kube.Forward, len(reps))
	var (
		objs   []lint.LiveObject
		unread map[string]bool
	)
	objsDone := make(chan struct{})
	go func() {
		defer close(objsDone)
		if k.opts.ConfigChecks {
			objs, unread = k.liveObjects(ctx, f)
		}
	}()
	forEach(len(reps), func(i int) {
		r := reps[i]
		t := status.Target{Name: r.Pod.Name, WebAddresses: r.WebAddresses, Pod: r.Info, Flags: r.Flags}
		if ph := r.Pod.Status.Phase; ph != corev1.PodRunning {
			// Nothing listens in a pod that is not running: say so now rather than after a
			// port-forward's timeout.
			t.Err = fmt.Errorf("pod %s is %s, not Running: no Alertmanager to ask", r.Pod.Name, ph)
		} else if fw, err := k.forward(ctx, &r.Pod, r.WebPort); err != nil {
			t.Err = err
		} else {
			forwards[i] = fw
			t.Endpoint = "http://" + fw.Local
		}
		targets[i] = t
	})
	if len(k.promPods) == 0 && k.dyn != nil {
		prom = append(prom, k.operatorPrometheus(ctx, f)...)
	}
	so := k.opts.Status
	so.Prometheus = append(append([]status.PrometheusTarget{}, so.Prometheus...), prom...)
	so.Annotate = func(c *model.Cluster) { k.markDeleted(ctx, f, c, forwards) }
	<-objsDone
	if k.opts.ConfigChecks {
		so.Extra = func(c *model.Cluster) []model.Finding { return configFindings(objs, unread, c) }
	}
	return status.Collect(ctx, k.opts.Client, c, targets, so)
}

// markDeleted re-reads the pods of replicas that failed: a pod deleted (or replaced) while
// amha was checking it is reported as such, not as a mystery.
func (k *Kube) markDeleted(ctx context.Context, f *kube.Found, c *model.Cluster, forwards []*kube.Forward) {
	for i := range c.Replicas {
		r := &c.Replicas[i]
		if r.Error == "" && len(r.Partial) == 0 {
			continue
		}
		if fw := forwards[i]; fw != nil && fw.LastError() != "" {
			r.Error = strings.TrimSpace(r.Error + " (port-forward: " + fw.LastError() + ")")
		}
		p, err := k.cs.CoreV1().Pods(f.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
		gone := apierrors.IsNotFound(err) || (err == nil && (p.UID != f.Pods[i].UID || p.DeletionTimestamp != nil))
		if gone && r.Pod != nil {
			r.Pod.Deleted = true
			if r.Error == "" {
				r.Error = "the pod was deleted while amha was checking it"
			}
		}
	}
}

// prometheusTargets forwards to the given Prometheus pods (web port 9090); uids are the pods'.
func (k *Kube) prometheusTargets(ctx context.Context) (out []status.PrometheusTarget, uids []types.UID) {
	out = make([]status.PrometheusTarget, len(k.promPods))
	uids = make([]types.UID, len(k.promPods))
	forEach(len(k.promPods), func(i int) {
		ns, name := k.defaultNS, k.promPods[i]
		if a, b, ok := strings.Cut(name, "/"); ok {
			ns, name = a, b
		}
		t := status.PrometheusTarget{Name: ns + "/" + name}
		p, err := k.cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Err = fmt.Errorf("prometheus pod %s/%s: %w", ns, name, err)
		} else if fw, err := k.forward(ctx, p, 9090); err != nil {
			t.Err = err
		} else {
			t.Endpoint = "http://" + fw.Local
			uids[i] = p.UID
		}
		out[i] = t
	})
	return out, uids
}

// operatorPrometheus forwards to the pods of prometheus-operator Prometheus objects that send
// alerts to the cluster.
func (k *Kube) operatorPrometheus(ctx context.Context, f *kube.Found) []status.PrometheusTarget {
	pods, err := kube.PrometheusPodsFor(ctx, k.dyn, k.cs, f)
	if err != nil {
		return []status.PrometheusTarget{{Name: "prometheus-operator Prometheus objects", Err: err}}
	}
	out := make([]status.PrometheusTarget, len(pods))
	forEach(len(pods), func(i int) {
		p := pods[i]
		t := status.PrometheusTarget{Name: p.Pod.Namespace + "/" + p.Pod.Name + " (Prometheus " + p.Owner + ")"}
		if fw, err := k.forward(ctx, &p.Pod, p.Port); err != nil {
			t.Err = err
		} else {
			t.Endpoint = "http://" + fw.Local
		}
		out[i] = t
	})
	return out
}
