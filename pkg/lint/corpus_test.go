package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// The corpus: public setups that this project did not write (testdata/corpus/<name>, each with
// its SOURCE and upstream LICENSE), linted as `kubectl amha lint -f DIR` reads them. Every
// finding on a setup as upstream writes it is judged here, true or known false, and each setup
// is linted again with one common mistake injected at a time, which must fire the right id.
// testdata/corpus/README.md writes down the precision and recall this measures; the test
// checks that it says the figures the table gives.

// judged is a finding, "severity id file" (file is the base name of its first location),
// with the reason a reviewer who knows prometheus-operator and Alertmanager HA gives for it.
type judged struct {
	finding string
	why     string
}

// corpusEdit changes one file of a setup's copy: replaces old (which must occur exactly once)
// with new; with old empty, writes new as the whole file (a new file); with drop, removes the
// YAML document that contains old; with remove, deletes the file.
type corpusEdit struct {
	file     string
	old, new string
	drop     bool
	remove   bool
}

// mistake is one common mistake injected into a copy of a setup.
type mistake struct {
	name  string
	edits []corpusEdit
	// want is the id that must fire on the copy and not on the setup as upstream writes it.
	want string
	// knownMiss says why lint does not report the mistake yet; the test checks it still does
	// not, so that a fix moves the mistake to the caught ones.
	knownMiss string
	// also are the other findings the change adds, each judged; knownFalse ones are false.
	also       []judged
	knownFalse []judged
}

type corpusSetup struct {
	name string
	// paths are read with ReadInputs as `lint -f` reads them, relative to testdata.
	paths []string
	// found are the findings judged true on the setup as upstream writes it.
	found []judged
	// knownFalse are findings judged false: each one is a fault of lint to fix.
	knownFalse []judged
	// knownMiss are true problems of the upstream setup that lint does not report ("id": why).
	knownMiss []judged
	mistakes  []mistake
}

// Texts the mistakes put in.
const (
	slowWebhookKP = `    - "name": "Critical"
      "webhook_configs":
      - "url": "http://pager.example.com/hook"
        "timeout": "30s"
`
	lbPrometheusYML = `alerting:
  alertmanagers:
  - static_configs:
    - targets:
      - %s
`
)

var corpus = []corpusSetup{
	{
		name:  "kube-prometheus",
		paths: []string{"corpus/kube-prometheus", "k8s/kube-prometheus-alertmanager.yaml"},
		found: []judged{
			{"warning config/no-watchdog alertmanager-secret.yaml", `kube-prometheus routes Watchdog to the receiver "Watchdog" and leaves it without integrations for the user to fill in: as shipped the heartbeat goes nowhere`},
			{"warning k8s/spread kube-prometheus-alertmanager.yaml", "the Alertmanager object sets no affinity or topologySpreadConstraints (anti-affinity is an optional kube-prometheus addon), and the operator adds none"},
			{"warning k8s/storage kube-prometheus-alertmanager.yaml", "no spec.storage: the operator mounts an emptyDir, so a full restart loses the notification log and silences"},
			{"info k8s/start-delay kube-prometheus-alertmanager.yaml", "Alertmanager 0.33.1 and no spec.minReadySeconds: the operator passes no --dispatch.start-delay (pkg/alertmanager/statefulset.go)"},
		},
		mistakes: []mistake{
			{name: "NetworkPolicy allows the mesh port over TCP only", want: "k8s/mesh-port-udp",
				edits: []corpusEdit{{file: "kube-prometheus-alertmanager.yaml", old: "    - port: 9094\n      protocol: UDP\n"}}},
			{name: "no PodDisruptionBudget", want: "k8s/pdb",
				edits: []corpusEdit{{file: "kube-prometheus-alertmanager.yaml", old: "kind: PodDisruptionBudget", drop: true}}},
			{name: "receiver timeout above the peer timeout", want: "cluster/peer-timeout-vs-receiver",
				edits: []corpusEdit{{file: "alertmanager-secret.yaml", old: `    - "name": "Critical"` + "\n", new: slowWebhookKP}},
				also:  []judged{{"info config/no-dedup-key alertmanager-secret.yaml", "the added webhook does not deduplicate: true for any webhook"}}},
			{name: "additional peer through the ClusterIP Service", want: "cluster/peer-is-load-balancer",
				edits: []corpusEdit{{file: "kube-prometheus-alertmanager.yaml", old: "  alertmanagerConfigSelector: {}\n", new: "  alertmanagerConfigSelector: {}\n  additionalPeers:\n  - alertmanager-main.monitoring.svc:9094\n"}}},
			{name: "advertise address is a host name", want: "cluster/advertise-hostname",
				edits: []corpusEdit{{file: "kube-prometheus-alertmanager.yaml", old: "  alertmanagerConfigSelector: {}\n", new: "  alertmanagerConfigSelector: {}\n  clusterAdvertiseAddress: alertmanager-main:9094\n"}}},
			{name: "a Prometheus outside the operator sends to the Service", want: "prometheus/load-balancer",
				edits: []corpusEdit{{file: "prometheus.yml", new: fmt.Sprintf(lbPrometheusYML, "alertmanager-main.monitoring.svc:9093")}}},
			{name: "mesh port allowed only from a label the pods lack", want: "k8s/mesh-port-blocked",
				edits: []corpusEdit{{file: "kube-prometheus-alertmanager.yaml", old: "          app.kubernetes.io/name: alertmanager\n    ports:\n    - port: 9094", new: "          app: alertmanager\n    ports:\n    - port: 9094"}}},
		},
	},
	{
		name:  "openshift",
		paths: []string{"corpus/openshift"},
		found: []judged{
			{"warning config/no-watchdog secret.yaml", `the Watchdog receiver has no integrations as shipped; OpenShift's Telemeter watches Prometheus, not Alertmanager, so nothing tells when every Alertmanager is down until the admin configures it (debatable: OpenShift documents configuring it)`},
			{"warning k8s/storage alertmanager.yaml", "the default asset has no spec.storage (persistent storage is opt-in in cluster-monitoring-config): emptyDir"},
		},
		mistakes: []mistake{
			{name: "NetworkPolicy allows the mesh port over TCP only", want: "k8s/mesh-port-udp",
				edits: []corpusEdit{{file: "network-policy-downstream.yaml", old: "    - port: 9094\n      protocol: UDP\n"}}},
			{name: "anti-affinity removed", want: "k8s/spread",
				edits: []corpusEdit{{file: "alertmanager.yaml", old: "  affinity:\n    podAntiAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n      - labelSelector:\n          matchLabels:\n            app.kubernetes.io/component: alert-router\n            app.kubernetes.io/instance: main\n            app.kubernetes.io/name: alertmanager\n            app.kubernetes.io/part-of: openshift-monitoring\n        namespaces:\n        - openshift-monitoring\n        topologyKey: kubernetes.io/hostname\n"}}},
			{name: "minReadySeconds removed", want: "k8s/start-delay",
				edits: []corpusEdit{{file: "alertmanager.yaml", old: "  minReadySeconds: 90\n"}}},
			{name: "no PodDisruptionBudget", want: "k8s/pdb",
				edits: []corpusEdit{{file: "pod-disruption-budget.yaml", remove: true}}},
			{name: "receiver timeout above the peer timeout", want: "cluster/peer-timeout-vs-receiver",
				edits: []corpusEdit{{file: "secret.yaml", old: `    - "name": "Critical"` + "\n", new: slowWebhookKP}},
				also:  []judged{{"info config/no-dedup-key secret.yaml", "the added webhook does not deduplicate"}}},
			{name: "mesh port allowed only from another instance", want: "k8s/mesh-port-blocked",
				edits: []corpusEdit{{file: "network-policy-downstream.yaml", old: "          app.kubernetes.io/instance: main\n", new: "          app.kubernetes.io/instance: user-workload\n"}}},
		},
	},
	{
		name:  "po-networkpolicies",
		paths: []string{"corpus/po-networkpolicies"},
		found: []judged{
			{"warning k8s/pdb alertmanager-alertmanager.yaml", "the example applies policies only; no PodDisruptionBudget selects the 3 replicas"},
			{"warning k8s/spread alertmanager-alertmanager.yaml", "no affinity or spread constraints on the Alertmanager object"},
			{"warning k8s/storage alertmanager-alertmanager.yaml", "no spec.storage: emptyDir"},
			{"info k8s/start-delay alertmanager-alertmanager.yaml", "0.33.1 without minReadySeconds: no --dispatch.start-delay"},
			{"error k8s/mesh-port-blocked networkpolicy-alertmanager.yaml", "upstream's alertmanager-mesh policy allows 9094 only from pods labelled app=alertmanager, which the operator no longer sets (it sets app.kubernetes.io/name); with default-deny-all the mesh port is closed between the replicas: three islands, every notification three times"},
		},
	},
	{
		name:  "po-user-guide",
		paths: []string{"corpus/po-user-guide"},
		found: []judged{
			{"warning config/no-watchdog alertmanager.yaml", "the guide's alertmanager.yaml has one webhook route and no Watchdog route"},
			{"warning k8s/pdb alertmanager-example.yaml", "replicas: 3, no PodDisruptionBudget in the guide, and the operator creates none"},
			{"warning k8s/spread alertmanager-example.yaml", "no affinity or spread constraints"},
			{"warning k8s/storage alertmanager-example.yaml", "no spec.storage: emptyDir"},
			{"info cluster/insecure-gossip alertmanager-example.yaml", "no NetworkPolicy and no gossip TLS in the guide: as info, since the cluster may have policies"},
			{"info config/no-dedup-key alertmanager.yaml", "a webhook receiver does not deduplicate on its side"},
			{"info k8s/start-delay alertmanager-example.yaml", "the operator's default Alertmanager version (0.30+) without minReadySeconds: no --dispatch.start-delay"},
		},
		mistakes: []mistake{
			{name: "Prometheus names a port the Service does not have", want: "prometheus/subset",
				edits: []corpusEdit{{file: "prometheus-example.yaml", old: "      port: web\n", new: "      port: http\n"}}},
			{name: "a Prometheus outside the operator sends to the NodePort Service", want: "prometheus/load-balancer",
				edits: []corpusEdit{{file: "prometheus.yml", new: fmt.Sprintf(lbPrometheusYML, "alertmanager-example.default.svc:9093")}}},
			{name: "receiver timeout above the peer timeout", want: "cluster/peer-timeout-vs-receiver",
				edits: []corpusEdit{{file: "alertmanager.yaml", old: "  - url: 'http://example.com/'\n", new: "  - url: 'http://example.com/'\n    timeout: 30s\n"}}},
			{name: "additional peer through the web Service", want: "cluster/peer-is-load-balancer",
				edits: []corpusEdit{{file: "alertmanager-example.yaml", old: "  replicas: 3\n", new: "  replicas: 3\n  additionalPeers:\n  - alertmanager-example:9094\n"}}},
			{name: "a per-pod external label reaches the alerts", want: "prometheus/replica-label",
				edits: []corpusEdit{{file: "prometheus-example.yaml", old: "  replicas: 2\n", new: "  replicas: 2\n  externalLabels:\n    pod: $(POD_NAME)\n"}}},
		},
	},
	{
		name:  "alertmanager-ha",
		paths: []string{"corpus/alertmanager-ha"},
		found: []judged{
			{"warning config/no-watchdog alertmanager.yml", "the example routes everything to one webhook, no Watchdog"},
			{"info cluster/label-missing a1.args", "no --cluster.label on any replica"},
			{"info config/no-dedup-key alertmanager.yml", "a webhook receiver does not deduplicate"},
		},
		knownFalse: []judged{
			{"warning cluster/peers-missing a1.args", "a1 is the seed that a2 and a3 list: they re-resolve 127.0.0.1:8001 every 15s and join it when it is not a member, so a1 cannot stay an island while either runs. The weakness of this layout is the reverse (a2 and a3 can only get in through a1), which the finding does not say"},
			{"info cluster/insecure-gossip a1.args", "every replica binds the mesh to 127.0.0.1 (--cluster.listen-address=127.0.0.1:800N): only processes on the host reach it, which is the limit the check looks for; the message also names port 9094 where the mesh listens on 8001-8003"},
		},
		mistakes: []mistake{
			{name: "advertise address is a host name", want: "cluster/advertise-hostname",
				edits: []corpusEdit{{file: "a2.args", old: "--cluster.peer=127.0.0.1:8001", new: "--cluster.peer=127.0.0.1:8001 --cluster.advertise-address=am2.local:8002"}}},
			{name: "listen address is a host name", want: "cluster/listen-hostname",
				edits: []corpusEdit{{file: "a3.args", old: "--cluster.listen-address=127.0.0.1:8003", new: "--cluster.listen-address=localhost:8003"}}},
			{name: "one replica runs another alertmanager.yml", want: "config/drift",
				edits: []corpusEdit{
					{file: "a3.args", old: "--config.file=examples/ha/alertmanager.yml", new: "--config.file=examples/ha/alertmanager-a3.yml"},
					{file: "alertmanager-a3.yml", new: "route:\n  group_by: ['alertname', 'instance']\n  receiver: 'web.hook'\nreceivers:\n  - name: 'web.hook'\n    webhook_configs:\n      - url: 'http://127.0.0.1:5001/'\n"},
				},
				also: []judged{
					{"info config/no-dedup-key alertmanager-a3.yml", "the new file's webhook does not deduplicate either"},
					{"warning config/no-watchdog alertmanager-a3.yml", "the new file has no Watchdog route either"},
				}},
			{name: "receiver timeout above the peer timeout", want: "cluster/peer-timeout-vs-receiver",
				edits: []corpusEdit{{file: "alertmanager.yml", old: "      - url: 'http://127.0.0.1:5001/'\n", new: "      - url: 'http://127.0.0.1:5001/'\n        timeout: 30s\n"}}},
			{name: "one replica with another peer timeout", want: "cluster/inconsistent-flags",
				edits: []corpusEdit{{file: "a2.args", old: "--cluster.peer=127.0.0.1:8001", new: "--cluster.peer=127.0.0.1:8001 --cluster.peer-timeout=5s"}}},
			{name: "one replica with clustering off", want: "cluster/disabled",
				edits: []corpusEdit{{file: "a3.args", old: "--cluster.listen-address=127.0.0.1:8003 --cluster.peer=127.0.0.1:8001", new: "--cluster.listen-address="}}},
			{name: "peer through a load balancer name", want: "cluster/peer-is-load-balancer",
				edits:     []corpusEdit{{file: "a3.args", old: "--cluster.peer=127.0.0.1:8001", new: "--cluster.peer=alertmanager-lb.example.com:8001"}},
				knownMiss: "cluster/peer-is-load-balancer judges Services only; a command line's peer named like a balancer (the word lb) is not looked at, though prometheus/load-balancer uses that very heuristic"},
			{name: "Prometheus sends to a load balancer", want: "prometheus/load-balancer",
				edits: []corpusEdit{{file: "prometheus.yml", new: fmt.Sprintf(lbPrometheusYML, "alertmanager-lb.example.com:9093")}}},
			{name: "Prometheus sends to two of the three", want: "prometheus/subset",
				edits:     []corpusEdit{{file: "prometheus.yml", new: fmt.Sprintf(lbPrometheusYML, "127.0.0.1:9093\n      - 127.0.0.1:9094")}},
				knownMiss: "the replicas share the host 127.0.0.1 and differ by web port (--web.listen-address :9093, :9094, :9095); static targets are matched to replicas by host, so a3 (:9095) left out goes unseen"},
		},
	},
	{
		name:  "alertmanager-ha-tls",
		paths: []string{"corpus/alertmanager-ha-tls"},
		found: []judged{
			{"warning config/no-watchdog alertmanager.yml", "no Watchdog route"},
			{"info cluster/label-missing a1.args", "no --cluster.label"},
			{"info config/no-dedup-key alertmanager.yml", "a webhook receiver does not deduplicate"},
			{"warning cluster/tls-no-client-auth a1.args", "its tls_config_node*.yml (read beside the args file) says client_auth_type: VerifyClientCertIfGiven: a node without a certificate still joins"},
			{"warning cluster/tls-no-client-auth a2.args", "its tls_config_node*.yml (read beside the args file) says client_auth_type: VerifyClientCertIfGiven: a node without a certificate still joins"},
			{"warning cluster/tls-no-client-auth a3.args", "its tls_config_node*.yml (read beside the args file) says client_auth_type: VerifyClientCertIfGiven: a node without a certificate still joins"},
			{"warning cluster/tls-no-client-auth a4.args", "its tls_config_node*.yml (read beside the args file) says client_auth_type: VerifyClientCertIfGiven: a node without a certificate still joins"},
			{"warning cluster/tls-no-client-auth a5.args", "its tls_config_node*.yml (read beside the args file) says client_auth_type: VerifyClientCertIfGiven: a node without a certificate still joins"},
			{"warning cluster/tls-no-client-auth a6.args", "its tls_config_node*.yml (read beside the args file) says client_auth_type: VerifyClientCertIfGiven: a node without a certificate still joins"},
		},
		knownFalse: []judged{
			{"warning cluster/peers-missing a1.args", "as in the plain example: a1 is the seed a2 to a6 list and re-join every 15s, so it cannot stay an island while any of them runs"},
		},
		mistakes: []mistake{
			{name: "one replica without TLS", want: "cluster/inconsistent-flags",
				edits: []corpusEdit{{file: "a4.args", old: " --cluster.tls-config=./tls_config_node2.yml", new: ""}},
				also:  []judged{{"info cluster/insecure-gossip a4.args", "a4 now gossips in plain text"}}},
			{name: "one replica with a label", want: "cluster/inconsistent-flags",
				edits: []corpusEdit{{file: "a5.args", old: "--cluster.peer=127.0.0.1:8001", new: "--cluster.peer=127.0.0.1:8001 --cluster.label=prod"}}},
		},
	},
	{
		name:  "alertmanager-ha-docs",
		paths: []string{"corpus/alertmanager-ha-docs"},
		found: []judged{
			{"info cluster/label-missing am-1.args", "the one command line names 3 peers, so the cluster has 3 replicas, and no --cluster.label"},
			{"info cluster/insecure-gossip am-1.args", "likewise: 3 replicas, no --cluster.tls-config, listening on 0.0.0.0:9094"},
		},
		mistakes: []mistake{
			{name: "advertise address is a host name", want: "cluster/advertise-hostname",
				edits: []corpusEdit{{file: "am-1.args", old: "--cluster.advertise-address=192.0.2.1:9094", new: "--cluster.advertise-address=am-1.example.com:9094"}}},
			{name: "peer timeout zero", want: "cluster/zero-interval",
				edits: []corpusEdit{{file: "am-1.args", old: "--cluster.peer-timeout=15s", new: "--cluster.peer-timeout=0s"}}},
			{name: "Prometheus sends to a load balancer", want: "prometheus/load-balancer",
				edits: []corpusEdit{{file: "prometheus.yml", old: "            - am-1.example.com:9093\n            - am-2.example.com:9093\n            - am-3.example.com:9093\n", new: "            - alertmanager-lb.example.com:9093\n"}}},
			{name: "Prometheus sends to one of the three", want: "prometheus/subset",
				edits: []corpusEdit{{file: "prometheus.yml", old: "            - am-2.example.com:9093\n            - am-3.example.com:9093\n"}}},
			{name: "Prometheus sends to the gossip port", want: "prometheus/mesh-port",
				edits: []corpusEdit{{file: "prometheus.yml", old: "am-3.example.com:9093", new: "am-3.example.com:9094"}},
				also:  []judged{{"error prometheus/subset prometheus.yml", "am-3's web port is no longer a target, so am-3 gets no alerts"}}},
		},
	},
}

// corpusKeys are the findings as "severity id file", sorted.
func corpusKeys(fs []model.Finding) []string {
	var out []string
	for _, f := range fs {
		file := ""
		if len(f.Locations) > 0 {
			file = filepath.Base(f.Locations[0].File)
		}
		out = append(out, f.Severity.String()+" "+f.ID+" "+file)
	}
	sort.Strings(out)
	return out
}

// corpusLint lints paths (relative to testdata unless absolute) as `lint -f` does.
func corpusLint(t *testing.T, paths []string) []string {
	t.Helper()
	var full []string
	for _, p := range paths {
		if !filepath.IsAbs(p) {
			p = filepath.Join("testdata", p)
		}
		full = append(full, p)
	}
	ins, err := ReadInputs(full, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Lint(ins)
	if err != nil {
		t.Fatal(err)
	}
	return corpusKeys(r.Findings)
}

// without is a minus b, as multisets of sorted keys.
func without(a, b []string) []string {
	left := map[string]int{}
	for _, k := range b {
		left[k]++
	}
	var out []string
	for _, k := range a {
		if left[k] > 0 {
			left[k]--
			continue
		}
		out = append(out, k)
	}
	return out
}

func judgedKeys(js ...[]judged) []string {
	var out []string
	for _, l := range js {
		for _, j := range l {
			out = append(out, j.finding)
		}
	}
	sort.Strings(out)
	return out
}

func keyID(key string) string { return strings.Fields(key)[1] }

// corpusCopy writes the setup's inputs into a new directory, each under its base name, and
// applies the edits.
func corpusCopy(t *testing.T, s corpusSetup, edits []corpusEdit) string {
	t.Helper()
	var full []string
	for _, p := range s.paths {
		full = append(full, filepath.Join("testdata", p))
	}
	ins, err := ReadInputs(full, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string]string{}
	for _, in := range ins {
		files[filepath.Base(in.Name)] = string(in.Data)
	}
	for _, e := range edits {
		text, ok := files[e.file]
		switch {
		case e.remove:
			if !ok {
				t.Fatalf("%s: no file %s to remove", s.name, e.file)
			}
			delete(files, e.file)
			continue
		case e.old == "":
			files[e.file] = e.new
			continue
		case !ok:
			t.Fatalf("%s: no file %s", s.name, e.file)
		case strings.Count(text, e.old) != 1:
			t.Fatalf("%s: %s holds %q %d times, want once", s.name, e.file, e.old, strings.Count(text, e.old))
		case e.drop:
			docs := strings.Split(text, "\n---\n")
			var kept []string
			for _, d := range docs {
				if !strings.Contains(d, e.old) {
					kept = append(kept, d)
				}
			}
			files[e.file] = strings.Join(kept, "\n---\n")
		default:
			files[e.file] = strings.Replace(text, e.old, e.new, 1)
		}
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// corpusFigures are what the corpus measures.
type corpusFigures struct {
	findings, falseFindings   int // on the setups as upstream writes them
	upstreamMisses            int // true problems of upstream setups not reported
	mistakes, caught          int // injected mistakes, caught with the right id
	extraFindings, extraFalse int // other findings the injected mistakes add
}

func TestCorpus(t *testing.T) {
	var fig corpusFigures
	for _, s := range corpus {
		t.Run(s.name, func(t *testing.T) {
			if _, err := os.Stat(filepath.Join("testdata", "corpus", s.name, "SOURCE")); err != nil {
				t.Errorf("no SOURCE beside the setup: %v", err)
			}
			if _, err := os.Stat(filepath.Join("testdata", "corpus", s.name, "LICENSE")); err != nil {
				t.Errorf("no upstream LICENSE beside the setup: %v", err)
			}
			clean := corpusLint(t, s.paths)
			want := judgedKeys(s.found, s.knownFalse)
			if unjudged := without(clean, want); len(unjudged) > 0 {
				t.Errorf("findings not judged (true or known false) on the upstream setup:\n  %s", strings.Join(unjudged, "\n  "))
			}
			if gone := without(want, clean); len(gone) > 0 {
				t.Errorf("judged findings that no longer fire (update the table and the README):\n  %s", strings.Join(gone, "\n  "))
			}
			for _, m := range s.knownMiss {
				for _, k := range clean {
					if keyID(k) == m.finding {
						t.Errorf("known miss %s now fires (%s): move it to the true findings", m.finding, k)
					}
				}
			}
			fig.findings += len(clean)
			fig.falseFindings += len(s.knownFalse)
			fig.upstreamMisses += len(s.knownMiss)

			for _, m := range s.mistakes {
				t.Run(m.name, func(t *testing.T) {
					added := without(corpusLint(t, []string{corpusCopy(t, s, m.edits)}), clean)
					t.Logf("added: %v", added)
					var hit, rest []string
					for _, k := range added {
						if keyID(k) == m.want {
							hit = append(hit, k)
						} else {
							rest = append(rest, k)
						}
					}
					fig.mistakes++
					switch {
					case m.knownMiss == "" && len(hit) == 0:
						t.Errorf("%s does not fire; added: %v", m.want, added)
					case m.knownMiss != "" && len(hit) > 0:
						t.Errorf("known miss now caught (%v): drop knownMiss", hit)
					case m.knownMiss == "":
						fig.caught++
					}
					judged := judgedKeys(m.also, m.knownFalse)
					if unjudged := without(rest, judged); len(unjudged) > 0 {
						t.Errorf("other findings the mistake adds, not judged:\n  %s", strings.Join(unjudged, "\n  "))
					}
					if gone := without(judged, rest); len(gone) > 0 {
						t.Errorf("judged findings that no longer fire:\n  %s", strings.Join(gone, "\n  "))
					}
					fig.extraFindings += len(rest)
					fig.extraFalse += len(m.knownFalse)
				})
			}
		})
	}
	if t.Failed() {
		return
	}
	figures := fmt.Sprintf("precision %d/%d, upstream misses %d; recall %d/%d, other findings added by the mistakes %d of which false %d",
		fig.findings-fig.falseFindings, fig.findings, fig.upstreamMisses, fig.caught, fig.mistakes, fig.extraFindings, fig.extraFalse)
	t.Log(figures)
	readme, err := os.ReadFile(filepath.Join("testdata", "corpus", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), figures) {
		t.Errorf("testdata/corpus/README.md does not state the figures measured: %q", figures)
	}
}
