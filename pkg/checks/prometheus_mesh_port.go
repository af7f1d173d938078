package checks

import (
	"fmt"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

type prometheusMeshPort struct{}

func (prometheusMeshPort) ID() string { return "prometheus/mesh-port" }

func (prometheusMeshPort) Run(c *model.Cluster, _ Options) []model.Finding {
	var out []model.Finding
	for _, w := range classify(c) {
		if len(w.meshPort) == 0 {
			continue
		}
		out = append(out, model.Finding{
			ID: "prometheus/mesh-port", Severity: model.Warning, Symptoms: []model.Symptom{model.Delayed},
			Objects: append([]string{"prometheus " + w.prom}, w.meshPort...),
			Message: fmt.Sprintf("Prometheus %s also sends alerts to the gossip port (%v). Those sends fail and count in "+
				"prometheus_notifications_errors_total, hiding real failures; before Prometheus 3.10 one batch waits for every "+
				"Alertmanager, so a mesh port that hangs delays delivery up to the send timeout. The discovery keeps every port "+
				"of the endpoints instead of only the web port.", w.prom, w.meshPort),
			Fix: "Keep only the web port in the Alertmanager discovery: a relabel rule `action: keep` on " +
				"__meta_kubernetes_endpoint_port_name (web), or set the port in prometheus-operator's alerting.alertmanagers.",
		})
	}
	return out
}
