package lint

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func load(t *testing.T, name, text string) *Set {
	t.Helper()
	s, err := Load([]Input{{Name: name, Data: []byte(text), Explicit: true}})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

func TestLoadListAndPositions(t *testing.T) {
	s := load(t, "list.yaml", `apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: StatefulSet
  metadata:
    name: am
    namespace: mon
  spec:
    replicas: 2
    template:
      spec:
        containers:
        - name: alertmanager
          image: quay.io/prometheus/alertmanager:v0.31.1
          args: ["--cluster.peer=am-0.am:9094", "--cluster.peer-timeout=30s"]
`)
	if len(s.Objects) != 1 || len(s.Workloads) != 1 {
		t.Fatalf("objects %d workloads %d", len(s.Objects), len(s.Workloads))
	}
	w := s.Workloads[0]
	if w.Replicas != 2 || w.Version != "v0.31.1" || w.Flags.EffectivePeerTimeout().String() != "30s" {
		t.Fatalf("workload %+v", w)
	}
	l := w.Arg("cluster.peer-timeout").At.Loc()
	if l.String() != "list.yaml:16:49 StatefulSet mon/am spec.template.spec.containers[0].args[1]" {
		t.Fatalf("location %q", l)
	}
}

// An alertmanager.yml in a ConfigMap keeps the positions of the file around it.
func TestLoadEmbeddedPositions(t *testing.T) {
	s := load(t, "cm.yaml", `apiVersion: v1
kind: ConfigMap
metadata:
  name: am-config
data:
  alertmanager.yml: |
    route:
      receiver: team
    receivers:
    - name: team
      webhook_configs:
      - url: http://hook
`)
	if len(s.AMConfigs) != 1 {
		t.Fatalf("%d alertmanager configs", len(s.AMConfigs))
	}
	n := s.AMConfigs[0].Root.Get("receivers", 0, "webhook_configs", 0, "url")
	if l := n.Loc(); l.File != "cm.yaml" || l.Line != 12 || l.Column != 14 {
		t.Fatalf("url at %s, want cm.yaml:12:14", l)
	}
}

func TestLoadCommandLines(t *testing.T) {
	s := load(t, "am.service", `[Unit]
Description=Alertmanager

[Service]
ExecStart=/usr/local/bin/alertmanager \
  --config.file=/etc/alertmanager/alertmanager.yml \
  --cluster.listen-address=10.0.0.1:9094 \
  --cluster.peer=10.0.0.2:9094 --cluster.peer "10.0.0.3:9094"
`)
	if len(s.Workloads) != 1 {
		t.Fatalf("%d workloads", len(s.Workloads))
	}
	w := s.Workloads[0]
	if got := w.Flags.Peers; len(got) != 2 || got[1] != "10.0.0.3:9094" {
		t.Fatalf("peers %v", got)
	}
	if l := w.Arg("cluster.listen-address").At.Loc(); l.Line != 7 || l.Column != 3 {
		t.Fatalf("listen-address at %s", l)
	}
	if l := w.ArgsNamed("cluster.peer")[1].At.Loc(); l.Line != 8 || l.Column != 32 {
		t.Fatalf("second peer at %s", l)
	}

	s = load(t, "compose.yml", `services:
  am1:
    image: prom/alertmanager:v0.31.1
    command:
    - --cluster.listen-address=0.0.0.0:9094
    - --cluster.peer=am2:9094
  am2:
    image: prom/alertmanager:v0.31.1
    command: --cluster.listen-address=0.0.0.0:9094 --cluster.peer=am1:9094
  web:
    image: nginx
`)
	if len(s.Workloads) != 2 || s.Clusters()[0].Replicas() != 2 {
		t.Fatalf("compose: %d workloads", len(s.Workloads))
	}
	if p := s.Workloads[1].Flags.Peers; len(p) != 1 || p[0] != "am1:9094" {
		t.Fatalf("compose string command peers %v", p)
	}

	s = load(t, "am-0.args", "# replica 0\n--cluster.listen-address=10.0.0.1:9094\n--cluster.peer=10.0.0.2:9094\n")
	if len(s.Workloads) != 1 || s.Workloads[0].Arg("cluster.peer").At.Loc().Line != 3 {
		t.Fatalf("args file: %+v", s.Workloads)
	}
}

func TestLoadOperatorObject(t *testing.T) {
	s := load(t, "am.yaml", `apiVersion: monitoring.coreos.com/v1
kind: Alertmanager
metadata:
  name: main
  namespace: monitoring
spec:
  replicas: 3
  version: v0.31.1
  clusterPeerTimeout: 30s
`)
	w := s.Workloads[0]
	if w.Kind != "Alertmanager" || len(w.Flags.Peers) != 3 || *w.Flags.Label != "monitoring/main" || w.Flags.EffectivePeerTimeout().String() != "30s" {
		t.Fatalf("operator workload %+v flags %+v", w, w.Flags)
	}
	if !w.Clustered() {
		t.Fatal("3 replicas: clustering on")
	}
	one := load(t, "am1.yaml", "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: x}\nspec: {}\n")
	if one.Workloads[0].Clustered() {
		t.Fatal("operator turns clustering off for one replica")
	}
}

func TestLoadBadInput(t *testing.T) {
	for _, c := range []struct {
		name, text, want string
		line             int
	}{
		{"broken.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: [x\n", "malformed YAML", 4},
		{"tabs.yaml", "a:\n\tb: 1\n", "malformed YAML", 2},
		{"unknown.yaml", "apiVersion: v1\nkind: Service\n---\nfoo: bar\n", "document 2 is not something lint reads", 4},
		{"binary.bin", "abc\x00def", "binary data", 0},
		{"latin1.txt", "caf\xe9", "not UTF-8", 0},
		{"empty.yaml", "", "empty", 0},
		{"listnokind.yaml", "apiVersion: v1\nkind: List\nitems:\n- foo: 1\n", "without kind", 4},
		{"prose.txt", "hello world\n", "not something lint reads", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			ins, rerr := ReadInputs([]string{"-"}, strings.NewReader(c.text))
			if rerr != nil {
				err = rerr
			} else {
				ins[0].Name = c.name
				_, err = Load(ins)
			}
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) || ie.Line != c.line {
				t.Fatalf("error %v (line %v), want %q at line %d", err, ie, c.want, c.line)
			}
		})
	}
	big := strings.NewReader(strings.Repeat("a: b\n", MaxInputSize/5+1))
	if _, err := ReadInputs([]string{"-"}, big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("huge input: %v", err)
	}
	if _, err := ReadInputs([]string{"/nonexistent/x.yaml"}, nil); err == nil || !strings.Contains(err.Error(), "/nonexistent/x.yaml") {
		t.Fatalf("missing file: %v", err)
	}
}

// A directory walk reads the lintable files and lists those it cannot classify.
func TestReadDirectory(t *testing.T) {
	d := t.TempDir()
	write := func(name, text string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(d, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a/svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n")
	write("a/values.yaml", "replicaCount: 3\n")
	write("b/notes.md", "not read")
	write(".git/x.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: hidden}\n")
	ins, err := ReadInputs([]string{d}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(ins)
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 2 || len(s.Objects) != 1 || len(s.Skipped) != 1 || !strings.HasSuffix(s.Skipped[0], "values.yaml") {
		t.Fatalf("inputs %d objects %d skipped %v", len(ins), len(s.Objects), s.Skipped)
	}
}

func FuzzLoad(f *testing.F) {
	// Small seeds: the mutator explores thousands of inputs a second from these; whole
	// manifests (tested elsewhere) left it at a dozen executions in a minute.
	f.Add([]byte("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: am}\nspec:\n  replicas: 3\n  template:\n    spec:\n" +
		"      containers:\n      - name: alertmanager\n        args: [--cluster.peer=am-0.am:9094, --cluster.label=$(NS)/am]\n"))
	f.Add([]byte("apiVersion: v1\nkind: Service\nmetadata: {name: am}\nspec:\n  clusterIP: None\n  ports: [{port: 9094, protocol: UDP}]\n"))
	f.Add([]byte("apiVersion: v1\nkind: Secret\ndata:\n  alertmanager.yaml: cm91dGU6IHtyZWNlaXZlcjogeH0K\n"))
	f.Add([]byte("[Service]\nExecStart=alertmanager --cluster.peer=a:9094 \\\n --cluster.listen-address=\n"))
	f.Add([]byte("services:\n  am:\n    image: prom/alertmanager\n    command: --cluster.peer='a b'\n"))
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\ndata:\n  a.yml: |\n    route: {receiver: x}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if textOnly(b) != nil {
			return
		}
		s, err := Load([]Input{{Name: "fuzz", Data: b, Explicit: true}})
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error is not an InputError: %v", err)
			}
			return
		}
		Run(s)
	})
}

// yaml.v3 prints parser errors 0-based and scanner errors 1-based: both come out as the
// 1-based line the user sees in an editor.
func TestYAMLErrorLines(t *testing.T) {
	for _, c := range []struct {
		text string
		line int
	}{
		{"a: 1\nb:\n  - x\n  y: 2\n", 3},    // parser: the sequence missing a "-" starts on line 3
		{"a: 1\nb: [1, 2\nc: 3\n", 2},       // parser: flow sequence opened on line 2
		{"a: 1\nb: 2\n\tc: 3\n", 2},         // scanner: the scalar the tab continues starts on line 2
		{"a: 1\nb: 2\nc: d: e\n", 3},        // scanner: mapping values not allowed
		{"a: 1\n---\nb: 1\nb:\n  - [\n", 6}, // parser: end of input
	} {
		_, err := Load([]Input{{Name: "x.yaml", Data: []byte(c.text), Explicit: true}})
		var ie *InputError
		if !errors.As(err, &ie) || ie.Line != c.line {
			t.Errorf("%q: error %v, want line %d", c.text, err, c.line)
		}
	}
}

// A .yaml file that does not parse is reported as broken YAML, even when it holds Alertmanager
// flags (a manifest's args written as a flow list with brackets in a value).
func TestLoadBrokenYAMLWithFlags(t *testing.T) {
	text := "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: am}\nspec:\n  template:\n    spec:\n      containers:\n      - name: alertmanager\n        args: [--cluster.listen-address=[$(POD_IP)]:9094, --cluster.label=x]\n"
	_, err := Load([]Input{{Name: "am.yaml", Data: []byte(text), Explicit: true}})
	var ie *InputError
	if !errors.As(err, &ie) || ie.File != "am.yaml" || ie.Line != 9 || !strings.Contains(err.Error(), "YAML") {
		t.Fatalf("want a YAML error at am.yaml:9, got %v", err)
	}
	// The same words in an args file are arguments.
	s := load(t, "am.args", "--cluster.listen-address=[$(POD_IP)]:9094\n--cluster.label=x\n")
	if len(s.Workloads) != 1 || s.Workloads[0].Kind != "Command" {
		t.Fatalf("args file: %+v", s.Workloads)
	}
}
