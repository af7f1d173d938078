package lint

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// prometheusReplicaLabel: Prometheus adds its external labels to every alert it sends. In an
// HA pair each server has its own replica label, so the two send the same alert with two
// label sets, and Alertmanager, which identifies an alert by its labels, holds two alerts
// (ha-facts: "Drop the Prometheus replica label (alert_relabel_configs labeldrop) so HA
// Prometheus pairs send identical alerts"). prometheus-operator drops its replica label
// (replicaExternalLabelName, default prometheus_replica) itself (pkg/prometheus/promcfg.go).
type prometheusReplicaLabel struct{}

func (prometheusReplicaLabel) ID() string { return "prometheus/replica-label" }

// promReplicaNames are the label names HA Prometheus setups use for the replica.
var promReplicaNames = map[string]bool{"prometheus_replica": true, "replica": true, "__replica__": true}

// promPerPodValue matches a value that differs per pod or host: the pod name or host name
// from the environment, as Prometheus (${VAR}) or prometheus-operator's reloader ($(VAR))
// expands it.
var promPerPodValue = regexp.MustCompile(`\$(\(|\{)?(POD_NAME|HOSTNAME|HOST|POD)\b`)

func (c prometheusReplicaLabel) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, pc := range s.PromConfigs {
		if f, ok := c.file(s, pc); ok {
			out = append(out, f)
		}
	}
	for _, o := range s.Objects {
		if o.Kind == "Prometheus" && o.Group() == "monitoring.coreos.com" {
			if f, ok := c.operator(s, o); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

func (c prometheusReplicaLabel) file(s *Set, pc *PromConfig) (model.Finding, bool) {
	entries := promEntries(pc)
	if len(entries) == 0 {
		return model.Finding{}, false
	}
	labels := pc.Root.Get("global", "external_labels")
	keys, vals := labels.Fields()
	for i, name := range keys {
		if !promReplicaNames[name] && !promPerPodValue.MatchString(vals[i].String()) {
			continue
		}
		if promDropsEverywhere(pc, entries, name) {
			continue
		}
		alerting := pc.Root.Get("alerting")
		effect, sev := promReplicaEffect(s, name)
		return model.Finding{
			ID: c.ID(), Severity: sev, Symptoms: []model.Symptom{model.Duplicates},
			Objects:   []string{pc.Name},
			Message:   fmt.Sprintf("The external label %s=%q marks this server as one replica of an HA Prometheus pair, and no alert_relabel_configs rule drops it. %s.", name, vals[i].String(), effect),
			Fix:       fmt.Sprintf("Drop it from the alerts (it stays on the series):\nalerting:\n  alert_relabel_configs:\n  - {action: labeldrop, regex: %s}", regexp.QuoteMeta(name)),
			Locations: []Location{labels.Key(name).Loc(), alerting.Key("alert_relabel_configs").LocOr(pc.Root.Key("alerting"))},
		}, true
	}
	return model.Finding{}, false
}

// operator: the operator drops its own replica label; a per-pod value the user put in
// spec.externalLabels is not dropped.
func (c prometheusReplicaLabel) operator(s *Set, p *Object) (model.Finding, bool) {
	spec := p.Root.Get("spec")
	replicas, ok := spec.Get("replicas").Int()
	if !ok {
		replicas = 1
	}
	if replicas < 2 || !spec.Get("alerting").Valid() || spec.Get("additionalAlertRelabelConfigs").Valid() {
		return model.Finding{}, false
	}
	replicaLabel := "prometheus_replica"
	if n := spec.Get("replicaExternalLabelName"); n.Valid() {
		replicaLabel = n.String()
	}
	labels := spec.Get("externalLabels")
	keys, vals := labels.Fields()
	for i, name := range keys {
		if name == replicaLabel || !promPerPodValue.MatchString(vals[i].String()) {
			continue
		}
		effect, sev := promReplicaEffect(s, name)
		return model.Finding{
			ID: c.ID(), Severity: sev, Symptoms: []model.Symptom{model.Duplicates},
			Objects: []string{p.ID()},
			Message: fmt.Sprintf("This Prometheus of %d replicas sets %s=%q in spec.externalLabels, a value that differs per pod; prometheus-operator drops only its replica label (%s) from alerts. %s.",
				replicas, name, vals[i].String(), promOr(replicaLabel, "none"), effect),
			Fix:       fmt.Sprintf("Let the operator add the per-pod label instead: remove %s from spec.externalLabels and set spec.replicaExternalLabelName: %s; it is then dropped from alerts.", name, name),
			Locations: []Location{labels.Key(name).Loc()},
		}, true
	}
	return model.Finding{}, false
}

// promDropsEverywhere: the global alert_relabel_configs drop the label, or every
// Alertmanager entry's own alert_relabel_configs do.
func promDropsEverywhere(pc *PromConfig, entries []promEntry, name string) bool {
	if promDrops(pc.Root.Get("alerting", "alert_relabel_configs"), name) {
		return true
	}
	for _, e := range entries {
		if !promDrops(e.At.Get("alert_relabel_configs"), name) {
			return false
		}
	}
	return true
}

func promDrops(rules Node, name string) bool {
	for _, r := range promRules(rules) {
		if r.drops(name) {
			return true
		}
	}
	return false
}

// promReplicaEffect says what the duplicate alerts do, with the alertmanager.yml grouping
// when the Set has it: a grouping that splits the copies makes it an error.
func promReplicaEffect(s *Set, name string) (string, model.Severity) {
	base := "Both servers send every alert, each with its own value, and Alertmanager identifies an alert by all its labels: it holds two alerts for each, " +
		"so notifications count and list every alert twice, and one server restarting or lagging resolves its copy while the other still fires"
	for _, ac := range s.AMConfigs {
		if by := promGroupsBy(ac.Root.Get("route"), name); by != "" {
			return base + fmt.Sprintf(". %s groups by %s, so each copy is a group of its own: two notifications for every alert", ac.Name, by), model.Error
		}
	}
	return base + ". A route that groups by '...' (or by this label) makes each copy a group of its own: two notifications for every alert", model.Warning
}

// promGroupsBy finds a route that groups by '...' or by the label.
func promGroupsBy(route Node, name string) string {
	if !route.Valid() {
		return ""
	}
	for _, g := range route.Get("group_by").Strings() {
		if g == "..." || g == name {
			return "'" + g + "'"
		}
	}
	for _, r := range route.Get("routes").Items() {
		if by := promGroupsBy(r, name); by != "" {
			return by
		}
	}
	return ""
}

func promOr(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}
