package checks

import (
	"fmt"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

type meshSlowGossip struct{}

func (meshSlowGossip) ID() string { return "mesh/slow-gossip" }

// Run reads the convergence probe: the notification log travels like the probe's silence,
// and it must reach the next replica before that replica's wait (one peer timeout) ends.
func (meshSlowGossip) Run(c *model.Cluster, _ Options) []model.Finding {
	p := c.Probe
	if p == nil {
		return nil
	}
	pt := peerTimeout(c)
	var slow, lost, details []string
	worst := model.Info
	for _, t := range p.Results {
		switch {
		case t.After == nil:
			lost = append(lost, t.Replica)
			details = append(details, fmt.Sprintf("%s: never arrived (%s)", t.Replica, t.Error))
			worst = model.Error
		case t.After.D() >= pt:
			slow = append(slow, t.Replica)
			details = append(details, fmt.Sprintf("%s: %s", t.Replica, t.After))
			worst = model.Error
		case t.After.D() >= pt/2:
			slow = append(slow, t.Replica)
			details = append(details, fmt.Sprintf("%s: %s", t.Replica, t.After))
			worst = max(worst, model.Warning)
		}
	}
	if len(slow)+len(lost) == 0 {
		return nil
	}
	return []model.Finding{{
		ID: "mesh/slow-gossip", Severity: worst, Symptoms: []model.Symptom{model.Duplicates},
		Objects: append(slow, lost...),
		Message: fmt.Sprintf("A silence created on %s took too long to reach other replicas (budget: the peer timeout, %s). The "+
			"notification log travels the same way: when it arrives after the next replica's wait ends, that replica sends a "+
			"duplicate.", p.Origin, pt),
		Details: details,
		Fix: "Check the network between replicas (9094/UDP for gossip, 9094/TCP for state sync) and memberlist load " +
			"(alertmanager_cluster_messages_queued); raise --cluster.peer-timeout on every replica if the latency is inherent " +
			"(cross-region).",
	}}
}
