package cmd

import (
	"testing"

	"github.com/amha-dev/kubectl-amha/internal/amtest"
)

// A real Prometheus, wired four ways to three real replicas.
func TestStatusPrometheusWiring(t *testing.T) {
	c := amtest.Start(t, 3, amtest.Options{})
	web := func(i int) string { return c.Replicas[i].WebAddr }
	lb := amtest.LoadBalancer(t, []string{web(0), web(1), web(2)})
	for _, tc := range []struct {
		name    string
		targets []string
		want    []string
	}{
		{"every replica", []string{web(0), web(1), web(2)}, nil},
		{"two of three", []string{web(0), web(1)}, []string{"prometheus/not-all-replicas"}},
		{"through a load balancer", []string{lb}, []string{"prometheus/load-balancer", "prometheus/not-all-replicas"}},
		{"also the mesh port", []string{web(0), web(1), web(2), c.Replicas[0].ClusterAddr}, []string{"prometheus/mesh-port"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prom := amtest.StartPrometheus(t, tc.targets)
			r, code := statusJSON(t, c.URLs(), "--prometheus", prom)
			wantCode := ExitOK
			if len(tc.want) > 0 {
				wantCode = ExitFindings
			}
			wantFindings(t, r, code, wantCode, tc.want...)
			if p := r.Clusters[0].Prometheus; len(p) != 1 || len(p[0].Active) != len(tc.targets) {
				t.Fatalf("prometheus wiring: %+v", p)
			}
		})
	}
}
