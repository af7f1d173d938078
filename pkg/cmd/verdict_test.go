package cmd

import (
	"errors"
	"testing"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

func TestVerdict(t *testing.T) {
	ok := model.Replica{Name: "am-0", Status: &model.Status{}}
	down := model.Replica{Name: "am-0", Error: "connection refused"}
	warn := model.Finding{ID: "mesh/settling", Severity: model.Warning}
	info := model.Finding{ID: "config/drift", Severity: model.Info}
	promErr := model.PrometheusWiring{Name: "mon/prom-0", Error: "connection refused"}
	for _, c := range []struct {
		name string
		c    model.Cluster
		code int // 0: nil error
	}{
		{"healthy", model.Cluster{Replicas: []model.Replica{ok}, Findings: []model.Finding{info}}, 0},
		{"a warning", model.Cluster{Replicas: []model.Replica{ok}, Findings: []model.Finding{warn}}, ExitFindings},
		{"nobody answered", model.Cluster{Replicas: []model.Replica{down}}, ExitNoCheck},
		{"Prometheus unread", model.Cluster{Replicas: []model.Replica{ok}, Prometheus: []model.PrometheusWiring{promErr}}, ExitNoCheck},
		{"findings win over an unread Prometheus", model.Cluster{Replicas: []model.Replica{ok}, Findings: []model.Finding{warn}, Prometheus: []model.PrometheusWiring{promErr}}, ExitFindings},
	} {
		err := verdict([]model.Cluster{c.c})
		var ee *ExitError
		switch {
		case c.code == 0 && err != nil:
			t.Errorf("%s: %v, want success", c.name, err)
		case c.code != 0 && (!errors.As(err, &ee) || ee.Code != c.code):
			t.Errorf("%s: %v, want exit %d", c.name, err, c.code)
		}
	}
}
