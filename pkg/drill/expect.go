// Package drill is the judgement of amha's drills: for each fault, what Alertmanager should
// do on this cluster (from the timing model, with the cluster's own numbers) and whether the
// notifications a drill counted at its sink agree. Causing the faults and counting belong to
// the runner; this package only knows time, positions and hits.
package drill

import (
	"fmt"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// Names lists the drills in the order `drill all` runs them: baseline first (if it fails,
// nothing else can be judged), then the faults from the mildest.
var Names = []string{Baseline, StopSender, CrashSender, Partition}

// OptIn lists the drills that are run only when named: they restart every replica, which
// takes minutes, and all-down leaves the cluster without a replica for a while.
var OptIn = []string{RollingRestart, AllDown}

// scenarioOf maps each drill to the timing model's scenario it checks.
var scenarioOf = map[string]string{
	Baseline:     timing.Healthy,
	StopSender:   timing.GracefulStop,
	CrashSender:  timing.CrashPosition0,
	Partition:    timing.Partition,
	SlowReceiver: timing.SlowReceiver,
	// all-down is checked on the cluster's return; while down, timing.AllDown: nothing.
	RollingRestart: timing.RollingRestart,
	AllDown:        timing.FullRestart,
}

// Cluster is what the expectation depends on: the drill route's timing, and the replicas by
// their gossip position at the start of the drill (positions[0] sends in a healthy mesh).
type Cluster struct {
	Timing    timing.Params
	Positions []string
	// CutOff is the replica the partition isolates (default: the last position).
	CutOff string
	// ReceiverDelay is how late the sink answers slow-receiver's webhooks (default:
	// DefaultReceiverDelay).
	ReceiverDelay time.Duration
	// PersistentStorage: --storage.path is on a volume that survives the pods (all-down).
	PersistentStorage bool
	// FaultFirst: stop-sender's and crash-sender's fault comes before the drill alert is
	// posted, and the drill waits until the others no longer list position 0 (a person guided
	// through it cannot time it to the second before the flush: FirstFaulter).
	FaultFirst bool
}

// Expect computes what drill should observe on c.
func Expect(drill string, c Cluster) (Expectation, error) {
	id, ok := scenarioOf[drill]
	if !ok {
		return Expectation{}, fmt.Errorf("unknown drill %q (want one of %v)", drill, All())
	}
	n := len(c.Positions)
	if n < 2 {
		return Expectation{}, fmt.Errorf("%d replica(s): a drill needs at least 2 (there is nothing to deduplicate)", n)
	}
	p := c.Timing
	p.Replicas = n
	p.PartitionSides, p.SidesUnreached = 2, 0
	if drill == SlowReceiver {
		d, err := ReceiverDelay(c.ReceiverDelay, p)
		if err != nil {
			return Expectation{}, err
		}
		p.ReceiverLatency = d
	}
	p.PersistentStorage = c.PersistentStorage
	s, err := timing.Lookup(p, id)
	if err != nil {
		return Expectation{}, err
	}
	p = p.WithDefaults()
	gw, pt := p.GroupWait, p.PeerTimeout
	e := Expectation{Drill: drill, Scenario: s, Count: s.Min, Why: s.Explanation}
	if s.Window != nil {
		e.From, e.To = s.Window.From.D(), s.Window.To.D()
	}
	switch drill {
	case RollingRestart, AllDown:
		return expectRestart(e, c, p), nil
	case Baseline:
		e.Senders = []string{c.Positions[0]}
	case StopSender, CrashSender:
		if c.FaultFirst {
			how := "stopped gracefully: it leaves the mesh at once"
			if drill == CrashSender {
				how = "crashed: the others take it for failed after a few seconds"
			}
			e.Senders = []string{c.Positions[1]}
			e.From, e.To = gw, gw
			e.Why = fmt.Sprintf("%s (position 0) is %s. The drill waits until the others no longer list it, then posts the "+
				"alert to them: %s is position 0 now and sends at group_wait (%s), 1 notification. Caused by a person, the fault "+
				"cannot come seconds before a flush, so this checks that the next replica takes over, not the timing of a "+
				"sender lost mid-wait (a command, --%s-command, checks that).", c.Positions[0], how, c.Positions[1], timing.Format(gw),
				map[string]string{StopSender: "stop", CrashSender: "crash"}[drill])
			break
		}
		if drill == CrashSender {
			e.Senders = []string{c.Positions[1]}
			break
		}
		// Its same-name replacement may rejoin before the flush and take position 0 back
		// (positions are sorted by name): then position 1 waits one peer-timeout.
		e.Senders = []string{c.Positions[1]}
		e.To = gw + pt
		e.Why = fmt.Sprintf("%s stops gracefully and leaves the mesh; positions shift and %s sends at group_wait (%s). "+
			"If its replacement (same name) rejoined before the flush, it holds position 0 again but has no alert yet, "+
			"and %s sends one peer-timeout later (%s).",
			c.Positions[0], c.Positions[1], timing.Format(gw), c.Positions[1], timing.Format(gw+pt))
	case SlowReceiver:
		expectSlow(&e, c, p)
	case Partition:
		cut := c.CutOff
		if cut == "" {
			cut = c.Positions[n-1]
		}
		rest := make([]string, 0, n-1)
		for _, r := range c.Positions {
			if r != cut {
				rest = append(rest, r)
			}
		}
		if len(rest) == n {
			return Expectation{}, fmt.Errorf("the replica to cut off, %s, is not among %v", cut, c.Positions)
		}
		e.Sides = [][]string{{cut}, rest}
		// The alert is posted after the split is seen: each side's first member sends at
		// group_wait.
		e.From, e.To = gw, gw
		e.Why = fmt.Sprintf("%s is cut off from the others on the mesh port. Each side keeps its own notification log and "+
			"no entry crosses the split, so both sides notify at group_wait (%s): 2 notifications, duplicates rather than "+
			"a miss. That is Alertmanager's design (it fails open), not a fault of this cluster.", cut, timing.Format(gw))
	}
	return e, nil
}
