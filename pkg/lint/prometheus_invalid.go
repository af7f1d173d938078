package lint

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	promconfig "github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/discovery"
	// The service discoveries amha validates like Prometheus does.
	_ "github.com/prometheus/prometheus/discovery/dns"
	_ "github.com/prometheus/prometheus/discovery/file"
	_ "github.com/prometheus/prometheus/discovery/kubernetes"
	"gopkg.in/yaml.v3"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// prometheusInvalid: Prometheus refuses a prometheus.yml that its own loader rejects, at
// start and at every reload; until it is fixed the running server keeps its old alerting
// settings (or does not start). The file is parsed with Prometheus' config package, so the
// message is the one Prometheus logs.
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
			Fix:       "Correct the configuration until `promtool check config` accepts it.",
			Locations: []Location{at},
		})
	}
	return out
}

// loadPromConfig parses a prometheus.yml with Prometheus' own loader (config.Load): the
// strict YAML decoding, defaults and validation Prometheus applies at start and reload.
func loadPromConfig(text string) error {
	_, err := promconfig.Load(text, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return err
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

// promErrorAt cleans a config.Load error and finds where it points: the line yaml reports,
// else the first scalar equal to a value the message quotes, else the document.
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
	for _, q := range promErrQuoteRE.FindAllStringSubmatch(msg, -1) {
		v, uerr := strconv.Unquote(`"` + q[1] + `"`)
		if uerr != nil {
			v = q[1]
		}
		if n, ok := promFindScalar(pc.Root, v); ok {
			return msg, n.Loc()
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

// promFindScalar is the first scalar value (not key) equal to v.
func promFindScalar(n Node, v string) (Node, bool) {
	var found Node
	ok := false
	promWalk(n, func(c promWalkNode) bool {
		if !ok && c.N.Kind == yaml.ScalarNode && c.N.Value == v && !c.isKey {
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
