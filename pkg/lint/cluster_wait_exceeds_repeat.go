package lint

import (
	"fmt"
	"time"

	"github.com/prometheus/alertmanager/matcher/compat"
	"github.com/prometheus/alertmanager/pkg/labels"
	commonmodel "github.com/prometheus/common/model"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// clusterWaitExceedsRepeat: the replica at position p waits p × --cluster.peer-timeout, then
// dedups against the log; an entry older than repeat_interval means "send again". Up to 0.31
// the dedup stage compares the entry with the clock after the wait (DedupStage.needsUpdate,
// n.now() in notify/notify.go), so when the last replica's wait, (N-1) × peer-timeout, reaches
// the repeat interval, it finds the entry of position 0 already due and repeats it at once
// (grafana/alerting 417). From 0.32 it compares with the time the flush started (the tick the
// dispatcher puts in the context with notify.WithNow), and the wait no longer causes a repeat.
type clusterWaitExceedsRepeat struct{}

func (clusterWaitExceedsRepeat) ID() string { return "cluster/wait-exceeds-repeat" }

// clusterDefaultRepeat is the root route's repeat_interval default (dispatch.DefaultRouteOpts).
const clusterDefaultRepeat = 4 * time.Hour

func (c clusterWaitExceedsRepeat) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, cl := range s.Clusters() {
		if !clusterMeshOn(cl) {
			continue
		}
		old, unknown := clusterBefore032(cl)
		if old == nil && unknown == nil {
			continue // 0.32 or later everywhere: the wait causes no repeat
		}
		n := cl.Replicas()
		pt, ptArg, w := clusterMaxPeerTimeout(cl)
		wait := time.Duration(n-1) * pt
		for _, cfg := range clusterAMConfigs(s, cl) {
			route := cfg.Root.Get("route")
			if !route.Valid() {
				continue
			}
			repeat, at := clusterMinRepeat(route, clusterDefaultRepeat, route.Get("repeat_interval").LocOr(route))
			if wait < repeat {
				continue
			}
			late := 0
			for p := 1; p < n; p++ {
				if time.Duration(p)*pt >= repeat {
					late++
				}
			}
			f := model.Finding{
				ID: c.ID(), Severity: model.Error, Symptoms: []model.Symptom{model.Duplicates},
				Objects:   []string{cfg.Name},
				Fix:       fmt.Sprintf("Keep (replicas-1) × peer timeout well below every repeat_interval: raise repeat_interval above %s, or lower the peer timeout (%s).", clusterHuman(wait), clusterSet(w, "cluster.peer-timeout", model.DefaultPeerTimeout.String())),
				Locations: []Location{at, clusterArgLoc(w, ptArg)},
			}
			waits := fmt.Sprintf("The last of %d replicas waits (%d-1) × %s peer timeout = %s before it sends, not less than the smallest repeat_interval, %s (%s).",
				n, n, clusterHuman(pt), clusterHuman(wait), clusterHuman(repeat), at.Path)
			repeats := fmt.Sprintf("by the time its wait ends, the entry position 0 logged is already due for repeating, so it sends again: "+
				"%s for every notification (grafana/alerting 417)", clusterLate(late))
			if old != nil {
				f.Objects = append(f.Objects, old.ID())
				f.Message = fmt.Sprintf("%s %s runs Alertmanager %s, whose dedup judges the repeat by the clock after the wait: %s.", waits, clusterCap(old.ID()), old.Version, repeats)
				f.Fix += " Alertmanager 0.32 and later judge the repeat at the time the flush started, so upgrading also ends the repeats."
			} else {
				f.Severity = model.Warning
				f.Objects = append(f.Objects, unknown.ID())
				f.Message = fmt.Sprintf("%s On Alertmanager 0.31 and earlier, %s; 0.32 and later judge the repeat at the time the flush started and are not affected. "+
					"The version of %s is not known (%s).", waits, repeats, unknown.ID(), clusterVersionUnknownWhy(unknown))
				f.Fix += " If the replicas run 0.32 or later, the wait causes no repeat; a versioned image tag lets amha tell."
			}
			out = append(out, f)
		}
	}
	return out
}

// clusterBefore032 finds a workload of the cluster that runs a version before 0.32 (old) and,
// failing that, one whose version is not known (unknown); both nil when every workload runs
// 0.32 or later.
func clusterBefore032(cl *Cluster) (old, unknown *Workload) {
	for _, w := range cl.Workloads {
		if !w.Clustered() {
			continue
		}
		atLeast, known := versionAtLeast(w.Version, 0, 32)
		switch {
		case known && !atLeast:
			return w, nil
		case !known && unknown == nil:
			unknown = w
		}
	}
	return nil, unknown
}

// clusterVersionUnknownWhy says why a workload's version is not known, for messages.
func clusterVersionUnknownWhy(w *Workload) string {
	switch {
	case w.Version != "" && w.Kind == "Alertmanager" && w.PodSpec.Get("version").Valid():
		return fmt.Sprintf("spec.version %q is not a version", w.Version)
	case w.Version != "":
		return fmt.Sprintf("image tag %q is not a version", w.Version)
	case w.Image != "":
		return fmt.Sprintf("image %s has no version tag", w.Image)
	case w.Kind == "Command":
		return "a command line does not say"
	}
	return "no image and no version"
}

// clusterMinRepeat walks the route tree (children inherit repeat_interval) for the smallest
// effective repeat_interval and where it is set.
func clusterMinRepeat(r Node, inherited time.Duration, inheritedAt Location) (time.Duration, Location) {
	eff, at := inherited, inheritedAt
	if ri := r.Get("repeat_interval"); ri.Valid() {
		if d, err := commonmodel.ParseDuration(ri.String()); err == nil && d > 0 {
			eff, at = time.Duration(d), ri.Loc()
		}
	}
	best, bestAt := eff, at
	for _, child := range r.Get("routes").Items() {
		if routeIsWatchdog(child) {
			continue // a heartbeat sent again early is one more ping, which harms nothing
		}
		if d, l := clusterMinRepeat(child, eff, at); d < best {
			best, bestAt = d, l
		}
	}
	return best, bestAt
}

// clusterMaxPeerTimeout is the largest peer timeout among the cluster's workloads (the
// longest wait), with where it is set and its workload.
func clusterMaxPeerTimeout(cl *Cluster) (time.Duration, *Arg, *Workload) {
	best, arg, bw := clusterDefaults["cluster.peer-timeout"], (*Arg)(nil), cl.Workloads[0]
	found := false
	for _, w := range cl.Workloads {
		d, a, ok := clusterDur(w, "cluster.peer-timeout")
		if ok && (!found || d > best) {
			best, arg, bw, found = d, a, w, true
		}
	}
	return best, arg, bw
}

func clusterLate(n int) string {
	if n == 1 {
		return "one extra notification"
	}
	return fmt.Sprintf("%d extra notifications", n)
}

// routeIsWatchdog reports whether a route (as written) is for an always-firing heartbeat:
// its alertname matcher names Watchdog, DeadMansSwitch or the like (watchdogAlertname).
func routeIsWatchdog(r Node) bool {
	var ms labels.Matchers
	for _, it := range r.Get("matchers").Items() {
		if m, err := compat.Matcher(it.String(), "amha-lint"); err == nil {
			ms = append(ms, m)
		}
	}
	if v := r.Get("match", "alertname"); v.Valid() {
		if m, err := labels.NewMatcher(labels.MatchEqual, "alertname", v.String()); err == nil {
			ms = append(ms, m)
		}
	}
	if v := r.Get("match_re", "alertname"); v.Valid() {
		if m, err := labels.NewMatcher(labels.MatchRegexp, "alertname", v.String()); err == nil {
			ms = append(ms, m)
		}
	}
	return watchdogAlertname(ms) != ""
}
