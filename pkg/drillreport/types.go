package drillreport

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// Drill names, stable: the command line, the JSON report and the docs use them.
const (
	Baseline    = "baseline"
	StopSender  = "stop-sender"
	CrashSender = "crash-sender"
	Partition   = "partition"
	// RollingRestart and AllDown restart the replicas: not part of `drill all` (OptIn).
	RollingRestart = "rolling-restart"
	AllDown        = "all-down"
)

// Slack is how late after the model's window a notification may arrive and still pass: the
// flush, the send and the sink's clock are not instantaneous.
const Slack = 2 * time.Second

// Expectation is what a drill should observe on one cluster, times from T0 (the drill alert
// reached every replica).
type Expectation struct {
	Drill    string          `json:"drill"`
	Scenario timing.Scenario `json:"scenario,omitzero"`
	// Count is the exact number of firing notifications; with CountMax, the fewest.
	Count int `json:"count"`
	// CountMax, when above Count, is the most firing notifications the model allows (all-down
	// without persistent storage: replicas that start together may each notify once).
	CountMax int `json:"countMax,omitempty"`
	// From and To bound each arrival; a notification up to Slack after To still passes.
	From time.Duration `json:"from"`
	To   time.Duration `json:"to"`
	// Senders are the replicas that should send, one per notification in any order; for the
	// partition, one of each side (Sides).
	Senders []string `json:"senders,omitempty"`
	// Sides are the two sides of the partition (the cut-off replica alone, the rest).
	Sides [][]string `json:"sides,omitempty"`
	// Why says, with the cluster's numbers, what Alertmanager does and why.
	Why string `json:"why"`
	// ReceiverDelay is how late the sink answers the drill alert's webhooks (slow-receiver).
	ReceiverDelay model.Duration `json:"receiverDelay,omitempty"`
	// Fix says, with the cluster's numbers, what avoids what the drill shows and what that
	// costs (slow-receiver).
	Fix string `json:"fix,omitempty"`
}

// Verdict is how a drill ended.
type Verdict string

const (
	// Pass: the exact expected count, each within the window (+Slack), from the predicted sender.
	Pass Verdict = "PASS"
	// Fail: otherwise; the explanation says what it means for the cluster.
	Fail Verdict = "FAIL"
	// Inconclusive: the fault did not take (the mesh never split, the process did not crash).
	Inconclusive Verdict = "INCONCLUSIVE"
	// Skipped: the drill cannot run here (a missing right, no kill in the image, a policy that
	// keeps the mesh port open); the reason says which.
	Skipped Verdict = "SKIPPED"
	// NotRun: an earlier drill (baseline) failed, so this one would judge nothing.
	NotRun Verdict = "NOT RUN"
)

// Hit is one notification the sink recorded for the drill's alert group.
type Hit struct {
	// At is the arrival from T0.
	At time.Duration `json:"at"`
	// Sender is the replica it came from; "" when its source matched no replica's address
	// (SNAT, a service mesh).
	Sender string `json:"sender,omitempty"`
	// Resolved is a resolved notification (the drill's end), not a firing one.
	Resolved bool `json:"resolved,omitempty"`
}

// Result is a judged drill.
type Result struct {
	Expectation Expectation `json:"expected,omitzero"`
	Hits        []Hit       `json:"hits"`
	Verdict     Verdict     `json:"verdict"`
	// Explanation is one sentence: what was seen and what it means.
	Explanation string `json:"explanation"`
	// Events is the drill's timeline from T0: the alert posted, the fault, the split, each
	// notification with its sender, the heal and the resolve.
	Events []Event `json:"events,omitempty"`
	// Waited is the part of the drill's time spent in waits the fault and the model impose:
	// the split showing, and the count window from the alert to the last expected
	// notification and its slack.
	Waited time.Duration `json:"-"`
}

// Firing are the hits of firing notifications (not resolved ones).
func Firing(hits []Hit) []Hit {
	var out []Hit
	for _, h := range hits {
		if !h.Resolved {
			out = append(out, h)
		}
	}
	return out
}

// Event kinds of a drill's timeline (Event.Kind; docs/json.md).
const (
	EventPost    = "post"    // the drill alert posted to every replica (T0)
	EventFault   = "fault"   // the fault caused on a replica
	EventSplit   = "split"   // the mesh seen split in every replica's status
	EventNotify  = "notify"  // a notification arrived at the sink, from Replica
	EventHeal    = "heal"    // the fault undone
	EventResolve = "resolve" // the drill alert resolved on the replicas
)

// Event is one moment of a drill: what the report's and the live view's lanes show, one lane
// per replica and one for the whole cluster.
type Event struct {
	// At is the time from T0 (the drill alert posted); negative before it (a partition's
	// fault and split).
	At   time.Duration `json:"at"`
	Kind string        `json:"kind"`
	// Replica is the replica the event is about; "" for the whole cluster.
	Replica string `json:"replica,omitempty"`
	Text    string `json:"text"`
}

// MarshalJSON writes the time as a duration ("-3.2s"), as every amha report does.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event
	return json.Marshal(struct {
		plain
		At model.Duration `json:"at"`
	}{plain(e), model.Duration(e.At)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (e *Event) UnmarshalJSON(b []byte) error {
	type plain Event
	var v struct {
		plain
		At model.Duration `json:"at"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*e = Event(v.plain)
	e.At = v.At.D()
	return nil
}

// Counts says how many firing notifications are expected: "2", or "2 to 4".
func (e Expectation) Counts() string {
	if e.CountMax > e.Count {
		return fmt.Sprintf("%d to %d", e.Count, e.CountMax)
	}
	return fmt.Sprintf("%d", e.Count)
}

// Allows says whether n firing notifications are as many as expected.
func (e Expectation) Allows(n int) bool {
	return n == e.Count || n > e.Count && n <= e.CountMax
}
