package kube

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
)

// PrometheusGVR is prometheus-operator's Prometheus resource.
var PrometheusGVR = schema.GroupVersionResource{Group: "monitoring.coreos.com", Version: "v1", Resource: "prometheuses"}

// PrometheusPod is a pod of a Prometheus that sends alerts to a cluster, with its web port.
type PrometheusPod struct {
	Owner string // namespace/name of the Prometheus object
	Pod   corev1.Pod
	Port  int
}

// PrometheusPodsFor finds the pods of prometheus-operator Prometheus objects whose
// spec.alerting.alertmanagers name a Service that selects the pods of f. Without the CRD, or
// without the right to list it, there are none (and no error: the wiring is then not checked).
func (c *Client) PrometheusPodsFor(ctx context.Context, f *Found) ([]PrometheusPod, error) {
	if c.Dyn == nil {
		return nil, nil
	}
	dyn, cs := c.Dyn, c.CS
	list, err := dyn.Resource(PrometheusGVR).Namespace("").List(ctx, metav1.ListOptions{})
	if apierrors.IsForbidden(err) {
		list, err = dyn.Resource(PrometheusGVR).Namespace(f.Namespace).List(ctx, metav1.ListOptions{})
	}
	if err != nil {
		if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) || meta.IsNoMatchError(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("list prometheuses.monitoring.coreos.com: %w", err)
	}
	podLabels := labels.Set(f.StatefulSet.Spec.Template.Labels)
	var out []PrometheusPod
	for _, p := range list.Items {
		if !sendsTo(ctx, cs, &p, f.Namespace, podLabels) {
			continue
		}
		pods, err := prometheusPods(ctx, cs, p.GetNamespace(), p.GetName())
		if err != nil {
			return nil, err
		}
		for _, pod := range pods {
			out = append(out, PrometheusPod{Owner: p.GetNamespace() + "/" + p.GetName(), Pod: pod, Port: webPort(&pod, 9090)})
		}
	}
	return out, nil
}

// sendsTo reports whether one of the Prometheus' alerting endpoints is a Service in ns that
// selects pods with podLabels.
func sendsTo(ctx context.Context, cs kubernetes.Interface, p *unstructured.Unstructured, ns string, podLabels labels.Set) bool {
	ams, _, _ := unstructured.NestedSlice(p.Object, "spec", "alerting", "alertmanagers")
	for _, a := range ams {
		am, ok := a.(map[string]any)
		if !ok {
			continue
		}
		name, _ := am["name"].(string)
		amNS, _ := am["namespace"].(string)
		if amNS == "" {
			amNS = p.GetNamespace()
		}
		if name == "" || amNS != ns {
			continue
		}
		svc, err := cs.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil || len(svc.Spec.Selector) == 0 {
			continue
		}
		if labels.SelectorFromSet(svc.Spec.Selector).Matches(podLabels) {
			return true
		}
	}
	return false
}

// prometheusPods lists the pods prometheus-operator runs for a Prometheus object.
func prometheusPods(ctx context.Context, cs kubernetes.Interface, ns, name string) ([]corev1.Pod, error) {
	for _, sel := range []string{"operator.prometheus.io/name=" + name, "prometheus=" + name} {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			return nil, explainAPI(err, "list pods", ns)
		}
		if len(pods.Items) > 0 {
			return pods.Items, nil
		}
	}
	return nil, nil
}

func webPort(p *corev1.Pod, def int) int {
	for _, c := range p.Spec.Containers {
		for _, port := range c.Ports {
			if port.Name == "web" {
				return int(port.ContainerPort)
			}
		}
	}
	return def
}
