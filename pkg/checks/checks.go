// Package checks turns a collected cluster into findings. One check per file, named
// <area>_<name>.go after its id "<area>/<name>", indexed in pkg/findings with its page
// docs/checks/<area>/<name>.md. Checks are listed explicitly in All.
package checks

import (
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/mesh"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// Check looks at a cluster and reports what is wrong with it.
type Check interface {
	ID() string
	Run(c *model.Cluster, o Options) []model.Finding
}

// Options tune the checks.
type Options struct {
	// Now is the time the snapshot was taken.
	Now time.Time
	// AlertGrace ignores alerts updated this recently when comparing replicas' alert sets:
	// Prometheus' sends to each replica are not simultaneous.
	AlertGrace time.Duration
}

// All is every status check, in the order they are documented.
func All() []Check {
	return []Check{
		meshUnreachable{},
		meshDisabled{},
		meshSettling{},
		meshIsland{},
		meshMissingPeer{},
		meshForeignPeer{},
		meshPosition{},
		meshConfigDrift{},
		meshVersionSkew{},
		meshAlertsDiverge{},
		meshSilencesDiverge{},
		meshFailedPeers{},
		meshNotifyFailing{},
		meshSlowReceiver{},
		meshDrillLeftover{},
		meshSlowGossip{},
		prometheusNotAllReplicas{},
		prometheusLoadBalancer{},
		prometheusMeshPort{},
	}
}

// Analyze builds the matrix and runs every check, most severe findings first.
func Analyze(c *model.Cluster, o Options) {
	if o.Now.IsZero() {
		o.Now = c.CollectedAt
	}
	c.Matrix = mesh.Build(c)
	c.Findings = nil
	noteDrillAlerts(c)
	for _, ch := range All() {
		c.Findings = append(c.Findings, ch.Run(c, o)...)
	}
	markDrillCaused(c)
	model.SortFindings(c.Findings)
}

func peerTimeout(c *model.Cluster) time.Duration {
	if c.PeerTimeout > 0 {
		return c.PeerTimeout.D()
	}
	return model.DefaultPeerTimeout
}

func names(rs []*model.Replica) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}

func answered(c *model.Cluster) []*model.Replica {
	var out []*model.Replica
	for i := range c.Replicas {
		if c.Replicas[i].Status != nil {
			out = append(out, &c.Replicas[i])
		}
	}
	return out
}
