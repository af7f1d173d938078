package kube

import (
	"context"
	"slices"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// Missing asks one SelfSubjectAccessReview per right, in the namespace, and keeps the ones
// refused in their order.
func TestMissing(t *testing.T) {
	cs := fake.NewClientset()
	var asked []string
	cs.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		r := a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview)
		ra := r.Spec.ResourceAttributes
		if ra.Namespace != "monitoring" {
			t.Errorf("asked in namespace %q", ra.Namespace)
		}
		acc := Access{Verb: ra.Verb, Group: ra.Group, Resource: ra.Resource, Subresource: ra.Subresource}
		r.Status.Allowed = acc.Subresource != "exec" && acc.Group != "apps"
		return true, r, nil
	})
	c := &Client{CS: cs}
	checks := []Access{
		{Verb: "list", Resource: "pods"},
		{Verb: "create", Resource: "pods", Subresource: "exec"},
		{Verb: "create", Group: "apps", Resource: "deployments"},
		{Verb: "create", Resource: "pods", Subresource: "portforward"},
	}
	missing, err := c.Missing(context.Background(), "monitoring", checks)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range missing {
		asked = append(asked, m.String())
	}
	if want := []string{"create pods/exec", "create deployments.apps"}; !slices.Equal(asked, want) {
		t.Errorf("missing %v, want %v", asked, want)
	}
	if got := checks[1].CanI(); got != "create pods --subresource=exec" {
		t.Errorf("CanI %q", got)
	}
	if got := checks[2].CanI(); got != "create deployments.apps" {
		t.Errorf("CanI %q", got)
	}
}
