package checks

import (
	"fmt"

	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/text"
)

type meshDisabled struct{}

func (meshDisabled) ID() string { return "mesh/disabled" }

func (meshDisabled) Run(c *model.Cluster, _ Options) []model.Finding {
	var off []*model.Replica
	rs := answered(c)
	for _, r := range rs {
		if r.Status.Cluster == "disabled" {
			off = append(off, r)
		}
	}
	total := max(len(c.Replicas), c.DesiredReplicas)
	if len(off) == 0 || total < 2 {
		return nil
	}
	return []model.Finding{{
		ID: "mesh/disabled", Severity: model.Error, Symptoms: []model.Symptom{model.Duplicates},
		Objects: names(off),
		Message: fmt.Sprintf("Clustering is disabled on %s of %d: it shares no notification log, so it sends every notification "+
			"itself and each one reaches people once more than it should.", text.Plural(len(off), "replica", "replicas"), total),
		Fix: "Give every replica a --cluster.listen-address (default 0.0.0.0:9094; on Kubernetes [$(POD_IP)]:9094) and a " +
			"--cluster.peer for each replica. An empty --cluster.listen-address= turns HA off and makes --cluster.peer ignored.",
	}}
}
