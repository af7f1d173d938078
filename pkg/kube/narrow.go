package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NarrowedLabel marks a team's NetworkPolicy that a partition drill narrowed (its value is the
// run); NarrowedAnno holds what the policy was, to restore it exactly.
const (
	NarrowedLabel = "amha.dev/narrowed-by-drill-run"
	NarrowedAnno  = "amha.dev/narrowed-original"
)

// narrowedOriginal is what a narrowed policy was: restored field by field.
type narrowedOriginal struct {
	Labels      map[string]string              `json:"labels,omitempty"`
	Annotations map[string]string              `json:"annotations,omitempty"`
	Spec        networkingv1.NetworkPolicySpec `json:"spec"`
}

// NarrowPolicy takes the pod out of a team's NetworkPolicy for the drill (its podSelector gets
// `statefulset.kubernetes.io/pod-name NotIn [pod]`), so that the policy's allowances, which
// may open the mesh port, no longer apply to that pod. What the policy was is kept on it
// (NarrowedAnno), with the run (NarrowedLabel) and the run's expiry, where RestoreNarrowed, and
// `drill cleanup` after a SIGKILL, find it. restore puts labels, annotations and spec back as
// they were.
func (c *Client) NarrowPolicy(ctx context.Context, d DrillObject, name, pod string) (restore func(context.Context) error, err error) {
	api := c.CS.NetworkingV1().NetworkPolicies(d.Namespace)
	np, err := api.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, explainAPI(err, "get networkpolicy "+name, d.Namespace)
	}
	if np.Labels[NarrowedLabel] != "" {
		return nil, fmt.Errorf("NetworkPolicy %s is already narrowed by drill run %s: kubectl amha drill cleanup -n %s restores it", name, np.Labels[NarrowedLabel], d.Namespace)
	}
	orig, err := json.Marshal(narrowedOriginal{Labels: np.Labels, Annotations: np.Annotations, Spec: np.Spec})
	if err != nil {
		return nil, err
	}
	n := np.DeepCopy()
	if n.Labels == nil {
		n.Labels = map[string]string{}
	}
	if n.Annotations == nil {
		n.Annotations = map[string]string{}
	}
	n.Labels[NarrowedLabel] = d.Run
	n.Annotations[NarrowedAnno] = string(orig)
	n.Annotations[ExpiresAnno] = d.Expires.UTC().Format(time.RFC3339)
	n.Spec.PodSelector.MatchExpressions = append(n.Spec.PodSelector.MatchExpressions, metav1.LabelSelectorRequirement{
		Key: "statefulset.kubernetes.io/pod-name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{pod}})
	if _, err := api.Update(ctx, n, metav1.UpdateOptions{}); err != nil {
		return nil, explainAPI(err, "update networkpolicy "+name, d.Namespace)
	}
	return func(ctx context.Context) error { return c.restoreNarrowed(ctx, d.Namespace, name) }, nil
}

// restoreNarrowed puts a narrowed policy back as it was.
func (c *Client) restoreNarrowed(ctx context.Context, namespace, name string) error {
	api := c.CS.NetworkingV1().NetworkPolicies(namespace)
	np, err := api.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return explainAPI(err, "get networkpolicy "+name, namespace)
	}
	raw, ok := np.Annotations[NarrowedAnno]
	if !ok {
		return nil // restored already
	}
	var o narrowedOriginal
	if err := json.Unmarshal([]byte(raw), &o); err != nil {
		return fmt.Errorf("NetworkPolicy %s/%s: annotation %s is not what the drill wrote (%v): restore it by hand", namespace, name, NarrowedAnno, err)
	}
	np.Labels, np.Annotations, np.Spec = o.Labels, o.Annotations, o.Spec
	if _, err := api.Update(ctx, np, metav1.UpdateOptions{}); err != nil {
		return explainAPI(err, "update networkpolicy "+name, namespace)
	}
	return nil
}

// Narrowed is a team's NetworkPolicy a drill run narrowed and has not restored.
type Narrowed struct {
	Namespace, Name, Run string
	Expires              time.Time
}

// NarrowedPolicies finds the policies drills narrowed in the namespace ("": every namespace).
func (c *Client) NarrowedPolicies(ctx context.Context, namespace string) ([]Narrowed, error) {
	nps, err := c.CS.NetworkingV1().NetworkPolicies(namespace).List(ctx, metav1.ListOptions{LabelSelector: NarrowedLabel})
	if err != nil {
		return nil, explainAPI(err, "list networkpolicies", namespace)
	}
	var out []Narrowed
	for _, np := range nps.Items {
		exp, err := time.Parse(time.RFC3339, np.Annotations[ExpiresAnno])
		if err != nil {
			exp = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		out = append(out, Narrowed{Namespace: np.Namespace, Name: np.Name, Run: np.Labels[NarrowedLabel], Expires: exp})
	}
	return out, nil
}

// RestoreNarrowed restores a policy NarrowedPolicies found.
func (c *Client) RestoreNarrowed(ctx context.Context, n Narrowed) error {
	return c.restoreNarrowed(ctx, n.Namespace, n.Name)
}
