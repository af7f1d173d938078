package sink

import (
	"sync"
	"time"
)

// recentBad is how many bad requests the store keeps with their reason; all are counted.
const recentBad = 32

// BadRequest is a request that carried no notification, and why.
type BadRequest struct {
	At     time.Time `json:"at"`
	Source string    `json:"source"`
	Reason string    `json:"reason"`
}

// Filter selects hits; the zero Filter selects all.
type Filter struct {
	// Label and Value: only hits with an alert that has this label with this value.
	Label, Value string
}

func (f Filter) match(h *Hit) bool {
	return f.Label == "" || h.hasLabel(f.Label, f.Value)
}

// store keeps the latest hits within a count and a memory budget, oldest dropped first.
type store struct {
	maxHits, maxBytes int

	mu      sync.Mutex
	hits    []entry
	bytes   int
	seq     uint64
	dropped int
	bad     int
	badLog  []BadRequest
}

type entry struct {
	hit  Hit
	size int
}

func (s *store) add(h Hit) Hit {
	size := h.size()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	h.Seq = s.seq
	s.hits = append(s.hits, entry{h, size})
	s.bytes += size
	for len(s.hits) > 1 && (len(s.hits) > s.maxHits || s.bytes > s.maxBytes) {
		s.bytes -= s.hits[0].size
		s.hits[0] = entry{} // let the dropped hit's maps go before the array is reallocated
		s.hits = s.hits[1:]
		s.dropped++
	}
	return h
}

func (s *store) addBad(b BadRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bad++
	if len(s.badLog) == recentBad {
		copy(s.badLog, s.badLog[1:])
		s.badLog = s.badLog[:recentBad-1]
	}
	s.badLog = append(s.badLog, b)
}

// Report is what GET /hits serves.
type Report struct {
	APIVersion string       `json:"apiVersion"` // amha.dev/v1alpha1
	Kind       string       `json:"kind"`       // SinkHits
	Since      time.Time    `json:"since"`      // when the sink started
	Hits       []Hit        `json:"hits"`       // kept hits the filter selects, oldest first
	Bad        int          `json:"bad"`        // bad requests since the start, filter or not
	Dropped    int          `json:"dropped"`    // hits dropped to stay within the limits
	BadLatest  []BadRequest `json:"badLatest"`  // the latest bad requests, at most 32
}

func (s *store) report(f Filter) Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := Report{
		APIVersion: "amha.dev/v1alpha1",
		Kind:       "SinkHits",
		Hits:       []Hit{},
		Bad:        s.bad,
		Dropped:    s.dropped,
		BadLatest:  append([]BadRequest{}, s.badLog...),
	}
	for i := range s.hits {
		if f.match(&s.hits[i].hit) {
			r.Hits = append(r.Hits, s.hits[i].hit)
		}
	}
	return r
}
