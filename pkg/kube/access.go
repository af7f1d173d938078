package kube

import (
	"context"
	"errors"
	"fmt"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/amha-dev/kubectl-amha/internal/par"
)

// Access is one right as RBAC grants it: a verb on a resource (and subresource) of an API
// group ("" is the core group).
type Access struct {
	Verb        string
	Group       string
	Resource    string
	Subresource string
}

// String is the right as a Role's rule names it, group last: "create pods/exec",
// "list deployments.apps".
func (a Access) String() string {
	return a.Verb + " " + a.resource()
}

// CanI is the right as `kubectl auth can-i` takes it: "create pods --subresource=exec".
func (a Access) CanI() string {
	r := a.Verb + " " + a.Resource
	if a.Group != "" {
		r += "." + a.Group
	}
	if a.Subresource != "" {
		r += " --subresource=" + a.Subresource
	}
	return r
}

func (a Access) resource() string {
	r := a.Resource
	if a.Subresource != "" {
		r += "/" + a.Subresource
	}
	if a.Group != "" {
		r += "." + a.Group
	}
	return r
}

// Missing asks the API server, with one SelfSubjectAccessReview per right (which every
// authenticated user may create), which of checks the kubeconfig's user lacks in namespace.
// The result keeps the order of checks.
func (c *Client) Missing(ctx context.Context, namespace string, checks []Access) ([]Access, error) {
	allowed := make([]bool, len(checks))
	errs := make([]error, len(checks))
	par.Each(len(checks), func(i int) {
		a := checks[i]
		review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Namespace: namespace, Verb: a.Verb, Group: a.Group, Resource: a.Resource, Subresource: a.Subresource,
			},
		}}
		res, err := c.CS.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
		if err != nil {
			errs[i] = fmt.Errorf("selfsubjectaccessreview of %s in namespace %s: %w", a, namespace, err)
			return
		}
		allowed[i] = res.Status.Allowed
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var missing []Access
	for i, a := range checks {
		if !allowed[i] {
			missing = append(missing, a)
		}
	}
	return missing, nil
}
