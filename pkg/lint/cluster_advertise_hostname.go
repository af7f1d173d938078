package lint

import (
	"fmt"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// clusterAdvertiseHostname: memberlist takes the advertise address as an IP only
// (memberlist NetTransport.FinalAdvertiseAddr: "failed to parse advertise address"), so a
// hostname there stops Alertmanager at start (ha-facts: "must be IP:port; a hostname is fatal
// at start"). A value that is not host:port fails even earlier (cluster.Create).
type clusterAdvertiseHostname struct{}

func (clusterAdvertiseHostname) ID() string { return "cluster/advertise-hostname" }

func (c clusterAdvertiseHostname) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, w := range s.Workloads {
		a := w.Arg("cluster.advertise-address")
		if a == nil || a.Value == "" || !w.Clustered() {
			continue
		}
		kind, host, why := clusterHostKind(w, a.Value)
		var what string
		switch kind {
		case hostName:
			what = fmt.Sprintf("its host %s is not an IP address", host)
			if why != "" {
				what += " (" + why + ")"
			}
		case hostUnparsed:
			what = "it is not host:port (" + why + ")"
		default:
			continue
		}
		port := k8sMeshPort(w)
		fix := "Advertise the IP the other replicas reach: " + clusterSet(w, "cluster.advertise-address", fmt.Sprintf("[$(POD_IP)]:%d", port)) + " with POD_IP from the downward API (fieldPath: status.podIP), or drop the flag to let Alertmanager find the private IP itself."
		if w.Kind == "Command" {
			fix = fmt.Sprintf("Advertise this machine's IP address that the other replicas reach, e.g. --cluster.advertise-address=10.0.0.11:%d, or drop the flag to let Alertmanager find the private IP itself.", port)
		} else if w.Kind == "Alertmanager" && a.Generated {
			fix = "Set spec.clusterAdvertiseAddress to an IP:port, or remove it: prometheus-operator already listens on [$(POD_IP)]:9094 and the pod IP is advertised."
		}
		out = append(out, model.Finding{
			ID: c.ID(), Severity: model.Error, Symptoms: []model.Symptom{model.Missed},
			Objects: []string{w.ID()},
			Message: fmt.Sprintf("Alertmanager cannot advertise --cluster.advertise-address=%s: %s. The mesh accepts only an IP here, so Alertmanager exits at start (\"failed to parse advertise address\"): "+
				"%s.", a.Value, what, clusterRunningWhat(w)),
			Fix:       fix,
			Locations: []Location{a.At.Loc()},
		})
	}
	return out
}

// clusterRunningWhat names the processes of a workload for messages.
func clusterRunningWhat(w *Workload) string {
	if w.Replicas == 1 {
		return "this replica never runs, and every notification it would send is missed"
	}
	return fmt.Sprintf("its %d replicas never run, and every notification they would send is missed", w.Replicas)
}
