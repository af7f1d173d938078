package cmd

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/amha-dev/kubectl-amha/pkg/drill"
	"github.com/amha-dev/kubectl-amha/pkg/kube"
)

// rbacDoc is the page with the Roles to grant.
const rbacDoc = "https://github.com/amha-dev/kubectl-amha/blob/main/docs/rbac.md"

// everyDrill names the rights that every drill needs.
const everyDrill = "every drill"

// drillNeeds are the rights, in the cluster's namespace, that the drills use: every drill
// finds the cluster, port-forwards to the replicas and the sink, creates and deletes the sink,
// looks for what earlier runs left, and records its phases as Events; each fault adds its own.
// docs/rbac.md's drill Role grants exactly these.
var drillNeeds = map[string][]kube.Access{
	everyDrill: {
		{Verb: "get", Group: "apps", Resource: "statefulsets"},
		{Verb: "list", Group: "apps", Resource: "statefulsets"},
		{Verb: "get", Resource: "pods"},
		{Verb: "list", Resource: "pods"},
		{Verb: "create", Resource: "pods", Subresource: "portforward"},
		{Verb: "create", Group: "apps", Resource: "deployments"},
		{Verb: "list", Group: "apps", Resource: "deployments"},
		{Verb: "delete", Group: "apps", Resource: "deployments"},
		{Verb: "create", Resource: "services"},
		{Verb: "list", Resource: "services"},
		{Verb: "delete", Resource: "services"},
		{Verb: "list", Group: "networking.k8s.io", Resource: "networkpolicies"},
		{Verb: "create", Resource: "events"},
	},
	drill.StopSender: {{Verb: "create", Resource: "pods", Subresource: "eviction"}},
	// rolling-restart evicts every pod in turn; all-down deletes them all at once.
	drill.RollingRestart: {{Verb: "create", Resource: "pods", Subresource: "eviction"}},
	drill.AllDown:        {{Verb: "delete", Resource: "pods"}},
	// crash-sender deletes the crashed pod afterwards: its replacement starts without the
	// kubelet's restart back-off.
	drill.CrashSender: {{Verb: "create", Resource: "pods", Subresource: "exec"}, {Verb: "delete", Resource: "pods"}},
	// partition deletes the cut-off pod when the mesh does not split (or at once with
	// --recreate): its replacement starts behind the policy.
	drill.Partition: {
		{Verb: "create", Group: "networking.k8s.io", Resource: "networkpolicies"},
		{Verb: "delete", Group: "networking.k8s.io", Resource: "networkpolicies"},
		{Verb: "delete", Resource: "pods"},
	},
}

// narrowNeeds is what --narrow-policies adds to the partition: it reads, narrows and restores
// the team's NetworkPolicies that allow the mesh port (docs/rbac.md: an extra rule, not in the
// drill Role).
var narrowNeeds = []neededRight{
	{Access: kube.Access{Verb: "get", Group: "networking.k8s.io", Resource: "networkpolicies"}, For: []string{"partition --narrow-policies"}},
	{Access: kube.Access{Verb: "update", Group: "networking.k8s.io", Resource: "networkpolicies"}, For: []string{"partition --narrow-policies"}},
}

// neededRight is a right and the drills that need it.
type neededRight struct {
	kube.Access
	For []string
}

// drillRights lists the rights that the drills need, each once, those of every drill first.
func drillRights(drills []string) []neededRight {
	var out []neededRight
	add := func(who string, as []kube.Access) {
		for _, a := range as {
			i := slices.IndexFunc(out, func(n neededRight) bool { return n.Access == a })
			if i < 0 {
				out = append(out, neededRight{Access: a})
				i = len(out) - 1
			}
			out[i].For = append(out[i].For, who)
		}
	}
	add(everyDrill, drillNeeds[everyDrill])
	for _, d := range drills {
		add(d, drillNeeds[d])
	}
	return out
}

// neededRights are the rights the run's drills need, with its flags: --observe-only creates
// no sink, --narrow-policies reads and updates the team's policies.
func (o *drillOptions) neededRights() []neededRight {
	needed := drillRights(o.drills)
	if o.observe.only { // no sink: its Deployment and Service are neither created nor deleted
		needed = slices.DeleteFunc(needed, func(n neededRight) bool {
			return (n.Verb == "create" || n.Verb == "delete") && (n.Resource == "deployments" || n.Resource == "services")
		})
	}
	if o.narrow && slices.Contains(o.drills, drill.Partition) {
		needed = append(needed, narrowNeeds...)
	}
	return needed
}

// checkRights asks the API server whether the kubeconfig's user has every right the drills
// need in namespace. Without one, the drill stops before it creates anything (exit 2); a dry
// run says what is missing (on w) and goes on. It returns the missing rights as text, also
// with the error.
func (o *drillOptions) checkRights(ctx context.Context, kc *kube.Client, namespace string, w io.Writer) ([]string, error) {
	needed := o.neededRights()
	checks := make([]kube.Access, len(needed))
	for i, n := range needed {
		checks[i] = n.Access
	}
	missing, err := kc.Missing(ctx, namespace, checks)
	if err != nil {
		return nil, &ExitError{Code: ExitNoCheck, Err: fmt.Errorf("checking the drill's rights: %w", err)}
	}
	if len(missing) == 0 {
		return nil, nil
	}
	var names, lines []string
	for _, m := range missing {
		n := needed[slices.IndexFunc(needed, func(n neededRight) bool { return n.Access == m })]
		names = append(names, m.String())
		lines = append(lines, fmt.Sprintf("  %-42s for %s", m.String(), strings.Join(n.For, ", ")))
	}
	msg := fmt.Sprintf("the drill lacks %d right(s) in namespace %s:\n%s\nGrant the drill Role of "+rbacDoc+" "+
		"(kubectl auth can-i %s -n %s tells whether a right is there)", len(missing), namespace, strings.Join(lines, "\n"), missing[0].CanI(), namespace)
	if o.dryRun {
		fmt.Fprintf(w, "Dry run: %s.\n", msg)
		return names, nil
	}
	return names, &ExitError{Code: ExitNoCheck, Err: fmt.Errorf("%s; nothing was changed", msg)}
}
