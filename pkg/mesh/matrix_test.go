package mesh_test

import (
	"fmt"
	"reflect"
	"sort"
	"testing"

	"github.com/amha-dev/kubectl-amha/pkg/mesh"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// node is replica i's memberlist name, a ULID as Alertmanager makes at start.
func node(i int) string { return fmt.Sprintf("01JDQ7ZK5W0000000000000%03d", i) }

func addr(i int) string { return fmt.Sprintf("10.42.0.%d:9094", 10+i) }

func member(i int) model.Member { return model.Member{Name: node(i), Address: addr(i)} }

func sees(idx ...int) []model.Member {
	var out []model.Member
	for _, i := range idx {
		out = append(out, member(i))
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

// rep is replica i on its pod, answering with the given view.
func rep(i int, view ...int) model.Replica {
	return model.Replica{
		Name:   fmt.Sprintf("am-%d", i),
		Pod:    &model.Pod{Phase: "Running", Ready: true, IP: fmt.Sprintf("10.42.0.%d", 10+i)},
		Status: &model.Status{Cluster: "ready", NodeName: node(i), Peers: sees(view...)},
	}
}

func down(i int) model.Replica {
	r := rep(i)
	r.Status, r.Error = nil, "status: connection refused"
	return r
}

func disabled(i int) model.Replica {
	r := rep(i)
	r.Status = &model.Status{Cluster: "disabled"}
	return r
}

// urlRep is r given by --url: no pod, known by its web addresses.
func urlRep(r model.Replica, web ...string) model.Replica {
	r.Pod, r.WebAddresses = nil, web
	return r
}

// onHost puts every replica given by --url on 127.0.0.1, replica i's mesh port 9100+i.
func onHost(rs ...model.Replica) []model.Replica {
	for i := range rs {
		rs[i] = urlRep(rs[i], fmt.Sprintf("127.0.0.1:%d", 9000+i))
		if rs[i].Status == nil {
			continue
		}
		for j, p := range rs[i].Status.Peers {
			var k int
			if _, err := fmt.Sscanf(p.Address, "10.42.0.%d:9094", &k); err == nil {
				rs[i].Status.Peers[j].Address = fmt.Sprintf("127.0.0.1:%d", 9100+k-10)
			}
		}
	}
	return rs
}

func col(i int, replica string) model.MatrixMember {
	return model.MatrixMember{Name: node(i), Address: addr(i), Replica: replica}
}

const (
	S = model.CellSelf
	Y = model.CellSees
	N = model.CellMissing
	U = model.CellUnknown
)

func TestBuild(t *testing.T) {
	foreign := model.Member{Name: "01AAAAAAAAAAAAAAAAAAAAAAAA", Address: "10.42.9.9:9094"}
	for _, tc := range []struct {
		name     string
		replicas []model.Replica
		want     model.Matrix
	}{
		{
			name:     "whole mesh",
			replicas: []model.Replica{rep(0, 0, 1, 2), rep(1, 0, 1, 2), rep(2, 0, 1, 2)},
			want: model.Matrix{
				Rows:    []string{"am-0", "am-1", "am-2"},
				Columns: []model.MatrixMember{col(0, "am-0"), col(1, "am-1"), col(2, "am-2")},
				Cells:   [][]model.Cell{{S, Y, Y}, {Y, S, Y}, {Y, Y, S}},
				Islands: [][]string{{"am-0", "am-1", "am-2"}},
			},
		},
		{
			name:     "columns follow the replicas' order, not the member names",
			replicas: []model.Replica{rep(2, 0, 1, 2), rep(0, 0, 1, 2), rep(1, 0, 1, 2)},
			want: model.Matrix{
				Rows:    []string{"am-2", "am-0", "am-1"},
				Columns: []model.MatrixMember{col(2, "am-2"), col(0, "am-0"), col(1, "am-1")},
				Cells:   [][]model.Cell{{S, Y, Y}, {Y, S, Y}, {Y, Y, S}},
				Islands: [][]string{{"am-2", "am-0", "am-1"}},
			},
		},
		{
			name:     "unreachable replica: its member is claimed by its pod IP, its row is unknown",
			replicas: []model.Replica{rep(0, 0, 1, 2), down(1), rep(2, 0, 1, 2)},
			want: model.Matrix{
				Rows:    []string{"am-0", "am-1", "am-2"},
				Columns: []model.MatrixMember{col(0, "am-0"), col(1, "am-1"), col(2, "am-2")},
				Cells:   [][]model.Cell{{S, Y, Y}, {U, U, U}, {Y, Y, S}},
				Islands: [][]string{{"am-0", "am-2"}},
			},
		},
		{
			name:     "islands and a one-sided view",
			replicas: []model.Replica{rep(0, 0, 1), rep(1, 1), rep(2, 2)},
			want: model.Matrix{
				Rows:    []string{"am-0", "am-1", "am-2"},
				Columns: []model.MatrixMember{col(0, "am-0"), col(1, "am-1"), col(2, "am-2")},
				Cells:   [][]model.Cell{{S, Y, N}, {N, S, N}, {N, N, S}},
				Islands: [][]string{{"am-0", "am-1"}, {"am-2"}},
			},
		},
		{
			name: "foreign member goes last, unclaimed",
			replicas: []model.Replica{
				func() model.Replica {
					r := rep(0, 0, 1)
					r.Status.Peers = append([]model.Member{foreign}, r.Status.Peers...)
					return r
				}(),
				rep(1, 0, 1),
			},
			want: model.Matrix{
				Rows:    []string{"am-0", "am-1"},
				Columns: []model.MatrixMember{col(0, "am-0"), col(1, "am-1"), {Name: foreign.Name, Address: foreign.Address}},
				Cells:   [][]model.Cell{{S, Y, Y}, {Y, S, N}},
				Islands: [][]string{{"am-0", "am-1"}},
			},
		},
		{
			name:     "disabled replica: a row of misses, no island",
			replicas: []model.Replica{rep(0, 0, 1), rep(1, 0, 1), disabled(2)},
			want: model.Matrix{
				Rows:    []string{"am-0", "am-1", "am-2"},
				Columns: []model.MatrixMember{col(0, "am-0"), col(1, "am-1")},
				Cells:   [][]model.Cell{{S, Y}, {Y, S}, {N, N}},
				Islands: [][]string{{"am-0", "am-1"}},
			},
		},
		{
			name:     "nobody answered",
			replicas: []model.Replica{down(0), down(1)},
			want: model.Matrix{
				Rows:    []string{"am-0", "am-1"},
				Cells:   [][]model.Cell{{}, {}},
				Islands: [][]string{},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := mesh.Build(&model.Cluster{Name: "main", Source: "statefulset", Replicas: tc.replicas})
			if !reflect.DeepEqual(*got, tc.want) {
				t.Fatalf("Build:\n got  %+v\n want %+v", *got, tc.want)
			}
		})
	}
}

func TestClaims(t *testing.T) {
	stale := model.Member{Name: "01HZOLDINCARNATION00000000", Address: addr(0)}
	v6 := func() model.Replica { r := down(3); r.Pod.IP = "fd00::13"; return r }()
	for _, tc := range []struct {
		name     string
		replicas []model.Replica
		want     map[string]string
	}{
		{
			name:     "answered replicas claim their own node name",
			replicas: []model.Replica{rep(0, 0, 1, 2), rep(1, 0, 1, 2), rep(2, 0, 1, 2)},
			want:     map[string]string{node(0): "am-0", node(1): "am-1", node(2): "am-2"},
		},
		{
			name:     "unreachable replicas claim the member at their pod IP",
			replicas: []model.Replica{rep(0, 0, 1, 2), down(1), down(2)},
			want:     map[string]string{node(0): "am-0", node(1): "am-1", node(2): "am-2"},
		},
		{
			name: "IPv6 pod IP",
			replicas: []model.Replica{
				func() model.Replica {
					r := rep(0, 0)
					r.Status.Peers = append(r.Status.Peers, model.Member{Name: node(3), Address: "[fd00::13]:9094"})
					return r
				}(),
				v6,
			},
			want: map[string]string{node(0): "am-0", node(3): "am-3"},
		},
		{
			name:     "unreachable replica without a pod (--url) claims nothing",
			replicas: []model.Replica{rep(0, 0, 1), func() model.Replica { r := down(1); r.Pod = nil; return r }()},
			want:     map[string]string{node(0): "am-0"},
		},
		{
			name:     "unreachable --url replica claims the member at the host its URL resolves to",
			replicas: []model.Replica{rep(0, 0, 1), urlRep(down(1), "am-1.example:9093", "10.42.0.11:9093")},
			want:     map[string]string{node(0): "am-0", node(1): "am-1"},
		},
		{
			name: "replicas on one host (loopback): each that did not answer claims one member there",
			replicas: onHost(
				rep(0, 0, 1, 2, 3), down(1), rep(2, 0, 1, 2, 3), down(3),
			),
			want: map[string]string{node(0): "am-0", node(1): "am-1", node(2): "am-2", node(3): "am-3"},
		},
		{
			name: "replicas on one host with more members there than replicas that did not answer: those are not claimed",
			replicas: onHost(
				func() model.Replica {
					r := rep(0, 0, 1)
					r.Status.Peers = append(r.Status.Peers, model.Member{Name: "01HXFOREIGN000000000000000", Address: "127.0.0.1:7946"})
					return r
				}(), down(1),
			),
			want: map[string]string{node(0): "am-0"},
		},
		{
			name: "an answered replica does not claim other members at its IP",
			replicas: []model.Replica{
				func() model.Replica { r := rep(0, 0, 1); r.Status.Peers = append(r.Status.Peers, stale); return r }(),
				rep(1, 0, 1),
			},
			want: map[string]string{node(0): "am-0", node(1): "am-1"},
		},
		{
			name:     "a member nobody lists is not claimed",
			replicas: []model.Replica{rep(0, 0), down(1)},
			want:     map[string]string{node(0): "am-0"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := mesh.Claims(&model.Cluster{Replicas: tc.replicas})
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Claims = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestIslands(t *testing.T) {
	for _, tc := range []struct {
		name     string
		replicas []model.Replica
		want     [][]string
	}{
		{"whole", []model.Replica{rep(0, 0, 1, 2), rep(1, 0, 1, 2), rep(2, 0, 1, 2)}, [][]string{{"am-0", "am-1", "am-2"}}},
		{"one-sided link joins", []model.Replica{rep(0, 0, 1), rep(1, 1)}, [][]string{{"am-0", "am-1"}}},
		{"chain joins", []model.Replica{rep(0, 0, 1), rep(1, 1, 2), rep(2, 2)}, [][]string{{"am-0", "am-1", "am-2"}}},
		{"interleaved islands, in replica order", []model.Replica{rep(0, 0, 2), rep(1, 1, 3), rep(2, 0, 2), rep(3, 1, 3)},
			[][]string{{"am-0", "am-2"}, {"am-1", "am-3"}}},
		{"every replica alone", []model.Replica{rep(0, 0), rep(1, 1), rep(2, 2)}, [][]string{{"am-0"}, {"am-1"}, {"am-2"}}},
		{"unreachable and disabled replicas are in no island", []model.Replica{rep(0, 0, 1, 2), down(1), disabled(2)}, [][]string{{"am-0"}}},
		{"joined through an unreachable replica's member: not joined", []model.Replica{rep(0, 0, 1), down(1), rep(2, 1, 2)},
			[][]string{{"am-0"}, {"am-2"}}},
		{"no replicas", nil, [][]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := mesh.Islands(&model.Cluster{Replicas: tc.replicas})
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Islands = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestClustered(t *testing.T) {
	c := &model.Cluster{Replicas: []model.Replica{rep(0, 0), down(1), disabled(2), rep(3, 3)}}
	c.Replicas[3].Status.Cluster = "settling"
	var got []string
	for _, r := range mesh.Clustered(c) {
		got = append(got, r.Name)
	}
	if want := []string{"am-0", "am-3"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Clustered = %v, want %v", got, want)
	}
	// The pointers are into the cluster: checks may rely on that.
	if mesh.Clustered(c)[0] != &c.Replicas[0] {
		t.Fatal("Clustered returns copies")
	}
}

func TestHostOf(t *testing.T) {
	for in, want := range map[string]string{
		"10.42.0.10:9094":  "10.42.0.10",
		"[fd00::13]:9094":  "fd00::13",
		"am-0.am:9094":     "am-0.am",
		"10.42.0.10":       "10.42.0.10",
		"":                 "",
		"[::]:9094":        "::",
		"not a host:port:": "not a host:port:",
	} {
		if got := mesh.HostOf(in); got != want {
			t.Errorf("HostOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestIslandsSharedPeerName: two replicas started with the same --cluster.peer-name refuse each
// other ("Found conflicting peer IDs"); each reports a mesh of itself alone. Observed on two
// real v0.31.1 replicas: members 1, position 0 on both, peer_name_conflicts_total rising.
func TestIslandsSharedPeerName(t *testing.T) {
	same := func(i int) model.Replica {
		r := rep(i)
		r.Status.NodeName = "alertmanager"
		r.Status.Peers = []model.Member{{Name: "alertmanager", Address: addr(i)}}
		return r
	}
	got := mesh.Islands(&model.Cluster{Replicas: []model.Replica{same(0), same(1)}})
	if want := [][]string{{"am-0"}, {"am-1"}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Islands = %q, want %q", got, want)
	}
}

// BenchmarkBuildHugeMesh: a replica (or anything that joined an unauthenticated mesh) may list
// any number of members; building the matrix stays linear in them.
func BenchmarkBuildHugeMesh(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		peers := make([]model.Member, n)
		for i := range peers {
			peers[i] = model.Member{Name: fmt.Sprintf("m%d", i), Address: fmt.Sprintf("10.0.%d.%d:9094", i/256, i%256)}
		}
		c := &model.Cluster{Replicas: []model.Replica{
			{Name: "a", Status: &model.Status{Cluster: "ready", NodeName: "m0", Peers: peers}},
			{Name: "b", Status: &model.Status{Cluster: "ready", NodeName: "m1", Peers: peers}},
			{Name: "c", Status: &model.Status{Cluster: "ready", NodeName: "m2", Peers: peers}},
		}}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				mesh.Build(c)
			}
		})
	}
}
