package lint

import (
	"fmt"
	"net/url"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// k8sProbes: /-/healthy and /-/ready answer 200 as soon as the web server listens, also while
// gossip settles: they say the process serves HTTP, nothing about the mesh (ha-facts, Health
// and status; issue 3026). A readiness probe still paces rollouts; a probe on a path the server
// does not have fails for good (httpserver.Register, ui.Register and api.Register in v0.34;
// /api/v1 answers 410 from v0.27).
type k8sProbes struct{}

func (k8sProbes) ID() string { return "k8s/probes" }

func (c k8sProbes) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, w := range k8sWorkloads(s) {
		if !w.Container.Valid() || k8sGeneratedBy(w) != "" {
			continue // the operator writes its own probes on /-/healthy and /-/ready
		}
		prefix := k8sRoutePrefix(w)
		for _, kind := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
			n := w.Container.Get(kind)
			var p corev1.Probe
			if !n.Valid() || decodeJSON(n, &p) != nil || p.HTTPGet == nil {
				continue
			}
			if why := k8sProbeFails(w, p.HTTPGet, prefix); why != "" {
				out = append(out, c.broken(w, kind, n, why, prefix))
			}
		}
		if n := w.Container.Get("readinessProbe"); !n.Valid() {
			out = append(out, model.Finding{
				ID: c.ID(), Severity: model.Info, Symptoms: []model.Symptom{},
				Objects: []string{w.ID()},
				Message: "The alertmanager container has no readinessProbe, so a pod counts as Ready as soon as its process starts, before it loads its configuration and serves HTTP: " +
					"a rolling update moves on to the next replica, and Services send requests to it, that early. /-/ready answers 200 once the web server listens, even while gossip settles: " +
					"it paces rollouts, it says nothing about the mesh.",
				Fix: fmt.Sprintf("Add readinessProbe: {httpGet: {path: %s, port: %s}, periodSeconds: 5}. Do not make readiness depend on the mesh (cluster.status from /api/v2/status): "+
					"a replica that is not Ready would drop out of its peers' DNS and of Prometheus' targets, the opposite of what a settling replica needs.", k8sJoinPrefix(prefix, "/-/ready"), k8sWebPortRef(w)),
				Locations: []Location{n.LocOr(w.Container)},
			})
		}
	}
	return out
}

func (c k8sProbes) broken(w *Workload, kind string, n Node, why, prefix string) model.Finding {
	f := model.Finding{
		ID: c.ID(), Severity: model.Warning, Symptoms: []model.Symptom{model.Missed},
		Objects: []string{w.ID()},
		Fix: fmt.Sprintf("Probe %s (liveness) and %s (readiness) on port %s; they answer 200 as long as the web server runs.",
			k8sJoinPrefix(prefix, "/-/healthy"), k8sJoinPrefix(prefix, "/-/ready"), k8sWebPortRef(w)),
		Locations: []Location{n.Get("httpGet").LocOr(n)},
	}
	switch kind {
	case "livenessProbe":
		f.Severity = model.Error
		f.Message = fmt.Sprintf("The livenessProbe always fails: %s. The kubelet kills every replica after failureThreshold misses and restarts it, over and over: "+
			"replicas keep dropping out, each restart empties its alerts, and with all of them down nothing is notified.", why)
	case "startupProbe":
		f.Severity = model.Error
		f.Message = fmt.Sprintf("The startupProbe always fails: %s. The kubelet kills every replica before its other probes even start, over and over, "+
			"and with all of them down nothing is notified.", why)
	default:
		f.Message = fmt.Sprintf("The readinessProbe always fails: %s. No replica ever becomes Ready: a rolling update stops at the first pod, OrderedReady never creates the pods after it, "+
			"a governing Service without publishNotReadyAddresses never publishes their names to their peers, and Services send them nothing.", why)
	}
	if k8sHelm(w.Object) {
		f.Fix += " Helm chart values: livenessProbe and readinessProbe."
	}
	return f
}

// k8sProbeFails says why an HTTP probe cannot succeed against Alertmanager's web server, ""
// when it can or when amha cannot tell (another container's port, an unknown scheme).
func k8sProbeFails(w *Workload, g *corev1.HTTPGetAction, prefix string) string {
	port := g.Port.IntValue()
	if g.Port.Type == intstr.String {
		port = 0
		for _, cp := range k8sContainerPorts(w) {
			if cp.Name == g.Port.StrVal {
				port = int(cp.ContainerPort)
			}
		}
		if port == 0 {
			return fmt.Sprintf("port %q is not a port name of the container", g.Port.StrVal)
		}
	}
	if port == k8sMeshPort(w) {
		return fmt.Sprintf("port %d is the mesh port, where memberlist speaks its own protocol, not HTTP", port)
	}
	if port != k8sWebPort(w) {
		return "" // maybe a sidecar's port
	}
	p := g.Path
	if u, err := url.Parse(p); err == nil {
		p = u.Path
	}
	if k8sWebPathExists(w, p, prefix) {
		return ""
	}
	why := fmt.Sprintf("Alertmanager has no page %s", g.Path)
	if prefix != "/" {
		why += fmt.Sprintf(" (its routes are under the prefix %s)", prefix)
	}
	if atLeast, _ := versionAtLeast(w.Version, 0, 27); atLeast && strings.HasPrefix(strings.TrimPrefix(p, strings.TrimSuffix(prefix, "/")), "/api/v1/") {
		why = fmt.Sprintf("%s is the v1 API, which answers 410 Gone from v0.27 (this is %s)", g.Path, w.Version)
	}
	return why
}

// k8sWebPathExists: the GET routes of Alertmanager's web server (v0.34 httpserver, ui and api
// packages) under the route prefix; / redirects to the prefix, and the kubelet counts 3xx as
// success. The v1 API answers 410 from v0.27; an unknown version gets the benefit of the doubt.
func k8sWebPathExists(w *Workload, p, prefix string) bool {
	if p == "" {
		p = "/"
	}
	if prefix != "/" {
		if p == "/" || p == prefix {
			return true
		}
		if !strings.HasPrefix(p, prefix+"/") {
			return false
		}
		p = strings.TrimPrefix(p, prefix)
	}
	if p != "/" {
		p = strings.TrimSuffix(p, "/") // a trailing slash is redirected
	}
	switch p {
	case "/", "/-/healthy", "/-/ready", "/metrics", "/favicon.ico", "/api/v2":
		return true
	}
	for _, sub := range []string{"/api/v2/", "/assets/", "/debug/"} {
		if strings.HasPrefix(p, sub) {
			return true
		}
	}
	if strings.HasPrefix(p, "/api/v1/") {
		atLeast, known := versionAtLeast(w.Version, 0, 27)
		return !known || !atLeast
	}
	return false
}

// k8sRoutePrefix is --web.route-prefix, else the path of --web.external-url, as "/" or "/x".
func k8sRoutePrefix(w *Workload) string {
	p := ""
	if a := w.Arg("web.route-prefix"); a != nil {
		p = a.Value
	}
	if a := w.Arg("web.external-url"); p == "" && a != nil {
		if u, err := url.Parse(a.Value); err == nil {
			p = u.Path
		}
	}
	return "/" + strings.Trim(p, "/")
}

func k8sJoinPrefix(prefix, p string) string { return path.Join(prefix, p) }

// k8sWebPortRef names the web port as the container declares it.
func k8sWebPortRef(w *Workload) string {
	web := k8sWebPort(w)
	for _, cp := range k8sContainerPorts(w) {
		if int(cp.ContainerPort) == web && cp.Name != "" {
			return cp.Name
		}
	}
	return fmt.Sprint(web)
}
