package lint

import (
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/amha-dev/kubectl-amha/pkg/mesh"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// clusterInconsistentFlags: the replicas of one cluster must agree on the mesh flags.
// The positional wait is position × the replica's own --cluster.peer-timeout ("must be the same
// on all replicas"); nodes with different --cluster.label drop each other's packets, and TLS and
// plain-text nodes cannot talk (ha-facts, flags table). Only command lines have several
// workloads per cluster: those that list a common peer, or each other, are compared.
type clusterInconsistentFlags struct{}

func (clusterInconsistentFlags) ID() string { return "cluster/inconsistent-flags" }

var clusterCompared = []struct {
	flag     string
	sev      model.Severity
	symptoms []model.Symptom
	effect   string
}{
	{"cluster.label", model.Error, []model.Symptom{model.Duplicates},
		"nodes drop every packet with another label (logged at debug level only), so the replicas form one island per label and each island sends its own notifications"},
	{"cluster.tls-config", model.Error, []model.Symptom{model.Duplicates},
		"replicas with TLS gossip and replicas without it cannot talk, so they form separate islands and each island sends its own notifications"},
	{"cluster.peer-timeout", model.Warning, []model.Symptom{model.Duplicates},
		"each replica waits its position times its own peer timeout, so the stagger is not what either value promises: a replica with the shorter value sends before the log of a slower send reaches it"},
	{"cluster.probe-timeout", model.Warning, []model.Symptom{model.Flapping},
		"replicas disagree on when a peer is dead: the one with the tighter value suspects and drops peers the others keep, and positions shift with it"},
	{"cluster.probe-interval", model.Warning, []model.Symptom{model.Flapping},
		"replicas detect failures at different speeds, so their member lists and positions disagree for longer after a failure"},
	{"cluster.gossip-interval", model.Info, []model.Symptom{},
		"state spreads at different speeds from different replicas; it works, but the timing of the mesh depends on which replica sent"},
	{"cluster.pushpull-interval", model.Info, []model.Symptom{},
		"full state syncs run at different rates; it works, but repair after lost gossip depends on which replica starts it"},
}

func (c clusterInconsistentFlags) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, group := range clusterCommandGroups(s) {
		for _, cf := range clusterCompared {
			values := map[string][]*Workload{}
			for _, w := range group {
				v := clusterFlagValue(w, cf.flag)
				values[v] = append(values[v], w)
			}
			if len(values) < 2 {
				continue
			}
			f := model.Finding{ID: c.ID(), Severity: cf.sev, Symptoms: cf.symptoms}
			var parts []string
			for _, w := range group {
				v := clusterFlagValue(w, cf.flag)
				f.Objects = append(f.Objects, w.ID())
				f.Locations = append(f.Locations, clusterArgLoc(w, w.Arg(cf.flag)))
				f.Details = append(f.Details, fmt.Sprintf("%s: %s", w.ID(), v))
			}
			keys := make([]string, 0, len(values))
			for v := range values {
				keys = append(keys, v)
			}
			sort.Strings(keys)
			for _, v := range keys {
				var names []string
				for _, w := range values[v] {
					names = append(names, w.Name)
				}
				parts = append(parts, fmt.Sprintf("%s on %s", v, strings.Join(names, ", ")))
			}
			f.Message = fmt.Sprintf("The flag --%s differs between the replicas of one cluster (%s): %s.", cf.flag, strings.Join(parts, "; "), cf.effect)
			f.Fix = fmt.Sprintf("Give every replica of the cluster the same --%s (and restart them together if it is the label or TLS, which split the mesh while they differ).", cf.flag)
			out = append(out, f)
		}
	}
	return out
}

// clusterFlagValue is the effective value of a compared flag, printed.
func clusterFlagValue(w *Workload, flag string) string {
	switch flag {
	case "cluster.label":
		if a := w.Arg(flag); a != nil && a.Value != "" {
			return a.Value
		}
		return "no label"
	case "cluster.tls-config":
		// Only on or off matters: each host may keep its file elsewhere.
		if a := w.Arg(flag); a != nil && a.Value != "" {
			return "TLS gossip"
		}
		return "plain gossip"
	}
	d, a, ok := clusterDur(w, flag)
	switch {
	case !ok:
		return a.Value
	case a == nil:
		return d.String() + " (default)"
	}
	return d.String()
}

// clusterCommandGroups are the command lines that belong together: those that share a
// --cluster.peer or list each other's address, whatever their label.
func clusterCommandGroups(s *Set) [][]*Workload {
	var ws []*Workload
	for _, w := range s.Workloads {
		if w.Kind == "Command" && w.Clustered() {
			ws = append(ws, w)
		}
	}
	addrs := make([]map[string]bool, len(ws))
	for i, w := range ws {
		addrs[i] = clusterOwnAddrs(w)
	}
	var edges [][2]int
	for i := range ws {
		for j := i + 1; j < len(ws); j++ {
			if clusterLinked(ws[i], ws[j], addrs[i], addrs[j]) {
				edges = append(edges, [2]int{i, j})
			}
		}
	}
	var out [][]*Workload
	for _, comp := range mesh.Components(len(ws), edges) {
		if len(comp) < 2 {
			continue
		}
		group := make([]*Workload, len(comp))
		for k, i := range comp {
			group[k] = ws[i]
		}
		out = append(out, group)
	}
	return out
}

// clusterOwnAddrs are the host:port forms other replicas may use for w.
func clusterOwnAddrs(w *Workload) map[string]bool {
	out := map[string]bool{}
	port := "9094"
	for _, flag := range []string{"cluster.listen-address", "cluster.advertise-address"} {
		a := w.Arg(flag)
		if a == nil {
			continue
		}
		h, p, err := net.SplitHostPort(a.Value)
		if err != nil {
			continue
		}
		port = p
		if h != "" && h != "0.0.0.0" && h != "::" {
			out[net.JoinHostPort(h, p)] = true
		}
	}
	if w.At.Object == "compose service "+w.Name {
		out[net.JoinHostPort(w.Name, port)] = true
	}
	return out
}

func clusterLinked(a, b *Workload, addrA, addrB map[string]bool) bool {
	pa, pb := map[string]bool{}, map[string]bool{}
	for _, p := range a.Flags.Peers {
		pa[p] = true
	}
	for _, p := range b.Flags.Peers {
		pb[p] = true
		if pa[p] || addrA[p] {
			return true
		}
	}
	for p := range pa {
		if addrB[p] {
			return true
		}
	}
	return false
}
