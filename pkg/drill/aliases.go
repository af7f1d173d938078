package drill

import "github.com/amha-dev/kubectl-amha/pkg/drillreport"

// The report's types and names live in drillreport, which the renderers (ui/) use without
// linking the drills' clients; here they keep their names.
type (
	Report      = drillreport.Report
	ReportRoute = drillreport.ReportRoute
	Stopped     = drillreport.Stopped
	MeshAtEnd   = drillreport.MeshAtEnd
	ReportTime  = drillreport.ReportTime
	ReportDrill = drillreport.ReportDrill
	Verdict     = drillreport.Verdict
	Hit         = drillreport.Hit
	Result      = drillreport.Result
	Expectation = drillreport.Expectation
	Event       = drillreport.Event
	Watched     = drillreport.Watched
)

const (
	Baseline       = drillreport.Baseline
	StopSender     = drillreport.StopSender
	CrashSender    = drillreport.CrashSender
	Partition      = drillreport.Partition
	RollingRestart = drillreport.RollingRestart
	AllDown        = drillreport.AllDown
	Slack          = drillreport.Slack

	Pass         = drillreport.Pass
	Fail         = drillreport.Fail
	Inconclusive = drillreport.Inconclusive
	Skipped      = drillreport.Skipped
	NotRun       = drillreport.NotRun

	EventPost    = drillreport.EventPost
	EventFault   = drillreport.EventFault
	EventSplit   = drillreport.EventSplit
	EventNotify  = drillreport.EventNotify
	EventHeal    = drillreport.EventHeal
	EventResolve = drillreport.EventResolve

	StopNotFound      = drillreport.StopNotFound
	StopRights        = drillreport.StopRights
	StopLeftovers     = drillreport.StopLeftovers
	StopPreflight     = drillreport.StopPreflight
	StopSinkBlocked   = drillreport.StopSinkBlocked
	StopNoRoute       = drillreport.StopNoRoute
	StopMuted         = drillreport.StopMuted
	StopNotConfirmed  = drillreport.StopNotConfirmed
	StopSink          = drillreport.StopSink
	StopSilence       = drillreport.StopSilence
	StopReceiverDelay = drillreport.StopReceiverDelay
	StopNotObservable = drillreport.StopNotObservable
)

// Firing are the hits of firing notifications (not resolved ones).
func Firing(hits []Hit) []Hit { return drillreport.Firing(hits) }
