package cmd

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/amha-dev/kubectl-amha/pkg/sink"
	"github.com/amha-dev/kubectl-amha/pkg/version"
)

// maxBodyLimit caps --max-body: with the sink's 64 bodies read at once it bounds its memory.
const maxBodyLimit = 16 << 20

// sinkOptions is everything `sink` needs, filled by Complete and checked by Validate.
type sinkOptions struct {
	streams genericiooptions.IOStreams

	listen  string
	maxBody string
	opts    sink.Options
}

func newSinkCmd(streams genericiooptions.IOStreams) *cobra.Command {
	o := &sinkOptions{streams: streams}
	c := &cobra.Command{
		Use:    "sink",
		Hidden: true,
		Short:  "Receive and count webhook notifications (the receiver of kubectl amha drill)",
		Long: `Run the webhook receiver that counts the notifications Alertmanager replicas send during a
drill. kubectl amha drill runs it in the cluster as its receiver; it can also run by hand.

  POST --path (/hook)   Alertmanager webhook payloads (version 4). Each request is recorded when
                        it arrives, before it is answered (the duplicates a slow receiver causes
                        arrive while the first request is still open): arrival time, the TCP
                        source IP (X-Forwarded-For is not trusted), User-Agent, groupKey,
                        receiver, status and alerts. --delay answers each one that much later;
                        one whose alert carries amha_drill_delay=D (a Go duration, up to 10m:
                        the slow-receiver drill's) is answered after D instead.
  GET /hits             every recorded hit as JSON (apiVersion amha.dev/v1alpha1, kind SinkHits:
                        hits, bad, dropped, since); ?label=NAME=VALUE keeps the hits with an alert
                        carrying that label, e.g. ?label=amha_drill=<id>.
  GET /healthz          "ok".

Any other request, a body that is not a webhook payload, one larger than --max-body, and a
request whose head or body trickles past the read timeouts is counted as bad, with a reason.
Beyond --max-hits (or 64 MiB of hits) the oldest hits are dropped and counted.

One line per hit and per bad request goes to stderr. SIGTERM or SIGINT shuts the sink down
(pending delayed answers go out at once, open requests get 5s) and it exits 0.

Exit codes: 0 shut down by a signal, 2 bad flags, the address could not be listened on, or
open requests had to be cut off to stop.`,
		Example: `  # The drill's receiver: webhooks to http://<pod>:8080/hook, answered after 7s
  kubectl-amha sink --delay 7s

  # By hand on a laptop, and what it has seen
  kubectl-amha sink --listen 127.0.0.1:9099
  curl -s 'http://127.0.0.1:9099/hits?label=amha_drill=d-7f3a'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	// The sink takes none of the kubeconfig flags: its help leaves them out.
	c.SetUsageTemplate(strings.Replace(c.UsageTemplate(), "{{if .HasAvailableInheritedFlags}}", "{{if false}}", 1))
	f := c.Flags()
	f.StringVar(&o.listen, "listen", ":8080", "Address to listen on, host:port")
	f.StringVar(&o.opts.Path, "path", sink.DefaultPath, "Path that takes the webhooks")
	f.DurationVar(&o.opts.Delay, "delay", 0, "Answer each webhook this long after recording it (a slow receiver)")
	f.IntVar(&o.opts.MaxHits, "max-hits", sink.DefaultMaxHits, "Hits kept; beyond it the oldest are dropped and counted")
	f.StringVar(&o.maxBody, "max-body", "1Mi", "Largest webhook body (a quantity: 512Ki, 1Mi; at most 16Mi)")
	return c
}

func (o *sinkOptions) Complete() error {
	q, err := resource.ParseQuantity(o.maxBody)
	if err != nil {
		return usageError("--max-body %q: want a size such as 512Ki or 1Mi", o.maxBody)
	}
	o.opts.MaxBody = q.Value()
	o.opts.Log = o.streams.ErrOut
	return nil
}

func (o *sinkOptions) Validate() error {
	host, port, err := net.SplitHostPort(o.listen)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 || strings.ContainsAny(host, " /") {
		return usageError("--listen %q: want host:port, e.g. :8080 or 127.0.0.1:9099", o.listen)
	}
	if !strings.HasPrefix(o.opts.Path, "/") || o.opts.Path == "/hits" || o.opts.Path == "/healthz" {
		return usageError("--path %q: want a path starting with / other than /hits and /healthz", o.opts.Path)
	}
	if o.opts.Delay < 0 {
		return usageError("--delay %s: must not be negative", o.opts.Delay)
	}
	if o.opts.MaxHits < 1 {
		return usageError("--max-hits %d: want at least 1", o.opts.MaxHits)
	}
	if o.opts.MaxBody < 1 || o.opts.MaxBody > maxBodyLimit {
		return usageError("--max-body %s: want 1 byte to 16Mi", o.maxBody)
	}
	return nil
}

func (o *sinkOptions) Run(ctx context.Context) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	l, err := net.Listen("tcp", o.listen)
	if err != nil {
		return &ExitError{Code: ExitNoCheck, Err: fmt.Errorf("--listen %s: %w", o.listen, err)}
	}
	s := sink.New(o.opts)
	fmt.Fprintf(o.streams.ErrOut, "kubectl-amha sink %s listening on %s: webhooks POST %s, hits GET /hits, delay %s\n",
		version.String(), l.Addr(), o.opts.Path, o.opts.Delay)
	err = s.Serve(ctx, l)
	r := s.Report(sink.Filter{})
	fmt.Fprintf(o.streams.ErrOut, "%s shut down: %d hits kept, %d bad, %d dropped\n",
		time.Now().UTC().Format(time.RFC3339Nano), len(r.Hits), r.Bad, r.Dropped)
	if err != nil {
		return &ExitError{Code: ExitNoCheck, Err: err}
	}
	return nil
}
