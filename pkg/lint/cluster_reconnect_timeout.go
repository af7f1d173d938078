package lint

import (
	"fmt"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// clusterReconnectTimeout: failed peers are re-joined every --cluster.reconnect-interval until
// --cluster.reconnect-timeout (6h) has passed (cluster/cluster.go reconnect, removeFailedPeers).
// On Kubernetes every restarted pod leaves its old IP behind, and pod IPs are reused:
// prometheus-operator sets 5m for that reason (ha-facts, flags table).
type clusterReconnectTimeout struct{}

func (clusterReconnectTimeout) ID() string { return "cluster/reconnect-timeout" }

func (c clusterReconnectTimeout) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, cl := range s.Clusters() {
		if !clusterMeshOn(cl) {
			continue
		}
		for _, w := range cl.Workloads {
			if w.Kind == "Command" || !w.Clustered() {
				continue
			}
			d, a, ok := clusterDur(w, "cluster.reconnect-timeout")
			if !ok || d < clusterDefaults["cluster.reconnect-timeout"] {
				continue
			}
			value := "left at the default 6h"
			if a != nil {
				value = "set to " + d.String()
			}
			f := model.Finding{
				ID: c.ID(), Severity: model.Warning, Symptoms: []model.Symptom{model.Missed, model.Delayed},
				Objects: []string{w.ID()},
				Message: fmt.Sprintf("The reconnect timeout, --cluster.reconnect-timeout, is %s: every replica keeps re-joining the old IP of each pod that restarted, every %s for %s. "+
					"Pod IPs are reused; when one goes to a pod of another Alertmanager cluster, the join succeeds and the clusters merge: they share "+
					"silences (missed) and their members lengthen the waits (delayed) (issues 2250, 1835).", value, clusterReconnectInterval(w), clusterHuman(d)),
				Fix:       fmt.Sprintf("Forget gone pods after minutes, as prometheus-operator does: %s.", clusterSet(w, "cluster.reconnect-timeout", "5m")),
				Locations: []Location{clusterArgLoc(w, a)},
			}
			if l := w.Arg("cluster.label"); l != nil && l.Value != "" {
				f.Severity, f.Symptoms = model.Info, []model.Symptom{}
				f.Message = fmt.Sprintf("The reconnect timeout, --cluster.reconnect-timeout, is %s: every replica keeps re-joining the old IP of each pod that restarted, every %s for %s. "+
					"The label --cluster.label=%s keeps a foreign Alertmanager that gets such an IP out, so this only fills alertmanager_cluster_failed_peers and the logs.",
					value, clusterReconnectInterval(w), clusterHuman(d), l.Value)
			}
			out = append(out, f)
		}
	}
	return out
}

func clusterReconnectInterval(w *Workload) string {
	d, _, _ := clusterDur(w, "cluster.reconnect-interval")
	return d.String()
}

// clusterHuman prints whole hours and minutes without trailing zero units ("6h", "90m").
func clusterHuman(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
