package timing

import (
	"fmt"
	"strings"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// Scenario ids, stable: drills and docs refer to them.
const (
	Healthy        = "healthy"
	CrashPosition0 = "crash-position-0"
	GracefulStop   = "graceful-stop"
	Freeze         = "freeze"
	Partition      = "partition"
	SlowReceiver   = "slow-receiver"
	ConfigDrift    = "config-drift"
	AllDown        = "all-down"
	FullRestart    = "full-restart"
	// RollingRestart is a scenario of the drills only, not of the failure table (IDs,
	// Scenarios): a rollout done right, which should change nothing. Lookup finds it.
	RollingRestart = "rolling-restart"
)

// IDs lists every scenario id in the order Scenarios returns them.
var IDs = []string{Healthy, CrashPosition0, GracefulStop, Freeze, Partition, SlowReceiver, ConfigDrift, AllDown, FullRestart}

// Scenario is what one firing alert group produces in one failure scenario.
type Scenario struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
	// Min and Max bound the number of notifications the receiver gets for the group.
	Min int `json:"min"`
	Max int `json:"max"`
	// Window bounds when they arrive, from the first alert reaching the replicas (for
	// full-restart: from the replicas being back). Nil when none is sent.
	Window *Window `json:"window,omitempty"`
	// At are the arrival times in the typical case, one per notification.
	At []model.Duration `json:"at,omitempty"`
	// Every is set when the pattern repeats at each group_interval until the cause is gone.
	Every       model.Duration `json:"every,omitempty"`
	Explanation string         `json:"explanation"`
}

// Window is a closed interval of arrival times.
type Window struct {
	From model.Duration `json:"from"`
	To   model.Duration `json:"to"`
}

// Count renders Min and Max: "1" or "1-3".
func (s Scenario) Count() string {
	if s.Min == s.Max {
		return fmt.Sprint(s.Min)
	}
	return fmt.Sprintf("%d-%d", s.Min, s.Max)
}

// When renders the window: "45s", "30s-45s" or "-".
func (s Scenario) When() string {
	if s.Window == nil {
		return "-"
	}
	w := Format(s.Window.From.D())
	if s.Window.To != s.Window.From {
		w += "-" + Format(s.Window.To.D())
	}
	if s.Every != 0 {
		w += ", every " + Format(s.Every.D())
	}
	return w
}

// Scenarios computes every scenario for p, in the order of IDs.
func Scenarios(p Params) ([]Scenario, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p = p.WithDefaults()
	return []Scenario{
		healthy(p), crashPosition0(p), gracefulStop(p), freeze(p), partition(p),
		slowReceiver(p), configDrift(p), allDown(p), fullRestart(p),
	}, nil
}

// Lookup returns the scenario with id from Scenarios(p).
func Lookup(p Params, id string) (Scenario, error) {
	ss, err := Scenarios(p)
	if err != nil {
		return Scenario{}, err
	}
	for _, s := range ss {
		if s.ID == id {
			return s, nil
		}
	}
	if id == RollingRestart {
		return rollingRestart(p.WithDefaults()), nil
	}
	return Scenario{}, fmt.Errorf("unknown scenario %q (want one of %s)", id, strings.Join(IDs, ", "))
}

func healthy(p Params) Scenario {
	gw := p.GroupWait
	s := Scenario{
		ID: Healthy, Summary: "healthy mesh, receiver faster than peer-timeout",
		Min: 1, Max: 1, Window: window(gw, gw), At: ats(gw),
	}
	if p.Replicas == 1 {
		s.Explanation = fmt.Sprintf("The only replica sends at group_wait (%s). There is no other to cover for it.", Format(gw))
		return s
	}
	s.Explanation = fmt.Sprintf("Position 0 sends at group_wait (%s) and gossips the log entry; position i finds it when its "+
		"wait ends at group_wait + i x peer-timeout (%s for the last) and stays quiet.", Format(gw), Format(gw+p.LastWait()))
	if p.ReceiverLatency >= p.PeerTimeout {
		s.Explanation += fmt.Sprintf(" This receiver (%s) is not faster than peer-timeout (%s): see %s.",
			Format(p.ReceiverLatency), Format(p.PeerTimeout), SlowReceiver)
	}
	return s
}

func crashPosition0(p Params) Scenario {
	s := Scenario{ID: CrashPosition0, Summary: "position 0 killed (SIGKILL) before its flush"}
	if p.Replicas == 1 {
		s.Explanation = "The only replica is gone: nothing is sent until it is back and Prometheus has re-sent the alerts, " +
			"then it notifies group_wait later (and once more for groups already notified, without persistent storage)."
		return s
	}
	gw, pt := p.GroupWait, p.PeerTimeout
	s.Min, s.Max = 1, 1
	s.Window, s.At = window(gw, gw+pt), ats(gw+pt)
	s.Explanation = fmt.Sprintf("Position 1 finds no log entry when its wait ends and sends at group_wait + 1 x peer-timeout (%s). "+
		"If the others had already marked the dead replica failed (about 5-7s at default probe settings), positions "+
		"shift and the new position 0 sends at group_wait (%s). One notification, late by at most one peer-timeout.",
		Format(gw+pt), Format(gw))
	return s
}

func gracefulStop(p Params) Scenario {
	s := Scenario{ID: GracefulStop, Summary: "position 0 stopped gracefully (SIGTERM, rollout, drain)"}
	if p.Replicas == 1 {
		s.Explanation = "The only replica is gone: nothing is sent until it is back. Its log and silences are " +
			"snapshotted at shutdown and loaded at start when --storage.path survives the pod."
		return s
	}
	gw := p.GroupWait
	s.Min, s.Max = 1, 1
	s.Window, s.At = window(gw, gw), ats(gw)
	s.Explanation = fmt.Sprintf("It leaves the mesh, positions shift, and the next replica is position 0: "+
		"one notification at group_wait (%s), no delay.", Format(gw))
	return s
}

func freeze(p Params) Scenario {
	gw, pt, f, l := p.GroupWait, p.PeerTimeout, p.Freeze, p.ReceiverLatency
	s := Scenario{ID: Freeze, Summary: fmt.Sprintf("position 0 frozen for %s at its flush (SIGSTOP, GC or node stall)", Format(f))}
	if p.Replicas == 1 {
		s.Min, s.Max = 1, 1
		s.Window, s.At = window(gw+f, gw+f), ats(gw+f)
		s.Explanation = fmt.Sprintf("The only replica sends when it resumes, %s late.", Format(f))
		return s
	}
	if f <= pt {
		s.Min, s.Max = 1, 1
		s.Window, s.At = window(gw+f, gw+f), ats(gw+f)
		s.Explanation = fmt.Sprintf("It resumes within peer-timeout (%s) and sends at %s; position 1 finds the entry at %s.",
			Format(pt), Format(gw+f), Format(gw+pt))
		if f+l >= pt {
			s.Max = 2
			s.Window, s.At = window(gw+f, gw+pt), ats(gw+f, gw+pt)
			s.Explanation = fmt.Sprintf("It resumes within peer-timeout and sends at %s, but its entry is written only after the "+
				"%s send, after position 1's wait ends at %s: up to 2.", Format(gw+f), Format(l), Format(gw+pt))
		}
		return s
	}
	s.Min, s.Max = 1, 2
	s.Window, s.At = window(gw, gw+f), ats(gw+pt, gw+f)
	s.Explanation = fmt.Sprintf("A frozen replica is not gone: it stays in the member list (suspect) and keeps position 0, so "+
		"position 1 covers for it at group_wait + 1 x peer-timeout (%s), or at group_wait if it was already marked failed. "+
		"When it resumes (%s) it carries on where it stopped: past dedup it sends a second notification; before dedup "+
		"it stays quiet if the gossiped entry is processed first. 1, up to 2.", Format(gw+pt), Format(gw+f))
	return s
}

func partition(p Params) Scenario {
	k := p.PartitionSides
	reached := k - p.SidesUnreached
	gw := p.GroupWait
	s := Scenario{
		ID:      Partition,
		Summary: fmt.Sprintf("mesh split into %d sides, %d reached by Prometheus and the receiver", k, reached),
		Min:     reached, Max: reached,
	}
	if reached > 0 {
		s.Window = window(gw, gw+p.LastWait())
		at := make([]time.Duration, reached)
		for i := range at {
			at[i] = gw
		}
		s.At = ats(at...)
	}
	var b strings.Builder
	if k == 1 {
		b.WriteString("One replica cannot be split: 1 notification at group_wait.")
		return withExplanation(s, b.String())
	}
	if k == 2 {
		b.WriteString("Each side keeps its own notification log and no entry crosses the split, so both halves notify: " +
			"duplicates rather than a miss, by design (Alertmanager fails open).")
	} else {
		fmt.Fprintf(&b, "Each side keeps its own notification log and no entry crosses the split, so every side notifies: "+
			"%d notifications, duplicates rather than a miss, by design (Alertmanager fails open).", k)
	}
	fmt.Fprintf(&b, " Each side's first member sends at group_wait (%s) once the others are marked failed (about 5-7s); "+
		"on a split just before the flush it still counts them and sends up to %s. Receivers that dedupe by key "+
		"(PagerDuty, Opsgenie) absorb the duplicates; webhook, Slack and email show them.", Format(gw), Format(gw+p.LastWait()))
	if p.SidesUnreached > 0 {
		fmt.Fprintf(&b, " %d side(s) are not reached: a side Prometheus does not reach holds no alerts and sends nothing; "+
			"a side that cannot reach the receiver fails, writes no entry and retries every group_interval.", p.SidesUnreached)
	}
	return withExplanation(s, b.String())
}

func slowReceiver(p Params) Scenario {
	n, gw, pt, l := p.Replicas, p.GroupWait, p.PeerTimeout, p.ReceiverLatency
	s := Scenario{ID: SlowReceiver, Summary: fmt.Sprintf("receiver takes %s per send (peer-timeout %s)", Format(l), Format(pt))}
	if l == 0 {
		// No latency given: show what a receiver twice as slow as the peer timeout does, the
		// case this row is for, and say that it is an example.
		l = 2 * pt
		s.Summary = fmt.Sprintf("receiver takes %s per send, for example (2 × peer-timeout %s; give the receiver's latency)", Format(l), Format(pt))
	}
	if budget := p.FlushBudget(); l >= budget {
		s.Min, s.Max = n, n
		s.At = positions(gw, pt, n)
		s.Window = window(gw, gw+p.LastWait())
		s.Every = model.Duration(p.GroupInterval)
		s.Explanation = fmt.Sprintf("Slower than the flush budget max(group_interval, 10s) = %s: every send is cancelled at its "+
			"deadline, counts as failed and writes no log entry. Every replica sends at its position, and again every "+
			"group_interval, while the receiver may well be processing each request: %d per group_interval.", Format(budget), n)
		return s
	}
	// Replica i reaches dedup at gw + i*pt; position 0's entry lands at gw + l. It sends
	// surely when i*pt < l, and races the entry when i*pt == l.
	sure := int((l + pt - 1) / pt) // ceil(l/pt)
	s.Min = min(n, max(1, sure))
	s.Max = min(n, 1+int(l/pt))
	s.At = positions(gw, pt, s.Max)
	s.Window = window(gw, gw+p.Wait(s.Max-1))
	if s.Max == 1 {
		s.Explanation = fmt.Sprintf("The log entry is written after the %s send, before position 1's wait ends (%s): no duplicate.",
			Format(l), Format(gw+pt))
		return s
	}
	s.Explanation = fmt.Sprintf("The log entry is written only after a successful send, %s after it started. Every replica whose "+
		"wait ends before that sends too: up to 1 + floor(L / peer-timeout) = %d, at most N = %d, %s apart. Raise "+
		"--cluster.peer-timeout above the receiver's worst latency, or make the receiver answer faster.",
		Format(l), 1+int(l/pt), n, Format(pt))
	return s
}

func configDrift(p Params) Scenario {
	n, gw, pt := p.Replicas, p.GroupWait, p.PeerTimeout
	s := Scenario{
		ID: ConfigDrift, Summary: "alertmanager.yml differs between replicas (routes, receiver names, integration order)",
		Min: 1, Max: n, At: positions(gw, pt, n), Window: window(gw, gw+p.LastWait()),
	}
	s.Explanation = fmt.Sprintf("The log key includes the route's matcher chain and the receiver: replicas with different "+
		"routes look for different keys and never find each other's entries. Each sends at its own position: up to %d, "+
		"from %s to %s. Only groups whose route or receiver differs are affected.", n, Format(gw), Format(gw+p.LastWait()))
	return s
}

func allDown(Params) Scenario {
	return Scenario{
		ID: AllDown, Summary: "every replica down",
		Explanation: "Nothing is sent and nothing says so: only a dead-man's switch (an always-firing Watchdog alert " +
			"routed to a service outside the cluster that pages when the heartbeat stops) tells.",
	}
}

func fullRestart(p Params) Scenario {
	gw := p.GroupWait
	s := Scenario{ID: FullRestart, Summary: "every replica restarted at once"}
	back := window(gw, PrometheusResendDelay+gw)
	if !p.PersistentStorage {
		s.Summary += ", without persistent storage"
		s.Min, s.Max, s.Window, s.At = 1, max(1, p.Replicas), back, ats(gw)
		s.Explanation = fmt.Sprintf("The notification log was lost with the pods: every group still firing notifies once more, "+
			"group_wait (%s) after Prometheus re-sent its alerts (within its resend delay, 1m by default). ", Format(gw))
		if p.Replicas > 1 {
			s.Explanation += fmt.Sprintf("Replicas that start together may each notify it (up to %d times): a replica that "+
				"resolves its peers' DNS names before they are published starts alone, settles alone and flushes before "+
				"its DNS refresh (every 15s) joins it to the others (alertmanager#1449). ", p.Replicas)
		}
		s.Explanation += "Put --storage.path on a persistent volume."
		return s
	}
	s.Summary += ", with persistent storage"
	s.Min, s.Max, s.Window, s.At = 0, 1, back, nil
	s.Explanation = "The log and silences are snapshotted at shutdown and every --data.maintenance-interval (15m), and " +
		"loaded at start: after a graceful restart nothing repeats. After a crash of every replica, groups notified " +
		"since the last snapshot notify once more."
	return s
}

func rollingRestart(p Params) Scenario {
	s := Scenario{ID: RollingRestart, Summary: "every replica restarted, one at a time, each after the previous one settled"}
	if p.Replicas == 1 {
		s.Summary = "the only replica restarted"
		s.Explanation = "There is no peer to pull the notification log from: see " + FullRestart + "."
		return s
	}
	s.Explanation = "A group already notified is not notified again: each restarted replica pulls the notification log " +
		"from its peers when it joins (a full state exchange), before it has settled and so before its first flush; " +
		"given the still-firing alert with its old startsAt, it flushes right after settling, finds the entry and stays " +
		"quiet. 0 more, even with --storage.path wiped, as long as each replica goes down only after the previous one " +
		"has settled (status ready): else the log may be held by no running replica."
	return s
}

func withExplanation(s Scenario, e string) Scenario { s.Explanation = e; return s }

func window(from, to time.Duration) *Window {
	return &Window{From: model.Duration(from), To: model.Duration(to)}
}

func ats(ds ...time.Duration) []model.Duration {
	out := make([]model.Duration, len(ds))
	for i, d := range ds {
		out[i] = model.Duration(d)
	}
	return out
}

// positions are the arrival times when the first n positions all send.
func positions(gw, pt time.Duration, n int) []model.Duration {
	out := make([]model.Duration, n)
	for i := range out {
		out[i] = model.Duration(gw + time.Duration(i)*pt)
	}
	return out
}

// Format writes a duration the way Alertmanager flags and configs do: 45s, 1m, 1m30s, 4h, 500ms.
func Format(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	if d < time.Second || d%time.Second != 0 {
		return d.String()
	}
	s := d.String() // e.g. 1h0m0s
	s = strings.Replace(s, "m0s", "m", 1)
	s = strings.Replace(s, "h0m", "h", 1)
	return s
}
