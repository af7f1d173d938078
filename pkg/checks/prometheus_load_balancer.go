package checks

import (
	"fmt"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

type prometheusLoadBalancer struct{}

func (prometheusLoadBalancer) ID() string { return "prometheus/load-balancer" }

func (prometheusLoadBalancer) Run(c *model.Cluster, _ Options) []model.Finding {
	var out []model.Finding
	for _, w := range classify(c) {
		if len(w.unmatched) == 0 {
			continue
		}
		out = append(out, model.Finding{
			ID: "prometheus/load-balancer", Severity: model.Error, Symptoms: []model.Symptom{model.Missed, model.Duplicates, model.Delayed},
			Objects: append([]string{"prometheus " + w.prom}, w.unmatched...),
			Message: fmt.Sprintf("Prometheus %s sends alerts to %v, which is no replica's own address: a Service VIP, load balancer "+
				"or ingress (or another Alertmanager cluster it sends to on purpose: then ignore this). Through a balancer each batch reaches one replica; replicas hold different alerts, groups fragment, notifications "+
				"repeat or wait, and an alert is lost with the replica that held it.", w.prom, w.unmatched),
			Fix: "Never load balance between Prometheus and Alertmanager. Use kubernetes_sd_configs role endpoints on the " +
				"Alertmanager Service (keeping only the web port), dns_sd_configs on a headless Service, or one static target per replica.",
		})
	}
	return out
}
