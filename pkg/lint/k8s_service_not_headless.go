package lint

import (
	"fmt"
	"net"
	"strings"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// k8sServiceNotHeadless: a StatefulSet's pods get DNS names (<pod>.<service>) only from a
// headless governing Service; the peers prometheus-operator and the Helm chart pass are those
// names (ha-facts, Kubernetes practice). A name that does not resolve is never joined, and a
// replica that joins nobody is a cluster of its own.
type k8sServiceNotHeadless struct{}

func (k8sServiceNotHeadless) ID() string { return "k8s/service-not-headless" }

func (c k8sServiceNotHeadless) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, w := range k8sWorkloads(s) {
		if !k8sMeshOn(w) {
			continue
		}
		svc, nameNode := k8sGoverning(s, w)
		if svc == nil || k8sHeadless(svc.Svc) {
			continue
		}
		name := svc.Obj.Name
		ip := svc.Svc.Spec.ClusterIP
		if ip == "" {
			ip = "unset (Kubernetes allocates one)"
		}
		var byPod []string
		for _, p := range w.ArgsNamed("cluster.peer") {
			host, _, err := net.SplitHostPort(p.Value)
			if err != nil {
				continue
			}
			if l := strings.Split(host, "."); len(l) >= 2 && l[1] == name {
				byPod = append(byPod, p.Value)
			}
		}
		f := model.Finding{
			ID: c.ID(), Severity: model.Error, Symptoms: []model.Symptom{model.Duplicates},
			Objects: []string{w.ID(), svc.Obj.ID()},
			Fix: fmt.Sprintf("Make %s headless: spec.clusterIP: None, with publishNotReadyAddresses: true and ports %s. "+
				"spec.clusterIP cannot be changed in place: delete the Service and create it again (keep a separate ClusterIP Service for the web UI if you need one).", svc.Obj.ID(), k8sMeshProtocols(w)),
			Locations: []Location{
				svc.Obj.Root.Get("spec", "clusterIP").LocOr(svc.Obj.Root.Get("spec")),
				nameNode.Loc(),
			},
		}
		if len(byPod) > 0 {
			f.Message = fmt.Sprintf("The governing %s of %s is not headless (spec.clusterIP is %s instead of None). Kubernetes publishes the pod names <pod>.%s only for a headless Service, "+
				"so the peers %s do not resolve and are never joined: each of the %d replicas runs as a cluster of its own, an island that sends every notification itself.",
				svc.Obj.ID(), w.ID(), ip, name, strings.Join(byPod, ", "), w.Replicas)
		} else {
			f.Severity = model.Warning
			f.Message = fmt.Sprintf("The governing %s of %s is not headless (spec.clusterIP is %s instead of None), so its pods have no DNS name each (<pod>.%s). "+
				"The peers do not use those names today; any peer list by pod name (what prometheus-operator and the Helm chart generate) would not resolve, and each replica would be an island.",
				svc.Obj.ID(), w.ID(), ip, name)
		}
		out = append(out, f)
	}
	return out
}
