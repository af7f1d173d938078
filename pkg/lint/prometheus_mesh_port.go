package lint

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// prometheusMeshPort: Kubernetes discovery makes one target per port of the Alertmanager
// endpoints or pods; without a rule keeping only the web port, Prometheus also posts alerts
// to the cluster port (9094 by default), where memberlist does not speak HTTP (ha-facts:
// "keeping only the web port (otherwise alerts also go to 9094)"). A target on the cluster
// port alone reaches no replica. The ports are the Alertmanagers' own (promMeshPorts).
type prometheusMeshPort struct{}

func (prometheusMeshPort) ID() string { return "prometheus/mesh-port" }

const promMeshEffect = "memberlist does not speak HTTP and closes the connection, so those sends fail and count in prometheus_notifications_errors_total, " +
	"hiding real failures (an alert like PrometheusErrorSendingAlertsToSomeAlertmanagers fires for good); before Prometheus 3.10 one batch waits for every " +
	"Alertmanager, so a gossip port that does not answer (dropped by a NetworkPolicy) holds each batch up to the send timeout (10s)"

const promMeshNone = "memberlist does not speak HTTP, so every send fails: no replica gets an alert from it, and if this is how Prometheus reaches Alertmanager, nothing pages"

// promPortLabels are the target labels that carry the port, per Kubernetes SD role.
var promPortLabels = map[string][]string{
	"endpoints":     {"__meta_kubernetes_endpoint_port_name", "__meta_kubernetes_pod_container_port_name", "__meta_kubernetes_pod_container_port_number", "__address__"},
	"endpointslice": {"__meta_kubernetes_endpointslice_port_name", "__meta_kubernetes_endpointslice_port", "__meta_kubernetes_pod_container_port_name", "__meta_kubernetes_pod_container_port_number", "__address__"},
	"pod":           {"__meta_kubernetes_pod_container_port_name", "__meta_kubernetes_pod_container_port_number", "__address__"},
}

func (c prometheusMeshPort) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, pc := range s.PromConfigs {
		for _, e := range promEntries(pc) {
			out = append(out, c.kubernetes(s, e)...)
			out = append(out, c.static(s, e)...)
			out = append(out, c.dns(s, e)...)
		}
	}
	for _, o := range s.Objects {
		if o.Kind == "Prometheus" && o.Group() == "monitoring.coreos.com" {
			out = append(out, c.operator(s, o)...)
		}
	}
	return out
}

func (c prometheusMeshPort) kubernetes(s *Set, e promEntry) []model.Finding {
	var out []model.Finding
	for _, sd := range e.At.Get("kubernetes_sd_configs").Items() {
		role := strings.ToLower(sd.Get("role").String())
		if promPortLabels[role] == nil {
			continue
		}
		keeps, byName := promKeepsWebPort(s, e, role)
		if keeps || promMeshList(s) == "" {
			continue
		}
		locs := []Location{sd.Get("role").Loc()}
		if rc := e.At.Get("relabel_configs"); rc.Valid() {
			locs = append(locs, e.At.Key("relabel_configs").Loc())
		}
		label, value := promWebPortRule(s, role)
		msg := fmt.Sprintf("The entry alerting.alertmanagers[%d] discovers Alertmanager with kubernetes_sd_configs role %s, and no relabel rule keeps only the web port: "+
			"every port of the %s becomes a target, the cluster port %s too, so Prometheus also posts every alert to %s. %s.",
			e.Index, role, promRoleWhat(role), promMeshList(s), promMeshList(s), promMeshEffect)
		if byName != nil {
			msg = fmt.Sprintf("The entry alerting.alertmanagers[%d] discovers Alertmanager with kubernetes_sd_configs role %s and keeps %s by name only. "+
				"Its ports leave out the cluster port, but %s, and %s discovery also makes a target for every container port of the Service's pods that the Service does not expose, "+
				"so Prometheus also posts every alert to %d. %s.",
				e.Index, role, byName.Service, byName.Pods, role, byName.Port, promMeshEffect)
		}
		out = append(out, model.Finding{
			ID: c.ID(), Severity: model.Warning, Symptoms: []model.Symptom{model.Delayed},
			Objects:   []string{e.Cfg.Name},
			Message:   msg,
			Fix:       fmt.Sprintf("Add a rule keeping only the web port to this entry's relabel_configs:\n    - {source_labels: [%s], regex: %s, action: keep}", label, value),
			Locations: locs,
		})
	}
	return out
}

func (c prometheusMeshPort) static(s *Set, e promEntry) []model.Finding {
	targets := e.staticTargets()
	var mesh []promTarget
	for _, t := range targets {
		if promIsMeshPort(s, t.Port) {
			mesh = append(mesh, t)
		}
	}
	if len(mesh) == 0 {
		return nil
	}
	var names []string
	var locs []Location
	for _, t := range mesh {
		names = append(names, t.At.String())
		locs = append(locs, t.At.Loc())
	}
	f := model.Finding{
		ID: c.ID(), Objects: []string{e.Cfg.Name}, Locations: locs,
		Fix: "Use the web port in the targets: " + strings.Join(promToWebPort(s, mesh), ", ") + ".",
	}
	if len(mesh) == len(targets) {
		f.Severity, f.Symptoms = model.Error, []model.Symptom{model.Missed}
		f.Message = fmt.Sprintf("The entry alerting.alertmanagers[%d] sends alerts only to the cluster (gossip) port: %s. %s.", e.Index, strings.Join(names, ", "), promMeshNone)
	} else {
		f.Severity, f.Symptoms = model.Warning, []model.Symptom{model.Delayed}
		f.Message = fmt.Sprintf("The entry alerting.alertmanagers[%d] also sends alerts to the cluster (gossip) port: %s. %s.", e.Index, strings.Join(names, ", "), promMeshEffect)
	}
	return []model.Finding{f}
}

func (c prometheusMeshPort) dns(s *Set, e promEntry) []model.Finding {
	var out []model.Finding
	for _, sd := range e.At.Get("dns_sd_configs").Items() {
		typ := strings.ToUpper(sd.Get("type").String())
		if typ == "" {
			typ = "SRV"
		}
		if typ == "SRV" {
			for _, n := range sd.Get("names").Items() {
				first := strings.ToLower(strings.TrimPrefix(strings.Split(n.String(), ".")[0], "_"))
				if mesh, _ := promMeshValues(s); strings.HasPrefix(n.String(), "_") && promIndex(mesh, first) >= 0 {
					out = append(out, c.dnsFinding(e, n, fmt.Sprintf("the SRV name %s looks up the cluster port %q", n.String(), first), promWebPortFor(s, 0)))
				}
			}
			continue
		}
		port := sd.Get("port")
		if n, ok := port.Int(); ok && promIsMeshPort(s, n) {
			out = append(out, c.dnsFinding(e, port, fmt.Sprintf("dns_sd_configs type %s uses port %d, the cluster port", typ, n), promWebPortFor(s, n)))
		}
	}
	return out
}

func (c prometheusMeshPort) dnsFinding(e promEntry, at Node, what string, web int) model.Finding {
	return model.Finding{
		ID: c.ID(), Severity: model.Error, Symptoms: []model.Symptom{model.Missed},
		Objects:   []string{e.Cfg.Name},
		Message:   fmt.Sprintf("The entry alerting.alertmanagers[%d] sends alerts to the cluster (gossip) port: %s. %s.", e.Index, what, promMeshNone),
		Fix:       fmt.Sprintf("Look up the web port: with type A, port: %d; with SRV, the web port's name (_web._tcp.<service>.<namespace>.svc).", web),
		Locations: []Location{at.Loc()},
	}
}

// operator: prometheus-operator keeps only the named port of the Service's endpoints, so a
// cluster port there is the only target.
func (c prometheusMeshPort) operator(s *Set, p *Object) []model.Finding {
	var out []model.Finding
	meshNames, _ := promMeshValues(s)
	for i, am := range p.Root.Get("spec", "alerting", "alertmanagers").Items() {
		port := am.Get("port")
		var what string
		if n, ok := port.Int(); ok {
			if !promIsMeshPort(s, n) {
				continue
			}
			what = fmt.Sprintf("port %d", n)
		} else {
			if promIndex(meshNames, port.String()) < 0 {
				continue
			}
			what = fmt.Sprintf("port %q, the name of the cluster port", port.String())
		}
		out = append(out, model.Finding{
			ID: c.ID(), Severity: model.Error, Symptoms: []model.Symptom{model.Missed},
			Objects: []string{p.ID()},
			Message: fmt.Sprintf("The entry spec.alerting.alertmanagers[%d] (Service %s) names %s: prometheus-operator keeps only that port of the endpoints, "+
				"so this Prometheus sends its alerts to the cluster (gossip) port alone. %s.", i, am.Get("name").String(), what, promMeshNone),
			Fix:       "Set port: web (the name of the Service's web port) or the web port number 9093.",
			Locations: []Location{port.Loc()},
		})
	}
	return out
}

// promKeepsWebPort reports whether an entry's relabel rules leave no target on the cluster
// port: a keep on a port label whose regex matches none of the cluster port's names and
// numbers, a drop that matches them, a replace setting __address__ to a fixed other port,
// or (endpoints roles) a keep on Services the Set shows without a cluster port whose pods in
// the Set declare none either. byName is such a keep defeated by the pods' container ports.
func promKeepsWebPort(s *Set, e promEntry, role string) (keeps bool, byName *promPodMesh) {
	meshNames, meshNums := promMeshValues(s)
	valuesFor := func(label string) []string {
		switch {
		case label == "__address__":
			var out []string
			for _, n := range meshNums {
				out = append(out, "10.0.0.1:"+n)
			}
			return out
		case strings.HasSuffix(label, "_name"):
			return meshNames
		default:
			return meshNums
		}
	}
	for _, r := range promRules(e.At.Get("relabel_configs")) {
		var portLabel string
		for _, src := range r.Source {
			if promIndex(promPortLabels[role], src) >= 0 {
				portLabel = src
			}
		}
		switch r.Action {
		case "keep", "drop":
			if portLabel == "" {
				if r.Action == "keep" && len(r.Source) == 1 && r.Source[0] == "__meta_kubernetes_service_name" && role != "pod" {
					ok, pods := promServicesWithoutMesh(s, r)
					if ok {
						return true, nil
					}
					if pods != nil && byName == nil {
						byName = pods
					}
				}
				continue
			}
			if len(r.Source) > 1 {
				return true, nil // a joined value amha does not evaluate: trust it
			}
			hits := false
			for _, v := range valuesFor(portLabel) {
				hits = hits || r.matches(v)
			}
			if r.Action == "keep" && !hits && r.Regex != nil {
				return true, nil
			}
			if r.Action == "drop" && hits {
				return true, nil
			}
		case "replace":
			if r.Target == "__address__" {
				if m := promFixedPort.FindStringSubmatch(r.Replacement); m != nil && promIndex(meshNums, m[1]) < 0 {
					return true, nil
				}
			}
		}
	}
	return false, byName
}

var promFixedPort = regexp.MustCompile(`:(\d+)$`)

// promPodMesh is a keep on Service names that the pods behind them defeat.
type promPodMesh struct {
	Service string // the Service, as the rule names it
	Pods    string // which pods declare the cluster port, and under which names
	Port    int
}

// promServicesWithoutMesh: a keep on literal Service names, all in the Set, none with a
// cluster port. Endpoints and EndpointSlice discovery also make a target for every container
// port of a Service's pods that no endpoint port covers (Prometheus discovery/kubernetes
// endpoints.go and endpointslice.go, "check all container ports"), with the Service's labels:
// when the Set holds the pods (a workload the Service selects) and they declare the cluster
// port, the keep lets it through, and pods says so. Pods the Set does not hold are not judged.
func promServicesWithoutMesh(s *Set, r promRule) (ok bool, pods *promPodMesh) {
	re := r.At.Get("regex").String()
	if !regexp.MustCompile(`^[a-z0-9.-]+(\|[a-z0-9.-]+)*$`).MatchString(re) {
		return false, nil
	}
	mesh, _ := promMeshValues(s)
	for _, name := range strings.Split(re, "|") {
		h, found := promResolveService(s, name, "")
		if !found || h.Svc == nil {
			return false, nil
		}
		for _, p := range h.Svc.Svc.Spec.Ports {
			if promIsMeshPort(s, int(p.Port)) || promIsMeshPort(s, p.TargetPort.IntValue()) {
				return false, nil
			}
			if promIndex(mesh, p.Name) >= 0 || promIndex(mesh, p.TargetPort.StrVal) >= 0 {
				return false, nil
			}
		}
		for _, w := range k8sWorkloads(s) {
			selected := false
			for _, ks := range k8sServices(s, w) {
				selected = selected || ks.Obj == h.Svc.Obj
			}
			if !selected {
				continue
			}
			port, names := promDeclaredMesh(s, w)
			if port == 0 {
				continue
			}
			what := fmt.Sprintf("the pods of %s declare the container port %d", w.ID(), port)
			if len(names) > 0 {
				what += " (" + strings.Join(names, ", ") + ")"
			}
			return false, &promPodMesh{Service: h.Svc.Obj.ID(), Pods: what, Port: port}
		}
	}
	return true, nil
}

// promDeclaredMesh is the cluster port the workload's pods declare as a container port, in any
// container and any protocol, with its names (0 when they declare none). prometheus-operator's
// pods always declare mesh-tcp and mesh-udp on 9094 (pkg/alertmanager/statefulset.go).
func promDeclaredMesh(s *Set, w *Workload) (int, []string) {
	if w.Kind == "Alertmanager" {
		return 9094, []string{"mesh-tcp", "mesh-udp"}
	}
	var ports []corev1.ContainerPort
	for _, field := range []string{"containers", "initContainers"} {
		for _, c := range w.PodSpec.Get(field).Items() {
			var cp []corev1.ContainerPort
			if decodeJSON(c.Get("ports"), &cp) == nil {
				ports = append(ports, cp...)
			}
		}
	}
	port := 0
	var names []string
	for _, cp := range ports {
		if !promIsMeshPort(s, int(cp.ContainerPort)) || (port != 0 && int(cp.ContainerPort) != port) {
			continue
		}
		port = int(cp.ContainerPort)
		if cp.Name != "" && promIndex(names, cp.Name) < 0 {
			names = append(names, cp.Name)
		}
	}
	return port, names
}

// promWebPortRule is the keep rule for the role: its label and the web port's name.
func promWebPortRule(s *Set, role string) (label, value string) {
	value = "web"
	for _, w := range k8sWorkloads(s) {
		for _, ks := range k8sServices(s, w) {
			for _, p := range ks.Svc.Spec.Ports {
				if p.Name != "" && (int(p.Port) == k8sWebPort(w) || p.TargetPort.IntValue() == k8sWebPort(w)) {
					value = p.Name
				}
			}
		}
	}
	switch role {
	case "endpointslice":
		return "__meta_kubernetes_endpointslice_port_name", value
	case "pod":
		return "__meta_kubernetes_pod_container_port_number", strconv.Itoa(promWebPortFor(s, 0))
	}
	return "__meta_kubernetes_endpoint_port_name", value
}

func promRoleWhat(role string) string {
	switch role {
	case "pod":
		return "Alertmanager pods' containers"
	case "endpointslice":
		return "Alertmanager EndpointSlices"
	}
	return "Alertmanager Endpoints"
}

// promToWebPort are the targets on the web port of the Alertmanager whose cluster port they name.
func promToWebPort(s *Set, targets []promTarget) []string {
	var out []string
	for _, t := range targets {
		out = append(out, promFixedPort.ReplaceAllString(t.At.String(), fmt.Sprintf(":%d", promWebPortFor(s, t.Port))))
	}
	return out
}
