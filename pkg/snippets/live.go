package snippets

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"

	"github.com/amha-dev/kubectl-amha/pkg/kube"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// The minimal patch against a running cluster: what differs between the live StatefulSet (and
// the objects around it) and what Generate writes for that cluster, as commands to run. Names
// stay the live ones (the StatefulSet, its governing Service); values follow Generate. One file
// per job: reading what runs (here), deriving a Spec from it (live_spec.go), planning the
// edits (live_plan.go), rendering them (live_render.go).

// PatchIDs are the ids Patches returns, in the order they are applied.
var PatchIDs = []string{
	"patch-service", "patch-pdb", "patch-statefulset-args", "patch-spread", "patch-recreate",
	"patch-alertmanager", "patch-networkpolicy", "patch-apply", "patch-none",
}

// Live is a running cluster: the StatefulSet kube.Client.Find found and the objects of its namespace
// that the patch is compared with.
type Live struct {
	Found           kube.Found
	Services        []corev1.Service
	PDBs            []policyv1.PodDisruptionBudget
	NetworkPolicies []networkingv1.NetworkPolicy
	// Alertmanager is the spec of the prometheus-operator Alertmanager object, when read: its
	// lists (additionalArgs, containers) are kept in the merge patch, which replaces lists whole.
	Alertmanager map[string]any
	// Unread says what could not be read (RBAC) and so was not compared.
	Unread []string
	// Owner is the tool that applies the workload (the Alertmanager object for
	// prometheus-operator, else the StatefulSet) from a source of its own; nil when none is seen.
	Owner *Owner
}

// Ask is what the user asked to change from what runs; zero values keep what runs.
type Ask struct {
	Replicas    int
	Version     string
	PeerTimeout time.Duration
	Zones       []string
	// Timing holds the route's group_wait, group_interval, repeat_interval and the receiver
	// latency, for the report; its peer-timeout is ignored (PeerTimeout is the ask).
	Timing timing.Params
}

// FromCluster reads the cluster q names (the only one of its namespace when q.Name is "")
// through kc and returns the description derived from what runs, changed by ask, and the
// patch snippets.
func FromCluster(ctx context.Context, kc *kube.Client, q kube.Query, ask Ask) (Spec, []Snippet, error) {
	l, err := ReadLive(ctx, kc, q)
	if err != nil {
		return Spec{}, nil, err
	}
	s := LiveSpec(l)
	where := fmt.Sprintf("StatefulSet %s/%s", l.Found.Namespace, l.Found.Name)
	if ask.Version != "" {
		s.Version = ask.Version
	} else if s.Version == "" {
		return Spec{}, nil, fmt.Errorf("%s: image %q carries no vMAJOR.MINOR.PATCH tag: give the version it runs with --version",
			where, l.Found.AlertmanagerContainer().Image)
	}
	if ask.Replicas > 0 {
		s.Replicas = ask.Replicas
	}
	if len(ask.Zones) > 0 {
		s.Zones = ask.Zones
	}
	pt := s.Timing.PeerTimeout
	s.Timing = ask.Timing
	s.Timing.PeerTimeout = pt
	if ask.PeerTimeout > 0 {
		s.Timing.PeerTimeout = ask.PeerTimeout
	}
	if err := s.Validate(); err != nil {
		return Spec{}, nil, fmt.Errorf("%s as it runs (%d replicas, version %s): %w", where, s.Replicas, s.Version, err)
	}
	out, err := Patches(l, s)
	return s, out, err
}

// unreadKinds are the kinds ReadLive compares, as the patch names them when they could not be
// read.
var unreadKinds = []struct{ kind, plural string }{
	{"Service", "Services"}, {"PodDisruptionBudget", "PodDisruptionBudgets"}, {"NetworkPolicy", "NetworkPolicies"},
}

// ReadLive finds the one cluster of q and reads its governing Service and the namespace's
// PodDisruptionBudgets and NetworkPolicies. A kind RBAC denies is named in Unread, not compared.
func ReadLive(ctx context.Context, kc *kube.Client, q kube.Query) (Live, error) {
	q.All = false
	found, err := kc.Find(ctx, q)
	if err != nil {
		return Live{}, err
	}
	l := Live{Found: found[0]}
	objs, err := kc.Objects(ctx, &l.Found)
	if err != nil {
		return Live{}, err
	}
	l.Services, l.PDBs, l.NetworkPolicies = objs.Services, objs.PDBs, objs.NetworkPolicies
	for _, k := range unreadKinds {
		if objs.Unread[k.kind] != nil {
			l.Unread = append(l.Unread, fmt.Sprintf("%s (RBAC denies listing them in namespace %s)", k.plural, l.Found.Namespace))
		}
	}
	l.Owner = ownerOf(l.Found.StatefulSet.Labels, l.Found.StatefulSet.Annotations)
	if objs.Alertmanager != nil {
		l.Alertmanager, _ = objs.Alertmanager.Object["spec"].(map[string]any)
		l.Owner = ownerOf(objs.Alertmanager.GetLabels(), objs.Alertmanager.GetAnnotations())
	} else if err := objs.Unread["Alertmanager"]; apierrors.IsNotFound(err) {
		// Patching the StatefulSet would be reverted by an operator, and there is no object to
		// patch: a script that fails half-way is worse than none.
		return Live{}, fmt.Errorf("StatefulSet %s/%s carries prometheus-operator's labels, but its Alertmanager object %s is not "+
			"found: there is nothing to patch that the operator would keep. If no operator manages it any more, remove "+
			"its managed-by label and run again", l.Found.Namespace, l.Found.Name, l.Found.OperatorName())
	} else if err != nil {
		l.Unread = append(l.Unread, fmt.Sprintf("the Alertmanager object %s (%v)", l.Found.OperatorName(), err))
	}
	return l, nil
}

// LiveSpec describes the cluster as it runs: replicas, namespace, name (the StatefulSet's
// without "alertmanager-"; the object's for prometheus-operator), the version of the image tag
