package checks

import (
	"fmt"

	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/text"
)

type meshForeignPeer struct{}

func (meshForeignPeer) ID() string { return "mesh/foreign-peer" }

func (meshForeignPeer) Run(c *model.Cluster, _ Options) []model.Finding {
	var foreign []string
	for _, col := range c.Matrix.Columns {
		if col.Replica == "" {
			foreign = append(foreign, fmt.Sprintf("%s (%s)", col.Name, col.Address))
		}
	}
	if len(foreign) == 0 {
		return nil
	}
	claimed := map[string]bool{}
	for _, col := range c.Matrix.Columns {
		claimed[col.Replica] = true
	}
	unasked, unplaced := 0, 0
	for _, r := range c.Replicas {
		if r.Status == nil {
			unasked++
			if !claimed[r.Name] {
				unplaced++
			}
		}
	}
	severity := model.Error
	// Anyone who reaches an unlabelled mesh port can join it, with any number of members.
	msg := fmt.Sprintf("The mesh has %s that no replica of this cluster is: [%s]. ", text.Plural(len(foreign), "member", "members"), text.Some(foreign, 10))
	switch {
	case c.Source == "url" && len(foreign) <= unplaced:
		// A replica that is down is still listed by the others until they have noticed, and
		// a --url replica's mesh address is known only when it is at the URL's host: during an
		// outage these are most likely the replicas that did not answer.
		severity = model.Info
		msg = fmt.Sprintf("The mesh has %s that no answering replica is: [%s], and %s did not answer. "+
			"A replica that is down is listed by the others until they notice, and its mesh address is not at the host of its URL, "+
			"so amha cannot tell them apart: most likely these are the replicas that did not answer; if they answer again and "+
			"the members stay, two clusters have merged. ",
			text.Plural(len(foreign), "member", "members"), text.Some(foreign, 10), text.Plural(unplaced, "replica", "replicas"))
	case c.Source == "url" || unasked > 0:
		msg += "It may be a replica amha was not given or could not ask; otherwise two clusters have merged. "
	default:
		msg += "Its address is no pod of this cluster: two clusters have merged (typically a reused pod IP of another cluster). "
	}
	msg += "Merged clusters share silences and the notification log, and positions (wait times) grow with every foreign member."
	return []model.Finding{{
		ID: "mesh/foreign-peer", Severity: severity, Symptoms: []model.Symptom{model.Missed, model.Delayed},
		Objects: foreign[:min(len(foreign), 20)], Message: msg,
		Fix: "Set --cluster.label=<namespace>/<name> on every replica (Alertmanager 0.26+): packets with another label are dropped. " +
			"Set --cluster.reconnect-timeout=5m so addresses of gone pods are forgotten. Changing the label splits the cluster " +
			"for the length of a rollout.",
	}}
}
