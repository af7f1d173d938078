package drill

import (
	"fmt"
	"maps"
	"reflect"
	"strings"
	"time"

	amconfig "github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/dispatch"
)

// SinkReceiver is the receiver the drill route must end at.
const SinkReceiver = "amha-drill-sink"

// RouteTiming is the drill route's timing, as the replicas' running configuration matched it.
type RouteTiming struct {
	GroupWait      time.Duration `json:"groupWait"`
	GroupInterval  time.Duration `json:"groupInterval"`
	RepeatInterval time.Duration `json:"repeatInterval"`
}

// RouteError says that a running configuration does not deliver the drill alert to the sink
// alone: running a drill would page someone, or count nothing.
type RouteError struct {
	Replica string
	Reason  string
}

func (e *RouteError) Error() string {
	return fmt.Sprintf("replica %s: %s", e.Replica, e.Reason)
}

// CheckRoute matches the drill alert's exact labels against a replica's running configuration
// (config.original from /api/v2/status) with Alertmanager's own routing, as `amtool config
// routes test` does: every route matched must end at the receiver amha-drill-sink (or
// <namespace>/<AlertmanagerConfig>/amha-drill-sink) with exactly one webhook and no other
// integration. It returns the matched route's timing.
func CheckRoute(replica, original string, labels map[string]string) (RouteTiming, error) {
	cfg, err := loadConfig(original)
	if err != nil {
		return RouteTiming{}, &RouteError{replica, fmt.Sprintf("its running configuration does not load: %v", err)}
	}
	if cfg.Route == nil {
		return RouteTiming{}, &RouteError{replica, "its running configuration has no route"}
	}
	matched := dispatch.NewRoute(cfg.Route, nil).Match(labelSet(labels))
	if len(matched) == 0 {
		return RouteTiming{}, &RouteError{replica, "no route matches the drill alert"}
	}
	recv := map[string]*amconfig.Receiver{}
	for i := range cfg.Receivers {
		recv[cfg.Receivers[i].Name] = &cfg.Receivers[i]
	}
	var names []string
	for _, m := range matched {
		names = append(names, m.RouteOpts.Receiver)
	}
	for _, m := range matched {
		name := m.RouteOpts.Receiver
		if name != SinkReceiver && !strings.HasSuffix(name, "/"+SinkReceiver) {
			return RouteTiming{}, &RouteError{replica, fmt.Sprintf("the drill alert is routed to receiver(s) %s, not only to %s: "+
				"a drill would notify them", strings.Join(names, ", "), SinkReceiver)}
		}
		r := recv[name]
		if r == nil {
			return RouteTiming{}, &RouteError{replica, fmt.Sprintf("receiver %s is not defined", name)}
		}
		if n, other := integrations(r); len(r.WebhookConfigs) != 1 || n != 1 {
			return RouteTiming{}, &RouteError{replica, fmt.Sprintf("receiver %s has %d webhook(s) and %d integration(s) in all (%s): "+
				"it must have exactly one webhook, to the sink, and nothing else", name, len(r.WebhookConfigs), n, other)}
		}
		if !r.WebhookConfigs[0].SendResolved() {
			return RouteTiming{}, &RouteError{replica, fmt.Sprintf("receiver %s's webhook has send_resolved: false", name)}
		}
	}
	o := matched[0].RouteOpts
	return RouteTiming{GroupWait: o.GroupWait, GroupInterval: o.GroupInterval, RepeatInterval: o.RepeatInterval}, nil
}

// NamespaceLabel is the label prometheus-operator matches an AlertmanagerConfig's routes on
// (its default matcher strategy, OnNamespace, adds namespace="<the AlertmanagerConfig's
// namespace>" to each).
const NamespaceLabel = "namespace"

// MatchSink finds the labels with which the drill alert reaches the sink in a replica's
// running configuration, and checks the route with CheckRoute. base is the drill alert's own
// labels (alertname and amha_drill). A route in alertmanager.yml needs nothing more. A route
// from a prometheus-operator AlertmanagerConfig ends at a receiver the operator names
// <namespace>/<AlertmanagerConfig>/amha-drill-sink and matches only alerts whose namespace
// label is that namespace: the drill alert then carries namespace=<namespace>. extra holds
// the labels added to base (nil when none). The error is the last candidate's: an
// AlertmanagerConfig's route when there is one, as that is the route the team meant.
func MatchSink(replica, original string, base map[string]string) (extra map[string]string, rt RouteTiming, err error) {
	candidates := []map[string]string{nil}
	if cfg, lerr := loadConfig(original); lerr == nil {
		seen := map[string]bool{}
		for _, r := range cfg.Receivers {
			parts := strings.Split(r.Name, "/")
			if len(parts) == 3 && parts[2] == SinkReceiver && parts[0] != "" && !seen[parts[0]] {
				seen[parts[0]] = true
				candidates = append(candidates, map[string]string{NamespaceLabel: parts[0]})
			}
		}
	}
	for _, c := range candidates {
		labels := maps.Clone(base)
		maps.Copy(labels, c)
		if rt, err = CheckRoute(replica, original, labels); err == nil {
			return c, rt, nil
		}
	}
	return nil, RouteTiming{}, err
}

// integrations counts every integration of a receiver (every non-empty *_configs list), and
// names the kinds.
func integrations(r *amconfig.Receiver) (int, string) {
	v := reflect.ValueOf(*r)
	t := v.Type()
	n := 0
	var kinds []string
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() != reflect.Slice || !strings.HasSuffix(t.Field(i).Name, "Configs") || f.Len() == 0 {
			continue
		}
		n += f.Len()
		kinds = append(kinds, strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0])
	}
	return n, strings.Join(kinds, ", ")
}

// AlertmanagerConfigToAdd is the drill route as a prometheus-operator AlertmanagerConfig, for
// a cluster the operator runs (the operator merges it into the generated configuration: placed
// first, with continue: true and a namespace matcher).
func AlertmanagerConfigToAdd(namespace string) string {
	return fmt.Sprintf(`apiVersion: monitoring.coreos.com/v1alpha1
kind: AlertmanagerConfig
metadata:
  name: amha-drill
  namespace: %[1]s
  # labels: the Alertmanager object's spec.alertmanagerConfigSelector must select it
spec:
  route:
    matchers:
    - name: %[2]s
      matchType: "=~"
      value: ".+"
    receiver: %[3]s
    groupBy: [%[2]s]
    groupWait: 10s
    groupInterval: 1m
    repeatInterval: 24h
  receivers:
  - name: %[3]s
    webhookConfigs:
    - url: http://%[3]s.%[1]s.svc:8080/hook
      sendResolved: true
`, namespace, Label, SinkReceiver)
}

// RouteToAdd is the drill route and receiver the team adds to alertmanager.yml, for a sink in
// namespace.
func RouteToAdd(namespace string) string {
	return fmt.Sprintf(`route:
  routes:
  # first child of the root: drill alerts go to the drill's sink and nowhere else
  - matchers: ['%s=~".+"']
    receiver: %s
    group_by: [%s]
    group_wait: 10s
    group_interval: 1m
    repeat_interval: 24h
    continue: false
  # ... your routes after it
receivers:
- name: %s
  webhook_configs:
  - url: http://%s.%s.svc:8080/hook
    send_resolved: true
`, Label, SinkReceiver, Label, SinkReceiver, SinkReceiver, namespace)
}
