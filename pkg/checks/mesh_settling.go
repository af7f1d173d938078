package checks

import (
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/text"
)

type meshSettling struct{}

func (meshSettling) ID() string { return "mesh/settling" }

func (meshSettling) Run(c *model.Cluster, _ Options) []model.Finding {
	var out []*model.Replica
	for _, r := range answered(c) {
		if r.Status.Cluster == "settling" {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return []model.Finding{{
		ID: "mesh/settling", Severity: model.Warning, Symptoms: []model.Symptom{model.Delayed},
		Objects: names(out),
		Message: "Gossip has not settled on " + text.Plural(len(out), "replica", "replicas") + ": notifications wait until the member count " +
			"is stable or --cluster.settle-timeout (default 1m) passes. /-/ready already answers 200, so pod Ready says nothing about this.",
		Fix: "Normal for about 10s after a start (3 polls of 10 x --cluster.gossip-interval with a stable member count). " +
			"Settling that lasts means the member count keeps changing (peers joining and failing: check 9094/TCP+UDP between " +
			"replicas and --cluster.peer); it ends at --cluster.settle-timeout at the latest. A replica that reaches no peer " +
			"settles quickly at 1 member: see mesh/island and mesh/missing-peer.",
	}}
}
