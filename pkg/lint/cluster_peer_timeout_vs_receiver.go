package lint

import (
	"fmt"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// clusterPeerTimeoutVsReceiver: the notification log entry is written only after a send
// returns, so a send slower than --cluster.peer-timeout lets the next replica's wait end first
// and it sends too (ha-facts, failure table: "receiver slower than peer-timeout", confirmed with
// peer-timeout 3s and a 5s webhook). A receiver timeout above the peer timeout allows exactly
// such sends. The integrations with a timeout field in Alertmanager v0.34 are webhook, slack,
// pagerduty and incidentio (config/notifiers.go, notify/*/config.go).
type clusterPeerTimeoutVsReceiver struct{}

func (clusterPeerTimeoutVsReceiver) ID() string { return "cluster/peer-timeout-vs-receiver" }

var clusterTimeoutIntegrations = []string{"webhook_configs", "slack_configs", "pagerduty_configs", "incidentio_configs"}

func (c clusterPeerTimeoutVsReceiver) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, cl := range s.Clusters() {
		if !clusterMeshOn(cl) {
			continue
		}
		n := cl.Replicas()
		pt, ptArg, w := clusterMinPeerTimeout(cl)
		for _, cfg := range clusterAMConfigs(s, cl) {
			for _, r := range cfg.Root.Get("receivers").Items() {
				for _, kind := range clusterTimeoutIntegrations {
					for i, ic := range r.Get(kind).Items() {
						tn := ic.Get("timeout")
						t, err := time.ParseDuration(tn.String())
						if err != nil || t <= pt {
							continue
						}
						copies := min(n, 1+int(t/pt))
						f := model.Finding{
							ID: c.ID(), Severity: model.Warning, Symptoms: []model.Symptom{model.Duplicates},
							Objects: []string{cfg.Name, fmt.Sprintf("receiver %q", r.Get("name").String())},
							Message: fmt.Sprintf("The %s[%d] of receiver %q lets a send take up to %s (timeout: %s), longer than the cluster's peer timeout of %s. "+
								"The notification log is written only after a send returns: a send slower than %s lets the next replica's wait end first, and it sends too, "+
								"up to %d notifications for one with %d replicas.", kind, i, r.Get("name").String(), t, tn.String(), pt, pt, copies, n),
							Fix: fmt.Sprintf("Raise the peer timeout above the receiver's timeout on every replica, e.g. %s (failover then takes up to %s for the last of %d replicas), "+
								"or, if the receiver is normally fast, lower timeout below %s so a hung send is cut off and retried before the next replica's turn.",
								clusterSet(w, "cluster.peer-timeout", (t+5*time.Second).String()), time.Duration(n-1)*(t+5*time.Second), n, pt),
							Locations: []Location{tn.Loc(), clusterArgLoc(w, ptArg)},
						}
						out = append(out, f)
					}
				}
			}
		}
	}
	return out
}

// clusterMinPeerTimeout is the smallest peer timeout among the cluster's workloads (the one
// that makes duplicates first), with where it is set and its workload.
func clusterMinPeerTimeout(cl *Cluster) (time.Duration, *Arg, *Workload) {
	var best time.Duration
	var arg *Arg
	var bw *Workload
	for _, w := range cl.Workloads {
		d, a, ok := clusterDur(w, "cluster.peer-timeout")
		if ok && d > 0 && (bw == nil || d < best) {
			best, arg, bw = d, a, w
		}
	}
	if bw == nil {
		return clusterDefaults["cluster.peer-timeout"], nil, cl.Workloads[0]
	}
	return best, arg, bw
}
