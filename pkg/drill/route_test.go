package drill

import (
	"errors"
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
	if _, err := CheckRoute("am-0", cfg, drillLabels); err != nil {
		t.Fatalf("the printed route does not pass its own check: %v\n%s", err, cfg)
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
	extra, rt, err := MatchSink("am-0", operatorRendered, drillLabels)
	if err != nil {
		t.Fatal(err)
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
	if _, _, err := MatchSink("am-0", later, drillLabels); err == nil || !strings.Contains(err.Error(), "team/amha-drill/amha-drill-sink, Watchdog") {
		t.Errorf("a catch-all after the AlertmanagerConfig's route: %v, want both receivers named", err)
	}
	// A route in alertmanager.yml needs no extra label.
	if extra, _, err := MatchSink("am-0", drillRoute, drillLabels); err != nil || extra != nil {
		t.Errorf("alertmanager.yml route: extra %v, err %v; want none", extra, err)
	}
}
