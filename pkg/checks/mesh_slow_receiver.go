package checks

import (
	"fmt"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

type meshSlowReceiver struct{}

// maxLatencyBucket is the largest finite bucket of alertmanager_notification_latency_seconds:
// a p99 there only says "at least".
const maxLatencyBucket = 20 * time.Second

func (meshSlowReceiver) ID() string { return "mesh/slow-receiver" }

// Run compares each integration's p99 notification latency with the peer timeout. The log
// entry is written after the send returns: a send slower than peer-timeout lets the next
// replica's wait end first, and it sends again.
func (meshSlowReceiver) Run(c *model.Cluster, _ Options) []model.Finding {
	pt := peerTimeout(c)
	n := max(len(c.Replicas), c.DesiredReplicas)
	if n < 2 {
		return nil // one replica: nobody else to send a duplicate
	}
	var out []model.Finding
	for _, r := range answered(c) {
		if r.Metrics == nil {
			continue
		}
		for _, in := range r.Metrics.Integrations {
			if in.LatencyP99 == nil {
				continue
			}
			l := in.LatencyP99.D()
			sev := model.Info
			switch {
			case l >= pt:
				sev = model.Error
			case l >= pt*8/10:
				sev = model.Warning
			default:
				continue
			}
			consequence := "close to the point where the next replica's wait ends first and it sends too"
			if extra := min(n-1, int(l/pt)); extra > 0 {
				consequence = fmt.Sprintf("the next replica's wait ends first and it sends too: up to %d extra notifications at this latency", extra)
			}
			latency := l.Round(10 * time.Millisecond).String()
			if l >= maxLatencyBucket {
				latency = "at least " + latency + " (the histogram's largest bucket)"
			}
			out = append(out, model.Finding{
				ID: "mesh/slow-receiver", Severity: sev, Symptoms: []model.Symptom{model.Duplicates},
				Objects: []string{r.Name, "integration " + in.Name},
				Message: fmt.Sprintf("The p99 latency of %s notifications from %s (failed attempts included) is %s against a peer "+
					"timeout of %s. The notification log is written after the send returns: %s.",
					in.Name, r.Name, latency, pt, consequence),
				Fix: fmt.Sprintf("Make the receiver answer faster, or raise --cluster.peer-timeout above its worst latency (on every "+
					"replica: it is only used for the wait) at the cost of a failover that takes position x peer-timeout. With %d "+
					"replicas, the last one waits %s.", n, time.Duration(n-1)*pt),
			})
		}
	}
	return out
}
