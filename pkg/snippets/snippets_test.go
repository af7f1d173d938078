package snippets

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"

	"github.com/amha-dev/kubectl-amha/internal/golden"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// specs are the descriptions every property is checked on.
func specs() map[string]Spec {
	zones := DefaultSpec()
	zones.Zones = []string{"a", "b", "c"}
	zones.Timing.PeerTimeout = 30 * time.Second
	two := DefaultSpec()
	two.Replicas, two.Namespace, two.Name, two.Version = 2, "obs", "alerts", "v0.34.2"
	two.Timing = timing.Params{PeerTimeout: 3 * time.Second, GroupWait: 10 * time.Second, ReceiverLatency: 5 * time.Second}
	one := DefaultSpec()
	one.Replicas = 1
	old := DefaultSpec()
	old.Version, old.Replicas = "v0.27.0", 5
	return map[string]Spec{"default": DefaultSpec(), "zones": zones, "two": two, "one": one, "old": old}
}

func TestSnippetGolden(t *testing.T) {
	for name, s := range map[string]Spec{"default": specs()["default"], "zones": specs()["zones"]} {
		all, err := Generate(s)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := WriteText(&b, all); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join("testdata", name+".txt"), b.Bytes(), *update)
	}
}

// decodeStrict decodes one YAML document into v, rejecting unknown fields.
func decodeStrict(doc string, v any) error {
	j, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(j))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

func splitDocs(s string) []string {
	var out []string
	for _, d := range strings.Split(s, "\n---\n") {
		if strings.TrimSpace(stripComments(d)) != "" {
			out = append(out, d)
		}
	}
	return out
}

func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func TestSnippetKubernetesObjectsDecodeStrictly(t *testing.T) {
	for name, s := range specs() {
		all, err := Generate(s)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		kinds := map[string]int{}
		for _, sn := range all {
			if sn.ID != "statefulset" && sn.ID != "alertmanager-operator" && sn.ID != "prometheus-operator" {
				continue
			}
			for _, d := range splitDocs(sn.Content) {
				var tm struct{ Kind string }
				if err := yaml.Unmarshal([]byte(d), &tm); err != nil {
					t.Fatalf("%s/%s: %v", name, sn.ID, err)
				}
				var obj any
				switch tm.Kind {
				case "StatefulSet":
					obj = &appsv1.StatefulSet{}
				case "Service":
					obj = &corev1.Service{}
				case "ConfigMap":
					obj = &corev1.ConfigMap{}
				case "Secret":
					obj = &corev1.Secret{}
				case "PodDisruptionBudget":
					obj = &policyv1.PodDisruptionBudget{}
				case "NetworkPolicy":
					obj = &networkingv1.NetworkPolicy{}
				case "Alertmanager":
					obj = &alertmanagerCR{}
				case "Prometheus":
					obj = &prometheusCR{}
				default:
					t.Fatalf("%s/%s: unexpected kind %q", name, sn.ID, tm.Kind)
				}
				if err := decodeStrict(d, obj); err != nil {
					t.Errorf("%s/%s %s: %v", name, sn.ID, tm.Kind, err)
				}
				kinds[sn.ID+"/"+tm.Kind]++
				for _, noise := range []string{"creationTimestamp", "status:", ": null", ": {}", `: ""`} {
					if strings.Contains(stripComments(d), noise) {
						t.Errorf("%s/%s %s: zero-value noise %q", name, sn.ID, tm.Kind, noise)
					}
				}
				if ss, ok := obj.(*appsv1.StatefulSet); ok {
					checkStatefulSet(t, name, s, ss)
				}
			}
		}
		wantKinds := []string{"statefulset/StatefulSet", "statefulset/Service", "statefulset/ConfigMap", "alertmanager-operator/Alertmanager", "prometheus-operator/Prometheus"}
		if s.Replicas > 1 {
			wantKinds = append(wantKinds, "statefulset/PodDisruptionBudget", "statefulset/NetworkPolicy", "alertmanager-operator/PodDisruptionBudget", "alertmanager-operator/NetworkPolicy")
		}
		for _, k := range wantKinds {
			if kinds[k] != 1 {
				t.Errorf("%s: %d of %s, want 1", name, kinds[k], k)
			}
		}
	}
}

func checkStatefulSet(t *testing.T, name string, s Spec, ss *appsv1.StatefulSet) {
	t.Helper()
	if *ss.Spec.Replicas != int32(s.Replicas) || ss.Spec.PodManagementPolicy != appsv1.ParallelPodManagement || ss.Spec.ServiceName != s.Service() {
		t.Errorf("%s: StatefulSet replicas/policy/service wrong: %+v", name, ss.Spec)
	}
	args := strings.Join(ss.Spec.Template.Spec.Containers[0].Args, " ")
	if s.Replicas == 1 {
		if !strings.Contains(args, "--cluster.listen-address= ") && !strings.HasSuffix(args, "--cluster.listen-address=") {
			t.Errorf("%s: one replica should turn clustering off: %s", name, args)
		}
		return
	}
	for i := range s.Replicas {
		if !strings.Contains(args, fmt.Sprintf("--cluster.peer=%s.%s:9094", s.Pod(i), s.Service())) {
			t.Errorf("%s: no --cluster.peer for replica %d: %s", name, i, args)
		}
	}
	for _, want := range []string{"--cluster.listen-address=[$(POD_IP)]:9094", "--cluster.advertise-address=$(POD_IP):9094",
		"--cluster.label=" + s.Label(), "--cluster.reconnect-timeout=5m"} {
		if !strings.Contains(args, want) {
			t.Errorf("%s: %s missing: %s", name, want, args)
		}
	}
	if got := strings.Contains(args, "--cluster.peer-name=$(POD_NAME)"); got != (s.minor() >= 30) {
		t.Errorf("%s: --cluster.peer-name present %v on %s", name, got, s.Version)
	}
	if len(ss.Spec.VolumeClaimTemplates) != 1 || len(ss.Spec.Template.Spec.TopologySpreadConstraints) != 2 {
		t.Errorf("%s: storage or spread missing", name)
	}
}

// promConfig is the part of prometheus.yml the alerting snippets may use.
type promConfig struct {
	Alerting struct {
		AlertRelabelConfigs []relabel `json:"alert_relabel_configs"`
		Alertmanagers       []struct {
			APIVersion          string `json:"api_version"`
			KubernetesSDConfigs []struct {
				Role       string `json:"role"`
				Namespaces struct {
					Names []string `json:"names"`
				} `json:"namespaces"`
			} `json:"kubernetes_sd_configs"`
			StaticConfigs []struct {
				Targets []string `json:"targets"`
			} `json:"static_configs"`
			DNSSDConfigs []struct {
				Names           []string `json:"names"`
				Type            string   `json:"type"`
				Port            int      `json:"port"`
				RefreshInterval string   `json:"refresh_interval"`
			} `json:"dns_sd_configs"`
			RelabelConfigs []relabel `json:"relabel_configs"`
		} `json:"alertmanagers"`
	} `json:"alerting"`
}

type relabel struct {
	SourceLabels []string `json:"source_labels"`
	Regex        string   `json:"regex"`
	Action       string   `json:"action"`
}

func TestSnippetPrometheusAlerting(t *testing.T) {
	for name, s := range specs() {
		all, _ := Generate(s)
		for _, sn := range all {
			if !strings.HasPrefix(sn.ID, "prometheus-") || sn.ID == "prometheus-operator" {
				continue
			}
			var c promConfig
			if err := decodeStrict(sn.Content, &c); err != nil {
				t.Fatalf("%s/%s: %v", name, sn.ID, err)
			}
			a := c.Alerting
			if len(a.AlertRelabelConfigs) != 1 || a.AlertRelabelConfigs[0].Action != "labeldrop" {
				t.Errorf("%s/%s: no replica labeldrop", name, sn.ID)
			}
			am := a.Alertmanagers[0]
			switch sn.ID {
			case "prometheus-endpoints":
				if am.KubernetesSDConfigs[0].Role != "endpoints" || len(am.RelabelConfigs) != 2 ||
					am.RelabelConfigs[1].Regex != "web" || am.RelabelConfigs[1].Action != "keep" {
					t.Errorf("%s: endpoints discovery does not keep only the web port: %+v", name, am)
				}
			case "prometheus-static":
				if len(am.StaticConfigs[0].Targets) != s.Replicas {
					t.Errorf("%s: %d static targets for %d replicas", name, len(am.StaticConfigs[0].Targets), s.Replicas)
				}
			case "prometheus-dns":
				if am.DNSSDConfigs[0].Port != 9093 || am.DNSSDConfigs[0].Type != "A" {
					t.Errorf("%s: dns_sd %+v", name, am.DNSSDConfigs[0])
				}
			}
		}
	}
}

// amConfig is the part of alertmanager.yml the watchdog route uses. The upstream loader
// (github.com/prometheus/alertmanager/config) is not a dependency yet: it pulls in every
// receiver's SDK.
type amConfig struct {
	Route     amRoute `json:"route"`
	Receivers []struct {
		Name           string `json:"name"`
		WebhookConfigs []struct {
			URL          string `json:"url"`
			SendResolved bool   `json:"send_resolved"`
		} `json:"webhook_configs"`
	} `json:"receivers"`
}

type amRoute struct {
	Receiver       string    `json:"receiver"`
	GroupBy        []string  `json:"group_by"`
	Matchers       []string  `json:"matchers"`
	GroupWait      string    `json:"group_wait"`
	GroupInterval  string    `json:"group_interval"`
	RepeatInterval string    `json:"repeat_interval"`
	Routes         []amRoute `json:"routes"`
}

func TestSnippetAlertmanagerConfig(t *testing.T) {
	for name, s := range specs() {
		c, err := watchdogRoute(s)
		if err != nil {
			t.Fatal(err)
		}
		var cfg amConfig
		if err := decodeStrict(c, &cfg); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, c)
		}
		receivers := map[string]bool{}
		for _, r := range cfg.Receivers {
			receivers[r.Name] = true
		}
		if len(cfg.Route.Routes) != 1 || cfg.Route.Routes[0].Receiver != "deadmansswitch" || !receivers["deadmansswitch"] || !receivers[cfg.Route.Receiver] {
			t.Fatalf("%s: no dead-man's switch route: %+v", name, cfg)
		}
		w := cfg.Route.Routes[0]
		gi, err1 := time.ParseDuration(w.GroupInterval)
		repeat, err2 := time.ParseDuration(w.RepeatInterval)
		if err1 != nil || err2 != nil || repeat <= s.Params().LastWait() || repeat >= gi || gi-repeat != 10*time.Second {
			t.Errorf("%s: watchdog repeat %s, group_interval %s, last wait %s", name, w.RepeatInterval, w.GroupInterval, s.Params().LastWait())
		}
		if len(w.Matchers) != 1 || w.Matchers[0] != `alertname = "Watchdog"` {
			t.Errorf("%s: matchers %q", name, w.Matchers)
		}
	}
}

func TestSnippetWatchdogRule(t *testing.T) {
	r, _ := watchdogRule(DefaultSpec())
	var rf struct {
		Groups []struct {
			Name  string `json:"name"`
			Rules []struct {
				Alert       string            `json:"alert"`
				Expr        string            `json:"expr"`
				Labels      map[string]string `json:"labels"`
				Annotations map[string]string `json:"annotations"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := decodeStrict(r, &rf); err != nil {
		t.Fatal(err)
	}
	if rf.Groups[0].Rules[0].Alert != "Watchdog" || rf.Groups[0].Rules[0].Expr != "vector(1)" {
		t.Errorf("rule %+v", rf)
	}
}

func TestSnippetValidate(t *testing.T) {
	bad := map[string]func(*Spec){
		"replicas":     func(s *Spec) { s.Replicas = 0 },
		"namespace":    func(s *Spec) { s.Namespace = "Monitoring" },
		"name":         func(s *Spec) { s.Name = "a_b" },
		"long name":    func(s *Spec) { s.Name = strings.Repeat("x", 60) },
		"version":      func(s *Spec) { s.Version = "latest" },
		"old version":  func(s *Spec) { s.Version = "v0.25.0" },
		"zones twice":  func(s *Spec) { s.Zones = []string{"a", "a"} },
		"empty zone":   func(s *Spec) { s.Zones = []string{""} },
		"peer-timeout": func(s *Spec) { s.Timing.PeerTimeout = -time.Second },
	}
	for name, f := range bad {
		s := DefaultSpec()
		f(&s)
		if _, err := Generate(s); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Select(nil, []string{"nope"}); err == nil {
		t.Error("unknown --only: no error")
	}
	all, _ := Generate(DefaultSpec())
	got, _ := Select(all, []string{"prometheus", "scenarios"})
	if len(got) != 5 {
		t.Errorf("select prometheus,scenarios: %d snippets", len(got))
	}
}

func TestSnippetWriteFiles(t *testing.T) {
	all, _ := Generate(DefaultSpec())
	dir := filepath.Join(t.TempDir(), "out")
	paths, err := WriteFiles(dir, all)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(paths) != len(all) || len(entries) != len(all) {
		t.Fatalf("%d paths, %d entries, want %d", len(paths), len(entries), len(all))
	}
	if fi, _ := os.Stat(filepath.Join(dir, "mesh-check.sh")); fi.Mode()&0o100 == 0 {
		t.Error("mesh-check.sh is not executable")
	}

	// A directory where a file should go: nothing is written, the new dir is gone.
	dir2 := filepath.Join(t.TempDir(), "out")
	os.MkdirAll(filepath.Join(dir2, "scenarios-blocker"), 0o755)
	blocked := append([]Snippet(nil), all...)
	blocked[len(blocked)-1].File = "scenarios-blocker"
	if _, err := WriteFiles(dir2, blocked); err == nil {
		t.Fatal("no error")
	}
	entries, _ = os.ReadDir(dir2)
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
	// A plain file where the directory should go.
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := WriteFiles(file, all); err == nil {
		t.Error("no error writing into a file")
	}
}

// status is a replica's /api/v2/status with the given members.
func status(state, self string, members ...string) string {
	var peers []string
	for _, m := range members {
		peers = append(peers, fmt.Sprintf(`{"name":%q,"address":"10.0.0.1:9094"}`, m))
	}
	return fmt.Sprintf(`{"cluster":{"name":%q,"status":%q,"peers":[%s]},"config":{"original":""},"uptime":"2026-01-01T00:00:00Z","versionInfo":{"version":"0.31.1"}}`,
		self, state, strings.Join(peers, ","))
}

func TestSnippetMeshCheckScript(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	script := filepath.Join(t.TempDir(), "mesh-check.sh")
	c, _ := meshCheck(DefaultSpec())
	os.WriteFile(script, []byte(c), 0o755)
	if out, err := exec.Command("bash", "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	names := []string{"alertmanager-main-0", "alertmanager-main-1", "alertmanager-main-2"}
	type replica struct{ status, failed string }
	healthy := func() []replica {
		return []replica{
			{status("ready", names[0], names...), "0"}, {status("ready", names[1], names...), "0"}, {status("ready", names[2], names...), "0"},
		}
	}
	cases := map[string]struct {
		replicas []replica
		down     int // index of a replica that does not answer, -1 none
		want     int
	}{
		"healthy":  {healthy(), -1, 0},
		"settling": {func() []replica { r := healthy(); r[1].status = status("settling", names[1], names...); return r }(), -1, 1},
		"island": {[]replica{
			{status("ready", names[0], names[0], names[1]), "1"}, {status("ready", names[1], names[0], names[1]), "1"},
			{status("ready", names[2], names[2]), "2"}}, -1, 1},
		"foreign member, right count": {[]replica{
			{status("ready", names[0], names[0], names[1], "stranger"), "0"}, {status("ready", names[1], names[0], names[1], "stranger"), "0"},
			{status("ready", names[2], names[0], names[1], "stranger"), "0"}}, -1, 1},
		"failed peers":     {func() []replica { r := healthy(); r[0].failed = "1"; return r }(), -1, 1},
		"one down":         {healthy(), 2, 1},
		"not alertmanager": {func() []replica { r := healthy(); r[0].status = `[1,2]`; return r }(), -1, 1},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var urls []string
			for i, r := range tc.replicas {
				mux := http.NewServeMux()
				mux.HandleFunc("/api/v2/status", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, r.status) })
				mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
					fmt.Fprintf(w, "# HELP alertmanager_cluster_failed_peers Number indicating the current number of failed peers in the cluster.\n"+
						"# TYPE alertmanager_cluster_failed_peers gauge\nalertmanager_cluster_failed_peers %s\nalertmanager_cluster_members 3\n", r.failed)
				})
				srv := httptest.NewServer(mux)
				t.Cleanup(srv.Close)
				if i == tc.down {
					srv.Close()
				}
				urls = append(urls, srv.URL)
			}
			cmd := exec.Command("bash", append([]string{script}, urls...)...)
			out, err := cmd.CombinedOutput()
			code := 0
			if e, ok := err.(*exec.ExitError); ok {
				code = e.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.want {
				t.Errorf("exit %d, want %d\n%s", code, tc.want, out)
			}
		})
	}
	// Wrong number of URLs: could not check.
	if err := exec.Command("bash", script, "http://127.0.0.1:1").Run(); err == nil || err.(*exec.ExitError).ExitCode() != 2 {
		t.Errorf("one URL for three replicas: %v, want exit 2", err)
	}
}
