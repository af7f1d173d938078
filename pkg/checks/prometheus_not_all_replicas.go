package checks

import (
	"fmt"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

type prometheusNotAllReplicas struct{}

func (prometheusNotAllReplicas) ID() string { return "prometheus/not-all-replicas" }

func (prometheusNotAllReplicas) Run(c *model.Cluster, _ Options) []model.Finding {
	var out []model.Finding
	for _, w := range classify(c) {
		var missing []string
		for _, r := range c.Replicas {
			if !w.matched[r.Name] {
				missing = append(missing, r.Name)
			}
		}
		if len(missing) == 0 {
			continue
		}
		out = append(out, model.Finding{
			ID: "prometheus/not-all-replicas", Severity: model.Error, Symptoms: []model.Symptom{model.Missed, model.Duplicates},
			Objects: append([]string{"prometheus " + w.prom}, missing...),
			Message: fmt.Sprintf("Prometheus %s does not send alerts to %v (%d of %d replicas reached). Alerts are not gossiped: "+
				"a replica Prometheus does not send to has no alerts to notify about, and if the replicas it does send to fail, "+
				"nothing pages.", w.prom, missing, len(w.matched), len(c.Replicas)),
			Fix: "Discover every replica: kubernetes_sd_configs with role endpoints (or endpointslice) on the Alertmanager Service, " +
				"keeping only the web port, or a static target per replica; with prometheus-operator, alerting.alertmanagers naming " +
				"the Alertmanager Service and its web port.",
		})
	}
	return out
}
