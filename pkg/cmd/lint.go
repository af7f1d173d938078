package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/amha-dev/kubectl-amha/pkg/lint"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/suppress"
	"github.com/amha-dev/kubectl-amha/pkg/text"
	"github.com/amha-dev/kubectl-amha/pkg/version"
	"github.com/amha-dev/kubectl-amha/ui"
)

const lintExample = `  # Manifests before they are applied (files, directories, several -f)
  kubectl amha lint -f deploy/alertmanager/ -f prometheus.yml

  # What Helm would install
  helm template am prometheus-community/alertmanager --set replicaCount=3 | kubectl amha lint -f -

  # What runs now, as objects
  kubectl get statefulset,service,pdb,networkpolicy -n monitoring -o yaml | kubectl amha lint -f -

  # VM installs: systemd units and alertmanager.yml of each replica, compared as one cluster
  kubectl amha lint -f am-0/alertmanager.service -f am-1/alertmanager.service -f am-0/alertmanager.yml -f am-1/alertmanager.yml

  # Code scanning in CI
  kubectl amha lint -f deploy/ -o sarif > amha.sarif

  # One line per finding (file:line:col: severity id: message), for editors and problem matchers
  kubectl amha lint -f deploy/ -o line

  # Annotations on the files of a pull request, in a GitHub Actions step
  kubectl amha lint -f deploy/ -o github

  # Accept findings the team decided to keep (also: amha.dev/ignore annotations, # amha: ignore
  # comments, disable: [ids] in .amha.yaml), and list them
  kubectl amha lint -f deploy/ --disable k8s/pdb,cluster/label-missing --show-suppressed`

type lintOptions struct {
	streams  genericiooptions.IOStreams
	files    []string
	output   string
	color    string
	minLevel string
	// operatorVersion is --operator-version.
	operatorVersion string
	kustomize       []string
	stdinFilename   string

	suppress suppressOptions

	useColor bool
	min      model.Severity
	rules    *suppress.Rules
}

func newLintCmd(streams genericiooptions.IOStreams, _ *genericclioptions.ConfigFlags) *cobra.Command {
	o := &lintOptions{streams: streams}
	c := &cobra.Command{
		Use:   "lint -f FILE|DIR|- ...",
		Short: "Find Alertmanager HA mistakes in manifests and configuration files before they are applied",
		Long: `Read Kubernetes objects, alertmanager.yml, prometheus.yml and Alertmanager command lines and
report what would break the cluster's high availability: the same findings, ids and exit codes
as 'kubectl amha status', each pointing at the file, line and column it is about.

Inputs are recognised by content, so one stream can mix them:
  Kubernetes objects   StatefulSet, Deployment, Service, PodDisruptionBudget, NetworkPolicy,
                       ConfigMap/Secret (an alertmanager.yml or prometheus.yml inside), and the
                       prometheus-operator Alertmanager, Prometheus and AlertmanagerConfig;
                       multi-document YAML and List kinds (kubectl get -o yaml) both work
  alertmanager.yml     several are compared as replicas of one cluster: those a workload mounts
                       with that workload's, those beside the VM units that name them with
                       those units', files named one by one with -f together, and files a
                       directory walk finds by directory (-f envs/ with dev/ and prod/ is two
                       clusters); the Clusters line says which were taken together
  prometheus.yml       the alerting.alertmanagers block
  command lines        systemd units (ExecStart=), docker-compose services, or a file of
                       Alertmanager arguments; all given together form one cluster (by
                       --cluster.label when they differ); one replica's alone is sized from the
                       peers it names (--cluster.peer, plus itself)
  --cluster.tls-config the gossip TLS file (tls_server_config) of a command line: given as an
                       input, or read next to the unit (a relative path from the unit's
                       directory, an absolute one by its base name there)
A directory is read recursively (*.yaml, *.yml, *.json, *.service, *.args, *.conf); files
there that are none of the above are skipped and listed. A Helm chart (a directory with
Chart.yaml) is not YAML until rendered: a walk skips it and says so, and -f CHART is an error;
lint what it renders: helm template NAME CHART --set replicaCount=3 | kubectl amha lint -f -
(the JSON report lists skipped charts under "charts"). --stdin-filename NAME gives stdin a
name for SARIF and annotations; its lines are those of the stream, so name a file that holds
the rendered output (helm template ... > rendered/am.yaml), not a template. -k DIR renders a kustomization as kubectl kustomize does (remote bases are
fetched as kustomize fetches them); its findings point at lines of that rendered output.

prometheus-operator Alertmanager objects are judged as the operator renders them: the pods'
labels (its own and spec.podMetadata.labels, which PodDisruptionBudgets, NetworkPolicies and
anti-affinity select by), the --cluster.* flags it generates (--cluster.label from v0.69 for
Alertmanager 0.26+, --cluster.peer-name from v0.93 for 0.30+, spec.additionalPeers) and its
default Alertmanager version when spec.version is empty. Which operator release: the one given
with --operator-version, else the image tag of a prometheus-operator Deployment among the
inputs, else the newest modelled (` + lint.NewestOperator + `); the text output says which. A
StatefulSet the operator generated (ownerReferences) given with its Alertmanager object is read
as the object's pods, not as a second cluster.

Replica counts are never judged odd or even: gossip has no quorum, so 2 replicas are as
consistent as 3; more replicas only add failure tolerance and positional wait.

Every finding links its page, docs/checks/<id>.md at this binary's version (text: docs:, JSON:
doc, SARIF: the rule's helpUri).

Output formats (-o):
  text     the findings in blocks, for people (the default)
  json     the LintReport (docs/json.md); yaml is the same in YAML
  sarif    SARIF 2.1.0, for code scanning
  line     one line per finding, as compilers write them, for editors and CI problem matchers:
             file:line:col: severity id: message
           (a finding in several files names the others at the end; one in no file starts
           with kubectl-amha:)
  github   one GitHub Actions workflow command per finding (::error, ::warning, ::notice
           with file, line, col and the id as title), shown as annotations on the files
  jsonpath=TEMPLATE, go-template=TEMPLATE (and jsonpath-file=, go-template-file=)
           as kubectl's -o, applied to the JSON report:
             -o jsonpath='{range .findings[*]}{.id}{"\n"}{end}'

` + suppressHelp + `

Exit codes: 0 no finding at or above --fail-on (suppressed findings do not count), 1 findings,
2 bad input (the error names the file and line; nothing is printed on stdout).`,
		Example: lintExample,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError("lint reads files given with -f (got argument %q): kubectl amha lint -f %s", args[0], args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(); err != nil {
				return err
			}
			return o.Run()
		},
	}
	c.Flags().StringArrayVarP(&o.files, "filename", "f", nil, "file, directory or - (stdin) to lint; repeatable")
	c.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text, json, yaml, sarif, line, github, jsonpath=TEMPLATE or go-template=TEMPLATE")
	c.Flags().StringVar(&o.color, "color", "auto", "colour: auto, always or never (NO_COLOR is honoured)")
	c.Flags().StringVar(&o.minLevel, "fail-on", "warning", "lowest severity that makes the exit code 1: info, warning or error")
	o.suppress.addFlags(c.Flags())
	o.suppress.addShowFlag(c.Flags())
	c.Flags().StringArrayVarP(&o.kustomize, "kustomize", "k", nil, "kustomization directory to render as kubectl kustomize does, and lint; repeatable (lines are those of the rendered output)")
	c.Flags().StringVar(&o.stdinFilename, "stdin-filename", "", "the file name to give stdin (-f -) in findings, SARIF and annotations, e.g. the file it was rendered from")
	c.Flags().StringVar(&o.operatorVersion, "operator-version", "", "prometheus-operator release that renders the Alertmanager objects (e.g. v0.76.0); default: the image of an operator Deployment among the inputs, else "+lint.NewestOperator)
	completeValues(c, map[string][]string{"output": lintFormats, "color": colorValues, "fail-on": severityValues})
	completeSuppressFlags(c)
	_ = c.MarkFlagFilename("filename", "yaml", "yml", "json", "service", "args", "conf")
	return c
}

func (o *lintOptions) Complete() error {
	if len(o.files) == 0 && len(o.kustomize) == 0 {
		return usageError("nothing to lint: give -f FILE, -f DIR, -f - (stdin) or -k DIR (a kustomization)")
	}
	if o.stdinFilename != "" && !slices.Contains(o.files, "-") {
		return usageError("--stdin-filename names stdin, but no -f - reads it")
	}
	o.output = formatName(o.output)
	if isTmpl, err := checkTemplate(o.output); err != nil {
		return err
	} else if !isTmpl && !slices.Contains(lintFormats, o.output) {
		return usageError("-o %q: want %s", o.output, text.Or(lintFormats))
	}
	var err error
	if o.useColor, err = colorFlag(o.color, o.streams.Out); err != nil {
		return err
	}
	sev, err := model.ParseSeverity(o.minLevel)
	if err != nil {
		return usageError("--fail-on: %v", err)
	}
	o.min = sev
	if o.operatorVersion != "" {
		if _, err := lint.ParseOperatorVersion(o.operatorVersion); err != nil {
			return usageError("--operator-version: %v", err)
		}
	}
	o.rules, err = o.suppress.rules()
	return err
}

func (o *lintOptions) Run() error {
	read, err := lint.Read(o.files, o.streams.In)
	if err != nil {
		return &ExitError{Code: ExitNoCheck, Err: err}
	}
	inputs := read.Inputs
	for i := range inputs {
		if inputs[i].Name == "<stdin>" && o.stdinFilename != "" {
			inputs[i].Name = o.stdinFilename
		}
	}
	for _, dir := range o.kustomize {
		in, err := lint.ReadKustomize(dir)
		if err != nil {
			return &ExitError{Code: ExitNoCheck, Err: err}
		}
		inputs = append(inputs, in)
	}
	for _, k := range read.Kustomizations {
		fmt.Fprintf(o.streams.ErrOut, "note: %s holds a kustomization: its files are read as written (no namespace, patches or generators applied); -k %s lints what it renders\n", k, k)
	}
	for _, c := range read.Charts {
		fmt.Fprintf(o.streams.ErrOut, "skipped %s: a Helm chart, not YAML until rendered: %s\n", c, lint.HelmHint(c))
	}
	res, err := lint.LintWith(inputs, lint.Options{OperatorVersion: o.operatorVersion, Suppress: o.rules})
	if err != nil {
		var ie *lint.InputError
		if errors.As(err, &ie) {
			return &ExitError{Code: ExitNoCheck, Err: err}
		}
		return &ExitError{Code: ExitNoCheck, Err: fmt.Errorf("lint: %w", err)}
	}
	res.Charts = read.Charts
	if r := res.Read; r.Objects+r.Workloads+r.AMConfigs+r.PromConfigs == 0 {
		skipped := ""
		if len(res.Skipped) > 0 {
			skipped = " (skipped: " + strings.Join(res.Skipped, ", ") + ")"
		}
		return &ExitError{Code: ExitNoCheck, Err: fmt.Errorf("nothing to lint in %s: no Kubernetes object, alertmanager.yml, prometheus.yml or Alertmanager command line%s",
			strings.Join(append(slices.Clone(o.files), o.kustomize...), ", "), skipped)}
	}
	// Render fully before writing: a failure leaves stdout empty.
	var buf bytes.Buffer
	res.Findings = ui.Linked(res.Findings)
	res.Suppressed = ui.LinkedSuppressed(res.Suppressed)
	switch {
	case structured(o.output):
		err = ui.Write(&buf, o.output, "LintReport", res)
	case o.output == "sarif":
		err = ui.WriteSARIF(&buf, res.Findings, version.String(), res.Suppressed)
	case o.output == "line":
		err = ui.WriteLines(&buf, res.Findings)
	case o.output == "github":
		err = ui.WriteGitHub(&buf, res.Findings)
	default:
		err = o.writeText(&buf, res)
	}
	if err != nil {
		return &ExitError{Code: ExitNoCheck, Err: err}
	}
	if _, err := o.streams.Out.Write(buf.Bytes()); err != nil {
		return &ExitError{Code: ExitNoCheck, Err: err}
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(o.streams.ErrOut, "skipped %s: not a manifest, alertmanager.yml, prometheus.yml or command line\n", s)
	}
	if o.output == "line" || o.output == "github" {
		if line := ui.SuppressedSummary(res.Suppressed, true); line != "" {
			fmt.Fprintln(o.streams.ErrOut, line+"; -o text --show-suppressed lists them")
		}
	}
	for _, f := range res.Findings {
		if f.Severity >= o.min {
			return findingsExit
		}
	}
	return nil
}

func (o *lintOptions) writeText(buf *bytes.Buffer, res *lint.Result) error {
	st := ui.NewStyles(o.useColor)
	r := res.Read
	fmt.Fprintf(buf, "%s %s, %s, %d alertmanager.yml, %d prometheus.yml\n", st.Bold.Render("Read"),
		text.Plural(r.Objects, "object", "objects"), text.Plural(r.Workloads, "Alertmanager workload", "Alertmanager workloads"), r.AMConfigs, r.PromConfigs)
	for _, a := range res.Alternatives {
		forms := make([]string, len(a.Forms))
		for i, f := range a.Forms {
			forms[i] = strings.Join(f, " + ")
		}
		fmt.Fprintf(buf, "%s %s: %s (each read with the other files, not with each other)\n", st.Dim.Render("Alternatives"),
			ui.Clean(a.Set), ui.Clean(strings.Join(forms, " | ")))
	}
	if len(res.ConfigGroups) > 0 {
		var gs []string
		for _, g := range res.ConfigGroups {
			gs = append(gs, strings.Join(g.Files, " + ")+" ("+g.By+")")
		}
		what := "each compared only within itself"
		if len(gs) == 1 {
			what = "compared as one cluster's replicas"
		}
		fmt.Fprintf(buf, "%s %s: %s\n", st.Dim.Render("Clusters"), ui.Clean(strings.Join(gs, " | ")), what)
	}
	if op := res.Operator; op != nil {
		line := fmt.Sprintf("%s prometheus-operator %s, from %s", st.Dim.Render("Operator"), ui.Clean(op.Version), ui.Clean(op.Source))
		if op.Note != "" {
			line += " (" + ui.Clean(op.Note) + ")"
		}
		if len(op.Generated) > 0 {
			line += "; pods as generated in " + ui.Clean(strings.Join(op.Generated, ", "))
		}
		buf.WriteString(line + "\n")
	}
	buf.WriteString("\n")
	if err := ui.WriteFindings(buf, res.Findings, st, "No findings."); err != nil {
		return err
	}
	return ui.WriteSuppressed(buf, res.Suppressed, st, o.suppress.show)
}
