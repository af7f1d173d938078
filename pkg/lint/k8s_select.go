package lint

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// What the k8s/* checks share: which workloads they judge, and the objects that select a
// workload's pods (Services, PodDisruptionBudgets, NetworkPolicies), matched by namespace and
// label selector as Kubernetes does.

// k8sWorkloads are the Kubernetes Alertmanager workloads: StatefulSets, Deployments and
// prometheus-operator objects. A StatefulSet the operator generated is left out when its
// Alertmanager object is among the inputs too: the fix belongs to the object the user writes.
func k8sWorkloads(s *Set) []*Workload {
	var out []*Workload
	for _, w := range s.Workloads {
		switch w.Kind {
		case "StatefulSet", "Deployment":
			if am := k8sGeneratedBy(w); am != "" && k8sFind(s, "Alertmanager", w.Namespace, am) != nil {
				continue
			}
		case "Alertmanager":
		default:
			continue
		}
		out = append(out, w)
	}
	return out
}

// k8sMeshOn: two or more replicas with clustering on, the condition of every mesh rule.
func k8sMeshOn(w *Workload) bool { return w.Replicas >= 2 && w.Clustered() }

// k8sGeneratedBy is the name of the Alertmanager object prometheus-operator generated this
// StatefulSet from ("" when a user wrote it). Changes to a generated StatefulSet are reverted.
func k8sGeneratedBy(w *Workload) string {
	if w.Kind != "StatefulSet" {
		return ""
	}
	meta := w.Object.Root.Get("metadata")
	for _, r := range meta.Get("ownerReferences").Items() {
		if r.Get("kind").String() == "Alertmanager" {
			return r.Get("name").String()
		}
	}
	l := meta.Get("labels")
	if l.Get("managed-by").String() != "prometheus-operator" && l.Get("app.kubernetes.io/managed-by").String() != "prometheus-operator" {
		return ""
	}
	if n := l.Get("alertmanager").String(); n != "" {
		return n
	}
	return strings.TrimPrefix(w.Name, "alertmanager-")
}

// k8sHelm reports whether the prometheus-community alertmanager chart rendered the object.
func k8sHelm(o *Object) bool {
	return o != nil && strings.HasPrefix(o.Root.Get("metadata", "labels", "helm.sh/chart").String(), "alertmanager-")
}

// k8sFixFor adds where a fix goes when the workload is not written by hand: prometheus-operator
// reverts edits of the StatefulSet it generates.
func k8sFixFor(w *Workload, fix, operatorField string) string {
	if am := k8sGeneratedBy(w); am != "" && operatorField != "" {
		return fmt.Sprintf("prometheus-operator generates %s from the Alertmanager object %s and reverts edits: %s", w.ID(), am, operatorField)
	}
	return fix
}

// k8sSameNamespace: objects read from files often carry no namespace (applied with -n); an
// empty namespace matches any.
func k8sSameNamespace(a, b string) bool { return a == "" || b == "" || a == b }

func k8sFind(s *Set, kind, ns, name string) *Object {
	for _, o := range s.Objects {
		if o.Kind == kind && o.Name == name && k8sSameNamespace(o.Namespace, ns) {
			return o
		}
	}
	return nil
}

// k8sOfKind are the objects of a kind in the workload's namespace.
func k8sOfKind(s *Set, w *Workload, kind string) []*Object {
	var out []*Object
	for _, o := range s.Objects {
		if o.Kind == kind && k8sSameNamespace(o.Namespace, w.Namespace) {
			out = append(out, o)
		}
	}
	return out
}

// k8sPods are the labels of each replica's pod: the template's, plus the per-pod labels the
// StatefulSet controller adds (a policy or Service may select one pod by its name).
func k8sPods(w *Workload) []map[string]string {
	prefix := w.Name
	if w.Kind == "Alertmanager" {
		prefix = "alertmanager-" + w.Name
	}
	n := max(w.Replicas, 1)
	out := make([]map[string]string, 0, n)
	for i := 0; i < n; i++ {
		l := make(map[string]string, len(w.PodLabels)+2)
		for k, v := range w.PodLabels {
			l[k] = v
		}
		if w.Kind != "Deployment" {
			l["statefulset.kubernetes.io/pod-name"] = fmt.Sprintf("%s-%d", prefix, i)
			l["apps.kubernetes.io/pod-index"] = strconv.Itoa(i)
		}
		out = append(out, l)
	}
	return out
}

// k8sSelects reports whether a label selector selects any of the pods. A nil selector selects
// nothing, an empty one everything (metav1.LabelSelectorAsSelector).
func k8sSelects(sel *metav1.LabelSelector, pods []map[string]string) bool {
	ls, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return false
	}
	for _, p := range pods {
		if ls.Matches(labels.Set(p)) {
			return true
		}
	}
	return false
}

// k8sService is a Service with its typed form.
type k8sService struct {
	Obj *Object
	Svc corev1.Service
}

// k8sServices are the Services of the namespace whose selector selects the workload's pods.
func k8sServices(s *Set, w *Workload) []k8sService {
	var out []k8sService
	pods := k8sPods(w)
	for _, o := range k8sOfKind(s, w, "Service") {
		// The selector straight from the YAML first: decoding every Service of the
		// namespace for every workload would make lint quadratic.
		sel := map[string]string{}
		keys, vals := o.Root.Get("spec", "selector").Fields()
		for i, k := range keys {
			sel[k] = vals[i].String()
		}
		if len(sel) == 0 || !k8sSelects(&metav1.LabelSelector{MatchLabels: sel}, pods) {
			continue
		}
		var svc corev1.Service
		if err := o.Decode(&svc); err != nil || len(svc.Spec.Selector) == 0 {
			continue
		}
		out = append(out, k8sService{Obj: o, Svc: svc})
	}
	return out
}

// k8sGoverning is the StatefulSet's governing Service (spec.serviceName) when it is among the
// inputs. For the operator object it is nil: the operator creates alertmanager-operated itself.
func k8sGoverning(s *Set, w *Workload) (*k8sService, Node) {
	if w.Kind != "StatefulSet" {
		return nil, Node{}
	}
	name := w.Object.Root.Get("spec", "serviceName")
	o := k8sFind(s, "Service", w.Namespace, name.String())
	if name.String() == "" || o == nil {
		return nil, name
	}
	var svc corev1.Service
	if err := o.Decode(&svc); err != nil {
		return nil, name
	}
	return &k8sService{Obj: o, Svc: svc}, name
}

// k8sHeadless: clusterIP None (also as the first of clusterIPs).
func k8sHeadless(svc corev1.Service) bool {
	return svc.Spec.ClusterIP == corev1.ClusterIPNone || (len(svc.Spec.ClusterIPs) > 0 && svc.Spec.ClusterIPs[0] == corev1.ClusterIPNone)
}

// k8sParallel reports whether the replicas start together: podManagementPolicy Parallel, which
// prometheus-operator uses unless its object says otherwise.
func k8sParallel(w *Workload) bool {
	switch w.Kind {
	case "StatefulSet":
		return w.Object.Root.Get("spec", "podManagementPolicy").String() == "Parallel"
	case "Alertmanager":
		return w.PodSpec.Get("podManagementPolicy").String() != "OrderedReady"
	}
	return true // a Deployment starts its pods together
}

// k8sPort is the port of a host:port flag value, or def.
func k8sPort(w *Workload, flag string, def int) int {
	a := w.Arg(flag)
	if a == nil {
		return def
	}
	_, p, err := net.SplitHostPort(a.Value)
	if err != nil {
		return def
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		return def
	}
	return n
}

// k8sMeshPort is the cluster port (--cluster.listen-address, default 9094).
func k8sMeshPort(w *Workload) int { return k8sPort(w, "cluster.listen-address", 9094) }

// k8sMeshPortsOf are the distinct cluster ports of workloads, in order.
func k8sMeshPortsOf(ws []*Workload) []int {
	seen := map[int]bool{}
	var ports []int
	for _, w := range ws {
		if p := k8sMeshPort(w); !seen[p] {
			seen[p] = true
			ports = append(ports, p)
		}
	}
	sort.Ints(ports)
	return ports
}

// k8sMeshPorts names the cluster ports of workloads for a message: "port 9094", "ports 9095
// and 9096".
func k8sMeshPorts(ws ...*Workload) string {
	var out []string
	for _, p := range k8sMeshPortsOf(ws) {
		out = append(out, strconv.Itoa(p))
	}
	if len(out) == 1 {
		return "port " + out[0]
	}
	return "ports " + configAndList(out)
}

// k8sMeshProtocols names the cluster ports of workloads with both protocols, for a fix:
// "9094/TCP and 9094/UDP".
func k8sMeshProtocols(ws ...*Workload) string {
	var out []string
	for _, p := range k8sMeshPortsOf(ws) {
		out = append(out, fmt.Sprintf("%d/TCP", p), fmt.Sprintf("%d/UDP", p))
	}
	return configAndList(out)
}

// k8sWebPort is the HTTP port (--web.listen-address, default :9093).
func k8sWebPort(w *Workload) int { return k8sPort(w, "web.listen-address", 9093) }

// k8sContainerPorts are the alertmanager container's declared ports, typed.
func k8sContainerPorts(w *Workload) []corev1.ContainerPort {
	if w.Kind == "Alertmanager" {
		return operatorContainerPorts(w)
	}
	var ports []corev1.ContainerPort
	if err := decodeJSON(w.Container.Get("ports"), &ports); err != nil {
		return nil
	}
	return ports
}

// k8sReplicasLoc points at spec.replicas, or the object when it is defaulted.
func k8sReplicasLoc(w *Workload) Location { return w.ReplicasNode.LocOr(w.At) }

// operatorContainerPorts are the alertmanager container's ports as prometheus-operator
// generates them (pkg/alertmanager/statefulset.go): spec.portName ("web") 9093/TCP unless
// spec.listenLocal, mesh-tcp 9094/TCP and mesh-udp 9094/UDP.
func operatorContainerPorts(w *Workload) []corev1.ContainerPort {
	ports := []corev1.ContainerPort{
		{Name: "mesh-tcp", ContainerPort: 9094, Protocol: corev1.ProtocolTCP},
		{Name: "mesh-udp", ContainerPort: 9094, Protocol: corev1.ProtocolUDP},
	}
	if local, _ := w.PodSpec.Get("listenLocal").Bool(); !local {
		name := w.PodSpec.Get("portName").String()
		if name == "" {
			name = "web"
		}
		ports = append([]corev1.ContainerPort{{Name: name, ContainerPort: 9093, Protocol: corev1.ProtocolTCP}}, ports...)
	}
	return ports
}
