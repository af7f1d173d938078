package kube

import (
	"context"
	"fmt"
	"slices"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/amha-dev/kubectl-amha/internal/par"
)

// Name is a NAME the commands take: a StatefulSet that runs Alertmanager, or a
// prometheus-operator Alertmanager object (whose StatefulSet is alertmanager-<name>).
type Name struct {
	Name string
	Kind string // "StatefulSet" or "Alertmanager"
}

// Names lists the NAMEs of namespace for shell completion: the StatefulSets that run an
// Alertmanager container (as Find recognises them) and the prometheus-operator Alertmanager
// objects, sorted by name. Both reads together take at most the client's Timeout. Alertmanager
// objects that cannot be listed (no CRD, no right) are left out; the error is the StatefulSets'.
func (c *Client) Names(ctx context.Context, namespace string) ([]Name, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	var sets, objects []Name
	var err error
	par.Each(2, func(i int) {
		if i == 0 {
			list, lerr := c.CS.AppsV1().StatefulSets(namespace).List(ctx, metav1.ListOptions{})
			if lerr != nil {
				err = explainAPI(lerr, "list statefulsets", namespace)
				return
			}
			for _, s := range list.Items {
				if alertmanagerContainer(s.Spec.Template.Spec.Containers) != "" {
					sets = append(sets, Name{Name: s.Name, Kind: "StatefulSet"})
				}
			}
			return
		}
		if c.Dyn == nil {
			return
		}
		list, lerr := c.Dyn.Resource(AlertmanagerGVR).Namespace(namespace).List(ctx, metav1.ListOptions{})
		if lerr != nil {
			return
		}
		for _, o := range list.Items {
			objects = append(objects, Name{Name: o.GetName(), Kind: "Alertmanager"})
		}
	})
	if err != nil {
		return nil, err
	}
	out := append(sets, objects...)
	sort.SliceStable(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return slices.Compact(out), nil
}

// Namespaces lists the names of every namespace, within the client's Timeout.
func (c *Client) Namespaces(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	list, err := c.CS.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list namespaces: %w", err)
	}
	out := make([]string, 0, len(list.Items))
	for _, n := range list.Items {
		out = append(out, n.Name)
	}
	sort.Strings(out)
	return out, nil
}
