package lint

import (
	"fmt"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// clusterZeroInterval: from 0.34 Alertmanager refuses to start when clustering is on and any
// cluster interval or timeout except --cluster.settle-timeout is zero or negative
// (app/options.go validate: "Options.X must be positive when clustering is enabled"). Older
// versions accept it, with the effects below (memberlist skips a ticker whose interval is 0;
// cluster/cluster.go skips reconnecting and forgetting at 0; resolvePeers keeps a name whose
// lookup fails, "Assume direct address", and memberlist's Join resolves it).
type clusterZeroInterval struct{}

func (clusterZeroInterval) ID() string { return "cluster/zero-interval" }

// clusterZeroFlags are the flags 0.34 validates, with the Options field its error names and
// what a zero did before 0.34.
var clusterZeroFlags = []struct{ flag, option, before string }{
	{"cluster.peer-timeout", "PeerTimeout", "no replica waits for another: all of them send every notification at the same moment"},
	{"cluster.peers-resolve-timeout", "PeersResolveTimeout", "its own lookup of each peer name fails at once and it passes the name on unresolved. " +
		"The joins still work, since memberlist resolves the name itself when it joins, but the 15s re-resolution never matches the name to a member's address, " +
		"so every replica joins every peer name again every 15s (a full state push/pull each time, counted in alertmanager_cluster_refresh_join_total)"},
	{"cluster.gossip-interval", "GossipInterval", "gossip is off: the notification log and silences travel only with probes and the push/pull, seconds to a minute late"},
	{"cluster.pushpull-interval", "PushPullInterval", "the periodic full state sync is off: state that gossip lost is never repaired"},
	{"cluster.tcp-timeout", "TCPTimeout", "every stream connection (join, push/pull) hits its deadline at once"},
	{"cluster.probe-timeout", "ProbeTimeout", "probes time out at once, so live peers are suspected and declared dead over and over"},
	{"cluster.probe-interval", "ProbeInterval", "peers are never probed, so a dead replica is never noticed and keeps its place in the positions"},
	{"cluster.reconnect-interval", "ReconnectInterval", "failed peers are never re-joined"},
	{"cluster.reconnect-timeout", "PeerReconnectTimeout", "failed peers are never forgotten"},
}

func (c clusterZeroInterval) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, w := range s.Workloads {
		if !w.Clustered() {
			continue
		}
		atLeast, known := versionAtLeast(w.Version, 0, 34)
		for _, z := range clusterZeroFlags {
			a := w.Arg(z.flag)
			if a == nil {
				continue
			}
			d, err := time.ParseDuration(a.Value)
			if err != nil || d > 0 {
				continue
			}
			def := clusterDefaults[z.flag]
			remove := "flag"
			if a.Generated {
				remove = "field"
			}
			f := model.Finding{
				ID: c.ID(), Objects: []string{w.ID()}, Locations: []Location{a.At.Loc()},
				Fix: fmt.Sprintf("Give it a positive value, e.g. the default: %s (or remove the %s).", clusterSet(w, z.flag, clusterHuman(def)), remove),
			}
			version := "its version is not known"
			if known {
				version = "it runs " + w.Version
			}
			if !known || atLeast {
				f.Severity, f.Symptoms = model.Error, []model.Symptom{model.Missed}
				f.Message = fmt.Sprintf("The value of --%s=%s is not positive: from Alertmanager 0.34 a zero or negative cluster interval is refused at start (\"Options.%s must be positive when clustering is enabled\"), "+
					"and %s, so %s, and the notifications %s would send are missed.", z.flag, a.Value, z.option, version, clusterExits(w), clusterPronoun(w))
			} else {
				f.Severity, f.Symptoms = model.Warning, []model.Symptom{model.Duplicates}
				switch z.flag {
				case "cluster.peer-timeout":
					f.Severity = model.Error
				case "cluster.peers-resolve-timeout":
					f.Symptoms = []model.Symptom{} // the joins still work: only the upgrade hurts
				}
				f.Message = fmt.Sprintf("Alertmanager %s accepts --%s=%s: %s. From 0.34 Alertmanager refuses to start with it (\"Options.%s must be positive when clustering is enabled\"), "+
					"so upgrading with this flag takes the replicas down.", w.Version, z.flag, a.Value, z.before, z.option)
			}
			out = append(out, f)
		}
	}
	return out
}

func clusterExits(w *Workload) string {
	if w.Replicas > 1 {
		return fmt.Sprintf("its %d replicas exit at start", w.Replicas)
	}
	return "it exits at start"
}

func clusterPronoun(w *Workload) string {
	if w.Replicas > 1 {
		return "they"
	}
	return "it"
}
