package lint

import (
	"fmt"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// What the prometheus/* checks share: the Alertmanager entries of every prometheus.yml
// (alerting.alertmanagers, read as yaml.v3 nodes for their positions), the relabel rules that
// shape their targets, and what a target's host is in the Set: a replica's pod, a Service,
// a docker-compose service, a VM peer, or unknown.

// promEntry is one alerting.alertmanagers item of a prometheus.yml.
type promEntry struct {
	Cfg   *PromConfig
	At    Node
	Index int
}

// promEntries are the Alertmanager entries of a prometheus.yml.
func promEntries(pc *PromConfig) []promEntry {
	var out []promEntry
	for i, it := range pc.Root.Get("alerting", "alertmanagers").Items() {
		out = append(out, promEntry{Cfg: pc, At: it, Index: i})
	}
	return out
}

// promSDKinds are the discovery sections of an entry other than static_configs.
func (e promEntry) sdKinds() []string {
	var out []string
	keys, _ := e.At.Fields()
	for _, k := range keys {
		if strings.HasSuffix(k, "_sd_configs") {
			out = append(out, k)
		}
	}
	return out
}

// promTarget is one static target, host:port as written.
type promTarget struct {
	At   Node
	Host string
	// Port is 0 when the target has none (the scheme's default port).
	Port  int
	Entry promEntry
}

// staticTargets are the entry's static_configs targets.
func (e promEntry) staticTargets() []promTarget {
	var out []promTarget
	for _, sc := range e.At.Get("static_configs").Items() {
		for _, t := range sc.Get("targets").Items() {
			host, port := promSplitHostPort(t.String())
			if host == "" {
				continue
			}
			out = append(out, promTarget{At: t, Host: host, Port: port, Entry: e})
		}
	}
	return out
}

// scheme is the entry's scheme (http by default).
func (e promEntry) scheme() string {
	if s := e.At.Get("scheme").String(); s != "" {
		return strings.ToLower(s)
	}
	return "http"
}

func promSplitHostPort(addr string) (string, int) {
	addr = strings.TrimSpace(addr)
	if h, p, err := net.SplitHostPort(addr); err == nil {
		n, _ := strconv.Atoi(p)
		return strings.ToLower(strings.TrimSuffix(h, ".")), n
	}
	return strings.ToLower(strings.TrimSuffix(strings.Trim(addr, "[]"), ".")), 0
}

// promRule is one relabel rule as Prometheus applies it.
type promRule struct {
	At          Node
	Action      string
	Source      []string
	Separator   string
	Regex       *regexp.Regexp
	Target      string
	Replacement string
}

// promRules reads relabel rules with Prometheus' defaults: action replace, regex (.*)
// anchored at both ends, separator ";", replacement $1.
func promRules(n Node) []promRule {
	var out []promRule
	for _, it := range n.Items() {
		r := promRule{At: it, Action: "replace", Separator: ";", Replacement: "$1"}
		if a := it.Get("action").String(); a != "" {
			r.Action = strings.ToLower(a)
		}
		r.Source = it.Get("source_labels").Strings()
		if sep := it.Get("separator"); sep.Valid() {
			r.Separator = sep.String()
		}
		re := "(.*)"
		if rx := it.Get("regex"); rx.Valid() {
			re = rx.String()
		}
		r.Regex, _ = regexp.Compile("^(?s:" + re + ")$")
		r.Target = it.Get("target_label").String()
		if rp := it.Get("replacement"); rp.Valid() {
			r.Replacement = rp.String()
		}
		out = append(out, r)
	}
	return out
}

// matches reports whether the rule's regex matches v (false when the regex does not compile:
// Prometheus rejects that file, which prometheus/invalid reports).
func (r promRule) matches(v string) bool { return r.Regex != nil && r.Regex.MatchString(v) }

// drops reports whether the rule removes the label name from every alert: labeldrop on it,
// labelkeep without it, or a replace that always sets it to "".
func (r promRule) drops(name string) bool {
	switch r.Action {
	case "labeldrop":
		return r.matches(name)
	case "labelkeep":
		return r.Regex != nil && !r.matches(name)
	case "replace":
		return r.Target == name && r.Replacement == "" && r.Regex != nil && r.Regex.String() == "^(?s:(.*))$"
	}
	return false
}

// ---------------------------------------------------------------- what a host is

type promHostKind int

const (
	promHostUnknown promHostKind = iota
	// promHostPod is one replica's pod DNS name (<pod>.<governing service>...).
	promHostPod
	// promHostService is a Service's DNS name: one address per request, whatever is behind.
	promHostService
	// promHostCompose is a docker-compose service name: Docker's DNS returns every container.
	promHostCompose
	// promHostPeer is a host that an Alertmanager command line names as a --cluster.peer.
	promHostPeer
)

// promHost is what the Set says about a target host.
type promHost struct {
	Kind promHostKind
	// W is the Alertmanager workload behind (nil when the Set does not say).
	W       *Workload
	Ordinal int
	// Svc is the Service object (nil for a Service the operator creates, alertmanager-operated,
	// or a Service only known by the shape of its name).
	Svc      *k8sService
	SvcName  string
	Headless bool
	// Cluster is the command-line cluster a peer host belongs to.
	Cluster *Cluster
}

// promResolve finds what a target host is. Kubernetes names are <svc>[.<ns>[.svc[.<domain>]]]
// and <pod>.<svc>[.<ns>[.svc[.<domain>]]].
func promResolve(s *Set, host string) promHost {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" || net.ParseIP(host) != nil {
		return promHost{}
	}
	labels := strings.Split(host, ".")
	pre := labels
	if i := promIndex(labels, "svc"); i >= 2 {
		pre = labels[:i]
	} else if len(labels) > 3 {
		pre = nil
	}
	if len(pre) == 2 || len(pre) == 3 {
		ns := ""
		if len(pre) == 3 {
			ns = pre[2]
		}
		if h, ok := promResolvePod(s, pre[0], pre[1], ns); ok {
			return h
		}
	}
	if len(pre) == 1 || len(pre) == 2 {
		ns := ""
		if len(pre) == 2 {
			ns = pre[1]
		}
		if h, ok := promResolveService(s, pre[0], ns); ok {
			return h
		}
		if len(pre) == 2 && len(labels) > 2 {
			// <svc>.<ns>.svc...: the shape of a Service name even when the Set lacks it.
			return promHost{Kind: promHostService, SvcName: pre[0] + "." + pre[1]}
		}
	}
	for _, cl := range s.Clusters() {
		if cl.Workloads[0].Kind != "Command" {
			continue
		}
		for _, w := range cl.Workloads {
			if promCompose(w) && w.Name == host && w.Replicas > 1 {
				return promHost{Kind: promHostCompose, W: w, Cluster: cl}
			}
		}
		if promPeerHosts(cl)[host] {
			return promHost{Kind: promHostPeer, Cluster: cl}
		}
	}
	return promHost{}
}

// promCompose reports whether a command line is a docker-compose service (its name is then
// a host name on the compose network).
func promCompose(w *Workload) bool {
	return w.Kind == "Command" && strings.HasPrefix(w.At.Object, "compose service ")
}

func promIndex(l []string, v string) int {
	for i, x := range l {
		if x == v {
			return i
		}
	}
	return -1
}

// promPodPrefix is the pod name prefix and governing Service of a StatefulSet or operator
// object ("" for a Deployment: its pods have no stable names).
func promPodPrefix(w *Workload) (prefix, governing string) {
	switch w.Kind {
	case "StatefulSet":
		return w.Name, w.Object.Root.Get("spec", "serviceName").String()
	case "Alertmanager":
		return "alertmanager-" + w.Name, "alertmanager-operated"
	}
	return "", ""
}

func promResolvePod(s *Set, pod, svc, ns string) (promHost, bool) {
	for _, w := range k8sWorkloads(s) {
		prefix, gov := promPodPrefix(w)
		if prefix == "" || gov != svc || !k8sSameNamespace(ns, w.Namespace) || !strings.HasPrefix(pod, prefix+"-") {
			continue
		}
		n, err := strconv.Atoi(strings.TrimPrefix(pod, prefix+"-"))
		if err != nil || n < 0 {
			continue
		}
		return promHost{Kind: promHostPod, W: w, Ordinal: n, SvcName: svc}, true
	}
	return promHost{}, false
}

func promResolveService(s *Set, name, ns string) (promHost, bool) {
	if o := k8sFind(s, "Service", ns, name); o != nil {
		var svc corev1.Service
		if err := o.Decode(&svc); err == nil {
			h := promHost{Kind: promHostService, SvcName: name, Svc: &k8sService{Obj: o, Svc: svc}, Headless: k8sHeadless(svc)}
			for _, w := range k8sWorkloads(s) {
				for _, ks := range k8sServices(s, w) {
					if ks.Obj == o {
						h.W = w
					}
				}
			}
			return h, true
		}
	}
	if name == "alertmanager-operated" {
		for _, w := range k8sWorkloads(s) {
			if w.Kind == "Alertmanager" && k8sSameNamespace(ns, w.Namespace) {
				return promHost{Kind: promHostService, SvcName: name, Headless: true, W: w}, true
			}
		}
	}
	return promHost{}, false
}

// promPeerHosts are the hosts a command-line cluster names as --cluster.peer, and its
// single-container compose services: the replicas' names as the people running them write them.
func promPeerHosts(cl *Cluster) map[string]bool {
	out := map[string]bool{}
	for _, w := range cl.Workloads {
		if promCompose(w) && w.Replicas == 1 {
			out[strings.ToLower(w.Name)] = true
		}
		for _, a := range w.ArgsNamed("cluster.peer") {
			if h, _ := promSplitHostPort(a.Value); h != "" && !strings.Contains(h, "$") {
				out[h] = true
			}
		}
	}
	return out
}

// promReplicas is the replica count behind a host, 0 when the Set does not say.
func (h promHost) replicas() int {
	switch {
	case h.W != nil:
		return h.W.Replicas
	case h.Cluster != nil:
		return max(h.Cluster.Replicas(), len(promPeerHosts(h.Cluster)))
	}
	return 0
}

// promLBWords are name parts that say "something in front": be conservative, these are the
// words people use for balancers and ingresses, matched as whole dash- or dot-separated parts.
var promLBWords = []string{"lb", "elb", "alb", "nlb", "ilb", "loadbalancer", "load-balancer", "ingress", "vip", "haproxy"}

// promLBWord is the balancer word in a host name ("" when none).
func promLBWord(host string) string {
	parts := strings.FieldsFunc(host, func(r rune) bool { return r == '.' || r == '-' || r == '_' })
	for _, w := range promLBWords {
		if strings.Contains(w, "-") {
			if strings.Contains(host, w) {
				return w
			}
			continue
		}
		for _, p := range parts {
			if p == w {
				return w
			}
		}
	}
	return ""
}

// promMeshNames are port names that Alertmanager's cluster port is given in practice
// (prometheus-operator: mesh-tcp/mesh-udp on the pod, tcp-mesh/udp-mesh on the Service; the
// Helm chart: cluster-tcp/cluster-udp... kept conservative).
var promMeshNames = []string{"mesh", "tcp-mesh", "udp-mesh", "mesh-tcp", "mesh-udp", "cluster", "cluster-tcp", "cluster-udp", "gossip"}

// promMeshValues are the values a port label can take on the gossip port in this Set: its
// names (the usual ones and those the Set's Services and containers give the cluster ports)
// and numbers (promMeshPorts).
func promMeshValues(s *Set) (names, numbers []string) {
	names = append(names, promMeshNames...)
	ports := promMeshPorts(s)
	for _, w := range k8sWorkloads(s) {
		for _, cp := range k8sContainerPorts(w) {
			if ports[int(cp.ContainerPort)] && cp.Name != "" {
				names = append(names, cp.Name)
			}
		}
		for _, ks := range k8sServices(s, w) {
			for _, p := range ks.Svc.Spec.Ports {
				if (ports[int(p.Port)] || ports[p.TargetPort.IntValue()]) && p.Name != "" {
					names = append(names, p.Name)
				}
			}
		}
	}
	for p := range ports {
		numbers = append(numbers, strconv.Itoa(p))
	}
	sort.Strings(numbers)
	return names, numbers
}

// promMeshPorts are the cluster ports of the Set's Alertmanagers, read from their
// --cluster.listen-address (9094 when the Set holds no Alertmanager, or a flag does not say),
// with the Service ports that send to them, less every port one of them serves its web on
// (--web.listen-address, and the Service ports that send there): two Alertmanagers on one
// host may have web 9093 and 9094 and gossip elsewhere, and a target on a web port is right.
func promMeshPorts(s *Set) map[int]bool {
	ports, web := map[int]bool{}, map[int]bool{}
	for _, w := range s.Workloads {
		ports[k8sMeshPort(w)] = true
		web[k8sWebPort(w)] = true
	}
	if len(s.Workloads) == 0 {
		ports[9094] = true
	}
	for _, w := range k8sWorkloads(s) {
		for _, ks := range k8sServices(s, w) {
			for _, p := range ks.Svc.Spec.Ports {
				switch k8sTargetPort(w, p) {
				case k8sMeshPort(w):
					ports[int(p.Port)] = true
				case k8sWebPort(w):
					web[int(p.Port)] = true
				}
			}
		}
	}
	for p := range web {
		delete(ports, p)
	}
	return ports
}

// promMeshList names the Set's cluster ports for a message: "9094", "9095 and 9096".
func promMeshList(s *Set) string {
	_, nums := promMeshValues(s)
	return configAndList(nums)
}

// promWebPortFor is the web port of the Alertmanagers whose cluster port is mesh, else of the
// Set's Alertmanagers (promSharedWebPort).
func promWebPortFor(s *Set, mesh int) int {
	var ws []*Workload
	for _, w := range s.Workloads {
		if k8sMeshPort(w) == mesh {
			ws = append(ws, w)
		}
	}
	if len(ws) == 0 {
		ws = s.Workloads
	}
	return promSharedWebPort(ws)
}

// promSharedWebPort is the web port (--web.listen-address) the workloads share, else the
// default 9093.
func promSharedWebPort(ws []*Workload) int {
	web := 0
	for _, w := range ws {
		if p := k8sWebPort(w); web == 0 || web == p {
			web = p
		} else {
			return 9093
		}
	}
	if web == 0 {
		return 9093
	}
	return web
}

// promIsMeshPort reports whether port is a cluster port in this Set (promMeshPorts).
func promIsMeshPort(s *Set, port int) bool {
	if port == 0 {
		return false
	}
	_, nums := promMeshValues(s)
	return promIndex(nums, strconv.Itoa(port)) >= 0
}

// promOneCluster is the Set's only Alertmanager cluster with several replicas (nil when there
// are none or several: then a lone target cannot be tied to one).
func promOneCluster(s *Set) *Cluster {
	cls := s.Clusters()
	if len(cls) != 1 || cls[0].Replicas() < 2 {
		return nil
	}
	return cls[0]
}

// promClusterName names a cluster for messages: the workload, or the command lines.
func promClusterName(cl *Cluster) string {
	if len(cl.Workloads) == 1 && cl.Workloads[0].Kind != "Command" {
		return cl.Workloads[0].ID()
	}
	return cl.Name
}

func promPlural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
