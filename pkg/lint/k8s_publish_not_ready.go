package lint

import (
	"fmt"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// k8sPublishNotReady: a headless Service publishes a pod's DNS name only once the pod is Ready,
// unless publishNotReadyAddresses is true. Peers resolve each other's names at start, before
// they are Ready, and re-resolve every 15s (ha-facts, Kubernetes practice: "peers must resolve
// before they are ready"; issue 1449, prometheus-operator 2552, 2829).
type k8sPublishNotReady struct{}

func (k8sPublishNotReady) ID() string { return "k8s/publish-not-ready" }

func (c k8sPublishNotReady) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, w := range k8sWorkloads(s) {
		if !k8sMeshOn(w) {
			continue
		}
		svc, _ := k8sGoverning(s, w)
		if svc == nil || !k8sHeadless(svc.Svc) || svc.Svc.Spec.PublishNotReadyAddresses {
			continue // a Service with a cluster IP is k8s/service-not-headless
		}
		f := model.Finding{
			ID: c.ID(), Severity: model.Warning, Symptoms: []model.Symptom{model.Duplicates},
			Objects: []string{w.ID(), svc.Obj.ID()},
			Message: fmt.Sprintf("The governing %s does not set publishNotReadyAddresses: true, so a pod's name <pod>.%s resolves only once the pod is Ready. "+
				"With podManagementPolicy Parallel the %d replicas start together: at a full restart none can resolve another, each settles alone (about 10s) and notifies as an island "+
				"until a pod is Ready and the others' next re-resolution of their peer names (every 15s) joins them to it (issue 1449). "+
				"A replica that keeps failing its readiness probe stays unresolvable, so the others cannot join it, but it joins them itself once their names resolve, and a join is mutual.",
				svc.Obj.ID(), svc.Obj.Name, w.Replicas),
			Fix:       fmt.Sprintf("Set spec.publishNotReadyAddresses: true on %s, as prometheus-operator does for alertmanager-operated: replicas find each other by name from their first second, whatever their readiness.", svc.Obj.ID()),
			Locations: []Location{svc.Obj.Root.Get("spec", "publishNotReadyAddresses").LocOr(svc.Obj.Root.Get("spec"))},
		}
		if !k8sParallel(w) {
			f.Severity, f.Symptoms = model.Info, []model.Symptom{}
			f.Message = fmt.Sprintf("The governing %s does not set publishNotReadyAddresses: true, so a pod's name <pod>.%s resolves only once the pod is Ready. "+
				"With podManagementPolicy OrderedReady each pod starts after the ones before it are Ready and finds them, so the mesh forms, one replica at a time; "+
				"this becomes an island risk at full restarts once the pods start together (Parallel, see k8s/ordered-ready).", svc.Obj.ID(), svc.Obj.Name)
		}
		if k8sHelm(svc.Obj) {
			f.Fix += " The Helm chart has no value for it: patch the rendered Service (a post-renderer or kustomize)."
		}
		out = append(out, f)
	}
	return out
}
