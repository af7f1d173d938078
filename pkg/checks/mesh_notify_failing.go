package checks

import (
	"fmt"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

type meshNotifyFailing struct{}

func (meshNotifyFailing) ID() string { return "mesh/notify-failing" }

func (meshNotifyFailing) Run(c *model.Cluster, _ Options) []model.Finding {
	var out []model.Finding
	byIntegration := map[string][]string{}
	var order []string
	for _, r := range answered(c) {
		if r.Metrics == nil {
			continue
		}
		for _, in := range r.Metrics.Integrations {
			if in.Failed == 0 {
				continue
			}
			if _, ok := byIntegration[in.Name]; !ok {
				order = append(order, in.Name)
			}
			byIntegration[in.Name] = append(byIntegration[in.Name],
				fmt.Sprintf("%s: %g of %g %s notifications failed since it started", r.Name, in.Failed, in.Total, in.Name))
		}
	}
	for _, name := range order {
		details := byIntegration[name]
		out = append(out, model.Finding{
			ID: "mesh/notify-failing", Severity: model.Warning, Symptoms: []model.Symptom{model.Missed, model.Duplicates},
			Objects: []string{"integration " + name},
			Message: fmt.Sprintf("Notifications through %s have failed. The notification log is written only after a successful "+
				"send, so while a receiver fails no replica records anything: each keeps retrying, and once the receiver "+
				"recovers it can get one delivery per replica.", name),
			Details: details,
			Fix: "Look at alertmanager_notifications_failed_total{integration=\"" + name + "\"} by reason and at the replicas' logs " +
				"('Notify for alerts failed'); fix the receiver's URL, credentials or reachability. These counters run since start: " +
				"old failures stay counted.",
		})
	}
	return out
}
