package drill

import "time"

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
	Positions []string      `json:"positions"`
	Drills    []ReportDrill `json:"drills"`
}

// ReportTime is the numbers the expectations were computed from.
type ReportTime struct {
	PeerTimeout    time.Duration `json:"peerTimeout"`
	GroupWait      time.Duration `json:"groupWait"`
	GroupInterval  time.Duration `json:"groupInterval"`
	RepeatInterval time.Duration `json:"repeatInterval"`
}

// ReportDrill is one drill: its plan, and once run its result.
type ReportDrill struct {
	Drill string `json:"drill"`
	// Alert is the drill alert's amha_drill label.
	Alert string `json:"alert"`
	Result
	// Error says why the drill could not run (the verdict is then empty).
	Error string `json:"error,omitempty"`
}
