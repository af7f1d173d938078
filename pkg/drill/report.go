package drill

import (
	"encoding/json"

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
	Timing ReportTime `json:"timing"`
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
	// MissingRights are the rights the drills need that the user lacks ("create pods/exec"):
	// only in a dry run, since a run stops without them.
	MissingRights []string `json:"missingRights,omitempty"`
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
