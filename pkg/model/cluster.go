package model

import (
	"strings"
	"time"
)

// DefaultPeerTimeout is Alertmanager's --cluster.peer-timeout default.
const DefaultPeerTimeout = 15 * time.Second

// Cluster is one Alertmanager cluster as amha sees it: the replicas it was asked to check.
type Cluster struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
	// Source says how the replicas were found: "statefulset", "alertmanager" (prometheus-operator
	// object) or "url".
	Source string `json:"source"`
	// DesiredReplicas is the StatefulSet's spec.replicas, 0 when unknown (--url).
	DesiredReplicas int `json:"desiredReplicas,omitempty"`
	// PeerTimeout is --cluster.peer-timeout: read from the pods' arguments, or given.
	PeerTimeout Duration  `json:"peerTimeout"`
	Replicas    []Replica `json:"replicas"`
	// Prometheus lists the Prometheus servers checked for their wiring to this cluster.
	Prometheus []PrometheusWiring `json:"prometheus,omitempty"`
	Probe      *ProbeResult       `json:"probe,omitempty"`
	Matrix     *Matrix            `json:"matrix,omitempty"`
	Findings   []Finding          `json:"findings"`
	// Suppressed are the findings the team accepted (docs/suppress.md): reported apart, never
	// counted for the exit code.
	Suppressed []SuppressedFinding `json:"suppressed,omitempty"`
	// Notes say what amha made of what it was given, for the reader: one replica given twice
	// is asked and reported once.
	Notes []string `json:"notes,omitempty"`
	// CollectedAt is when the snapshot was taken.
	CollectedAt time.Time `json:"collectedAt"`
	// Drills are the runs of `kubectl amha drill` in progress on the cluster: their labelled
	// objects in the namespace (unexpired) or their alert on a replica. The findings they cause
	// on purpose are marked (Finding.DrillCaused) and kept at info.
	Drills []DrillRun `json:"drillInProgress,omitempty"`
	// DrillLeftovers are drill runs whose labelled objects are past their expiry: a run killed
	// before its cleanup (mesh/drill-leftover).
	DrillLeftovers []DrillRun `json:"drillLeftovers,omitempty"`
}

// Replica is one Alertmanager process and what it reported.
type Replica struct {
	// Name is the pod name, or the URL's host:port.
	Name string `json:"name"`
	// Endpoint is the web URL amha talked to (a port-forward on 127.0.0.1 for pods).
	Endpoint string `json:"endpoint"`
	// WebAddresses are the host:port forms by which Prometheus may know this replica's web port
	// (pod IP, pod DNS names, or the URL given).
	WebAddresses []string `json:"webAddresses,omitempty"`
	Pod          *Pod     `json:"pod,omitempty"`
	// Flags are the cluster flags from the pod's command line, when known.
	Flags *Flags `json:"flags,omitempty"`
	// Error is set when the replica could not be asked at all; the fields below are then empty.
	Error string `json:"error,omitempty"`
	// Partial lists parts that failed while others worked (metrics, alerts, silences).
	Partial  []string     `json:"partial,omitempty"`
	Status   *Status      `json:"status,omitempty"`
	Metrics  *Metrics     `json:"metrics,omitempty"`
	Alerts   []AlertRef   `json:"alerts,omitempty"`
	Silences []SilenceRef `json:"silences,omitempty"`
	// AlertCount and SilenceCount are len(Alerts) and the non-expired silences, kept for output.
	AlertCount   int `json:"alertCount"`
	SilenceCount int `json:"silenceCount"`
	// Reach is where requests to the replica go: Endpoint with the credentials it was given
	// (http://user:pass@host), which are never printed.
	Reach string `json:"-"`
}

// OK reports whether the replica answered its status.
func (r *Replica) OK() bool { return r.Error == "" && r.Status != nil }

// Pod is the Kubernetes view of a replica.
type Pod struct {
	Phase    string `json:"phase"`
	Ready    bool   `json:"ready"`
	Restarts int32  `json:"restarts"`
	IP       string `json:"ip,omitempty"`
	Node     string `json:"node,omitempty"`
	// Deleted is set when the pod disappeared while amha was checking it.
	Deleted bool `json:"deleted,omitempty"`
}

// Status is the cluster part of GET /api/v2/status, plus version and config.
type Status struct {
	// Cluster is "ready", "settling" or "disabled".
	Cluster  string    `json:"cluster"`
	NodeName string    `json:"nodeName,omitempty"`
	Peers    []Member  `json:"peers"`
	Version  string    `json:"version,omitempty"`
	Uptime   time.Time `json:"uptime"`
	// Config is config.original: the loaded configuration re-marshalled, secrets masked.
	Config string `json:"-"`
}

// Member is one memberlist member as a replica reports it.
type Member struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// Metrics are the figures amha reads from /metrics.
type Metrics struct {
	ClusterEnabled *float64 `json:"clusterEnabled,omitempty"`
	Members        *float64 `json:"members,omitempty"`
	Position       *float64 `json:"position,omitempty"`
	HealthScore    *float64 `json:"healthScore,omitempty"`
	FailedPeers    *float64 `json:"failedPeers,omitempty"`
	// ConfigHash is alertmanager_config_hash as hex (48 bits of MD5 over the raw file: comments count).
	ConfigHash string `json:"configHash,omitempty"`
	// Integrations holds notification figures per integration (webhook, slack, ...).
	Integrations []Integration `json:"integrations,omitempty"`
}

// Integration is the notification record of one integration type on one replica.
type Integration struct {
	Name   string  `json:"name"`
	Total  float64 `json:"total"`
	Failed float64 `json:"failed"`
	// LatencyP99 is estimated from alertmanager_notification_latency_seconds; nil without samples.
	LatencyP99 *Duration `json:"latencyP99,omitempty"`
}

// AlertRef identifies one alert a replica holds.
type AlertRef struct {
	Fingerprint string    `json:"fingerprint"`
	Name        string    `json:"alertname,omitempty"`
	UpdatedAt   time.Time `json:"updatedAt"`
	// Labels and EndsAt are the alert's, for the drill's prechecks and the drill in progress.
	Labels map[string]string `json:"-"`
	EndsAt time.Time         `json:"-"`
}

// Drill is the value of the drill alert's DrillLabel (<run>-<drill>), "" for other alerts.
func (a AlertRef) Drill() string {
	if v := a.Labels[DrillLabel]; v != "" {
		return v
	}
	if a.Name == DrillAlertName {
		return "?"
	}
	return ""
}

// The drill alert: alertname AmhaDrill, DrillLabel=<run>-<drill>.
const (
	DrillLabel     = "amha_drill"
	DrillAlertName = "AmhaDrill"
)

// DrillRun is one run of `kubectl amha drill` seen in progress.
type DrillRun struct {
	Run string `json:"run"`
	// Drills are the drills whose alert a replica holds (baseline, crash-sender, ...).
	Drills []string `json:"drills,omitempty"`
	// Expires is the latest expiry of its objects, else when its alert resolves by itself.
	Expires *time.Time `json:"expires,omitempty"`
	// Objects are its labelled objects in the namespace ("service/amha-drill-sink").
	Objects []string `json:"objects,omitempty"`
	// Alerting are the replicas that hold its alert.
	Alerting []string `json:"alerting,omitempty"`
}

// SilenceRef identifies one silence a replica holds.
type SilenceRef struct {
	ID        string    `json:"id"`
	State     string    `json:"state"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Probe marks a silence of amha's gossip probe (a matcher on ProbeLabel): not the team's.
	Probe bool `json:"probe,omitempty"`
	// Matchers and CreatedBy are the silence's, for the drill's prechecks.
	Matchers  []Matcher `json:"-"`
	CreatedBy string    `json:"-"`
	Comment   string    `json:"-"`
}

// Matcher is one matcher of a silence, as the API gives it.
type Matcher struct {
	Name, Value    string
	IsRegex, Equal bool
}

// ProbeLabel is the matcher name of amha's probe silences; no alert carries it.
const ProbeLabel = "amha_probe"

// Matrix says which replica sees which member: Cells[i][j] for Rows[i] and Columns[j].
type Matrix struct {
	Rows    []string       `json:"rows"`
	Columns []MatrixMember `json:"columns"`
	Cells   [][]Cell       `json:"cells"`
	// Islands are groups of replica names that see each other and nobody else; one group when whole.
	Islands [][]string `json:"islands"`
}

// MatrixMember is a column of the matrix: a member reported by at least one replica.
type MatrixMember struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	// Replica is the asked replica this member is, empty for a member nobody asked claims.
	Replica string `json:"replica,omitempty"`
}

// Cell is one entry of the matrix.
type Cell string

const (
	CellSelf    Cell = "self"
	CellSees    Cell = "sees"
	CellMissing Cell = "missing"
	// CellUnknown: the row's replica could not be asked.
	CellUnknown Cell = "unknown"
)

// PrometheusWiring is what one Prometheus server says about where it sends alerts.
type PrometheusWiring struct {
	Name    string   `json:"name"`
	Active  []string `json:"activeAlertmanagers"`
	Dropped []string `json:"droppedAlertmanagers,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// ProbeResult is the gossip convergence probe: how long a silence took to reach each replica.
type ProbeResult struct {
	Origin  string        `json:"origin"`
	Silence string        `json:"silenceID,omitempty"`
	Results []ProbeTiming `json:"results"`
	Error   string        `json:"error,omitempty"`
}

// ProbeTiming is one replica's propagation time, nil when it never arrived within the deadline.
type ProbeTiming struct {
	Replica string    `json:"replica"`
	After   *Duration `json:"after,omitempty"`
	Error   string    `json:"error,omitempty"`
}

// URL is where to send requests to the replica: Reach, else Endpoint.
func (r *Replica) URL() string {
	if r.Reach != "" {
		return r.Reach
	}
	return r.Endpoint
}

// String is what status and the live view say of a drill in progress:
// "drill in progress: run 1a2b3c4d, crash-sender, expires 2026-12-05T17:02:00Z".
func (d DrillRun) String() string {
	parts := append([]string{"run " + d.Run}, d.Drills...)
	if d.Expires != nil {
		parts = append(parts, "expires "+d.Expires.UTC().Format(time.RFC3339))
	}
	return "drill in progress: " + strings.Join(parts, ", ")
}
