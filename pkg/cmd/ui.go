package cmd

import (
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/amha-dev/kubectl-amha/pkg/snapshot"
	"github.com/amha-dev/kubectl-amha/ui/tui"
)

const uiExample = `  # The live view of the Alertmanager cluster of a namespace
  kubectl amha ui -n monitoring

  # The same: kubectl amha alone opens it on a terminal (and prints the status report elsewhere)
  kubectl amha -n monitoring

  # Run a drill from the live view: 5 (Drills), choose, enter (the plan), y (run); q mid-drill restores first
  kubectl amha ui -n monitoring --sink-image ghcr.io/amha-dev/kubectl-amha:v0.2.0

  # Replicas outside Kubernetes, refreshed every second
  kubectl amha ui --url http://am-0:9093 --url http://am-1:9093 --url http://am-2:9093 --interval 1s`

// uiOptions are status's options, which say what to look at and how to reach it, plus the
// refresh interval.
type uiOptions struct {
	statusOptions
	interval time.Duration
	// drill holds the drill command's options for the Drills tab (sink image, split timeout,
	// narrowing, team-alert silences).
	drill drillOptions
}

func newUICmd(streams genericiooptions.IOStreams, kube *genericclioptions.ConfigFlags) *cobra.Command {
	o := &uiOptions{statusOptions: statusOptions{streams: streams, kube: kube, output: "text"}}
	o.drill = drillOptions{streams: streams, kube: kube}
	c := &cobra.Command{
		Use:   "ui [NAME]",
		Short: "Watch the mesh live: peer matrix, readiness, findings and changes as they happen",
		Long: `Open a live view of an Alertmanager cluster, refreshed every --interval: the peer-mesh matrix
(who sees whom), each replica's readiness (pod Ready, restarts, gossip status, position, failed
peers, configuration hash, version) with a one-line verdict, the findings with their explanation
and fix, a log of what changed between refreshes (a member left or joined, an island formed or
healed, a replica settling, a position that moved), the timing model's failure table for
the cluster, and the drills.

The Drills tab (5) lists the drills with what each expects on this cluster; enter shows the
plan (as kubectl amha drill --dry-run), y runs it (as drill --yes: the same checks, sink,
fault, restore and Events; --sink-image, --split-timeout, --narrow-policies, --recreate and
--silence-team-alerts are drill's). While it runs the matrix updates, a lane per replica shows
the alert, the fault, each notification with its sender and the heal, then the verdict. x stops
it; q mid-drill stops it, restores everything, then quits.

It takes status's flags and finds replicas the same way (port-forwards or --url); q quits and
closes every port-forward. Press ? for the keys. NO_COLOR or --color=never turns colour off.`,
		Example: uiExample,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !isTerminal(o.streams.Out) {
				return usageError("ui needs a terminal; kubectl amha status prints the same as a report")
			}
			return o.run(cmd, args)
		},
	}
	o.addTargetFlags(c.Flags())
	o.addIntervalFlag(c.Flags())
	o.drill.addRunFlags(c.Flags())
	completeValues(c, map[string][]string{"color": colorValues})
	completeSuppressFlags(c)
	c.ValidArgsFunction = completeName(kube)
	return c
}

// setRootRun makes `kubectl amha` without a subcommand open the live view when its output is
// a terminal, and print the status report otherwise (a pipe, a file, CI) or when -o or --probe
// ask for a report. It takes the flags of both.
func setRootRun(root *cobra.Command, streams genericiooptions.IOStreams, kube *genericclioptions.ConfigFlags) {
	o := &uiOptions{statusOptions: statusOptions{streams: streams, kube: kube}}
	o.drill = drillOptions{streams: streams, kube: kube, sinkImage: defaultSinkImage(), splitTimeout: defaultSplitTimeout}
	f := root.Flags()
	o.addTargetFlags(f)
	o.addReportFlags(f)
	o.addIntervalFlag(f)
	completeValues(root, map[string][]string{"output": statusFormats, "color": colorValues})
	completeSuppressFlags(root)
	completeKubeFlags(root, kube)
	root.Args = cobra.NoArgs // a mistyped subcommand stays an error, not a cluster NAME
	root.Example = `  # On a terminal, the live view (kubectl amha ui); in a pipe or with -o, the status report
  kubectl amha -n monitoring
  kubectl amha -n monitoring | less`
	root.RunE = func(cmd *cobra.Command, args []string) error {
		if isTerminal(streams.Out) && !f.Changed("output") && !f.Changed("probe") {
			return o.run(cmd, args)
		}
		return o.statusOptions.execute(cmd, args)
	}
}

func (o *uiOptions) addIntervalFlag(f *pflag.FlagSet) {
	f.DurationVar(&o.interval, "interval", 5*time.Second, "Time between refreshes of the live view")
}

func (o *uiOptions) run(cmd *cobra.Command, args []string) error {
	if err := o.Complete(cmd, args); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	if o.interval < 500*time.Millisecond {
		return usageError("--interval %s: want at least 500ms", o.interval)
	}
	src, err := o.source()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	poller := snapshot.NewPoller(ctx, src)
	defer poller.Close()
	out := termenv.NewOutput(o.streams.Out)
	topts := tui.Options{
		Poll:     poller.Poll,
		Interval: o.interval,
		Color:    o.useColor,
		Copy:     func(s string) error { out.Copy(s); return nil },
	}
	if len(o.urls) == 0 {
		if o.drill.timeout, err = requestTimeout(o.kube); err != nil {
			return err
		}
		drills := newUIDrills(ctx, o.drill)
		// Also when the program ends otherwise than by q (SIGTERM): a drill still running
		// restores what it changed before the command returns.
		defer drills.Close(o.streams.ErrOut)
		topts.Drills = drills
	}
	m := tui.New(topts)
	// bubbletea handles SIGINT and SIGTERM itself, and q / ctrl+c quit: either way Run
	// returns and the deferred Close ends every port-forward.
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx), tea.WithInput(o.streams.In), tea.WithOutput(o.streams.Out))
	if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, tea.ErrInterrupted) {
		return &ExitError{Code: ExitNoCheck, Err: err}
	}
	return nil
}
