package snapshot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/par"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/amha-dev/kubectl-amha/pkg/collect"
	"github.com/amha-dev/kubectl-amha/pkg/kube"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/suppress"
)

// Kube is a source over the Alertmanager StatefulSets a query finds. It keeps one port-forward
// per pod open between snapshots (kube.Pool) and follows pods that come and go.
type Kube struct {
	opts  Options
	kube  *kube.Client
	pool  *kube.Pool
	query kube.Query
	// promPods are Prometheus pods ("NAME" or "NAMESPACE/NAME", NAME in query.Namespace)
	// whose wiring is checked; without them, the pods of prometheus-operator Prometheus
	// objects that send to a cluster are.
	promPods []string
}

// NewKube returns a Kubernetes source for the clusters q finds.
func NewKube(c *kube.Client, q kube.Query, promPods []string, o Options) *Kube {
	return &Kube{opts: o, kube: c, pool: kube.NewPool(c), query: q, promPods: promPods}
}

func (k *Kube) Snapshot(ctx context.Context) ([]model.Cluster, error) {
	found, err := k.kube.Find(ctx, k.query)
	if err != nil {
		return nil, err
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
	k.pool.Prune(live)
	out := make([]model.Cluster, len(found))
	par.Each(len(found), func(i int) { out[i] = k.snapshot(ctx, &found[i], prom) })
	return out, nil
}

// Close ends every port-forward.
func (k *Kube) Close() { k.pool.Close() }

// snapshot runs the pipeline for one found cluster: targets, collect, annotate, analyse.
func (k *Kube) snapshot(ctx context.Context, f *kube.Found, prom []collect.PrometheusTarget) model.Cluster {
	var live *liveConfig
	var drills, leftovers []model.DrillRun
	objsDone := make(chan struct{})
	go func() {
		defer close(objsDone)
		drills, leftovers = k.drills(ctx, f.Namespace)
		if k.opts.ConfigChecks {
			objs, _ := k.kube.Objects(ctx, f) // what could not be read is in objs.Unread
			live = newLiveConfig(f, objs)
		}
	}()
	reps := f.Replicas()
	targets, forwards := k.targets(ctx, reps)
	if len(k.promPods) == 0 {
		prom = append(prom, k.operatorPrometheus(ctx, f)...)
	}
	c := collect.Collect(ctx, k.cluster(f, reps), targets, k.opts.collect(prom))
	k.markDeleted(ctx, f, &c, forwards)
	<-objsDone
	c.Drills, c.DrillLeftovers = drills, leftovers
	analyse(&c, k.opts.Checks, live, clusterRules(k.opts.Suppress, f, &c.Notes))
	return c
}

// clusterRules are the suppressions of a found cluster: base (--disable, the config file) and
// its StatefulSet's annotation, which holds for every finding of the cluster, config checks or
// not (prometheus-operator copies the Alertmanager object's annotations onto it). An unknown
// id in the annotation is noted.
func clusterRules(base *suppress.Rules, f *kube.Found, notes *[]string) *suppress.Rules {
	var r suppress.Rules
	r.Merge(base)
	if n := annotated(&r, "StatefulSet", f.StatefulSet, true); n != "" {
		*notes = append(*notes, n)
	}
	return &r
}

// cluster is what is known of a found cluster before its replicas are asked.
func (k *Kube) cluster(f *kube.Found, reps []kube.Replica) model.Cluster {
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
	return c
}

// targets forwards to every replica's web port at once.
func (k *Kube) targets(ctx context.Context, reps []kube.Replica) ([]collect.Target, []*kube.Forward) {
	targets := make([]collect.Target, len(reps))
	forwards := make([]*kube.Forward, len(reps))
	par.Each(len(reps), func(i int) {
		r := reps[i]
		t := collect.Target{Name: r.Pod.Name, WebAddresses: r.WebAddresses, Pod: r.Info, Flags: r.Flags}
		if ph := r.Pod.Status.Phase; ph != corev1.PodRunning {
			// Nothing listens in a pod that is not running: say so now rather than after a
			// port-forward's timeout.
			t.Err = fmt.Errorf("pod %s is %s, not Running: no Alertmanager to ask", r.Pod.Name, ph)
		} else if fw, err := k.pool.Forward(ctx, &r.Pod, r.WebPort); err != nil {
			t.Err = err
		} else {
			forwards[i] = fw
			t.Endpoint = "http://" + fw.Local
		}
		targets[i] = t
	})
	return targets, forwards
}

// drills are the drill runs whose labelled objects are in the namespace and not expired, and
// those past their expiry (left by a killed run). Kinds that cannot be listed (no right) are
// left out; without any, the drill alert alone tells.
func (k *Kube) drills(ctx context.Context, namespace string) (inProgress, expired []model.DrillRun) {
	if k.opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, k.opts.Timeout)
		defer cancel()
	}
	left, err := k.kube.DrillsInProgress(ctx, namespace)
	if err != nil {
		return nil, nil
	}
	now := time.Now()
	for _, l := range left {
		d := model.DrillRun{Run: l.Run, Objects: l.Objects}
		if l.Expires.Year() < 9999 {
			exp := l.Expires.UTC()
			d.Expires = &exp
		}
		if !l.Expires.After(now) {
			expired = append(expired, d)
			continue
		}
		inProgress = append(inProgress, d)
	}
	return inProgress, expired
}

// markDeleted re-reads the pods of replicas that failed: a pod deleted (or replaced) while
// amha was checking it is reported as such, not as a mystery. The forwards of failed
// replicas that did not answer are discarded, so that the next snapshot asks through new ones.
func (k *Kube) markDeleted(ctx context.Context, f *kube.Found, c *model.Cluster, forwards []*kube.Forward) {
	for i := range c.Replicas {
		r := &c.Replicas[i]
		if r.Error == "" && len(r.Partial) == 0 {
			continue
		}
		if fw := forwards[i]; fw != nil {
			if fw.LastError() != "" {
				r.Error = strings.TrimSpace(r.Error + " (port-forward: " + fw.LastError() + ")")
			}
			// A replica that did not answer at all: its forward may be the reason. One that
			// answered in part (its /metrics refused) keeps its forward.
			if r.Error != "" {
				k.pool.Discard(fw)
			}
		}
		if r.Pod != nil && k.kube.PodReplaced(ctx, f.Namespace, r.Name, f.Pods[i].UID) {
			r.Pod.Deleted = true
			if r.Error == "" {
				r.Error = "the pod was deleted while amha was checking it"
			}
		}
	}
}

// prometheusTargets forwards to the --prometheus-pod pods (web port 9090); uids are the pods'.
func (k *Kube) prometheusTargets(ctx context.Context) (out []collect.PrometheusTarget, uids []types.UID) {
	out = make([]collect.PrometheusTarget, len(k.promPods))
	uids = make([]types.UID, len(k.promPods))
	par.Each(len(k.promPods), func(i int) {
		ns, name := k.query.Namespace, k.promPods[i]
		if a, b, ok := strings.Cut(name, "/"); ok {
			ns, name = a, b
		}
		t := collect.PrometheusTarget{Name: ns + "/" + name}
		p, err := k.kube.Pod(ctx, ns, name)
		if err != nil {
			t.Err = fmt.Errorf("prometheus %w", err)
		} else if fw, err := k.pool.Forward(ctx, p, 9090); err != nil {
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
func (k *Kube) operatorPrometheus(ctx context.Context, f *kube.Found) []collect.PrometheusTarget {
	pods, err := k.kube.PrometheusPodsFor(ctx, f)
	if err != nil {
		return []collect.PrometheusTarget{{Name: "prometheus-operator Prometheus objects", Err: err}}
	}
	out := make([]collect.PrometheusTarget, len(pods))
	par.Each(len(pods), func(i int) {
		p := pods[i]
		t := collect.PrometheusTarget{Name: p.Pod.Namespace + "/" + p.Pod.Name + " (Prometheus " + p.Owner + ")"}
		if fw, err := k.pool.Forward(ctx, &p.Pod, p.Port); err != nil {
			t.Err = err
		} else {
			t.Endpoint = "http://" + fw.Local
		}
		out[i] = t
	})
	return out
}
