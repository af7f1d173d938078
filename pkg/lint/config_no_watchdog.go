package lint

import (
	"fmt"
	"slices"

	"github.com/prometheus/alertmanager/dispatch"
	"github.com/prometheus/alertmanager/pkg/labels"
	prommodel "github.com/prometheus/common/model"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// configNoWatchdog: no route delivers an always-firing Watchdog alert. With every replica
// down (or unreachable from every Prometheus) no notification is sent and nothing says so;
// only a heartbeat that an outside service expects tells (ha-facts failure table: "all
// replicas down: 0 ... only a dead-man's switch tells"). Warning, not info: it is the one
// failure that silences all paging without a trace.
type configNoWatchdog struct{}

func (configNoWatchdog) ID() string { return "config/no-watchdog" }

func (c configNoWatchdog) Run(s *Set) []model.Finding {
	// prometheus-operator merges AlertmanagerConfig routes into the configuration: a
	// Watchdog route there counts (its namespace matcher is the user's to get right).
	for _, o := range alertmanagerConfigs(s) {
		recvs := map[string]int{}
		for _, r := range o.Root.Get("spec", "receivers").Items() {
			recvs[r.Get("name").String()] = len(amcIntegrations(r))
		}
		for _, r := range amcRoutes(o) {
			if r.Watchdog && recvs[r.Receiver] > 0 {
				return nil
			}
		}
	}
	var out []model.Finding
	for _, d := range amDocs(s) {
		if d.Err != nil || d.Derived || d.Repeat {
			continue
		}
		if f, ok := c.check(d); ok {
			out = append(out, f)
		}
	}
	return out
}

// watchdogFix: a notification goes out only when its group flushes (every group_interval), and
// a repeat is due only when the log entry is older than repeat_interval at that flush
// (notify/dedup_stage.go needsUpdate). The entry is stamped after the send (nflog.Log), so a
// repeat_interval equal to group_interval skips every other flush: 50s under a 1m
// group_interval gives a ping every minute while a send takes under 10s.
const watchdogFix = "Have Prometheus fire an always-on alert (the Watchdog rule of kube-prometheus and the mixin: `expr: vector(1)`) and route it, " +
	"first among the routes, to a receiver that an outside dead man's switch service watches (healthchecks.io, Dead Man's Snitch, " +
	"PagerDuty or Opsgenie heartbeats): `- matchers: ['alertname = \"Watchdog\"']` with `receiver: deadmansswitch`, `group_wait: 0s`, " +
	"`group_interval: 1m`, `repeat_interval: 50s`, and `webhook_configs: [{url: <heartbeat URL>}]` on that receiver. " +
	"Notifications go out only when the group flushes, every group_interval (5m when inherited from the root's default), and a repeat is due only when " +
	"the last send, stamped after it went out, is older than repeat_interval: equal intervals ping only every second flush, a repeat_interval 10s below " +
	"group_interval pings at every flush, here every minute. The service pages when the pings stop."

func (c configNoWatchdog) check(d *amDoc) (model.Finding, bool) {
	integrations := map[string]int{}
	for _, rc := range d.Cfg.Receivers {
		integrations[rc.Name] = len(amReceiverIntegrations(rc))
	}
	parent := map[*dispatch.Route]*dispatch.Route{}
	var dogs []*dispatch.Route
	d.Tree.Walk(func(r *dispatch.Route) {
		for _, ch := range r.Routes {
			parent[ch] = r
		}
		if r != d.Tree && watchdogAlertname(r.Matchers) != "" {
			dogs = append(dogs, r)
		}
	})
	f := model.Finding{
		ID: c.ID(), Severity: model.Warning, Symptoms: []model.Symptom{model.Missed},
		Objects: []string{d.Name}, Fix: watchdogFix,
	}
	if len(dogs) == 0 {
		f.Message = "No route sends an always-firing Watchdog alert (alertname Watchdog, DeadMansSwitch or the like) to a receiver. " +
			"When every replica is down, or no Prometheus reaches any, no notification is sent and nothing says so: only a heartbeat " +
			"that an outside service expects, and pages on when it stops, tells."
		f.Locations = []Location{configLocate(d.Root, "route")}
		return f, true
	}
	var problem *model.Finding
	for _, r := range dogs {
		name := watchdogAlertname(r.Matchers)
		path := d.RoutePaths[r]
		// The alert that route is for: its alertname and the equality matchers on its way.
		lset := prommodel.LabelSet{"alertname": prommodel.LabelValue(name)}
		var chain labels.Matchers
		for p := r; p != nil; p = parent[p] {
			chain = append(chain, p.Matchers...)
			for _, m := range p.Matchers {
				if m.Type == labels.MatchEqual && m.Name != "alertname" {
					lset[prommodel.LabelName(m.Name)] = prommodel.LabelValue(m.Value)
				}
			}
		}
		matched := d.Tree.Match(lset)
		if !slices.Contains(matched, r) && chain.Matches(lset) && len(matched) > 0 {
			if problem == nil {
				first := matched[0]
				problem = &model.Finding{Message: fmt.Sprintf("The Watchdog route at %s is never reached: the route at %s comes first, matches alertname=%s "+
					"and has no continue: true, so the heartbeat goes to receiver %q instead. When every replica is down, or no Prometheus "+
					"reaches any, no notification is sent and nothing outside notices.", path, d.RoutePaths[first], name, first.RouteOpts.Receiver),
					Locations: []Location{configLocate(d.Root, path), configLocate(d.Root, d.RoutePaths[first])}}
			}
			continue
		}
		recv := r.RouteOpts.Receiver
		if integrations[recv] == 0 {
			if problem == nil {
				gi, ri := r.RouteOpts.GroupInterval, r.RouteOpts.RepeatInterval
				problem = &model.Finding{Message: fmt.Sprintf("The Watchdog route at %s sends alertname=%s to receiver %q, which has no integrations: "+
					"the heartbeat goes nowhere, so when every replica is down, or no Prometheus reaches any, no notification is sent and "+
					"nothing says so.", path, name, recv),
					Fix: fmt.Sprintf("The route is there: give receiver %q the heartbeat of an outside dead man's switch service (healthchecks.io, Dead Man's Snitch, "+
						"PagerDuty or Opsgenie heartbeats), `webhook_configs: [{url: <heartbeat URL>}]`, and set `group_wait: 0s`, `group_interval: 1m`, `repeat_interval: 50s` "+
						"on the route at %s (now %s and %s, inherited or set: a ping every %s at best). Notifications go out only when the group flushes, every group_interval, "+
						"and a repeat is due only when the last send, stamped after it went out, is older than repeat_interval: equal intervals ping only every second flush, "+
						"a repeat_interval 10s below group_interval pings at every flush. The service pages when the pings stop.",
						recv, path, prommodel.Duration(gi), prommodel.Duration(ri), prommodel.Duration(max(gi, ri))),
					Locations: []Location{configLocate(d.Root, path+".receiver")}}
			}
			continue
		}
		return model.Finding{}, false
	}
	f.Message, f.Locations = problem.Message, problem.Locations
	if problem.Fix != "" {
		f.Fix = problem.Fix
	}
	return f, true
}
