package cmd

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/amha-dev/kubectl-amha/pkg/amclient"
	"github.com/amha-dev/kubectl-amha/pkg/kube"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/status"
)

// kubeClients holds what every Kubernetes-facing command needs.
type kubeClients struct {
	cfg       *rest.Config
	cs        kubernetes.Interface
	namespace string
}

func (o *statusOptions) clients() (*kubeClients, error) {
	cfg, err := o.kube.ToRESTConfig()
	if err != nil {
		return nil, usageError("kubeconfig: %v (use --url for replicas outside Kubernetes)", err)
	}
	cfg.Timeout = o.timeout
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, usageError("kubernetes client: %v", err)
	}
	ns, _, err := o.kube.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, usageError("namespace: %v", err)
	}
	return &kubeClients{cfg: cfg, cs: cs, namespace: ns}, nil
}

func (o *statusOptions) collectKube(ctx context.Context, cl *amclient.Client) ([]model.Cluster, error) {
	k, err := o.clients()
	if err != nil {
		return nil, err
	}
	ns := k.namespace
	if o.allNamespaces {
		ns = ""
	}
	found, err := kube.Discover(ctx, k.cs, ns, o.name)
	if err != nil {
		return nil, &ExitError{Code: ExitNoCheck, Err: err}
	}
	where := "namespace " + ns
	if ns == "" {
		where = "any namespace"
	}
	if len(found) == 0 {
		return nil, &ExitError{Code: ExitNoCheck, Err: fmt.Errorf("no Alertmanager StatefulSet in %s (looked for a container named alertmanager or running an alertmanager image); use -n, -A or --url", where)}
	}
	if len(found) > 1 && o.name == "" && !o.allNamespaces {
		var names []string
		for _, f := range found {
			names = append(names, fmt.Sprintf("  %s (%s, %d pods)", f.Name, f.Source, len(f.Pods)))
		}
		return nil, &ExitError{Code: ExitNoCheck, Err: fmt.Errorf("%d Alertmanager clusters in %s; name one (kubectl amha status NAME) or use -A:\n%s",
			len(found), where, strings.Join(names, "\n"))}
	}
	promTargets, closeProm := o.prometheusPods(ctx, k)
	defer closeProm()
	out := make([]model.Cluster, len(found))
	forEach(len(found), func(i int) {
		out[i] = o.collectFound(ctx, k, cl, &found[i], promTargets)
	})
	return out, nil
}

func (o *statusOptions) collectFound(ctx context.Context, k *kubeClients, cl *amclient.Client, f *kube.Found, prom []status.PrometheusTarget) model.Cluster {
	reps := f.Replicas()
	c := model.Cluster{Name: f.Name, Namespace: f.Namespace, Source: f.Source}
	if f.StatefulSet.Spec.Replicas != nil {
		c.DesiredReplicas = int(*f.StatefulSet.Spec.Replicas)
	}
	pt := model.DefaultPeerTimeout
	if len(reps) > 0 {
		pt = reps[0].Flags.EffectivePeerTimeout()
	}
	if o.peerTimeout > 0 {
		pt = o.peerTimeout
	}
	c.PeerTimeout = model.Duration(pt)

	targets := make([]status.Target, len(reps))
	forwards := make([]*kube.Forward, len(reps))
	forEach(len(reps), func(i int) {
		r := reps[i]
		t := status.Target{Name: r.Pod.Name, WebAddresses: r.WebAddresses, Pod: r.Info, Flags: r.Flags}
		fctx, cancel := context.WithTimeout(ctx, o.timeout)
		defer cancel()
		fw, err := kube.PortForward(fctx, k.cfg, k.cs, f.Namespace, r.Pod.Name, r.WebPort)
		if err != nil {
			t.Err = err
		} else {
			forwards[i] = fw
			t.Endpoint = "http://" + fw.Local
		}
		targets[i] = t
	})
	defer func() {
		forEach(len(forwards), func(i int) {
			if forwards[i] != nil {
				forwards[i].Close()
			}
		})
	}()
	so := o.statusOptions()
	so.Prometheus = append(so.Prometheus, prom...)
	so.Annotate = func(c *model.Cluster) { o.markDeleted(ctx, k, f, c, forwards) }
	return status.Collect(ctx, cl, c, targets, so)
}

// markDeleted re-reads the pods of replicas that failed: a pod deleted (or replaced) while
// amha was checking it is reported as such, not as a mystery.
func (o *statusOptions) markDeleted(ctx context.Context, k *kubeClients, f *kube.Found, c *model.Cluster, forwards []*kube.Forward) {
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

// prometheusPods opens port-forwards to --prometheus-pod pods (web port 9090).
func (o *statusOptions) prometheusPods(ctx context.Context, k *kubeClients) ([]status.PrometheusTarget, func()) {
	out := make([]status.PrometheusTarget, len(o.prometheusPod))
	fws := make([]*kube.Forward, len(o.prometheusPod))
	forEach(len(o.prometheusPod), func(i int) {
		ns, name := k.namespace, o.prometheusPod[i]
		if a, b, ok := strings.Cut(name, "/"); ok {
			ns, name = a, b
		}
		t := status.PrometheusTarget{Name: ns + "/" + name}
		fctx, cancel := context.WithTimeout(ctx, o.timeout)
		defer cancel()
		fw, err := kube.PortForward(fctx, k.cfg, k.cs, ns, name, 9090)
		if err != nil {
			t.Err = err
		} else {
			fws[i] = fw
			t.Endpoint = "http://" + fw.Local
		}
		out[i] = t
	})
	return out, func() {
		for _, fw := range fws {
			if fw != nil {
				fw.Close()
			}
		}
	}
}
