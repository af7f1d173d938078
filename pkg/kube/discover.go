package kube

import (
	"context"
	"fmt"
	"net"
	"path"
	"sort"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// Found is one Alertmanager cluster: a StatefulSet running an alertmanager container.
type Found struct {
	Namespace   string
	Name        string
	Source      string // "prometheus-operator", "helm" or "statefulset"
	StatefulSet *appsv1.StatefulSet
	Container   string
	Pods        []corev1.Pod
}

// Replica describes one pod as a replica: where its web port is and its cluster flags.
type Replica struct {
	Pod          corev1.Pod
	WebPort      int
	WebAddresses []string
	Flags        *model.Flags
	Info         *model.Pod
}

// Query says which clusters to find.
type Query struct {
	// Namespace to look in; ignored with All.
	Namespace string
	// Name is a StatefulSet, or a prometheus-operator Alertmanager object (its StatefulSet is
	// alertmanager-<name>); "" for every cluster of the namespace.
	Name string
	// All looks in every namespace, and accepts several clusters.
	All bool
}

// Find returns the clusters of q: a NotFoundError when there is none, an AmbiguousError when
// there are several in one namespace and none was named.
func (c *Client) Find(ctx context.Context, q Query) ([]Found, error) {
	ns, where := q.Namespace, "namespace "+q.Namespace
	if q.All {
		ns, where = "", "any namespace"
	}
	found, err := discover(ctx, c.CS, ns, q.Name)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, &NotFoundError{Where: where}
	}
	if len(found) > 1 && q.Name == "" && !q.All {
		return nil, &AmbiguousError{Where: where, Found: found}
	}
	return found, nil
}

// discover lists the Alertmanager clusters in namespace (all namespaces when namespace is "").
// With a name, only that cluster: a StatefulSet of that name, or a prometheus-operator
// Alertmanager object of that name (its StatefulSet is alertmanager-<name>).
func discover(ctx context.Context, cs kubernetes.Interface, namespace, name string) ([]Found, error) {
	var sets []appsv1.StatefulSet
	if name != "" && namespace != "" {
		for _, n := range []string{name, "alertmanager-" + name} {
			s, err := cs.AppsV1().StatefulSets(namespace).Get(ctx, n, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				continue
			}
			if err != nil {
				return nil, explainAPI(err, "get statefulsets", namespace)
			}
			sets = append(sets, *s)
			break
		}
		if len(sets) == 0 {
			return nil, fmt.Errorf("no StatefulSet %q or %q in namespace %q (a prometheus-operator Alertmanager object %q would run the second; "+
				"without a NAME every Alertmanager of the namespace is found; -n names another namespace)", name, "alertmanager-"+name, namespace, name)
		}
	} else {
		list, err := cs.AppsV1().StatefulSets(namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, explainAPI(err, "list statefulsets", namespace)
		}
		sets = list.Items
	}
	var out []Found
	for i := range sets {
		s := &sets[i]
		c := alertmanagerContainer(s.Spec.Template.Spec.Containers)
		if c == "" {
			continue
		}
		if name != "" && namespace == "" && s.Name != name && s.Name != "alertmanager-"+name {
			continue
		}
		f := Found{Namespace: s.Namespace, Name: s.Name, Source: source(s), StatefulSet: s, Container: c}
		sel, err := metav1.LabelSelectorAsSelector(s.Spec.Selector)
		if err != nil {
			return nil, fmt.Errorf("statefulset %s/%s: selector: %w", s.Namespace, s.Name, err)
		}
		pods, err := cs.CoreV1().Pods(s.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
		if err != nil {
			return nil, explainAPI(err, "list pods", s.Namespace)
		}
		for _, p := range pods.Items {
			if ownedBy(&p, s) {
				f.Pods = append(f.Pods, p)
			}
		}
		sort.Slice(f.Pods, func(a, b int) bool { return ordinal(f.Pods[a].Name) < ordinal(f.Pods[b].Name) })
		out = append(out, f)
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Namespace != out[b].Namespace {
			return out[a].Namespace < out[b].Namespace
		}
		return out[a].Name < out[b].Name
	})
	return out, nil
}

// alertmanagerContainer names the container that runs Alertmanager (not its config reloader).
func alertmanagerContainer(cs []corev1.Container) string {
	for _, c := range cs {
		img := path.Base(strings.SplitN(c.Image, "@", 2)[0])
		img = strings.SplitN(img, ":", 2)[0]
		if c.Name == "alertmanager" || img == "alertmanager" {
			return c.Name
		}
	}
	return ""
}

func source(s *appsv1.StatefulSet) string {
	l := s.Labels
	switch {
	case l["app.kubernetes.io/managed-by"] == "prometheus-operator" || l["managed-by"] == "prometheus-operator":
		return "prometheus-operator"
	case l["helm.sh/chart"] != "" || l["app.kubernetes.io/managed-by"] == "Helm":
		return "helm"
	}
	return "statefulset"
}

func ownedBy(p *corev1.Pod, s *appsv1.StatefulSet) bool {
	for _, o := range p.OwnerReferences {
		if o.Kind == "StatefulSet" && o.Name == s.Name {
			return true
		}
	}
	return false
}

func ordinal(pod string) int {
	i := strings.LastIndexByte(pod, '-')
	n, err := strconv.Atoi(pod[i+1:])
	if err != nil {
		return 1 << 30
	}
	return n
}

// Replicas describes each pod of a found cluster: expanded flags, web port and the addresses
// by which Prometheus may know it.
func (f *Found) Replicas() []Replica {
	var out []Replica
	for _, p := range f.Pods {
		r := Replica{Pod: p, WebPort: 9093}
		var c *corev1.Container
		for i := range p.Spec.Containers {
			if p.Spec.Containers[i].Name == f.Container {
				c = &p.Spec.Containers[i]
			}
		}
		r.Info = podInfo(&p, f.Container)
		if c != nil {
			args := append(append([]string{}, c.Command...), c.Args...)
			r.Flags = model.ParseArgs(args, expander(&p, c))
			for _, port := range c.Ports {
				if port.Name == "web" || port.Name == "http" {
					r.WebPort = int(port.ContainerPort)
				}
			}
			if wl := webListen(args); wl != "" {
				if _, ps, err := net.SplitHostPort(wl); err == nil {
					if n, err := strconv.Atoi(ps); err == nil {
						r.WebPort = n
					}
				}
			}
		}
		port := strconv.Itoa(r.WebPort)
		if p.Status.PodIP != "" {
			r.WebAddresses = append(r.WebAddresses, net.JoinHostPort(p.Status.PodIP, port))
		}
		if svc := f.StatefulSet.Spec.ServiceName; svc != "" {
			base := p.Name + "." + svc
			for _, h := range []string{base, base + "." + p.Namespace, base + "." + p.Namespace + ".svc", base + "." + p.Namespace + ".svc.cluster.local"} {
				r.WebAddresses = append(r.WebAddresses, net.JoinHostPort(h, port))
			}
		}
		out = append(out, r)
	}
	return out
}

func webListen(args []string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--web.listen-address="); ok {
			return v
		}
		if a == "--web.listen-address" && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

func podInfo(p *corev1.Pod, container string) *model.Pod {
	info := &model.Pod{Phase: string(p.Status.Phase), IP: p.Status.PodIP, Node: p.Spec.NodeName}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			info.Ready = c.Status == corev1.ConditionTrue
		}
	}
	for _, s := range p.Status.ContainerStatuses {
		if s.Name == container {
			info.Restarts = s.RestartCount
		}
	}
	if p.DeletionTimestamp != nil {
		info.Phase = "Terminating"
	}
	return info
}

// expander resolves $(VAR) from the container's literal env and the downward API fields that
// Alertmanager manifests use (pod IP, name, namespace).
func expander(p *corev1.Pod, c *corev1.Container) func(string) string {
	vars := map[string]string{}
	for _, e := range c.Env {
		switch {
		case e.Value != "":
			vars[e.Name] = e.Value
		case e.ValueFrom != nil && e.ValueFrom.FieldRef != nil:
			switch e.ValueFrom.FieldRef.FieldPath {
			case "status.podIP":
				vars[e.Name] = p.Status.PodIP
			case "metadata.name":
				vars[e.Name] = p.Name
			case "metadata.namespace":
				vars[e.Name] = p.Namespace
			}
		}
	}
	return func(s string) string {
		for k, v := range vars {
			s = strings.ReplaceAll(s, "$("+k+")", v)
		}
		return s
	}
}

// OperatorName is the name of the prometheus-operator Alertmanager object the cluster's
// StatefulSet was generated from.
func (f *Found) OperatorName() string {
	for _, r := range f.StatefulSet.OwnerReferences {
		if r.Kind == "Alertmanager" {
			return r.Name
		}
	}
	if n := f.StatefulSet.Labels["alertmanager"]; n != "" {
		return n
	}
	return strings.TrimPrefix(f.Name, "alertmanager-")
}

// AlertmanagerContainer is the Alertmanager container of the StatefulSet's pod template (an empty one
// when it is gone).
func (f *Found) AlertmanagerContainer() *corev1.Container {
	cs := f.StatefulSet.Spec.Template.Spec.Containers
	for i := range cs {
		if cs[i].Name == f.Container {
			return &cs[i]
		}
	}
	return &corev1.Container{}
}

// Selector is the label selector of a found cluster's pods.
func (f *Found) Selector() labels.Selector {
	sel, _ := metav1.LabelSelectorAsSelector(f.StatefulSet.Spec.Selector)
	return sel
}
