package drill

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// Judge compares the firing notifications a drill counted with what it expected.
func Judge(e Expectation, hits []Hit) Result {
	r := Result{Expectation: e, Hits: hits}
	firing := Firing(hits)
	slices.SortFunc(firing, func(a, b Hit) int { return int(a.At - b.At) })
	r.Verdict, r.Explanation = judge(e, firing)
	return r
}

func judge(e Expectation, firing []Hit) (Verdict, string) {
	n := len(firing)
	late := e.To + Slack
	if e.Drill == StopSender && n == 2 && raceAfterRejoin(e, firing) {
		return Pass, fmt.Sprintf("2 notifications %s apart: the stopped replica's replacement rejoined under the same name "+
			"and sent within gossip latency of %s. The known race of a same-name rejoin, not a fault of this cluster.",
			fmtD(firing[1].At-firing[0].At), firing[0].Sender)
	}
	if n != e.Count {
		return Fail, countMeaning(e, n)
	}
	for _, h := range firing {
		if h.At < e.From || h.At > late {
			return Fail, fmt.Sprintf("a notification arrived at %s, outside the model's window %s-%s (+%s): %s",
				fmtD(h.At), fmtD(e.From), fmtD(e.To), fmtD(Slack), timingMeaning(e, h))
		}
	}
	if msg, ok := sendersAgree(e, firing); !ok {
		return Fail, msg
	}
	switch e.Drill {
	case Partition:
		return Pass, fmt.Sprintf("2 notifications, one from each side (%s and %s), at %s and %s: the designed trade-off, "+
			"duplicates rather than a miss while the mesh is split.", firing[0].Sender, firing[1].Sender, fmtD(firing[0].At), fmtD(firing[1].At))
	case SlowReceiver:
		return Pass, slowPassed(e, firing)
	case StopSender:
		if firing[0].At > e.From+Slack {
			return Pass, fmt.Sprintf("1 notification from %s at %s: one peer-timeout late, because the stopped replica's "+
				"replacement had rejoined (same name, position 0) before the flush.", firing[0].Sender, fmtD(firing[0].At))
		}
	}
	return Pass, fmt.Sprintf("%d notification from %s at %s, as the model says.", n, firing[0].Sender, fmtD(firing[0].At))
}

// raceAfterRejoin: the two notifications of a stop-sender drill whose replacement rejoined
// (same name) and flushed before the log entry reached it come within about a second.
func raceAfterRejoin(e Expectation, firing []Hit) bool {
	const gossipLatency = 2 * time.Second
	return firing[1].At-firing[0].At <= gossipLatency && firing[1].At <= e.To+Slack && firing[0].Sender != firing[1].Sender
}

// countMeaning says what an unexpected count means for this drill.
func countMeaning(e Expectation, n int) string {
	got := fmt.Sprintf("%d notification(s), expected %s", n, e.Counts())
	switch {
	case n == 0:
		return got + ": none reached the sink. The drill route, the receiver's URL, or the path from the replicas " +
			"to the sink is broken (or an inhibition or silence muted the drill alert)."
	case e.Drill == Baseline && n > 1:
		return got + ": the replicas did not see each other's notification log in time. Gossip does not reach the " +
			"senders (a mesh port closed, the replicas in different clusters, or a receiver slower than peer-timeout): " +
			"every such replica notifies, and real alerts are duplicated the same way."
	case e.Drill == Partition && n == 1:
		return got + ": only one side notified. The mesh did not split, or the cut-off side could not reach the sink " +
			"or did not receive the alert: a side that cannot notify is a miss, not a duplicate."
	case e.Drill == SlowReceiver && n < e.Count:
		return got + fmt.Sprintf(": position 0's log entry reached the others before their waits ended, so its send returned "+
			"sooner than the %s the sink waits (a proxy between the replicas and the sink that answers for it?), or the replicas' "+
			"peer-timeout is longer than the drill read.", timing.Format(e.ReceiverDelay.D()))
	case n > e.Count:
		return got + ": more replicas sent than the fault explains; the survivors did not see each other's log in time."
	}
	return got + "."
}

// timingMeaning says what an arrival outside the window means.
func timingMeaning(e Expectation, h Hit) string {
	if h.At < e.From {
		return "earlier than group_wait: the alert's group existed before the drill (an old startsAt or a group key shared with other alerts)."
	}
	return "later than the peer-timeout model allows: the replicas are overloaded, the receiver slow, or their clocks or positions differ from what the drill saw."
}

// sendersAgree checks that the notifications came from the predicted replicas.
func sendersAgree(e Expectation, firing []Hit) (string, bool) {
	unknown := slices.ContainsFunc(firing, func(h Hit) bool { return h.Sender == "" })
	if unknown {
		// The count and times still judge the drill; the sender could not be seen.
		return "", true
	}
	if e.Drill == Partition {
		side := func(r string) int {
			for i, s := range e.Sides {
				if slices.Contains(s, r) {
					return i
				}
			}
			return -1
		}
		if side(firing[0].Sender) == side(firing[1].Sender) {
			return fmt.Sprintf("both notifications came from one side (%s, %s): the other side did not notify, so a real "+
				"partition there would be a miss for it.", firing[0].Sender, firing[1].Sender), false
		}
		return "", true
	}
	var got []string
	for _, h := range firing {
		got = append(got, h.Sender)
	}
	if !slices.Equal(got, e.Senders) {
		return fmt.Sprintf("sent by %s, expected %s: positions are not what the drill saw before the fault (a replica "+
			"restarted, or members are named differently from their pods).", strings.Join(got, ", "), strings.Join(e.Senders, ", ")), false
	}
	return "", true
}

func fmtD(d time.Duration) string { return timing.Format(d.Round(10 * time.Millisecond)) }
