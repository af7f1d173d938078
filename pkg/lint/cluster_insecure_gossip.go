package lint

import (
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// clusterInsecureGossip: memberlist has no authentication by default: anything that reaches
// the cluster port can join and write silences (ha-facts, flags; issue 5186). Either
// --cluster.tls-config with client certificates, or a NetworkPolicy (a firewall for command
// lines) that keeps others off the cluster port (--cluster.listen-address, 9094 by default).
// A Set without any NetworkPolicy says nothing about the
// cluster it is applied to, so that is info; policies that leave these pods open are a warning.
type clusterInsecureGossip struct{}

func (clusterInsecureGossip) ID() string { return "cluster/insecure-gossip" }

func (c clusterInsecureGossip) Run(s *Set) []model.Finding {
	var out []model.Finding
	var policies []*Object
	for _, o := range s.Objects {
		if o.Kind == "NetworkPolicy" && o.Group() == "networking.k8s.io" {
			policies = append(policies, o)
		}
	}
	for _, cl := range s.Clusters() {
		if !clusterMeshOn(cl) {
			continue
		}
		var cmds []*Workload
		for _, w := range cl.Workloads {
			if !w.Clustered() || clusterHasTLS(w) {
				continue
			}
			if w.Kind == "Command" {
				cmds = append(cmds, w)
				continue
			}
			if f, ok := c.kube(w, policies); ok {
				out = append(out, f)
			}
		}
		if len(cmds) > 0 {
			f := model.Finding{
				ID: c.ID(), Severity: model.Info, Symptoms: []model.Symptom{model.Insecure},
				Message: fmt.Sprintf("Gossip between these %d replicas is plain text and unauthenticated (no --cluster.tls-config): anything that reaches %s over TCP or UDP "+
					"can join the mesh, read the notification log and silences, and write silences that mute alerts everywhere (issue 5186). amha cannot see host firewalls.",
					cl.Replicas(), k8sMeshPorts(cmds...)),
				Fix: fmt.Sprintf("Let only the replicas reach %s (host firewall or security group), or use --cluster.tls-config with "+
					"client_auth_type: RequireAndVerifyClientCert (experimental; TCP only).", k8sMeshProtocols(cmds...)),
			}
			for _, w := range cmds {
				f.Objects = append(f.Objects, w.ID())
				f.Locations = append(f.Locations, clusterTLSLoc(w))
			}
			out = append(out, f)
		}
	}
	return out
}

func clusterHasTLS(w *Workload) bool {
	if a := w.Arg("cluster.tls-config"); a != nil && a.Value != "" {
		return true
	}
	return w.Kind == "Alertmanager" && w.PodSpec.Get("clusterTLS").Valid()
}

func (c clusterInsecureGossip) kube(w *Workload, policies []*Object) (model.Finding, bool) {
	f := model.Finding{
		ID: c.ID(), Severity: model.Warning, Symptoms: []model.Symptom{model.Insecure},
		Objects: []string{w.ID()},
	}
	tls := "--cluster.tls-config with client_auth_type: RequireAndVerifyClientCert (experimental; TCP only)"
	if w.Kind == "Alertmanager" {
		tls = "spec.clusterTLS with server.clientAuthType: RequireAndVerifyClientCert"
	}
	port := k8sMeshPort(w)
	f.Fix = fmt.Sprintf("Add a NetworkPolicy that selects these pods and allows %s only from them (podSelector on their labels), or use %s.",
		k8sMeshProtocols(w), tls)
	risk := "can join the mesh and write silences that mute alerts on every replica (issue 5186); gossip has no authentication without --cluster.tls-config"
	if len(policies) == 0 {
		f.Severity = model.Info
		f.Message = fmt.Sprintf("Nothing here restricts who reaches port %d of %s: the inputs hold no NetworkPolicy. If the cluster has none either, any pod %s.", port, w.ID(), risk)
		f.Locations = []Location{clusterTLSLoc(w)}
		return f, true
	}
	selecting := 0
	for _, o := range policies {
		var np networkingv1.NetworkPolicy
		if err := o.Decode(&np); err != nil {
			continue
		}
		if np.Namespace != "" && w.Namespace != "" && np.Namespace != w.Namespace {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err != nil || !sel.Matches(labels.Set(w.PodLabels)) || !PolicyIngress(np) {
			continue
		}
		selecting++
		for i, r := range np.Spec.Ingress {
			if clusterAllowsMesh(w, port, r.Ports) && clusterFromAnywhere(r.From) {
				rule := o.Root.Get("spec", "ingress", i)
				f.Message = fmt.Sprintf("%s lets every source reach port %d of %s (%s has no restriction on where traffic comes from): any pod, and anything routed into the cluster, %s.",
					o.ID(), port, w.ID(), rule.Path, risk)
				f.Objects = append(f.Objects, o.ID())
				f.Locations = []Location{rule.LocOr(o.Root), clusterTLSLoc(w)}
				return f, true
			}
		}
	}
	if selecting > 0 {
		return f, false
	}
	f.Message = fmt.Sprintf("No NetworkPolicy of the inputs (%d) selects the pods of %s for ingress, so nothing restricts who reaches port %d: any pod in the cluster %s.",
		len(policies), w.ID(), port, risk)
	f.Locations = []Location{clusterTLSLoc(w)}
	return f, true
}

// PolicyIngress: the policy governs ingress (policyTypes empty means Ingress). The partition
// drill asks it too.
func PolicyIngress(np networkingv1.NetworkPolicy) bool {
	if len(np.Spec.PolicyTypes) == 0 {
		return true
	}
	for _, t := range np.Spec.PolicyTypes {
		if t == networkingv1.PolicyTypeIngress {
			return true
		}
	}
	return false
}

// clusterAllowsMesh: the rule's ports include the mesh port (no ports means all).
func clusterAllowsMesh(w *Workload, mesh int, ports []networkingv1.NetworkPolicyPort) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		if p.Port == nil {
			return true
		}
		if p.Port.StrVal != "" {
			if clusterNamedPort(w, p.Port.StrVal) == mesh {
				return true
			}
			continue
		}
		lo, hi := int(p.Port.IntVal), int(p.Port.IntVal)
		if p.EndPort != nil {
			hi = int(*p.EndPort)
		}
		if lo <= mesh && mesh <= hi {
			return true
		}
	}
	return false
}

func clusterNamedPort(w *Workload, name string) int {
	if w.Kind == "Alertmanager" && (name == "mesh-tcp" || name == "mesh-udp") {
		return 9094 // prometheus-operator's container ports
	}
	for _, p := range w.Container.Get("ports").Items() {
		if p.Get("name").String() == name {
			n, _ := p.Get("containerPort").Int()
			return n
		}
	}
	return 0
}

// clusterFromAnywhere: no from (every source), an ipBlock of the whole address space, or a
// namespaceSelector matching every namespace without a podSelector narrowing it.
func clusterFromAnywhere(from []networkingv1.NetworkPolicyPeer) bool {
	if len(from) == 0 {
		return true
	}
	for _, p := range from {
		if p.IPBlock != nil && (p.IPBlock.CIDR == "0.0.0.0/0" || p.IPBlock.CIDR == "::/0") {
			return true
		}
		if p.NamespaceSelector != nil && clusterEmptySelector(p.NamespaceSelector) &&
			(p.PodSelector == nil || clusterEmptySelector(p.PodSelector)) {
			return true
		}
	}
	return false
}

func clusterEmptySelector(s *metav1.LabelSelector) bool {
	return len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0
}

// clusterTLSLoc is where gossip TLS would be configured: the args, or spec.clusterTLS.
func clusterTLSLoc(w *Workload) Location {
	if w.Kind == "Alertmanager" {
		return w.PodSpec.Get("clusterTLS").LocOr(w.PodSpec)
	}
	return clusterArgLoc(w, nil)
}
