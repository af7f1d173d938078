package cmd

import (
	"bytes"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/amha-dev/kubectl-amha/pkg/text"
	"github.com/amha-dev/kubectl-amha/pkg/version"
	"github.com/amha-dev/kubectl-amha/ui"
)

func newVersionCmd(streams genericiooptions.IOStreams) *cobra.Command {
	var output string
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and date of kubectl-amha",
		Long: `Print the version of kubectl-amha, the commit and the date it was built from, and the Go
version and platform. A release sets them at link time; a build from source reads them from
Go's build information (dev and unknown when it has none). kubectl amha --version prints the
same line.

Exit codes: 0 printed, 2 bad flags.`,
		Example: `  kubectl amha version
  kubectl amha --version

  # For a script (kind Version, docs/json.md)
  kubectl amha version -o json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			var buf bytes.Buffer
			info := version.Get()
			switch formatName(output) {
			case "text":
				fmt.Fprintln(&buf, info.Line())
			case "json", "yaml":
				if err := ui.Write(&buf, output, "Version", info); err != nil {
					return &ExitError{Code: ExitNoCheck, Err: err}
				}
			default:
				return usageError("--output %q: want %s", output, text.Or(versionFormats))
			}
			_, err := streams.Out.Write(buf.Bytes())
			return err
		},
	}
	c.Flags().StringVarP(&output, "output", "o", "text", "Output format: text, json or yaml")
	// No template forms: version prints its own document only as text, json or yaml.
	mustComplete(c, "output", cobra.FixedCompletions(versionFormats, cobra.ShellCompDirectiveNoFileComp))
	return c
}
