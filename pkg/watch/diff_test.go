package watch

import (
	"slices"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// up is a replica named am-i (node n-i) that answered with the given status, position and the
// members it sees (node names, itself included).
func up(i int, status string, pos int, sees ...string) model.Replica {
	peers := make([]model.Member, len(sees))
	for j, s := range sees {
		peers[j] = model.Member{Name: s, Address: "10.0.0." + s[len(s)-1:] + ":9094"}
	}
	p := float64(pos)
	return model.Replica{
		Name:    "am-" + string(rune('0'+i)),
		Status:  &model.Status{Cluster: status, NodeName: "n-" + string(rune('0'+i)), Peers: peers},
		Metrics: &model.Metrics{Position: &p},
	}
}

func down(i int) model.Replica {
	return model.Replica{Name: "am-" + string(rune('0'+i)), Error: "connection refused"}
}

func cluster(rs ...model.Replica) model.Cluster {
	return model.Cluster{Name: "main", Namespace: "monitoring", PeerTimeout: model.Duration(15 * time.Second), Replicas: rs}
}

func withFindings(c model.Cluster, ids ...string) model.Cluster {
	for _, id := range ids {
		c.Findings = append(c.Findings, model.Finding{ID: id, Severity: model.Error})
	}
	return c
}

var (
	healthy = cluster(
		up(0, "ready", 0, "n-0", "n-1", "n-2"),
		up(1, "ready", 1, "n-0", "n-1", "n-2"),
		up(2, "ready", 2, "n-0", "n-1", "n-2"),
	)
	island = cluster(
		up(0, "ready", 0, "n-0", "n-1"),
		up(1, "ready", 1, "n-0", "n-1"),
		up(2, "ready", 0, "n-2"),
	)
	stopped = cluster(
		up(0, "ready", 0, "n-0", "n-1"),
		up(1, "ready", 1, "n-0", "n-1"),
		down(2),
	)
)

func kinds(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, string(e.Kind)+" "+e.Subject)
	}
	return out
}

func TestDiff(t *testing.T) {
	settlingFirst := healthy
	settlingFirst.Replicas = slices.Clone(healthy.Replicas)
	settlingFirst.Replicas[2] = up(2, "settling", 2, "n-0", "n-1", "n-2")
	restarted := cluster(
		up(0, "ready", 0, "n-0", "n-1", "n-9"),
		up(1, "ready", 1, "n-0", "n-1", "n-9"),
		up(2, "settling", 2, "n-0", "n-1", "n-9"),
	)
	restarted.Replicas[2].Status.NodeName = "n-9"
	for _, tc := range []struct {
		name       string
		prev, next []model.Cluster
		want       []string
	}{
		{
			name: "first snapshot",
			next: []model.Cluster{healthy},
			want: []string{"started "},
		},
		{
			name: "nothing changed",
			prev: []model.Cluster{healthy}, next: []model.Cluster{healthy},
		},
		{
			name: "a replica stops: down once, and the member it was leaves the others' lists",
			prev: []model.Cluster{healthy}, next: []model.Cluster{stopped},
			want: []string{"replica-down am-2", "member-left am-2"},
		},
		{
			name: "it comes back",
			prev: []model.Cluster{stopped}, next: []model.Cluster{healthy},
			want: []string{"replica-up am-2", "member-joined am-2"},
		},
		{
			name: "island formed",
			prev: []model.Cluster{healthy}, next: []model.Cluster{island},
			want: []string{"member-left am-0", "member-left am-1", "member-left am-2", "island-formed ", "position-changed am-2"},
		},
		{
			name: "island healed",
			prev: []model.Cluster{island}, next: []model.Cluster{healthy},
			want: []string{"member-joined am-0", "member-joined am-1", "member-joined am-2", "island-healed ", "position-changed am-2"},
		},
		{
			name: "the isolated replica stops answering: not healed, just unknown",
			prev: []model.Cluster{island}, next: []model.Cluster{stopped},
			want: []string{"replica-down am-2", "island-changed "},
		},
		{
			name: "settling and settled",
			prev: []model.Cluster{healthy}, next: []model.Cluster{settlingFirst},
			want: []string{"settling am-2"},
		},
		{
			name: "settled",
			prev: []model.Cluster{settlingFirst}, next: []model.Cluster{healthy},
			want: []string{"settled am-2"},
		},
		{
			name: "a restart between two snapshots: a new member name, the old one leaves",
			prev: []model.Cluster{healthy}, next: []model.Cluster{restarted},
			want: []string{"member-left am-2", "member-joined am-2", "settling am-2"},
		},
		{
			name: "findings raised and cleared by id",
			prev: []model.Cluster{withFindings(healthy, "mesh/settling")},
			next: []model.Cluster{withFindings(healthy, "mesh/island", "mesh/island")},
			want: []string{"finding-raised mesh/island", "finding-cleared mesh/settling"},
		},
		{
			name: "clusters found and gone",
			prev: []model.Cluster{healthy},
			next: []model.Cluster{{Name: "other", Namespace: "ops"}},
			want: []string{"cluster-found ", "cluster-gone "},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := kinds(Diff(tc.prev, tc.next, t0))
			if !slices.Equal(got, tc.want) {
				t.Fatalf("events\n got  %q\n want %q", got, tc.want)
			}
		})
	}
}

func TestDiffText(t *testing.T) {
	evs := Diff([]model.Cluster{healthy}, []model.Cluster{island}, t0)
	var got []string
	for _, e := range evs {
		if !e.At.Equal(t0) || e.Cluster != "monitoring/main" {
			t.Errorf("event %+v: want the snapshot's time and cluster", e)
		}
		got = append(got, e.Text)
	}
	want := []string{
		"member left: am-0, no longer seen by am-2",
		"member left: am-1, no longer seen by am-2",
		"member left: am-2, no longer seen by am-0, am-1",
		"mesh split into 2 islands: {am-0, am-1} {am-2}; each island notifies on its own (duplicates)",
		"am-2 position 2 → 0: now waits 0s before it sends",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("texts\n got  %q\n want %q", got, want)
	}
}

func TestDiffUnclaimedMember(t *testing.T) {
	// A member no asked replica is (another cluster's node, or a replica amha was not given).
	next := cluster(up(0, "ready", 0, "n-0", "n-7"))
	evs := Diff([]model.Cluster{cluster(up(0, "ready", 0, "n-0"))}, []model.Cluster{next}, t0)
	if len(evs) != 1 || evs[0].Text != "member joined: member n-7 (10.0.0.7:9094), now seen by am-0" {
		t.Fatalf("events %+v", evs)
	}
}

// A drill starting with the split it causes, then ending: the events say so, and the finding
// it causes is marked as the drill's.
func TestDiffDrill(t *testing.T) {
	drilled := island
	drilled.Drills = []model.DrillRun{{Run: "1a2b3c4d", Drills: []string{"partition"}}}
	drilled.Findings = []model.Finding{{ID: "mesh/island", Severity: model.Info, DrillCaused: true}}
	var got []string
	for _, e := range Diff([]model.Cluster{healthy}, []model.Cluster{drilled}, t0) {
		if e.Kind == DrillStarted || e.Kind == FindingRaised {
			got = append(got, e.Text)
		}
	}
	want := []string{"drill in progress: run 1a2b3c4d, partition", "finding: info mesh/island (drill in progress)"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	evs := Diff([]model.Cluster{drilled}, []model.Cluster{healthy}, t0)
	if !slices.Contains(kinds(evs), "drill-ended 1a2b3c4d") {
		t.Fatalf("no drill-ended: %v", kinds(evs))
	}
}
