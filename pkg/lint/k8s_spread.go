package lint

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// k8sSpread: replicas are there so that losing one machine loses one replica. Without
// podAntiAffinity or topologySpreadConstraints the scheduler may put several on one node; neither
// prometheus-operator nor the Helm chart adds them by default (ha-facts, Kubernetes practice).
type k8sSpread struct{}

func (k8sSpread) ID() string { return "k8s/spread" }

// k8sSpreadKeys are the topology keys that put replicas on different nodes.
var k8sSpreadKeys = map[string]bool{
	corev1.LabelHostname:                true,
	corev1.LabelTopologyZone:            true,
	corev1.LabelFailureDomainBetaZone:   true,
	corev1.LabelTopologyRegion:          true,
	corev1.LabelFailureDomainBetaRegion: true,
}

func (c k8sSpread) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, w := range k8sWorkloads(s) {
		if w.Replicas < 2 {
			continue
		}
		aff := w.PodSpec.Get("affinity")
		if k8sSpreads(w) {
			continue
		}
		fix := "Spread the replicas over nodes, and over zones where nodes carry a zone label: topologySpreadConstraints in the pod template " +
			"[{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: <the pods' labels>}}, " +
			"{maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway, labelSelector: ...}], or a podAntiAffinity on kubernetes.io/hostname " +
			"(requiredDuringScheduling... when there are always more nodes than replicas)."
		switch {
		case w.Kind == "Alertmanager":
			fix = "Set spec.topologySpreadConstraints (or spec.affinity.podAntiAffinity) in the Alertmanager object, selecting app.kubernetes.io/instance: " + w.Name +
				", over kubernetes.io/hostname and topology.kubernetes.io/zone: the operator passes them to the pods."
		case k8sHelm(w.Object):
			fix += " Helm chart values: podAntiAffinity: soft (or hard), or topologySpreadConstraints."
		}
		fix = k8sFixFor(w, fix, "set spec.topologySpreadConstraints or spec.affinity there.")
		out = append(out, model.Finding{
			ID: c.ID(), Severity: model.Warning, Symptoms: []model.Symptom{model.Missed},
			Objects: []string{w.ID()},
			Message: fmt.Sprintf("Nothing spreads the %d replicas over nodes or zones (no podAntiAffinity or topologySpreadConstraints on kubernetes.io/hostname or a zone that selects them): "+
				"the scheduler may put several on one node, and losing that node loses them all at once. With every replica there, nothing is notified until they run elsewhere, "+
				"and StatefulSet pods on a node that stops answering are not replaced until the node is gone or the pods are force-deleted.", w.Replicas),
			Fix:       fix,
			Locations: []Location{aff.LocOr(w.PodSpec)},
		})
	}
	return out
}

// k8sSpreads reports whether a term keeps the workload's pods apart: a pod anti-affinity
// (required or preferred) or a topology spread constraint on a node, zone or region key
// whose label selector selects the pods.
func k8sSpreads(w *Workload) bool {
	pods := k8sPods(w)
	var aff corev1.Affinity
	if err := decodeJSON(w.PodSpec.Get("affinity"), &aff); err == nil && aff.PodAntiAffinity != nil {
		terms := aff.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
		for _, p := range aff.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			terms = append(terms, p.PodAffinityTerm)
		}
		for _, t := range terms {
			if k8sSpreadKeys[t.TopologyKey] && k8sSelects(t.LabelSelector, pods) {
				return true
			}
		}
	}
	var tsc []corev1.TopologySpreadConstraint
	if err := decodeJSON(w.PodSpec.Get("topologySpreadConstraints"), &tsc); err == nil {
		for _, t := range tsc {
			if k8sSpreadKeys[t.TopologyKey] && k8sSelects(t.LabelSelector, pods) {
				return true
			}
		}
	}
	return false
}
