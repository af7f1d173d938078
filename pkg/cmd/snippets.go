package cmd

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/amha-dev/kubectl-amha/pkg/kube"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/snippets"
	"github.com/amha-dev/kubectl-amha/pkg/text"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
	"github.com/amha-dev/kubectl-amha/ui"
)

const snippetsExample = `  # Everything for 3 replicas "main" in namespace monitoring on v0.31.1
  kubectl amha snippets

  # 3 replicas spread over three zones, a 30s peer-timeout, files written to ./alertmanager
  kubectl amha snippets --replicas 3 --zones a,b,c --peer-timeout 30s --out ./alertmanager

  # Only the failure-scenario table, for a route with group_wait 10s and a 5s webhook
  kubectl amha snippets --only scenarios --group-wait 10s --receiver-latency 5s

  # The Prometheus side as JSON, for a script
  kubectl amha snippets --only prometheus -o json

  # The minimal patch that makes a running cluster (a StatefulSet or a prometheus-operator
  # Alertmanager) work as one, as files with the ordered patch-apply.sh, then apply it
  kubectl amha snippets alertmanager-main -n monitoring --out ./patch
  (cd ./patch && sh patch-apply.sh)`

// snippetsOptions is everything `snippets` needs, filled by Complete and checked by Validate.
type snippetsOptions struct {
	streams genericiooptions.IOStreams
	kube    *genericclioptions.ConfigFlags

	// live is the running cluster to patch (NAME), "" to generate from flags.
	live    string
	changed func(flag string) bool

	spec    snippets.Spec
	zones   []string
	output  string
	outDir  string
	only    []string
	timing  timing.Params
	version string
}

func newSnippetsCmd(streams genericiooptions.IOStreams, kube *genericclioptions.ConfigFlags) *cobra.Command {
	o := &snippetsOptions{streams: streams, kube: kube, spec: snippets.DefaultSpec()}
	c := &cobra.Command{
		Use:   "snippets [NAME]",
		Short: "Print what to paste for an Alertmanager cluster that works as one",
		Long: `Write, for a described cluster, what to paste so that its replicas work as one:

  cluster-flags          the --cluster.* flags, each value explained, and what to raise across regions
  prometheus-endpoints   Prometheus alerting block: endpoints discovery keeping only the web port
  prometheus-static      ... every replica listed          prometheus-dns  ... DNS discovery
  prometheus-operator    prometheus-operator Prometheus spec.alerting
  statefulset            StatefulSet, headless Service, PodDisruptionBudget, NetworkPolicy, config
  alertmanager-operator  the prometheus-operator Alertmanager form
  scenarios              what notifies when, per failure scenario, from amha's timing model
  mesh-check             curl + jq script that exits non-zero on a broken mesh
  watchdog-rule          the always-firing Watchdog alert
  watchdog-route         alertmanager.yml with the dead-man's-switch route

--only takes ids or groups (flags, prometheus, kubernetes, scenarios, healthcheck).
Without NAME the cluster is described by flags; --namespace defaults to monitoring here, not
to the kubeconfig's namespace. Times in the scenario table are from the first alert reaching
the replicas. When the mesh splits every side notifies: duplicates rather than a miss, by design.

With NAME (a StatefulSet, or a prometheus-operator Alertmanager object: "main" for
alertmanager-main), amha reads the running cluster through the API server (kubectl's
--kubeconfig, --context; -n defaults to the kubeconfig's namespace, not to monitoring) and
prints the minimal patch against what runs: one file per object that differs (merge patches;
the recreation steps where a field is immutable; for prometheus-operator, a patch of the
Alertmanager object, which the operator then rolls out) and patch-apply.sh, which applies them
in order and ends with kubectl amha status. --replicas, --version, --peer-timeout and --zones
change what runs only when given (the defaults shown below are the generator's); --name and
--only do not apply. What the script does to notifications is said at its top: adding
--cluster.label splits the mesh while the pods roll (both sides notify). The NetworkPolicy is
written but not applied: it would deny every other client of the web port until rules for
them are added. When Helm, Argo CD or Flux own the objects, patch-apply.sh says so: a patch
applied by hand is reverted by the next sync or upgrade, so make the change in the source.
It reads StatefulSets, pods, Services, PodDisruptionBudgets, NetworkPolicies and alertmanagers
and writes nothing: applying is yours to do.

Exit codes: 0 written, 2 bad flags, the cluster could not be read, or the files could not be
written, 130 interrupted.`,
		Example: snippetsExample,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(cmd, args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	f := c.Flags()
	f.IntVar(&o.spec.Replicas, "replicas", o.spec.Replicas, "Number of Alertmanager replicas")
	f.StringVarP(&o.spec.Namespace, "namespace", "n", o.spec.Namespace, "Namespace of the cluster")
	f.StringVar(&o.spec.Name, "name", o.spec.Name, "Name of the cluster: StatefulSet alertmanager-NAME, cluster label NAMESPACE/NAME")
	f.StringVar(&o.version, "version", o.spec.Version, "Alertmanager version (v0.26 or later)")
	f.StringSliceVar(&o.zones, "zones", nil, "Zones to spread the replicas over (topology.kubernetes.io/zone values), e.g. a,b,c")
	f.DurationVar(&o.timing.PeerTimeout, "peer-timeout", model.DefaultPeerTimeout, "--cluster.peer-timeout")
	f.DurationVar(&o.timing.GroupWait, "group-wait", timing.DefaultGroupWait, "The route's group_wait, for the scenario table")
	f.DurationVar(&o.timing.GroupInterval, "group-interval", timing.DefaultGroupInterval, "The route's group_interval")
	f.DurationVar(&o.timing.RepeatInterval, "repeat-interval", timing.DefaultRepeatInterval, "The route's repeat_interval")
	f.DurationVar(&o.timing.ReceiverLatency, "receiver-latency", 0, "How long one send to the receiver takes, for the scenario table")
	f.StringVarP(&o.output, "output", "o", "text", "Output format: text, json, yaml, jsonpath=TEMPLATE or go-template=TEMPLATE")
	f.StringVar(&o.outDir, "out", "", "Write one file per snippet into this directory (all or nothing) instead of printing them")
	f.StringSliceVar(&o.only, "only", nil, "Only these snippet ids or groups, comma-separated")
	completeValues(c, map[string][]string{"output": snippetsFormats})
	mustComplete(c, "only", completeList(snippetIDs()))
	mustComplete(c, "namespace", completeNamespace(kube))
	_ = c.MarkFlagDirname("out")
	c.ValidArgsFunction = completeName(kube)
	return c
}

func (o *snippetsOptions) Complete(cmd *cobra.Command, args []string) error {
	if len(args) == 1 {
		o.live = args[0]
	}
	o.changed = cmd.Flags().Changed
	o.spec.Version = o.version
	o.spec.Zones = o.zones
	o.spec.Timing = o.timing
	return nil
}

func (o *snippetsOptions) Validate() error {
	o.output = formatName(o.output)
	if isTmpl, err := checkTemplate(o.output); err != nil {
		return err
	} else if !isTmpl && !slices.Contains(snippetsFormats, o.output) {
		return usageError("--output %q: want %s", o.output, text.Or(snippetsFormats))
	}
	if o.outDir != "" && o.output != "text" {
		return usageError("--out writes the snippets as files: it does not combine with -o %s", o.output)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--peer-timeout", o.timing.PeerTimeout}, {"--group-interval", o.timing.GroupInterval}, {"--repeat-interval", o.timing.RepeatInterval}} {
		if d.v <= 0 {
			return usageError("%s %s: must be positive", d.name, d.v)
		}
	}
	if o.timing.GroupWait < 0 || o.timing.ReceiverLatency < 0 {
		return usageError("--group-wait and --receiver-latency must not be negative")
	}
	if o.live != "" {
		for _, f := range []string{"name", "only"} {
			if o.changed(f) {
				return usageError("--%s describes a cluster to generate; with NAME (%s) amha patches the running one", f, o.live)
			}
		}
		return nil
	}
	if err := o.spec.Validate(); err != nil {
		return usageError("%v", err)
	}
	if _, err := snippets.Select(nil, o.only); err != nil {
		return usageError("--only: %v", err)
	}
	return nil
}

func (o *snippetsOptions) Run(ctx context.Context) error {
	spec, selected, err := o.snippets(ctx)
	if err != nil {
		return err
	}
	if o.outDir != "" {
		paths, err := snippets.WriteFiles(o.outDir, selected)
		if err != nil {
			return &ExitError{Code: ExitNoCheck, Err: fmt.Errorf("--out %s: %w (nothing written)", o.outDir, err)}
		}
		for _, p := range paths {
			fmt.Fprintln(o.streams.Out, p)
		}
		return nil
	}
	if structured(o.output) {
		r, err := snippets.NewReport(spec, selected)
		if err != nil {
			return err
		}
		return templateErr(o.output, ui.Write(o.streams.Out, o.output, "SnippetsReport", r))
	}
	return snippets.WriteText(o.streams.Out, selected)
}

// snippets generates from the flags or, with NAME, patches what runs.
func (o *snippetsOptions) snippets(ctx context.Context) (snippets.Spec, []snippets.Snippet, error) {
	if o.live == "" {
		all, err := snippets.Generate(o.spec)
		if err != nil {
			return snippets.Spec{}, nil, usageError("%v", err)
		}
		selected, err := snippets.Select(all, o.only)
		if err != nil {
			return snippets.Spec{}, nil, usageError("--only: %v", err)
		}
		return o.spec, selected, nil
	}
	timeout, err := requestTimeout(o.kube)
	if err != nil {
		return snippets.Spec{}, nil, err
	}
	kc, ns, err := kubeClient(o.kube, timeout, "")
	if err != nil {
		return snippets.Spec{}, nil, err
	}
	if o.changed("namespace") {
		ns = o.spec.Namespace
	}
	ask := snippets.Ask{Version: o.version, Zones: o.zones, Timing: o.timing}
	if o.changed("replicas") {
		ask.Replicas = o.spec.Replicas
	}
	if !o.changed("version") {
		ask.Version = ""
	}
	if o.changed("peer-timeout") {
		ask.PeerTimeout = o.timing.PeerTimeout
	}
	spec, out, err := snippets.FromCluster(ctx, kc, kube.Query{Namespace: ns, Name: o.live}, ask)
	if ctx.Err() != nil {
		return snippets.Spec{}, nil, errInterrupted
	}
	if err != nil {
		return snippets.Spec{}, nil, &ExitError{Code: ExitNoCheck, Err: err}
	}
	return spec, out, nil
}
