package lint

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// configInvalid: Alertmanager's loader refuses the configuration. A replica started with it
// exits ("error loading configuration file"); a running one keeps its previous configuration
// and sets alertmanager_config_last_reload_successful to 0 (config/coordinator.go Reload), so
// replicas restarted since and replicas that were not run different configurations, or none.
type configInvalid struct{}

func (configInvalid) ID() string { return "config/invalid" }

func (c configInvalid) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, d := range amDocs(s) {
		if d.Err == nil {
			continue
		}
		msg := configOneLine(d.Err.Error())
		out = append(out, model.Finding{
			ID: c.ID(), Severity: model.Error, Symptoms: []model.Symptom{model.Missed},
			Objects: []string{d.Name},
			Message: fmt.Sprintf("Alertmanager refuses this configuration: %s. A replica started with it exits at once; "+
				"a running replica keeps its previous configuration on reload (alertmanager_config_last_reload_successful 0). "+
				"Once some replicas restart, the cluster runs without them or on different configurations.", msg),
			Fix: "Correct the configuration; `amtool check-config alertmanager.yml` gives Alertmanager's verdict before it is deployed. " +
				"With prometheus-operator, the operator keeps the last valid generated configuration and logs the error.",
			Locations: []Location{configInvalidLoc(d.AMConfig, msg)},
		})
	}
	return out
}

var (
	configErrLineRE   = regexp.MustCompile(`\bline (\d+):`)
	configErrQuotedRE = regexp.MustCompile(`"([^"]+)"`)
)

// configOneLine joins yaml.v2's multi-line "unmarshal errors" into one line.
func configOneLine(s string) string {
	parts := strings.Split(s, "\n")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return strings.Join(parts, " ")
}

// configInvalidLoc points at the line a YAML error names, at the value a semantic error quotes
// (`undefined receiver "team" used in route`), else at the document.
func configInvalidLoc(c *AMConfig, msg string) Location {
	root := c.Root
	if m := configErrLineRE.FindStringSubmatch(msg); m != nil && root.Outer == nil && !root.Live {
		line, _ := strconv.Atoi(m[1])
		l := root.Loc()
		l.Path = ""
		l.Line = line + root.LineOffset
		l.Column = configLineIndent(c.Raw, line) + 1 + root.ColOffset
		return l
	}
	if strings.Contains(msg, "root route") || strings.Contains(msg, "no route provided") {
		return root.Get("route").LocOr(root)
	}
	if m := configErrQuotedRE.FindStringSubmatch(msg); m != nil {
		hits := configFindScalars(root, m[1])
		switch {
		case len(hits) > 1 && strings.Contains(msg, "not unique"):
			return hits[1].Loc()
		case len(hits) > 0:
			return hits[0].Loc()
		}
	}
	return root.Loc()
}

// configLineIndent is the number of leading spaces of line (1-based) in text.
func configLineIndent(text string, line int) int {
	lines := strings.Split(text, "\n")
	if line < 1 || line > len(lines) {
		return 0
	}
	l := lines[line-1]
	return len(l) - len(strings.TrimLeft(l, " "))
}

// configFindScalars are the value scalars equal to v, in document order.
func configFindScalars(n Node, v string) []Node {
	if n.N == nil {
		return nil
	}
	switch n.N.Kind {
	case yaml.ScalarNode:
		if n.N.Value == v {
			return []Node{n}
		}
	case yaml.MappingNode:
		var out []Node
		keys, vals := n.Fields()
		for i := range keys {
			out = append(out, configFindScalars(vals[i], v)...)
		}
		return out
	case yaml.SequenceNode:
		var out []Node
		for _, it := range n.Items() {
			out = append(out, configFindScalars(it, v)...)
		}
		return out
	}
	return nil
}
