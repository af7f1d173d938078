// Package cmd wires amha's commands: flags in, options completed and validated, work done by
// the packages that own it, output through ui. Each command is one file.
package cmd

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/klog/v2"

	"github.com/amha-dev/kubectl-amha/pkg/version"
)

// Main runs the command line and returns the process exit code.
func Main(args []string) int {
	// client-go reports port-forward connection errors through klog; amha reports them itself.
	klog.SetOutput(io.Discard)
	klog.LogToStderr(false)
	// Errors would still reach stderr at klog's default threshold (ERROR): a port-forward to a
	// pod that a drill just deleted printed "Unhandled Error" lines.
	kf := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(kf)
	_ = kf.Set("stderrthreshold", "FATAL")
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	// Signals are caught before anything else runs: a Ctrl-C in the first milliseconds
	// interrupts like any other (every command's context ends; a second one exits at once).
	ctx, stop := interruptible(context.Background(), streams.ErrOut)
	defer stop()
	root := NewRoot(streams)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if e, ok := err.(*ExitError); !ok || e.Err != nil {
		fmt.Fprintln(streams.ErrOut, "error:", err)
	}
	return CodeOf(err)
}

// NewRoot builds the command tree.
func NewRoot(streams genericiooptions.IOStreams) *cobra.Command {
	kube := genericclioptions.NewConfigFlags(true)
	root := &cobra.Command{
		Use:   "kubectl-amha",
		Short: "Troubleshoot highly available Alertmanager clusters",
		Long: `kubectl amha shows whether the replicas of an Alertmanager cluster really work as one.

Alertmanager HA has no leader. Prometheus must send every alert to every replica; the
replicas gossip a notification log so that one sends and the others, waiting
position x --cluster.peer-timeout, find the log entry and stay quiet. When the mesh breaks it
fails open: every island notifies (duplicates rather than a miss). Pod Ready says nothing
about any of this: /-/ready answers 200 even while gossip is settling.

Exit codes: 0 healthy, 1 a warning or error finding, 2 could not check, 130 interrupted.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		CompletionOptions: cobra.CompletionOptions{
			HiddenDefaultCmd: true,
		},
		Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl amha"},
	}
	// --version prints what `kubectl amha version` prints. Registered here, not by cobra: cobra
	// would add -v, which kubectl users know as the log level.
	root.Version = version.Get().Line()
	root.SetVersionTemplate("{{.Version}}\n")
	root.Flags().Bool("version", false, "Print the version, commit and date of kubectl-amha, and exit")
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	kube.AddFlags(root.PersistentFlags())
	// amha never waits without a bound: 0 is the default, not "no timeout" as in kubectl.
	root.PersistentFlags().Lookup("request-timeout").Usage = "How long one request may take: to the API server, a replica, a Prometheus, a port-forward's set-up (a duration such as 5s; 0 means the default, 10s; negative values are refused)"
	root.PersistentFlags().Lookup("insecure-skip-tls-verify").Usage = "Do not check server certificates: the API server's, and with --url the replicas' and Prometheus servers' (insecure; --http-config tls_config ca_file checks them)"
	root.AddCommand(newStatusCmd(streams, kube))
	root.AddCommand(newLintCmd(streams, kube))
	root.AddCommand(newSnippetsCmd(streams, kube))
	root.AddCommand(newUICmd(streams, kube))
	root.AddCommand(newVersionCmd(streams))
	root.AddCommand(newDrillCmd(streams, kube))
	root.AddCommand(newSinkCmd(streams))
	root.AddCommand(newOptionsCmd())
	root.SetUsageTemplate(usageTemplate)
	setRootRun(root, streams, kube)
	return root
}
