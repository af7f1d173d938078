package lint

import (
	"fmt"
	"net"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// clusterChecks are the cluster/* checks, in documentation order.
func clusterChecks() []Check {
	return []Check{
		clusterDisabled{},
		clusterPeersMissing{},
		clusterPeerIsLoadBalancer{},
		clusterAdvertiseHostname{},
		clusterListenHostname{},
		clusterLabelMissing{},
		clusterInconsistentFlags{},
		clusterZeroInterval{},
		clusterReconnectTimeout{},
		clusterPeerTimeoutVsReceiver{},
		clusterWaitExceedsRepeat{},
		clusterWANDefaults{},
		clusterInsecureGossip{},
		clusterTLSNoClientAuth{},
	}
}

// clusterDefaults are Alertmanager's defaults for the duration flags of the mesh
// (cmd/alertmanager/main.go and cluster/cluster.go, v0.34).
var clusterDefaults = map[string]time.Duration{
	"cluster.peer-timeout":          model.DefaultPeerTimeout,
	"cluster.peers-resolve-timeout": 15 * time.Second,
	"cluster.gossip-interval":       200 * time.Millisecond,
	"cluster.pushpull-interval":     time.Minute,
	"cluster.tcp-timeout":           10 * time.Second,
	"cluster.probe-timeout":         500 * time.Millisecond,
	"cluster.probe-interval":        time.Second,
	"cluster.settle-timeout":        time.Minute,
	"cluster.reconnect-interval":    10 * time.Second,
	"cluster.reconnect-timeout":     6 * time.Hour,
}

// clusterDur is the value of a duration flag of w: the last occurrence as written, or the
// default (arg nil). ok is false when the value is not a duration (Alertmanager refuses to
// start; amha leaves that to the flag parser's report).
func clusterDur(w *Workload, flag string) (d time.Duration, arg *Arg, ok bool) {
	a := w.Arg(flag)
	if a == nil {
		return clusterDefaults[flag], nil, true
	}
	d, err := time.ParseDuration(a.Value)
	if err != nil {
		return 0, a, false
	}
	return d, a, true
}

// clusterMeshOn reports whether the cluster runs a memberlist across two or more processes:
// the condition for every mesh check.
func clusterMeshOn(cl *Cluster) bool {
	if cl.Replicas() < 2 {
		return false
	}
	for _, w := range cl.Workloads {
		if w.Clustered() {
			return true
		}
	}
	return false
}

// clusterCap starts a message that begins with a name ("command line am1") with a capital.
func clusterCap(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// clusterHelm reports whether a workload is rendered by the prometheus-community alertmanager
// chart, whose flags are set through values.extraArgs.
func clusterHelm(w *Workload) bool {
	if w.Object == nil {
		return false
	}
	chart := w.Object.Root.Get("metadata", "labels", "helm.sh/chart").String()
	return strings.HasPrefix(chart, "alertmanager-")
}

// clusterOperatorFields are the Alertmanager object's fields for the flags prometheus-operator
// generates; it refuses spec.additionalArgs that repeat a flag it manages.
var clusterOperatorFields = map[string]string{
	"cluster.peer-timeout":      "spec.clusterPeerTimeout",
	"cluster.gossip-interval":   "spec.clusterGossipInterval",
	"cluster.pushpull-interval": "spec.clusterPushpullInterval",
	"cluster.advertise-address": "spec.clusterAdvertiseAddress",
	"cluster.label":             "spec.clusterLabel",
	"cluster.tls-config":        "spec.clusterTLS",
}

// clusterSet says how to give flag the value on this kind of workload: the operator object's
// field, the Helm chart's extraArgs, or the argument itself.
func clusterSet(w *Workload, flag, value string) string {
	switch {
	case w.Kind == "Alertmanager":
		if f, ok := clusterOperatorFields[flag]; ok {
			return fmt.Sprintf("%s: %s in the Alertmanager object", f, value)
		}
		return fmt.Sprintf("spec.additionalArgs: [{name: %s, value: %s}] in the Alertmanager object", flag, value)
	case clusterHelm(w):
		return fmt.Sprintf("--%s=%s (Helm chart values: extraArgs: {%s: %s})", flag, value, flag, value)
	}
	return fmt.Sprintf("--%s=%s", flag, value)
}

// clusterSetAll is clusterSet for several flags at once (flag, value pairs), joined so that
// the operator's additionalArgs and the chart's extraArgs read as one list.
func clusterSetAll(w *Workload, pairs ...string) string {
	var items []string
	for i := 0; i+1 < len(pairs); i += 2 {
		switch {
		case w.Kind == "Alertmanager":
			if f, ok := clusterOperatorFields[pairs[i]]; ok {
				items = append(items, fmt.Sprintf("%s: %s", f, pairs[i+1]))
			} else {
				items = append(items, fmt.Sprintf("spec.additionalArgs: {name: %s, value: %s}", pairs[i], pairs[i+1]))
			}
		case clusterHelm(w):
			items = append(items, fmt.Sprintf("extraArgs: {%s: %s}", pairs[i], pairs[i+1]))
		default:
			items = append(items, fmt.Sprintf("--%s=%s", pairs[i], pairs[i+1]))
		}
	}
	out := strings.Join(items, ", ")
	switch {
	case w.Kind == "Alertmanager":
		out += " in the Alertmanager object"
	case clusterHelm(w):
		out += " in the Helm chart values"
	}
	return out
}

// clusterArgLoc is where a flag is written, or where it should be added: for the operator
// object, spec.additionalArgs.
func clusterArgLoc(w *Workload, a *Arg) Location {
	if a != nil {
		return a.At.Loc()
	}
	if w.Kind == "Alertmanager" {
		return w.PodSpec.Get("additionalArgs").LocOr(w.PodSpec)
	}
	return w.ArgsLoc()
}

// clusterLabelValue is the label prometheus-operator would give this workload.
func clusterLabelValue(w *Workload) string {
	ns := w.Namespace
	if ns == "" {
		ns = "<namespace>"
	}
	return ns + "/" + w.Name
}

// Host kinds of an address flag as the process will see it.
const (
	hostEmpty    = "empty"
	hostIP       = "ip"
	hostName     = "hostname"
	hostUnknown  = "unknown"
	hostUnparsed = "unparsed"
)

// clusterHostKind classifies the host of a host:port flag value, resolving Kubernetes $(VAR)
// references from the container's env. The returned text says what the host is (for messages).
func clusterHostKind(w *Workload, addr string) (kind, host, why string) {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return hostUnparsed, addr, err.Error()
	}
	return clusterClassifyHost(w, h, 0)
}

var clusterVarRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

func clusterClassifyHost(w *Workload, h string, depth int) (kind, host, why string) {
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if h == "" {
		return hostEmpty, h, ""
	}
	if m := clusterVarRef.FindStringSubmatch(h); m != nil && depth < 4 {
		if m[0] == h && w.IPVars[m[1]] {
			return hostIP, h, "$(" + m[1] + ") is the pod IP"
		}
		val, src, known := clusterEnvValue(w, m[1])
		if !known {
			return hostUnknown, h, ""
		}
		switch src {
		case "ip":
			if m[0] == h {
				return hostIP, h, ""
			}
			return hostUnknown, h, ""
		case "literal":
			k, _, _ := clusterClassifyHost(w, strings.Replace(h, m[0], val, 1), depth+1)
			return k, h, fmt.Sprintf("$(%s) is %q", m[1], val)
		case "undefined":
			return hostName, h, fmt.Sprintf("$(%s) is not defined in the container's env, so Kubernetes passes it as written", m[1])
		default: // a name: metadata.name, spec.nodeName, ...
			return hostName, h, fmt.Sprintf("$(%s) is %s", m[1], val)
		}
	}
	if strings.Contains(h, "$") {
		return hostUnknown, h, "" // shell or compose variables: not known here
	}
	if net.ParseIP(h) != nil {
		return hostIP, h, ""
	}
	return hostName, h, ""
}

// clusterEnvValue looks up a $(VAR) of a Kubernetes container: src is "ip" (status.podIP,
// status.hostIP), "literal" (value:), "undefined" (not in env and no envFrom), or the
// fieldPath of a name-valued fieldRef. known is false when the value cannot be known here.
func clusterEnvValue(w *Workload, name string) (val, src string, known bool) {
	if !w.Container.Valid() {
		return "", "", false
	}
	for _, e := range w.Container.Get("env").Items() {
		if e.Get("name").String() != name {
			continue
		}
		if v := e.Get("value"); v.Valid() {
			return v.String(), "literal", true
		}
		switch f := e.Get("valueFrom", "fieldRef", "fieldPath").String(); f {
		case "status.podIP", "status.hostIP":
			return "", "ip", true
		case "metadata.name", "metadata.namespace", "spec.nodeName", "spec.serviceAccountName":
			return "the pod's " + f, f, true
		}
		return "", "", false
	}
	if w.Container.Get("envFrom").Valid() {
		return "", "", false
	}
	return "", "undefined", true
}

// clusterAMConfigs are the alertmanager.yml files the cluster runs: those in a ConfigMap or
// Secret its pods mount (or, for prometheus-operator, its config Secret), files named by
// --config.file; when nothing links them and the Set holds one cluster, all of them.
func clusterAMConfigs(s *Set, cl *Cluster) []*AMConfig {
	var out []*AMConfig
	for _, c := range s.AMConfigs {
		for _, w := range cl.Workloads {
			if clusterRunsConfig(w, c) {
				out = append(out, c)
				break
			}
		}
	}
	if len(out) == 0 && len(s.Clusters()) == 1 {
		return s.AMConfigs
	}
	return out
}

func clusterRunsConfig(w *Workload, c *AMConfig) bool {
	if c.Owner == nil {
		if w.Flags.ConfigFile == nil {
			return false
		}
		return path.Base(*w.Flags.ConfigFile) == path.Base(strings.ReplaceAll(c.Name, "\\", "/"))
	}
	if c.Owner.Namespace != "" && w.Namespace != "" && c.Owner.Namespace != w.Namespace {
		return false
	}
	if w.Kind == "Alertmanager" {
		secret := w.PodSpec.Get("configSecret").String()
		if secret == "" {
			secret = "alertmanager-" + w.Name
		}
		return c.Owner.Kind == "Secret" && (c.Owner.Name == secret || c.Owner.Name == "alertmanager-"+w.Name+"-generated")
	}
	for _, v := range w.PodSpec.Get("volumes").Items() {
		if clusterVolumeNames(v, c.Owner.Kind)[c.Owner.Name] {
			return true
		}
	}
	return false
}

// clusterVolumeNames are the ConfigMaps or Secrets (kind) a pod volume takes files from.
func clusterVolumeNames(v Node, kind string) map[string]bool {
	out := map[string]bool{}
	add := func(src Node) {
		if kind == "ConfigMap" {
			if n := src.Get("configMap", "name").String(); n != "" {
				out[n] = true
			}
		} else if n := src.Get("secret", "secretName").String(); n != "" {
			out[n] = true
		} else if n := src.Get("secret", "name").String(); n != "" { // projected sources
			out[n] = true
		}
	}
	add(v)
	for _, src := range v.Get("projected", "sources").Items() {
		add(src)
	}
	return out
}

// clusterPeer is one --cluster.peer; for an operator object also each of its
// spec.additionalPeers, which the operator model generates as --cluster.peer.
type clusterPeer struct {
	Value     string
	At        Node
	Generated bool
}

func clusterPeers(w *Workload) []clusterPeer {
	var out []clusterPeer
	for _, a := range w.ArgsNamed("cluster.peer") {
		out = append(out, clusterPeer{Value: a.Value, At: a.At, Generated: a.Generated})
	}
	return out
}
