package lint

import (
	"fmt"
	"strings"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// prometheusLoadBalancer: Prometheus must send every alert to every replica; Alertmanager
// does not gossip alerts. A Service name, a balancer or an ingress is one target, so each
// batch reaches one replica (ha-facts: "do not load balance between Prometheus and its
// Alertmanagers"; "role: service targets the Service's DNS name (a ClusterIP is a load
// balancer)").
type prometheusLoadBalancer struct{}

func (prometheusLoadBalancer) ID() string { return "prometheus/load-balancer" }

const promLBEffect = "each batch of alerts reaches one replica instead of all of them, and Alertmanager does not gossip alerts: " +
	"the replicas hold different alerts, groups fragment into extra notifications, a group held by a later replica waits its peer timeouts, " +
	"and an alert is lost with the replica that held it until Prometheus resends it"

func (c prometheusLoadBalancer) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, pc := range s.PromConfigs {
		entries := promEntries(pc)
		var statics []promTarget
		otherSD := false
		for _, e := range entries {
			out = append(out, c.roles(s, e)...)
			out = append(out, c.dns(s, e)...)
			if len(e.sdKinds()) > 0 {
				otherSD = true
			}
			if promRewritesAddress(e) {
				continue
			}
			for _, t := range e.staticTargets() {
				statics = append(statics, t)
				if f, ok := c.static(s, t); ok {
					out = append(out, f)
				}
			}
		}
		if f, ok := c.lone(s, pc, statics, otherSD); ok {
			out = append(out, f)
		}
	}
	return out
}

// roles: kubernetes_sd_configs with role service (the Service's DNS name, one address) or
// ingress (the ingress host).
func (c prometheusLoadBalancer) roles(s *Set, e promEntry) []model.Finding {
	var out []model.Finding
	for _, sd := range e.At.Get("kubernetes_sd_configs").Items() {
		role := sd.Get("role")
		var what string
		switch strings.ToLower(role.String()) {
		case "service":
			what = "role: service makes one target per Service port, addressed by the Service's DNS name (<service>.<namespace>.svc): " +
				"a ClusterIP balances across the pods, and even a headless Service's name is one target whose connection goes to one pod"
		case "ingress":
			what = "role: ingress makes one target per ingress host, and an ingress balances across the pods behind it"
		default:
			continue
		}
		out = append(out, model.Finding{
			ID: c.ID(), Severity: model.Error, Symptoms: []model.Symptom{model.Missed, model.Duplicates, model.Delayed},
			Objects:   []string{e.Cfg.Name},
			Message:   fmt.Sprintf("The entry alerting.alertmanagers[%d] discovers Alertmanager with kubernetes_sd_configs %s. Through it %s.", e.Index, what, promLBEffect),
			Fix:       "Discover the pods instead: role: endpoints (or endpointslice) with relabel rules keeping the Alertmanager Service and only its web port:\n" + promEndpointsExample(s),
			Locations: []Location{role.Loc()},
		})
	}
	return out
}

// dns: dns_sd_configs on a Service the Set says is not headless: its A record is the one
// ClusterIP (and its SRV record names that address).
func (c prometheusLoadBalancer) dns(s *Set, e promEntry) []model.Finding {
	var out []model.Finding
	for _, sd := range e.At.Get("dns_sd_configs").Items() {
		for _, n := range sd.Get("names").Items() {
			name := promSRVHost(n.String())
			h := promResolve(s, name)
			if h.Kind != promHostService || h.Svc == nil || h.Headless {
				continue
			}
			if r := h.replicas(); r == 1 {
				continue
			}
			out = append(out, model.Finding{
				ID: c.ID(), Severity: model.Error, Symptoms: []model.Symptom{model.Missed, model.Duplicates, model.Delayed},
				Objects: []string{e.Cfg.Name, h.Svc.Obj.ID()},
				Message: fmt.Sprintf("The dns_sd_configs of alerting.alertmanagers[%d] look up %s, the name of %s, which is not headless (clusterIP %s): DNS returns its one virtual IP, "+
					"so Prometheus has one Alertmanager target, a load balancer. Through it %s.", e.Index, n.String(), h.Svc.Obj.ID(), promClusterIP(h), promLBEffect),
				Fix: fmt.Sprintf("Look up a headless Service instead (clusterIP: None, one A record per pod), for example the StatefulSet's governing Service:\n%s",
					promDNSExample(s, h)),
				Locations: []Location{n.Loc()},
			})
		}
	}
	return out
}

// static: a static target that is a Service, a replicated compose service, or a host whose
// name says balancer or ingress.
func (c prometheusLoadBalancer) static(s *Set, t promTarget) (model.Finding, bool) {
	h := promResolve(s, t.Host)
	f := model.Finding{
		ID: c.ID(), Severity: model.Error, Symptoms: []model.Symptom{model.Missed, model.Duplicates, model.Delayed},
		Objects:   []string{t.Entry.Cfg.Name},
		Locations: []Location{t.At.Loc()},
	}
	switch h.Kind {
	case promHostService:
		if h.replicas() == 1 {
			return f, false
		}
		var what string
		switch {
		case h.Svc == nil && h.W == nil:
			f.Severity = model.Warning
			what = fmt.Sprintf("%s has the shape of a Service name (<service>.<namespace>.svc), not of a pod's (<pod>.<service>.<namespace>.svc)", t.Host)
		case h.Headless:
			what = fmt.Sprintf("%s is the headless %s: its name resolves to every pod, but it is one target, and each connection goes to one of the addresses", t.Host, promSvcID(h))
		default:
			what = fmt.Sprintf("%s is %s (clusterIP %s): a virtual IP that balances across the pods", t.Host, promSvcID(h), promClusterIP(h))
		}
		if h.W != nil {
			f.Objects = append(f.Objects, h.W.ID())
			what += fmt.Sprintf(", in front of the %d replicas of %s", h.W.Replicas, h.W.ID())
		}
		f.Message = fmt.Sprintf("The Alertmanager target %s is a Service, not a replica: %s. Through it %s.", t.At.String(), what, promLBEffect)
		f.Fix = promStaticFix(s, h)
		return f, true
	case promHostCompose:
		f.Objects = append(f.Objects, h.W.ID())
		f.Message = fmt.Sprintf("The Alertmanager target %s is the docker-compose service %s, which runs %d containers: Docker's DNS answers its name with every container's address, "+
			"but it is one target, and each connection goes to one container. Through it %s.", t.At.String(), h.W.Name, h.W.Replicas, promLBEffect)
		web := k8sWebPort(h.W)
		f.Fix = fmt.Sprintf("Run one compose service per Alertmanager replica (am1, am2, ...) and list each as a static target (am1:%d, am2:%d, ...).", web, web)
		return f, true
	case promHostUnknown:
		word := promLBWord(t.Host)
		if word == "" {
			return f, false
		}
		f.Severity = model.Warning
		f.Message = fmt.Sprintf("The Alertmanager target %s looks like a load balancer or an ingress (its name contains %q). If it is one, %s. "+
			"If it is one replica's own name, ignore this.", t.At.String(), word, promLBEffect)
		f.Fix = "List every replica's own address as a target (or discover the pods with kubernetes_sd_configs role endpoints, or dns_sd_configs on a headless Service); never the address of a balancer."
		return f, true
	}
	return f, false
}

// lone: the only target of a prometheus.yml whose Set holds one cluster of several replicas.
func (c prometheusLoadBalancer) lone(s *Set, pc *PromConfig, statics []promTarget, otherSD bool) (model.Finding, bool) {
	cl := promOneCluster(s)
	if cl == nil || otherSD || len(statics) != 1 {
		return model.Finding{}, false
	}
	t := statics[0]
	if h := promResolve(s, t.Host); h.Kind != promHostUnknown || promLBWord(t.Host) != "" {
		return model.Finding{}, false
	}
	n := cl.Replicas()
	if cl.Workloads[0].Kind == "Command" {
		n = max(n, len(promPeerHosts(cl)))
	}
	return model.Finding{
		ID: c.ID(), Severity: model.Warning, Symptoms: []model.Symptom{model.Missed, model.Duplicates, model.Delayed},
		Objects: []string{pc.Name, promClusterName(cl)},
		Message: fmt.Sprintf("Prometheus has one Alertmanager target, %s, for %s with %d replicas: either it is one replica (the others get no alerts) "+
			"or something in front of them (a balancer, a VIP, DNS round robin), through which %s.", t.At.String(), promClusterName(cl), n, promLBEffect),
		Fix:       "List every replica as a target, one per replica, each by its own address.",
		Locations: []Location{t.At.Loc()},
	}, true
}

// promRewritesAddress: an entry whose relabel rules set __address__ (or keep/drop targets)
// has targets amha cannot follow; the static checks leave it alone.
func promRewritesAddress(e promEntry) bool {
	for _, r := range promRules(e.At.Get("relabel_configs")) {
		switch r.Action {
		case "replace", "labelmap":
			if r.Target == "__address__" || r.Action == "labelmap" {
				return true
			}
		case "keep", "drop", "keepequal", "dropequal":
			return true
		}
	}
	return false
}

// promSRVHost strips SRV service and protocol labels: _web._tcp.x.ns.svc → x.ns.svc.
func promSRVHost(name string) string {
	labels := strings.Split(strings.ToLower(strings.TrimSuffix(name, ".")), ".")
	for len(labels) > 1 && strings.HasPrefix(labels[0], "_") {
		labels = labels[1:]
	}
	return strings.Join(labels, ".")
}

func promSvcID(h promHost) string {
	if h.Svc != nil {
		return h.Svc.Obj.ID()
	}
	return h.SvcName
}

func promClusterIP(h promHost) string {
	if h.Svc != nil && h.Svc.Svc.Spec.ClusterIP != "" {
		return h.Svc.Svc.Spec.ClusterIP
	}
	return "allocated by Kubernetes"
}

// promPodTargets are the per-pod static targets of a StatefulSet or operator object.
func promPodTargets(w *Workload) []string {
	prefix, gov := promPodPrefix(w)
	if prefix == "" || gov == "" {
		return nil
	}
	suffix := ""
	if w.Namespace != "" {
		suffix = "." + w.Namespace + ".svc"
	}
	var out []string
	for i := 0; i < w.Replicas; i++ {
		out = append(out, fmt.Sprintf("%s-%d.%s%s:%d", prefix, i, gov, suffix, k8sWebPort(w)))
	}
	return out
}

func promStaticFix(s *Set, h promHost) string {
	if h.W != nil {
		if ts := promPodTargets(h.W); len(ts) > 0 {
			return fmt.Sprintf("List every replica by its pod name (static_configs: [{targets: [%s]}]), or discover the pods:\n%s",
				strings.Join(ts, ", "), promEndpointsExample(s))
		}
	}
	return "Discover the pods behind the Service instead of sending to its name:\n" + promEndpointsExample(s)
}

// promEndpointsExample is the discovery prometheus-operator generates, for the Set's
// Alertmanager when there is one.
func promEndpointsExample(s *Set) string {
	svc, ns, port := "alertmanager-operated", "monitoring", "web"
	for _, w := range k8sWorkloads(s) {
		if _, gov := promPodPrefix(w); gov != "" {
			svc = gov
		}
		if w.Namespace != "" {
			ns = w.Namespace
		}
		for _, ks := range k8sServices(s, w) {
			for _, p := range ks.Svc.Spec.Ports {
				if (int(p.Port) == k8sWebPort(w) || p.TargetPort.IntValue() == k8sWebPort(w)) && p.Name != "" {
					svc, port = ks.Obj.Name, p.Name
				}
			}
		}
		break
	}
	return fmt.Sprintf("  - kubernetes_sd_configs:\n    - {role: endpoints, namespaces: {names: [%s]}}\n    relabel_configs:\n"+
		"    - {source_labels: [__meta_kubernetes_service_name], regex: %s, action: keep}\n"+
		"    - {source_labels: [__meta_kubernetes_endpoint_port_name], regex: %s, action: keep}", ns, svc, port)
}

func promDNSExample(s *Set, h promHost) string {
	if h.W != nil {
		if _, gov := promPodPrefix(h.W); gov != "" {
			name := gov
			if h.W.Namespace != "" {
				name += "." + h.W.Namespace + ".svc"
			}
			return fmt.Sprintf("  - dns_sd_configs:\n    - {names: [%s], type: A, port: %d}", name, k8sWebPort(h.W))
		}
	}
	return "  - dns_sd_configs:\n    - {names: [alertmanager-operated.monitoring.svc], type: A, port: 9093}"
}
