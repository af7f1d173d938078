package lint

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// k8sMeshPortUDP: memberlist uses the cluster port over both TCP (join, push/pull) and UDP
// (probes and gossip): both must be open (ha-facts; issue 1550, 1564). Replicas reach each other
// pod to pod, so what blocks a protocol is a NetworkPolicy (or a firewall); the ports a Service
// or a container lists open and close nothing, but policies name ports, and readers copy them.
type k8sMeshPortUDP struct{}

func (k8sMeshPortUDP) ID() string { return "k8s/mesh-port-udp" }

func (c k8sMeshPortUDP) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, w := range k8sWorkloads(s) {
		if !k8sMeshOn(w) {
			continue
		}
		port := k8sMeshPort(w)
		if f, ok := c.policies(s, w, port); ok {
			out = append(out, f)
		}
		for _, svc := range k8sServices(s, w) {
			out = append(out, c.service(w, svc, port)...)
		}
		out = append(out, c.container(w, port)...)
	}
	return out
}

var k8sProtocols = [2]corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP}

func k8sOther(p corev1.Protocol) corev1.Protocol {
	if p == corev1.ProtocolUDP {
		return corev1.ProtocolTCP
	}
	return corev1.ProtocolUDP
}

// k8sPortProtocols maps each protocol a port list gives the mesh port to the first entry that
// does ("" is TCP).
type k8sPortProtocols map[corev1.Protocol]int

func (m k8sPortProtocols) add(p corev1.Protocol, i int) {
	if p == "" {
		p = corev1.ProtocolTCP
	}
	if _, ok := m[p]; !ok {
		m[p] = i
	}
}

// only is the one protocol listed and its entry; ok is false for none or both.
func (m k8sPortProtocols) only() (p corev1.Protocol, i int, ok bool) {
	if len(m) != 1 {
		return "", 0, false
	}
	for p, i = range m {
	}
	return p, i, true
}

// service: a Service that lists the mesh port in one protocol only.
func (c k8sMeshPortUDP) service(w *Workload, svc k8sService, port int) []model.Finding {
	seen := k8sPortProtocols{}
	for i, p := range svc.Svc.Spec.Ports {
		if k8sTargetPort(w, p) == port {
			seen.add(p.Protocol, i)
		}
	}
	has, i, ok := seen.only()
	if !ok {
		return nil
	}
	missing := k8sOther(has)
	at := svc.Obj.Root.Get("spec", "ports", i)
	return []model.Finding{{
		ID: c.ID(), Severity: model.Info, Symptoms: []model.Symptom{},
		Objects: []string{svc.Obj.ID(), w.ID()},
		Message: fmt.Sprintf("%s lists the mesh port %d over %s but not over %s. This alone blocks nothing: replicas gossip pod to pod, at the addresses their peer names resolve to, "+
			"and a headless Service's DNS records need no ports. But memberlist needs both protocols (issue 1550), and this list is what people copy into NetworkPolicies and firewall rules, "+
			"where a missing %s does cut the mesh.", svc.Obj.ID(), port, has, missing, missing),
		Fix: fmt.Sprintf("List both: add {name: mesh-%s, port: %d, targetPort: %d, protocol: %s} next to the %s entry.",
			strings.ToLower(string(missing)), port, port, missing, has),
		Locations: []Location{at.Get("protocol").LocOr(at)},
	}}
}

// k8sTargetPort is the container port a Service port sends to: its targetPort, a name resolved
// through the alertmanager container's ports (0 when the container declares no such name), or
// the port itself.
func k8sTargetPort(w *Workload, p corev1.ServicePort) int {
	switch {
	case p.TargetPort.Type == intstr.String && p.TargetPort.StrVal != "":
		for _, cp := range k8sContainerPorts(w) {
			if cp.Name == p.TargetPort.StrVal {
				return int(cp.ContainerPort)
			}
		}
		return 0
	case p.TargetPort.IntValue() != 0:
		return p.TargetPort.IntValue()
	}
	return int(p.Port)
}

// container: the container declares the mesh port in one protocol only.
func (c k8sMeshPortUDP) container(w *Workload, port int) []model.Finding {
	if !w.Container.Valid() || k8sGeneratedBy(w) != "" {
		return nil
	}
	seen := k8sPortProtocols{}
	for i, p := range k8sContainerPorts(w) {
		if int(p.ContainerPort) == port {
			seen.add(p.Protocol, i)
		}
	}
	has, i, ok := seen.only()
	if !ok {
		return nil
	}
	missing := k8sOther(has)
	at := w.Container.Get("ports", i)
	return []model.Finding{{
		ID: c.ID(), Severity: model.Info, Symptoms: []model.Symptom{},
		Objects: []string{w.ID()},
		Message: fmt.Sprintf("The alertmanager container declares the mesh port %d over %s only. A container port list opens and closes nothing (%d/%s is reachable all the same), "+
			"but a NetworkPolicy or Service that names the port resolves the name only in the protocol declared, and memberlist needs both (issue 1550).", port, has, port, missing),
		Fix:       fmt.Sprintf("Declare both: {name: mesh-tcp, containerPort: %d, protocol: TCP} and {name: mesh-udp, containerPort: %d, protocol: UDP}.", port, port),
		Locations: []Location{at.Get("protocol").LocOr(at)},
	}}
}

// k8sPolicy is a NetworkPolicy with its typed form.
type k8sPolicy struct {
	Obj *Object
	Pol networkingv1.NetworkPolicy
}

func (p k8sPolicy) has(t networkingv1.PolicyType) bool {
	if len(p.Pol.Spec.PolicyTypes) == 0 {
		return t == networkingv1.PolicyTypeIngress || (t == networkingv1.PolicyTypeEgress && len(p.Pol.Spec.Egress) > 0)
	}
	for _, x := range p.Pol.Spec.PolicyTypes {
		if x == t {
			return true
		}
	}
	return false
}

// policies: NetworkPolicies that let a replica reach another on the mesh port over one
// protocol and not the other. Both protocols closed is k8s/mesh-port-blocked's.
func (c k8sMeshPortUDP) policies(s *Set, w *Workload, port int) (model.Finding, bool) {
	m := k8sMeshPolicies(s, w, port)
	for _, p := range m.Pairs {
		if p.Open[0] == p.Open[1] {
			continue // both open, or both closed: not a protocol mismatch
		}
		has, missing := corev1.ProtocolTCP, corev1.ProtocolUDP
		if p.Open[1] {
			has, missing = corev1.ProtocolUDP, corev1.ProtocolTCP
		}
		from, to := m.Names[p.From], m.Names[p.To]
		bl := m.Blocker(p, missing)
		effect := "UDP carries the failure-detection probes and the gossip of the notification log and silences: without it they travel only with the TCP push/pull (every 1m), " +
			"so a replica's log entry often arrives after the next replica's wait has ended, and both send (duplicates); memberlist says so only at debug level, and the pods stay Ready (issue 1564)"
		if missing == corev1.ProtocolTCP {
			effect = "TCP carries the join and the full state sync: a replica that starts while it is blocked cannot join, and runs as an island that sends every notification itself"
		}
		return model.Finding{
			ID: c.ID(), Severity: model.Error, Symptoms: []model.Symptom{model.Duplicates},
			Objects: []string{bl.By.Obj.ID(), w.ID()},
			Message: fmt.Sprintf("The NetworkPolicies let %s reach %s on the mesh port %d over %s but not over %s (%s is restricted by %s). memberlist needs both (issue 1550): %s. "+
				"A policy does not cut flows that already exist (conntrack), so this may show only when a pod is recreated.",
				from, to, port, has, missing, bl.Side, bl.By.Obj.ID(), effect),
			Fix: fmt.Sprintf("Allow %d over both TCP and UDP between the replicas in the %s rules of %s: {%s: [{podSelector: {matchLabels: <the replicas' labels>}}], ports: [{port: %d, protocol: TCP}, {port: %d, protocol: UDP}]}.",
				port, bl.Field, bl.By.Obj.ID(), bl.Peers(), port, port),
			Locations: []Location{bl.ByLoc()},
		}, true
	}
	return model.Finding{}, false
}

func k8sPodNames(w *Workload, n int) []string {
	prefix := w.Name
	if w.Kind == "Alertmanager" {
		prefix = "alertmanager-" + w.Name
	}
	out := make([]string, n)
	for i := range out {
		if w.Kind == "Deployment" {
			out[i] = "a pod of " + w.ID()
		} else {
			out[i] = fmt.Sprintf("%s-%d", prefix, i)
		}
	}
	return out
}

// k8sAllowed evaluates the policies of one direction for traffic between two replicas: self is
// the pod the policies must select (the sender for egress, the receiver for ingress), peer the
// other end. Without a policy of that type selecting self, everything is allowed. by is a
// policy that isolates self, for the finding's location.
func k8sAllowed(pols []k8sPolicy, t networkingv1.PolicyType, self, peer map[string]string, port int, proto corev1.Protocol, named []corev1.ContainerPort) (ok bool, by *k8sPolicy) {
	isolated := false
	for i := range pols {
		p := &pols[i]
		if !p.has(t) || !k8sSelects(&p.Pol.Spec.PodSelector, []map[string]string{self}) {
			continue
		}
		if !isolated {
			isolated, by = true, p
		}
		if t == networkingv1.PolicyTypeIngress {
			for _, r := range p.Pol.Spec.Ingress {
				if k8sPeersMatch(r.From, peer) && k8sPortsMatch(r.Ports, port, proto, named) {
					return true, nil
				}
			}
		} else {
			for _, r := range p.Pol.Spec.Egress {
				if k8sPeersMatch(r.To, peer) && k8sPortsMatch(r.Ports, port, proto, named) {
					return true, nil
				}
			}
		}
	}
	return !isolated, by
}

// k8sPeersMatch: an empty list allows every source. An ipBlock may cover the pod IPs, which
// are not known here: it counts as a match, so no finding is drawn from it. A namespaceSelector
// is taken to select the replicas' namespace (labels of namespaces are not known either).
func k8sPeersMatch(peers []networkingv1.NetworkPolicyPeer, pod map[string]string) bool {
	if len(peers) == 0 {
		return true
	}
	for _, p := range peers {
		switch {
		case p.IPBlock != nil:
			return true
		case p.PodSelector == nil && p.NamespaceSelector != nil:
			return true
		case p.PodSelector != nil && k8sSelects(p.PodSelector, []map[string]string{pod}):
			return true
		}
	}
	return false
}

// k8sPortsMatch: an empty list allows every port; a named port resolves against the
// destination's container ports of that protocol.
func k8sPortsMatch(ports []networkingv1.NetworkPolicyPort, port int, proto corev1.Protocol, named []corev1.ContainerPort) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		pr := corev1.ProtocolTCP
		if p.Protocol != nil {
			pr = *p.Protocol
		}
		if pr != proto {
			continue
		}
		if p.Port == nil {
			return true
		}
		if p.Port.Type == intstr.String {
			for _, cp := range named {
				cpp := cp.Protocol
				if cpp == "" {
					cpp = corev1.ProtocolTCP
				}
				if cp.Name == p.Port.StrVal && cpp == proto && int(cp.ContainerPort) == port {
					return true
				}
			}
			continue
		}
		lo, hi := p.Port.IntValue(), p.Port.IntValue()
		if p.EndPort != nil {
			hi = int(*p.EndPort)
		}
		if lo <= port && port <= hi {
			return true
		}
	}
	return false
}

// PolicyBlocks names the NetworkPolicy of nps (one namespace) that stops a pod labelled from
// reaching a pod labelled to on port over proto: one that isolates the sender's egress or the
// receiver's ingress without allowing it. "" when the traffic is allowed. toPorts are the
// receiver's container ports, for named ports. ipBlocks and namespace selectors count as
// allowing (pod IPs and namespace labels are not known here).
func PolicyBlocks(nps []networkingv1.NetworkPolicy, from, to map[string]string, port int, proto corev1.Protocol, toPorts []corev1.ContainerPort) string {
	pols := make([]k8sPolicy, len(nps))
	for i := range nps {
		pols[i] = k8sPolicy{Pol: nps[i]}
	}
	if ok, by := k8sAllowed(pols, networkingv1.PolicyTypeEgress, from, to, port, proto, toPorts); !ok && by != nil {
		return by.Pol.Name + " (egress of the sender)"
	}
	if ok, by := k8sAllowed(pols, networkingv1.PolicyTypeIngress, to, from, port, proto, toPorts); !ok && by != nil {
		return by.Pol.Name + " (ingress of the receiver)"
	}
	return ""
}
