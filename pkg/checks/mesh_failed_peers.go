package checks

import (
	"fmt"
	"strings"

	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

type meshFailedPeers struct{}

func (meshFailedPeers) ID() string { return "mesh/failed-peers" }

func (meshFailedPeers) Run(c *model.Cluster, _ Options) []model.Finding {
	var objs, details []string
	for _, r := range answered(c) {
		m := r.Metrics
		if m == nil {
			continue
		}
		failed := m.FailedPeers != nil && *m.FailedPeers > 0
		unhealthy := m.HealthScore != nil && *m.HealthScore > 0
		if !failed && !unhealthy {
			continue
		}
		objs = append(objs, r.Name)
		var parts []string
		if m.FailedPeers != nil {
			parts = append(parts, fmt.Sprintf("failed peers %g", *m.FailedPeers))
		}
		if m.HealthScore != nil {
			parts = append(parts, fmt.Sprintf("health score %g (0 is healthy)", *m.HealthScore))
		}
		details = append(details, r.Name+": "+strings.Join(parts, ", "))
	}
	if len(objs) == 0 {
		return nil
	}
	fix := "If the failed addresses are old pod IPs, set --cluster.reconnect-timeout=5m (what prometheus-operator does). If they " +
		"are live replicas, check 9094/TCP+UDP between them and --cluster.probe-timeout against the network's round-trip time."
	if rt, ok := sharedReconnectTimeout(c); ok {
		// The advice is already followed: old addresses go within rt; what lasts longer is live.
		fix = fmt.Sprintf("--cluster.reconnect-timeout is %s: addresses of replaced pods are forgotten within %s of their "+
			"failure (normal right after a rollout). If this lasts longer, the failed peers are live replicas: check "+
			"9094/TCP+UDP between them and --cluster.probe-timeout against the network's round-trip time.", timing.Format(rt.D()), timing.Format(rt.D()))
	}
	return []model.Finding{{
		ID: "mesh/failed-peers", Severity: model.Warning, Symptoms: []model.Symptom{model.Flapping, model.Duplicates},
		Objects: objs,
		Message: "Replicas hold peers they marked failed or report an unhealthy memberlist. Failed peers are retried every " +
			"--cluster.reconnect-interval until --cluster.reconnect-timeout (6h by default): addresses of pods that are gone " +
			"linger, and a peer that fails and rejoins makes positions change.",
		Details: details,
		Fix:     fix,
	}}
}

// sharedReconnectTimeout is the --cluster.reconnect-timeout every replica was started with,
// when they all state one.
func sharedReconnectTimeout(c *model.Cluster) (model.Duration, bool) {
	var rt *model.Duration
	for _, r := range c.Replicas {
		if r.Flags == nil || r.Flags.ReconnectTimeout == nil || (rt != nil && *rt != *r.Flags.ReconnectTimeout) {
			return 0, false
		}
		rt = r.Flags.ReconnectTimeout
	}
	if rt == nil {
		return 0, false
	}
	return *rt, true
}
