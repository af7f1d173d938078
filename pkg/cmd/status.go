package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	promconfig "github.com/prometheus/common/config"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/amha-dev/kubectl-amha/pkg/amclient"
	"github.com/amha-dev/kubectl-amha/pkg/checks"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/source"
	"github.com/amha-dev/kubectl-amha/pkg/status"
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
      --peer-timeout 15s --http-config http.yml --prometheus http://prometheus:9090`

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

	timeout    time.Duration
	httpClient *http.Client
	useColor   bool
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
the fix. Every finding id has a page under docs/checks/.

Pod Ready is not mesh health: /-/ready answers 200 even while gossip settles.

Exit codes: 0 healthy, 1 a warning or error finding, 2 could not check.`,
		Example: statusExample,
		Args:    cobra.MaximumNArgs(1),
		RunE:    o.execute,
	}
	o.addTargetFlags(c.Flags())
	o.addReportFlags(c.Flags())
	return c
}

func (o *statusOptions) Complete(cmd *cobra.Command, args []string) error {
	if len(args) == 1 {
		o.name = args[0]
	}
	o.timeout = 10 * time.Second
	if rt := *o.kube.Timeout; rt != "" && rt != "0" {
		d, err := time.ParseDuration(rt)
		if err != nil {
			return usageError("--request-timeout %q: %v", rt, err)
		}
		o.timeout = d
	}
	o.httpClient = &http.Client{}
	if o.httpConfig != "" {
		cfg, _, err := promconfig.LoadHTTPConfigFile(o.httpConfig)
		if err != nil {
			return usageError("--http-config %s: %v", o.httpConfig, err)
		}
		hc, err := promconfig.NewClientFromConfig(*cfg, "kubectl-amha")
		if err != nil {
			return usageError("--http-config %s: %v", o.httpConfig, err)
		}
		o.httpClient = hc
	}
	o.httpClient.Timeout = o.timeout
	var err error
	o.useColor, err = colorFlag(o.color, o.streams.Out)
	return err
}

func (o *statusOptions) Validate() error {
	switch o.output {
	case "table", "wide", "json", "yaml":
	default:
		return usageError("--output %q: want table, wide, json or yaml", o.output)
	}
	if len(o.urls) > 0 {
		if o.name != "" || o.allNamespaces || len(o.prometheusPod) > 0 {
			return usageError("--url talks to replicas directly: it does not combine with a NAME, -A or --prometheus-pod")
		}
		seen := map[string]bool{}
		for _, u := range o.urls {
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				return usageError("--url %q: want http://HOST:PORT or https://HOST:PORT", u)
			}
			if seen[u] {
				return usageError("--url %q given twice", u)
			}
			seen[u] = true
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
	return nil
}

func (o *statusOptions) Run(ctx context.Context) error {
	src, err := o.source()
	if err != nil {
		return err
	}
	defer src.Close()
	clusters, err := src.Snapshot(ctx)
	if err != nil {
		return &ExitError{Code: ExitNoCheck, Err: err}
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
func (o *statusOptions) source() (source.Source, error) {
	so := source.Options{
		Client:       &amclient.Client{HTTP: o.httpClient, Timeout: o.timeout},
		PeerTimeout:  o.peerTimeout,
		ConfigChecks: o.configChecks,
		Status: status.Options{
			Checks:       checks.Options{AlertGrace: o.alertGrace},
			Probe:        o.probe,
			ProbeTimeout: o.probeTimeout,
		},
	}
	for _, p := range o.prometheus {
		so.Status.Prometheus = append(so.Status.Prometheus, status.PrometheusTarget{Name: p, Endpoint: p})
	}
	if len(o.urls) > 0 {
		return source.NewURLs(o.urls, so), nil
	}
	cfg, err := o.kube.ToRESTConfig()
	if err != nil {
		return nil, usageError("kubeconfig: %v (use --url for replicas outside Kubernetes)", err)
	}
	cfg.Timeout = o.timeout
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, usageError("kubernetes client: %v", err)
	}
	ns, _, err := o.kube.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, usageError("namespace: %v", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, usageError("kubernetes client: %v", err)
	}
	return source.NewKube(cfg, cs, dyn, ns, o.name, o.allNamespaces, o.prometheusPod, so), nil
}

func (o *statusOptions) print(cs []model.Cluster) error {
	w := o.streams.Out
	switch o.output {
	case "json", "yaml":
		return ui.Write(w, o.output, "StatusReport", ui.NewStatusReport(cs))
	}
	return ui.WriteText(w, cs, ui.NewStyles(o.useColor), ui.TextOptions{Wide: o.output == "wide"})
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
	return false, usageError("--color %q: want auto, always or never", value)
}
