package lint

import (
	"fmt"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// clusterDisabled: --cluster.listen-address="" turns memberlist off. With several replicas
// nothing is gossiped: no notification log, no silences shared, and every replica sends every
// notification (ha-facts: "empty string disables HA ... --cluster.peer silently ignored").
type clusterDisabled struct{}

func (clusterDisabled) ID() string { return "cluster/disabled" }

func (c clusterDisabled) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, cl := range s.Clusters() {
		n := cl.Replicas()
		if n < 2 {
			continue
		}
		port := 9094 // the default, unless the replicas that cluster say otherwise
		for _, w := range cl.Workloads {
			if w.Clustered() {
				port = k8sMeshPort(w)
			}
		}
		for _, w := range cl.Workloads {
			if w.Clustered() {
				continue
			}
			a := w.Arg("cluster.listen-address")
			fix := fmt.Sprintf("Set --cluster.listen-address=[$(POD_IP)]:%d (with POD_IP from the downward API) and one --cluster.peer per replica; `kubectl amha snippets` prints them.", port)
			if w.Kind == "Alertmanager" {
				fix = "prometheus-operator turns clustering off for one replica: with spec.replicas above 1 it enables it; check spec.additionalArgs for an empty cluster.listen-address."
			} else if w.Kind == "Command" {
				fix = fmt.Sprintf("Give every replica --cluster.listen-address=<its IP>:%d and --cluster.peer=<each replica>:%d.", port, port)
			}
			out = append(out, model.Finding{
				ID: c.ID(), Severity: model.Error, Symptoms: []model.Symptom{model.Duplicates},
				Objects:   []string{w.ID()},
				Message:   fmt.Sprintf("Clustering is disabled (--cluster.listen-address is empty) in a cluster of %d replicas: nothing is gossiped, so every replica sends every notification and silences stay on the replica they were made on.", n),
				Fix:       fix,
				Locations: []Location{a.At.Loc()},
			})
		}
	}
	return out
}
