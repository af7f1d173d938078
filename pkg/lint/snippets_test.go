package lint_test

import (
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/lint"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/snippets"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// What `kubectl amha snippets` prints must pass `kubectl amha lint` without a warning or an
// error, alone and together (the StatefulSet with each Prometheus block and the
// dead-man's-switch route), for the default cluster and the variants people ask for.
func TestSnippetsLintClean(t *testing.T) {
	specs := map[string]snippets.Spec{"default": snippets.DefaultSpec()}
	two := snippets.DefaultSpec()
	two.Replicas = 2
	specs["2 replicas"] = two
	zones := snippets.DefaultSpec()
	zones.Zones = []string{"a", "b", "c"}
	zones.Version = "v0.34.2"
	specs["zones on v0.34.2"] = zones
	slow := snippets.DefaultSpec()
	slow.Timing = timing.Params{PeerTimeout: 30 * time.Second, GroupWait: 10 * time.Second}
	specs["peer-timeout 30s"] = slow
	for name, spec := range specs {
		t.Run(name, func(t *testing.T) {
			all, err := snippets.Generate(spec)
			if err != nil {
				t.Fatal(err)
			}
			byID := map[string]snippets.Snippet{}
			for _, s := range all {
				byID[s.ID] = s
			}
			sets := [][]string{
				{"statefulset", "prometheus-endpoints"},
				{"statefulset", "prometheus-static"},
				{"statefulset", "prometheus-dns"},
				{"statefulset", "watchdog-route"},
				{"alertmanager-operator", "prometheus-operator"},
			}
			for _, ids := range sets {
				var ins []lint.Input
				for _, id := range ids {
					s, ok := byID[id]
					if !ok {
						t.Fatalf("no snippet %s", id)
					}
					ins = append(ins, lint.Input{Name: s.File, Data: []byte(s.Content), Explicit: true})
				}
				res, err := lint.Lint(ins)
				if err != nil {
					t.Fatalf("%v: %v", ids, err)
				}
				if res.Read.Workloads == 0 && ids[0] != "watchdog-route" {
					t.Fatalf("%v: lint found no Alertmanager workload in the snippets", ids)
				}
				for _, f := range res.Findings {
					if f.Severity >= model.Warning {
						t.Errorf("%s: %s %s at %v: %s", strings.Join(ids, "+"), f.Severity, f.ID, f.Locations, f.Message)
					}
				}
			}
		})
	}
}
