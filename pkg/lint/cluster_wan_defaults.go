package lint

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// clusterWANDefaults: Alertmanager builds memberlist from DefaultLANConfig (cluster.Create)
// with probe-timeout 500ms and probe-interval 1s; the probe timeout "should cover the p99 RTT"
// (ha-facts, flags table; issue 1618, gossip tuned for LAN only). memberlist's own WAN profile
// (DefaultWANConfig) uses probe-timeout 3s, probe-interval 5s, tcp-timeout 30s.
type clusterWANDefaults struct{}

func (clusterWANDefaults) ID() string { return "cluster/wan-defaults" }

var clusterRegionKeys = map[string]bool{
	"topology.kubernetes.io/region":            true,
	"failure-domain.beta.kubernetes.io/region": true,
}

var clusterWANValues = []struct {
	flag string
	lan  time.Duration
	wan  string
}{
	{"cluster.probe-timeout", 500 * time.Millisecond, "3s"},
	{"cluster.probe-interval", time.Second, "5s"},
	{"cluster.tcp-timeout", 10 * time.Second, "30s"},
}

func (c clusterWANDefaults) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, cl := range s.Clusters() {
		if !clusterMeshOn(cl) {
			continue
		}
		for _, w := range cl.Workloads {
			if !w.Clustered() {
				continue
			}
			why, at := clusterAcrossRegions(w)
			if why == "" && w.Kind == "Command" {
				why, at = clusterCommandDomains(w)
			}
			if why == "" {
				continue
			}
			var lan, sets []string
			first := Location{}
			for _, v := range clusterWANValues {
				d, a, ok := clusterDur(w, v.flag)
				if !ok || d > v.lan {
					continue
				}
				if first == (Location{}) {
					first = clusterArgLoc(w, a)
				}
				lan = append(lan, fmt.Sprintf("--%s %s", v.flag, d))
				sets = append(sets, v.flag, v.wan)
			}
			// The probe settings decide failure detection; a raised probe timeout means
			// someone tuned it already.
			if pt, _, _ := clusterDur(w, "cluster.probe-timeout"); pt > 500*time.Millisecond || len(lan) == 0 {
				continue
			}
			out = append(out, model.Finding{
				ID: c.ID(), Severity: model.Warning, Symptoms: []model.Symptom{model.Flapping, model.Duplicates},
				Objects: []string{w.ID()},
				Message: fmt.Sprintf("%s runs in a mesh spread across regions (%s) with the mesh's LAN settings: %s. A probe must be answered within the probe timeout; "+
					"across regions (round trips of tens to hundreds of milliseconds, with loss) healthy replicas miss it, are suspected, declared dead and rejoin. "+
					"Member lists and positions flap, and while a replica is out of the others' view both sides notify (duplicates).", clusterCap(w.ID()), why, strings.Join(lan, ", ")),
				Fix: fmt.Sprintf("Use memberlist's WAN values: %s, and make the probe timeout cover the p99 round trip between the regions. "+
					"Keep --cluster.gossip-interval at 200ms and the peer timeout well above the cross-region gossip delay: the notification log must reach the next replica before its wait ends.",
					clusterSetAll(w, sets...)),
				Locations: []Location{first, at},
			})
		}
	}
	return out
}

// clusterAcrossRegions finds a Kubernetes workload spread over regions: a topology spread
// constraint or pod anti-affinity on the region key, or a node affinity requiring nodes in
// several regions. It also counts peers outside this Kubernetes cluster (additional peers).
func clusterAcrossRegions(w *Workload) (string, Location) {
	ps := w.PodSpec
	for _, t := range ps.Get("topologySpreadConstraints").Items() {
		if k := t.Get("topologyKey"); clusterRegionKeys[k.String()] {
			return "topologySpreadConstraints over " + k.String(), k.Loc()
		}
	}
	anti := ps.Get("affinity", "podAntiAffinity")
	for _, t := range anti.Get("requiredDuringSchedulingIgnoredDuringExecution").Items() {
		if k := t.Get("topologyKey"); clusterRegionKeys[k.String()] {
			return "pod anti-affinity over " + k.String(), k.Loc()
		}
	}
	for _, t := range anti.Get("preferredDuringSchedulingIgnoredDuringExecution").Items() {
		if k := t.Get("podAffinityTerm", "topologyKey"); clusterRegionKeys[k.String()] {
			return "pod anti-affinity over " + k.String(), k.Loc()
		}
	}
	for _, term := range ps.Get("affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms").Items() {
		for _, e := range term.Get("matchExpressions").Items() {
			if clusterRegionKeys[e.Get("key").String()] && e.Get("operator").String() == "In" && len(e.Get("values").Items()) > 1 {
				return "node affinity over the regions " + strings.Join(e.Get("values").Strings(), ", "), e.Get("values").Loc()
			}
		}
	}
	if w.Kind == "Command" {
		return "", Location{}
	}
	local, external := false, map[string]bool{}
	var firstExternal Node
	for _, p := range clusterPeers(w) {
		host, _, err := net.SplitHostPort(p.Value)
		if err != nil || net.ParseIP(host) != nil || strings.Contains(host, "$") {
			continue
		}
		labels := strings.Split(strings.TrimSuffix(host, "."), ".")
		if len(labels) <= 3 || clusterHasLabel(labels, "svc") {
			local = true
			continue
		}
		if len(external) == 0 {
			firstExternal = p.At
		}
		external[strings.Join(labels[1:], ".")] = true
	}
	if len(external) > 1 || (local && len(external) == 1) {
		return "peers outside this Kubernetes cluster, e.g. " + firstExternal.String(), firstExternal.Loc()
	}
	return "", Location{}
}

// clusterCommandDomains: command lines whose peers are in two or more DNS domains.
func clusterCommandDomains(w *Workload) (string, Location) {
	domains := map[string]Node{}
	var order []string
	for _, a := range w.ArgsNamed("cluster.peer") {
		host, _, err := net.SplitHostPort(a.Value)
		if err != nil || net.ParseIP(host) != nil || strings.Contains(host, "$") {
			continue
		}
		labels := strings.Split(strings.TrimSuffix(host, "."), ".")
		if len(labels) < 3 {
			continue // a bare or two-label name says nothing about where it is
		}
		d := strings.Join(labels[1:], ".")
		if _, ok := domains[d]; !ok {
			domains[d] = a.At
			order = append(order, d)
		}
	}
	if len(order) < 2 {
		return "", Location{}
	}
	return "peers in the DNS domains " + strings.Join(order, ", "), domains[order[1]].Loc()
}

func clusterHasLabel(labels []string, l string) bool {
	for _, x := range labels {
		if x == l {
			return true
		}
	}
	return false
}
