package model

import (
	"fmt"
	"strings"
	"time"
)

// Flags are the --cluster.* (and related) flags of one Alertmanager command line. A nil
// pointer or empty slice means the flag was not given, so Alertmanager's default applies.
type Flags struct {
	// ListenAddress is --cluster.listen-address; Set with an empty value disables clustering.
	ListenAddress     *string   `json:"listenAddress,omitempty"`
	AdvertiseAddress  *string   `json:"advertiseAddress,omitempty"`
	Peers             []string  `json:"peers,omitempty"`
	PeerName          *string   `json:"peerName,omitempty"`
	Label             *string   `json:"label,omitempty"`
	PeerTimeout       *Duration `json:"peerTimeout,omitempty"`
	GossipInterval    *Duration `json:"gossipInterval,omitempty"`
	PushPullInterval  *Duration `json:"pushpullInterval,omitempty"`
	TCPTimeout        *Duration `json:"tcpTimeout,omitempty"`
	ProbeTimeout      *Duration `json:"probeTimeout,omitempty"`
	ProbeInterval     *Duration `json:"probeInterval,omitempty"`
	SettleTimeout     *Duration `json:"settleTimeout,omitempty"`
	ReconnectInterval *Duration `json:"reconnectInterval,omitempty"`
	ReconnectTimeout  *Duration `json:"reconnectTimeout,omitempty"`
	TLSConfig         *string   `json:"tlsConfig,omitempty"`
	StartDelay        *Duration `json:"dispatchStartDelay,omitempty"`
	ConfigFile        *string   `json:"configFile,omitempty"`
	StoragePath       *string   `json:"storagePath,omitempty"`
	// Unparsed holds flags whose value could not be read, with the reason.
	Unparsed []string `json:"unparsed,omitempty"`
}

// EffectivePeerTimeout is --cluster.peer-timeout or its default.
func (f *Flags) EffectivePeerTimeout() time.Duration {
	if f == nil || f.PeerTimeout == nil {
		return DefaultPeerTimeout
	}
	return f.PeerTimeout.D()
}

// ClusteringDisabled reports whether --cluster.listen-address was given empty.
func (f *Flags) ClusteringDisabled() bool {
	return f != nil && f.ListenAddress != nil && *f.ListenAddress == ""
}

// ParseArgs reads an Alertmanager command line (kingpin syntax: --name=value or --name value).
// expand resolves Kubernetes $(VAR) references; it may be nil.
func ParseArgs(args []string, expand func(string) string) *Flags {
	f := &Flags{}
	str := func(dst **string, v string) { s := v; *dst = &s }
	dur := func(name string, dst **Duration, v string) {
		d, err := time.ParseDuration(v)
		if err != nil {
			f.Unparsed = append(f.Unparsed, fmt.Sprintf("--%s=%s: not a duration", name, v))
			return
		}
		x := Duration(d)
		*dst = &x
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "--") {
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !hasVal {
			if !TakesValue(name) {
				continue
			}
			if i+1 >= len(args) {
				// Alertmanager refuses to start: "expected argument for flag".
				f.Unparsed = append(f.Unparsed, "--"+name+": no value")
				continue
			}
			i++
			val = args[i]
		}
		if expand != nil {
			val = expand(val)
		}
		switch name {
		case "cluster.listen-address":
			str(&f.ListenAddress, val)
		case "cluster.advertise-address":
			str(&f.AdvertiseAddress, val)
		case "cluster.peer":
			f.Peers = append(f.Peers, val)
		case "cluster.peer-name":
			str(&f.PeerName, val)
		case "cluster.label":
			str(&f.Label, val)
		case "cluster.tls-config":
			str(&f.TLSConfig, val)
		case "config.file":
			str(&f.ConfigFile, val)
		case "storage.path":
			str(&f.StoragePath, val)
		case "cluster.peer-timeout":
			dur(name, &f.PeerTimeout, val)
		case "cluster.gossip-interval":
			dur(name, &f.GossipInterval, val)
		case "cluster.pushpull-interval":
			dur(name, &f.PushPullInterval, val)
		case "cluster.tcp-timeout":
			dur(name, &f.TCPTimeout, val)
		case "cluster.probe-timeout":
			dur(name, &f.ProbeTimeout, val)
		case "cluster.probe-interval":
			dur(name, &f.ProbeInterval, val)
		case "cluster.settle-timeout":
			dur(name, &f.SettleTimeout, val)
		case "cluster.reconnect-interval":
			dur(name, &f.ReconnectInterval, val)
		case "cluster.reconnect-timeout":
			dur(name, &f.ReconnectTimeout, val)
		case "dispatch.start-delay":
			dur(name, &f.StartDelay, val)
		}
	}
	return f
}

// TakesValue: every Alertmanager flag takes a value except the boolean ones.
func TakesValue(name string) bool {
	switch name {
	case "help", "version", "web.systemd-socket", "log.silences", "cluster.allow-insecure-public-advertise-address-discovery":
		return false
	}
	return !strings.HasPrefix(name, "no-")
}
