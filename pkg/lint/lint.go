// Package lint finds Alertmanager HA mistakes in what a team deploys, before or while it runs:
// Kubernetes objects (StatefulSets, Services, PodDisruptionBudgets, NetworkPolicies,
// prometheus-operator objects), alertmanager.yml, prometheus.yml and VM command lines.
//
// Inputs are classified by content (Load), every finding points at the file, line and column
// it is about (Node keeps yaml.v3 positions), and the same checks run on live objects read from
// a cluster (Set.Live), where locations are the object and field path instead.
//
// One check per file, named <area>_<name>.go after its id "<area>/<name>", indexed in
// pkg/findings with its page docs/checks/<area>/<name>.md. Checks are listed explicitly in All.
package lint

import (
	"runtime"
	"sync"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// Check looks at a set of inputs and reports what is wrong.
type Check interface {
	ID() string
	Run(s *Set) []model.Finding
}

// All is every lint check, in documentation order: each area lists its checks in
// checks_<area>.go.
func All() []Check {
	var out []Check
	out = append(out, prometheusChecks()...)
	out = append(out, clusterChecks()...)
	out = append(out, k8sChecks()...)
	out = append(out, configChecks()...)
	return out
}

// Run runs every check over the set, most severe findings first. Checks only read the set,
// so they run side by side; what they share is prepared first.
func Run(s *Set) []model.Finding {
	amDocs(s)
	out := runChecks(s, All())
	model.SortFindings(out)
	return out
}

// runChecks runs the given checks side by side and returns their findings in check order,
// each with its check's id unless it names its own.
func runChecks(s *Set, cs []Check) []model.Finding {
	found := make([][]model.Finding, len(cs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, c := range cs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			found[i] = c.Run(s)
		}()
	}
	wg.Wait()
	var out []model.Finding
	for i, c := range cs {
		for _, f := range found[i] {
			if f.ID == "" {
				f.ID = c.ID()
			}
			out = append(out, f)
		}
	}
	return out
}

// Result is what lint reports: the findings and what it read.
type Result struct {
	Inputs  []string `json:"inputs"`
	Read    Summary  `json:"read"`
	Skipped []string `json:"skipped,omitempty"`
	// Alternatives are the sets of alternative forms read apart, each form its files.
	Alternatives []AlternativeSet `json:"alternatives,omitempty"`
	// Charts are the Helm chart directories a directory walk left out (not YAML until rendered).
	Charts []string `json:"charts,omitempty"`
	// ConfigGroups say which alertmanager.yml were compared as one cluster's replicas.
	ConfigGroups []ConfigGroup `json:"configGroups,omitempty"`
	// Operator is the prometheus-operator release modelled for Alertmanager objects, and why.
	Operator *Operator       `json:"operator,omitempty"`
	Findings []model.Finding `json:"findings"`
	// Suppressed are the findings the inputs' annotations and comments, --disable or the config
	// file accepted (docs/suppress.md), each with what accepted it.
	Suppressed []model.SuppressedFinding `json:"suppressed,omitempty"`
}

// Summary counts what was recognised.
type Summary struct {
	Objects     int `json:"objects"`
	Workloads   int `json:"workloads"`
	AMConfigs   int `json:"alertmanagerConfigs"`
	PromConfigs int `json:"prometheusConfigs"`
}

// Lint loads the inputs and runs every check. Inputs that are alternative forms of one thing
// (AlternativePrefix) are read apart: the checks run over each combination of one form of each
// set with the other inputs, and the findings of every combination are reported once.
func Lint(inputs []Input) (*Result, error) { return LintWith(inputs, Options{}) }

// LintWith is Lint with options: the findings that a suppression accepts are set apart in
// Result.Suppressed.
func LintWith(inputs []Input, o Options) (*Result, error) {
	s, err := LoadWith(inputs, o)
	if err != nil {
		return nil, err
	}
	combos, alts, err := combinations(inputs)
	if err != nil {
		return nil, err
	}
	r := &Result{
		Read:         Summary{Objects: len(s.Objects), Workloads: len(s.Workloads), AMConfigs: len(s.AMConfigs), PromConfigs: len(s.PromConfigs)},
		Skipped:      s.Skipped,
		Alternatives: alts,
		Operator:     s.Operator,
		ConfigGroups: ConfigGroups(s),
	}
	if len(combos) == 1 {
		r.Findings = Run(s)
	} else {
		seen := map[string]bool{}
		for _, in := range combos {
			cs, err := LoadWith(in, o)
			if err != nil {
				return nil, err
			}
			r.Findings = unionFindings(r.Findings, Run(cs), seen)
		}
		model.SortFindings(r.Findings)
	}
	for _, in := range inputs {
		r.Inputs = append(r.Inputs, in.Name)
	}
	rules := s.Suppress
	rules.Merge(o.Suppress)
	r.Findings, r.Suppressed = rules.Apply(r.Findings)
	if r.Findings == nil {
		r.Findings = []model.Finding{}
	}
	return r, nil
}
