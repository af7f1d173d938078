package snapshot

import (
	"github.com/amha-dev/kubectl-amha/pkg/checks"
	"github.com/amha-dev/kubectl-amha/pkg/kube"
	"github.com/amha-dev/kubectl-amha/pkg/lint"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// analyse judges a collected cluster: the mesh checks, then, for a Kubernetes cluster, lint's
// checks of the live objects around it; the findings sorted together.
func analyse(c *model.Cluster, o checks.Options, live *liveConfig) {
	if o.Now.IsZero() {
		o.Now = c.CollectedAt
	}
	checks.Analyze(c, o)
	if live != nil {
		c.Findings = append(c.Findings, configFindings(live.objects, live.unread, c)...)
		model.SortFindings(c.Findings)
	}
}

// liveConfig is what the configuration checks judge a Kubernetes cluster by.
type liveConfig struct {
	objects []lint.LiveObject
	// unread are the kinds that could not be read (RBAC): their absence was not seen.
	unread map[string]bool
}

// newLiveConfig gives lint the cluster's workload (the StatefulSet, and the prometheus-operator
// Alertmanager object that generated it when it was read) and the namespace's
// Services, PodDisruptionBudgets and NetworkPolicies.
func newLiveConfig(f *kube.Found, o kube.Objects) *liveConfig {
	l := &liveConfig{unread: map[string]bool{}}
	add := func(api, kind string, obj any) {
		l.objects = append(l.objects, lint.LiveObject{APIVersion: api, Kind: kind, Object: obj})
	}
	// The operator's Alertmanager object is what the findings point at; the StatefulSet it
	// generated goes with it, for the labels and flags the pods really have.
	if o.Alertmanager != nil {
		add("monitoring.coreos.com/v1", "Alertmanager", o.Alertmanager.Object)
	}
	if f.StatefulSet != nil {
		add("apps/v1", "StatefulSet", f.StatefulSet)
	}
	// A drill's own objects (its sink's Service, its partition policy) are not the team's
	// configuration: lint would judge the drill, not the cluster.
	for i := range o.Services {
		if o.Services[i].Labels[kube.ManagedByLabel] != kube.ManagedBy {
			add("v1", "Service", &o.Services[i])
		}
	}
	for i := range o.PDBs {
		add("policy/v1", "PodDisruptionBudget", &o.PDBs[i])
	}
	for i := range o.NetworkPolicies {
		if o.NetworkPolicies[i].Labels[kube.ManagedByLabel] != kube.ManagedBy {
			add("networking.k8s.io/v1", "NetworkPolicy", &o.NetworkPolicies[i])
		}
	}
	for kind := range o.Unread {
		l.unread[kind] = true
	}
	return l
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
