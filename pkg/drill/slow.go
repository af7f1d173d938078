package drill

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/sink"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// SlowReceiver is the drill of a receiver slower than the peer timeout: the sink answers the
// drill alert's webhooks after a delay, so position 0's log entry is written late and the
// positions whose wait ends before it send too. No replica is harmed; it is run by name only.
const SlowReceiver = "slow-receiver"

// Extra lists the drills that are run by name only, not by `drill all`: those that restart
// every replica (OptIn), slow-receiver (what it shows is Alertmanager's design with a receiver
// of a given speed) and prometheus-fanout (it watches Prometheus, and changes nothing).
var Extra = append(slices.Clone(OptIn), SlowReceiver, PrometheusFanout)

// All lists every drill: Names in their order, then Extra.
func All() []string { return append(slices.Clone(Names), Extra...) }

// Known reports whether name is a drill of Names or Extra.
func Known(name string) bool { return slices.Contains(Names, name) || slices.Contains(Extra, name) }

// DelayLabel is the drill alert's label that tells the sink how late to answer its webhooks
// (slow-receiver only): one sink serves every drill of a run, and delays only this one's.
const DelayLabel = sink.DelayLabel

// raceMargin is how close a receiver delay may come to a multiple of the peer timeout: at
// k × peer-timeout, position k's wait ends just as position 0's log entry is written, and
// gossip latency decides whether it sends.
const raceMargin = 500 * time.Millisecond

// DefaultReceiverDelay is the slow-receiver drill's delay when none is given: 1.5 ×
// peer-timeout, halfway between the waits of positions 1 and 2 (2 notifications), or, when
// the flush budget is shorter, halfway between peer-timeout and the budget.
func DefaultReceiverDelay(p timing.Params) time.Duration {
	p = p.WithDefaults()
	d := p.PeerTimeout * 3 / 2
	if budget := p.FlushBudget(); d >= budget {
		d = (p.PeerTimeout + budget) / 2
	}
	return d.Round(100 * time.Millisecond)
}

// ReceiverDelay is the slow-receiver drill's delay: d, or DefaultReceiverDelay(p) when d is 0.
// It refuses a delay the model cannot judge: within 0.5s of a multiple of peer-timeout (a
// race), or not below the flush budget (every send cancelled and retried).
func ReceiverDelay(d time.Duration, p timing.Params) (time.Duration, error) {
	p = p.WithDefaults()
	given := "--receiver-delay " + timing.Format(d)
	if d == 0 {
		d = DefaultReceiverDelay(p)
		given = fmt.Sprintf("the default receiver delay %s (1.5 × peer-timeout %s, or below the flush budget)", timing.Format(d), timing.Format(p.PeerTimeout))
	}
	pt, budget := p.PeerTimeout, p.FlushBudget()
	if d < 0 {
		return 0, fmt.Errorf("%s: must not be negative", given)
	}
	if d >= budget {
		return 0, fmt.Errorf("%s is not below the flush budget max(group_interval, 10s) = %s of the drill route: every send would be "+
			"cancelled at its deadline, count as failed and write no log entry, so every replica would send at its position and again "+
			"every group_interval (one notification per replica per group_interval, while the receiver may well process each). The "+
			"drill counts one flush and cannot judge that: choose a delay between %s and %s, or raise the drill route's group_interval",
			given, timing.Format(budget), timing.Format(pt), timing.Format(budget))
	}
	if k := (d + pt/2) / pt; k >= 1 && (d-k*pt).Abs() <= raceMargin {
		return 0, fmt.Errorf("%s is within %s of %d × peer-timeout (%s): position %d's wait ends just as position 0's log entry "+
			"is written, and gossip latency decides whether it sends too (a race: %d or %d notifications, both right). Choose a delay "+
			"away from the multiples of peer-timeout, such as %s or %s",
			given, timing.Format(raceMargin), k, timing.Format(k*pt), k, k, k+1, timing.Format(k*pt-pt/2), timing.Format(k*pt+pt/2))
	}
	return d, nil
}

// expectSlow fills the slow-receiver expectation: positions 0..count-1 send, one peer-timeout
// apart, and the fix with this cluster's numbers.
func expectSlow(e *Expectation, c Cluster, p timing.Params) {
	p = p.WithDefaults()
	d, pt, n := p.ReceiverLatency, p.PeerTimeout, len(c.Positions)
	e.ReceiverDelay = model.Duration(d)
	e.Senders = slices.Clone(c.Positions[:e.Count])
	// Above the delay with a margin for gossip, on whole seconds.
	raised := d.Truncate(time.Second) + time.Second
	if raised-d < time.Second {
		raised += time.Second
	}
	last := p.Wait(n - 1)
	e.Fix = fmt.Sprintf("These duplicates are by design: Alertmanager writes the log entry only after a successful send. "+
		"To avoid them, make the receiver answer within peer-timeout (%s), or raise --cluster.peer-timeout above its worst "+
		"latency (%s here, e.g. to %s). That costs failover time: a replica covering for the positions before it waits "+
		"position × peer-timeout, so the last position (%d) would notify at group_wait + %s (%s on this route) instead of "+
		"group_wait + %s (%s).",
		timing.Format(pt), timing.Format(d), timing.Format(raised), n-1,
		timing.Format(time.Duration(n-1)*raised), timing.Format(p.GroupWait+time.Duration(n-1)*raised),
		timing.Format(last), timing.Format(p.GroupWait+last))
	var at []string
	for i := range e.Count {
		at = append(at, fmt.Sprintf("%s at %s", c.Positions[i], timing.Format(p.GroupWait+p.Wait(i))))
	}
	e.Why = fmt.Sprintf("The sink answers the drill alert's webhooks %s after they arrive (no replica is touched). Position 0 sends "+
		"at group_wait, and its log entry is written only when the send returns, %s later; every position whose wait "+
		"(position × %s) ends before that finds no entry and sends too: %d notification(s), %s. %s",
		timing.Format(d), timing.Format(d), timing.Format(pt), e.Count, strings.Join(at, ", "), e.Fix)
}

// slowPassed is the explanation of a slow-receiver drill that passed.
func slowPassed(e Expectation, firing []Hit) string {
	var got []string
	for _, h := range firing {
		s := h.Sender
		if s == "" {
			s = "an unknown sender"
		}
		got = append(got, fmt.Sprintf("%s at %s", s, fmtD(h.At)))
	}
	return fmt.Sprintf("%d notification(s) as the model says for a receiver answering after %s: %s. The log entry of the first "+
		"send was written only after it returned, so every position whose wait ended before then sent too. %s",
		len(firing), timing.Format(e.ReceiverDelay.D()), strings.Join(got, ", "), e.Fix)
}

// slowFaultText is the timeline's fault event of the slow-receiver drill: the receiver.
func slowFaultText(d time.Duration) string {
	return fmt.Sprintf("the sink answers the drill alert's webhooks after %s (label %s)", timing.Format(d), DelayLabel)
}

// slowOptions sets o.ReceiverDelay for drill: the checked delay for slow-receiver (the
// default when 0), else none, so that only slow-receiver's alert carries DelayLabel.
func slowOptions(drill string, o Options) (Options, error) {
	if drill != SlowReceiver {
		o.ReceiverDelay = 0
		return o, nil
	}
	d, err := ReceiverDelay(o.ReceiverDelay, o.Timing)
	o.ReceiverDelay = d
	return o, err
}

// ResolvedSenders is how many resolved notifications a drill's alert gets once resolved: one,
// from position 0 of the mesh whole again; for slow-receiver, one from each replica that sent
// it firing, as the resolved send is as slow.
func ResolvedSenders(drill string, hits []Hit) int {
	if drill == SlowReceiver {
		return max(len(Firing(hits)), 1)
	}
	return 1
}
