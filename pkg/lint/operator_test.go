package lint

import (
	"strings"
	"testing"
)

// The rules below were read in prometheus-operator's pkg/alertmanager/statefulset.go
// (makeStatefulSetSpec) and pkg/operator/defaults.go at the releases the Go module proxy serves:
// v0.60.0, v0.66.0, v0.68.0, v0.70.0–v0.72.0, v0.74.0–v0.76.0, v0.82.0–v0.85.0, v0.86.1,
// v0.87.1, v0.88.0, v0.88.1, v0.89.0, v0.91.0, v0.92.0, v0.93.0, and its CHANGELOG.

// operatorLoad loads one Alertmanager object (spec given) with --operator-version op.
func operatorLoad(t *testing.T, op, spec string, more ...string) (*Set, *Workload) {
	t.Helper()
	text := "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: main, namespace: monitoring}\nspec:\n" + spec
	for _, m := range more {
		text += "---\n" + m
	}
	s, err := LoadWith([]Input{{Name: "am.yaml", Data: []byte(text), Explicit: true}}, Options{OperatorVersion: op})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range s.Workloads {
		if w.Kind == "Alertmanager" {
			return s, w
		}
	}
	t.Fatalf("no Alertmanager workload in %+v", s.Workloads)
	return nil, nil
}

func argValue(w *Workload, name string) (string, bool) {
	if a := w.Arg(name); a != nil {
		return a.Value, true
	}
	return "", false
}

// podMetadata.labels are on the pods (all versions modelled: v0.60.0 copies them too); the
// selector labels are copied last and win.
func TestOperatorPodMetadataLabels(t *testing.T) {
	for _, op := range []string{"v0.60.0", "v0.93.0"} {
		_, w := operatorLoad(t, op, `  replicas: 3
  version: v0.31.1
  podMetadata:
    labels: {app.kubernetes.io/component: alert-router, app.kubernetes.io/part-of: kube-prometheus, alertmanager: other}
`)
		want := map[string]string{
			"app.kubernetes.io/component": "alert-router", "app.kubernetes.io/part-of": "kube-prometheus",
			"alertmanager": "main", "app.kubernetes.io/instance": "main", "app.kubernetes.io/name": "alertmanager",
			"app.kubernetes.io/managed-by": "prometheus-operator",
		}
		for k, v := range want {
			if w.PodLabels[k] != v {
				t.Errorf("%s: label %s=%q, want %q (all %v)", op, k, w.PodLabels[k], v, w.PodLabels)
			}
		}
	}
}

// app.kubernetes.io/version=<Alertmanager version> from v0.85.0; podMetadata overrides it.
func TestOperatorVersionLabel(t *testing.T) {
	for _, c := range []struct{ op, spec, want string }{
		{"v0.84.0", "  version: v0.31.1\n", ""},
		{"v0.85.0", "  version: v0.31.1\n", "0.31.1"},
		{"v0.93.0", "  replicas: 2\n", "0.33.1"}, // the default version
		{"v0.93.0", "  version: v0.31.1\n  podMetadata: {labels: {app.kubernetes.io/version: 0.33.1}}\n", "0.33.1"},
	} {
		_, w := operatorLoad(t, c.op, c.spec)
		if got := w.PodLabels["app.kubernetes.io/version"]; got != c.want {
			t.Errorf("%s %q: version label %q, want %q", c.op, c.spec, got, c.want)
		}
	}
}

// --cluster.label: from v0.69.0 for Alertmanager 0.26+; spec.clusterLabel from v0.71.0.
// --cluster.peer-name=$(POD_NAME): from v0.93.0 for Alertmanager 0.30+.
func TestOperatorGeneratedFlags(t *testing.T) {
	for _, c := range []struct {
		op, spec        string
		label, peerName string // "" = not generated
	}{
		{"v0.68.0", "  version: v0.26.0\n", "", ""},
		{"v0.70.0", "  version: v0.26.0\n", "monitoring/main", ""},
		{"v0.70.0", "  version: v0.25.0\n", "", ""},
		{"v0.70.0", "  version: v0.26.0\n  clusterLabel: team-a\n", "monitoring/main", ""},
		{"v0.71.0", "  version: v0.26.0\n  clusterLabel: team-a\n", "team-a", ""},
		{"v0.92.0", "  version: v0.31.1\n", "monitoring/main", ""},
		{"v0.93.0", "  version: v0.31.1\n", "monitoring/main", "$(POD_NAME)"},
		{"v0.93.0", "  version: v0.29.0\n", "monitoring/main", ""},
		// No spec.version: the release's default Alertmanager decides (v0.76.0 runs 0.27.0).
		{"v0.76.0", "", "monitoring/main", ""},
		{"v0.66.0", "", "", ""},                           // default 0.25.0
		{"v0.93.0", "", "monitoring/main", "$(POD_NAME)"}, // default 0.33.1
		// The image tag does not change what the operator generates (amVersion is spec.version).
		{"v0.93.0", "  image: quay.io/prometheus/alertmanager:v0.25.0\n", "monitoring/main", "$(POD_NAME)"},
	} {
		_, w := operatorLoad(t, c.op, "  replicas: 3\n"+c.spec)
		label, _ := argValue(w, "cluster.label")
		name, _ := argValue(w, "cluster.peer-name")
		if label != c.label || name != c.peerName {
			t.Errorf("%s %q: --cluster.label=%q --cluster.peer-name=%q, want %q %q", c.op, c.spec, label, name, c.label, c.peerName)
		}
	}
}

func TestOperatorPeers(t *testing.T) {
	_, w := operatorLoad(t, "", "  replicas: 2\n  additionalPeers: [am-dr-0.example:9094]\n")
	want := []string{"alertmanager-main-0.alertmanager-operated:9094", "alertmanager-main-1.alertmanager-operated:9094", "am-dr-0.example:9094"}
	if strings.Join(w.Flags.Peers, " ") != strings.Join(want, " ") {
		t.Fatalf("peers %v, want %v", w.Flags.Peers, want)
	}
	if v, _ := argValue(w, "cluster.reconnect-timeout"); v != "5m" {
		t.Fatalf("reconnect-timeout %q", v)
	}
}

// Which release is modelled, and what lint says about it.
func TestOperatorVersionSource(t *testing.T) {
	deploy := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: prometheus-operator, namespace: monitoring}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: prometheus-operator, image: quay.io/prometheus-operator/prometheus-operator:v0.76.0}\n"
	for _, c := range []struct {
		flag   string
		more   []string
		want   string
		source string
		note   string
	}{
		{"", nil, NewestOperator, "newest", ""},
		{"", []string{deploy}, "v0.76.0", "Deployment monitoring/prometheus-operator", ""},
		{"v0.88.0", []string{deploy}, "v0.88.0", "--operator-version", ""},
		{"v0.50.0", nil, "v0.50.0", "--operator-version", "modelled as v0.60.0"},
		{"0.99.0", nil, "0.99.0", "--operator-version", "modelled as " + NewestOperator},
	} {
		s, w := operatorLoad(t, c.flag, "  replicas: 3\n", c.more...)
		op := s.Operator
		if op == nil || op.Version != c.want || !strings.Contains(op.Source, c.source) || !strings.Contains(op.Note, c.note) || (c.note == "") != (op.Note == "") {
			t.Errorf("flag %q: operator %+v, want %s from %q note %q", c.flag, op, c.want, c.source, c.note)
		}
		// Only v0.93.0 (and what is modelled as it) generates --cluster.peer-name.
		_, named := argValue(w, "cluster.peer-name")
		if named != (c.want == NewestOperator || c.want == "0.99.0") {
			t.Errorf("flag %q: --cluster.peer-name generated=%v", c.flag, named)
		}
	}
	if _, err := ParseOperatorVersion("latest"); err == nil {
		t.Fatal("latest accepted as a version")
	}
	s := load(t, "sts.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: x}\n")
	if s.Operator != nil {
		t.Fatalf("no Alertmanager object, yet an operator: %+v", s.Operator)
	}
}

// A StatefulSet the operator generated, given with its Alertmanager object (status reads both
// live), is that object's pods: not a second cluster, and its labels and flags are the truth.
func TestOperatorGeneratedStatefulSet(t *testing.T) {
	sts := `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: alertmanager-main
  namespace: monitoring
  ownerReferences: [{apiVersion: monitoring.coreos.com/v1, kind: Alertmanager, name: main, controller: true}]
spec:
  replicas: 3
  template:
    metadata:
      labels: {alertmanager: main, app.kubernetes.io/instance: main, app.kubernetes.io/name: alertmanager, app.kubernetes.io/managed-by: prometheus-operator, team: sre}
    spec:
      containers:
      - name: alertmanager
        image: quay.io/prometheus/alertmanager:v0.31.1
        args: ["--cluster.listen-address=[$(POD_IP)]:9094", --cluster.label=monitoring/main]
`
	s, w := operatorLoad(t, "", "  replicas: 3\n  version: v0.31.1\n", sts)
	if len(s.Workloads) != 1 {
		t.Fatalf("%d workloads, want the Alertmanager object's alone", len(s.Workloads))
	}
	if w.PodLabels["team"] != "sre" {
		t.Fatalf("pod labels %v, want the generated template's", w.PodLabels)
	}
	// The generated args carry no --cluster.peer-name (an operator older than v0.93): none is modelled.
	if _, named := argValue(w, "cluster.peer-name"); named {
		t.Fatal("--cluster.peer-name modelled although the generated StatefulSet has none")
	}
	if got := s.Operator.Generated; len(got) != 1 || !strings.Contains(got[0], "alertmanager-main") {
		t.Fatalf("generated %v", got)
	}
}

// kube-prometheus' PodDisruptionBudget and NetworkPolicy select the pods by podMetadata labels
// (app.kubernetes.io/part-of, app.kubernetes.io/component): they select them.
func TestOperatorKubePrometheusSelectors(t *testing.T) {
	s := loadTestdata(t, "k8s", "kube-prometheus-alertmanager.yaml")
	for _, f := range Run(s) {
		switch f.ID {
		case "k8s/pdb", "cluster/insecure-gossip", "k8s/mesh-port-udp":
			t.Errorf("false %s on kube-prometheus: %s", f.ID, f.Message)
		}
	}
	// The same without podMetadata: nothing selects the pods any more, and lint says so.
	text := strings.Replace(testdataText(t, "k8s", "kube-prometheus-alertmanager.yaml"), "  podMetadata:\n", "  podMetadataGone:\n", 1)
	s2, err := Load([]Input{{Name: "no-podmetadata.yaml", Data: []byte(text), Explicit: true}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range Run(s2) {
		got[f.ID] = true
		// The budget that selects nothing is named, with its selector.
		if f.ID == "k8s/pdb" && !strings.Contains(f.Message, "PodDisruptionBudget monitoring/alertmanager-main (selector app.kubernetes.io/component=alert-router,") {
			t.Errorf("k8s/pdb does not name the budget that misses the pods: %s", f.Message)
		}
	}
	if !got["k8s/pdb"] || !got["cluster/insecure-gossip"] {
		t.Fatalf("without podMetadata labels the PDB and policy select nothing; findings %v", got)
	}
}

// Fixes name what the modelled release has: spec.clusterLabel only from v0.71.0, and
// spec.minReadySeconds as the start delay only from v0.88.0.
func TestOperatorFixesFollowTheRelease(t *testing.T) {
	fix := func(op, id string) string {
		t.Helper()
		s, _ := operatorLoad(t, op, "  replicas: 3\n  version: v0.31.1\n")
		for _, f := range Run(s) {
			if f.ID == id {
				return f.Fix
			}
		}
		t.Fatalf("%s: no %s", op, id)
		return ""
	}
	if f := fix("v0.60.0", "cluster/label-missing"); strings.Contains(f, "spec.clusterLabel") || !strings.Contains(f, "spec.additionalArgs") {
		t.Errorf("v0.60.0 label fix: %s", f)
	}
	if f := fix("v0.87.1", "k8s/start-delay"); strings.Contains(f, "Set spec.minReadySeconds") || !strings.Contains(f, "additionalArgs: [{name: dispatch.start-delay") {
		t.Errorf("v0.87.1 start-delay fix: %s", f)
	}
	if f := fix("v0.93.0", "k8s/start-delay"); !strings.Contains(f, "Set spec.minReadySeconds: 120") || strings.Contains(f, "waits as long per pod") || !strings.Contains(f, "seconds apart") {
		t.Errorf("v0.93.0 start-delay fix: %s", f)
	}
}

// A NetworkPolicy that allows the mesh by the operator's port names (mesh-tcp, mesh-udp) lets
// the replicas reach each other: the operator's pods have those ports.
func TestOperatorNamedMeshPorts(t *testing.T) {
	text := testdataText(t, "k8s", "kube-prometheus-alertmanager.yaml")
	named := strings.Replace(strings.Replace(text, "    - port: 9094\n      protocol: TCP", "    - port: mesh-tcp\n      protocol: TCP", 1),
		"    - port: 9094\n      protocol: UDP", "    - port: mesh-udp\n      protocol: UDP", 1)
	if named == text || strings.Contains(named, "port: 9094") {
		t.Fatal("the policy's mesh ports were not renamed")
	}
	for name, in := range map[string]string{"named": named, "misnamed": strings.ReplaceAll(named, "mesh-", "gossip-")} {
		s, err := Load([]Input{{Name: name + ".yaml", Data: []byte(in), Explicit: true}})
		if err != nil {
			t.Fatal(err)
		}
		blocked := false
		for _, f := range Run(s) {
			blocked = blocked || f.ID == "k8s/mesh-port-blocked"
		}
		if blocked != (name == "misnamed") {
			t.Errorf("%s ports: k8s/mesh-port-blocked %v", name, blocked)
		}
	}
}
