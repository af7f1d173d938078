// Package mesh works out the shape of the gossip mesh from what each replica reports: which
// member is which replica, who sees whom, and the islands.
package mesh

import (
	"net"
	"sort"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// Build computes the peer-mesh matrix. Rows are the replicas asked (in order), columns every
// member any replica reports, replicas' own members first.
func Build(c *model.Cluster) *model.Matrix {
	m := &model.Matrix{}
	claim := Claims(c)
	seen := map[string]model.Member{}
	for _, r := range c.Replicas {
		m.Rows = append(m.Rows, r.Name)
		if r.Status == nil {
			continue
		}
		for _, p := range r.Status.Peers {
			seen[p.Name] = p
		}
	}
	for name, p := range seen {
		m.Columns = append(m.Columns, model.MatrixMember{Name: name, Address: p.Address, Replica: claim[name]})
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
		return a.Name < b.Name
	})
	for _, r := range c.Replicas {
		row := make([]model.Cell, len(m.Columns))
		sees := map[string]bool{}
		if r.Status != nil {
			for _, p := range r.Status.Peers {
				sees[p.Name] = true
			}
		}
		for j, col := range m.Columns {
			switch {
			case r.Status == nil:
				row[j] = model.CellUnknown
			case col.Name == r.Status.NodeName:
				row[j] = model.CellSelf
			case sees[col.Name]:
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

// Claims maps member names to the replica they are: the replica's own node name, or for a
// replica that could not be asked, a member whose address is that pod's IP.
func Claims(c *model.Cluster) map[string]string {
	claim := map[string]string{}
	byIP := map[string]string{}
	for _, r := range c.Replicas {
		if r.Status != nil && r.Status.NodeName != "" {
			claim[r.Status.NodeName] = r.Name
		} else if r.Pod != nil && r.Pod.IP != "" {
			byIP[r.Pod.IP] = r.Name
		}
	}
	for _, r := range c.Replicas {
		if r.Status == nil {
			continue
		}
		for _, p := range r.Status.Peers {
			if _, ok := claim[p.Name]; ok {
				continue
			}
			if name, ok := byIP[HostOf(p.Address)]; ok {
				claim[p.Name] = name
			}
		}
	}
	return claim
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
// connected when either lists the other as a member. A whole mesh is one island.
func Islands(c *model.Cluster) [][]string {
	rs := Clustered(c)
	byNode := map[string]int{}
	for i, r := range rs {
		byNode[r.Status.NodeName] = i
	}
	parent := make([]int, len(rs))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		if parent[i] != i {
			parent[i] = find(parent[i])
		}
		return parent[i]
	}
	for i, r := range rs {
		for _, p := range r.Status.Peers {
			if j, ok := byNode[p.Name]; ok {
				parent[find(i)] = find(j)
			}
		}
	}
	groups := map[int][]string{}
	var roots []int
	for i, r := range rs {
		root := find(i)
		if _, ok := groups[root]; !ok {
			roots = append(roots, root)
		}
		groups[root] = append(groups[root], r.Name)
	}
	out := make([][]string, 0, len(roots))
	for _, root := range roots {
		out = append(out, groups[root])
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
