package lint

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	commoncfg "github.com/prometheus/common/config"
	pmodel "github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/discovery"
	// The service discoveries amha validates like Prometheus does.
	_ "github.com/prometheus/prometheus/discovery/dns"
	_ "github.com/prometheus/prometheus/discovery/file"
	_ "github.com/prometheus/prometheus/discovery/kubernetes"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/relabel"
	"github.com/prometheus/sigv4"
	yamlv2 "go.yaml.in/yaml/v2"
	"gopkg.in/yaml.v3"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// prometheusInvalid: Prometheus refuses a prometheus.yml that its own loader rejects, at
// start and at every reload; until it is fixed the running server keeps its old alerting
// settings (or does not start). The parts amha reads (global.external_labels and the whole
// alerting section) are decoded with Prometheus' own types and rules, so the message is the
// one Prometheus logs; the rest of the file is left to `promtool check config`.
type prometheusInvalid struct{}

func (prometheusInvalid) ID() string { return "prometheus/invalid" }

func (c prometheusInvalid) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, pc := range s.PromConfigs {
		if !looksLikePrometheus(pc.Root) {
			continue
		}
		err := loadPromConfig(pc.Raw)
		if err == nil {
			continue
		}
		msg, at := promErrorAt(pc, err)
		out = append(out, model.Finding{
			ID: c.ID(), Severity: model.Error, Symptoms: []model.Symptom{model.Missed},
			Objects: []string{pc.Name},
			Message: fmt.Sprintf("Prometheus rejects this configuration: %s. A Prometheus given this file does not start, and one "+
				"reloading it keeps its previous configuration, so no change in it (Alertmanager targets included) takes effect.", msg),
			Fix:       "Correct the configuration until `promtool check config` accepts it (amha checks only its alerting section and external labels).",
			Locations: []Location{at},
		})
	}
	return out
}

// loadPromConfig decodes the global.external_labels and alerting sections of a prometheus.yml
// as Prometheus' config.Load does (strict YAML of go.yaml.in/yaml/v2, its defaults and
// validation, the relabel, HTTP client, SigV4 and service discovery types of Prometheus), and
// accepts every other key as written: whole-file validity is promtool's.
func loadPromConfig(text string) error {
	var f promFileConfig
	if err := yamlv2.UnmarshalStrict([]byte(text), &f); err != nil {
		return errors.New(promTypeNames.Replace(err.Error()))
	}
	scheme := pmodel.UTF8Validation
	if f.Global != nil {
		if f.Global.MetricNameValidationScheme == pmodel.LegacyValidation {
			scheme = pmodel.LegacyValidation
		}
		if err := f.Global.ExternalLabels.Validate(func(l labels.Label) error {
			if !scheme.IsValidLabelName(l.Name) {
				return fmt.Errorf("%q is not a valid label name", l.Name)
			}
			if !pmodel.LabelValue(l.Value).IsValid() {
				return fmt.Errorf("%q is not a valid label value", l.Value)
			}
			return nil
		}); err != nil {
			return err
		}
	}
	if f.Alerting == nil {
		return nil
	}
	rules := f.Alerting.AlertRelabelConfigs
	for _, am := range f.Alerting.AlertmanagerConfigs {
		rules = append(append(rules, am.AlertRelabelConfigs...), am.RelabelConfigs...)
	}
	for _, rc := range rules {
		if err := rc.Validate(scheme); err != nil {
			return err
		}
	}
	return nil
}

// promTypeNames gives the YAML errors about amha's mirror types the names of Prometheus' own
// (promAlertmanagerConfig is config.AlertmanagerConfig), as Prometheus prints them.
var promTypeNames = strings.NewReplacer("lint.prom", "config.", "lint.plain", "config.plain")

// promFileConfig is a prometheus.yml: global and alerting typed, every other key kept as is.
type promFileConfig struct {
	Global   *promGlobalConfig   `yaml:"global,omitempty"`
	Alerting *promAlertingConfig `yaml:"alerting,omitempty"`
	Other    map[string]any      `yaml:",inline"`
}

// promGlobalConfig is the part of Prometheus' GlobalConfig that amha reads.
type promGlobalConfig struct {
	ExternalLabels             labels.Labels           `yaml:"external_labels,omitempty"`
	MetricNameValidationScheme pmodel.ValidationScheme `yaml:"metric_name_validation_scheme,omitempty"`
	Other                      map[string]any          `yaml:",inline"`
}

// promAlertingConfig mirrors Prometheus' AlertingConfig.
type promAlertingConfig struct {
	AlertRelabelConfigs []*relabel.Config         `yaml:"alert_relabel_configs,omitempty"`
	AlertmanagerConfigs []*promAlertmanagerConfig `yaml:"alertmanagers,omitempty"`
}

func (c *promAlertingConfig) UnmarshalYAML(unmarshal func(any) error) error {
	*c = promAlertingConfig{}
	type plain promAlertingConfig
	if err := unmarshal((*plain)(c)); err != nil {
		return err
	}
	for _, rc := range c.AlertRelabelConfigs {
		if rc == nil {
			return errors.New("empty or null alert relabeling rule")
		}
	}
	return nil
}

// promAlertmanagerConfig mirrors Prometheus' AlertmanagerConfig, field for field (the
// service discoveries inline, as discovery.UnmarshalYAMLWithInlineConfigs reads them).
type promAlertmanagerConfig struct {
	ServiceDiscoveryConfigs discovery.Configs          `yaml:"-"`
	HTTPClientConfig        commoncfg.HTTPClientConfig `yaml:",inline"`
	SigV4Config             *sigv4.SigV4Config         `yaml:"sigv4,omitempty"`

	Scheme              string                     `yaml:"scheme,omitempty"`
	PathPrefix          string                     `yaml:"path_prefix,omitempty"`
	Timeout             pmodel.Duration            `yaml:"timeout,omitempty"`
	APIVersion          promAlertmanagerAPIVersion `yaml:"api_version"`
	RelabelConfigs      []*relabel.Config          `yaml:"relabel_configs,omitempty"`
	AlertRelabelConfigs []*relabel.Config          `yaml:"alert_relabel_configs,omitempty"`
}

// UnmarshalYAML applies Prometheus' defaults and checks (config.AlertmanagerConfig's).
func (c *promAlertmanagerConfig) UnmarshalYAML(unmarshal func(any) error) error {
	*c = promAlertmanagerConfig{Scheme: "http", APIVersion: "v2", HTTPClientConfig: commoncfg.DefaultHTTPClientConfig}
	if err := discovery.UnmarshalYAMLWithInlineConfigs(c, unmarshal); err != nil {
		return err
	}
	if err := c.HTTPClientConfig.Validate(); err != nil {
		return err
	}
	h := c.HTTPClientConfig
	if (h.BasicAuth != nil || h.Authorization != nil || h.OAuth2 != nil) && c.SigV4Config != nil {
		return errors.New("at most one of basic_auth, authorization, oauth2, & sigv4 must be configured")
	}
	if len(c.RelabelConfigs) == 0 {
		for _, sd := range c.ServiceDiscoveryConfigs {
			static, _ := sd.(discovery.StaticConfig)
			for _, tg := range static {
				for _, t := range tg.Targets {
					if a := t[pmodel.AddressLabel]; strings.Contains(string(a), "/") {
						return fmt.Errorf("%q is not a valid hostname", a)
					}
				}
			}
		}
	}
	for _, rc := range c.RelabelConfigs {
		if rc == nil {
			return errors.New("empty or null Alertmanager target relabeling rule")
		}
	}
	for _, rc := range c.AlertRelabelConfigs {
		if rc == nil {
			return errors.New("empty or null Alertmanager alert relabeling rule")
		}
	}
	return nil
}

// promAlertmanagerAPIVersion is Prometheus' AlertmanagerAPIVersion: v2 only since 3.0.
type promAlertmanagerAPIVersion string

func (v *promAlertmanagerAPIVersion) UnmarshalYAML(unmarshal func(any) error) error {
	*v = ""
	type plain promAlertmanagerAPIVersion
	if err := unmarshal((*plain)(v)); err != nil {
		return err
	}
	if *v != "v2" {
		return fmt.Errorf("expected Alertmanager api version to be one of [v2] but got %v", *v)
	}
	return nil
}

var promTopLevel = map[string]bool{
	"global": true, "runtime": true, "rule_files": true, "scrape_config_files": true, "scrape_configs": true,
	"storage": true, "tracing": true, "alerting": true, "remote_write": true, "remote_read": true, "otlp": true,
}

// looksLikePrometheus guards prometheus/invalid against documents that share a key with
// prometheus.yml by chance (a Grafana values file has "alerting:"): it wants two top-level
// keys of prometheus.yml, or no key that prometheus.yml lacks.
func looksLikePrometheus(root Node) bool {
	keys, _ := root.Fields()
	known, unknown := 0, 0
	for _, k := range keys {
		if promTopLevel[k] {
			known++
		} else {
			unknown++
		}
	}
	return known >= 2 || (known > 0 && unknown == 0)
}

var (
	promErrLineRE  = regexp.MustCompile(`line (\d+): `)
	promErrQuoteRE = regexp.MustCompile(`"((?:[^"\\]|\\.)+)"`)
)

// promErrorAt cleans a loadPromConfig error and finds where it points: the line yaml reports,
// else the first scalar of the decoded sections equal to a value the message quotes, else the
// document.
func promErrorAt(pc *PromConfig, err error) (string, Location) {
	msg := strings.Join(strings.Fields(strings.TrimPrefix(err.Error(), "yaml: ")), " ")
	msg = strings.TrimPrefix(msg, "unmarshal errors: ")
	if m := promErrLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		if n, ok := promNodeOnLine(pc.Root, line); ok {
			return msg, n.Loc()
		}
		l := pc.Root.Loc()
		if pc.Root.Outer == nil && !pc.Root.Live {
			l.Line, l.Column, l.Path = line+pc.Root.LineOffset, 0, ""
		}
		return msg, l
	}
	// Only the sections loadPromConfig decodes can be at fault: a value they quote (a target,
	// a role), else a key (a label name).
	decoded := []Node{pc.Root.Get("global", "external_labels"), pc.Root.Get("alerting")}
	for _, keys := range []bool{false, true} {
		for _, q := range promErrQuoteRE.FindAllStringSubmatch(msg, -1) {
			v, uerr := strconv.Unquote(`"` + q[1] + `"`)
			if uerr != nil {
				v = q[1]
			}
			for _, d := range decoded {
				if n, ok := promFindScalar(d, v, keys); ok {
					return msg, n.Loc()
				}
			}
		}
	}
	return msg, pc.Root.Loc()
}

// promNodeOnLine is the first node (keys included) written on line (1-based, in the
// document's own numbering).
func promNodeOnLine(n Node, line int) (Node, bool) {
	var found Node
	ok := false
	promWalk(n, func(c promWalkNode) bool {
		if c.N.Line == line && (!ok || c.N.Column < found.N.Column) {
			found, ok = c.Node, true
		}
		return true
	})
	return found, ok
}

// promFindScalar is the first scalar equal to v among the keys (keys) or the values.
func promFindScalar(n Node, v string, keys bool) (Node, bool) {
	var found Node
	ok := false
	promWalk(n, func(c promWalkNode) bool {
		if !ok && c.N.Kind == yaml.ScalarNode && c.N.Value == v && c.isKey == keys {
			found, ok = c.Node, true
		}
		return !ok
	})
	return found, ok
}

type promWalkNode struct {
	Node
	isKey bool
}

// promWalk visits n and every node under it, keys included, with their paths.
func promWalk(n Node, f func(promWalkNode) bool) {
	if n.N == nil {
		return
	}
	if !f(promWalkNode{Node: n}) {
		return
	}
	switch n.N.Kind {
	case yaml.MappingNode:
		keys, vals := n.Fields()
		for i, k := range keys {
			key := n.Key(k)
			if !f(promWalkNode{Node: key, isKey: true}) {
				return
			}
			promWalk(vals[i], f)
		}
	case yaml.SequenceNode:
		for _, it := range n.Items() {
			promWalk(it, f)
		}
	}
}

// opaqueSD stands for the service discoveries amha does not link (cloud SDKs would multiply
// the binary's size): their sections are accepted as they are, not validated, so a
// prometheus.yml using consul_sd_configs or ec2_sd_configs is not reported as invalid.
type opaqueSD struct {
	name string
	set  bool
}

func (c *opaqueSD) Name() string { return c.name }

func (c *opaqueSD) NewDiscoverer(discovery.DiscovererOptions) (discovery.Discoverer, error) {
	return nil, errors.New("amha: " + c.name + " service discovery is not linked")
}

func (*opaqueSD) NewDiscovererMetrics(prometheus.Registerer, discovery.RefreshMetricsInstantiator) discovery.DiscovererMetrics {
	return nil
}

func (c *opaqueSD) UnmarshalYAML(unmarshal func(any) error) error {
	c.set = true
	var v any
	return unmarshal(&v)
}

// opaqueSDNames are Prometheus 3.x's other service discoveries (discovery/install).
var opaqueSDNames = []string{
	"aws", "azure", "consul", "digitalocean", "docker", "dockerswarm", "ec2", "ecs", "elasticache", "eureka",
	"gce", "hetzner", "http", "ionos", "kuma", "lightsail", "linode", "marathon", "msk", "nerve", "nomad", "oci",
	"openstack", "outscale", "ovhcloud", "puppetdb", "rds", "scaleway", "serverset", "stackit", "triton",
	"uyuni", "vultr",
}

func init() {
	for _, name := range opaqueSDNames {
		registerOpaqueSD(name)
	}
}

// registerOpaqueSD registers a stand-in unless the real discovery is linked already
// (RegisterConfig panics on a name registered twice, before changing anything).
func registerOpaqueSD(name string) {
	defer func() { _ = recover() }()
	discovery.RegisterConfig(&opaqueSD{name: name})
}
