package cmd

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/amha-dev/kubectl-amha/pkg/kube"
	"github.com/amha-dev/kubectl-amha/pkg/snippets"
)

// Shell completion is cobra's __complete command: kubectl 1.26+ runs it through the
// kubectl_complete-amha script (hack/kubectl_complete-amha, shipped in every release archive)
// for `kubectl amha <TAB>`, and `kubectl-amha completion bash|zsh|fish|powershell` writes the
// script that runs it for kubectl-amha itself.

// The flags that take one of a fixed set of values: the commands check their flags against
// these lists and complete them from the same lists. The report for people is "text" in every
// command.
var (
	colorValues     = []string{"auto", "always", "never"}
	severityValues  = []string{"info", "warning", "error"}
	statusFormats   = []string{"text", "wide", "json", "yaml"}
	lintFormats     = []string{"text", "json", "yaml", "sarif", "line", "github"}
	snippetsFormats = []string{"text", "json", "yaml"}
	drillFormats    = []string{"text", "json", "yaml", "junit"}
	versionFormats  = []string{"text", "json", "yaml"}
)

// formatName is the name of an output format as the commands know it: "table", the text
// report's name in status and drill before every command called it text, is still taken.
func formatName(format string) string {
	if format == "table" {
		return "text"
	}
	return format
}

// completeValues registers, for each named flag of c, the completion of its fixed values;
// --output also completes the template forms (completeOutput).
func completeValues(c *cobra.Command, values map[string][]string) {
	for flag, vs := range values {
		if flag == "output" {
			mustComplete(c, flag, completeOutput(vs))
			continue
		}
		mustComplete(c, flag, cobra.FixedCompletions(vs, cobra.ShellCompDirectiveNoFileComp))
	}
}

// templatePrefixes start the --output values that carry a template (cli-runtime's printers
// over the -o json document): completed without a trailing space, so that the template, or
// the file that holds it, follows.
var templatePrefixes = []string{"jsonpath=", "jsonpath-file=", "go-template=", "go-template-file="}

// completeOutput completes --output: the command's formats and the template prefixes; after
// jsonpath-file= or go-template-file=, the files there. The completions go without a trailing
// space only when each of them is to be continued (a prefix, a directory).
func completeOutput(formats []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		for _, p := range []string{"jsonpath-file=", "go-template-file="} {
			if rest, ok := strings.CutPrefix(toComplete, p); ok {
				return prefixedFiles(p, rest)
			}
		}
		if strings.Contains(toComplete, "=") { // a template being written: nothing to offer
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		whole := false
		for _, v := range formats {
			if strings.HasPrefix(v, toComplete) {
				out, whole = append(out, v), true
			}
		}
		for _, p := range templatePrefixes {
			if strings.HasPrefix(p, toComplete) {
				out = append(out, p)
			}
		}
		if len(out) > 0 && !whole {
			return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// prefixedFiles completes a path written after prefix (jsonpath-file=...): the entries of its
// directory that start with what is written, directories with a trailing slash.
func prefixedFiles(prefix, path string) ([]cobra.Completion, cobra.ShellCompDirective) {
	dir, base := filepath.Split(path)
	entries, err := os.ReadDir(cmp.Or(dir, "."))
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	onlyDirs := true
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, base) || strings.HasPrefix(name, ".") && !strings.HasPrefix(base, ".") {
			continue
		}
		if e.IsDir() {
			name += "/"
		} else {
			onlyDirs = false
		}
		out = append(out, prefix+dir+name)
	}
	if onlyDirs && len(out) > 0 {
		return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func mustComplete(c *cobra.Command, flag string, f cobra.CompletionFunc) {
	if err := c.RegisterFlagCompletionFunc(flag, f); err != nil {
		// A flag renamed without its completion: NewRoot panics in every test.
		panic(fmt.Sprintf("completion of %s --%s: %v", c.Name(), flag, err))
	}
}

// completeList completes a comma-separated list flag (--only a,b): the values not given yet,
// after what is.
func completeList(values []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		i := strings.LastIndexByte(toComplete, ',') + 1
		given, prefix := strings.Split(toComplete[:i], ","), toComplete[i:]
		var out []cobra.Completion
		for _, v := range values {
			if strings.HasPrefix(v, prefix) && !slices.Contains(given, v) {
				out = append(out, toComplete[:i]+v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeKubeFlags completes kubectl's connection flags: -n with the namespaces the API server
// lists, --context, --cluster and --user with the kubeconfig's names.
func completeKubeFlags(root *cobra.Command, kf *genericclioptions.ConfigFlags) {
	mustComplete(root, "namespace", completeNamespace(kf))
	for _, flag := range []string{"context", "cluster", "user"} {
		mustComplete(root, flag, completeKubeconfig(kf, flag))
	}
}

// completeKubeconfig completes --context, --cluster or --user with the kubeconfig's names.
func completeKubeconfig(kf *genericclioptions.ConfigFlags, flag string) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		raw, err := kf.ToRawKubeConfigLoader().RawConfig()
		if err != nil {
			cobra.CompDebugln("kubeconfig: "+err.Error(), false)
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		names := map[string][]string{"context": keys(raw.Contexts), "cluster": keys(raw.Clusters), "user": keys(raw.AuthInfos)}
		return names[flag], cobra.ShellCompDirectiveNoFileComp
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// completeNamespace completes a namespace flag from the API server, within --request-timeout.
func completeNamespace(kf *genericclioptions.ConfigFlags) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		kc, _, err := completionClient(kf)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		names, err := kc.Namespaces(cmd.Context())
		if err != nil {
			cobra.CompDebugln(err.Error(), false)
		}
		var out []cobra.Completion
		for _, n := range names {
			if strings.HasPrefix(n, toComplete) {
				out = append(out, n)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeName completes the one NAME of status, ui and snippets.
func completeName(kf *genericclioptions.ConfigFlags) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return clusterNames(cmd, kf, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeDrillArgs completes drill's arguments: a drill, then NAME.
func completeDrillArgs(kf *genericclioptions.ConfigFlags) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		switch {
		case len(args) == 0:
			var out []cobra.Completion
			for _, d := range drillChoices {
				if strings.HasPrefix(d, toComplete) {
					out = append(out, cobra.CompletionWithDesc(d, drillSummary[d]))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		case len(args) == 1 && (args[0] == drillAll || isDrill(args[0])):
			return clusterNames(cmd, kf, toComplete), cobra.ShellCompDirectiveNoFileComp
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}

// clusterNames are the NAMEs that start with toComplete: the Alertmanager StatefulSets and
// prometheus-operator Alertmanager objects of the namespace the command would look in (-n,
// else the kubeconfig's; every namespace with -A), read within --request-timeout. A
// completion prints no error: without a kubeconfig or an answer there are none.
func clusterNames(cmd *cobra.Command, kf *genericclioptions.ConfigFlags, toComplete string) []cobra.Completion {
	kc, ns, err := completionClient(kf)
	if err != nil {
		return nil
	}
	// snippets has a -n of its own (its default is the generator's, not the kubeconfig's).
	if f := cmd.Flags().Lookup("namespace"); f != nil && f.Changed {
		ns = f.Value.String()
	}
	if all, err := cmd.Flags().GetBool("all-namespaces"); err == nil && all {
		ns = ""
	}
	names, err := kc.Names(cmd.Context(), ns)
	if err != nil {
		cobra.CompDebugln(err.Error(), false)
	}
	var out []cobra.Completion
	for _, n := range names {
		if strings.HasPrefix(n.Name, toComplete) {
			out = append(out, cobra.CompletionWithDesc(n.Name, n.Kind))
		}
	}
	return out
}

// completionClient is the API server client of kubectl's flags, with --request-timeout.
func completionClient(kf *genericclioptions.ConfigFlags) (*kube.Client, string, error) {
	timeout, err := requestTimeout(kf)
	if err != nil {
		cobra.CompDebugln(err.Error(), false)
		return nil, "", err
	}
	kc, ns, err := kubeClient(kf, timeout, "")
	if err != nil {
		cobra.CompDebugln(err.Error(), false)
	}
	return kc, ns, err
}

// snippetIDs are what --only takes: snippet ids and groups.
func snippetIDs() []string { return append(slices.Clone(snippets.IDs), snippets.Groups...) }
