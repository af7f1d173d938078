package checks

import (
	"fmt"
	"strings"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

type meshIsland struct{}

func (meshIsland) ID() string { return "mesh/island" }

func (meshIsland) Run(c *model.Cluster, _ Options) []model.Finding {
	isl := c.Matrix.Islands
	if len(isl) < 2 {
		return nil
	}
	var parts, objs []string
	for _, g := range isl {
		parts = append(parts, "{"+strings.Join(g, ", ")+"}")
		objs = append(objs, g...)
	}
	return []model.Finding{{
		ID: "mesh/island", Severity: model.Error, Symptoms: []model.Symptom{model.Duplicates},
		Objects: objs,
		Message: fmt.Sprintf("The mesh is split into %d islands that do not see each other: %s. Each island keeps its own "+
			"notification log, so every island that receives an alert notifies: up to %d notifications where there should be one. "+
			"This is Alertmanager failing open by design (duplicates rather than a miss); it heals once the islands can gossip.",
			len(isl), strings.Join(parts, " "), len(isl)),
		Fix: "Make every replica reach every other on the cluster port over TCP and UDP: each --cluster.peer must name every " +
			"replica (on Kubernetes <pod>.<headless-service>:9094, not a ClusterIP Service), NetworkPolicies must allow 9094/TCP+UDP, " +
			"and --cluster.label must be equal everywhere.",
	}}
}
