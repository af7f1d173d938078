package drill

import (
	"slices"
	"sync"
	"time"
)

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
