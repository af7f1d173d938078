package checks

import (
	"fmt"
	"strings"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/mesh"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

type meshFailedPeers struct{}

func (meshFailedPeers) ID() string { return "mesh/failed-peers" }

func (meshFailedPeers) Run(c *model.Cluster, _ Options) []model.Finding {
	var objs, details []string
	anyUnhealthy := false
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
		anyUnhealthy = anyUnhealthy || unhealthy
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
	// Alertmanager sweeps failed peers every 5 minutes and forgets those failed longer than
	// --cluster.reconnect-timeout (cluster/cluster.go, removeFailedPeers): an old address
	// lingers for the timeout plus up to 5 minutes.
	fix := "If the failed addresses are old pod IPs, set --cluster.reconnect-timeout=5m (what prometheus-operator does). If they " +
		"are live replicas, check 9094/TCP+UDP between them and --cluster.probe-timeout against the network's round-trip time."
	if rt, ok := sharedReconnectTimeout(c); ok {
		// The advice is already followed: old addresses go within rt + 5m; what lasts longer is live.
		fix = fmt.Sprintf("--cluster.reconnect-timeout is %s: addresses of replaced pods are forgotten %s to %s after their "+
			"failure (failed peers are swept every 5m; normal right after a rollout). If this lasts longer, the failed peers are live replicas: check "+
			"9094/TCP+UDP between them and --cluster.probe-timeout against the network's round-trip time.", timing.Format(rt.D()), timing.Format(rt.D()), timing.Format(rt.D()+5*time.Minute))
	}
	positions := "a peer that fails and rejoins makes positions change"
	if fixedNames(c) {
		positions = "the replicas keep their positions (--cluster.peer-name), so a rejoining peer changes none"
	}
	f := model.Finding{
		ID: "mesh/failed-peers", Severity: model.Warning, Symptoms: []model.Symptom{model.Flapping, model.Duplicates},
		Objects: objs,
		Message: "Replicas hold peers they marked failed or report an unhealthy memberlist. Failed peers are retried every " +
			"--cluster.reconnect-interval until --cluster.reconnect-timeout (6h by default) and swept every 5m: addresses of pods that are gone " +
			"linger, and " + positions + ".",
		Details: details,
		Fix:     fix,
	}
	if meshWhole(c) && !anyUnhealthy {
		// Every replica sees every other: the failed peers are not replicas that run now, but
		// old addresses (a rollout, a rescheduled pod). Nothing is split; it is worth knowing only.
		f.Severity, f.Symptoms = model.Info, nil
		f.Message = "Every replica sees every other, and some hold failed peers besides: addresses of replicas that are gone " +
			"(pods replaced by a rollout or rescheduled), retried every --cluster.reconnect-interval until --cluster.reconnect-timeout (6h by default) and swept every 5m. " +
			"Nothing is split; " + positions + "."
	}
	return []model.Finding{f}
}

// meshWhole reports whether every replica answered, at least two run a mesh, they form one
// island, and mesh/missing-peer finds none short of the others or of the StatefulSet's count.
func meshWhole(c *model.Cluster) bool {
	if c.Matrix == nil || len(c.Matrix.Islands) > 1 || len(c.Replicas) < c.DesiredReplicas || len(answered(c)) < len(c.Replicas) {
		return false
	}
	return len(mesh.Clustered(c)) > 1 && len(meshMissingPeer{}.Run(c, Options{})) == 0
}

// fixedNames reports whether every replica was started with --cluster.peer-name.
func fixedNames(c *model.Cluster) bool {
	for _, r := range c.Replicas {
		if r.Flags == nil || r.Flags.PeerName == nil || *r.Flags.PeerName == "" {
			return false
		}
	}
	return len(c.Replicas) > 0
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
