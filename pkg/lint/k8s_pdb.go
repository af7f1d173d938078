package lint

import (
	"fmt"
	"sort"
	"strings"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// k8sPDB: without a PodDisruptionBudget a node drain or upgrade may evict several replicas at
// once; neither prometheus-operator nor the Helm chart creates one by default (ha-facts,
// Kubernetes practice). A budget that allows no eviction at all blocks every drain instead.
type k8sPDB struct{}

func (k8sPDB) ID() string { return "k8s/pdb" }

func (c k8sPDB) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, w := range k8sWorkloads(s) {
		if w.Replicas < 2 {
			continue
		}
		pods := k8sPods(w)
		var found bool
		var others []string // budgets of the namespace that select other pods
		var otherAt []Location
		for _, o := range k8sOfKind(s, w, "PodDisruptionBudget") {
			var pdb policyv1.PodDisruptionBudget
			if err := o.Decode(&pdb); err != nil || !k8sSelects(pdb.Spec.Selector, pods) {
				if err == nil {
					others = append(others, fmt.Sprintf("%s (selector %s)", o.ID(), metav1.FormatLabelSelector(pdb.Spec.Selector)))
					otherAt = append(otherAt, o.Root.Get("spec", "selector").LocOr(o.Root))
				}
				continue
			}
			found = true
			if f, ok := c.blocks(w, o, pdb); ok {
				out = append(out, f)
			}
		}
		if !found {
			f := c.missing(s, w)
			if len(others) > 0 {
				// The likely cause: a budget written for these pods whose selector misses them.
				f.Locations = append(f.Locations, otherAt...)
				f.Message += fmt.Sprintf(" The namespace's %s selects none of them: if it is meant for them, its selector wants labels the pods lack (the fix's selector matches them).",
					strings.Join(others, ", "))
			}
			out = append(out, f)
		}
	}
	return out
}

func (c k8sPDB) missing(s *Set, w *Workload) model.Finding {
	sel := k8sMatchLabels(w)
	fix := fmt.Sprintf("Add a PodDisruptionBudget in the same namespace: spec: {maxUnavailable: 1, selector: {matchLabels: %s}}. Evictions then go one replica at a time, and drains still proceed.", sel)
	switch {
	case w.Kind == "Alertmanager" || k8sGeneratedBy(w) != "":
		fix += " prometheus-operator creates none: add it next to the Alertmanager object."
	case k8sHelm(w.Object):
		fix += " Helm chart values: podDisruptionBudget: {maxUnavailable: 1}."
	}
	f := model.Finding{
		ID: c.ID(), Severity: model.Warning, Symptoms: []model.Symptom{model.Missed, model.Duplicates},
		Objects: []string{w.ID()},
		Message: fmt.Sprintf("No PodDisruptionBudget selects the %d replicas: a voluntary disruption (kubectl drain, a node pool upgrade, the cluster autoscaler) may evict several at once, "+
			"all of them when they share a node or their nodes drain together. While every replica is down nothing is notified, and when they all restart without persistent storage "+
			"every group still firing notifies again.", w.Replicas),
		Fix:       fix,
		Locations: []Location{k8sReplicasLoc(w)},
	}
	if !s.Live && !k8sHasNeighbours(s, w) {
		f.Severity = model.Info
		f.Message += " The inputs hold nothing else of this namespace, so a budget may exist elsewhere: lint the whole release or directory to be sure."
	}
	return f
}

// blocks: a budget that allows no eviction (maxUnavailable 0, or minAvailable of every
// replica) makes every drain of a node running a replica wait forever.
func (c k8sPDB) blocks(w *Workload, o *Object, pdb policyv1.PodDisruptionBudget) (model.Finding, bool) {
	var field string
	var allowed int
	switch {
	case pdb.Spec.MaxUnavailable != nil:
		n, err := intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MaxUnavailable, w.Replicas, true)
		if err != nil || n > 0 {
			return model.Finding{}, false
		}
		field, allowed = "maxUnavailable", n
	case pdb.Spec.MinAvailable != nil:
		n, err := intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MinAvailable, w.Replicas, true)
		if err != nil || n < w.Replicas {
			return model.Finding{}, false
		}
		field, allowed = "minAvailable", 0
	default:
		return model.Finding{}, false
	}
	at := o.Root.Get("spec", field)
	return model.Finding{
		ID: c.ID(), Severity: model.Info, Symptoms: []model.Symptom{},
		Objects: []string{o.ID(), w.ID()},
		Message: fmt.Sprintf("%s allows %d evictions of the %d replicas (%s: %s): every drain of a node that runs one waits forever, so node upgrades stall "+
			"until someone forces them (a managed upgrade's timeout, --disable-eviction), and then nothing limits how many go at once.", o.ID(), allowed, w.Replicas, field, at.String()),
		Fix:       "Use maxUnavailable: 1 (and no minAvailable): one replica at a time may go, the others keep notifying.",
		Locations: []Location{at.LocOr(o.Root.Get("spec"))},
	}, true
}

// k8sHasNeighbours reports whether the inputs hold another object of the workload's namespace
// (a whole release or manifest directory, where its budget would be).
func k8sHasNeighbours(s *Set, w *Workload) bool {
	for _, o := range s.Objects {
		if o == w.Object || !k8sSameNamespace(o.Namespace, w.Namespace) {
			continue
		}
		return true
	}
	return false
}

// k8sMatchLabels is the workload's pod selector as a YAML flow map.
func k8sMatchLabels(w *Workload) string {
	m := map[string]string{}
	if w.Kind == "Alertmanager" {
		m["alertmanager"] = w.Name
		m["app.kubernetes.io/name"] = "alertmanager"
	} else {
		keys, vals := w.Object.Root.Get("spec", "selector", "matchLabels").Fields()
		for i, k := range keys {
			m[k] = vals[i].String()
		}
		if len(m) == 0 {
			m = w.PodLabels
		}
	}
	var parts []string
	for k, v := range m {
		parts = append(parts, k+": "+v)
	}
	sort.Strings(parts)
	return "{" + strings.Join(parts, ", ") + "}"
}
