package source

import (
	"context"
	"strings"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/amha-dev/kubectl-amha/pkg/kube"
	"github.com/amha-dev/kubectl-amha/pkg/lint"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

var alertmanagersGVR = schema.GroupVersionResource{Group: "monitoring.coreos.com", Version: "v1", Resource: "alertmanagers"}

// liveObjects reads what the configuration checks look at around a found cluster: its
// workload (the prometheus-operator Alertmanager object when the operator manages it, else the
// StatefulSet), and the namespace's Services, PodDisruptionBudgets and NetworkPolicies. A kind
// that cannot be read (RBAC) is listed in unread; the checks that need it stay quiet.
func (k *Kube) liveObjects(ctx context.Context, f *kube.Found) (out []lint.LiveObject, unread map[string]bool) {
	ns := f.Namespace
	var mu sync.Mutex
	unread = map[string]bool{}
	add := func(api, kind string, obj any) {
		mu.Lock()
		out = append(out, lint.LiveObject{APIVersion: api, Kind: kind, Object: obj})
		mu.Unlock()
	}
	failed := func(kind string) {
		mu.Lock()
		unread[kind] = true
		mu.Unlock()
	}
	reads := []func(){
		func() {
			if f.Source == "prometheus-operator" && k.dyn != nil {
				name := strings.TrimPrefix(f.Name, "alertmanager-")
				if am, err := k.dyn.Resource(alertmanagersGVR).Namespace(ns).Get(ctx, name, metav1.GetOptions{}); err == nil {
					add("monitoring.coreos.com/v1", "Alertmanager", am.Object)
					return
				}
			}
			add("apps/v1", "StatefulSet", f.StatefulSet)
		},
		func() {
			if l, err := k.cs.CoreV1().Services(ns).List(ctx, metav1.ListOptions{}); err == nil {
				for i := range l.Items {
					add("v1", "Service", &l.Items[i])
				}
			} else {
				failed("Service")
			}
		},
		func() {
			if l, err := k.cs.PolicyV1().PodDisruptionBudgets(ns).List(ctx, metav1.ListOptions{}); err == nil {
				for i := range l.Items {
					add("policy/v1", "PodDisruptionBudget", &l.Items[i])
				}
			} else {
				failed("PodDisruptionBudget")
			}
		},
		func() {
			if l, err := k.cs.NetworkingV1().NetworkPolicies(ns).List(ctx, metav1.ListOptions{}); err == nil {
				for i := range l.Items {
					add("networking.k8s.io/v1", "NetworkPolicy", &l.Items[i])
				}
			} else {
				failed("NetworkPolicy")
			}
		},
	}
	forEach(len(reads), func(i int) { reads[i]() })
	return out, unread
}

// needsKind names, for the lint checks that conclude something from the absence of objects
// of a kind ("no PodDisruptionBudget selects the replicas"), that kind: their findings are
// dropped when amha could not list it, since absence was not seen.
var needsKind = map[string]string{
	"k8s/pdb":                  "PodDisruptionBudget",
	"cluster/insecure-gossip":  "NetworkPolicy",
	"k8s/mesh-port-udp":        "Service",
	"k8s/service-not-headless": "Service",
	"k8s/publish-not-ready":    "Service",
}

// configFindings runs the lint checks over the live objects and the configuration the
// replicas run. Drift between replicas is mesh/config-drift's to report, from what each
// replica says it runs.
func configFindings(objs []lint.LiveObject, unread map[string]bool, c *model.Cluster) []model.Finding {
	config := ""
	for _, r := range c.Replicas {
		if r.Status != nil && r.Status.Config != "" {
			config = r.Status.Config
			break
		}
	}
	set, err := lint.LiveSet(objs, config)
	if err != nil {
		return nil
	}
	var out []model.Finding
	for _, f := range lint.Run(set) {
		if f.ID != "config/drift" && !unread[needsKind[f.ID]] {
			out = append(out, f)
		}
	}
	return out
}
