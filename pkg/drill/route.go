package drill

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	amconfig "github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/dispatch"

	"github.com/amha-dev/kubectl-amha/pkg/model"
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
	rt, _, err := checkRoute(replica, original, labels)
	return rt, err
}

// checkRoute is CheckRoute that also returns the receiver the drill alert reaches.
func checkRoute(replica, original string, labels map[string]string) (RouteTiming, string, error) {
	fail := func(reason string) (RouteTiming, string, error) {
		return RouteTiming{}, "", &RouteError{replica, reason}
	}
	cfg, err := loadConfig(original)
	if err != nil {
		return fail(fmt.Sprintf("its running configuration does not load: %v", err))
	}
	if cfg.Route == nil {
		return fail("its running configuration has no route")
	}
	matched := dispatch.NewRoute(cfg.Route, nil).Match(labelSet(labels))
	if len(matched) == 0 {
		return fail("no route matches the drill alert")
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
			return fail(fmt.Sprintf("the drill alert is routed to receiver(s) %s, not only to %s: "+
				"a drill would notify them", strings.Join(names, ", "), SinkReceiver))
		}
		r := recv[name]
		if r == nil {
			return fail(fmt.Sprintf("receiver %s is not defined", name))
		}
		if n, kinds := integrations(r); len(r.WebhookConfigs) != 1 || n != 1 {
			return fail(fmt.Sprintf("receiver %s has %d webhook(s) and %d integration(s) in all (%s): "+
				"it must have exactly one webhook, to the sink, and nothing else", name, len(r.WebhookConfigs), n, strings.Join(kinds, ", ")))
		}
		if !r.WebhookConfigs[0].SendResolved() {
			return fail(fmt.Sprintf("receiver %s's webhook has send_resolved: false", name))
		}
	}
	if len(matched) > 1 {
		return fail(fmt.Sprintf("the drill alert matches %d routes, to %s: each would notify the sink, and the drill would count "+
			"%d notifications per flush; keep one", len(matched), strings.Join(names, ", "), len(matched)))
	}
	o := matched[0].RouteOpts
	return RouteTiming{GroupWait: o.GroupWait, GroupInterval: o.GroupInterval, RepeatInterval: o.RepeatInterval}, o.Receiver, nil
}

// NamespaceLabel is the label prometheus-operator matches an AlertmanagerConfig's routes on
// (its default matcher strategy, OnNamespace, adds namespace="<the AlertmanagerConfig's
// namespace>" to each).
const NamespaceLabel = "namespace"

// SinkMatch is the route by which the drill alert reaches the sink in a running configuration.
type SinkMatch struct {
	// Receiver is the receiver the drill alert reaches: amha-drill-sink, or
	// <namespace>/<AlertmanagerConfig>/amha-drill-sink.
	Receiver string
	// Extra are the labels added to the drill alert's own (namespace=<ns> for an
	// AlertmanagerConfig's route); nil when none.
	Extra  map[string]string
	Timing RouteTiming
	// Others are the configuration's other sink receivers, not used, each with why.
	Others []string
}

// sinkCandidate is one way the drill alert may reach the sink: the labels it adds, and the
// sink receivers it is meant for.
type sinkCandidate struct {
	extra     map[string]string
	receivers []string
}

// MatchSink finds the labels with which the drill alert reaches the sink in a replica's
// running configuration, and checks the route with CheckRoute. base is the drill alert's own
// labels (alertname and amha_drill). A route in alertmanager.yml needs nothing more. A route
// from a prometheus-operator AlertmanagerConfig ends at a receiver the operator names
// <namespace>/<AlertmanagerConfig>/amha-drill-sink and matches only alerts whose namespace
// label is that namespace: the drill alert then carries namespace=<namespace>.
//
// Several may pass (AlertmanagerConfigs in several namespaces, each with a sink receiver);
// the first in this order is used, and the others are named with why: the alertmanager.yml
// route, then the AlertmanagerConfigs of the cluster's namespace (where the sink runs), then
// the others by namespace. When none passes, the error is the first AlertmanagerConfig's (the
// route the team meant) when there is one, else the alertmanager.yml route's.
func MatchSink(replica, original, clusterNamespace string, base map[string]string) (SinkMatch, error) {
	cands := []sinkCandidate{{}}
	if cfg, lerr := loadConfig(original); lerr == nil {
		byNS := map[string]*sinkCandidate{}
		for _, r := range cfg.Receivers {
			if r.Name == SinkReceiver {
				cands[0].receivers = []string{r.Name}
			}
			parts := strings.Split(r.Name, "/")
			if len(parts) != 3 || parts[2] != SinkReceiver || parts[0] == "" {
				continue
			}
			if byNS[parts[0]] == nil {
				byNS[parts[0]] = &sinkCandidate{extra: map[string]string{NamespaceLabel: parts[0]}}
			}
			byNS[parts[0]].receivers = append(byNS[parts[0]].receivers, r.Name)
		}
		namespaces := slices.Sorted(maps.Keys(byNS))
		if i := slices.Index(namespaces, clusterNamespace); i > 0 {
			namespaces = slices.Insert(slices.Delete(namespaces, i, i+1), 0, clusterNamespace)
		}
		for _, ns := range namespaces {
			slices.Sort(byNS[ns].receivers)
			cands = append(cands, *byNS[ns])
		}
	}
	var (
		used  = -1
		m     SinkMatch
		first error // the first AlertmanagerConfig's error, else the alertmanager.yml route's
		why   = make([]string, len(cands))
	)
	for i, c := range cands {
		labels := maps.Clone(base)
		maps.Copy(labels, c.extra)
		rt, recv, err := checkRoute(replica, original, labels)
		var re *RouteError
		switch {
		case errors.As(err, &re):
			why[i] = "not used: " + re.Reason
			if first == nil || i == 1 {
				first = err
			}
		case used < 0:
			used = i
			m = SinkMatch{Receiver: recv, Extra: c.extra, Timing: rt}
		default:
			why[i] = fmt.Sprintf("passes too, not used: %s comes first", m.Receiver)
		}
	}
	if used < 0 {
		return SinkMatch{}, first
	}
	for i, c := range cands {
		if i == used {
			continue
		}
		for _, r := range c.receivers {
			if r == m.Receiver {
				continue
			}
			w := why[i]
			if c.extra != nil {
				w = fmt.Sprintf("(with %s=%s) %s", NamespaceLabel, c.extra[NamespaceLabel], w)
			}
			m.Others = append(m.Others, r+" "+w)
		}
	}
	return m, nil
}

// MatchSinkEverywhere matches the drill alert to the sink on every replica of the cluster: the
// first replica's configuration says which labels reach the sink (MatchSink; namespace=... for
// an AlertmanagerConfig's route), and every other replica must route exactly those to it
// (CheckRoute). The error is the first replica's that does not.
func MatchSinkEverywhere(c model.Cluster, clusterNamespace string, base map[string]string) (SinkMatch, error) {
	var m SinkMatch
	for i, rep := range c.Replicas {
		var err error
		if i == 0 {
			m, err = MatchSink(rep.Name, rep.Status.Config, clusterNamespace, base)
		} else {
			labels := maps.Clone(base)
			maps.Copy(labels, m.Extra)
			_, err = CheckRoute(rep.Name, rep.Status.Config, labels)
		}
		if err != nil {
			return m, err
		}
	}
	return m, nil
}

// integrations counts every integration of a receiver (every non-empty *_configs list), and
// names the kinds as the configuration does (webhook_configs).
func integrations(r *amconfig.Receiver) (int, []string) {
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
	return n, kinds
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

// RouteToAddTiming is the timing of RouteToAdd's route: a dry run without a drill route
// plans with it.
var RouteToAddTiming = RouteTiming{GroupWait: 10 * time.Second, GroupInterval: time.Minute, RepeatInterval: 24 * time.Hour}

// RouteToAdd is the drill route and receiver the team adds to alertmanager.yml, for a sink in
// namespace.
func RouteToAdd(namespace string) string {
	return RouteToAddURL(fmt.Sprintf("http://%s.%s.svc:8080/hook", SinkReceiver, namespace))
}

// RouteToAddURL is RouteToAdd for a sink at sinkURL (the sink inside kubectl-amha, for
// replicas outside Kubernetes).
func RouteToAddURL(sinkURL string) string {
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
  - url: %s
    send_resolved: true
`, Label, SinkReceiver, Label, SinkReceiver, sinkURL)
}
