package drill

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

const drillRoute = `
route:
  receiver: team
  group_by: [alertname]
  routes:
  - matchers: ['amha_drill=~".+"']
    receiver: amha-drill-sink
    group_by: [amha_drill]
    group_wait: 5s
    group_interval: 1m
    repeat_interval: 24h
  - receiver: team
receivers:
- name: team
  webhook_configs:
  - url: http://pager/
- name: amha-drill-sink
  webhook_configs:
  - url: <secret>
    send_resolved: true
`

var drillLabels = map[string]string{"alertname": AlertName, Label: "abc-baseline"}

func TestCheckRoute(t *testing.T) {
	rt, err := CheckRoute("am-0", drillRoute, drillLabels)
	if err != nil {
		t.Fatal(err)
	}
	if want := (RouteTiming{5 * time.Second, time.Minute, 24 * time.Hour}); rt != want {
		t.Errorf("timing %+v, want %+v", rt, want)
	}
}

func TestCheckRouteRefuses(t *testing.T) {
	for name, tc := range map[string]struct{ cfg, want string }{
		"missing": {`
route:
  receiver: team
receivers:
- name: team
`, "routed to receiver(s) team"},
		"continue to the team": {strings.Replace(drillRoute, "repeat_interval: 24h", "repeat_interval: 24h\n    continue: true", 1),
			"amha-drill-sink, team"},
		"second integration": {strings.Replace(drillRoute, "    send_resolved: true\n", "    send_resolved: true\n  email_configs:\n  - to: a@b.c\n    from: x@b.c\n    smarthost: b.c:25\n", 1),
			"email_configs"},
		"two webhooks": {drillRoute + "  - url: http://other/\n", "2 webhook(s)"},
		"not loadable": {"route: [", "does not load"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := CheckRoute("am-0", tc.cfg, drillLabels)
			var re *RouteError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want a RouteError with %q", err, tc.want)
			}
		})
	}
}

func TestRouteToAddPasses(t *testing.T) {
	cfg := strings.Replace(RouteToAdd("monitoring"), "route:\n", "route:\n  receiver: team\n", 1) + "- name: team\n"
	if !strings.Contains(cfg, "http://amha-drill-sink.monitoring.svc:8080/hook") {
		t.Fatalf("no URL for the namespace:\n%s", cfg)
	}
	rt, err := CheckRoute("am-0", cfg, drillLabels)
	if err != nil {
		t.Fatalf("the printed route does not pass its own check: %v\n%s", err, cfg)
	}
	if rt != RouteToAddTiming {
		t.Errorf("the printed route's timing %+v, want RouteToAddTiming %+v (a dry run without a route plans with it)", rt, RouteToAddTiming)
	}
}

// operatorRendered is a configuration as prometheus-operator renders it from an Alertmanager
// object's own configuration and an AlertmanagerConfig amha-drill in namespace team: the
// AlertmanagerConfig's route first, with continue: true and a namespace matcher, and its
// receiver named <namespace>/<AlertmanagerConfig>/<receiver>.
const operatorRendered = `
route:
  receiver: Default
  group_by: [namespace]
  routes:
  - receiver: team/amha-drill/amha-drill-sink
    group_by: [amha_drill]
    matchers:
    - namespace="team"
    - amha_drill=~".+"
    continue: true
    group_wait: 7s
    group_interval: 1m
    repeat_interval: 24h
  - receiver: Watchdog
    matchers: [alertname = Watchdog]
receivers:
- name: Default
- name: Watchdog
- name: team/amha-drill/amha-drill-sink
  webhook_configs:
  - url: <secret>
    send_resolved: true
`

func TestMatchSinkAlertmanagerConfig(t *testing.T) {
	m, err := MatchSink("am-0", operatorRendered, "monitoring", drillLabels)
	if err != nil {
		t.Fatal(err)
	}
	extra, rt := m.Extra, m.Timing
	if m.Receiver != "team/amha-drill/amha-drill-sink" || len(m.Others) != 0 {
		t.Errorf("receiver %q, others %v; want the AlertmanagerConfig's, no other", m.Receiver, m.Others)
	}
	if extra[NamespaceLabel] != "team" || len(extra) != 1 {
		t.Errorf("extra labels %v, want namespace=team", extra)
	}
	if rt.GroupWait != 7*time.Second {
		t.Errorf("group_wait %s, want the AlertmanagerConfig's 7s", rt.GroupWait)
	}
	// Without the namespace label the alert goes to the root's receiver: CheckRoute alone refuses.
	if _, err := CheckRoute("am-0", operatorRendered, drillLabels); err == nil || !strings.Contains(err.Error(), "Default") {
		t.Errorf("without namespace: %v, want routed to Default", err)
	}
	// The operator forces continue: true: a later route that also matches would be notified.
	later := strings.Replace(operatorRendered, "    matchers: [alertname = Watchdog]\n", "", 1)
	if _, err := MatchSink("am-0", later, "monitoring", drillLabels); err == nil || !strings.Contains(err.Error(), "team/amha-drill/amha-drill-sink, Watchdog") {
		t.Errorf("a catch-all after the AlertmanagerConfig's route: %v, want both receivers named", err)
	}
	// A route in alertmanager.yml needs no extra label.
	if m, err := MatchSink("am-0", drillRoute, "monitoring", drillLabels); err != nil || m.Extra != nil || m.Receiver != SinkReceiver {
		t.Errorf("alertmanager.yml route: %+v, err %v; want receiver %s, no extra label", m, err, SinkReceiver)
	}
}

// severalAlertmanagerConfigs is a configuration prometheus-operator renders from
// AlertmanagerConfigs with a sink receiver in namespaces zeta, monitoring and alpha (in that
// order, as a configuration may list them), two in alpha, and no drill route in
// alertmanager.yml.
const severalAlertmanagerConfigs = `
route:
  receiver: Default
  routes:
  - receiver: zeta/amha-drill/amha-drill-sink
    matchers: ['namespace="zeta"', 'amha_drill=~".+"']
    continue: true
    group_wait: 9s
  - receiver: monitoring/amha-drill/amha-drill-sink
    matchers: ['namespace="monitoring"', 'amha_drill=~".+"']
    continue: true
    group_wait: 7s
  - receiver: alpha/a/amha-drill-sink
    matchers: ['namespace="alpha"', 'amha_drill=~".+"']
    continue: true
    group_wait: 5s
  - receiver: alpha/b/amha-drill-sink
    matchers: ['namespace="alpha"', 'amha_drill=~".+"']
    continue: true
receivers:
- name: Default
- name: zeta/amha-drill/amha-drill-sink
  webhook_configs: [{url: <secret>, send_resolved: true}]
- name: monitoring/amha-drill/amha-drill-sink
  webhook_configs: [{url: <secret>, send_resolved: true}]
- name: alpha/a/amha-drill-sink
  webhook_configs: [{url: <secret>, send_resolved: true}]
- name: alpha/b/amha-drill-sink
  webhook_configs: [{url: <secret>, send_resolved: true}]
`

// With several AlertmanagerConfigs that route the drill alert to a sink, the choice does not
// depend on the configuration's order: the cluster's namespace first, then by namespace; the
// others are named with why. Two in one namespace would both notify: refused, named.
func TestMatchSinkSeveralAlertmanagerConfigs(t *testing.T) {
	for _, tc := range []struct {
		clusterNS, receiver, ns string
		gw                      time.Duration
		others                  []string
	}{
		{"monitoring", "monitoring/amha-drill/amha-drill-sink", "monitoring", 7 * time.Second, []string{
			"alpha/a/amha-drill-sink (with namespace=alpha) not used: the drill alert matches 2 routes, to alpha/a/amha-drill-sink, alpha/b/amha-drill-sink",
			"alpha/b/amha-drill-sink (with namespace=alpha) not used: the drill alert matches 2 routes",
			"zeta/amha-drill/amha-drill-sink (with namespace=zeta) passes too, not used: monitoring/amha-drill/amha-drill-sink comes first",
		}},
		{"zeta", "zeta/amha-drill/amha-drill-sink", "zeta", 9 * time.Second, []string{
			"alpha/a/amha-drill-sink (with namespace=alpha) not used: the drill alert matches 2 routes",
			"alpha/b/amha-drill-sink (with namespace=alpha) not used",
			"monitoring/amha-drill/amha-drill-sink (with namespace=monitoring) passes too, not used: zeta/amha-drill/amha-drill-sink comes first",
		}},
		// The cluster's namespace has none: the first namespace that passes, by name (zeta is
		// listed first in the configuration).
		{"elsewhere", "monitoring/amha-drill/amha-drill-sink", "monitoring", 7 * time.Second, []string{
			"alpha/a/amha-drill-sink (with namespace=alpha) not used: the drill alert matches 2 routes",
			"alpha/b/amha-drill-sink (with namespace=alpha) not used",
			"zeta/amha-drill/amha-drill-sink (with namespace=zeta) passes too, not used: monitoring/amha-drill/amha-drill-sink comes first",
		}},
	} {
		m, err := MatchSink("am-0", severalAlertmanagerConfigs, tc.clusterNS, drillLabels)
		if err != nil {
			t.Fatalf("cluster in %s: %v", tc.clusterNS, err)
		}
		if m.Receiver != tc.receiver || m.Extra[NamespaceLabel] != tc.ns || m.Timing.GroupWait != tc.gw {
			t.Errorf("cluster in %s: receiver %s, labels %v, group_wait %s; want %s, namespace=%s, %s", tc.clusterNS, m.Receiver, m.Extra, m.Timing.GroupWait, tc.receiver, tc.ns, tc.gw)
		}
		if len(m.Others) != len(tc.others) {
			t.Fatalf("cluster in %s: others %q, want %d", tc.clusterNS, m.Others, len(tc.others))
		}
		for i, want := range tc.others {
			if !strings.HasPrefix(m.Others[i], want) {
				t.Errorf("cluster in %s: other %q, want %q", tc.clusterNS, m.Others[i], want)
			}
		}
	}
	// The same AlertmanagerConfigs listed in another order: the same choice.
	lines := strings.Split(severalAlertmanagerConfigs, "\n")
	i := slices.Index(lines, "- name: zeta/amha-drill/amha-drill-sink")
	reordered := strings.Join(append(append(slices.Clone(lines[:i]), lines[i+2:]...), lines[i:i+2]...), "\n")
	if m, err := MatchSink("am-0", reordered, "elsewhere", drillLabels); err != nil || m.Receiver != "monitoring/amha-drill/amha-drill-sink" {
		t.Errorf("receivers reordered: %q, %v; want monitoring's again", m.Receiver, err)
	}
}
