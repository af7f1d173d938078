package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// clusterTestdata holds the inputs of the cluster/* tests; a directory is read as a VM
// install (its files are command lines of one cluster).
const clusterTestdata = "testdata/cluster"

func clusterTestSet(t *testing.T, name string) *Set {
	t.Helper()
	ins, err := ReadInputs([]string{filepath.Join(clusterTestdata, name)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(ins)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func clusterTestRun(t *testing.T, s *Set, id string) []model.Finding {
	t.Helper()
	for _, c := range clusterChecks() {
		if c.ID() == id {
			return c.Run(s)
		}
	}
	t.Fatalf("no check %s", id)
	return nil
}

func clusterTestDescribe(fs []model.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\n  %s %s at %v: %s", f.Severity, f.ID, f.Locations, f.Message)
	}
	return b.String()
}

// clusterTestSentence: a finding's message starts with a capital letter and ends with a period.
func clusterTestSentence(msg string) bool {
	r, _ := utf8.DecodeRuneInString(msg)
	return unicode.IsUpper(r) && strings.HasSuffix(msg, ".")
}

func TestClusterChecksFire(t *testing.T) {
	for _, tc := range []struct {
		input, id string
		sev       model.Severity
		at        string // line:column of the first location
		phrase    string
	}{
		{"disabled-3-replicas.yaml", "cluster/disabled", model.Error, "38:11", "Clustering is disabled"},
		{"peers-none-3-replicas.yaml", "cluster/peers-missing", model.Error, "24:9", "no replica has a --cluster.peer"},
		{"peers-missing-ordinal.yaml", "cluster/peers-missing", model.Warning, "31:11", "alertmanager-2 of the 3 pods is not listed"},
		{"peers-bare-pod-names.yaml", "cluster/peers-missing", model.Error, "22:11", "alertmanager-0:9094, alertmanager-1:9094 do not resolve"},
		{"peer-clusterip-service.yaml", "cluster/peer-is-load-balancer", model.Error, "56:11", "does not even expose port 9094"},
		{"peer-clusterip-and-pods.yaml", "cluster/peer-is-load-balancer", model.Warning, "55:11", "the virtual IP stays in alertmanager_cluster_failed_peers and is re-joined every 10s until --cluster.reconnect-timeout (6h by default)"},
		{"advertise-pod-name.yaml", "cluster/advertise-hostname", model.Error, "26:11", "$(POD_NAME) is the pod's metadata.name"},
		{"listen-hostname", "cluster/listen-hostname", model.Error, "7:3", "advertises the unroutable [::]:9094"},
		{"helm-chart-defaults.yaml", "cluster/label-missing", model.Warning, "125:9", "No --cluster.label in a cluster of 3 replicas"},
		{"inconsistent-peer-timeout", "cluster/inconsistent-flags", model.Warning, "5:1", "--cluster.peer-timeout differs"},
		{"inconsistent-label.yaml", "cluster/inconsistent-flags", model.Error, "10:7", "--cluster.label differs"},
		{"zero-interval-v034.yaml", "cluster/zero-interval", model.Error, "24:11", "Options.ReconnectInterval must be positive"},
		{"zero-interval-v031.yaml", "cluster/zero-interval", model.Warning, "25:11", "upgrading with this flag takes the replicas down"},
		{"zero-interval-resolve-v031.yaml", "cluster/zero-interval", model.Warning, "26:11", "The joins still work, since memberlist resolves the name itself"},
		{"helm-chart-defaults.yaml", "cluster/reconnect-timeout", model.Warning, "125:9", "left at the default 6h"},
		{"receiver-timeout-above-peer-timeout.yaml", "cluster/peer-timeout-vs-receiver", model.Warning, "20:18", "up to 3 notifications for one with 3 replicas"},
		{"wait-exceeds-repeat.yaml", "cluster/wait-exceeds-repeat", model.Error, "18:26", "(3-1) × 3m peer timeout = 6m"},
		{"wait-exceeds-repeat.yaml", "cluster/wait-exceeds-repeat", model.Error, "18:26", "runs Alertmanager v0.31.1, whose dedup judges the repeat by the clock after the wait"},
		{"wait-exceeds-repeat-unknown-version.yaml", "cluster/wait-exceeds-repeat", model.Warning, "18:26", "On Alertmanager 0.31 and earlier, by the time its wait ends"},
		{"wan-region-spread.yaml", "cluster/wan-defaults", model.Warning, "9:3", "topologySpreadConstraints over topology.kubernetes.io/region"},
		{"wan-vm", "cluster/wan-defaults", model.Warning, "5:1", "eu-west-1.example.com, us-east-1.example.com"},
		{"helm-chart-defaults.yaml", "cluster/insecure-gossip", model.Info, "125:9", "the inputs hold no NetworkPolicy"},
		{"insecure-other-policy.yaml", "cluster/insecure-gossip", model.Warning, "33:9", "selects the pods of StatefulSet monitoring/alertmanager"},
		{"insecure-open-policy.yaml", "cluster/insecure-gossip", model.Warning, "13:5", "lets every source reach port 9094"},
		{"tls-no-client-auth.yaml", "cluster/tls-no-client-auth", model.Warning, "43:11", "client_auth_type: VerifyClientCertIfGiven"},
		{"tls-no-client-auth.yaml", "cluster/tls-no-client-auth", model.Warning, "43:11", "can join without a certificate"},
		{"tls-require-client-cert.yaml", "cluster/tls-no-client-auth", model.Warning, "44:11", "with any certificate, even a self-signed one, can join"},
		{"tls-operator-require-client-cert.yaml", "cluster/tls-no-client-auth", model.Warning, "19:23", "with any certificate, even a self-signed one, can join"},
	} {
		t.Run(tc.id+"/"+tc.input, func(t *testing.T) {
			fs := clusterTestRun(t, clusterTestSet(t, tc.input), tc.id)
			if len(fs) == 0 {
				t.Fatalf("no finding")
			}
			for _, f := range fs {
				if !clusterTestSentence(f.Message) {
					t.Errorf("message does not start with a capital letter and end with a period:\n%s", f.Message)
				}
			}
			f := fs[0]
			if f.ID != tc.id || f.Severity != tc.sev {
				t.Errorf("got %s %s, want %s %s", f.Severity, f.ID, tc.sev, tc.id)
			}
			if len(f.Locations) == 0 {
				t.Fatalf("no location")
			}
			if l := f.Locations[0]; fmt.Sprintf("%d:%d", l.Line, l.Column) != tc.at || !strings.Contains(l.File, tc.input) {
				t.Errorf("first location %s, want %s:%s", l, tc.input, tc.at)
			}
			if !strings.Contains(f.Message, tc.phrase) {
				t.Errorf("message lacks %q:\n%s", tc.phrase, f.Message)
			}
			if f.Fix == "" || f.Symptoms == nil {
				t.Errorf("finding without fix or symptoms: %+v", f)
			}
		})
	}
}

func TestClusterChecksQuiet(t *testing.T) {
	for _, tc := range []struct{ input, id string }{
		{"peer-headless-service.yaml", "cluster/peer-is-load-balancer"},
		{"peers-missing-ordinal.yaml", "cluster/peer-is-load-balancer"},
		{"listen-hostname/am2.service", "cluster/listen-hostname"},
		{"wan-region-tuned.yaml", "cluster/wan-defaults"},
		{"tls-mutual.yaml", "cluster/tls-no-client-auth"},
		{"wait-exceeds-repeat-v032.yaml", "cluster/wait-exceeds-repeat"}, // 0.32 judges the repeat at the flush's start
		{"tls-mutual.yaml", "cluster/insecure-gossip"},
		{"zero-interval-v031.yaml", "cluster/reconnect-timeout"}, // 0 is zero-interval's
		{"disabled-3-replicas.yaml", "cluster/peers-missing"},    // cluster/disabled's
	} {
		t.Run(tc.id+"/"+tc.input, func(t *testing.T) {
			if fs := clusterTestRun(t, clusterTestSet(t, tc.input), tc.id); len(fs) > 0 {
				t.Errorf("want no finding, got:%s", clusterTestDescribe(fs))
			}
		})
	}
}

// TestClusterCleanInputs: correctly configured installs of every shape give no cluster/*
// finding at all.
func TestClusterCleanInputs(t *testing.T) {
	for _, input := range []string{
		"clean-operator-generated.yaml",
		"clean-operator-object.yaml",
		"clean-helm.yaml",
		"clean-vm",
		"clean-compose.yaml",
		"helm-single-replica.yaml",
	} {
		t.Run(input, func(t *testing.T) {
			s := clusterTestSet(t, input)
			if len(s.Workloads) == 0 {
				t.Fatal("no workload read")
			}
			var fs []model.Finding
			for _, c := range clusterChecks() {
				fs = append(fs, c.Run(s)...)
			}
			if len(fs) > 0 {
				t.Errorf("want no cluster/* finding, got:%s", clusterTestDescribe(fs))
			}
		})
	}
}

// TestClusterFindingsAreComplete: every finding of every cluster check on every test input
// names its check, has a location with a position, a message and a fix.
func TestClusterFindingsAreComplete(t *testing.T) {
	entries, err := os.ReadDir(clusterTestdata)
	if err != nil {
		t.Fatal(err)
	}
	fired := map[string]bool{}
	for _, e := range entries {
		s := clusterTestSet(t, e.Name())
		for _, c := range clusterChecks() {
			for _, f := range c.Run(s) {
				fired[c.ID()] = true
				if f.ID != c.ID() || f.Message == "" || f.Fix == "" || len(f.Objects) == 0 || f.Symptoms == nil {
					t.Errorf("%s on %s: incomplete finding %+v", c.ID(), e.Name(), f)
				}
				if len(f.Locations) == 0 || f.Locations[0].Line == 0 {
					t.Errorf("%s on %s: first location has no line: %v", c.ID(), e.Name(), f.Locations)
				}
				if !clusterTestSentence(f.Message) {
					t.Errorf("%s on %s: message does not start with a capital letter and end with a period: %s", c.ID(), e.Name(), f.Message)
				}
			}
		}
	}
	for _, c := range clusterChecks() {
		if !fired[c.ID()] {
			t.Errorf("%s fires on no test input", c.ID())
		}
	}
}

// When the other peers already name the pods, the fix is to drop the Service peer, not to add
// what is there.
func TestClusterPeerIsLoadBalancerFixRemoves(t *testing.T) {
	s := loadTestdata(t, "cluster", "peer-clusterip-and-pods.yaml")
	var got []string
	for _, f := range (clusterPeerIsLoadBalancer{}).Run(s) {
		got = append(got, f.Fix)
		if !strings.HasPrefix(f.Fix, "Remove --cluster.peer=") {
			t.Errorf("fix %q, want the Service peer removed", f.Fix)
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d findings, want 1: %q", len(got), got)
	}
}

// One VM's unit with its alertmanager.yml: the unit names two peers, so the cluster has three
// replicas, and the cluster-wide checks judge three (a receiver slower than the peer timeout).
func TestClusterSizedFromNamedPeers(t *testing.T) {
	unit := "[Service]\nExecStart=/usr/local/bin/alertmanager --config.file=/etc/alertmanager/alertmanager.yml \\\n  --cluster.listen-address=0.0.0.0:9094 --cluster.peer=am2.example:9094 --cluster.peer=am3.example:9094\n"
	cfg := "route: {receiver: hook}\nreceivers:\n- name: hook\n  webhook_configs: [{url: 'http://hook.example/', timeout: 40s}]\n"
	s, err := Load([]Input{{Name: "am1/alertmanager.service", Data: []byte(unit)}, {Name: "am1/alertmanager.yml", Data: []byte(cfg)}})
	if err != nil {
		t.Fatal(err)
	}
	if cs := s.Clusters(); len(cs) != 1 || cs[0].Replicas() != 3 {
		t.Fatalf("clusters %+v", cs)
	}
	var found bool
	for _, f := range Run(s) {
		if f.ID == "cluster/peer-timeout-vs-receiver" {
			found = strings.Contains(f.Message, "with 3 replicas")
		}
	}
	if !found {
		t.Fatal("cluster/peer-timeout-vs-receiver: want it judged for the 3 replicas the unit names")
	}
	// Its own address among the peers is not a fourth replica.
	self := strings.Replace(unit, "0.0.0.0:9094", "am1.example:9094 --cluster.advertise-address=am1.example:9094 --cluster.peer=am1.example:9094", 1)
	s, err = Load([]Input{{Name: "am1.service", Data: []byte(self)}})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Clusters()[0].Replicas(); n != 3 {
		t.Fatalf("with itself among the peers: %d replicas, want 3", n)
	}
}

// --cluster.tls-config on a VM's command line: the file is read among the inputs or next to
// the unit, and a server config that asks for no client certificate is reported there too.
func TestClusterTLSFileOfCommandLine(t *testing.T) {
	dir := t.TempDir()
	unit := "[Service]\nExecStart=/usr/bin/alertmanager --cluster.listen-address=10.0.0.1:9094 --cluster.peer=10.0.0.2:9094 --cluster.tls-config=%s\n"
	tlsCfg := "tls_server_config:\n  cert_file: /etc/am/tls.crt\n  key_file: /etc/am/tls.key\n  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: /etc/am/ca.crt\ntls_client_config:\n  cert_file: /etc/am/tls.crt\n  key_file: /etc/am/tls.key\n"
	fires := func(s *Set) (bool, string) {
		for _, f := range Run(s) {
			if f.ID == "cluster/tls-no-client-auth" {
				var at []string
				for _, l := range f.Locations {
					at = append(at, l.String())
				}
				return true, strings.Join(at, "; ")
			}
		}
		return false, ""
	}
	// Next to the unit, named by a relative path and by an absolute path on the host.
	for _, flag := range []string{"tls/gossip.yml", "/etc/alertmanager/gossip.yml"} {
		sub := filepath.Join(dir, strings.ReplaceAll(flag, "/", "_"))
		tlsPath := filepath.Join(sub, flag)
		if filepath.IsAbs(flag) {
			tlsPath = filepath.Join(sub, "gossip.yml")
		}
		if err := os.MkdirAll(filepath.Dir(tlsPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(tlsPath, []byte(tlsCfg), 0o644); err != nil {
			t.Fatal(err)
		}
		unitPath := filepath.Join(sub, "alertmanager.service")
		s, err := Load([]Input{{Name: unitPath, Data: []byte(fmt.Sprintf(unit, flag)), Explicit: true}})
		if err != nil {
			t.Fatal(err)
		}
		if ok, at := fires(s); !ok || !strings.Contains(at, tlsPath+":4:") {
			t.Fatalf("%s: want cluster/tls-no-client-auth at %s:4, got %v %s", flag, tlsPath, ok, at)
		}
	}
	// Among the inputs (stdin has no directory): found by its base name.
	s, err := Load([]Input{
		{Name: "<stdin>", Data: []byte(fmt.Sprintf(unit, "/etc/am/gossip-tls.yml")), Explicit: true},
		{Name: "conf/gossip-tls.yml", Data: []byte(tlsCfg), Explicit: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if ok, at := fires(s); !ok || !strings.Contains(at, "conf/gossip-tls.yml:4:") {
		t.Fatalf("among the inputs: %v %s", ok, at)
	}
	// RequireAndVerifyClientCert: quiet.
	s, err = Load([]Input{
		{Name: "am.service", Data: []byte(fmt.Sprintf(unit, "gossip-tls.yml")), Explicit: true},
		{Name: "gossip-tls.yml", Data: []byte(strings.Replace(tlsCfg, "VerifyClientCertIfGiven", "RequireAndVerifyClientCert", 1)), Explicit: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := fires(s); ok {
		t.Fatal("mutual TLS reported")
	}
}

// TestClusterMessagesNameTheMeshPort: messages name the cluster ports the replicas listen on,
// not the default: two Alertmanagers on one host gossip on 9095 and 9096.
func TestClusterMessagesNameTheMeshPort(t *testing.T) {
	s := loadTestdata(t, "prometheus", "vm-two-on-host/am-a.service", "vm-two-on-host/am-b.service")
	f, _ := testOnly(t, runChecks(s, clusterChecks()), "cluster/insecure-gossip", "anything that reaches ports 9095 and 9096 over TCP or UDP")
	if want := "Let only the replicas reach 9095/TCP, 9095/UDP, 9096/TCP and 9096/UDP"; !strings.HasPrefix(f.Fix, want) {
		t.Errorf("fix %q, want it to start with %q", f.Fix, want)
	}
	if strings.Contains(f.Message+f.Fix, "9094") {
		t.Errorf("names 9094, a web port here: %s %s", f.Message, f.Fix)
	}
}

// TestClusterInsecureGossipOwnPort: the policy is judged on the workload's cluster port: a
// rule open to every source on 7946 leaves a mesh on 7946 open, one open on 9094 only does not.
func TestClusterInsecureGossipOwnPort(t *testing.T) {
	base := testdataText(t, "cluster", "insecure-open-policy.yaml")
	on7946 := strings.Replace(base, "        - --config.file=/etc/alertmanager/alertmanager.yml\n",
		"        - --config.file=/etc/alertmanager/alertmanager.yml\n        - --cluster.listen-address=[$(POD_IP)]:7946\n", 1)
	for _, tc := range []struct{ name, port, phrase string }{
		{"rule on the cluster port", "7946", "lets every source reach port 7946 of StatefulSet monitoring/alertmanager"},
		{"rule on the default port only", "9094", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(on7946, "    - namespaceSelector: {}\n", "    - namespaceSelector: {}\n    ports: [{port: "+tc.port+"}]\n", 1)
			if text == on7946 || on7946 == base {
				t.Fatal("the replacement did not apply")
			}
			s, err := Load([]Input{{Name: "insecure-open-policy.yaml", Data: []byte(text), Explicit: true}})
			if err != nil {
				t.Fatal(err)
			}
			fs := clusterTestRun(t, s, "cluster/insecure-gossip")
			if tc.phrase == "" {
				// Policies select the pods and none leaves 7946 open: nothing to say.
				testOnly(t, fs, "cluster/insecure-gossip", "")
				return
			}
			f, _ := testOnly(t, fs, "cluster/insecure-gossip", tc.phrase)
			if !strings.Contains(f.Fix, "allows 7946/TCP and 7946/UDP only from them") {
				t.Errorf("fix %q", f.Fix)
			}
		})
	}
}

// The Watchdog's route repeats every 50s on purpose (config/no-watchdog's fix): a heartbeat
// sent again when the last replica's wait ends is one more ping, so only the other routes
// count for cluster/wait-exceeds-repeat.
func TestClusterWaitExceedsRepeatSkipsTheWatchdog(t *testing.T) {
	unit := "[Service]\nExecStart=/usr/bin/alertmanager --cluster.peer=a:9094 --cluster.peer=b:9094 --cluster.peer=c:9094 --cluster.peer-timeout=35s\n"
	for _, c := range []struct {
		route string
		fires bool
	}{
		{"  routes:\n  - {matchers: ['alertname = \"Watchdog\"'], receiver: hb, repeat_interval: 50s}\n", false},
		{"  routes:\n  - {match: {alertname: DeadMansSwitch}, receiver: hb, repeat_interval: 50s}\n", false},
		{"  routes:\n  - {matchers: ['team = \"db\"'], receiver: hb, repeat_interval: 50s}\n", true},
	} {
		cfg := "route:\n  receiver: hb\n  repeat_interval: 4h\n" + c.route + "receivers: [{name: hb}]\n"
		s, err := Load([]Input{{Name: "am.service", Data: []byte(unit)}, {Name: "alertmanager.yml", Data: []byte(cfg)}})
		if err != nil {
			t.Fatal(err)
		}
		fired := false
		for _, f := range Run(s) {
			fired = fired || f.ID == "cluster/wait-exceeds-repeat"
		}
		if fired != c.fires {
			t.Errorf("%q: cluster/wait-exceeds-repeat %v, want %v", c.route, fired, c.fires)
		}
	}
}
