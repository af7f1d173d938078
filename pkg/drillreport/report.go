package drillreport

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// Report is what `kubectl amha drill -o json` prints (kind DrillReport, docs/json.md).
type Report struct {
	Cluster   string `json:"cluster"`
	Namespace string `json:"namespace,omitempty"`
	// Run is the run id: the sink and policies carry it as amha.dev/drill-run, and each
	// drill's alert as amha_drill=<run>-<drill>.
	Run    string     `json:"run"`
	DryRun bool       `json:"dryRun,omitempty"`
	Timing ReportTime `json:"timing,omitzero"`
	// Positions are the replicas (pods) by gossip position before the first drill.
	Positions []string `json:"positions"`
	// Labels are the drill alert's labels beyond alertname and amha_drill: namespace=<ns> when
	// the drill route comes from a prometheus-operator AlertmanagerConfig in namespace ns.
	Labels map[string]string `json:"labels,omitempty"`
	// TeamAlerts are the team's own alerts the drills may make fire; Silences the ids of the
	// silences that muted them for the run (--silence-team-alerts), expired at its end.
	TeamAlerts []string      `json:"teamAlerts,omitempty"`
	Silences   []string      `json:"silences,omitempty"`
	Drills     []ReportDrill `json:"drills"`
	// Route is the drill route the replicas' running configuration was matched with, or in a
	// dry run without one, what to add.
	Route *ReportRoute `json:"route,omitempty"`
	// Stopped says why the run stopped before its first drill (exit 2); absent when the drills ran.
	Stopped *Stopped `json:"stopped,omitempty"`
	// Interrupted is the alert of the drill Ctrl-C stopped (exit 130); absent otherwise.
	Interrupted string `json:"interrupted,omitempty"`
	// MeshAtEnd is the mesh after the last drill's heal: whole again, or not within the bound.
	MeshAtEnd *MeshAtEnd `json:"meshAtEnd,omitempty"`
	// MissingRights are the rights the drills need that the user lacks ("create pods/exec"):
	// in a dry run, or when the run stopped on them.
	MissingRights []string `json:"missingRights,omitempty"`
	// Observed is the always-firing alert the drills counted instead of a drill alert
	// (--observe-only); absent otherwise.
	Observed *Watched `json:"observed,omitempty"`
}

// Watched is the always-firing alert an observe-only drill counts, as the replicas route it.
type Watched struct {
	// Alert is its alertname; Labels are its labels on the first replica.
	Alert  string            `json:"alert"`
	Labels map[string]string `json:"labels"`
	// Receiver is the receiver it reaches (several joined by ", " when it matches several
	// routes); Integrations are the kinds of integration (webhook, email, ...) whose counters
	// the drill reads.
	Receiver     string   `json:"receiver"`
	Integrations []string `json:"integrations"`
	// GroupInterval and RepeatInterval are its route's: it is sent again every
	// repeat_interval, at the first flush (every group_interval) after it.
	GroupInterval  time.Duration `json:"groupInterval"`
	RepeatInterval time.Duration `json:"repeatInterval"`
	// Window is how long each drill counts (and holds its fault).
	Window time.Duration `json:"window"`
	// Others are the other active alerts whose route ends at a receiver with one of these
	// integrations: their sends count too.
	Others []string `json:"others,omitempty"`
}

// ReportRoute is the drill route the replicas' running configuration was matched with.
type ReportRoute struct {
	// Receiver is the receiver the drill alert reaches: amha-drill-sink, or
	// <namespace>/<AlertmanagerConfig>/amha-drill-sink.
	Receiver string `json:"receiver,omitempty"`
	// Others are the configuration's other sink receivers, not used, each with why.
	Others []string `json:"others,omitempty"`
	// Missing says why no route passes (a dry run goes on with the numbers of the route to
	// add; a run stops); ToAdd is the route and receiver to add to alertmanager.yml, and
	// AlertmanagerConfigToAdd the same as an AlertmanagerConfig when prometheus-operator runs
	// the cluster.
	Missing                 string `json:"missing,omitempty"`
	ToAdd                   string `json:"toAdd,omitempty"`
	AlertmanagerConfigToAdd string `json:"alertmanagerConfigToAdd,omitempty"`
}

// Stopped is why a run stopped before its first drill.
type Stopped struct {
	// Reason is one of the Stop* reasons.
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// Why a run stopped before its first drill (Stopped.Reason; docs/json.md).
const (
	StopNotFound     = "not-found"      // the cluster was not found, or NAME is ambiguous
	StopRights       = "missing-rights" // a right the drills need is missing
	StopLeftovers    = "leftovers"      // another run's objects have not expired
	StopPreflight    = "preflight"      // the mesh is not whole or settled, under 2 replicas, a replica did not answer
	StopSinkBlocked  = "sink-blocked"   // a NetworkPolicy keeps a replica from reaching the sink
	StopNoRoute      = "no-route"       // no drill route delivers the drill alert to the sink alone
	StopMuted        = "muted"          // a silence, inhibit rule, time interval or config drift would mute or skew it
	StopNotConfirmed = "not-confirmed"  // not confirmed, or no terminal to ask on and no --yes
	StopSink         = "sink"           // the sink could not be created or did not become Ready
	StopSilence      = "silence"        // the team-alert silences could not be created
	// StopReceiverDelay: slow-receiver's --receiver-delay (or its default) races a multiple of
	// peer-timeout or is not below the flush budget.
	StopReceiverDelay = "receiver-delay"
	// StopNotObservable: --observe-only's alert is not firing on every replica, reaches no
	// integration, is routed differently by the replicas, or repeats too rarely for the window.
	StopNotObservable = "not-observable"
)

// Stop records that the run stopped before its first drill: every drill not judged is NOT
// RUN, with the reason.
func (r *Report) Stop(reason, message string) {
	r.Stopped = &Stopped{Reason: reason, Message: message}
	// One line: the message's lines, trimmed, joined by spaces.
	flat := strings.Join(strings.Fields(message), " ")
	for i := range r.Drills {
		if d := &r.Drills[i]; d.Verdict == "" {
			d.Verdict, d.Explanation = NotRun, fmt.Sprintf("the run stopped before its first drill (%s): %s", reason, flat)
		}
	}
}

// MeshAtEnd is the mesh after the last drill's heal.
type MeshAtEnd struct {
	// Whole: every replica answers, is ready, sees every other, one island, positions settled.
	Whole bool `json:"whole"`
	// Waited is how long it took to be whole (or the bound, when it was not).
	Waited model.Duration `json:"waited"`
	// Detail says what is still wrong when it is not whole.
	Detail string `json:"detail,omitempty"`
}

// ReportTime is the numbers the expectations were computed from.
type ReportTime struct {
	PeerTimeout    model.Duration `json:"peerTimeout"`
	GroupWait      model.Duration `json:"groupWait"`
	GroupInterval  model.Duration `json:"groupInterval"`
	RepeatInterval model.Duration `json:"repeatInterval"`
}

// ReportDrill is one drill: its plan, and once run its result.
type ReportDrill struct {
	Drill string `json:"drill"`
	// Alert is the drill alert's amha_drill label.
	Alert string `json:"alert"`
	Result
	// Error says why the drill could not run (the verdict is then empty).
	Error string `json:"error,omitempty"`
	// Wall is the drill's wall time, from the wait for a whole mesh to its restore; Waits is
	// the part of it spent in waits the cluster and the model impose (the mesh settling, the
	// split showing, the count window). Wall/Waits is amha's own overhead.
	Wall  model.Duration `json:"wall,omitempty"`
	Waits model.Duration `json:"waits,omitempty"`
}

// MarshalJSON writes the times as durations ("5.2s"), as every amha report does.
func (e Expectation) MarshalJSON() ([]byte, error) {
	type plain Expectation
	return json.Marshal(struct {
		plain
		From model.Duration `json:"from"`
		To   model.Duration `json:"to"`
	}{plain(e), model.Duration(e.From), model.Duration(e.To)})
}

// MarshalJSON writes the arrival as a duration ("5.2s").
func (h Hit) MarshalJSON() ([]byte, error) {
	type plain Hit
	return json.Marshal(struct {
		plain
		At model.Duration `json:"at"`
	}{plain(h), model.Duration(h.At)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (e *Expectation) UnmarshalJSON(b []byte) error {
	type plain Expectation
	var v struct {
		plain
		From model.Duration `json:"from"`
		To   model.Duration `json:"to"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*e = Expectation(v.plain)
	e.From, e.To = v.From.D(), v.To.D()
	return nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (h *Hit) UnmarshalJSON(b []byte) error {
	type plain Hit
	var v struct {
		plain
		At model.Duration `json:"at"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*h = Hit(v.plain)
	h.At = v.At.D()
	return nil
}

// MarshalJSON writes the times as durations ("1m"), as every amha report does.
func (w Watched) MarshalJSON() ([]byte, error) {
	type plain Watched
	return json.Marshal(struct {
		plain
		GroupInterval  model.Duration `json:"groupInterval"`
		RepeatInterval model.Duration `json:"repeatInterval"`
		Window         model.Duration `json:"window"`
	}{plain(w), model.Duration(w.GroupInterval), model.Duration(w.RepeatInterval), model.Duration(w.Window)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (w *Watched) UnmarshalJSON(b []byte) error {
	type plain Watched
	var v struct {
		plain
		GroupInterval  model.Duration `json:"groupInterval"`
		RepeatInterval model.Duration `json:"repeatInterval"`
		Window         model.Duration `json:"window"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*w = Watched(v.plain)
	w.GroupInterval, w.RepeatInterval, w.Window = v.GroupInterval.D(), v.RepeatInterval.D(), v.Window.D()
	return nil
}
