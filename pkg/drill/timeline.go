package drill

import (
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

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

// timeline records a drill's events as they happen, on the wall clock, and tells each to
// Options.OnEvent.
type timeline struct {
	mu     sync.Mutex
	at     []time.Time
	events []Event
	on     func(time.Time, Event)
}

func (t *timeline) add(kind, replica, text string) {
	now := time.Now()
	e := Event{Kind: kind, Replica: replica, Text: text}
	t.mu.Lock()
	t.at = append(t.at, now)
	t.events = append(t.events, e)
	t.mu.Unlock()
	if t.on != nil {
		t.on(now, e)
	}
}

// relative is the timeline from t0, with a notify event for each hit, in time order.
func (t *timeline) relative(t0 time.Time, hits []Hit) []Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Event, 0, len(t.events)+len(hits))
	for i, e := range t.events {
		e.At = t.at[i].Sub(t0)
		out = append(out, e)
	}
	for _, h := range hits {
		text := "notification"
		if h.Resolved {
			text = "resolved notification"
		}
		if h.Sender == "" {
			text += " from an unknown sender"
		}
		out = append(out, Event{At: h.At, Kind: EventNotify, Replica: h.Sender, Text: text})
	}
	slices.SortStableFunc(out, func(a, b Event) int { return int(a.At - b.At) })
	return out
}
