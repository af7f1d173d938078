package checks_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/checks"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

type checkCase struct {
	name  string
	n     int // replicas; 3 when zero
	setup func(c *model.Cluster)
	opts  checks.Options
	// want is every finding, exactly, in Analyze's order.
	want []brief
	// quiet names the checks this case is a realistic near miss for.
	quiet  []string
	verify func(t *testing.T, c *model.Cluster)
}

var allReplicas3 = []string{"am-0", "am-1", "am-2"}

func checkCases() []checkCase {
	return []checkCase{
		{
			name:  "healthy 3-replica cluster has no findings",
			quiet: ids(),
		},
		{
			name:  "healthy 5-replica cluster has no findings",
			n:     5,
			quiet: ids(),
		},
		{
			name: "single replica with clustering disabled, as the operator deploys it",
			n:    1,
			setup: func(c *model.Cluster) {
				r := &c.Replicas[0]
				r.Status.Cluster, r.Status.NodeName, r.Status.Peers = "disabled", "", nil
				r.Metrics = &model.Metrics{ClusterEnabled: f64(0), ConfigHash: hashA}
			},
			quiet: []string{"mesh/disabled", "mesh/island", "mesh/missing-peer", "mesh/position"},
		},

		// mesh/unreachable
		{
			name: "unreachable replica; the others still list its member, claimed by its pod IP",
			setup: func(c *model.Cluster) {
				unreachable(c, 2, `status: Get "http://127.0.0.1:19092/api/v2/status": dial tcp 127.0.0.1:19092: connect: connection refused`)
				c.Probe = nil
			},
			want:  []brief{{"mesh/unreachable", model.Error, []string{"am-2"}}},
			quiet: []string{"mesh/foreign-peer", "mesh/missing-peer", "prometheus/not-all-replicas"},
			verify: func(t *testing.T, c *model.Cluster) {
				contains(t, "message", finding(t, c, "mesh/unreachable").Message, "am-2 could not be asked", "connection refused")
			},
		},
		{
			name: "pod deleted while amha checked it",
			setup: func(c *model.Cluster) {
				unreachable(c, 1, "port-forward: pod not found")
				c.Replicas[1].Pod.Deleted = true
				c.Probe = nil
			},
			want: []brief{{"mesh/unreachable", model.Error, []string{"am-1"}}},
			verify: func(t *testing.T, c *model.Cluster) {
				contains(t, "message", finding(t, c, "mesh/unreachable").Message, "am-1 was deleted while amha was checking it",
					"Without --cluster.peer-name it comes back with a new random name")
			},
		},
		{
			name: "pod deleted while amha checked it, stable peer name",
			setup: func(c *model.Cluster) {
				unreachable(c, 1, "port-forward: pod not found")
				c.Replicas[1].Pod.Deleted = true
				c.Replicas[1].Flags = model.ParseArgs([]string{"--cluster.peer-name=$(POD_NAME)"}, nil)
				c.Probe = nil
			},
			want: []brief{{"mesh/unreachable", model.Error, []string{"am-1"}}},
			verify: func(t *testing.T, c *model.Cluster) {
				contains(t, "message", finding(t, c, "mesh/unreachable").Message, "With --cluster.peer-name it keeps its name and so its position")
			},
		},
		{
			name: "unreachable replica given by URL: its member is at the host of its URL, no foreign member",
			setup: func(c *model.Cluster) {
				c.Source, c.DesiredReplicas, c.Probe = "url", 0, nil
				for i := range c.Replicas {
					c.Replicas[i].Pod = nil
				}
				unreachable(c, 2, "status: no answer within the request timeout")
			},
			want:  []brief{{"mesh/unreachable", model.Error, []string{"am-2"}}},
			quiet: []string{"mesh/foreign-peer"},
			verify: func(t *testing.T, c *model.Cluster) {
				if got := c.Matrix.Columns[2].Replica; got != "am-2" {
					t.Errorf("the down replica's member is claimed by %q, want am-2", got)
				}
			},
		},
		{
			name: "unreachable replica given by URL on a shared host (loopback) with one member too many there: both unclaimed",
			setup: func(c *model.Cluster) {
				c.Source, c.DesiredReplicas, c.Probe = "url", 0, nil
				c.Prometheus = nil
				foreign := model.Member{Name: "01HX00000000000000000000ZZ", Address: "127.0.0.1:7946"}
				for i := range c.Replicas {
					r := &c.Replicas[i]
					r.Pod = nil
					r.WebAddresses = []string{fmt.Sprintf("127.0.0.1:%d", 9093+i)}
					for j := range r.Status.Peers {
						r.Status.Peers[j].Address = fmt.Sprintf("127.0.0.1:%d", 9194+j)
					}
					r.Status.Peers = append(r.Status.Peers, foreign)
				}
				unreachable(c, 2, "status: connection refused")
			},
			want: []brief{
				{"mesh/foreign-peer", model.Error, []string{"01HX00000000000000000000ZZ (127.0.0.1:7946)", node(2) + " (127.0.0.1:9196)"}},
				{"mesh/unreachable", model.Error, []string{"am-2"}},
			},
			verify: func(t *testing.T, c *model.Cluster) {
				contains(t, "message", finding(t, c, "mesh/foreign-peer").Message, "It may be a replica amha was not given or could not ask")
			},
		},
		{
			name: "unreachable replica given by URL whose mesh address is elsewhere: most likely it, said as a note",
			setup: func(c *model.Cluster) {
				c.Source, c.DesiredReplicas, c.Probe = "url", 0, nil
				c.Prometheus = nil
				for i := range c.Replicas {
					c.Replicas[i].Pod = nil
					c.Replicas[i].WebAddresses = []string{fmt.Sprintf("am-%d.example:9093", i)}
				}
				unreachable(c, 2, "status: no answer within the request timeout")
			},
			want: []brief{
				{"mesh/unreachable", model.Error, []string{"am-2"}},
				{"mesh/foreign-peer", model.Info, []string{node(2) + " (" + meshAddr(2) + ")"}},
			},
			verify: func(t *testing.T, c *model.Cluster) {
				contains(t, "message", finding(t, c, "mesh/foreign-peer").Message, "1 replica did not answer", "most likely these are the replicas that did not answer")
			},
		},

		// mesh/disabled
		{
			name: "clustering disabled on one of three replicas",
			setup: func(c *model.Cluster) {
				split(c, []int{0, 1})
				r := &c.Replicas[2]
				r.Status.Cluster, r.Status.NodeName, r.Status.Peers = "disabled", "", nil
				r.Metrics = &model.Metrics{ClusterEnabled: f64(0), ConfigHash: hashA}
				c.Probe.Results = c.Probe.Results[:1]
			},
			want:  []brief{{"mesh/disabled", model.Error, []string{"am-2"}}},
			quiet: []string{"mesh/silences-diverge", "mesh/missing-peer"},
			verify: func(t *testing.T, c *model.Cluster) {
				contains(t, "message", finding(t, c, "mesh/disabled").Message, "1 replica of 3")
			},
		},

		// mesh/settling
		{
			name: "replica restarted seconds ago is still settling",
			setup: func(c *model.Cluster) {
				c.Replicas[2].Status.Cluster = "settling"
				c.Replicas[2].Status.Uptime = t0.Add(-4 * time.Second)
			},
			want: []brief{{"mesh/settling", model.Warning, []string{"am-2"}}},
		},
		{
			name: "replica restarted 20s ago, settled, its pod not Ready yet",
			setup: func(c *model.Cluster) {
				r := &c.Replicas[2]
				r.Status.Uptime = t0.Add(-20 * time.Second)
				r.Pod.Ready, r.Pod.Restarts = false, 1
			},
			quiet: []string{"mesh/settling", "mesh/unreachable"},
		},

		// mesh/island
		{
			name:  "split into islands {am-0, am-1} and {am-2}",
			setup: func(c *model.Cluster) { split(c, []int{0, 1}, []int{2}); c.Probe = nil },
			want:  []brief{{"mesh/island", model.Error, allReplicas3}},
			// Each island has its own position 0: that is the split, not a position fault.
			quiet: []string{"mesh/position", "mesh/missing-peer"},
			verify: func(t *testing.T, c *model.Cluster) {
				contains(t, "message", finding(t, c, "mesh/island").Message, "2 islands", "{am-0, am-1} {am-2}", "up to 2 notifications")
			},
		},
		{
			name:  "two equal islands of two (the mixin cannot see this)",
			n:     4,
			setup: func(c *model.Cluster) { split(c, []int{0, 2}, []int{1, 3}); c.Probe = nil },
			want:  []brief{{"mesh/island", model.Error, []string{"am-0", "am-2", "am-1", "am-3"}}},
			verify: func(t *testing.T, c *model.Cluster) {
				contains(t, "message", finding(t, c, "mesh/island").Message, "{am-0, am-2} {am-1, am-3}")
			},
		},

		// mesh/missing-peer
		{
			name: "asymmetric view: am-0 sees am-1, am-1 does not see am-0",
			setup: func(c *model.Cluster) {
				r := &c.Replicas[1]
				r.Status.Peers = members(1, 2)
				r.Metrics.Members, r.Metrics.Position = f64(2), f64(0) // first in its own view
			},
			want: []brief{
				{"mesh/position", model.Error, allReplicas3},
				{"mesh/missing-peer", model.Warning, []string{"am-1"}},
			},
			quiet: []string{"mesh/island"},
			verify: func(t *testing.T, c *model.Cluster) {
				contains(t, "message", finding(t, c, "mesh/missing-peer").Message, "am-1 sees 2 of 3 replicas (not [am-0], though they run)")
				contains(t, "message", finding(t, c, "mesh/position").Message, "position 0: [am-0 am-1]")
			},
		},
		{
			name: "StatefulSet wants 3 pods, 2 exist and see each other",
			setup: func(c *model.Cluster) {
				c.Replicas = c.Replicas[:2]
				split(c, []int{0, 1})
				c.Prometheus[0].Active = c.Prometheus[0].Active[:2]
				c.Probe.Results = c.Probe.Results[:1]
			},
			want: []brief{
				{"mesh/missing-peer", model.Warning, []string{"am-0"}},
				{"mesh/missing-peer", model.Warning, []string{"am-1"}},
			},
			verify: func(t *testing.T, c *model.Cluster) {
				contains(t, "message", c.Findings[0].Message, "am-0 sees 2 of 3 replicas.")
			},
		},

		// mesh/foreign-peer
		{
			name: "member of another cluster merged in by a reused pod IP",
			setup: func(c *model.Cluster) {
				foreign := model.Member{Name: "01HX00000000000000000000ZZ", Address: "10.42.7.7:9094"}
				for i := range c.Replicas {
					r := &c.Replicas[i]
					r.Status.Peers = append([]model.Member{foreign}, members(0, 1, 2)...)
					r.Metrics.Members, r.Metrics.Position = f64(4), f64(float64(i+1))
				}
			},
			want: []brief{{"mesh/foreign-peer", model.Error, []string{"01HX00000000000000000000ZZ (10.42.7.7:9094)"}}},
			verify: func(t *testing.T, c *model.Cluster) {
				contains(t, "message", finding(t, c, "mesh/foreign-peer").Message, "two clusters have merged (typically a reused pod IP")
			},
		},

		{
			name: "--url given for two of three replicas: the third's member is unknown",
			setup: func(c *model.Cluster) {
				c.Source, c.DesiredReplicas, c.Probe = "url", 0, nil
				c.Replicas = c.Replicas[:2]
				for i := range c.Replicas {
					c.Replicas[i].Pod = nil
				}
				c.Prometheus = nil
			},
			want: []brief{{"mesh/foreign-peer", model.Error, []string{node(2) + " (" + meshAddr(2) + ")"}}},
			verify: func(t *testing.T, c *model.Cluster) {
				contains(t, "message", finding(t, c, "mesh/foreign-peer").Message, "a replica amha was not given or could not ask")
			},
		},

		// mesh/position
		{
			name: "duplicate positions within one island",
			setup: func(c *model.Cluster) {
				c.Replicas[1].Metrics.Position = f64(0)
			},
			want: []brief{{"mesh/position", model.Error, allReplicas3}},
			verify: func(t *testing.T, c *model.Cluster) {
				contains(t, "message", finding(t, c, "mesh/position").Message, "position 0: [am-0 am-1]", "for every notification")
			},
		},
		{
			name: "duplicate position after the first: duplicates only on failover",
			setup: func(c *model.Cluster) {
				c.Replicas[2].Metrics.Position = f64(1)
			},
			want: []brief{{"mesh/position", model.Warning, allReplicas3}},
			verify: func(t *testing.T, c *model.Cluster) {
				contains(t, "message", finding(t, c, "mesh/position").Message, "position 1: [am-1 am-2]", "when every replica before them fails to send")
			},
		},
		{
			name: "positions known for one replica only",
			setup: func(c *model.Cluster) {
				c.Replicas[1].Metrics.Position = nil
				c.Replicas[2].Metrics = nil
				c.Replicas[2].Partial = []string{"metrics: GET /metrics: HTTP 403 Forbidden"}
			},
			quiet: []string{"mesh/position", "mesh/config-drift", "mesh/unreachable"},
		},

		// mesh/config-drift
		{
			name: "config.original differs within one version",
			setup: func(c *model.Cluster) {
				c.Replicas[2].Status.Config = strings.Replace(configA, "  - alertname\n", "  - alertname\n  - cluster\n", 1)
				c.Replicas[2].Metrics.ConfigHash = hashB
			},
			want:  []brief{{"mesh/config-drift", model.Error, allReplicas3}},
			quiet: []string{"mesh/version-skew"},
			verify: func(t *testing.T, c *model.Cluster) {
				f := finding(t, c, "mesh/config-drift")
				equalLines(t, "details", f.Details, []string{"--- am-0, am-1", "+++ am-2", "+   - cluster"})
				contains(t, "message", f.Message, "The configuration differs on [am-2]")
				if strings.Contains(f.Message, "different versions") {
					t.Errorf("message speaks of versions, all run one: %s", f.Message)
				}
			},
		},
		{
			name: "config.original differs within one version, hashes unknown",
			setup: func(c *model.Cluster) {
				c.Replicas[0].Status.Config = strings.Replace(configA, "receiver: team", "receiver: team-old", 1)
				for i := range c.Replicas {
					c.Replicas[i].Metrics.ConfigHash = ""
				}
			},
			want: []brief{{"mesh/config-drift", model.Error, []string{"am-1", "am-2", "am-0"}}},
			verify: func(t *testing.T, c *model.Cluster) {
				f := finding(t, c, "mesh/config-drift")
				equalLines(t, "details", f.Details, []string{"--- am-1, am-2", "+++ am-0", "+   receiver: team-old", "-   receiver: team"})
			},
		},
		{
			name: "config.original differs across versions, same config hash: defaults of the newer version",
			setup: func(c *model.Cluster) {
				c.Replicas[2].Status.Version = versionB
				c.Replicas[2].Status.Config = strings.Replace(configA, "route:\n", "route:\n  continue: false\n", 1)
			},
			want:  []brief{{"mesh/version-skew", model.Warning, allReplicas3}},
			quiet: []string{"mesh/config-drift"},
		},
		{
			name: "config.original differs across versions, hashes unknown: cannot tell",
			setup: func(c *model.Cluster) {
				c.Replicas[2].Status.Version = versionB
				c.Replicas[2].Status.Config = strings.Replace(configA, "route:\n", "route:\n  continue: false\n", 1)
				c.Replicas[2].Metrics.ConfigHash = ""
			},
			want:  []brief{{"mesh/version-skew", model.Warning, allReplicas3}},
			quiet: []string{"mesh/config-drift"},
		},
		{
			name: "config.original and hash differ across versions",
			setup: func(c *model.Cluster) {
				c.Replicas[2].Status.Version = versionB
				c.Replicas[2].Status.Config = strings.Replace(configA, "  - alertname\n", "  - alertname\n  - cluster\n", 1)
				c.Replicas[2].Metrics.ConfigHash = hashB
			},
			want: []brief{
				{"mesh/config-drift", model.Error, allReplicas3},
				{"mesh/version-skew", model.Warning, allReplicas3},
			},
			verify: func(t *testing.T, c *model.Cluster) {
				f := finding(t, c, "mesh/config-drift")
				contains(t, "message", f.Message, "different versions")
				equalLines(t, "details", f.Details, []string{"--- am-0, am-1", "+++ am-2", "+   - cluster"})
			},
		},
		{
			name: "config hash differs, config.original equal: comments only",
			setup: func(c *model.Cluster) {
				c.Replicas[1].Metrics.ConfigHash = hashB
			},
			want: []brief{{"mesh/config-drift", model.Info, allReplicas3}},
			verify: func(t *testing.T, c *model.Cluster) {
				f := finding(t, c, "mesh/config-drift")
				equalLines(t, "details", f.Details, []string{"config hash " + hashB + ": [am-1]", "config hash " + hashA + ": [am-0 am-2]"})
			},
		},

		// mesh/version-skew
		{
			name: "rollout half done",
			setup: func(c *model.Cluster) {
				c.Replicas[2].Status.Version = versionB
			},
			want: []brief{{"mesh/version-skew", model.Warning, allReplicas3}},
			verify: func(t *testing.T, c *model.Cluster) {
				equalLines(t, "details", finding(t, c, "mesh/version-skew").Details, []string{"0.31.1: [am-0 am-1]", "0.34.2: [am-2]"})
			},
		},

		// mesh/alerts-diverge
		{
			name: "one replica lacks an alert the others have held for minutes",
			setup: func(c *model.Cluster) {
				c.Replicas[2].Alerts = c.Replicas[2].Alerts[:1]
			},
			opts: checks.Options{AlertGrace: 30 * time.Second},
			want: []brief{{"mesh/alerts-diverge", model.Warning, []string{"am-2 (lacks 1)"}}},
			verify: func(t *testing.T, c *model.Cluster) {
				f := finding(t, c, "mesh/alerts-diverge")
				equalLines(t, "details", f.Details, []string{"alert HighLatency{fingerprint=b2c4d6e8f0a1b3c5} on [am-0 am-1], not on [am-2]"})
				contains(t, "message", f.Message, "1 alert is held by some replicas")
			},
		},
		{
			name: "alert sent 2s ago has reached one replica so far (within the grace)",
			setup: func(c *model.Cluster) {
				c.Replicas[0].Alerts = append(c.Replicas[0].Alerts, model.AlertRef{Fingerprint: "c0ffee0000000001", Name: "DiskFull", UpdatedAt: t0.Add(-2 * time.Second)})
			},
			opts:  checks.Options{AlertGrace: 30 * time.Second},
			quiet: []string{"mesh/alerts-diverge"},
		},
		{
			name: "the same alert without a grace",
			setup: func(c *model.Cluster) {
				c.Replicas[0].Alerts = append(c.Replicas[0].Alerts, model.AlertRef{Fingerprint: "c0ffee0000000001", Name: "DiskFull", UpdatedAt: t0.Add(-2 * time.Second)})
			},
			want: []brief{{"mesh/alerts-diverge", model.Warning, []string{"am-1 (lacks 1)", "am-2 (lacks 1)"}}},
		},
		{
			name: "a replica whose alerts could not be read is not compared",
			setup: func(c *model.Cluster) {
				c.Replicas[2].Alerts, c.Replicas[2].AlertCount = nil, 0
				c.Replicas[2].Partial = []string{"alerts: no answer within the request timeout"}
			},
			quiet: []string{"mesh/alerts-diverge"},
		},

		// mesh/silences-diverge
		{
			name: "a silence in force on two replicas only",
			setup: func(c *model.Cluster) {
				c.Replicas[2].Silences = c.Replicas[2].Silences[1:]
			},
			want: []brief{{"mesh/silences-diverge", model.Warning, []string{"am-2"}}},
			verify: func(t *testing.T, c *model.Cluster) {
				equalLines(t, "details", finding(t, c, "mesh/silences-diverge").Details,
					[]string{"silence 0b6f6c4e-silence-active in force on [am-0 am-1], not on [am-2]"})
			},
		},
		{
			name: "a pending silence on one replica only",
			setup: func(c *model.Cluster) {
				c.Replicas[0].Silences = append(c.Replicas[0].Silences, model.SilenceRef{ID: "9e9e-pending", State: "pending", UpdatedAt: t0})
			},
			want: []brief{{"mesh/silences-diverge", model.Warning, []string{"am-1", "am-2"}}},
		},
		{
			name: "an expired silence garbage-collected on one replica only",
			setup: func(c *model.Cluster) {
				c.Replicas[1].Silences = c.Replicas[1].Silences[:1]
			},
			quiet: []string{"mesh/silences-diverge"},
		},

		// mesh/failed-peers
		{
			name: "a replica holds a failed peer (an old pod IP)",
			setup: func(c *model.Cluster) {
				c.Replicas[1].Metrics.FailedPeers = f64(1)
				c.Replicas[1].Metrics.HealthScore = f64(1)
			},
			want: []brief{{"mesh/failed-peers", model.Warning, []string{"am-1"}}},
			verify: func(t *testing.T, c *model.Cluster) {
				equalLines(t, "details", finding(t, c, "mesh/failed-peers").Details, []string{"am-1: failed peers 1, health score 1 (0 is healthy)"})
			},
		},
		{
			// After a rollout: the mesh is whole, the failed peers are addresses of pods that are
			// gone, and the memberlist is healthy. Worth knowing, not a warning.
			name: "failed peers beside a whole, healthy mesh (after a rollout)",
			setup: func(c *model.Cluster) {
				c.Replicas[1].Metrics.FailedPeers = f64(2)
				c.Replicas[1].Metrics.HealthScore = f64(0)
			},
			want: []brief{{"mesh/failed-peers", model.Info, []string{"am-1"}}},
			verify: func(t *testing.T, c *model.Cluster) {
				if m := finding(t, c, "mesh/failed-peers").Message; !strings.Contains(m, "Every replica sees every other") {
					t.Errorf("message %q", m)
				}
			},
		},
		{
			name: "health score without a failed-peers figure",
			setup: func(c *model.Cluster) {
				c.Replicas[2].Metrics.FailedPeers = nil
				c.Replicas[2].Metrics.HealthScore = f64(2)
			},
			want: []brief{{"mesh/failed-peers", model.Warning, []string{"am-2"}}},
			verify: func(t *testing.T, c *model.Cluster) {
				equalLines(t, "details", finding(t, c, "mesh/failed-peers").Details, []string{"am-2: health score 2 (0 is healthy)"})
			},
		},
		{
			name: "failed-peers metrics missing",
			setup: func(c *model.Cluster) {
				for i := range c.Replicas {
					c.Replicas[i].Metrics.FailedPeers, c.Replicas[i].Metrics.HealthScore = nil, nil
				}
			},
			quiet: []string{"mesh/failed-peers"},
		},

		// mesh/notify-failing
		{
			name: "webhook failing on the replica that sends",
			setup: func(c *model.Cluster) {
				c.Replicas[0].Metrics.Integrations[0].Failed = 3
			},
			want: []brief{{"mesh/notify-failing", model.Warning, []string{"integration webhook"}}},
			verify: func(t *testing.T, c *model.Cluster) {
				equalLines(t, "details", finding(t, c, "mesh/notify-failing").Details, []string{"am-0: 3 of 12 webhook notifications failed since it started"})
			},
		},
		{
			name: "integration in use with no failures",
			setup: func(c *model.Cluster) {
				c.Replicas[1].Metrics.Integrations = []model.Integration{{Name: "slack", Total: 4}}
			},
			quiet: []string{"mesh/notify-failing"},
		},

		// mesh/drill-leftover
		{
			name: "a killed partition drill left its policy",
			setup: func(c *model.Cluster) {
				exp := time.Now().Add(-time.Minute)
				c.DrillLeftovers = []model.DrillRun{{Run: "ab12", Expires: &exp,
					Objects: []string{"deployment/amha-drill-sink", "service/amha-drill-sink", "networkpolicy/amha-drill-partition-am-2"}}}
			},
			want: []brief{{"mesh/drill-leftover", model.Warning, []string{"deployment/amha-drill-sink", "service/amha-drill-sink", "networkpolicy/amha-drill-partition-am-2"}}},
			verify: func(t *testing.T, c *model.Cluster) {
				f := finding(t, c, "mesh/drill-leftover")
				if !strings.Contains(f.Message, "still cuts port 9094 of am-2") || !strings.Contains(f.Fix, "kubectl amha drill cleanup -n ") {
					t.Errorf("message %q, fix %q", f.Message, f.Fix)
				}
			},
		},
		{
			name: "a drill in progress, its objects not expired",
			setup: func(c *model.Cluster) {
				exp := time.Now().Add(time.Hour)
				c.Drills = []model.DrillRun{{Run: "ab12", Expires: &exp, Objects: []string{"service/amha-drill-sink"}}}
			},
			quiet: []string{"mesh/drill-leftover"},
		},

		// mesh/slow-receiver
		{
			name: "receiver p99 equal to the peer timeout",
			setup: func(c *model.Cluster) {
				c.Replicas[0].Metrics.Integrations[0].LatencyP99 = dur(15 * time.Second)
			},
			want: []brief{{"mesh/slow-receiver", model.Error, []string{"am-0", "integration webhook"}}},
			verify: func(t *testing.T, c *model.Cluster) {
				f := finding(t, c, "mesh/slow-receiver")
				contains(t, "message", f.Message, "is 15s against a peer timeout of 15s", "up to 1 extra notifications")
				contains(t, "fix", f.Fix, "With 3 replicas, the last one waits 30s")
			},
		},
		{
			name: "receiver p99 at 0.8 of the peer timeout",
			setup: func(c *model.Cluster) {
				c.Replicas[0].Metrics.Integrations[0].LatencyP99 = dur(12 * time.Second)
			},
			want: []brief{{"mesh/slow-receiver", model.Warning, []string{"am-0", "integration webhook"}}},
			verify: func(t *testing.T, c *model.Cluster) {
				f := finding(t, c, "mesh/slow-receiver")
				contains(t, "message", f.Message, "is 12s against a peer timeout of 15s", "close to the point")
				if strings.Contains(f.Message, "extra notifications") {
					t.Errorf("below the peer timeout no extra notification is expected: %s", f.Message)
				}
			},
		},
		{
			name: "receiver p99 just below 0.8 of the peer timeout",
			setup: func(c *model.Cluster) {
				c.Replicas[0].Metrics.Integrations[0].LatencyP99 = dur(11900 * time.Millisecond)
			},
			quiet: []string{"mesh/slow-receiver"},
		},
		{
			name: "2 replicas, peer-timeout 3s, webhook 5s (observed: two notifications 3s apart)",
			n:    2,
			setup: func(c *model.Cluster) {
				c.PeerTimeout = model.Duration(3 * time.Second)
				c.Replicas[0].Metrics.Integrations[0].LatencyP99 = dur(5 * time.Second)
			},
			want: []brief{{"mesh/slow-receiver", model.Error, []string{"am-0", "integration webhook"}}},
			verify: func(t *testing.T, c *model.Cluster) {
				contains(t, "message", finding(t, c, "mesh/slow-receiver").Message, "against a peer timeout of 3s", "up to 1 extra")
			},
		},
		{
			name: "p99 in the histogram's top bucket, peer-timeout 5s: extra sends capped at N-1",
			setup: func(c *model.Cluster) {
				c.PeerTimeout = model.Duration(5 * time.Second)
				c.Replicas[0].Metrics.Integrations[0].LatencyP99 = dur(20 * time.Second)
			},
			want: []brief{{"mesh/slow-receiver", model.Error, []string{"am-0", "integration webhook"}}},
			verify: func(t *testing.T, c *model.Cluster) {
				contains(t, "message", finding(t, c, "mesh/slow-receiver").Message, "at least 20s", "up to 2 extra")
			},
		},
		{
			name: "peer timeout unknown: the 15s default applies",
			setup: func(c *model.Cluster) {
				c.PeerTimeout = 0
				c.Replicas[0].Metrics.Integrations[0].LatencyP99 = dur(14 * time.Second)
			},
			want: []brief{{"mesh/slow-receiver", model.Warning, []string{"am-0", "integration webhook"}}},
		},

		// mesh/slow-gossip
		{
			name: "probe silence never reached one replica",
			setup: func(c *model.Cluster) {
				c.Probe.Results[1] = model.ProbeTiming{Replica: "am-2", Error: "not seen within 30s"}
			},
			want: []brief{{"mesh/slow-gossip", model.Error, []string{"am-2"}}},
			verify: func(t *testing.T, c *model.Cluster) {
				equalLines(t, "details", finding(t, c, "mesh/slow-gossip").Details, []string{"am-2: never arrived (not seen within 30s)"})
			},
		},
		{
			name: "probe took the whole peer timeout",
			setup: func(c *model.Cluster) {
				c.Probe.Results[0].After = dur(15 * time.Second)
			},
			want: []brief{{"mesh/slow-gossip", model.Error, []string{"am-1"}}},
		},
		{
			name: "probe took half the peer timeout; another never arrived",
			setup: func(c *model.Cluster) {
				c.Probe.Results[0].After = dur(7500 * time.Millisecond)
				c.Probe.Results[1] = model.ProbeTiming{Replica: "am-2", Error: "timeout"}
			},
			want: []brief{{"mesh/slow-gossip", model.Error, []string{"am-1", "am-2"}}},
		},
		{
			name: "probe took half the peer timeout",
			setup: func(c *model.Cluster) {
				c.Probe.Results[0].After = dur(7500 * time.Millisecond)
			},
			want: []brief{{"mesh/slow-gossip", model.Warning, []string{"am-1"}}},
		},
		{
			name: "probe slower than usual but well within budget",
			setup: func(c *model.Cluster) {
				c.Probe.Results[0].After = dur(7 * time.Second)
			},
			quiet: []string{"mesh/slow-gossip"},
		},

		// prometheus/*
		{
			name: "Prometheus reaches every replica by its pod DNS name",
			setup: func(c *model.Cluster) {
				c.Prometheus[0].Active = []string{
					"http://am-0.alertmanager-operated.monitoring.svc:9093/api/v2/alerts",
					"http://AM-1.alertmanager-operated.monitoring.svc:9093/api/v2/alerts",
					"http://am-2.alertmanager-operated.monitoring.svc:9093/api/v2/alerts",
				}
			},
			quiet: []string{"prometheus/load-balancer", "prometheus/not-all-replicas", "prometheus/mesh-port"},
		},
		{
			name: "Prometheus sends to the Service's ClusterIP only",
			setup: func(c *model.Cluster) {
				c.Prometheus[0].Active = []string{"http://10.96.12.34:9093/api/v2/alerts"}
			},
			want: []brief{
				{"prometheus/load-balancer", model.Error, []string{"prometheus " + prom, "http://10.96.12.34:9093/api/v2/alerts"}},
				{"prometheus/not-all-replicas", model.Error, []string{"prometheus " + prom, "am-0", "am-1", "am-2"}},
			},
		},
		{
			name: "Prometheus sends to every pod and also to the Service hostname",
			setup: func(c *model.Cluster) {
				c.Prometheus[0].Active = append(c.Prometheus[0].Active, "http://alertmanager-main.monitoring.svc:9093/api/v2/alerts")
			},
			want: []brief{{"prometheus/load-balancer", model.Error, []string{"prometheus " + prom, "http://alertmanager-main.monitoring.svc:9093/api/v2/alerts"}}},
		},
		{
			name: "Prometheus discovery keeps the mesh port too",
			setup: func(c *model.Cluster) {
				for i := range c.Replicas {
					c.Prometheus[0].Active = append(c.Prometheus[0].Active, "http://"+meshAddr(i)+"/api/v2/alerts")
				}
			},
			want: []brief{{"prometheus/mesh-port", model.Warning, []string{"prometheus " + prom,
				"http://10.42.0.10:9094/api/v2/alerts", "http://10.42.0.11:9094/api/v2/alerts", "http://10.42.0.12:9094/api/v2/alerts"}}},
		},
		{
			name: "static targets name the pods' DNS names on the mesh port",
			setup: func(c *model.Cluster) {
				c.Prometheus[0].Active = append(c.Prometheus[0].Active, "http://am-0.alertmanager-operated.monitoring.svc:9094/api/v2/alerts")
			},
			want: []brief{{"prometheus/mesh-port", model.Warning, []string{"prometheus " + prom, "http://am-0.alertmanager-operated.monitoring.svc:9094/api/v2/alerts"}}},
		},
		{
			name: "gossip on a custom port: the replicas' own member addresses are the mesh port",
			setup: func(c *model.Cluster) {
				gossipOn(c, "7946")
				c.Prometheus[0].Active = append(c.Prometheus[0].Active, "http://"+podIP(1)+":7946/api/v2/alerts")
			},
			want: []brief{{"prometheus/mesh-port", model.Warning, []string{"prometheus " + prom, "http://10.42.0.11:7946/api/v2/alerts"}}},
		},
		{
			name: "gossip on a custom port: a target on 9094 is not on the mesh port",
			setup: func(c *model.Cluster) {
				gossipOn(c, "7946")
				c.Prometheus[0].Active = append(c.Prometheus[0].Active, "http://am-0.alertmanager-operated.monitoring.svc:9094/api/v2/alerts")
			},
			// Neither a web nor a gossip address of a replica: an address amha does not know.
			want:  []brief{{"prometheus/load-balancer", model.Error, []string{"prometheus " + prom, "http://am-0.alertmanager-operated.monitoring.svc:9094/api/v2/alerts"}}},
			quiet: []string{"prometheus/mesh-port"},
		},
		{
			name: "Prometheus misses one pod",
			setup: func(c *model.Cluster) {
				c.Prometheus[0].Active = c.Prometheus[0].Active[:2]
			},
			want: []brief{{"prometheus/not-all-replicas", model.Error, []string{"prometheus " + prom, "am-2"}}},
			verify: func(t *testing.T, c *model.Cluster) {
				contains(t, "message", finding(t, c, "prometheus/not-all-replicas").Message, "(2 of 3 replicas reached)")
			},
		},
		{
			name: "HA Prometheus pair: only the misconfigured one is named",
			setup: func(c *model.Cluster) {
				c.Prometheus = append(c.Prometheus, model.PrometheusWiring{Name: "monitoring/prometheus-k8s-1", Active: []string{webURL(0)}})
			},
			want: []brief{{"prometheus/not-all-replicas", model.Error, []string{"prometheus monitoring/prometheus-k8s-1", "am-1", "am-2"}}},
		},
		{
			name: "Prometheus that could not be asked is not judged",
			setup: func(c *model.Cluster) {
				c.Prometheus[0] = model.PrometheusWiring{Name: prom, Error: "HTTP 403"}
			},
			quiet: []string{"prometheus/load-balancer", "prometheus/not-all-replicas", "prometheus/mesh-port"},
		},
	}
}

// gossipOn moves the replicas' member addresses from 9094 to port.
func gossipOn(c *model.Cluster, port string) {
	for i := range c.Replicas {
		for j := range c.Replicas[i].Status.Peers {
			p := &c.Replicas[i].Status.Peers[j]
			p.Address = strings.Replace(p.Address, ":9094", ":"+port, 1)
		}
	}
}

func ids() []string {
	var out []string
	for _, c := range checks.All() {
		out = append(out, c.ID())
	}
	return out
}

func TestAnalyze(t *testing.T) {
	for _, tc := range checkCases() {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.n
			if n == 0 {
				n = 3
			}
			c := healthy(n)
			if tc.setup != nil {
				tc.setup(c)
			}
			analyze(t, c, tc.opts, tc.want)
			for _, id := range tc.quiet {
				for _, f := range c.Findings {
					if f.ID == id {
						t.Errorf("%s fired: %s", id, f.Message)
					}
				}
			}
			for _, f := range c.Findings {
				if f.Message == "" || f.Fix == "" || len(f.Objects) == 0 {
					t.Errorf("%s: message, fix and objects must be set: %+v", f.ID, f)
				}
			}
			if tc.verify != nil {
				tc.verify(t, c)
			}
		})
	}
}

// TestAnalyzeCoversEveryCheck: the table above has, for every check, a case where it fires and
// a realistic case (other than the healthy baselines) where it must stay quiet.
func TestAnalyzeCoversEveryCheck(t *testing.T) {
	fires, quiet := map[string]bool{}, map[string]bool{}
	for _, tc := range checkCases() {
		for _, w := range tc.want {
			fires[w.ID] = true
		}
		if strings.HasPrefix(tc.name, "healthy") {
			continue
		}
		for _, id := range tc.quiet {
			quiet[id] = true
		}
	}
	for _, id := range ids() {
		if !fires[id] {
			t.Errorf("no case where %s fires", id)
		}
		if !quiet[id] {
			t.Errorf("no near-miss case where %s stays quiet", id)
		}
	}
	for id := range fires {
		if !slices.Contains(ids(), id) {
			t.Errorf("the table expects %s, which is no check", id)
		}
	}
}

func TestAnalyzeSortsWorstFirst(t *testing.T) {
	c := healthy(3)
	split(c, []int{0, 1}, []int{2})
	c.Replicas[2].Status.Cluster = "settling"
	c.Replicas[1].Metrics.ConfigHash = hashB
	checks.Analyze(c, checks.Options{})
	var sev []model.Severity
	for _, f := range c.Findings {
		sev = append(sev, f.Severity)
	}
	want := []model.Severity{model.Error, model.Warning, model.Info}
	if !slices.Equal(sev, want) {
		t.Fatalf("severities %v, want %v\n%s", sev, want, fmtBriefs(briefs(c.Findings)))
	}
	if got := c.Findings[0].ID; got != "mesh/island" {
		t.Errorf("first finding %s, want mesh/island", got)
	}
}

// TestAnalyzeReplacesFindings: Analyze on a snapshot analyzed before starts from scratch.
func TestAnalyzeReplacesFindings(t *testing.T) {
	c := healthy(3)
	c.Findings = []model.Finding{{ID: "stale/finding"}}
	checks.Analyze(c, checks.Options{})
	if len(c.Findings) != 0 {
		t.Fatalf("findings %v, want none", briefs(c.Findings))
	}
	if c.Matrix == nil || len(c.Matrix.Islands) != 1 {
		t.Fatalf("matrix not built: %+v", c.Matrix)
	}
}

// TestAnalyzeDeterministic: the same snapshot yields the same report, byte for byte (reports
// are compared with golden files and between runs).
func TestAnalyzeDeterministic(t *testing.T) {
	build := func() *model.Cluster {
		c := healthy(4)
		split(c, []int{0, 1}, []int{2, 3})
		c.Replicas[3].Status.Version = versionB
		c.Replicas[2].Metrics.ConfigHash = hashB
		c.Replicas[3].Metrics.ConfigHash = "ffffffffffff"
		c.Replicas[1].Metrics.FailedPeers = f64(2)
		c.Replicas[0].Metrics.Integrations[0].Failed = 1
		c.Replicas[1].Metrics.Integrations = []model.Integration{{Name: "slack", Total: 1, Failed: 1}}
		c.Prometheus[0].Active = append(c.Prometheus[0].Active[:3], "http://10.96.0.9:9093/api/v2/alerts", "http://"+meshAddr(0)+"/")
		return c
	}
	first := build()
	checks.Analyze(first, checks.Options{})
	for range 30 {
		c := build()
		checks.Analyze(c, checks.Options{})
		if !equalFindings(first.Findings, c.Findings) {
			t.Fatalf("findings differ between runs:\n%+v\n%+v", first.Findings, c.Findings)
		}
	}
}

// TestConfigDriftThreeConfigsDeterministic: with three different configurations the diff
// blocks must come out in a stable order.
func TestConfigDriftThreeConfigsDeterministic(t *testing.T) {
	build := func() *model.Cluster {
		c := healthy(3)
		c.Replicas[1].Status.Config = strings.Replace(configA, "receiver: team", "receiver: team-b", 1)
		c.Replicas[1].Metrics.ConfigHash = hashB
		c.Replicas[2].Status.Config = strings.Replace(configA, "receiver: team", "receiver: team-c", 1)
		c.Replicas[2].Metrics.ConfigHash = "ffffffffffff"
		return c
	}
	first := build()
	checks.Analyze(first, checks.Options{})
	want := []string{
		"--- am-0", "+++ am-1", "+   receiver: team-b", "-   receiver: team",
		"--- am-0", "+++ am-2", "+   receiver: team-c", "-   receiver: team",
	}
	for range 50 {
		c := build()
		checks.Analyze(c, checks.Options{})
		equalLines(t, "details", finding(t, c, "mesh/config-drift").Details, want)
		if t.Failed() {
			return
		}
	}
}

func equalFindings(a, b []model.Finding) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.ID != y.ID || x.Severity != y.Severity || x.Message != y.Message || x.Fix != y.Fix ||
			!slices.Equal(x.Objects, y.Objects) || !slices.Equal(x.Details, y.Details) || !slices.Equal(x.Symptoms, y.Symptoms) {
			return false
		}
	}
	return true
}

// TestSlowReceiverSingleReplica: with one replica there is no next replica whose wait can end
// first: at most one notification whatever the latency (ha-facts: "at most N").
func TestSlowReceiverSingleReplica(t *testing.T) {
	for _, disabled := range []bool{false, true} {
		c := healthy(1)
		if disabled {
			r := &c.Replicas[0]
			r.Status.Cluster, r.Status.NodeName, r.Status.Peers = "disabled", "", nil
		}
		c.Replicas[0].Metrics.Integrations[0].LatencyP99 = dur(20 * time.Second)
		analyze(t, c, checks.Options{}, nil)
	}
}

// TestSharedPeerNameIsASplit: replicas given one --cluster.peer-name cannot join each other;
// each is alone at position 0 and sends every notification (seen on real v0.31.1 replicas).
func TestSharedPeerNameIsASplit(t *testing.T) {
	c := healthy(2)
	for i := range c.Replicas {
		r := &c.Replicas[i]
		r.Status.NodeName = "alertmanager"
		r.Status.Peers = []model.Member{{Name: "alertmanager", Address: meshAddr(i)}}
		r.Metrics.Members, r.Metrics.Position = f64(1), f64(0)
	}
	c.Probe = nil
	checks.Analyze(c, checks.Options{})
	f := finding(t, c, "mesh/island")
	if f.Severity != model.Error {
		t.Fatalf("mesh/island severity %s, want error", f.Severity)
	}
}
