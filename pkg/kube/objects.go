package kube

import (
	"context"
	"fmt"
	"sync"

	"github.com/amha-dev/kubectl-amha/internal/par"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// AlertmanagerGVR is prometheus-operator's Alertmanager resource.
var AlertmanagerGVR = schema.GroupVersionResource{Group: "monitoring.coreos.com", Version: "v1", Resource: "alertmanagers"}

// Objects are the live objects around a found cluster that its configuration is judged by.
type Objects struct {
	// Alertmanager is the prometheus-operator object the StatefulSet was generated from, when
	// the operator manages the cluster and the object could be read.
	Alertmanager    *unstructured.Unstructured
	Services        []corev1.Service
	PDBs            []policyv1.PodDisruptionBudget
	NetworkPolicies []networkingv1.NetworkPolicy
	// Unread names each kind that could not be read ("Service", "PodDisruptionBudget",
	// "NetworkPolicy", "Alertmanager") with the reason: absence of that kind was not seen.
	Unread map[string]error
}

// Objects reads, at once, the namespace's Services, PodDisruptionBudgets and NetworkPolicies
// and, for a prometheus-operator cluster, its Alertmanager object. A kind that cannot be read
// is named in Unread; the error is the first failure that is not RBAC's refusal (a refused
// kind is an answer: the caller decides what it can do without it).
func (c *Client) Objects(ctx context.Context, f *Found) (Objects, error) {
	ns := f.Namespace
	o := Objects{Unread: map[string]error{}}
	var (
		mu       sync.Mutex
		firstErr error
	)
	failed := func(kind string, err error) {
		mu.Lock()
		defer mu.Unlock()
		o.Unread[kind] = err
		if firstErr == nil && !apierrors.IsForbidden(err) {
			firstErr = err
		}
	}
	list := func(kind, resource string, read func() error) func() {
		return func() {
			if err := read(); err != nil {
				failed(kind, explainAPI(err, "list "+resource, ns))
			}
		}
	}
	reads := []func(){
		func() {
			if f.Source != "prometheus-operator" || c.Dyn == nil {
				return
			}
			am, err := c.Dyn.Resource(AlertmanagerGVR).Namespace(ns).Get(ctx, f.OperatorName(), metav1.GetOptions{})
			if err != nil {
				// Not fatal: the StatefulSet the operator generated stands in for it.
				mu.Lock()
				o.Unread["Alertmanager"] = fmt.Errorf("get alertmanagers.monitoring.coreos.com %s in namespace %s: %w", f.OperatorName(), ns, err)
				mu.Unlock()
				return
			}
			o.Alertmanager = am
		},
		list("Service", "services", func() (err error) {
			l, err := c.CS.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
			if err == nil {
				o.Services = l.Items
			}
			return err
		}),
		list("PodDisruptionBudget", "poddisruptionbudgets", func() (err error) {
			l, err := c.CS.PolicyV1().PodDisruptionBudgets(ns).List(ctx, metav1.ListOptions{})
			if err == nil {
				o.PDBs = l.Items
			}
			return err
		}),
		list("NetworkPolicy", "networkpolicies", func() (err error) {
			l, err := c.CS.NetworkingV1().NetworkPolicies(ns).List(ctx, metav1.ListOptions{})
			if err == nil {
				o.NetworkPolicies = l.Items
			}
			return err
		}),
	}
	par.Each(len(reads), func(i int) { reads[i]() })
	return o, firstErr
}

// PodReplaced reports whether the pod was deleted, is being deleted, or was replaced by
// another of the same name since uid was seen. An error other than not-found is "no".
func (c *Client) PodReplaced(ctx context.Context, namespace, name string, uid types.UID) bool {
	p, err := c.CS.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
	return apierrors.IsNotFound(err) || (err == nil && (p.UID != uid || p.DeletionTimestamp != nil))
}

// Pod reads one pod.
func (c *Client) Pod(ctx context.Context, namespace, name string) (*corev1.Pod, error) {
	p, err := c.CS.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("pod %s/%s: %w", namespace, name, err)
	}
	return p, nil
}
