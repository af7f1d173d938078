package lint

import (
	"fmt"
	"net"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// clusterListenHostname: a hostname in --cluster.listen-address only logs a warning
// ("failed to parse bind addr"); memberlist then binds every interface, and without
// --cluster.advertise-address it advertises the listener's address, the unroutable [::]
// (ha-facts, flags table; memberlist NetTransport.FinalAdvertiseAddr).
type clusterListenHostname struct{}

func (clusterListenHostname) ID() string { return "cluster/listen-hostname" }

func (c clusterListenHostname) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, w := range s.Workloads {
		a := w.Arg("cluster.listen-address")
		if a == nil || a.Value == "" {
			continue
		}
		kind, host, why := clusterHostKind(w, a.Value)
		if kind != hostName {
			continue
		}
		what := host
		if why != "" {
			what += " (" + why + ")"
		}
		_, port, _ := net.SplitHostPort(a.Value)
		f := model.Finding{
			ID: c.ID(), Objects: []string{w.ID()}, Locations: []Location{a.At.Loc()},
		}
		adv := w.Arg("cluster.advertise-address")
		advKind := hostEmpty
		if adv != nil && adv.Value != "" {
			advKind, _, _ = clusterHostKind(w, adv.Value)
		}
		fixIP := "[$(POD_IP)]:" + port + " (POD_IP from the downward API, fieldPath: status.podIP)"
		if w.Kind == "Command" {
			fixIP = "<this machine's IP>:" + port + ", or 0.0.0.0:" + port + " to listen everywhere on purpose"
		}
		if advKind == hostIP || advKind == hostUnknown {
			f.Severity, f.Symptoms = model.Warning, []model.Symptom{model.Insecure}
			f.Message = fmt.Sprintf("The host %s of --cluster.listen-address=%s is not an IP address. Alertmanager only logs a warning and the mesh binds every interface on port %s, "+
				"so the gossip port, which has no authentication, is open on all of this host's networks, not only the one named.", what, a.Value, port)
			f.Fix = "Listen on an IP address: --cluster.listen-address=" + fixIP + "."
		} else {
			f.Severity, f.Symptoms = model.Error, []model.Symptom{model.Duplicates}
			f.Message = fmt.Sprintf("The host %s of --cluster.listen-address=%s is not an IP address. Alertmanager only logs a warning, binds every interface and, without --cluster.advertise-address, "+
				"advertises the unroutable [::]:%s. The other replicas cannot reach %s: it drifts out of the mesh as an island and notifications are sent once per island.", what, a.Value, port, clusterThisWhat(w))
			f.Fix = "Listen on an IP address: --cluster.listen-address=" + fixIP + ", or keep the listener and add --cluster.advertise-address with this replica's IP."
		}
		out = append(out, f)
	}
	return out
}

func clusterThisWhat(w *Workload) string {
	if w.Replicas > 1 {
		return "these replicas"
	}
	return "this replica"
}
