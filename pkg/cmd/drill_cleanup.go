package cmd

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/amha-dev/kubectl-amha/pkg/amclient"
	"github.com/amha-dev/kubectl-amha/pkg/drill"
	"github.com/amha-dev/kubectl-amha/pkg/kube"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/snapshot"
)

// cleanupWholeTimeout bounds the wait for a mesh to heal once a partition's policy is gone.
const cleanupWholeTimeout = 90 * time.Second

type drillCleanupOptions struct {
	streams genericiooptions.IOStreams
	kube    *genericclioptions.ConfigFlags
	all     bool
	force   bool
	name    string
	timeout time.Duration
}

func newDrillCleanupCmd(streams genericiooptions.IOStreams, kf *genericclioptions.ConfigFlags) *cobra.Command {
	o := &drillCleanupOptions{streams: streams, kube: kf}
	c := &cobra.Command{
		Use:   "cleanup [NAME]",
		Short: "Remove what a drill left behind (after the plugin was killed): its objects, its alert; check the mesh",
		Long: `Remove what a drill left when it could not clean up after itself (the plugin was killed with
SIGKILL, the machine went away): the sink Deployment and Service and the partition NetworkPolicy
labelled app.kubernetes.io/managed-by=kubectl-amha with a run id (amha.dev/drill-run), and the
team's NetworkPolicies --narrow-policies narrowed (restored as they were); then resolve
every drill alert (amha_drill set) still active on the replicas, as the run would have at its end
(alerts are not gossiped: each replica is told), and expire the silences of --silence-team-alerts
(created by kubectl-amha, comment "kubectl-amha drill run <run>"); then check that each mesh is
whole again.

A run's objects carry an expiry (amha.dev/expires): the drill's planned length and a margin.
Before it, the run may still be going and its objects are left, named with their expiry;
--force removes them too. Runs past their expiry are removed either way (a drill's own
preflight does the same).

Exit codes: 0 nothing of a drill is left and every mesh is whole, 1 a mesh is not whole (status
says why), 2 something was left (an unexpired run without --force, an object or an alert that
could not be removed), 130 interrupted.`,
		Example: `  # What a killed drill left in monitoring: objects, alert, and the mesh checked
  kubectl amha drill cleanup -n monitoring

  # Every namespace, also runs that have not expired (no drill is running)
  kubectl amha drill cleanup -A --force`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.name = args[0]
			}
			var err error
			if o.timeout, err = requestTimeout(o.kube); err != nil {
				return err
			}
			if o.all && o.name != "" {
				return usageError("NAME and --all-namespaces exclude each other")
			}
			return o.run(cmd.Context())
		},
	}
	c.Flags().BoolVarP(&o.all, "all-namespaces", "A", false, "Clean up in every namespace")
	c.Flags().BoolVar(&o.force, "force", false, "Also remove runs that have not expired (only when no drill is running)")
	return c
}

func (o *drillCleanupOptions) run(ctx context.Context) error {
	kc, ns, err := kubeClient(o.kube, o.timeout, "")
	if err != nil {
		return err
	}
	if o.all {
		ns = ""
	}
	w := o.streams.Out
	where := "namespace " + ns
	if o.all {
		where = "any namespace"
	}
	left, err := kc.DrillLeftovers(ctx, ns)
	if err != nil {
		return &ExitError{Code: ExitNoCheck, Err: err}
	}
	var errs []error
	kept := map[string]bool{}
	healing := map[string]bool{} // namespaces whose partition policy was deleted
	for _, l := range left {
		if time.Now().Before(l.Expires) && !o.force {
			kept[l.Run] = true
			fmt.Fprintf(w, "drill run %s in %s: left, not expired until %s (a drill may still be running; --force removes it): %s\n",
				l.Run, l.Namespace, l.Expires.Format(time.RFC3339), strings.Join(l.Objects, ", "))
			continue
		}
		deleted, derr := kc.DeleteDrillObjects(ctx, kube.DrillObject{Namespace: l.Namespace, Run: l.Run})
		if ctx.Err() != nil {
			return errInterrupted
		}
		if len(deleted) > 0 {
			fmt.Fprintf(w, "drill run %s in %s: deleted %s\n", l.Run, l.Namespace, strings.Join(deleted, ", "))
		}
		if derr != nil {
			errs = append(errs, fmt.Errorf("drill run %s in %s: %w", l.Run, l.Namespace, derr))
		}
		if slices.ContainsFunc(deleted, func(s string) bool { return strings.HasPrefix(s, "networkpolicy/") }) {
			healing[l.Namespace] = true
		}
	}
	narrowed, err := kc.NarrowedPolicies(ctx, ns)
	if err != nil {
		errs = append(errs, err)
	}
	for _, n := range narrowed {
		if time.Now().Before(n.Expires) && !o.force {
			kept[n.Run] = true
			fmt.Fprintf(w, "drill run %s in %s: NetworkPolicy %s left narrowed, not expired until %s (--force restores it)\n",
				n.Run, n.Namespace, n.Name, n.Expires.Format(time.RFC3339))
			continue
		}
		if err := kc.RestoreNarrowed(ctx, n); err != nil {
			errs = append(errs, fmt.Errorf("drill run %s: restore NetworkPolicy %s/%s: %w", n.Run, n.Namespace, n.Name, err))
			continue
		}
		healing[n.Namespace] = true
		fmt.Fprintf(w, "drill run %s in %s: restored NetworkPolicy %s as it was\n", n.Run, n.Namespace, n.Name)
	}
	if len(left) == 0 && len(narrowed) == 0 {
		fmt.Fprintf(w, "No drill objects in %s.\n", where)
	}

	// The drill alerts still active, and the meshes, of every cluster in scope.
	notWhole := 0
	found, ferr := kc.Find(ctx, kube.Query{Namespace: ns, Name: o.name, All: o.all})
	var nf *kube.NotFoundError
	switch {
	case ctx.Err() != nil:
		return errInterrupted
	case errors.As(ferr, &nf):
		fmt.Fprintf(w, "No Alertmanager cluster in %s: no drill alert to resolve.\n", where)
	case ferr != nil:
		errs = append(errs, withFindHint(ferr, "use -n", "(kubectl amha drill cleanup NAME)"))
	default:
		hc := &http.Client{Timeout: o.timeout}
		snapKC := *kc
		snapKC.Dyn = nil
		for _, f := range found {
			whole, err := o.cluster(ctx, &snapKC, hc, f, kept, healing[f.Namespace])
			if ctx.Err() != nil {
				return errInterrupted
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s/%s: %w", f.Namespace, f.Name, err))
			}
			if !whole {
				notWhole++
			}
		}
	}
	switch {
	case len(errs) > 0 || len(kept) > 0:
		if len(kept) > 0 {
			errs = append(errs, fmt.Errorf("%d drill run(s) not expired were left: run again with --force once no drill is running", len(kept)))
		}
		return &ExitError{Code: ExitNoCheck, Err: errors.Join(errs...)}
	case notWhole > 0:
		return findingsExit
	}
	fmt.Fprintln(w, "Nothing of a drill is left.")
	return nil
}

// cluster resolves the drill alerts left on f's replicas (but those of kept runs) and says
// whether the mesh is whole, waiting up to cleanupWholeTimeout when a partition was just healed.
func (o *drillCleanupOptions) cluster(ctx context.Context, kc *kube.Client, hc *http.Client, f kube.Found, kept map[string]bool, healing bool) (bool, error) {
	w := o.streams.Out
	name := f.Namespace + "/" + f.Name
	src := snapshot.NewKube(kc, kube.Query{Namespace: f.Namespace, Name: f.Name}, nil, snapshot.Options{HTTP: hc, Timeout: o.timeout})
	defer src.Close()
	snap := func() (model.Cluster, error) {
		cs, err := src.Snapshot(ctx)
		if err != nil {
			return model.Cluster{}, err
		}
		for _, c := range cs {
			if c.Name == f.Name && c.Namespace == f.Namespace {
				return c, nil
			}
		}
		return model.Cluster{}, fmt.Errorf("%s is gone", name)
	}
	c, err := snap()
	if err != nil {
		return false, err
	}
	endpoints := drill.Endpoints(c)
	am := &amclient.Client{HTTP: amclient.HTTP(hc), Timeout: o.timeout}
	resolved, rerr := drill.ResolveLeft(ctx, am, endpoints, func(run string) bool { return kept[run] })
	if len(resolved) > 0 {
		fmt.Fprintf(w, "%s: resolved drill alert(s) %s on %d replica(s)\n", name, strings.Join(resolved, ", "), len(endpoints))
	}
	expired, serr := drill.ExpireLeft(ctx, am, endpoints, nil, func(run string) bool { return kept[run] })
	if len(expired) > 0 {
		fmt.Fprintf(w, "%s: expired the drill's team-alert silence(s) %s\n", name, strings.Join(expired, ", "))
	}
	rerr = errors.Join(rerr, serr)
	if len(endpoints) < len(c.Replicas) {
		rerr = errors.Join(rerr, fmt.Errorf("%d of %d replicas did not answer: drill alerts on them may stay active until their endsAt", len(c.Replicas)-len(endpoints), len(c.Replicas)))
	}
	if len(c.Replicas) < 2 {
		return true, rerr
	}
	deadline := time.Now()
	if healing {
		deadline = deadline.Add(cleanupWholeTimeout)
	}
	for {
		_, perr := drill.Preflight(c)
		if perr == nil {
			fmt.Fprintf(w, "%s: the mesh is whole (%d replicas)\n", name, len(c.Replicas))
			return true, rerr
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(w, "%s: the mesh is not whole: %v; see kubectl amha status %s -n %s\n", name, strings.TrimSuffix(perr.Error(), " (kubectl amha status)"), f.Name, f.Namespace)
			return false, rerr
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(2 * time.Second):
		}
		if c, err = snap(); err != nil {
			return false, errors.Join(rerr, err)
		}
	}
}
