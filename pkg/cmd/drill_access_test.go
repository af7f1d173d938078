package cmd

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/amha-dev/kubectl-amha/internal/rbacdoc"
	"github.com/amha-dev/kubectl-amha/pkg/drill"
	"github.com/amha-dev/kubectl-amha/pkg/kube"
)

func rightsOf(drills []string) map[string][]string {
	out := map[string][]string{}
	for _, n := range drillRights(drills) {
		if _, dup := out[n.String()]; dup {
			panic("listed twice: " + n.String())
		}
		out[n.String()] = n.For
	}
	return out
}

// Each drill is checked for the rights of its own fault only: a Role without pods/exec still
// runs the baseline.
func TestDrillRightsPerDrill(t *testing.T) {
	faults := []string{"create pods/eviction", "create pods/exec", "create networkpolicies.networking.k8s.io",
		"delete networkpolicies.networking.k8s.io", "delete pods"}
	for _, tc := range []struct {
		drills []string
		want   []string // of faults
	}{
		{[]string{drill.Baseline}, nil},
		{[]string{drill.StopSender}, []string{"create pods/eviction"}},
		{[]string{drill.CrashSender}, []string{"create pods/exec", "delete pods"}},
		{[]string{drill.Partition}, []string{"create networkpolicies.networking.k8s.io", "delete networkpolicies.networking.k8s.io", "delete pods"}},
		{[]string{drill.Baseline, drill.StopSender}, []string{"create pods/eviction"}},
		{drill.Names, faults},
	} {
		t.Run(fmt.Sprint(tc.drills), func(t *testing.T) {
			got := rightsOf(tc.drills)
			for _, f := range faults {
				if _, ok := got[f]; ok != slices.Contains(tc.want, f) {
					t.Errorf("%s needed: %v, want %v", f, ok, !ok)
				}
			}
			for _, common := range []string{"create pods/portforward", "list statefulsets.apps", "create deployments.apps", "delete services", "list networkpolicies.networking.k8s.io", "create events"} {
				if f := got[common]; len(f) == 0 || f[0] != everyDrill {
					t.Errorf("%s: for %v, want %q first", common, f, everyDrill)
				}
			}
		})
	}
	if f := rightsOf(drill.Names)["delete pods"]; !slices.Equal(f, []string{drill.CrashSender, drill.Partition}) {
		t.Errorf("delete pods for %v", f)
	}
}

// The drill Role of docs/rbac.md grants exactly what the drills check: every right of every
// drill, and no rule that none needs.
func TestDrillRoleOfTheDocs(t *testing.T) {
	doc, err := rbacdoc.Read("../../docs/rbac.md")
	if err != nil {
		t.Fatal(err)
	}
	role, st := doc.Roles["amha-drill"], doc.Roles["amha-status"]
	if len(role.Rules) == 0 || len(st.Rules) == 0 {
		t.Fatalf("docs/rbac.md: Roles %v", slices.Collect(maps.Keys(doc.Roles)))
	}
	needed := map[kube.Access]bool{}
	for _, n := range drillRights(drill.All()) {
		needed[n.Access] = true
		res := n.Resource
		if n.Subresource != "" {
			res += "/" + n.Subresource
		}
		if !rbacdoc.Grants(role.Rules, n.Verb, n.Group, res) {
			t.Errorf("docs/rbac.md's amha-drill lacks %s", n)
		}
	}
	for _, r := range role.Rules {
		for _, v := range r.Verbs {
			for _, g := range r.APIGroups {
				for _, res := range r.Resources {
					a := kube.Access{Verb: v, Group: g, Resource: res}
					if base, sub, ok := strings.Cut(res, "/"); ok {
						a.Resource, a.Subresource = base, sub
					}
					if !needed[a] {
						t.Errorf("docs/rbac.md's amha-drill grants %s, which no drill checks", a)
					}
				}
			}
		}
	}
	// The status ClusterRole (-A) is the status Role, cluster-wide.
	if cr, ok := doc.ClusterRoles["amha-status"]; !ok || fmt.Sprint(cr.Rules) != fmt.Sprint(st.Rules) {
		t.Errorf("ClusterRole amha-status %v, want the rules of Role amha-status %v", cr.Rules, st.Rules)
	}
}

// Without a right the drill stops before anything (exit 2), naming the right and the drill
// that needs it; a dry run names it and goes on.
func TestDrillCheckRights(t *testing.T) {
	cs := fake.NewClientset()
	cs.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		r := a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview)
		r.Status.Allowed = r.Spec.ResourceAttributes.Subresource != "exec"
		return true, r, nil
	})
	kc := &kube.Client{CS: cs}
	var w bytes.Buffer
	o := &drillOptions{drills: drill.Names}
	missing, err := o.checkRights(context.Background(), kc, "monitoring", &w)
	if CodeOf(err) != ExitNoCheck || !strings.Contains(err.Error(), "create pods/exec") || !strings.Contains(err.Error(), "for crash-sender") ||
		!strings.Contains(err.Error(), "kubectl auth can-i create pods --subresource=exec -n monitoring") || w.Len() > 0 {
		t.Errorf("error %v, printed %q", err, w.String())
	}
	if !slices.Equal(missing, []string{"create pods/exec"}) {
		t.Errorf("missing %v", missing)
	}

	o.dryRun = true
	missing, err = o.checkRights(context.Background(), kc, "monitoring", &w)
	if err != nil || !slices.Equal(missing, []string{"create pods/exec"}) || !strings.Contains(w.String(), "Dry run: the drill lacks 1 right(s)") {
		t.Errorf("dry run: %v, %v, printed %q", missing, err, w.String())
	}

	o = &drillOptions{drills: []string{drill.Baseline, drill.Partition}}
	if missing, err := o.checkRights(context.Background(), kc, "monitoring", &w); err != nil || missing != nil {
		t.Errorf("baseline and partition need no pods/exec: %v, %v", missing, err)
	}
}

// --observe-only creates no sink: it needs no right to create or delete Deployments or
// Services, and still lists them (the leftovers of other runs) and its faults' rights.
func TestDrillRightsObserveOnly(t *testing.T) {
	o := &drillOptions{drills: drill.Names}
	o.observe.only = true
	got := map[string]bool{}
	for _, n := range o.neededRights() {
		got[n.String()] = true
	}
	for _, r := range []string{"create deployments.apps", "delete deployments.apps", "create services", "delete services"} {
		if got[r] {
			t.Errorf("%s needed by --observe-only", r)
		}
	}
	for _, r := range []string{"list deployments.apps", "list services", "create pods/portforward", "create pods/eviction", "create pods/exec", "create networkpolicies.networking.k8s.io"} {
		if !got[r] {
			t.Errorf("%s not needed by --observe-only", r)
		}
	}
}
