package lint

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// k8sMeshPolicy is what the NetworkPolicies of a workload's namespace leave of its mesh port
// between its replicas, for k8s/mesh-port-udp (one protocol closed) and k8s/mesh-port-blocked
// (both closed).
type k8sMeshPolicy struct {
	Pols  []k8sPolicy
	Pods  []map[string]string
	Names []string
	Port  int
	// Named are the alertmanager container's ports, for policies that name a port.
	Named []corev1.ContainerPort
	// Pairs are the ordered pairs of distinct replicas (none without a policy).
	Pairs []k8sMeshPair
}

// k8sMeshPair is the traffic from one replica to another on the mesh port.
type k8sMeshPair struct {
	From, To int
	// Open is, per k8sProtocols (TCP, UDP), whether the policies let it through on both ends.
	Open [2]bool
}

// Closed: neither protocol gets through.
func (p k8sMeshPair) Closed() bool { return !p.Open[0] && !p.Open[1] }

func k8sMeshPolicies(s *Set, w *Workload, port int) k8sMeshPolicy {
	m := k8sMeshPolicy{Port: port}
	for _, o := range k8sOfKind(s, w, "NetworkPolicy") {
		var p networkingv1.NetworkPolicy
		if err := o.Decode(&p); err == nil {
			m.Pols = append(m.Pols, k8sPolicy{Obj: o, Pol: p})
		}
	}
	if len(m.Pols) == 0 {
		return m
	}
	m.Pods = k8sPods(w)
	m.Names = k8sPodNames(w, len(m.Pods))
	m.Named = k8sContainerPorts(w)
	for j := range m.Pods {
		for i := range m.Pods {
			if i == j && len(m.Pods) > 1 {
				continue
			}
			p := k8sMeshPair{From: j, To: i}
			for k, proto := range k8sProtocols {
				p.Open[k] = m.allowed(networkingv1.PolicyTypeEgress, p, proto) && m.allowed(networkingv1.PolicyTypeIngress, p, proto)
			}
			m.Pairs = append(m.Pairs, p)
		}
	}
	return m
}

// ends are the pod the policies of type t must select (sender for egress, receiver for
// ingress) and the other end.
func (m k8sMeshPolicy) ends(t networkingv1.PolicyType, p k8sMeshPair) (self, peer int) {
	if t == networkingv1.PolicyTypeEgress {
		return p.From, p.To
	}
	return p.To, p.From
}

func (m k8sMeshPolicy) allowed(t networkingv1.PolicyType, p k8sMeshPair, proto corev1.Protocol) bool {
	self, peer := m.ends(t, p)
	ok, _ := k8sAllowed(m.Pols, t, m.Pods[self], m.Pods[peer], m.Port, proto, m.Named)
	return ok
}

// k8sMeshBlock is where the policies stop one protocol of a pair.
type k8sMeshBlock struct {
	Field string // "egress" or "ingress"
	Side  string // "egress from alertmanager-0", "ingress to alertmanager-1"
	// By is a policy that isolates that side.
	By *k8sPolicy
	// Miss is a rule of a policy isolating that side that allows the mesh port in this protocol,
	// but only from (or to) pods that the other replica is not (nil when there is none).
	Miss *k8sMeshMiss
}

// k8sMeshMiss is a rule that names the mesh port but selects peers the replicas are not.
type k8sMeshMiss struct {
	Pol   *k8sPolicy
	Index int
	// Peers are the rule's pod selectors as written, "app=alertmanager,alertmanager=main".
	Peers []string
}

// Blocker is where proto is stopped on the pair: the sender's egress when that blocks it, else
// the receiver's ingress.
func (m k8sMeshPolicy) Blocker(p k8sMeshPair, proto corev1.Protocol) k8sMeshBlock {
	t, b := networkingv1.PolicyTypeEgress, k8sMeshBlock{Field: "egress", Side: "egress from " + m.Names[p.From]}
	if m.allowed(t, p, proto) {
		t, b = networkingv1.PolicyTypeIngress, k8sMeshBlock{Field: "ingress", Side: "ingress to " + m.Names[p.To]}
	}
	self, peer := m.ends(t, p)
	_, b.By = k8sAllowed(m.Pols, t, m.Pods[self], m.Pods[peer], m.Port, proto, m.Named)
	b.Miss = m.miss(t, m.Pods[self], m.Pods[peer], proto)
	return b
}

// miss finds a rule of a policy isolating self that allows the mesh port in proto from pod
// selectors none of which selects peer.
func (m k8sMeshPolicy) miss(t networkingv1.PolicyType, self, peer map[string]string, proto corev1.Protocol) *k8sMeshMiss {
	for i := range m.Pols {
		pol := &m.Pols[i]
		if !pol.has(t) || !k8sSelects(&pol.Pol.Spec.PodSelector, []map[string]string{self}) {
			continue
		}
		type rule struct {
			peers []networkingv1.NetworkPolicyPeer
			ports []networkingv1.NetworkPolicyPort
		}
		var rules []rule
		if t == networkingv1.PolicyTypeIngress {
			for _, r := range pol.Pol.Spec.Ingress {
				rules = append(rules, rule{r.From, r.Ports})
			}
		} else {
			for _, r := range pol.Pol.Spec.Egress {
				rules = append(rules, rule{r.To, r.Ports})
			}
		}
		for k, r := range rules {
			if len(r.peers) == 0 || k8sPeersMatch(r.peers, peer) || !k8sPortsMatch(r.ports, m.Port, proto, m.Named) {
				continue
			}
			miss := &k8sMeshMiss{Pol: pol, Index: k}
			for _, pp := range r.peers {
				if pp.PodSelector != nil {
					miss.Peers = append(miss.Peers, metav1.FormatLabelSelector(pp.PodSelector))
				}
			}
			return miss
		}
	}
	return nil
}

// Peers is the rule key that names the other end: "to" for egress, "from" for ingress.
func (b k8sMeshBlock) Peers() string {
	if b.Field == "egress" {
		return "to"
	}
	return "from"
}

// Loc is the near-miss rule's peers when there is one, else the isolating policy's rules.
func (b k8sMeshBlock) Loc() Location {
	if b.Miss != nil {
		spec := b.Miss.Pol.Obj.Root.Get("spec")
		rule := spec.Get(b.Field, b.Miss.Index)
		return rule.Get(b.Peers()).LocOr(rule)
	}
	return b.ByLoc()
}

// ByLoc is the isolating policy's rules of the blocking side.
func (b k8sMeshBlock) ByLoc() Location {
	return b.By.Obj.Root.Get("spec", b.Field).LocOr(b.By.Obj.Root.Get("spec"))
}

// Policy is the policy to change: the one with the near-miss rule, else the isolating one.
func (b k8sMeshBlock) Policy() *k8sPolicy {
	if b.Miss != nil {
		return b.Miss.Pol
	}
	return b.By
}

// k8sReplicaLabels are labels every replica carries, as a YAML flow map for a fix: those of
// the policy's own podSelector when it selects by labels alone, else the usual name and
// instance labels, else all the template's labels.
func k8sReplicaLabels(w *Workload, pol *k8sPolicy) string {
	labels := pol.Pol.Spec.PodSelector.MatchLabels
	if len(labels) == 0 || len(pol.Pol.Spec.PodSelector.MatchExpressions) > 0 {
		labels = map[string]string{}
		for _, k := range []string{"app.kubernetes.io/name", "app.kubernetes.io/instance"} {
			if v, ok := w.PodLabels[k]; ok {
				labels[k] = v
			}
		}
		if len(labels) == 0 {
			labels = w.PodLabels
		}
	}
	var keys []string
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var kv []string
	for _, k := range keys {
		kv = append(kv, k+": "+labels[k])
	}
	return "{" + strings.Join(kv, ", ") + "}"
}

// k8sMeshObjects are the objects and locations of a finding about blocks, each once.
func k8sMeshObjects(w *Workload, blocks ...k8sMeshBlock) (objects []string, locs []Location) {
	seen := map[string]bool{}
	for _, b := range blocks {
		id := b.Policy().Obj.ID()
		l := b.Loc()
		if key := fmt.Sprintf("%s %s", id, l); !seen[key] {
			seen[key] = true
			locs = append(locs, l)
		}
		if !seen[id] {
			seen[id] = true
			objects = append(objects, id)
		}
	}
	return append(objects, w.ID()), locs
}
