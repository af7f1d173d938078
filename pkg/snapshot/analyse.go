package snapshot

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/amha-dev/kubectl-amha/pkg/checks"
	"github.com/amha-dev/kubectl-amha/pkg/kube"
	"github.com/amha-dev/kubectl-amha/pkg/lint"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/suppress"
)

// analyse judges a collected cluster: the mesh checks, then, for a Kubernetes cluster, lint's
// checks of the live objects around it; the findings sorted together, and those the team
// accepted (rules, and the objects' annotations) set apart.
func analyse(c *model.Cluster, o checks.Options, live *liveConfig, rules *suppress.Rules) {
	if o.Now.IsZero() {
		o.Now = c.CollectedAt
	}
	checks.Analyze(c, o)
	var all suppress.Rules
	all.Merge(rules)
	if live != nil {
		c.Findings = append(c.Findings, configFindings(live.objects, live.unread, c)...)
		model.SortFindings(c.Findings)
		all.Merge(&live.suppress)
		c.Notes = append(c.Notes, live.notes...)
	}
	c.Findings, c.Suppressed = all.Apply(c.Findings)
	if c.Findings == nil {
		c.Findings = []model.Finding{}
	}
}

// liveConfig is what the configuration checks judge a Kubernetes cluster by.
type liveConfig struct {
	objects []lint.LiveObject
	// unread are the kinds that could not be read (RBAC): their absence was not seen.
	unread map[string]bool
	// suppress are the objects' amha.dev/ignore annotations; notes say which were not
	// applied (an unknown id).
	suppress suppress.Rules
	notes    []string
}

// annotated adds the amha.dev/ignore annotation of an object to r: on the workload (whole),
// every finding of the cluster, since the mesh's findings point at no object; on the others,
// the findings that point at the object. An unknown id leaves the annotation out, and the
// note says so.
func annotated(r *suppress.Rules, kind string, obj metav1.Object, whole bool) (note string) {
	v, ok := obj.GetAnnotations()[suppress.Annotation]
	if !ok {
		return ""
	}
	id := kind + " " + obj.GetName()
	if obj.GetNamespace() != "" {
		id = kind + " " + obj.GetNamespace() + "/" + obj.GetName()
	}
	ids, err := suppress.ParseIDs(v)
	switch {
	case err != nil:
		return fmt.Sprintf("%s: annotation %s: %v; the annotation is not applied", id, suppress.Annotation, err)
	case whole:
		r.Workload(id, ids)
	default:
		r.Object("", id, ids)
	}
	return ""
}

// annotate adds an object's annotation to the live configuration's rules, noting an unknown id.
func (l *liveConfig) annotate(kind string, obj metav1.Object, whole bool) {
	if n := annotated(&l.suppress, kind, obj, whole); n != "" {
		l.notes = append(l.notes, n)
	}
}

// newLiveConfig gives lint the cluster's workload (the StatefulSet, and the prometheus-operator
// Alertmanager object that generated it when it was read) and the namespace's
// Services, PodDisruptionBudgets and NetworkPolicies.
func newLiveConfig(f *kube.Found, o kube.Objects) *liveConfig {
	l := &liveConfig{unread: map[string]bool{}}
	add := func(api, kind string, obj any) {
		l.objects = append(l.objects, lint.LiveObject{APIVersion: api, Kind: kind, Object: obj})
		if m, ok := obj.(metav1.Object); ok && kind != "StatefulSet" {
			l.annotate(kind, m, false)
		}
	}
	// The operator's Alertmanager object is what the findings point at; the StatefulSet it
	// generated goes with it, for the labels and flags the pods really have.
	if o.Alertmanager != nil {
		add("monitoring.coreos.com/v1", "Alertmanager", o.Alertmanager.Object)
		l.annotate("Alertmanager", o.Alertmanager, true)
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
