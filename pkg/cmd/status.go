package cmd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	promconfig "github.com/prometheus/common/config"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/amha-dev/kubectl-amha/pkg/amclient"
	"github.com/amha-dev/kubectl-amha/pkg/checks"
	"github.com/amha-dev/kubectl-amha/pkg/collect"
	"github.com/amha-dev/kubectl-amha/pkg/kube"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/snapshot"
	"github.com/amha-dev/kubectl-amha/pkg/suppress"
	"github.com/amha-dev/kubectl-amha/pkg/text"
	"github.com/amha-dev/kubectl-amha/ui"
)

const statusExample = `  # The Alertmanager cluster of a namespace (one found: used; several: listed)
  kubectl amha status -n monitoring

  # A named cluster: a StatefulSet, or a prometheus-operator Alertmanager object
  kubectl amha status alertmanager-main -n monitoring
  kubectl amha status main -n monitoring

  # Every cluster in every namespace, for a script
  kubectl amha status -A -o json

  # Also check where Prometheus sends alerts, and measure gossip propagation
  kubectl amha status -n monitoring --prometheus-pod prometheus-k8s-0 --probe

  # VM installs, without Kubernetes (TLS and auth from a Prometheus-style HTTP client file)
  kubectl amha status --url http://am-0:9093 --url http://am-1:9093 --url http://am-2:9093 \
      --peer-timeout 15s --http-config http.yml --prometheus http://prometheus:9090

  # Accept findings the team decided to keep, and list them (also: the amha.dev/ignore
  # annotation on the StatefulSet, or disable: [ids] in .amha.yaml)
  kubectl amha status -n monitoring --disable mesh/version-skew --show-suppressed`

// statusOptions is everything `status` needs, filled by Complete and checked by Validate.
type statusOptions struct {
	streams genericiooptions.IOStreams
	kube    *genericclioptions.ConfigFlags

	name          string
	allNamespaces bool
	urls          []string
	httpConfig    string
	peerTimeout   time.Duration
	output        string
	color         string
	prometheus    []string
	prometheusPod []string
	probe         bool
	probeTimeout  time.Duration
	alertGrace    time.Duration
	configChecks  bool
	suppress      suppressOptions

	timeout    time.Duration
	httpClient *http.Client
	useColor   bool
	rules      *suppress.Rules
}

func newStatusCmd(streams genericiooptions.IOStreams, kube *genericclioptions.ConfigFlags) *cobra.Command {
	o := &statusOptions{streams: streams, kube: kube}
	c := &cobra.Command{
		Use:   "status [NAME]",
		Short: "Show the live peer mesh, readiness and consistency of an Alertmanager cluster",
		Long: `Port-forward to every Alertmanager pod of a StatefulSet (or talk to --url replicas directly) and
show, for each replica, what its mesh looks like: cluster status (ready, settling, disabled),
position, members, failed peers, configuration hash, version, alerts and silences; the peer
matrix (who sees whom); and findings that name the cause, what it does to notifications, and
the fix. Every finding links its page under docs/checks/, at this binary's version.

Pod Ready is not mesh health: /-/ready answers 200 even while gossip settles.

While a kubectl amha drill runs (its labelled objects in the namespace, or its alert on a
replica), status says "drill in progress" and keeps the findings the drill causes on purpose
at info, marked as the drill's.

` + suppressHelp + `

Exit codes: 0 healthy, 1 a warning or error finding (suppressed findings do not count), 2 could
not check, 130 interrupted (Ctrl-C or SIGTERM: nothing is reported from the interrupted
requests; a second Ctrl-C exits at once).`,
		Example: statusExample,
		Args:    cobra.MaximumNArgs(1),
		RunE:    o.execute,
	}
	o.addTargetFlags(c.Flags())
	o.addReportFlags(c.Flags())
	completeValues(c, map[string][]string{"output": statusFormats, "color": colorValues})
	completeSuppressFlags(c)
	c.ValidArgsFunction = completeName(kube)
	return c
}

// addTargetFlags registers the flags that choose the replicas and how amha reaches them, as
// status registers them: same names, defaults and help (TestUIFlagsMatchStatus holds them to
// it), so that status.go can register its own through this function.
func (o *statusOptions) addTargetFlags(f *pflag.FlagSet) {
	f.BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "Check the Alertmanager clusters of every namespace")
	f.StringArrayVar(&o.urls, "url", nil, "Web URL of a replica, once per replica (no Kubernetes); include any --web.route-prefix")
	f.StringVar(&o.httpConfig, "http-config", "", "Prometheus-style HTTP client config file (TLS, basic auth, bearer token, proxy) for replicas and Prometheus")
	f.DurationVar(&o.peerTimeout, "peer-timeout", 0, "The replicas' --cluster.peer-timeout (default: read from the pods' arguments, else 15s)")
	f.StringVar(&o.color, "color", "auto", "Colour: auto (a terminal without NO_COLOR), always or never")
	f.StringArrayVar(&o.prometheus, "prometheus", nil, "URL of a Prometheus whose /api/v1/alertmanagers is checked against the replicas")
	f.StringArrayVar(&o.prometheusPod, "prometheus-pod", nil, "A Prometheus pod (NAME or NAMESPACE/NAME, web port 9090) to check the same way (default: the pods of prometheus-operator Prometheus objects that send to the cluster)")
	f.DurationVar(&o.alertGrace, "alert-grace", 5*time.Second, "Ignore alerts updated this recently when comparing replicas' alerts")
	f.BoolVar(&o.configChecks, "config-checks", true, "Also run lint's configuration checks on the live objects (workload, Services, PodDisruptionBudgets, NetworkPolicies) and the running alertmanager.yml")
	o.suppress.addFlags(f)
}

// addReportFlags registers status's flags that only a one-off report has: the format and the
// probe (which writes a silence: not something to repeat every few seconds).
func (o *statusOptions) addReportFlags(f *pflag.FlagSet) {
	f.StringVarP(&o.output, "output", "o", "text", "Output format: text, wide, json, yaml, jsonpath=TEMPLATE or go-template=TEMPLATE (table, the former name of text, still works)")
	f.BoolVar(&o.probe, "probe", false, "Measure gossip propagation: create a silence matching nothing on one replica, time its arrival on the others, expire it")
	f.DurationVar(&o.probeTimeout, "probe-timeout", 30*time.Second, "How long the probe waits for the silence on each replica")
	o.suppress.addShowFlag(f)
}

// execute is what `status` runs: one snapshot, printed, with the exit status of its findings.
func (o *statusOptions) execute(cmd *cobra.Command, args []string) error {
	if err := o.Complete(cmd, args); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	ctx := cmd.Context() // ends at Ctrl-C or SIGTERM (Main)
	return o.Run(ctx)
}

func (o *statusOptions) Complete(cmd *cobra.Command, args []string) error {
	if len(args) == 1 {
		o.name = args[0]
	}
	var err error
	if o.timeout, err = requestTimeout(o.kube); err != nil {
		return err
	}
	if o.httpClient, err = o.replicaClient(); err != nil {
		return err
	}
	o.httpClient.Timeout = o.timeout
	if o.rules, err = o.suppress.rules(); err != nil {
		return err
	}
	o.useColor, err = colorFlag(o.color, o.streams.Out)
	return err
}

// replicaClient is the HTTP client for replicas and Prometheus servers given by URL: from
// --http-config, and without certificate checks when --insecure-skip-tls-verify is given with
// --url (with Kubernetes the flag is the API server's, as in kubectl).
func (o *statusOptions) replicaClient() (*http.Client, error) {
	insecure := len(o.urls) > 0 && o.kube.Insecure != nil && *o.kube.Insecure
	if o.httpConfig == "" {
		if !insecure {
			return &http.Client{}, nil
		}
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
		return &http.Client{Transport: t}, nil
	}
	cfg, _, err := promconfig.LoadHTTPConfigFile(o.httpConfig)
	if err != nil {
		return nil, usageError("--http-config %s: %v", o.httpConfig, err)
	}
	if insecure {
		cfg.TLSConfig.InsecureSkipVerify = true
	}
	hc, err := promconfig.NewClientFromConfig(*cfg, "kubectl-amha")
	if err != nil {
		return nil, usageError("--http-config %s: %v", o.httpConfig, err)
	}
	return hc, nil
}

func (o *statusOptions) Validate() error {
	o.output = formatName(o.output)
	if isTmpl, err := checkTemplate(o.output); err != nil {
		return err
	} else if !isTmpl && !slices.Contains(statusFormats, o.output) {
		return usageError("--output %q: want %s", o.output, text.Or(statusFormats))
	}
	if len(o.urls) > 0 {
		if o.name != "" || o.allNamespaces || len(o.prometheusPod) > 0 {
			return usageError("--url talks to replicas directly: it does not combine with a NAME, -A or --prometheus-pod")
		}
		for _, raw := range o.urls {
			u, err := url.Parse(raw)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
				return usageError("--url %q: want http://HOST:PORT or https://HOST:PORT", amclient.Redacted(raw))
			}
		}
	}
	for _, p := range o.prometheus {
		if !strings.HasPrefix(p, "http://") && !strings.HasPrefix(p, "https://") {
			return usageError("--prometheus %q: want http://HOST:PORT", p)
		}
	}
	if o.peerTimeout < 0 {
		return usageError("--peer-timeout must be positive")
	}
	if o.probe && o.probeTimeout <= 0 {
		return usageError("--probe-timeout %s: must be positive (how long the probe waits for its silence on each replica)", o.probeTimeout)
	}
	return nil
}

func (o *statusOptions) Run(ctx context.Context) error {
	src, err := o.source()
	if err != nil {
		return err
	}
	defer src.Close()
	clusters, err := src.Snapshot(ctx)
	if ctx.Err() != nil {
		// A report built from cancelled requests would show a broken mesh that is not there.
		// Only what the user must act on is said: a probe silence that could not be expired.
		for _, c := range clusters {
			if p := c.Probe; p != nil && p.Silence != "" && p.Error != "" {
				fmt.Fprintf(o.streams.ErrOut, "%s/%s: %s\n", c.Namespace, c.Name, p.Error)
			}
		}
		return errInterrupted
	}
	if err != nil {
		return &ExitError{Code: ExitNoCheck, Err: withFindHint(err,
			"use -n, -A or --url", "(kubectl amha status NAME) or use -A")}
	}
	if err := o.print(clusters); err != nil {
		return err
	}
	return verdict(clusters)
}

// verdict is the exit status of a set of snapshots: 2 when no replica answered, 1 with a
// warning or error finding, 2 when a Prometheus could not be read, else nil.
func verdict(clusters []model.Cluster) error {
	answered := 0
	for _, c := range clusters {
		for _, r := range c.Replicas {
			if r.OK() {
				answered++
			}
		}
	}
	if answered == 0 {
		return &ExitError{Code: ExitNoCheck, Err: errors.New("no replica answered: nothing could be checked")}
	}
	for _, c := range clusters {
		if w, ok := model.Worst(c.Findings); ok && w >= model.Warning {
			return findingsExit
		}
	}
	// A Prometheus that was asked for but could not be read: its wiring is unchecked, which
	// is not "healthy".
	for _, c := range clusters {
		for _, p := range c.Prometheus {
			if p.Error != "" {
				return &ExitError{Code: ExitNoCheck, Err: fmt.Errorf("Prometheus %s could not be read, so its wiring was not checked: %s", p.Name, p.Error)}
			}
		}
	}
	return nil
}

// source builds the URL or Kubernetes source the options describe.
func (o *statusOptions) source() (snapshot.Source, error) {
	so := snapshot.Options{
		HTTP:         o.httpClient,
		Timeout:      o.timeout,
		PeerTimeout:  o.peerTimeout,
		Checks:       checks.Options{AlertGrace: o.alertGrace},
		ConfigChecks: o.configChecks,
		Probe:        o.probe,
		ProbeTimeout: o.probeTimeout,
		Suppress:     o.rules,
	}
	for _, p := range o.prometheus {
		so.Prometheus = append(so.Prometheus, collect.PrometheusTarget{Name: p, Endpoint: p})
	}
	if len(o.urls) > 0 {
		return snapshot.NewURLs(o.urls, so), nil
	}
	kc, ns, err := kubeClient(o.kube, o.timeout, "use --url for replicas outside Kubernetes")
	if err != nil {
		return nil, err
	}
	q := kube.Query{Namespace: ns, Name: o.name, All: o.allNamespaces}
	return snapshot.NewKube(kc, q, o.prometheusPod, so), nil
}

func (o *statusOptions) print(cs []model.Cluster) error {
	w := o.streams.Out
	if structured(o.output) {
		return templateErr(o.output, ui.Write(w, o.output, "StatusReport", ui.NewStatusReport(cs)))
	}
	return ui.WriteText(w, cs, ui.NewStyles(o.useColor), ui.TextOptions{Wide: o.output == "wide", ShowSuppressed: o.suppress.show})
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// colorFlag resolves --color: always, never, or auto (a terminal, and NO_COLOR unset).
func colorFlag(value string, out io.Writer) (bool, error) {
	switch value {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto":
		return os.Getenv("NO_COLOR") == "" && isTerminal(out), nil
	}
	return false, usageError("--color %q: want %s", value, text.Or(colorValues))
}
