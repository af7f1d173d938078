package lint

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// promTestRun loads one input as `kubectl amha lint -f` does and runs every prometheus/* check.
func promTestRun(t *testing.T, name, text string) []model.Finding {
	t.Helper()
	s, err := Load([]Input{{Name: name, Data: []byte(text), Explicit: true}})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return runChecks(s, prometheusChecks())
}

// TestPrometheusMessagesAreSentences: every prometheus/* finding of the testdata has a message
// that starts with a capital letter and ends with a period, a fix and a location.
func TestPrometheusMessagesAreSentences(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "prometheus", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatal("no testdata", err)
	}
	n := 0
	for _, p := range files {
		name := filepath.Base(p)
		for _, f := range promTestRun(t, name, testdataText(t, "prometheus", name)) {
			n++
			if !testSentence(f.Message) {
				t.Errorf("%s %s: message is not a sentence: %q", name, f.ID, f.Message)
			}
			if f.Fix == "" || len(f.Locations) == 0 {
				t.Errorf("%s %s: no fix or location", name, f.ID)
			}
		}
	}
	if n == 0 {
		t.Fatal("no prometheus/* finding in the testdata")
	}
}

// TestPrometheusMeshPortPodPorts: a keep on Service names alone lets the cluster port through
// when the Service's pods declare it as a container port (endpoints discovery makes a target
// for each container port the Service does not expose).
func TestPrometheusMeshPortPodPorts(t *testing.T) {
	const file = "endpoints-service-keep-pod-mesh.yaml"
	base := testdataText(t, "prometheus", file)
	noMeshPorts := strings.Replace(base, "        - {name: mesh-tcp, containerPort: 9094, protocol: TCP}\n        - {name: mesh-udp, containerPort: 9094, protocol: UDP}\n", "", 1)
	_, noPods, _ := strings.Cut(base, "\n---\n")
	for _, tc := range []struct {
		name, text string
		line, col  int
		phrase     string // "" when prometheus/mesh-port must stay quiet
	}{
		{"pods declare 9094", base, 61, 17, "keeps Service monitoring/alertmanager by name only. Its ports leave out the cluster port, " +
			"but the pods of StatefulSet monitoring/alertmanager declare the container port 9094 (mesh-tcp, mesh-udp)"},
		{"pods declare only the web port", noMeshPorts, 0, 0, ""},
		{"pods not in the inputs", noPods, 0, 0, ""},
		{"a keep on the web port name as well", strings.Replace(base, "          action: keep\n",
			"          action: keep\n        - {source_labels: [__meta_kubernetes_endpoint_port_name], regex: web, action: keep}\n", 1), 0, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.text == base && tc.name != "pods declare 9094" {
				t.Fatal("the replacement did not apply")
			}
			f, ok := testOnly(t, promTestRun(t, file, tc.text), "prometheus/mesh-port", tc.phrase)
			if !ok {
				return
			}
			if f.Severity != model.Warning {
				t.Errorf("severity %s, want warning", f.Severity)
			}
			if l := f.Locations[0]; l.Line != tc.line || l.Column != tc.col {
				t.Errorf("first location %s, want line %d column %d", l, tc.line, tc.col)
			}
			if !strings.Contains(f.Fix, "{source_labels: [__meta_kubernetes_endpoint_port_name], regex: web, action: keep}") {
				t.Errorf("fix %q", f.Fix)
			}
		})
	}
}

// TestPrometheusSubsetOperatorPortLabels: the operator matches a port name against the
// Endpoints' or the EndpointSlices' port name label: the message names both.
func TestPrometheusSubsetOperatorPortLabels(t *testing.T) {
	const file = "operator-wrong-port.yaml"
	var hits []model.Finding
	for _, f := range promTestRun(t, file, testdataText(t, "prometheus", file)) {
		if f.ID == "prometheus/subset" {
			hits = append(hits, f)
		}
	}
	if len(hits) != 1 {
		t.Fatalf("want one prometheus/subset, got %d", len(hits))
	}
	f := hits[0]
	if l := f.Locations[0]; f.Severity != model.Error || l.Line != 34 || l.Column != 13 {
		t.Errorf("%s at %s, want error at 34:13", f.Severity, l)
	}
	if want := "(__meta_kubernetes_endpoint_port_name, or __meta_kubernetes_endpointslice_port_name when it discovers through EndpointSlices)"; !strings.Contains(f.Message, want) {
		t.Errorf("message lacks %q:\n%s", want, f.Message)
	}
}

// TestPrometheusMeshPortReadsPorts: the cluster and web ports are the Alertmanagers' own. Two
// Alertmanagers on one host serve the web on 9093 and 9094 and gossip on 9095 and 9096: targets
// on 9093 and 9094 are right, a target on 9095 or 9096 is the gossip port, and the fix names
// the web port of the Alertmanager behind it.
func TestPrometheusMeshPortReadsPorts(t *testing.T) {
	const dir = "vm-two-on-host"
	prom := testdataText(t, "prometheus", dir+"/prometheus.yml")
	const both = "targets: [10.0.1.11:9093, 10.0.1.11:9094]"
	if !strings.Contains(prom, both) {
		t.Fatal("prometheus.yml has no", both)
	}
	for _, tc := range []struct {
		name, targets string
		sev           model.Severity
		phrase, fix   string // "" when prometheus/mesh-port must stay quiet
	}{
		{"both web ports", both, 0, "", ""},
		{"one web port and a gossip port", "targets: [10.0.1.11:9093, 10.0.1.11:9095]", model.Warning,
			"also sends alerts to the cluster (gossip) port: 10.0.1.11:9095", "Use the web port in the targets: 10.0.1.11:9093."},
		{"gossip ports only", "targets: [10.0.1.11:9095, 10.0.1.11:9096]", model.Error,
			"sends alerts only to the cluster (gossip) port: 10.0.1.11:9095, 10.0.1.11:9096", "Use the web port in the targets: 10.0.1.11:9093, 10.0.1.11:9094."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ins := []Input{{Name: "prometheus.yml", Data: []byte(strings.Replace(prom, both, tc.targets, 1)), Explicit: true}}
			for _, n := range []string{"am-a.service", "am-b.service"} {
				ins = append(ins, Input{Name: n, Data: []byte(testdataText(t, "prometheus", dir+"/"+n)), Explicit: true})
			}
			s, err := Load(ins)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Workloads) != 2 {
				t.Fatalf("%d workloads read, want 2", len(s.Workloads))
			}
			f, ok := testOnly(t, runChecks(s, prometheusChecks()), "prometheus/mesh-port", tc.phrase)
			if !ok {
				return
			}
			if f.Severity != tc.sev {
				t.Errorf("severity %s, want %s", f.Severity, tc.sev)
			}
			if f.Fix != tc.fix {
				t.Errorf("fix %q, want %q", f.Fix, tc.fix)
			}
		})
	}
}

// TestPrometheusMeshPortKubernetesPorts: a StatefulSet that gossips on 7946 and serves the web
// on 8080: a static target on 7946 is the gossip port (the fix names 8080), one on 9094 is not.
func TestPrometheusMeshPortKubernetesPorts(t *testing.T) {
	const sts = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: alertmanager, namespace: monitoring}
spec:
  serviceName: alertmanager
  replicas: 2
  selector: {matchLabels: {app: am}}
  template:
    metadata: {labels: {app: am}}
    spec:
      containers:
      - name: alertmanager
        image: quay.io/prometheus/alertmanager:v0.31.1
        args:
        - --web.listen-address=:8080
        - --cluster.listen-address=[$(POD_IP)]:7946
        - --cluster.peer=alertmanager-0.alertmanager:7946
        - --cluster.peer=alertmanager-1.alertmanager:7946
        ports:
        - {name: http, containerPort: 8080}
        - {name: gossip, containerPort: 7946}
---
`
	for _, tc := range []struct{ port, phrase, fix string }{
		{"7946", "sends alerts only to the cluster (gossip) port: alertmanager-0.alertmanager:7946, alertmanager-1.alertmanager:7946",
			"Use the web port in the targets: alertmanager-0.alertmanager:8080, alertmanager-1.alertmanager:8080."},
		{"9094", "", ""},
		{"8080", "", ""},
	} {
		t.Run(tc.port, func(t *testing.T) {
			prom := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: prometheus, namespace: monitoring}\ndata:\n  prometheus.yml: |\n" +
				"    alerting:\n      alertmanagers:\n      - static_configs:\n        - targets: [alertmanager-0.alertmanager:" + tc.port + ", alertmanager-1.alertmanager:" + tc.port + "]\n"
			f, ok := testOnly(t, promTestRun(t, "kubernetes.yaml", sts+prom), "prometheus/mesh-port", tc.phrase)
			if ok && f.Fix != tc.fix {
				t.Errorf("fix %q, want %q", f.Fix, tc.fix)
			}
		})
	}
}

// TestPrometheusInvalid: prometheus/invalid decodes global.external_labels and the alerting
// section as Prometheus does (its messages, at the line of the fault) and leaves the rest of
// the file to promtool.
func TestPrometheusInvalid(t *testing.T) {
	const am = "alerting:\n  alertmanagers:\n  - static_configs:\n    - targets: [am-0:9093]\n"
	for _, tc := range []struct {
		name, text string
		line, col  int    // of the finding's location
		phrase     string // "" when prometheus/invalid must stay quiet
	}{
		{"a field Prometheus does not know", "rule_files: []\nalerting:\n  alertmanagers:\n  - static_config:\n    - targets: [am-0:9093]\n",
			4, 3, "line 4: field static_config not found in type config.AlertmanagerConfig"},
		{"an unknown Kubernetes SD role", "rule_files: []\nalerting:\n  alertmanagers:\n  - kubernetes_sd_configs:\n    - role: endpoint\n",
			5, 13, `unknown Kubernetes SD role "endpoint"`},
		{"a URL as a target", "rule_files: []\nalerting:\n  alertmanagers:\n  - static_configs:\n    - targets: ['http://am-0:9093']\n",
			5, 17, `"http://am-0:9093" is not a valid hostname`},
		{"a timeout that is no duration", am + "    timeout: 5 seconds\nrule_files: []\n", 5, 14, `unknown unit " seconds" in duration "5 seconds"`},
		{"api_version v1", am + "    api_version: v1\nrule_files: []\n", 1, 1, "expected Alertmanager api version to be one of [v2] but got v1"},
		{"basic_auth and sigv4", am + "    basic_auth: {username: a, password: b}\n    sigv4: {region: eu-west-1}\nrule_files: []\n",
			1, 1, "at most one of basic_auth, authorization, oauth2, & sigv4 must be configured"},
		{"a relabel regex that does not compile", am + "  alert_relabel_configs:\n  - {source_labels: [a], regex: '(', action: drop}\nrule_files: []\n",
			1, 1, "error parsing regexp: missing closing )"},
		{"a legacy label name", "global:\n  metric_name_validation_scheme: legacy\n  external_labels:\n    bad-name: b\n" + am,
			4, 5, `"bad-name" is not a valid label name`},
		{"an unknown service discovery", "rule_files: []\nalerting:\n  alertmanagers:\n  - foo_sd_configs: [{a: b}]\n",
			4, 3, "field foo_sd_configs not found in type config.AlertmanagerConfig"},
		{"a list for a mapping", "global:\n  external_labels: [a]\nalerting: []\nrule_files: []\n", 2, 3,
			"line 2: cannot unmarshal !!seq into map[string]string line 3: cannot unmarshal !!seq into config.plain"},
		{"in a ConfigMap", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: prometheus, namespace: monitoring}\ndata:\n  prometheus.yml: |\n" +
			"    rule_files: []\n    alerting:\n      alertmanagers:\n      - static_config: []\n", 9, 7, "field static_config not found"},
		{"service discoveries amha does not link", "rule_files: []\nalerting:\n  alertmanagers:\n  - consul_sd_configs: [{server: 'consul:8500'}]\n" +
			"    ec2_sd_configs: [{region: eu-west-1}]\n    scheme: https\n    path_prefix: /am\n    tls_config: {insecure_skip_verify: true}\n", 0, 0, ""},
		{"the rest of the file is promtool's", am + "scrape_configs:\n- job_name: x\n  bogus_field: 1\nstorage: {nonsense: true}\n", 0, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := oneFindingAt(t, promTestRun(t, "prometheus.yml", tc.text), "prometheus/invalid", tc.phrase, tc.line, tc.col)
			if ok && (f.Severity != model.Error || f.Locations[0].File != "prometheus.yml") {
				t.Errorf("%s at %s, want an error in prometheus.yml", f.Severity, f.Locations[0])
			}
		})
	}
}
