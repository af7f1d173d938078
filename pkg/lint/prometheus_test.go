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
			f, ok := oneFindingAt(t, promTestRun(t, file, tc.text), "prometheus/mesh-port", tc.phrase, tc.line, tc.col)
			if !ok {
				return
			}
			if f.Severity != model.Warning {
				t.Errorf("severity %s, want warning", f.Severity)
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
