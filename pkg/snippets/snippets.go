// Package snippets writes what to paste to run an Alertmanager cluster that works as one: the
// --cluster.* flags, the Prometheus alerting block, the Kubernetes objects (and their
// prometheus-operator form), the failure-scenario table from the timing model, a mesh health
// check and the dead-man's switch. Every snippet follows ../../docs/timing.md and the HA facts
// amha is built on; the Kubernetes objects are k8s.io/api types, marshalled without zero values.
package snippets

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/amha-dev/kubectl-amha/pkg/lint"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// Spec describes the cluster the snippets are for.
type Spec struct {
	Replicas  int      `json:"replicas"`
	Namespace string   `json:"namespace"`
	Name      string   `json:"name"`
	Version   string   `json:"version"`
	Zones     []string `json:"zones,omitempty"`
	// Timing carries peer-timeout, the route's group_wait, group_interval, repeat_interval and
	// the receiver latency; Replicas and PersistentStorage are taken from the Spec.
	Timing timing.Params `json:"-"`
	// Governing is the Service that names the pods (the StatefulSet's serviceName) when read
	// from a running cluster: alertmanager-operated under prometheus-operator. "" = Service().
	Governing string `json:"-"`
}

// DefaultSpec is a 3-replica cluster "main" in "monitoring" on v0.31.1.
func DefaultSpec() Spec {
	return Spec{Replicas: 3, Namespace: "monitoring", Name: "main", Version: "v0.31.1",
		Timing: timing.Params{GroupWait: timing.DefaultGroupWait}}
}

// Snippet is one file to paste.
type Snippet struct {
	ID    string `json:"id"`
	Group string `json:"group"`
	Title string `json:"title"`
	// File is the name --out writes it to.
	File    string `json:"file"`
	Content string `json:"content"`
}

// Groups, in output order, and the ids in each.
var (
	Groups = []string{"flags", "prometheus", "kubernetes", "scenarios", "healthcheck"}
	IDs    = []string{
		"cluster-flags",
		"prometheus-endpoints", "prometheus-static", "prometheus-dns", "prometheus-operator",
		"statefulset", "alertmanager-operator",
		"scenarios",
		"mesh-check", "watchdog-rule", "watchdog-route",
	}
)

// Names every object the snippets create is derived from.
func (s Spec) StatefulSet() string { return "alertmanager-" + s.Name }
func (s Spec) Service() string     { return "alertmanager-" + s.Name }
func (s Spec) ConfigMap() string   { return "alertmanager-" + s.Name + "-config" }
func (s Spec) Label() string       { return s.Namespace + "/" + s.Name }

// Pod is the name of replica i.
func (s Spec) Pod(i int) string { return fmt.Sprintf("%s-%d", s.StatefulSet(), i) }

// Params are the timing model's parameters for this cluster (the StatefulSet has storage).
func (s Spec) Params() timing.Params {
	p := s.Timing
	p.Replicas = s.Replicas
	p.PersistentStorage = true
	return p.WithDefaults()
}

var versionRE = regexp.MustCompile(`^v?(\d+)\.(\d+)\.(\d+)$`)

// minor is the minor version of a 0.x version (Validate checks the form).
func (s Spec) minor() int {
	m := versionRE.FindStringSubmatch(s.Version)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[2])
	return n
}

// image is the upstream image of the version.
func (s Spec) image() string {
	return "quay.io/prometheus/alertmanager:v" + strings.TrimPrefix(s.Version, "v")
}

// Validate checks the description; messages name the flag.
func (s Spec) Validate() error {
	var errs []error
	if s.Replicas < 1 || s.Replicas > 50 {
		errs = append(errs, fmt.Errorf("--replicas %d: want 1 to 50", s.Replicas))
	}
	for _, m := range validation.IsDNS1123Label(s.Namespace) {
		errs = append(errs, fmt.Errorf("--namespace %q: %s", s.Namespace, m))
	}
	// Pod names (alertmanager-NAME-ORDINAL) must be DNS labels: their hostnames are peers.
	if msgs := validation.IsDNS1123Label(s.Pod(s.Replicas - 1)); len(msgs) > 0 || s.Name == "" {
		errs = append(errs, fmt.Errorf("--name %q: pod names %s-N must be DNS labels (lower case letters, digits, '-', 63 characters at most)", s.Name, s.StatefulSet()))
	}
	m := versionRE.FindStringSubmatch(s.Version)
	switch {
	case m == nil:
		errs = append(errs, fmt.Errorf("--version %q: want vMAJOR.MINOR.PATCH, e.g. v0.31.1", s.Version))
	case m[1] != "0":
		errs = append(errs, fmt.Errorf("--version %q: only 0.x releases are known", s.Version))
	case s.minor() < 26:
		errs = append(errs, fmt.Errorf("--version %q: amha writes snippets for Alertmanager v0.26 or later (they rely on --cluster.label); upgrade first", s.Version))
	}
	seen := map[string]bool{}
	for _, z := range s.Zones {
		if z == "" {
			errs = append(errs, errors.New("--zones: empty zone name"))
			continue
		}
		for _, m := range validation.IsValidLabelValue(z) {
			errs = append(errs, fmt.Errorf("--zones %q: %s", z, m))
		}
		if seen[z] {
			errs = append(errs, fmt.Errorf("--zones %q given twice", z))
		}
		seen[z] = true
	}
	p := s.Timing
	p.Replicas = max(s.Replicas, 1)
	if p.PeerTimeout < 0 || (p.PeerTimeout > 0 && p.PeerTimeout < 100*time.Millisecond) {
		errs = append(errs, fmt.Errorf("--peer-timeout %s: want at least 100ms", p.PeerTimeout))
	} else if err := p.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Generate writes every snippet for s, in the order of IDs.
func Generate(s Spec) ([]Snippet, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	scenarios, err := timing.Scenarios(s.Params())
	if err != nil {
		return nil, err
	}
	type gen struct {
		id, group, title, file string
		f                      func(Spec) (string, error)
		alt                    string // SET/FORM: one of the forms of SET, applied one at a time
	}
	gens := []gen{
		{"cluster-flags", "flags", "The --cluster.* flags, each value explained", "cluster-flags.txt", clusterFlags, ""},
		{"prometheus-endpoints", "prometheus", "Prometheus alerting block: endpoints discovery keeping only the web port", "prometheus-alerting-endpoints.yaml", prometheusEndpoints, "prometheus/endpoints"},
		{"prometheus-static", "prometheus", "Prometheus alerting block: every replica listed", "prometheus-alerting-static.yaml", prometheusStatic, "prometheus/static"},
		{"prometheus-dns", "prometheus", "Prometheus alerting block: DNS discovery on the headless Service", "prometheus-alerting-dns.yaml", prometheusDNS, "prometheus/dns"},
		{"prometheus-operator", "prometheus", "prometheus-operator Prometheus: spec.alerting", "prometheus-operator-prometheus.yaml", prometheusOperator, "prometheus/operator"},
		{"statefulset", "kubernetes", "StatefulSet, headless Service, PodDisruptionBudget, NetworkPolicy, config", "alertmanager.yaml", kubernetesObjects, "alertmanager/statefulset"},
		{"alertmanager-operator", "kubernetes", "prometheus-operator Alertmanager, PodDisruptionBudget, NetworkPolicy", "alertmanager-operator.yaml", alertmanagerOperator, "alertmanager/operator"},
		{"scenarios", "scenarios", "What notifies when: the failure scenarios with this cluster's numbers", "failure-scenarios.txt",
			func(s Spec) (string, error) { return scenarioTable(s, scenarios), nil }, ""},
		{"mesh-check", "healthcheck", "Mesh health check (curl + jq): exits non-zero on a broken mesh", "mesh-check.sh", meshCheck, ""},
		{"watchdog-rule", "healthcheck", "Prometheus rule: the always-firing Watchdog alert", "watchdog-rule.yaml", watchdogRule, ""},
		{"watchdog-route", "healthcheck", "alertmanager.yml: the dead-man's switch route", "alertmanager-watchdog.yml", watchdogRoute, ""},
	}
	out := make([]Snippet, 0, len(gens))
	for _, g := range gens {
		c, err := g.f(s)
		if err != nil {
			return nil, fmt.Errorf("snippet %s: %w", g.id, err)
		}
		if g.alt != "" {
			set, _, _ := strings.Cut(g.alt, "/")
			var others []string
			for _, o := range gens {
				if o.file != g.file && strings.HasPrefix(o.alt, set+"/") {
					others = append(others, o.file)
				}
			}
			// kubectl amha lint reads the files of one set apart.
			use := "apply this file or " + others[0] + ", not both"
			if len(others) > 1 {
				use = "apply only one of this file, " + strings.Join(others[:len(others)-1], ", ") + " and " + others[len(others)-1]
			}
			c = fmt.Sprintf("%s%s; %s\n%s", lint.AlternativePrefix, g.alt, use, c)
		}
		out = append(out, Snippet{ID: g.id, Group: g.group, Title: g.title, File: g.file, Content: c})
	}
	return out, nil
}

// Select keeps the snippets named by ids or groups; an empty list keeps all.
func Select(all []Snippet, names []string) ([]Snippet, error) {
	if len(names) == 0 {
		return all, nil
	}
	for _, n := range names {
		if !slices.Contains(IDs, n) && !slices.Contains(Groups, n) {
			return nil, fmt.Errorf("unknown snippet %q: want an id (%s) or a group (%s)",
				n, strings.Join(IDs, ", "), strings.Join(Groups, ", "))
		}
	}
	var out []Snippet
	for _, s := range all {
		if slices.Contains(names, s.ID) || slices.Contains(names, s.Group) {
			out = append(out, s)
		}
	}
	return out, nil
}
