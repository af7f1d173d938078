package timing

import (
	"strings"
	"testing"
	"time"
)

type want struct {
	min, max int
	from, to time.Duration // window; both zero: no window
	at       []time.Duration
	every    time.Duration
}

// rolling-restart is found by Lookup but is not a row of the failure table.
func TestRollingRestartScenario(t *testing.T) {
	p := Params{Replicas: 3, PeerTimeout: 3 * time.Second, GroupWait: 5 * time.Second}
	s, err := Lookup(p, RollingRestart)
	if err != nil {
		t.Fatal(err)
	}
	if s.Min != 0 || s.Max != 0 || s.Window != nil || !strings.Contains(s.Explanation, "pulls the notification log") {
		t.Errorf("rolling-restart: %+v", s)
	}
	ss, _ := Scenarios(p)
	for _, sc := range ss {
		if sc.ID == RollingRestart {
			t.Errorf("rolling-restart is in the failure table")
		}
	}
	if _, err := Lookup(Params{Replicas: 3, PeerTimeout: -1}, RollingRestart); err == nil {
		t.Errorf("invalid params accepted")
	}
}

func TestTimingScenarios(t *testing.T) {
	s := time.Second
	cases := []struct {
		name string
		p    Params
		want map[string]want
	}{
		{
			name: "3 replicas, 15s peer-timeout, 30s group_wait",
			p:    Params{Replicas: 3, PeerTimeout: 15 * s, GroupWait: 30 * s, GroupInterval: 5 * time.Minute, ReceiverLatency: 200 * time.Millisecond},
			want: map[string]want{
				Healthy:        {min: 1, max: 1, from: 30 * s, to: 30 * s, at: []time.Duration{30 * s}},
				CrashPosition0: {min: 1, max: 1, from: 30 * s, to: 45 * s, at: []time.Duration{45 * s}},
				GracefulStop:   {min: 1, max: 1, from: 30 * s, to: 30 * s, at: []time.Duration{30 * s}},
				Freeze:         {min: 1, max: 2, from: 30 * s, to: 60 * s, at: []time.Duration{45 * s, 60 * s}},
				Partition:      {min: 2, max: 2, from: 30 * s, to: 60 * s, at: []time.Duration{30 * s, 30 * s}},
				SlowReceiver:   {min: 1, max: 1, from: 30 * s, to: 30 * s, at: []time.Duration{30 * s}},
				ConfigDrift:    {min: 1, max: 3, from: 30 * s, to: 60 * s, at: []time.Duration{30 * s, 45 * s, 60 * s}},
				AllDown:        {},
				FullRestart:    {min: 1, max: 3, from: 30 * s, to: 90 * s, at: []time.Duration{30 * s}},
			},
		},
		{
			// Confirmed on real replicas: two notifications 3s apart.
			name: "2 replicas, 3s peer-timeout, 5s webhook",
			p:    Params{Replicas: 2, PeerTimeout: 3 * s, GroupWait: 10 * s, GroupInterval: time.Minute, ReceiverLatency: 5 * s},
			want: map[string]want{
				Healthy:        {min: 1, max: 1, from: 10 * s, to: 10 * s, at: []time.Duration{10 * s}},
				CrashPosition0: {min: 1, max: 1, from: 10 * s, to: 13 * s, at: []time.Duration{13 * s}},
				SlowReceiver:   {min: 2, max: 2, from: 10 * s, to: 13 * s, at: []time.Duration{10 * s, 13 * s}},
				ConfigDrift:    {min: 1, max: 2, from: 10 * s, to: 13 * s, at: []time.Duration{10 * s, 13 * s}},
				Partition:      {min: 2, max: 2, from: 10 * s, to: 13 * s, at: []time.Duration{10 * s, 10 * s}},
			},
		},
		{
			name: "5 replicas, 10s peer-timeout, 25s receiver, 3-way partition with one side unreached",
			p:    Params{Replicas: 5, PeerTimeout: 10 * s, GroupWait: 30 * s, ReceiverLatency: 25 * s, PersistentStorage: true, PartitionSides: 3, SidesUnreached: 1},
			want: map[string]want{
				SlowReceiver: {min: 3, max: 3, from: 30 * s, to: 50 * s, at: []time.Duration{30 * s, 40 * s, 50 * s}},
				Partition:    {min: 2, max: 2, from: 30 * s, to: 70 * s, at: []time.Duration{30 * s, 30 * s}},
				FullRestart:  {min: 0, max: 1, from: 30 * s, to: 90 * s},
				ConfigDrift:  {min: 1, max: 5, from: 30 * s, to: 70 * s, at: []time.Duration{30 * s, 40 * s, 50 * s, 60 * s, 70 * s}},
			},
		},
		{
			name: "latency exactly peer-timeout races the entry",
			p:    Params{Replicas: 3, PeerTimeout: 5 * s, GroupWait: 0, ReceiverLatency: 5 * s},
			want: map[string]want{
				// group_wait 0s is valid and used as given.
				SlowReceiver: {min: 1, max: 2, from: 0, to: 5 * s, at: []time.Duration{0, 5 * s}},
			},
		},
		{
			name: "slow receiver capped at N",
			p:    Params{Replicas: 2, PeerTimeout: time.Second, GroupWait: 30 * s, ReceiverLatency: 9 * s, GroupInterval: time.Minute},
			want: map[string]want{
				SlowReceiver: {min: 2, max: 2, from: 30 * s, to: 31 * s, at: []time.Duration{30 * s, 31 * s}},
			},
		},
		{
			name: "receiver slower than the flush budget: every replica, every group_interval",
			p:    Params{Replicas: 3, PeerTimeout: 15 * s, GroupWait: 30 * s, GroupInterval: 5 * s, ReceiverLatency: 12 * s},
			want: map[string]want{
				SlowReceiver: {min: 3, max: 3, from: 30 * s, to: 60 * s, at: []time.Duration{30 * s, 45 * s, 60 * s}, every: 5 * s},
			},
		},
		{
			name: "freeze shorter than peer-timeout",
			p:    Params{Replicas: 3, PeerTimeout: 15 * s, GroupWait: 30 * s, Freeze: 5 * s, ReceiverLatency: s},
			want: map[string]want{
				Freeze: {min: 1, max: 1, from: 35 * s, to: 35 * s, at: []time.Duration{35 * s}},
			},
		},
		{
			name: "one replica",
			p:    Params{Replicas: 1, GroupWait: 30 * s},
			want: map[string]want{
				Healthy:        {min: 1, max: 1, from: 30 * s, to: 30 * s, at: []time.Duration{30 * s}},
				CrashPosition0: {},
				GracefulStop:   {},
				Partition:      {min: 1, max: 1, from: 30 * s, to: 30 * s, at: []time.Duration{30 * s}},
				ConfigDrift:    {min: 1, max: 1, from: 30 * s, to: 30 * s, at: []time.Duration{30 * s}},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ss, err := Scenarios(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if len(ss) != len(IDs) {
				t.Fatalf("%d scenarios, want %d", len(ss), len(IDs))
			}
			for i, sc := range ss {
				if sc.ID != IDs[i] {
					t.Errorf("scenario %d is %q, want %q", i, sc.ID, IDs[i])
				}
				if sc.Summary == "" || sc.Explanation == "" {
					t.Errorf("%s: empty summary or explanation", sc.ID)
				}
				if sc.Min > sc.Max || sc.Max > max(tc.p.Replicas, 1) {
					t.Errorf("%s: count %d-%d out of range for %d replicas", sc.ID, sc.Min, sc.Max, tc.p.Replicas)
				}
				w, ok := tc.want[sc.ID]
				if !ok {
					continue
				}
				if sc.Min != w.min || sc.Max != w.max {
					t.Errorf("%s: count %d-%d, want %d-%d", sc.ID, sc.Min, sc.Max, w.min, w.max)
				}
				var from, to time.Duration
				if sc.Window != nil {
					from, to = sc.Window.From.D(), sc.Window.To.D()
				}
				if from != w.from || to != w.to {
					t.Errorf("%s: window %s-%s, want %s-%s", sc.ID, from, to, w.from, w.to)
				}
				var at []time.Duration
				for _, a := range sc.At {
					at = append(at, a.D())
				}
				if !equal(at, w.at) {
					t.Errorf("%s: at %v, want %v", sc.ID, at, w.at)
				}
				if sc.Every.D() != w.every {
					t.Errorf("%s: every %s, want %s", sc.ID, sc.Every.D(), w.every)
				}
			}
		})
	}
}

func TestTimingPartitionSaysDuplicatesPlainly(t *testing.T) {
	sc, err := Lookup(Params{Replicas: 3}, Partition)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sc.Explanation, "both halves notify: duplicates rather than a miss, by design") {
		t.Errorf("partition explanation hides the duplicates: %s", sc.Explanation)
	}
	sc, _ = Lookup(Params{Replicas: 5, PartitionSides: 3}, Partition)
	if sc.Max != 3 || !strings.Contains(sc.Explanation, "duplicates rather than a miss, by design") {
		t.Errorf("3-way partition: %d, %s", sc.Max, sc.Explanation)
	}
}

func TestTimingValidate(t *testing.T) {
	bad := []Params{
		{Replicas: 0},
		{Replicas: 3, PeerTimeout: -time.Second},
		{Replicas: 3, ReceiverLatency: -1},
		{Replicas: 3, PartitionSides: 2, SidesUnreached: 3},
	}
	for _, p := range bad {
		if _, err := Scenarios(p); err == nil {
			t.Errorf("%+v: no error", p)
		}
	}
	if _, err := Lookup(Params{Replicas: 3}, "nope"); err == nil {
		t.Error("unknown id: no error")
	}
}

func TestTimingFormat(t *testing.T) {
	for d, w := range map[time.Duration]string{
		0: "0s", 45 * time.Second: "45s", time.Minute: "1m", 90 * time.Second: "1m30s", 4 * time.Hour: "4h",
		time.Hour + 30*time.Second: "1h30s", 500 * time.Millisecond: "500ms", 90 * time.Minute: "1h30m",
	} {
		if got := Format(d); got != w {
			t.Errorf("Format(%s) = %q, want %q", d, got, w)
		}
	}
}

func TestTimingWaits(t *testing.T) {
	p := Params{Replicas: 3, PeerTimeout: 15 * time.Second, GroupInterval: 5 * time.Second}
	if p.LastWait() != 30*time.Second || p.Wait(1) != 15*time.Second {
		t.Errorf("waits %s %s", p.Wait(1), p.LastWait())
	}
	if p.FlushBudget() != 10*time.Second {
		t.Errorf("flush budget %s, want the 10s floor", p.FlushBudget())
	}
}

func equal(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Without a receiver latency the slow-receiver row shows an example receiver twice as slow as
// the peer timeout, and says it is an example, instead of a meaningless 0s receiver.
func TestTimingSlowReceiverExampleWithoutLatency(t *testing.T) {
	scs, err := Scenarios(Params{Replicas: 3, PeerTimeout: 15 * time.Second, GroupWait: 30 * time.Second, GroupInterval: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scs {
		if sc.ID != SlowReceiver {
			continue
		}
		if sc.Min != 2 || sc.Max != 3 || !strings.Contains(sc.Summary, "30s per send, for example") {
			t.Fatalf("slow-receiver without latency: %d-%d %q", sc.Min, sc.Max, sc.Summary)
		}
		return
	}
	t.Fatal("no slow-receiver scenario")
}
