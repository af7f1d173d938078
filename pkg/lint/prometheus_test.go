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
			var hits []model.Finding
			for _, f := range promTestRun(t, file, tc.text) {
				if f.ID == "prometheus/mesh-port" {
					hits = append(hits, f)
				}
			}
			if tc.phrase == "" {
				if len(hits) > 0 {
					t.Fatalf("unexpected prometheus/mesh-port: %s", hits[0].Message)
				}
				return
			}
			if len(hits) != 1 || hits[0].Severity != model.Warning || !strings.Contains(hits[0].Message, tc.phrase) {
				t.Fatalf("want one warning prometheus/mesh-port saying %q, got %v", tc.phrase, hits)
			}
			if l := hits[0].Locations[0]; l.Line != tc.line || l.Column != tc.col {
				t.Errorf("first location %s, want line %d column %d", l, tc.line, tc.col)
			}
			if !strings.Contains(hits[0].Fix, "{source_labels: [__meta_kubernetes_endpoint_port_name], regex: web, action: keep}") {
				t.Errorf("fix %q", hits[0].Fix)
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
