package lint

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// prometheusSubset: Prometheus sends each alert only to the Alertmanagers it knows, and
// Alertmanager does not gossip alerts (ha-facts: "Every replica must receive every alert";
// "static_configs listing every replica"). A replica missing from the targets has no alerts:
// failover covers only the others.
type prometheusSubset struct{}

func (prometheusSubset) ID() string { return "prometheus/subset" }

const promSubsetEffect = "Alertmanager does not gossip alerts, so a replica Prometheus does not send to has nothing to notify about: " +
	"if the replicas it does send to fail, nothing pages although others are up, and while one of the missing replicas is position 0 every notification waits a peer timeout longer"

func (c prometheusSubset) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, pc := range s.PromConfigs {
		out = append(out, c.static(s, pc)...)
	}
	for _, o := range s.Objects {
		if o.Kind == "Prometheus" && o.Group() == "monitoring.coreos.com" {
			out = append(out, c.operator(s, o)...)
		}
	}
	return out
}

// static compares the static targets of a prometheus.yml with the replicas the Set describes.
// Only a file whose Alertmanagers are all static: any discovery may cover what is missing.
func (c prometheusSubset) static(s *Set, pc *PromConfig) []model.Finding {
	var targets []promTarget
	for _, e := range promEntries(pc) {
		if len(e.sdKinds()) > 0 {
			return nil
		}
		if promRewritesAddress(e) {
			continue
		}
		targets = append(targets, e.staticTargets()...)
	}
	pods := map[*Workload]map[int][]promTarget{}
	var podOrder []*Workload
	peers := map[string]map[string][]promTarget{}
	var peerOrder []*Cluster
	allPeers := true
	for _, t := range targets {
		if promIsMeshPort(s, t.Port) {
			continue // prometheus/mesh-port
		}
		h := promResolve(s, t.Host)
		switch h.Kind {
		case promHostPod:
			if pods[h.W] == nil {
				pods[h.W] = map[int][]promTarget{}
				podOrder = append(podOrder, h.W)
			}
			pods[h.W][h.Ordinal] = append(pods[h.W][h.Ordinal], t)
		case promHostPeer:
			// Clusters() builds new values each call: a cluster is known by its name.
			if peers[h.Cluster.Name] == nil {
				peers[h.Cluster.Name] = map[string][]promTarget{}
				peerOrder = append(peerOrder, h.Cluster)
			}
			peers[h.Cluster.Name][t.Host] = append(peers[h.Cluster.Name][t.Host], t)
		default:
			allPeers = false
		}
	}
	var out []model.Finding
	for _, w := range podOrder {
		if f, ok := c.pods(pc, w, pods[w]); ok {
			out = append(out, f)
		}
	}
	if allPeers {
		for _, cl := range peerOrder {
			if f, ok := c.peers(pc, cl, peers[cl.Name]); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

func (c prometheusSubset) pods(pc *PromConfig, w *Workload, got map[int][]promTarget) (model.Finding, bool) {
	prefix, _ := promPodPrefix(w)
	var missing, extra []string
	var ords []int
	for i := range got {
		ords = append(ords, i)
	}
	sort.Ints(ords)
	for i := 0; i < w.Replicas; i++ {
		if got[i] == nil {
			missing = append(missing, fmt.Sprintf("%s-%d", prefix, i))
		}
	}
	reached := 0
	for _, i := range ords {
		if i >= w.Replicas {
			extra = append(extra, fmt.Sprintf("%s-%d", prefix, i))
		} else {
			reached++
		}
	}
	if len(missing) == 0 && len(extra) == 0 {
		return model.Finding{}, false
	}
	first := got[ords[0]][0]
	f := model.Finding{
		ID: c.ID(), Objects: []string{pc.Name, w.ID()},
		Fix:       fmt.Sprintf("List exactly the %d replicas: static_configs: [{targets: [%s]}]; keep the list in step with spec.replicas, or discover the pods (kubernetes_sd_configs role endpoints keeping only the web port) so it cannot drift.", w.Replicas, strings.Join(promPodTargets(w), ", ")),
		Locations: []Location{first.At.Loc()},
	}
	var parts []string
	if len(missing) > 0 {
		f.Severity, f.Symptoms = model.Error, []model.Symptom{model.Missed, model.Delayed}
		parts = append(parts, fmt.Sprintf("The static Alertmanager targets reach %d of the %d replicas of %s: %s %s no alerts from this Prometheus. %s",
			reached, w.Replicas, w.ID(), strings.Join(missing, ", "), promGetsGet(len(missing)), promSubsetEffect))
	}
	if len(extra) > 0 {
		if f.Severity != model.Error {
			f.Severity, f.Symptoms = model.Warning, []model.Symptom{model.Delayed}
		}
		var at []string
		for _, i := range ords {
			if i >= w.Replicas {
				at = append(at, got[i][0].At.String())
				f.Locations = append(f.Locations, got[i][0].At.Loc())
			}
		}
		if len(missing) == 0 {
			f.Locations = f.Locations[1:]
		}
		if len(extra) == 1 {
			parts = append(parts, fmt.Sprintf("the target %s names the pod %s, which does not exist with %d replicas (a list not updated after scaling down): every send to it fails "+
				"and counts in prometheus_notifications_errors_total, hiding real failures", at[0], extra[0], w.Replicas))
		} else {
			parts = append(parts, fmt.Sprintf("the targets %s name the pods %s, which do not exist with %d replicas (a list not updated after scaling down): every send to them fails "+
				"and counts in prometheus_notifications_errors_total, hiding real failures", strings.Join(at, ", "), strings.Join(extra, ", "), w.Replicas))
		}
	}
	f.Message = strings.Join(parts, "; ")
	f.Message = strings.ToUpper(f.Message[:1]) + f.Message[1:] + "."
	return f, true
}

func (c prometheusSubset) peers(pc *PromConfig, cl *Cluster, got map[string][]promTarget) (model.Finding, bool) {
	all := promPeerHosts(cl)
	if len(all) < 2 || len(got) >= len(all) {
		return model.Finding{}, false
	}
	var missing []string
	for h := range all {
		if got[h] == nil {
			missing = append(missing, h)
		}
	}
	sort.Strings(missing)
	var first promTarget
	for _, ts := range got {
		if first.At.N == nil || ts[0].At.N.Line < first.At.N.Line {
			first = ts[0]
		}
	}
	return model.Finding{
		ID: c.ID(), Severity: model.Error, Symptoms: []model.Symptom{model.Missed, model.Delayed},
		Objects: []string{pc.Name, cl.Name},
		Message: fmt.Sprintf("The static Alertmanager targets reach %d of the %d replicas that %s name as peers: %s %s no alerts from this Prometheus. %s.",
			len(got), len(all), cl.Name, strings.Join(missing, ", "), promGetsGet(len(missing)), promSubsetEffect),
		Fix:       fmt.Sprintf("Add a target for every replica, on its web port: %s.", strings.Join(promWithPort(missing, promSharedWebPort(cl.Workloads)), ", ")),
		Locations: []Location{first.At.Loc()},
	}, true
}

// operator: a prometheus-operator Prometheus object keeps the endpoints of the named Service
// on the named port (pkg/prometheus/promcfg.go: a port name keeps
// __meta_kubernetes_endpoint_port_name, or __meta_kubernetes_endpointslice_port_name with
// EndpointSlice discovery; a number keeps __meta_kubernetes_pod_container_port_number).
// A port the Service or the pods do not have keeps nothing: no Alertmanager at all.
func (c prometheusSubset) operator(s *Set, p *Object) []model.Finding {
	var out []model.Finding
	for i, am := range p.Root.Get("spec", "alerting", "alertmanagers").Items() {
		ns := am.Get("namespace").String()
		if ns == "" {
			ns = p.Namespace
		}
		name := am.Get("name").String()
		port := am.Get("port")
		if name == "" || !port.Valid() {
			continue
		}
		h, ok := promResolveService(s, name, ns)
		if !ok || (h.Svc == nil && h.W == nil) {
			continue
		}
		var have []string
		var what string
		if n, isNum := port.Int(); isNum {
			if promIsMeshPort(s, n) {
				continue
			}
			nums := promPodPortNumbers(h)
			if len(nums) == 0 || nums[n] {
				continue
			}
			for k := range nums {
				have = append(have, strconv.Itoa(k))
			}
			what = fmt.Sprintf("port %d is matched against the pods' container port numbers (__meta_kubernetes_pod_container_port_number), and the pods behind %s declare %s", n, promSvcID(h), promSorted(have))
		} else {
			names := promServicePortNames(h)
			if len(names) == 0 || names[port.String()] {
				continue
			}
			if mesh, _ := promMeshValues(s); promIndex(mesh, port.String()) >= 0 {
				continue
			}
			for k := range names {
				have = append(have, k)
			}
			what = fmt.Sprintf("port %q is matched against the port names of %s (__meta_kubernetes_endpoint_port_name, or __meta_kubernetes_endpointslice_port_name "+
				"when it discovers through EndpointSlices), which are %s", port.String(), promSvcID(h), promSorted(have))
		}
		replicas := "its replicas"
		var objs []string
		objs = append(objs, p.ID())
		if h.W != nil {
			replicas = fmt.Sprintf("the %d replicas of %s", h.W.Replicas, h.W.ID())
			objs = append(objs, h.W.ID())
		}
		out = append(out, model.Finding{
			ID: c.ID(), Severity: model.Error, Symptoms: []model.Symptom{model.Missed},
			Objects: objs,
			Message: fmt.Sprintf("The entry spec.alerting.alertmanagers[%d] keeps no Alertmanager: prometheus-operator keeps the endpoints of %s whose %s. "+
				"Nothing matches, so this Prometheus sends its alerts to none of %s, and nothing pages.", i, promSvcID(h), what, replicas),
			Fix:       fmt.Sprintf("Set port to the name of the Service's web port (%s) or to the container's web port number.", promSorted(have)),
			Locations: []Location{port.Loc()},
		})
	}
	return out
}

// promServicePortNames are the port names of a Service (alertmanager-operated's as the
// operator creates it).
func promServicePortNames(h promHost) map[string]bool {
	out := map[string]bool{}
	if h.Svc == nil {
		if h.SvcName == "alertmanager-operated" {
			return map[string]bool{"web": true, "tcp-mesh": true, "udp-mesh": true}
		}
		return out
	}
	for _, p := range h.Svc.Svc.Spec.Ports {
		if p.Name != "" {
			out[p.Name] = true
		}
	}
	return out
}

// promPodPortNumbers are the container port numbers of the pods behind a Service (the
// operator's Alertmanager container declares web 9093 and the mesh port).
func promPodPortNumbers(h promHost) map[int]bool {
	out := map[int]bool{}
	if h.W == nil {
		return out
	}
	if h.W.Kind == "Alertmanager" {
		out[k8sWebPort(h.W)] = true
		out[9094] = true
		return out
	}
	for _, cp := range k8sContainerPorts(h.W) {
		if cp.Protocol == "" || cp.Protocol == corev1.ProtocolTCP {
			out[int(cp.ContainerPort)] = true
		}
	}
	return out
}

func promSorted(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	sort.Strings(l)
	return strings.Join(l, ", ")
}

func promWithPort(hosts []string, web int) []string {
	var out []string
	for _, h := range hosts {
		out = append(out, net.JoinHostPort(h, strconv.Itoa(web)))
	}
	return out
}

func promGetsGet(n int) string {
	if n == 1 {
		return "gets"
	}
	return "get"
}
