// Package mesh works out the shape of the gossip mesh from what each replica reports: which
// member is which replica, who sees whom, and the islands.
package mesh

import (
	"net"
	"slices"
	"sort"
	"strings"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// Build computes the peer-mesh matrix. Rows are the replicas asked (in order), columns every
// member any replica reports, replicas' own members first.
func Build(c *model.Cluster) *model.Matrix {
	m := &model.Matrix{}
	claim := claimsByKey(c)
	seen := map[string]model.Member{}
	for _, r := range c.Replicas {
		m.Rows = append(m.Rows, r.Name)
		if r.Status == nil {
			continue
		}
		for _, p := range r.Status.Peers {
			seen[Key(p)] = p
		}
	}
	for k, p := range seen {
		m.Columns = append(m.Columns, model.MatrixMember{Name: p.Name, Address: p.Address, Replica: claim[k]})
	}
	order := map[string]int{}
	for i, r := range c.Replicas {
		order[r.Name] = i
	}
	sort.Slice(m.Columns, func(i, j int) bool {
		a, b := m.Columns[i], m.Columns[j]
		if (a.Replica != "") != (b.Replica != "") {
			return a.Replica != ""
		}
		if a.Replica != b.Replica {
			return order[a.Replica] < order[b.Replica]
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Address < b.Address
	})
	for _, r := range c.Replicas {
		row := make([]model.Cell, len(m.Columns))
		sees := map[string]bool{}
		if r.Status != nil {
			for _, p := range r.Status.Peers {
				sees[Key(p)] = true
			}
		}
		self := SelfKey(&r) // once per row: it scans the peers, so per cell it made a mesh of N members N² work
		for j, col := range m.Columns {
			k := Key(model.Member{Name: col.Name, Address: col.Address})
			switch {
			case r.Status == nil:
				row[j] = model.CellUnknown
			case k == self:
				row[j] = model.CellSelf
			case sees[k]:
				row[j] = model.CellSees
			default:
				row[j] = model.CellMissing
			}
		}
		m.Cells = append(m.Cells, row)
	}
	m.Islands = Islands(c)
	return m
}

// Key identifies a member by name and address: two replicas given the same
// --cluster.peer-name are two members, not one.
func Key(m model.Member) string { return m.Name + "@" + m.Address }

// SelfKey is the key of the member a replica is: its node name at the address it lists for itself.
func SelfKey(r *model.Replica) string {
	if r.Status == nil {
		return ""
	}
	for _, p := range r.Status.Peers {
		if p.Name == r.Status.NodeName {
			return Key(p)
		}
	}
	return r.Status.NodeName + "@"
}

// Claims maps member names to the replica they are: the replica's own member, or for a
// replica that could not be asked, a member at its host (see claimsByKey). Replicas that
// share a --cluster.peer-name share a name here; Build tells them apart by address.
func Claims(c *model.Cluster) map[string]string {
	out := map[string]string{}
	for k, v := range claimsByKey(c) {
		name := k[:strings.LastIndexByte(k, '@')]
		out[name] = v
	}
	return out
}

// claimsByKey is Claims keyed by Key. A replica that answered claims its own member. One that
// did not is known by its host: its pod IP, or the hosts of its web addresses (a --url
// replica's host and the IPs it resolves to). A host that is this replica's alone gives it
// every member listed there (a pod IP is one pod's: an old incarnation is still that pod); a
// host that other replicas share (replicas on one machine, on loopback) gives each replica
// that did not answer there one member when there are no more members than such replicas, and
// none otherwise: a member too many is foreign, and which it is cannot be told.
func claimsByKey(c *model.Cluster) map[string]string {
	claim := map[string]string{}
	byHost := map[string][]string{} // replicas that did not answer, by host
	shared := map[string]int{}      // replicas by host, answered or not
	for i := range c.Replicas {
		r := &c.Replicas[i]
		hosts := replicaHosts(r)
		for _, h := range hosts {
			shared[h]++
		}
		if r.Status != nil && r.Status.NodeName != "" {
			claim[SelfKey(r)] = r.Name
			continue
		}
		for _, h := range hosts {
			byHost[h] = append(byHost[h], r.Name)
		}
	}
	if len(byHost) == 0 {
		return claim
	}
	var unclaimed []model.Member
	listed := map[string]bool{}
	for _, r := range c.Replicas {
		if r.Status == nil {
			continue
		}
		for _, p := range r.Status.Peers {
			k := Key(p)
			if _, ok := claim[k]; !ok && !listed[k] {
				listed[k] = true
				unclaimed = append(unclaimed, p)
			}
		}
	}
	sort.Slice(unclaimed, func(i, j int) bool { return Key(unclaimed[i]) < Key(unclaimed[j]) })
	atHost := map[string][]model.Member{}
	for _, p := range unclaimed {
		h := HostOf(p.Address)
		atHost[h] = append(atHost[h], p)
	}
	for h, ms := range atHost {
		names := byHost[h]
		switch {
		case len(names) == 1 && shared[h] == 1:
			for _, p := range ms {
				claim[Key(p)] = names[0]
			}
		case len(ms) <= len(names):
			// Which is which is not known, only that there are enough replicas for them.
			for i, p := range ms {
				claim[Key(p)] = names[i]
			}
		}
	}
	return claim
}

// replicaHosts are the hosts a replica that did not answer may be listed at in the mesh: its
// pod IP and the hosts of its web addresses, each once.
func replicaHosts(r *model.Replica) []string {
	var out []string
	add := func(h string) {
		if h != "" && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	if r.Pod != nil {
		add(r.Pod.IP)
	}
	for _, a := range r.WebAddresses {
		add(HostOf(a))
	}
	return out
}

// Clustered are the replicas that answered with gossip enabled.
func Clustered(c *model.Cluster) []*model.Replica {
	var out []*model.Replica
	for i := range c.Replicas {
		r := &c.Replicas[i]
		if r.Status != nil && r.Status.Cluster != "disabled" {
			out = append(out, r)
		}
	}
	return out
}

// Islands groups the clustered replicas into connected components: two replicas are
// connected when either lists the other's own member (name and address). A whole mesh is
// one island.
func Islands(c *model.Cluster) [][]string {
	rs := Clustered(c)
	byKey := map[string]int{}
	for i, r := range rs {
		byKey[SelfKey(r)] = i
	}
	var edges [][2]int
	for i, r := range rs {
		for _, p := range r.Status.Peers {
			if j, ok := byKey[Key(p)]; ok {
				edges = append(edges, [2]int{i, j})
			}
		}
	}
	comps := Components(len(rs), edges)
	out := make([][]string, len(comps))
	for k, comp := range comps {
		for _, i := range comp {
			out[k] = append(out[k], rs[i].Name)
		}
	}
	return out
}

// HostOf is the host part of host:port, or the input when it has no port.
func HostOf(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}
