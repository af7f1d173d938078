// Package watch follows clusters over time: Diff turns two consecutive snapshots into the events
// an on-call person cares about (a member left, an island formed, a replica settling, a
// position that moved). Taking the snapshots is package snapshot's job.
package watch

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/mesh"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// Kind names what changed between two snapshots.
type Kind string

const (
	Started         Kind = "started"
	ClusterFound    Kind = "cluster-found"
	ClusterGone     Kind = "cluster-gone"
	ReplicaAdded    Kind = "replica-added"
	ReplicaRemoved  Kind = "replica-removed"
	ReplicaDown     Kind = "replica-down"
	ReplicaUp       Kind = "replica-up"
	MemberLeft      Kind = "member-left"
	MemberJoined    Kind = "member-joined"
	IslandFormed    Kind = "island-formed"
	IslandChanged   Kind = "island-changed"
	IslandHealed    Kind = "island-healed"
	Settling        Kind = "settling"
	Settled         Kind = "settled"
	StatusChanged   Kind = "status-changed"
	PositionChanged Kind = "position-changed"
	FindingRaised   Kind = "finding-raised"
	FindingCleared  Kind = "finding-cleared"
	// DrillStarted and DrillEnded: a run of `kubectl amha drill` is seen in progress, or no longer.
	DrillStarted Kind = "drill-started"
	DrillEnded   Kind = "drill-ended"
	// SnapshotFailed and SnapshotOK are not changes of the cluster but of amha's view of it:
	// a snapshot could not be taken, or could again.
	SnapshotFailed Kind = "snapshot-failed"
	SnapshotOK     Kind = "snapshot-ok"
)

// Event is one change, stamped with the time of the snapshot that showed it.
type Event struct {
	At      time.Time
	Cluster string
	Kind    Kind
	// Subject is the replica, member or finding id the event is about; empty for the cluster.
	Subject string
	// Text says what happened, in one line.
	Text string
}

// Key names a cluster across snapshots: namespace/name, or name.
func Key(c *model.Cluster) string {
	if c.Namespace == "" {
		return c.Name
	}
	return c.Namespace + "/" + c.Name
}

// Diff lists what changed from prev to next, in a stable order: clusters in next's order,
// then replicas, members, islands, gossip status, positions and findings. A nil prev means
// next is the first snapshot.
func Diff(prev, next []model.Cluster, at time.Time) []Event {
	var out []Event
	before := map[string]*model.Cluster{}
	for i := range prev {
		before[Key(&prev[i])] = &prev[i]
	}
	seen := map[string]bool{}
	for i := range next {
		n := &next[i]
		key := Key(n)
		seen[key] = true
		d := differ{at: at, cluster: key}
		switch p := before[key]; {
		case prev == nil:
			d.add(Started, "", "watching %s", summary(n))
		case p == nil:
			d.add(ClusterFound, "", "cluster found: %s", summary(n))
		default:
			d.cluster2(p, n)
		}
		out = append(out, d.events...)
	}
	for i := range prev {
		if key := Key(&prev[i]); !seen[key] {
			out = append(out, Event{At: at, Cluster: key, Kind: ClusterGone, Text: "cluster no longer found"})
		}
	}
	return out
}

type differ struct {
	at      time.Time
	cluster string
	events  []Event
}

func (d *differ) add(k Kind, subject, format string, a ...any) {
	d.events = append(d.events, Event{At: d.at, Cluster: d.cluster, Kind: k, Subject: subject, Text: fmt.Sprintf(format, a...)})
}

func (d *differ) cluster2(p, n *model.Cluster) {
	pr, nr := byName(p), byName(n)
	for _, r := range p.Replicas {
		if nr[r.Name] == nil {
			d.add(ReplicaRemoved, r.Name, "%s is no longer a replica of the cluster", r.Name)
		}
	}
	for _, r := range n.Replicas {
		if pr[r.Name] == nil {
			d.add(ReplicaAdded, r.Name, "%s is a new replica of the cluster", r.Name)
		}
	}
	for i := range n.Replicas {
		r, old := &n.Replicas[i], pr[n.Replicas[i].Name]
		switch {
		case old == nil:
		case old.OK() && !r.OK():
			d.add(ReplicaDown, r.Name, "%s stopped answering: %s", r.Name, orUnknown(r.Error))
		case !old.OK() && r.OK():
			d.add(ReplicaUp, r.Name, "%s answers again", r.Name)
		}
	}
	d.members(p, n, pr)
	d.islands(p, n)
	for i := range n.Replicas {
		d.status(pr[n.Replicas[i].Name], &n.Replicas[i], n.PeerTimeout.D())
	}
	d.drills(p, n)
	d.findings(p, n)
}

// keySet is the set of key(x) over xs.
func keySet[T any](xs []T, key func(T) string) map[string]bool {
	out := make(map[string]bool, len(xs))
	for _, x := range xs {
		out[key(x)] = true
	}
	return out
}

// drills reports the runs of `kubectl amha drill` that appeared or ended.
func (d *differ) drills(p, n *model.Cluster) {
	run := func(r model.DrillRun) string { return r.Run }
	had, has := keySet(p.Drills, run), keySet(n.Drills, run)
	for _, r := range n.Drills {
		if !had[r.Run] {
			d.add(DrillStarted, r.Run, "%s", r)
		}
	}
	for _, r := range p.Drills {
		if !has[r.Run] {
			d.add(DrillEnded, r.Run, "drill run %s ended: its objects and its alert are gone", r.Run)
		}
	}
}

// members reports members that replicas stopped or started seeing. Only replicas that answered
// both times count, and a replica's own member is left out: a replica that stops answering is
// reported once as down, not once per member it took with it.
func (d *differ) members(p, n *model.Cluster, pr map[string]*model.Replica) {
	claim := mesh.Claims(p)
	for k, v := range mesh.Claims(n) {
		claim[k] = v
	}
	addr := map[string]string{}
	seenBy := func(c *model.Cluster, only map[string]bool) map[string][]string {
		out := map[string][]string{}
		for _, r := range c.Replicas {
			if !only[r.Name] {
				continue
			}
			for _, m := range r.Status.Peers {
				addr[m.Name] = m.Address
				if m.Name != r.Status.NodeName {
					out[m.Name] = append(out[m.Name], r.Name)
				}
			}
		}
		return out
	}
	both := map[string]bool{}
	for _, r := range n.Replicas {
		if old := pr[r.Name]; old != nil && old.OK() && r.OK() {
			both[r.Name] = true
		}
	}
	was, is := seenBy(p, both), seenBy(n, both)
	var names []string
	for m := range was {
		names = append(names, m)
	}
	for m := range is {
		if _, ok := was[m]; !ok {
			names = append(names, m)
		}
	}
	label := func(m string) string {
		if r := claim[m]; r != "" {
			return r
		}
		return "member " + m + " (" + addr[m] + ")"
	}
	sort.Slice(names, func(i, j int) bool { return label(names[i])+names[i] < label(names[j])+names[j] })
	for _, m := range names {
		if lost := minus(was[m], is[m]); len(lost) > 0 {
			d.add(MemberLeft, label(m), "member left: %s, no longer seen by %s", label(m), strings.Join(lost, ", "))
		}
		if gained := minus(is[m], was[m]); len(gained) > 0 {
			d.add(MemberJoined, label(m), "member joined: %s, now seen by %s", label(m), strings.Join(gained, ", "))
		}
	}
}

func (d *differ) islands(p, n *model.Cluster) {
	pi, ni := mesh.Islands(p), mesh.Islands(n)
	if islandsKey(pi) == islandsKey(ni) {
		return
	}
	switch {
	case len(pi) <= 1 && len(ni) > 1:
		d.add(IslandFormed, "", "mesh split into %d islands: %s; each island notifies on its own (duplicates)", len(ni), islandsText(ni))
	case len(pi) > 1 && len(ni) == 1 && len(ni[0]) >= clustered(pi):
		d.add(IslandHealed, "", "mesh whole again: one island of %d", len(ni[0]))
	case len(pi) > 1:
		d.add(IslandChanged, "", "islands now: %s", islandsText(ni))
	}
}

// status reports gossip status and position changes of one replica (old is nil when new).
func (d *differ) status(old, r *model.Replica, peerTimeout time.Duration) {
	was, is := "", ""
	if old != nil && old.Status != nil {
		was = old.Status.Cluster
	}
	if r.Status != nil {
		is = r.Status.Cluster
	}
	switch {
	case is == "settling" && was != "settling":
		d.add(Settling, r.Name, "%s is settling: its notifications wait until gossip settles", r.Name)
	case was == "settling" && is == "ready":
		d.add(Settled, r.Name, "%s settled: gossip ready", r.Name)
	case was != "" && is != "" && was != is:
		d.add(StatusChanged, r.Name, "%s gossip status %s → %s", r.Name, was, is)
	}
	if old == nil || old.Metrics == nil || r.Metrics == nil || old.Metrics.Position == nil || r.Metrics.Position == nil {
		return
	}
	if a, b := int(*old.Metrics.Position), int(*r.Metrics.Position); a != b {
		d.add(PositionChanged, r.Name, "%s position %d → %d: now waits %s before it sends", r.Name, a, b, time.Duration(b)*peerTimeout)
	}
}

func (d *differ) findings(p, n *model.Cluster) {
	had := keySet(p.Findings, func(f model.Finding) string { return f.ID })
	has := map[string]bool{}
	for _, f := range n.Findings {
		if !has[f.ID] && !had[f.ID] {
			if f.DrillCaused {
				d.add(FindingRaised, f.ID, "finding: %s %s (drill in progress)", f.Severity, f.ID)
			} else {
				d.add(FindingRaised, f.ID, "finding: %s %s", f.Severity, f.ID)
			}
		}
		has[f.ID] = true
	}
	for _, f := range p.Findings {
		if !has[f.ID] {
			d.add(FindingCleared, f.ID, "finding cleared: %s", f.ID)
			has[f.ID] = true
		}
	}
}

func summary(c *model.Cluster) string {
	ok := 0
	for _, r := range c.Replicas {
		if r.OK() {
			ok++
		}
	}
	isl := mesh.Islands(c)
	s := fmt.Sprintf("%s: %d of %d replicas answer", Key(c), ok, len(c.Replicas))
	if len(isl) > 1 {
		s += fmt.Sprintf(", %d islands: %s", len(isl), islandsText(isl))
	}
	return s
}

func byName(c *model.Cluster) map[string]*model.Replica {
	out := map[string]*model.Replica{}
	for i := range c.Replicas {
		out[c.Replicas[i].Name] = &c.Replicas[i]
	}
	return out
}

func islandsKey(isl [][]string) string {
	parts := make([]string, len(isl))
	for i, g := range isl {
		g = slices.Clone(g)
		sort.Strings(g)
		parts[i] = strings.Join(g, ",")
	}
	sort.Strings(parts)
	return strings.Join(parts, "|")
}

func islandsText(isl [][]string) string {
	if len(isl) == 0 {
		return "none (no replica answers)"
	}
	parts := make([]string, len(isl))
	for i, g := range isl {
		parts[i] = "{" + strings.Join(g, ", ") + "}"
	}
	return strings.Join(parts, " ")
}

func clustered(isl [][]string) int {
	n := 0
	for _, g := range isl {
		n += len(g)
	}
	return n
}

// minus is a without b, in a's order.
func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func orUnknown(s string) string {
	if s == "" {
		return "no status"
	}
	return s
}
