package lint

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// k8sMeshPortBlocked: NetworkPolicies that close the mesh port over both TCP and UDP between
// replicas. With no way to join, each replica settles alone and sends every notification
// (ha-facts: partitions fail open). A frequent cause is a rule that allows the port only from
// a label the pods do not carry: prometheus-operator's example policy selects the mesh's
// peers by app: alertmanager, which the operator no longer sets. One protocol closed is
// k8s/mesh-port-udp's.
type k8sMeshPortBlocked struct{}

func (k8sMeshPortBlocked) ID() string { return "k8s/mesh-port-blocked" }

func (c k8sMeshPortBlocked) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, w := range k8sWorkloads(s) {
		if !k8sMeshOn(w) {
			continue
		}
		if f, ok := c.policies(w, k8sMeshPolicies(s, w, k8sMeshPort(w))); ok {
			out = append(out, f)
		}
	}
	return out
}

func (c k8sMeshPortBlocked) policies(w *Workload, m k8sMeshPolicy) (model.Finding, bool) {
	closed := map[[2]int]bool{}
	var first *k8sMeshPair
	for i, p := range m.Pairs {
		if p.Closed() {
			closed[[2]int{p.From, p.To}] = true
			if first == nil {
				first = &m.Pairs[i]
			}
		}
	}
	if first == nil {
		return model.Finding{}, false
	}
	tcp, udp := m.Blocker(*first, corev1.ProtocolTCP), m.Blocker(*first, corev1.ProtocolUDP)
	objects, locs := k8sMeshObjects(w, tcp, udp)
	where := fmt.Sprintf("%s is restricted by %s", tcp.Side, tcp.By.Obj.ID())
	if udp.Side != tcp.Side || udp.By != tcp.By {
		where = fmt.Sprintf("for TCP %s is restricted by %s, for UDP %s by %s", tcp.Side, tcp.By.Obj.ID(), udp.Side, udp.By.Obj.ID())
	}
	if miss := tcp.Miss; miss != nil {
		where += fmt.Sprintf("; the rule spec.%s[%d] of %s allows %d only %s pods matching %s, labels %s does not carry",
			tcp.Field, miss.Index, miss.Pol.Obj.ID(), m.Port, tcp.Peers(), strings.Join(miss.Peers, " or "), m.Names[k8sOtherEnd(tcp, *first)])
	}
	from, to := m.Names[first.From], m.Names[first.To]
	f := model.Finding{
		ID: c.ID(), Symptoms: []model.Symptom{model.Duplicates},
		Objects: objects, Locations: locs,
	}
	const conntrack = " The pods stay Ready. A policy does not cut flows that already exist (conntrack), so a running mesh may hold until pods are recreated."
	if len(closed) == len(m.Pairs) {
		f.Severity = model.Error
		f.Message = fmt.Sprintf("The NetworkPolicies let no replica of %s reach another on the mesh port %d, over TCP or UDP (%s). "+
			"memberlist cannot join any peer, so every replica runs as an island: none learns what another has sent, each sends every notification (up to %d copies), "+
			"and a silence stays on the replica that received it; kubectl amha status shows each replica as mesh/island.%s",
			w.ID(), m.Port, where, len(m.Pods), conntrack)
	} else {
		f.Severity = model.Warning
		back := ""
		if closed[[2]int{first.To, first.From}] {
			back = fmt.Sprintf(", nor %s reach %s", to, from)
		}
		f.Message = fmt.Sprintf("The NetworkPolicies let %s reach %s on the mesh port %d over neither TCP nor UDP%s (%s; %d of the %d directions between replicas are closed). "+
			"Such replicas depend on the others to relay gossip and answer indirect probes: notification log entries and silences arrive late, and when the relaying replicas restart or fail, the mesh splits and each side sends every notification.%s",
			from, to, m.Port, back, where, len(closed), len(m.Pairs), conntrack)
	}
	pol := tcp.Policy()
	f.Fix = fmt.Sprintf("Allow %d over TCP and UDP between the replicas in the %s rules of %s, %s labels the replicas carry: {%s: [{podSelector: {matchLabels: %s}}], ports: [{port: %d, protocol: TCP}, {port: %d, protocol: UDP}]}.",
		m.Port, tcp.Field, pol.Obj.ID(), tcp.Peers(), tcp.Peers(), k8sReplicaLabels(w, pol), m.Port, m.Port)
	return f, true
}

// k8sOtherEnd is the replica of the pair that a rule of the blocking side must select.
func k8sOtherEnd(b k8sMeshBlock, p k8sMeshPair) int {
	if b.Field == "egress" {
		return p.To
	}
	return p.From
}
