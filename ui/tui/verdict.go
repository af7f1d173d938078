package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/amha-dev/kubectl-amha/pkg/mesh"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// facts are the figures the view states about one cluster, worked out once per snapshot.
type facts struct {
	expected int // replicas the cluster should have
	answered int
	// peers is the most replicas of this cluster any replica sees as members (itself included).
	peers    int
	islands  [][]string
	replicas []replicaFacts
	// changed marks the matrix cells that differ from the last snapshot, row by column.
	changed [][]bool
	// timing is the timing model's view of the cluster and scenarios its failure table.
	timing    timing.Params
	scenarios []timing.Scenario
	timingErr error
	// drillExpect is, per Drills tab entry, what it expects on this cluster; drillRoute what
	// the tab says about the drill route (none yet) or why no drill can start now.
	drillExpect map[string]string
	drillRoute  string
}

type replicaFacts struct {
	sees    []string // replicas of this cluster it lists as members, itself included
	tone    tone
	verdict string
}

func factsOf(c *model.Cluster) facts {
	f := facts{expected: len(c.Replicas), islands: mesh.Islands(c)}
	if c.DesiredReplicas > 0 {
		f.expected = c.DesiredReplicas
	}
	claim := mesh.Claims(c)
	for i := range c.Replicas {
		r := &c.Replicas[i]
		var rf replicaFacts
		if r.OK() {
			f.answered++
			for _, p := range r.Status.Peers {
				if n := claim[p.Name]; n != "" && !slices.Contains(rf.sees, n) {
					rf.sees = append(rf.sees, n)
				}
			}
			f.peers = max(f.peers, len(rf.sees))
		}
		rf.tone, rf.verdict = replicaVerdict(c, r, rf.sees, f.expected)
		f.replicas = append(f.replicas, rf)
	}
	// The route is not read from the replicas' configuration: its timing is Alertmanager's
	// default. A partition splits into as many sides as there are islands now, else two.
	f.timing = timing.Params{Replicas: f.expected, PeerTimeout: c.PeerTimeout.D(), GroupWait: timing.DefaultGroupWait,
		PartitionSides: max(len(f.islands), 2)}
	f.scenarios, f.timingErr = timing.Scenarios(f.timing)
	f.timing = f.timing.WithDefaults()
	return f
}

// replicaVerdict is one line on one replica: the worst thing about it, or that it is fine.
func replicaVerdict(c *model.Cluster, r *model.Replica, sees []string, expected int) (tone, string) {
	if !r.OK() {
		return bad, "unreachable: " + firstLine(r.Error)
	}
	switch r.Status.Cluster {
	case "disabled":
		return bad, "clustering disabled: it notifies on its own, nothing dedups with it"
	case "settling":
		return warn, "settling: its notifications wait until gossip settles"
	}
	var missing []string
	for _, o := range c.Replicas {
		if !slices.Contains(sees, o.Name) {
			missing = append(missing, o.Name)
		}
	}
	if len(sees) < expected {
		msg := fmt.Sprintf("sees %d of %d replicas", len(sees), expected)
		if len(missing) > 0 {
			msg += ", not " + strings.Join(missing, ", ")
		}
		return bad, msg
	}
	var ids []string
	worst := model.Info
	for _, f := range c.Findings {
		if slices.Contains(f.Objects, r.Name) && !slices.Contains(ids, f.ID) {
			ids = append(ids, f.ID)
			worst = max(worst, f.Severity)
		}
	}
	pos := ""
	if r.Metrics != nil && r.Metrics.Position != nil {
		pos = fmt.Sprintf(" at position %d", int(*r.Metrics.Position))
	}
	ok := fmt.Sprintf("ready%s, sees all %d", pos, expected)
	if len(ids) > 0 {
		return severityTone(worst), ok + "; see " + strings.Join(ids, ", ")
	}
	return good, "ok: " + ok
}

// clusterVerdict is the one line under the title: healthy, or the findings by severity.
func clusterVerdict(c *model.Cluster) (tone, string) {
	if len(c.Findings) == 0 {
		return good, "healthy: the mesh is whole and consistent"
	}
	count := map[model.Severity]int{}
	var ids []string
	for _, f := range c.Findings {
		count[f.Severity]++
		if !slices.Contains(ids, f.ID) {
			ids = append(ids, f.ID)
		}
	}
	var parts []string
	for _, s := range []model.Severity{model.Error, model.Warning, model.Info} {
		if n := count[s]; n > 0 {
			parts = append(parts, plural(n, s.String()))
		}
	}
	worst, _ := model.Worst(c.Findings)
	return severityTone(worst), strings.Join(parts, ", ") + ": " + strings.Join(ids, ", ")
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if s == "" {
		return "no answer"
	}
	return s
}

// changedCells marks the cells of next's matrix that differ from prev's, matched by replica and
// member: what just changed is what on-call looks at first. Nothing is marked on the first
// snapshot (prev nil); a member that was not there before is a change.
func changedCells(prev, next *model.Cluster) [][]bool {
	if prev == nil || prev.Matrix == nil || next.Matrix == nil {
		return nil
	}
	type at struct{ row, name, addr string }
	was := map[at]model.Cell{}
	pm := prev.Matrix
	for i, row := range pm.Cells {
		for j, c := range row {
			was[at{pm.Rows[i], pm.Columns[j].Name, pm.Columns[j].Address}] = c
		}
	}
	nm := next.Matrix
	out := make([][]bool, len(nm.Cells))
	for i, row := range nm.Cells {
		out[i] = make([]bool, len(row))
		for j, c := range row {
			old, ok := was[at{nm.Rows[i], nm.Columns[j].Name, nm.Columns[j].Address}]
			out[i][j] = !ok || old != c
		}
	}
	return out
}
