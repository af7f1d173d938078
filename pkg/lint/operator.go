package lint

import (
	"fmt"
	"strings"

	"golang.org/x/mod/semver"
)

// The prometheus-operator releases whose StatefulSet generation for an Alertmanager object is
// modelled, each with its DefaultAlertmanagerVersion (pkg/operator/defaults.go): the version it
// runs when spec.version and spec.image say none. Read from the releases' source on the Go
// module proxy; releases between two rows (the proxy does not serve v0.67, v0.69, v0.73, v0.78,
// v0.80, v0.86.0, v0.87.0, v0.90) take the row below them, which the changelog agrees with.
var operatorReleases = []struct{ operator, alertmanager string }{
	{"v0.60.0", "v0.24.0"},
	{"v0.66.0", "v0.25.0"},
	{"v0.68.0", "v0.26.0"},
	{"v0.74.0", "v0.27.0"},
	{"v0.82.0", "v0.28.1"},
	{"v0.87.1", "v0.29.0"},
	{"v0.88.0", "v0.30.0"},
	{"v0.89.0", "v0.31.0"},
	{"v0.91.0", "v0.32.1"},
	{"v0.92.0", "v0.33.0"},
	{"v0.93.0", "v0.33.1"},
}

// NewestOperator is the newest prometheus-operator release modelled: the one assumed when the
// inputs do not say which runs.
var NewestOperator = operatorReleases[len(operatorReleases)-1].operator

// Operator is the prometheus-operator release whose output lint models for Alertmanager
// objects, and where amha learnt it.
type Operator struct {
	// Version is the release as given ("v0.76.0").
	Version string `json:"version"`
	// Source says where it came from: "--operator-version", the operator Deployment among the
	// inputs, or the newest release modelled.
	Source string `json:"source"`
	// Note says how the version was treated when it is outside what is modelled.
	Note string `json:"note,omitempty"`
	// Generated names the StatefulSets the operator generated that were among the inputs:
	// their pod labels and flags are taken as written there rather than modelled.
	Generated []string `json:"generated,omitempty"`
}

// operatorModel is what one operator release generates (pkg/alertmanager/statefulset.go).
type operatorModel struct {
	version string // canonical semver, "v0.93.0"
}

func (m operatorModel) atLeast(v string) bool { return semver.Compare(m.version, v) >= 0 }

// defaultAlertmanager is the Alertmanager version the release runs when the object names none.
func (m operatorModel) defaultAlertmanager() string {
	def := operatorReleases[0].alertmanager
	for _, r := range operatorReleases {
		if m.atLeast(r.operator) {
			def = r.alertmanager
		}
	}
	return def
}

// clusterLabel: --cluster.label=<namespace>/<name> for Alertmanager 0.26+ from v0.69.0
// (prometheus-operator#5945); spec.clusterLabel overrides it from v0.71.0 (#6162).
func (m operatorModel) clusterLabel() bool      { return m.atLeast("v0.69.0") }
func (m operatorModel) clusterLabelField() bool { return m.atLeast("v0.71.0") }

// peerName: --cluster.peer-name=$(POD_NAME) for Alertmanager 0.30+ from v0.93.0 (#8705).
func (m operatorModel) peerName() bool { return m.atLeast("v0.93.0") }

// versionLabel: the pods carry app.kubernetes.io/version=<Alertmanager version> from v0.85.0
// (v0.84.0 does not set it).
func (m operatorModel) versionLabel() bool { return m.atLeast("v0.85.0") }

// canonicalVersion is v as semver with a leading v ("0.76" → "v0.76.0"), "" when not a version.
func canonicalVersion(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	v = strings.SplitN(v, "@", 2)[0]
	if !semver.IsValid(v) {
		return ""
	}
	c := semver.Canonical(v)
	return strings.SplitN(c, "-", 2)[0]
}

// ParseOperatorVersion checks an --operator-version value.
func ParseOperatorVersion(v string) (string, error) {
	if canonicalVersion(v) == "" {
		return "", fmt.Errorf("%q is not a prometheus-operator version (want for example v0.76.0)", v)
	}
	return v, nil
}

// resolveOperator decides the release modelled: the flag, else the tag of a prometheus-operator
// Deployment among the objects, else the newest release modelled.
func (s *Set) resolveOperator() operatorModel {
	op := Operator{Version: s.OperatorFlag, Source: "--operator-version"}
	if op.Version == "" {
		for _, o := range s.Objects {
			if o.Kind != "Deployment" || o.Group() != "apps" {
				continue
			}
			for _, c := range o.Root.Get("spec", "template", "spec", "containers").Items() {
				image := c.Get("image").String()
				if imageName(image) == "prometheus-operator" && canonicalVersion(imageTag(image)) != "" && op.Version == "" {
					op = Operator{Version: imageTag(image), Source: "the image of " + o.ID()}
				}
			}
		}
	}
	if op.Version == "" {
		op = Operator{Version: NewestOperator, Source: "the newest release modelled (say which runs with --operator-version)"}
	}
	m := operatorModel{version: canonicalVersion(op.Version)}
	oldest := operatorReleases[0].operator
	switch {
	case semver.Compare(m.version, oldest) < 0:
		op.Note = fmt.Sprintf("older than %s, the oldest release modelled: modelled as %s", oldest, oldest)
		m.version = oldest
	case semver.Compare(m.version, NewestOperator) > 0:
		op.Note = fmt.Sprintf("newer than %s, the newest release modelled: modelled as %s", NewestOperator, NewestOperator)
		m.version = NewestOperator
	}
	s.Operator = &op
	return m
}
