package lint

import (
	"fmt"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// k8sOrderedReady: with podManagementPolicy OrderedReady (the StatefulSet default) Kubernetes
// creates missing pods one at a time, each after the one before it is Running and Ready.
// Alertmanager replicas have no start order to respect: they find each other by DNS, and
// prometheus-operator uses Parallel (ha-facts, Kubernetes practice).
type k8sOrderedReady struct{}

func (k8sOrderedReady) ID() string { return "k8s/ordered-ready" }

func (c k8sOrderedReady) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, w := range k8sWorkloads(s) {
		if !k8sMeshOn(w) || w.Kind == "Deployment" || k8sParallel(w) {
			continue
		}
		var spec Node
		policy := "OrderedReady (the default)"
		fix := "Set spec.podManagementPolicy: Parallel, with publishNotReadyAddresses: true on the governing Service so that replicas starting together resolve each other. " +
			fmt.Sprintf("The field cannot be changed in place: `kubectl delete statefulset %s --cascade=orphan` (the pods keep running), then apply again.", w.Name)
		if w.Kind == "Alertmanager" {
			spec = w.PodSpec
			policy = "OrderedReady"
			fix = "Remove spec.podManagementPolicy from the Alertmanager object: the operator's default is Parallel, and its governing Service alertmanager-operated publishes pods before they are Ready."
		} else {
			spec = w.Object.Root.Get("spec")
			if spec.Get("podManagementPolicy").Valid() {
				policy = "OrderedReady"
			}
			if k8sHelm(w.Object) {
				fix += " The Helm chart has no value for it: patch the rendered StatefulSet (a post-renderer or kustomize)."
			}
		}
		out = append(out, model.Finding{
			ID: c.ID(), Severity: model.Info, Symptoms: []model.Symptom{model.Missed},
			Objects: []string{w.ID()},
			Message: fmt.Sprintf("The podManagementPolicy is %s: Kubernetes creates missing pods one at a time, each only once the one before it is Running and Ready. "+
				"After a full restart the %d replicas come back one by one, and a pod that cannot become Ready (Pending on a lost node or zone, a failing probe) "+
				"keeps every pod after it from being created: with pod 0 stuck, no replica runs and nothing is notified. prometheus-operator uses Parallel.", policy, w.Replicas),
			Fix:       fix,
			Locations: []Location{spec.Get("podManagementPolicy").LocOr(spec)},
		})
	}
	return out
}
