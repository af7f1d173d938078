package model

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sp(s string) *string { return &s }

func dp(d time.Duration) *Duration { x := Duration(d); return &x }

// podEnv expands $(VAR) as the kubelet does for a pod's args.
func podEnv(s string) string {
	return strings.NewReplacer("$(POD_IP)", "10.42.0.7", "$(POD_NAME)", "alertmanager-main-1").Replace(s)
}

func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		expand func(string) string
		want   Flags
	}{
		{
			name: "no cluster flags: defaults apply",
			args: []string{"--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"},
			want: Flags{ConfigFile: sp("/etc/alertmanager/alertmanager.yml"), StoragePath: sp("/alertmanager")},
		},
		{
			name:   "prometheus-operator StatefulSet args",
			expand: podEnv,
			args: []string{
				"--config.file=/etc/alertmanager/config_out/alertmanager.env.yaml",
				"--storage.path=/alertmanager",
				"--data.retention=120h",
				"--cluster.listen-address=[$(POD_IP)]:9094",
				"--web.listen-address=:9093",
				"--web.route-prefix=/",
				"--cluster.label=monitoring/main",
				"--cluster.peer=alertmanager-main-0.alertmanager-operated:9094",
				"--cluster.peer=alertmanager-main-1.alertmanager-operated:9094",
				"--cluster.peer=alertmanager-main-2.alertmanager-operated:9094",
				"--cluster.reconnect-timeout=5m",
				"--cluster.peer-name=$(POD_NAME)",
				"--web.config.file=/etc/alertmanager/web_config/web-config.yaml",
			},
			want: Flags{
				ListenAddress: sp("[10.42.0.7]:9094"),
				Peers: []string{
					"alertmanager-main-0.alertmanager-operated:9094",
					"alertmanager-main-1.alertmanager-operated:9094",
					"alertmanager-main-2.alertmanager-operated:9094",
				},
				PeerName:         sp("alertmanager-main-1"),
				Label:            sp("monitoring/main"),
				ReconnectTimeout: dp(5 * time.Minute),
				ConfigFile:       sp("/etc/alertmanager/config_out/alertmanager.env.yaml"),
				StoragePath:      sp("/alertmanager"),
			},
		},
		{
			name: "$(VAR) kept as is without an expander",
			args: []string{"--cluster.listen-address=[$(POD_IP)]:9094"},
			want: Flags{ListenAddress: sp("[$(POD_IP)]:9094")},
		},
		{
			name: "space-separated values",
			args: []string{"--cluster.peer", "am-0.am:9094", "--cluster.peer", "am-1.am:9094", "--cluster.peer-timeout", "30s", "--cluster.advertise-address", "10.0.0.1:9094"},
			want: Flags{Peers: []string{"am-0.am:9094", "am-1.am:9094"}, PeerTimeout: dp(30 * time.Second), AdvertiseAddress: sp("10.0.0.1:9094")},
		},
		{
			name: "the binary and positional words are skipped",
			args: []string{"/bin/alertmanager", "--cluster.peer=a:9094", "stray"},
			want: Flags{Peers: []string{"a:9094"}},
		},
		{
			name: "empty listen address disables clustering, peers still recorded",
			args: []string{"--cluster.listen-address=", "--cluster.peer=am-0:9094"},
			want: Flags{ListenAddress: sp(""), Peers: []string{"am-0:9094"}},
		},
		{
			name: "empty listen address given as a separate empty word",
			args: []string{"--cluster.listen-address", ""},
			want: Flags{ListenAddress: sp("")},
		},
		{
			name: "every duration flag",
			args: []string{
				"--cluster.peer-timeout=3s", "--cluster.gossip-interval=100ms", "--cluster.pushpull-interval=30s",
				"--cluster.tcp-timeout=5s", "--cluster.probe-timeout=1s", "--cluster.probe-interval=2s",
				"--cluster.settle-timeout=0s", "--cluster.reconnect-interval=20s", "--cluster.reconnect-timeout=1h30m",
				"--dispatch.start-delay=1m",
			},
			want: Flags{
				PeerTimeout: dp(3 * time.Second), GossipInterval: dp(100 * time.Millisecond), PushPullInterval: dp(30 * time.Second),
				TCPTimeout: dp(5 * time.Second), ProbeTimeout: dp(time.Second), ProbeInterval: dp(2 * time.Second),
				SettleTimeout: dp(0), ReconnectInterval: dp(20 * time.Second), ReconnectTimeout: dp(90 * time.Minute),
				StartDelay: dp(time.Minute),
			},
		},
		{
			name: "bad durations go to Unparsed, the rest is read",
			args: []string{"--cluster.peer-timeout=15", "--cluster.gossip-interval", "fast", "--cluster.probe-timeout=1d", "--cluster.label=x"},
			want: Flags{
				Label: sp("x"),
				Unparsed: []string{
					"--cluster.peer-timeout=15: not a duration",
					"--cluster.gossip-interval=fast: not a duration",
					"--cluster.probe-timeout=1d: not a duration",
				},
			},
		},
		{
			name: "a repeated single-valued flag: the last wins, as in kingpin",
			args: []string{"--cluster.peer-timeout=3s", "--cluster.peer-timeout=20s"},
			want: Flags{PeerTimeout: dp(20 * time.Second)},
		},
		{
			name: "boolean flags do not take the next word",
			args: []string{
				"--web.systemd-socket", "--cluster.peer", "am-0:9094",
				"--cluster.allow-insecure-public-advertise-address-discovery", "--cluster.listen-address", "0.0.0.0:9094",
				"--no-web.systemd-socket", "--cluster.label", "lbl",
			},
			want: Flags{Peers: []string{"am-0:9094"}, ListenAddress: sp("0.0.0.0:9094"), Label: sp("lbl")},
		},
		{
			name: "flags amha does not read still take their value",
			args: []string{"--log.level", "debug", "--web.listen-address", ":9093", "--cluster.peer", "am-0:9094"},
			want: Flags{Peers: []string{"am-0:9094"}},
		},
		{
			name: "tls config and start delay",
			args: []string{"--cluster.tls-config=/etc/am/tls.yml", "--dispatch.start-delay", "90s"},
			want: Flags{TLSConfig: sp("/etc/am/tls.yml"), StartDelay: dp(90 * time.Second)},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ParseArgs(tc.args, tc.expand)
			if !reflect.DeepEqual(*got, tc.want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(tc.want)
				t.Fatalf("ParseArgs(%q)\n got  %s\n want %s", tc.args, g, w)
			}
		})
	}
}

// TestParseArgsLogSilences: --log.silences (0.34+) is a boolean flag; kingpin does not give it
// the next word (`alertmanager --log.silences --version` prints the version).
func TestParseArgsLogSilences(t *testing.T) {
	got := ParseArgs([]string{"--log.silences", "--cluster.peer", "am-0:9094", "--cluster.listen-address=", "--log.silences", "--cluster.peer-timeout", "3s"}, nil)
	want := Flags{Peers: []string{"am-0:9094"}, ListenAddress: sp(""), PeerTimeout: dp(3 * time.Second)}
	if !reflect.DeepEqual(*got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Fatalf("got  %s\nwant %s", g, w)
	}
}

// TestParseArgsMissingValue: kingpin refuses a value flag at the end of the command line
// ("expected argument for flag '--cluster.listen-address'"); such a pod never runs, so amha
// must not read it as an empty value that disables clustering.
func TestParseArgsMissingValue(t *testing.T) {
	for _, args := range [][]string{
		{"--cluster.peer=am-0:9094", "--cluster.listen-address"},
		{"--cluster.listen-address=:9094", "--cluster.peer"},
	} {
		f := ParseArgs(args, nil)
		if f.ClusteringDisabled() {
			t.Errorf("ParseArgs(%q): clustering disabled", args)
		}
		for _, p := range f.Peers {
			if p == "" {
				t.Errorf("ParseArgs(%q): empty peer %q", args, f.Peers)
			}
		}
		if len(f.Unparsed) == 0 {
			t.Errorf("ParseArgs(%q): the missing value is not reported in Unparsed", args)
		}
	}
}

func TestClusteringDisabled(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    *Flags
		want bool
	}{
		{"nil flags (unknown)", nil, false},
		{"flag absent: default 0.0.0.0:9094", &Flags{}, false},
		{"empty", &Flags{ListenAddress: sp("")}, true},
		{"set", &Flags{ListenAddress: sp("[10.0.0.1]:9094")}, false},
		{"parsed from the operator's single-replica args", ParseArgs([]string{"--cluster.listen-address="}, nil), true},
	} {
		if got := tc.f.ClusteringDisabled(); got != tc.want {
			t.Errorf("%s: ClusteringDisabled() = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestEffectivePeerTimeout(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    *Flags
		want time.Duration
	}{
		{"nil flags", nil, 15 * time.Second},
		{"not given", &Flags{}, 15 * time.Second},
		{"given", &Flags{PeerTimeout: dp(3 * time.Second)}, 3 * time.Second},
		{"unparseable value: the default", ParseArgs([]string{"--cluster.peer-timeout=soon"}, nil), 15 * time.Second},
	} {
		if got := tc.f.EffectivePeerTimeout(); got != tc.want {
			t.Errorf("%s: EffectivePeerTimeout() = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestFlagsJSON(t *testing.T) {
	f := ParseArgs([]string{"--cluster.listen-address=", "--cluster.peer-timeout=3s", "--cluster.peer=a:9094"}, nil)
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"listenAddress":"","peers":["a:9094"],"peerTimeout":"3s"}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	var back Flags
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, *f) {
		t.Fatalf("round trip: %+v, want %+v", back, *f)
	}
}
