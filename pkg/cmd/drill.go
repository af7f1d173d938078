package cmd

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/amha-dev/kubectl-amha/internal/sinkimage"
	"github.com/amha-dev/kubectl-amha/pkg/amclient"
	"github.com/amha-dev/kubectl-amha/pkg/drill"
	"github.com/amha-dev/kubectl-amha/pkg/drill/kubeenv"
	"github.com/amha-dev/kubectl-amha/pkg/kube"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/sink"
	"github.com/amha-dev/kubectl-amha/pkg/snapshot"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
	"github.com/amha-dev/kubectl-amha/pkg/version"
)

const drillExample = `  # The drills, one line each
  kubectl amha drill -n monitoring

  # What the baseline would do on this cluster, with its numbers; changes nothing
  kubectl amha drill baseline -n monitoring --dry-run

  # Run it (a release runs the sink from the image it published; else see --sink-image)
  kubectl amha drill baseline -n monitoring --yes

  # Every drill, in order, for CI
  kubectl amha drill all main -n monitoring --yes --sink-image IMAGE -o json

  # For CI: JUnit XML on stdout (FAIL a failure, INCONCLUSIVE an error, SKIPPED and NOT RUN
  # skipped), and the HTML page with each drill's timeline to keep as an artifact
  kubectl amha drill all main -n monitoring --yes --sink-image IMAGE -o junit --report drill.html > drill.xml

  # Replicas outside Kubernetes: the sink in kubectl-amha, the faults the team's commands
  kubectl amha drill all --url http://am-0:9093 --url http://am-1:9093 --url http://am-2:9093 \
    --sink-listen 10.0.0.5:8080 --yes \
    --stop-command 'ssh {host} sudo systemctl stop alertmanager' \
    --crash-command 'ssh {host} sudo systemctl kill --signal=SIGQUIT alertmanager' \
    --start-command 'ssh {host} sudo systemctl start alertmanager'

  # A receiver slower than peer-timeout (not part of all): duplicates by design, and the fix
  # with this cluster's numbers; --receiver-delay chooses how slow
  kubectl amha drill slow-receiver -n monitoring --dry-run
  kubectl amha drill slow-receiver -n monitoring --yes --receiver-delay 40s

  # Restart every replica one at a time, as a rollout does: nothing is notified again
  kubectl amha drill rolling-restart -n monitoring --yes

  # Take every replica down at once (only when named, and with its own flag)
  kubectl amha drill all-down -n monitoring --allow-all-down --yes`

// drillAll runs every drill, baseline first.
const drillAll = "all"

// drillChoices are the drills to choose from, in the order the menu and the list show them:
// those `all` runs, all, then those run only when named (drill.Extra).
var drillChoices = append(append(slices.Clone(drill.Names), drillAll), drill.Extra...)

// isDrill: name is one drill (not all).
func isDrill(name string) bool {
	return drill.Known(name)
}

// sinkReadyTimeout bounds the wait for the sink pod (image pull included).
const sinkReadyTimeout = 2 * time.Minute

// wholeTimeout bounds the wait, between drills and after the last, for the mesh to be whole
// again; wholeEvery is how often it looks.
const (
	wholeTimeout = 3 * time.Minute
	wholeEvery   = 2 * time.Second
)

// drillOptions is everything `drill` needs, filled by Complete and checked by Validate.
type drillOptions struct {
	streams genericiooptions.IOStreams
	kube    *genericclioptions.ConfigFlags

	drills       []string
	name         string
	dryRun       bool
	yes          bool
	output       string
	sinkImage    string
	splitTimeout time.Duration
	recreate     bool
	silence      bool
	narrow       bool
	// reportFile is --report: the HTML page written at the end of the run.
	reportFile string
	// receiverDelay is slow-receiver's --receiver-delay (0: the default).
	receiverDelay time.Duration
	allowAllDown  bool
	// evictWait is rolling-restart's --eviction-timeout.
	evictWait time.Duration

	timeout time.Duration
	// url holds the options for replicas outside Kubernetes (--url).
	url urlOptions
	// fanout holds prometheus-fanout's options (--alert, also --observe-only's).
	fanout  fanoutOptions
	observe observeOptions
	// namespace, when set, is the cluster's namespace instead of the kubeconfig's (the live
	// view drills the cluster on screen, in any namespace with -A).
	namespace string
	// progress and onEvent, when set, receive the run's progress lines and timeline events
	// instead of stderr (the live view's Drills tab).
	progress func(string)
	onEvent  func(d string, at time.Time, e drill.Event)
	// lines are stdin's lines, read by one goroutine for every question (readAnswer).
	lines <-chan string
	// stdinTerminal is whether the confirmation can be asked, stdoutTerminal whether the
	// menu can be shown (tests set them).
	stdinTerminal  func() bool
	stdoutTerminal func() bool
}

func newDrillCmd(streams genericiooptions.IOStreams, kube *genericclioptions.ConfigFlags) *cobra.Command {
	o := &drillOptions{streams: streams, kube: kube}
	c := &cobra.Command{
		Use:   "drill [baseline|stop-sender|crash-sender|partition|all|rolling-restart|all-down|slow-receiver|prometheus-fanout] [NAME]",
		Short: "Prove deduplication and fail-open on the cluster itself: cause a fault, count the notifications",
		Long: `Run a drill on an Alertmanager cluster (a StatefulSet, or a prometheus-operator Alertmanager
named NAME; found as status finds it): post a drill alert to every replica as Prometheus does,
cause one fault, count the notifications at a sink in the cluster, and judge them against the
timing model with this cluster's numbers.

  baseline      no fault: 1 notification, from the position 0 pod, at group_wait.
  stop-sender   evicts the position 0 pod (Eviction API: a PodDisruptionBudget is respected)
                3s before its flush: 1 notification, from position 1, at group_wait (one
                peer-timeout later if its replacement rejoined first). Real notifications
                come up to one peer-timeout late meanwhile.
  crash-sender  kill -QUIT 1 in position 0's alertmanager container (pods/exec) 2s before its
                flush: it exits without leaving the mesh; 1 notification, from position 1,
                within group_wait + peer-timeout. Needs kill in the image (else SKIPPED, before
                the alert is posted); a crash not seen in the pod's status is INCONCLUSIVE. The
                crashed pod is deleted after the count (a new pod has no restart back-off).
                Real notifications come one peer-timeout late meanwhile.
  partition     a NetworkPolicy cuts port 9094 (TCP and UDP, both ways) of the last position's
                pod and allows every other port: 2 notifications, one per side, at group_wait.
                While it holds, every real alert group that fires is notified by both sides.
                Most networks do not cut established flows: with no split within
                --split-timeout the cut-off pod is deleted once, so that it restarts behind the
                policy (--recreate does this at once); still no split 60s later: the network
                does not enforce NetworkPolicy, INCONCLUSIVE. The policy is deleted at the end.
                A policy of the namespace that already allows 9094 to or from that pod makes
                it SKIPPED (policies only add allowances); --narrow-policies takes the pod out
                of such policies for the drill and restores them exactly after.
  all           baseline, stop-sender, crash-sender, partition; if baseline does not pass, the
                others are NOT RUN.
  slow-receiver not part of all: no fault on a replica; the sink answers this drill's webhooks
                only after --receiver-delay D (default 1.5 x peer-timeout; its alert carries
                amha_drill_delay=D, and other webhooks are answered at once). Alertmanager
                writes the log entry only after a send returns, so every position k whose wait
                k x peer-timeout ends before D sends too: min(N, 1 + floor(D / peer-timeout))
                notifications, from positions 0, 1, ... one peer-timeout apart (2 at the
                default). Duplicates by design; the plan and the verdict say the fix with this
                cluster's numbers (a receiver faster than peer-timeout, or a longer
                peer-timeout, and the failover time that costs). A D within 0.5s of a multiple
                of peer-timeout is refused (a race: either count is right), and so is one not
                below the flush budget max(group_interval, 10s) (every send would fail).
  prometheus-fanout
                not part of all; posts nothing, changes nothing, needs no sink or route:
                watches a real alert of the team's (--alert, default Watchdog) on every
                replica for up to --fanout-window (2m): Prometheus resends each firing alert
                every 1m, so each replica's copy is updated. PASS when every replica received
                it; FAIL naming those that never did (Prometheus does not send to them: a
                partial alertmanagers block, a load balancer, discovery that finds some),
                with what status finds in the Prometheus wiring; INCONCLUSIVE when none did.

Run only when named (not part of all: they restart every replica and take minutes):

  rolling-restart
                waits for the drill alert's notification (1, from position 0, at
                group_wait), then restarts the pods one at a time, from the last position,
                as a rollout does: each is evicted (Eviction API; while a PodDisruptionBudget
                refuses, it retries every 5s for up to --eviction-timeout, 2m by default,
                then the drill is INCONCLUSIVE) and
                the next waits until its replacement is Running, Ready and the mesh whole
                again (every replica settled, sees every other, positions 0..n-1). Each
                replacement is given the alert again as soon as it answers, with its first
                startsAt, as Prometheus does. Expects no more notification: each restarted
                replica pulls the notification log from its peers when it joins, even without
                persistent storage. Warns when the pods have no persistent storage for
                --storage.path (a restart of all at once would notify again) and when a pod
                went down before another had settled (status "ready"; /-/ready does not say).
  all-down      needs --allow-all-down. Waits for the drill alert's notification, then deletes
                every pod at once (gracefully) and waits for all to be back in a whole mesh,
                giving each the alert again (first startsAt) as soon as it answers. While all
                are down nothing is notified and nothing says so: only a dead-man's switch
                (an always-firing Watchdog routed outside the cluster) tells. Expects, on
                return, 1 more notification without persistent storage for --storage.path
                (up to 1 per replica: replicas that start together and resolve each other's
                DNS names before they are published settle alone and each notify before their
                15s DNS refresh joins them), none with it (the log snapshot written at the
                graceful stop is loaded). A
                replacement created while an old pod is still stopping (it waits up to 10s
                to leave the mesh) may pull the log from it: a missing notification is then
                INCONCLUSIVE, "not all down at once" (on Kubernetes, the common case).

Without a drill: on a terminal, a menu to choose one; on a pipe, the list. --dry-run prints the
plan and changes nothing; without a drill route it plans with the numbers of the route below and
prints the route to add (exit 0: a dry run exits 0 whenever it could make the plan). Without
--yes it asks on a terminal (also whether to silence the team's own alerts the drill makes
fire: --silence-team-alerts) and refuses otherwise.

Once it has found the cluster, the drill asks the API server (SelfSubjectAccessReview) for
every right its plan uses in the namespace; without one it stops, naming each missing right and
the drill that needs it (exit 2, nothing changed). --dry-run names them too and still prints the
plan (exit 0): it shows what to grant. The Role to grant: docs/rbac.md.

The drill route must be in alertmanager.yml (the drill checks every replica's running
configuration with Alertmanager's own route matching and stops, printing this, when it is
missing or would deliver the drill alert anywhere else; with several sink receivers, that of
alertmanager.yml is used first, then an AlertmanagerConfig's in the cluster's namespace, then the
others by namespace, and the plan names them):

  route:
    routes:
    - matchers: ['amha_drill=~".+"']     # the root's first child
      receiver: amha-drill-sink
      group_by: [amha_drill]
      group_wait: 10s
      group_interval: 1m
      repeat_interval: 24h
      continue: false
  receivers:
  - name: amha-drill-sink
    webhook_configs:
    - url: http://amha-drill-sink.<namespace>.svc:8080/hook
      send_resolved: true

The drill creates a Deployment and a Service amha-drill-sink (port 8080, kubectl-amha sink from
--sink-image) in the cluster's namespace, and for the partition a NetworkPolicy; each labelled
app.kubernetes.io/managed-by=kubectl-amha and amha.dev/drill-run=<run>, annotated with
amha.dev/expires (the run's planned length and a margin). They are deleted at the end, also on
Ctrl-C; after a SIGKILL, kubectl amha drill cleanup removes them and resolves the drill alert.

After the last drill it waits (up to 3m) for the mesh to be whole again and says so.
Every phase is a Kubernetes Event on the StatefulSet (or Alertmanager object); a run that stops
before its first drill records DrillRefused with the reason, and -o json prints the report with
"stopped" and every drill NOT RUN (docs/json.md).

--report FILE.html writes, at the end of the run however it ended (a dry run's plan, a run that
stopped, what was known at Ctrl-C), one self-contained HTML page: the cluster and its numbers,
and per drill the plan, a timeline (a lane for the cluster and one per replica: the post, the
fault, the split, each notification at its sender's lane, the heal), expected against observed,
and the verdict with its explanation; then the mesh at the end and the route. It needs nothing
else to open (no script, nothing fetched) and is written whole or not at all. Its directory must
exist (else exit 2 before anything runs). -o junit prints JUnit XML for CI: one testsuite
"kubectl-amha drill", a testcase per drill with its wall time; FAIL is a failure, INCONCLUSIVE
(and a drill that could not run) an error, SKIPPED and NOT RUN skipped, each with its explanation.

--observe-only is for clusters where no drill route may be added: no sink is created and no
drill alert posted. Each drill (baseline, stop-sender, crash-sender, partition; all runs the
four) holds its fault for --observe-window (default 3 x the repeat_interval of --alert's route,
at most 30m) and counts the sends of an alert of the team's that always fires (--alert, default
Watchdog) by each replica's alertmanager_notifications_total for the integrations of its
receiver, read every 2s. baseline: at least one send per repeat_interval and never more (more is
duplicates); stop-sender and crash-sender: the other replicas keep sending it; partition: both
sides send it. It refuses (exit 2, nothing changed) an alert missing on a replica, routed to a
receiver without an integration (kube-prometheus routes its Watchdog to one: nothing is sent,
so no counter moves), routed differently by the replicas, or repeated too rarely for the window.
It cannot tell which group was sent (other alerts through the same integrations count too, and
are named), whether the receiver got it, nor a send between a replica's last reading and its
restart. Kubernetes only; not from the live view.

Replicas outside Kubernetes (systemd units, containers on hosts): --url once per replica. The
sink runs inside kubectl-amha on --sink-listen HOST:PORT, which every replica must reach (the
drill route's webhook: --sink-url, default http://<--sink-listen>/hook). The faults are the
team's own commands, run with sh -c at the moment the drill needs them ({url}, {host}, {port}
and {replica} replaced): --stop-command and --crash-command (3s and 2s before position 0's
flush), --start-command (after the count; else a person is asked on the terminal),
--cut-command and --heal-command. Without a command, a person on the terminal is guided
through that step and every step is checked in the replicas' status: the cut (the split shown)
and the heal; a stop or crash, which a person cannot time to the second, comes before the alert
is posted, and the drill waits until position 0 no longer answers and the others no longer list
it, then expects 1 notification from position 1 at group_wait (the takeover, not its timing).
Without a terminal, those drills are SKIPPED.

Exit codes: 0 every drill run passed (a dry run: the plan was printed), 1 a drill FAILED or was
INCONCLUSIVE, or the mesh was not whole after the last drill, 2 could not run (no drill route,
bad input, a drill that could not run, or every drill skipped), 130 interrupted (the drill
alert is resolved, the partition healed and the sink deleted first).`,
		Example: drillExample,
		Args:    cobra.MaximumNArgs(2),
		RunE:    o.execute,
	}
	f := c.Flags()
	f.BoolVar(&o.dryRun, "dry-run", false, "Print the plan with this cluster's numbers and change nothing")
	f.BoolVar(&o.yes, "yes", false, "Run without asking")
	f.StringVarP(&o.output, "output", "o", "text", "Output format: text, json, yaml, junit (JUnit XML, a testcase per drill, for CI), jsonpath=TEMPLATE or go-template=TEMPLATE (table, the former name of text, still works)")
	f.StringVar(&o.reportFile, "report", "", "Also write the report as one self-contained HTML page to `FILE` at the end (a timeline per drill; also for a dry run, a run that stopped, or one interrupted: what was known)")
	_ = c.MarkFlagFilename("report", "html", "htm")
	o.addRunFlags(f)
	o.url.addFlags(f)
	o.fanout.addFlags(f)
	o.observe.addFlags(f)
	f.BoolVar(&o.allowAllDown, "allow-all-down", false, "All-down: allow the drill to delete every pod of the cluster at once (nothing is notified until they are back)")
	c.AddCommand(newDrillCleanupCmd(streams, kube))
	completeValues(c, map[string][]string{"output": drillFormats})
	c.ValidArgsFunction = completeDrillArgs(kube)
	return c
}

// defaultSplitTimeout is --split-timeout's default.
const defaultSplitTimeout = 45 * time.Second

// defaultSinkImage is the image this release published to run the sink; "" for a development
// build.
func defaultSinkImage() string { return sinkimage.ForVersion(version.String()) }

// addRunFlags adds the flags that say how drills run: drill's, and the live view's for its
// Drills tab.
func (o *drillOptions) addRunFlags(f *pflag.FlagSet) {
	f.StringVar(&o.sinkImage, "sink-image", defaultSinkImage(), "Image of kubectl-amha that runs the sink in the cluster (a release's default: the image it published; a development build has none, so it is required)")
	f.DurationVar(&o.splitTimeout, "split-timeout", defaultSplitTimeout, "How long the partition waits for the mesh to split before it recreates the cut-off pod (and then 60s more)")
	f.BoolVar(&o.recreate, "recreate", false, "Partition: delete the cut-off pod once, so that it restarts behind the policy with no established flows")
	f.BoolVar(&o.silence, "silence-team-alerts", false, "Silence the team's own alerts the drill makes fire (listed in the plan), on this cluster only, for the run; expired at its end")
	f.DurationVar(&o.receiverDelay, "receiver-delay", 0, "Slow-receiver: how long the sink waits before it answers the drill alert's webhooks (default 1.5 x peer-timeout; not within 0.5s of a multiple of it, below max(group_interval, 10s))")
	f.BoolVar(&o.narrow, "narrow-policies", false, "Partition: take the cut-off pod out of the namespace's NetworkPolicies that allow the mesh port to it (else SKIPPED), restored exactly after")
	f.DurationVar(&o.evictWait, "eviction-timeout", kubeenv.DefaultEvictWait, "Rolling-restart: how long an eviction a PodDisruptionBudget refuses is retried (every 5s) before the drill stops there, INCONCLUSIVE")
}

func (o *drillOptions) execute(cmd *cobra.Command, args []string) error {
	if err := o.Complete(cmd, args); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	ctx := cmd.Context() // ends at Ctrl-C or SIGTERM (Main): the drill then restores what it changed
	if len(o.drills) == 0 {
		if o.output != "text" || !o.stdinTerminal() || !o.stdoutTerminal() {
			return o.list()
		}
		chosen, err := o.menu(ctx)
		if err != nil || chosen == nil {
			return err
		}
		o.drills = chosen
		if err := o.refuseAllDown(); err != nil {
			return err
		}
		if o.sinkImage == "" && !o.dryRun {
			fmt.Fprintln(o.streams.Out, "No --sink-image (this build has no published image to run the sink from): the plan only, as --dry-run.")
			o.dryRun = true
		}
	}
	return o.Run(ctx)
}

func (o *drillOptions) Complete(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		switch {
		case args[0] == drillAll:
			o.drills = drill.Names
			args = args[1:]
		case isDrill(args[0]):
			o.drills = []string{args[0]}
			args = args[1:]
		}
	}
	if len(args) > 1 {
		return usageError("unknown drill %q: want one of %s", args[0], strings.Join(drillChoices, ", "))
	}
	if len(args) == 1 {
		if d := nearDrill(args[0]); d != "" {
			return usageError("unknown drill %q: did you mean %s? (a cluster NAME comes after the drill: kubectl amha drill DRILL NAME)", args[0], d)
		}
		o.name = args[0]
	}
	var err error
	o.timeout, err = requestTimeout(o.kube)
	if o.stdinTerminal == nil {
		o.stdinTerminal = func() bool {
			f, ok := o.streams.In.(*os.File)
			return ok && isTerminal(f)
		}
	}
	if o.stdoutTerminal == nil {
		o.stdoutTerminal = func() bool { return isTerminal(o.streams.Out) }
	}
	return err
}

// nearDrill is the drill (or all) that s is a likely misspelling of: the same letters in
// another case or with _ for -, or at most two edits away; "" when none.
func nearDrill(s string) string {
	n := strings.ReplaceAll(strings.ToLower(s), "_", "-")
	for _, d := range drillChoices {
		if n == d || len(n) > 3 && editDistance(n, d) <= 2 {
			return d
		}
	}
	return ""
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func (o *drillOptions) Validate() error {
	o.output = formatName(o.output)
	if isTmpl, err := checkTemplate(o.output); err != nil {
		return err
	} else if !isTmpl && !slices.Contains(drillFormats, o.output) {
		return usageError("--output %q: want %s, jsonpath=TEMPLATE or go-template=TEMPLATE", o.output, strings.Join(drillFormats, ", "))
	}
	if len(o.drills) == 0 && (o.yes || o.dryRun || o.output != "text") {
		return usageError("no drill given: name one (%s) before NAME; without one, a terminal shows the menu and a pipe the list",
			strings.Join(drillChoices, ", "))
	}
	if err := o.refuseAllDown(); err != nil {
		return err
	}
	if o.receiverDelay < 0 {
		return usageError("--receiver-delay %s: must not be negative", o.receiverDelay)
	}
	if o.receiverDelay != 0 && !slices.Contains(o.drills, drill.SlowReceiver) {
		return usageError("--receiver-delay is slow-receiver's: kubectl amha drill %s --receiver-delay %s", drill.SlowReceiver, timing.Format(o.receiverDelay))
	}
	if err := o.validateObserve(); err != nil {
		return err
	}
	if len(o.drills) > 0 && !o.dryRun && o.sinkImage == "" && len(o.url.urls) == 0 && !o.fanoutOnly() && !o.observe.only {
		return usageError("--sink-image is required: this build of kubectl-amha (%s) has no release version, so there is no published "+
			"image to run the sink from; build one (the binary, static, as %s, user %s: hack/sink.Dockerfile) and name it", version.String(), sinkimage.Binary, sinkimage.User)
	}
	if o.splitTimeout <= 0 {
		return usageError("--split-timeout must be positive")
	}
	if o.evictWait <= 0 {
		return usageError("--eviction-timeout %s: must be positive", o.evictWait)
	}
	if o.evictWait != kubeenv.DefaultEvictWait && len(o.drills) > 0 && !slices.Contains(o.drills, drill.RollingRestart) {
		return usageError("--eviction-timeout is rolling-restart's: kubectl amha drill %s --eviction-timeout %s", drill.RollingRestart, timing.Format(o.evictWait))
	}
	if err := checkReportFile(o.reportFile); err != nil {
		return err
	}
	return o.validateURLs()
}

// fanoutOnly: the run is prometheus-fanout alone, which needs no sink.
func (o *drillOptions) fanoutOnly() bool {
	return len(o.drills) == 1 && o.drills[0] == drill.PrometheusFanout
}

// refuseAllDown refuses to run all-down without --allow-all-down, saying what it does; a dry
// run, which changes nothing, prints its plan.
func (o *drillOptions) refuseAllDown() error {
	if !slices.Contains(o.drills, drill.AllDown) || o.allowAllDown || o.dryRun {
		return nil
	}
	return usageError("all-down deletes every pod of the cluster at once: until they are back nothing is notified and " +
		"nothing says so (only a dead-man's switch tells), and without persistent storage every alert still firing is " +
		"notified once more on their return. Add --allow-all-down to run it (--dry-run prints its plan)")
}

// list prints the drills, one line each.
func (o *drillOptions) list() error {
	w := tabwriter.NewWriter(o.streams.Out, 0, 0, 2, ' ', 0)
	for _, d := range drillChoices {
		fmt.Fprintf(w, "%s\t%s\n", d, drillSummary[d])
	}
	fmt.Fprintf(w, "%s\t%s\n", "cleanup", "remove what a killed drill left (objects, drill alert) and check the mesh: kubectl amha drill cleanup --help")
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(o.streams.Out, "\nRun one: kubectl amha drill DRILL [NAME] -n NAMESPACE --dry-run, then --yes --sink-image IMAGE.")
	return nil
}

var drillSummary = map[string]string{
	drill.Baseline:    "no fault: 1 notification from the position 0 pod at group_wait",
	drill.StopSender:  "evict the position 0 pod before its flush: 1 notification, from position 1",
	drill.CrashSender: "crash position 0's process (kill -QUIT 1) before its flush: 1 notification, from position 1, up to one peer-timeout late",
	drill.Partition:   "cut one pod off the mesh port with a NetworkPolicy: 2 notifications, one per side",
	drillAll:          "all four in that order; the others are NOT RUN if baseline does not pass",
	drill.SlowReceiver: "not part of all: the sink answers after --receiver-delay (1.5 x peer-timeout): 2 notifications, " +
		"positions 0 and 1 one peer-timeout apart (duplicates by design; the fix and its cost)",
	drill.PrometheusFanout: "not part of all; changes nothing: watches a real alert (--alert Watchdog) arrive from Prometheus " +
		"on every replica within --fanout-window (2m), naming those it never reaches",
	drill.RollingRestart: "restart the pods one at a time (eviction), each once the mesh is whole again: no notification more; " +
		"only when named",
	drill.AllDown: "delete every pod at once (needs --allow-all-down): nothing while down, 1 more on return without persistent " +
		"storage (up to 1 per replica), INCONCLUSIVE when a replacement was created before an old pod stopped; only when named",
}

// drillRun is one invocation: the cluster, its numbers, and the objects it creates.
type drillRun struct {
	kc        *kube.Client
	found     *kube.Found
	env       *kubeenv.Env
	positions []string
	params    timing.Params
	route     drill.RouteTiming
	report    drill.Report
	http      *http.Client
	// interrupted is the alert of the drill Ctrl-C stopped, for the report; restoreErr what
	// could not be restored then.
	interrupted string
	restoreErr  string
	// storage is where --storage.path is when it is not on a persistent volume ("" when it is,
	// or when no drill restarts the replicas).
	storage string
}

func (o *drillOptions) Run(ctx context.Context) (err error) {
	if o.fanoutOnly() {
		r, err := o.runFanout(ctx)
		return o.finish(r, err)
	}
	if len(o.url.urls) > 0 {
		r, err := o.runURLs(ctx)
		return o.finish(r, err)
	}
	r, err := o.prepare(ctx)
	defer func() { err = o.finish(r, err) }()
	if r != nil && r.env != nil {
		defer r.env.Src.Close()
	}
	if ctx.Err() != nil {
		return errInterrupted
	}
	if err != nil {
		return o.stopped(r, err)
	}
	if o.dryRun {
		return o.printPlan(r)
	}
	if o.output == "text" {
		if err := o.printPlan(r); err != nil {
			return err
		}
	}
	if !o.yes {
		if !o.stdinTerminal() {
			return o.stopped(r, r.stop(drill.StopNotConfirmed, errors.New("not a terminal to ask on: use --yes to run the drill")))
		}
		if !o.silence && len(r.report.TeamAlerts) > 0 {
			yes, err := o.ask(ctx, fmt.Sprintf("Silence %s on %s/%s until %s (expired at the end)? [y/N] ",
				strings.Join(r.report.TeamAlerts, ", "), r.found.Namespace, r.found.StatefulSet.Name, r.env.Object.Expires.Format("15:04")))
			if err != nil {
				return err
			}
			o.silence = yes
		}
		yes, err := o.ask(ctx, "Run it? [y/N] ")
		if err != nil {
			return err
		}
		if !yes {
			return o.stopped(r, r.stop(drill.StopNotConfirmed, errors.New("not confirmed: nothing was changed")))
		}
	}
	return o.stopped(r, o.runDrills(ctx, r))
}

// stop records that the run stops before its first drill, and why (the report's stopped,
// each drill NOT RUN), and returns err as exit 2.
func (r *drillRun) stop(reason string, err error) error {
	r.report.Stop(reason, err.Error())
	var ee *ExitError
	if errors.As(err, &ee) {
		return err
	}
	return &ExitError{Code: ExitNoCheck, Err: err}
}

// stopped ends a run that stopped before its first drill: unless it is a dry run or was not
// confirmed, a Warning Event DrillRefused on the cluster says why; -o json prints the report
// (every drill NOT RUN, stopped), so that CI can read why. err is returned as it is.
func (o *drillOptions) stopped(r *drillRun, err error) error {
	if err == nil || r == nil || r.report.Stopped == nil {
		return err
	}
	st := r.report.Stopped
	if !o.dryRun && r.found != nil && r.kc != nil && st.Reason != drill.StopNotConfirmed {
		var event func(bool, string, string)
		if r.env != nil {
			event = r.env.Event
		}
		if event == nil {
			event = o.recorder(r, func(s string) { fmt.Fprintln(o.streams.ErrOut, s) })
		}
		what := "nothing was changed"
		if st.Reason == drill.StopSink || st.Reason == drill.StopSilence {
			what = "what it created was deleted"
		}
		event(true, "DrillRefused", fmt.Sprintf("stopped before its first drill (%s), %s: %s", st.Reason, what, st.Message))
	}
	if o.structuredOutput() {
		if werr := o.printReport(r.report); werr != nil {
			return werr
		}
	}
	return err
}

// ask asks a yes/no question on the terminal; no is the default.
func (o *drillOptions) ask(ctx context.Context, q string) (bool, error) {
	a, err := o.readAnswer(ctx, q)
	return a == "y" || a == "yes", err
}

// readAnswer prints q and reads one line, lower-cased and trimmed; Ctrl-C ends the wait.
func (o *drillOptions) readAnswer(ctx context.Context, q string) (string, error) {
	fmt.Fprint(o.streams.ErrOut, q)
	if o.lines == nil {
		o.lines = readLines(o.streams.In)
	}
	select {
	case line := <-o.lines:
		return strings.ToLower(strings.TrimSpace(line)), nil
	case <-ctx.Done():
		return "", errInterrupted
	}
}

// readLines reads r one line at a time, for every question of a run, from one goroutine: a
// question abandoned at Ctrl-C does not swallow the answer to the next, and no line is lost
// in a reader's buffer. At the end of r the channel is closed (an empty answer).
func readLines(r io.Reader) <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		br := bufio.NewReader(r)
		for {
			line, err := br.ReadString('\n')
			if line != "" {
				ch <- line
			}
			if err != nil {
				return
			}
		}
	}()
	return ch
}

// menu shows the drills, what each does and expects, and reads the one to run: a number or a
// name; q (or nothing) quits with nothing done (nil).
func (o *drillOptions) menu(ctx context.Context) ([]string, error) {
	w := o.streams.Out
	fmt.Fprintln(w, "Drills (each prints its plan with this cluster's numbers and asks before it changes anything):")
	choices := drillChoices
	for i, d := range choices {
		fmt.Fprintf(w, "  %d) %-15s %s\n", i+1, d, drillSummary[d])
	}
	fmt.Fprintln(w, "After a drill that was killed: kubectl amha drill cleanup.")
	a, err := o.readAnswer(ctx, fmt.Sprintf("Choose a drill [1-%d, q]: ", len(choices)))
	if err != nil {
		return nil, err
	}
	if a == "" || a == "q" {
		fmt.Fprintln(w, "Nothing was run.")
		return nil, nil
	}
	for i, d := range choices {
		if a == d || a == strconv.Itoa(i+1) {
			if d == drillAll {
				return drill.Names, nil
			}
			return []string{d}, nil
		}
	}
	return nil, usageError("no drill %q: want 1-%d or a name (%s)", a, len(choices), strings.Join(choices, ", "))
}

// prepare finds the cluster, checks that a drill can run on it (preflight, the drill route on
// every replica) and fills the report's plan.
func (o *drillOptions) prepare(ctx context.Context) (*drillRun, error) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	run := hex.EncodeToString(b)
	r := &drillRun{report: drill.Report{Cluster: o.name, Run: run, DryRun: o.dryRun}}
	for _, d := range o.drills {
		alert := run + "-" + d
		if o.observe.only {
			alert = o.fanout.alert // no drill alert: the team's is counted
		}
		r.report.Drills = append(r.report.Drills, drill.ReportDrill{Drill: d, Alert: alert})
	}
	kc, ns, err := kubeClient(o.kube, o.timeout, "")
	if err != nil {
		return r, r.stop(drill.StopNotFound, err)
	}
	if o.namespace != "" {
		ns = o.namespace
	}
	r.report.Namespace = ns
	found, err := kc.Find(ctx, kube.Query{Namespace: ns, Name: o.name})
	if err != nil {
		return r, r.stop(drill.StopNotFound, withFindHint(err, "use -n", "(kubectl amha drill DRILL NAME)"))
	}
	if len(found) != 1 {
		return r, r.stop(drill.StopNotFound, withFindHint(&kube.AmbiguousError{Where: "namespace " + ns, Found: found}, "", "(kubectl amha drill DRILL NAME)"))
	}
	f := &found[0]
	r.kc, r.found = kc, f
	r.report.Cluster, r.report.Namespace = f.Name, f.Namespace
	missing, err := o.checkRights(ctx, kc, f.Namespace, o.streams.ErrOut)
	r.report.MissingRights = missing
	if err != nil {
		return r, r.stop(drill.StopRights, err)
	}
	// The drill reads no Prometheus wiring: without the dynamic client the snapshots leave it out.
	snapKC := *kc
	snapKC.Dyn = nil
	r.http = &http.Client{Timeout: o.timeout}
	src := snapshot.NewKube(&snapKC, kube.Query{Namespace: f.Namespace, Name: f.Name}, nil, snapshot.Options{HTTP: r.http, Timeout: o.timeout})
	obj := kube.DrillObject{Namespace: f.Namespace, Run: run, Expires: time.Now().Add(o.planLength(len(f.Pods)))}
	r.env = &kubeenv.Env{Kube: kc, Src: src, Found: f, Object: obj, RecreateAtOnce: o.recreate, NarrowPolicies: o.narrow, EvictWait: o.evictWait}
	if err := o.refuseLeftovers(ctx, r); err != nil {
		return r, r.stop(drill.StopLeftovers, err)
	}
	c, err := r.env.Snapshot(ctx)
	if err != nil {
		return r, r.stop(drill.StopPreflight, err)
	}
	if r.positions, err = drill.Preflight(c); err != nil {
		return r, r.stop(drill.StopPreflight, fmt.Errorf("%s/%s: %w", f.Namespace, f.Name, err))
	}
	r.report.Positions = r.positions
	if o.observe.only {
		return r, o.prepareObserve(r, c)
	}
	if err := r.env.SinkBlocked(ctx); err != nil {
		return r, r.stop(drill.StopSinkBlocked, err)
	}
	// The first replica's configuration says which labels reach the sink (namespace=... for
	// an AlertmanagerConfig's route); every replica must route exactly those to it.
	base := map[string]string{"alertname": drill.AlertName, drill.Label: run + "-" + drill.Baseline}
	m, err := drill.MatchSinkEverywhere(c, f.Namespace, base)
	r.route = m.Timing
	r.report.Route = &drill.ReportRoute{Receiver: m.Receiver, Others: m.Others}
	if err != nil {
		// What the team adds: printed by the plan in a dry run (which goes on with its
		// numbers), else before the run stops.
		m = drill.SinkMatch{}
		r.route = drill.RouteToAddTiming
		r.report.Route = &drill.ReportRoute{Missing: err.Error(), ToAdd: drill.RouteToAdd(f.Namespace)}
		if f.OperatorName() != "" {
			r.report.Route.AlertmanagerConfigToAdd = drill.AlertmanagerConfigToAdd(f.Namespace)
		}
		if !o.dryRun {
			o.printRouteToAdd(o.streams.ErrOut, r)
			return r, r.stop(drill.StopNoRoute, fmt.Errorf("no drill route (%w): nothing was changed", err))
		}
	}
	r.report.Labels = m.Extra
	labels := maps.Clone(base)
	maps.Copy(labels, m.Extra)
	if err := drill.Muted(c, labels); err != nil {
		return r, r.stop(drill.StopMuted, fmt.Errorf("%s/%s: the drill alert would not be counted, nothing was changed:\n%w", f.Namespace, f.Name, err))
	}
	r.params = timing.Params{PeerTimeout: c.PeerTimeout.D(), GroupWait: r.route.GroupWait, GroupInterval: r.route.GroupInterval, RepeatInterval: r.route.RepeatInterval}
	r.report.Timing = drill.ReportTime{PeerTimeout: model.Duration(r.params.PeerTimeout), GroupWait: model.Duration(r.route.GroupWait),
		GroupInterval: model.Duration(r.route.GroupInterval), RepeatInterval: model.Duration(r.route.RepeatInterval)}
	for _, a := range drill.TeamAlertsFor(o.drills) {
		r.report.TeamAlerts = append(r.report.TeamAlerts, a.Name)
	}
	persistent := true
	if slices.ContainsFunc(o.drills, func(d string) bool { return slices.Contains(drill.OptIn, d) }) {
		if persistent, r.storage, err = r.env.Storage(ctx); err != nil {
			return r, r.stop(drill.StopPreflight, err)
		}
	}
	for i, d := range o.drills {
		e, err := drill.Expect(d, drill.Cluster{Timing: r.params, Positions: r.positions, ReceiverDelay: o.receiverDelay, PersistentStorage: persistent})
		if d == drill.SlowReceiver && err != nil {
			return r, r.stop(drill.StopReceiverDelay, err)
		}
		if err != nil {
			return r, r.stop(drill.StopPreflight, err)
		}
		r.report.Drills[i].Expectation = e
		if d == drill.SlowReceiver && r.report.Route.Missing == "" {
			if err := checkDelayedRoute(c, labels, r.report.Drills[i], r.route); err != nil {
				return r, r.stop(drill.StopNoRoute, err)
			}
		}
	}
	return r, nil
}

// planLength bounds how long the run can take, for the expiry of what it creates: after it,
// the next drill's preflight and drill cleanup take the objects for a killed run's.
func (o *drillOptions) planLength(replicas int) time.Duration {
	// One wait for a whole mesh before each drill but the first, and one after the last.
	d := 5*time.Minute + sinkReadyTimeout + time.Duration(len(o.drills))*(wholeTimeout+2*time.Minute+o.splitTimeout)
	if o.observe.only {
		d += time.Duration(len(o.drills)) * max(o.observe.window, drill.MaxObserveWindow)
	}
	for _, name := range o.drills {
		if slices.Contains(drill.OptIn, name) {
			// Each replica's restart: a PodDisruptionBudget's refusals, then its return.
			d += time.Duration(replicas) * (2*time.Minute + drill.RestartTimeout)
		}
	}
	return d
}

// printRouteToAdd says why the drill route does not pass and what to add: to alertmanager.yml,
// or for a cluster prometheus-operator runs, also as an AlertmanagerConfig.
func (o *drillOptions) printRouteToAdd(w io.Writer, r *drillRun) {
	rt := r.report.Route
	fmt.Fprintf(w, "The drill route is missing or wrong: %s.\nAdd this to alertmanager.yml "+
		"(the route as the root's first child), let every replica reload it, and run the drill again:\n\n%s\n",
		rt.Missing, indent(rt.ToAdd))
	if rt.AlertmanagerConfigToAdd != "" {
		fmt.Fprintf(w, "\nOr, as prometheus-operator runs this cluster, an AlertmanagerConfig that the Alertmanager %s selects "+
			"(the operator adds namespace=\"%s\" to its route, and the drill alert carries that label):\n\n%s\n",
			r.found.OperatorName(), r.found.Namespace, indent(rt.AlertmanagerConfigToAdd))
	}
}

// window is "at 5s" or "between 5s and 8s".
func window(e drill.Expectation) string {
	if e.From == e.To {
		return "at " + timing.Format(e.From)
	}
	return "between " + timing.Format(e.From) + " and " + timing.Format(e.To)
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}

// printPlan says, with the cluster's numbers, what each drill will do, what Alertmanager
// should do and why, what it creates, and what it does to the team's real alerts.
func (o *drillOptions) printPlan(r *drillRun) error {
	if o.structuredOutput() {
		return o.printReport(r.report)
	}
	if o.observe.only {
		return o.printObservePlan(r)
	}
	w := o.streams.Out
	p := r.params
	ns := r.found.Namespace
	fmt.Fprintf(w, "Cluster %s/%s: %d replicas, position 0 is %s, peer-timeout %s.\n", ns, r.found.Name, len(r.positions), r.positions[0], timing.Format(p.PeerTimeout))
	if rt := r.report.Route; rt != nil && rt.Missing == "" {
		fmt.Fprintf(w, "Drill route (checked on every replica): receiver %s, group_wait %s, group_interval %s, repeat_interval %s.\n",
			rt.Receiver, timing.Format(p.GroupWait), timing.Format(p.GroupInterval), timing.Format(p.RepeatInterval))
		for _, other := range rt.Others {
			fmt.Fprintf(w, "  also a sink receiver: %s\n", other)
		}
	} else {
		fmt.Fprintf(w, "Drill route: none passes yet; this plan uses the numbers of the route to add below (group_wait %s, group_interval %s, repeat_interval %s).\n",
			timing.Format(p.GroupWait), timing.Format(p.GroupInterval), timing.Format(p.RepeatInterval))
	}
	image := o.sinkImage
	if image == "" {
		image = "<--sink-image>"
	}
	fmt.Fprintf(w, "Creates: Deployment and Service %s in %s (kubectl-amha sink from %s, port 8080), labelled %s=%s; deleted at the end.\n",
		kube.SinkName, ns, image, kube.DrillRunLabel, r.report.Run)
	for _, d := range r.report.Drills {
		e := d.Expectation
		fmt.Fprintf(w, "\n%s (alert %s, posted to every replica):\n", d.Drill, drill.Alert(d.Alert, r.report.Labels))
		fmt.Fprintf(w, "  Does:      %s\n", o.does(d.Drill, r))
		if slices.Contains(drill.OptIn, d.Drill) {
			more := fmt.Sprint(e.Count - 1)
			if e.CountMax > e.Count {
				more = fmt.Sprintf("%d to %d", e.Count-1, e.CountMax-1)
			}
			fmt.Fprintf(w, "  Expects:   %s notification(s) in all: the first %s after the alert (+%s), from %s; %s more after the restarts\n",
				e.Counts(), window(e), timing.Format(drill.Slack), e.Senders[0], more)
		} else {
			fmt.Fprintf(w, "  Expects:   %d notification(s) %s after the alert (+%s)", e.Count, window(e), timing.Format(drill.Slack))
			switch {
			case len(e.Sides) > 0:
				fmt.Fprintf(w, ", one from each side: %s | %s\n", strings.Join(e.Sides[0], ","), strings.Join(e.Sides[1], ","))
			case len(e.Senders) > 0:
				fmt.Fprintf(w, ", from %s\n", strings.Join(e.Senders, ", "))
			default:
				fmt.Fprintln(w)
			}
		}
		fmt.Fprintf(w, "  Why:       %s\n", e.Why)
		fmt.Fprintf(w, "  Real alerts: %s\n", realAlerts(d.Drill, p))
	}
	o.printTeamAlerts(w, r)
	if rt := r.report.Route; rt != nil && rt.Missing != "" {
		fmt.Fprintln(w, "\nNeeds, added by the team (the drill never changes the configuration; a run stops without it, exit 2):")
		o.printRouteToAdd(w, r)
	}
	if o.dryRun {
		fmt.Fprintln(w, "\nDry run: nothing was changed.")
	}
	return nil
}

// printTeamAlerts lists the team's own alerts the drills may make fire, and whether they are
// silenced for the run.
func (o *drillOptions) printTeamAlerts(w io.Writer, r *drillRun) {
	ta := drill.TeamAlertsFor(o.drills)
	if len(ta) == 0 {
		return
	}
	fmt.Fprintf(w, "\nThe team's own alerts these drills may make fire on %s/%s (kube-prometheus mixins):\n", r.found.Namespace, r.found.StatefulSet.Name)
	for _, a := range ta {
		fmt.Fprintf(w, "  %-34s %s\n", a.Name, a.Why)
	}
	if o.silence {
		fmt.Fprintf(w, "--silence-team-alerts: silenced on this cluster only (its namespace, pods, StatefulSet) until %s, expired at the end.\n", r.env.Object.Expires.Format(time.RFC3339))
	} else {
		fmt.Fprintln(w, "Not silenced: --silence-team-alerts silences them on this cluster only for the run (asked on a terminal).")
	}
}

func (o *drillOptions) does(d string, r *drillRun) string {
	gw := r.params.GroupWait
	switch d {
	case drill.Baseline:
		return "no fault; counts the notifications, then resolves the alert."
	case drill.StopSender:
		return fmt.Sprintf("evicts pod %s (position 0) at %s, 3s before its flush (Eviction API; a PodDisruptionBudget that blocks it makes the drill SKIPPED); its StatefulSet recreates it.",
			r.positions[0], timing.Format(max(gw-3*time.Second, 0)))
	case drill.CrashSender:
		return fmt.Sprintf("runs kill -QUIT 1 in container %s of pod %s (position 0) at %s, 2s before its flush (pods/exec; no kill in the image: SKIPPED); after the count it deletes the crashed pod, so that its replacement starts without restart back-off.",
			r.found.Container, r.positions[0], timing.Format(max(gw-2*time.Second, 0)))
	case drill.SlowReceiver:
		return slowDoes(r)
	case drill.RollingRestart, drill.AllDown:
		return o.doesRestart(d, r)
	case drill.Partition:
		cut := r.positions[len(r.positions)-1]
		s := fmt.Sprintf("creates NetworkPolicy amha-drill-partition-%s selecting pod %s, allowing TCP and UDP 1-9093 and 9095-65535 both ways "+
			"(port 9094 cut; its other ports stay open while it exists), waits up to %s for the split, posts, counts, then deletes the policy.",
			cut, cut, timing.Format(o.splitTimeout))
		if o.recreate {
			s += fmt.Sprintf(" --recreate: deletes pod %s once after the policy, so that it restarts behind it.", cut)
		} else {
			s += fmt.Sprintf(" No split within %s: deletes pod %s once, so that it restarts behind the policy.", timing.Format(o.splitTimeout), cut)
		}
		if r.env != nil {
			names, err := r.env.MeshAllowed(context.Background(), cut)
			switch {
			case err != nil:
				s += fmt.Sprintf(" (The namespace's NetworkPolicies could not be read: %v.)", err)
			case len(names) > 0 && o.narrow:
				s += fmt.Sprintf(" --narrow-policies: NetworkPolicy %s allows port %d to or from %s, so it is narrowed to leave %s out for the drill and restored after.",
					strings.Join(names, ", "), kube.MeshPort, cut, cut)
			case len(names) > 0:
				s += fmt.Sprintf(" SKIPPED as things are: NetworkPolicy %s allows port %d to or from %s, and policies only add allowances, so no new policy can cut it; --narrow-policies takes %s out of it for the drill and restores it after.",
					strings.Join(names, ", "), kube.MeshPort, cut, cut)
			}
		}
		return s
	}
	return ""
}

// doesRestart is what rolling-restart and all-down do, with the cluster's pods, and the
// warning of pods without persistent storage.
func (o *drillOptions) doesRestart(d string, r *drillRun) string {
	var s string
	if d == drill.RollingRestart {
		order := slices.Clone(r.positions)
		slices.Reverse(order)
		s = fmt.Sprintf("once the alert is notified, evicts the pods one at a time, %s (Eviction API; while a PodDisruptionBudget "+
			"refuses, it retries for up to %s, then the drill is INCONCLUSIVE), each once the previous one is back, Ready, "+
			"settled and the mesh whole; gives each replacement the alert again, with its first startsAt, as soon as it answers.",
			strings.Join(order, ", then "), timing.Format(o.evictWait))
	} else {
		s = fmt.Sprintf("once the alert is notified, deletes every pod at once (%s), gracefully, and waits up to %s for all to "+
			"be back, Ready and in a whole mesh; gives each the alert again, with its first startsAt, as soon as it answers.",
			strings.Join(r.positions, ", "), timing.Format(drill.RestartTimeout))
		if !o.allowAllDown {
			s += " Runs only with --allow-all-down."
		}
	}
	if r.storage != "" {
		s += fmt.Sprintf(" Warning: --storage.path is on %s, not a persistent volume: a restart of every pod at once notifies "+
			"every alert group still firing once more.", r.storage)
	}
	return s
}

func realAlerts(d string, p timing.Params) string {
	switch d {
	case drill.RollingRestart:
		return fmt.Sprintf("real notifications due while a pod restarts come up to one peer-timeout (%s) late; none is repeated; "+
			"alerts about the restarted pods may fire.", timing.Format(p.PeerTimeout))
	case drill.AllDown:
		return "while every pod is down, nothing is notified (only a dead-man's switch tells); without persistent storage, every " +
			"alert group still firing is notified once more on their return; alerts about the cluster being down may fire."
	case drill.Partition:
		return "while the mesh is split, every real alert group that fires is notified by both sides (duplicates)."
	case drill.StopSender, drill.CrashSender:
		return fmt.Sprintf("real notifications due meanwhile come up to one peer-timeout (%s) late; alerts about the restarted pod may fire.", timing.Format(p.PeerTimeout))
	case drill.SlowReceiver:
		return "none: only the drill alert is routed to the sink, and only its webhooks are answered late; no replica is touched."
	}
	return "none: only the drill alert is routed to the sink."
}

// runDrills creates the sink, runs the drills in order and deletes what it created, on a fresh
// context when ctx has ended.
func (o *drillOptions) runDrills(ctx context.Context, r *drillRun) (err error) {
	start := time.Now()
	say := func(s string) { fmt.Fprintf(o.streams.ErrOut, "[%5.1fs] %s\n", time.Since(start).Seconds(), s) }
	if o.progress != nil {
		say = o.progress
	}
	r.env.Say = say
	obj := r.env.Object
	r.env.Event = o.recorder(r, say)
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 2*o.timeout)
		defer cancel()
		deleted, derr := r.kc.DeleteDrillObjects(cctx, obj)
		if len(deleted) > 0 {
			say("deleted " + strings.Join(deleted, ", "))
		}
		if derr != nil {
			fmt.Fprintf(o.streams.ErrOut, "cleanup: %v (delete the objects labelled %s=%s by hand)\n", derr, kube.DrillRunLabel, obj.Run)
			if err == nil {
				err = &ExitError{Code: ExitNoCheck, Err: derr}
			}
		}
	}()
	if err := o.clearLeftovers(ctx, r, say); err != nil {
		return r.stop(drill.StopLeftovers, err)
	}
	var pod *corev1.Pod
	if !o.observe.only {
		say(fmt.Sprintf("creating the sink %s/%s from %s", obj.Namespace, kube.SinkName, o.sinkImage))
		if err := r.kc.CreateSink(ctx, obj, o.sinkImage); err != nil {
			return r.stop(drill.StopSink, err)
		}
		wctx, cancel := context.WithTimeout(ctx, sinkReadyTimeout)
		var err error
		pod, err = r.kc.WaitSinkReady(wctx, obj)
		cancel()
		if ctx.Err() != nil {
			return errInterrupted
		}
		if err != nil {
			return r.stop(drill.StopSink, err)
		}
		say("the sink is Ready: pod " + pod.Name)
	}
	if o.silence {
		expire, err := o.silenceTeamAlerts(ctx, r, say)
		if expire != nil {
			defer expire()
		}
		if err != nil {
			return r.stop(drill.StopSilence, err)
		}
	}
	pool := kube.NewPool(r.kc)
	defer pool.Close()
	sk := &kubeenv.Sink{Pool: pool, Pod: pod, HTTP: r.http}
	ended, err := o.drillLoop(ctx, r, r.env, sk, say, r.env.Event)
	if err != nil {
		return err
	}
	if err := o.meshAtEnd(ctx, r, r.env, say, r.env.Event); err != nil {
		return err
	}
	if !o.observe.only { // observe-only posted no alert
		if err := o.awaitResolved(ctx, r, sk, ended, say); err != nil {
			return err
		}
	}
	if err := o.printResults(r); err != nil {
		return err
	}
	return drillVerdict(r.report.Drills, r.report.MeshAtEnd)
}

// drillLoop runs the run's drills in order on env, counting at sk (observe-only: the
// replicas' counters): a wait for a whole mesh before each drill but the first, the drills
// after a baseline that did not pass NOT RUN, each drill's timeline kept as it happens (for
// the live view and the report of an interrupted run), and record told of each phase (the
// Kubernetes Events; a no-op for --url). It returns when each drill resolved its alert.
func (o *drillOptions) drillLoop(ctx context.Context, r *drillRun, env drill.Env, sk drill.Sink, say func(string),
	record func(warning bool, reason, message string)) (map[string]time.Time, error) {
	started := record != nil // the DrillStarted text reads the Kubernetes objects (does)
	if record == nil {
		record = func(bool, string, string) {}
	}
	baselinePassed := true
	ended := map[string]time.Time{} // when each drill resolved its alert
	for i := range r.report.Drills {
		d := &r.report.Drills[i]
		if !baselinePassed {
			d.Verdict, d.Explanation = drill.NotRun, "baseline did not pass: nothing else can be judged"
			continue
		}
		began := time.Now()
		var settle time.Duration
		if i > 0 {
			say("waiting for the mesh to be whole")
			werr := drill.WaitWhole(ctx, env, wholeTimeout, wholeEvery)
			settle = time.Since(began)
			if werr != nil {
				if ctx.Err() != nil {
					return ended, errInterrupted
				}
				d.Error = werr.Error()
				continue
			}
		}
		live := &liveEvents{}
		onEvent := func(at time.Time, e drill.Event) {
			live.add(at, e)
			if o.onEvent != nil {
				o.onEvent(d.Drill, at, e)
			}
		}
		var res drill.Result
		var rerr error
		if o.observe.only {
			say(fmt.Sprintf("drill %s (observing %s)", d.Drill, d.Alert))
			if started {
				record(false, "DrillStarted", fmt.Sprintf("%s (observe-only): %s Expects %s. Real alerts: %s",
					d.Drill, o.observeDoes(d.Drill, r), observeExpects(d.Expectation), observeRealAlerts(d.Drill, r)))
			}
			res, rerr = drill.Observe(ctx, env, d.Drill, drill.ObserveOptions{Watched: *r.report.Observed, SplitTimeout: o.splitTimeout,
				Progress: say, OnEvent: onEvent})
		} else {
			say(fmt.Sprintf("drill %s (alert %s)", d.Drill, d.Alert))
			if started {
				record(false, "DrillStarted", fmt.Sprintf("%s: %s Expects %s notification(s) %s after the alert %s. Real alerts: %s",
					d.Drill, o.does(d.Drill, r), d.Expectation.Counts(), window(d.Expectation), drill.Alert(d.Alert, r.report.Labels), realAlerts(d.Drill, r.params)))
			}
			res, rerr = drill.Run(ctx, env, sk, d.Drill, drill.Options{
				Run: d.Alert, ExtraLabels: r.report.Labels, Timing: r.params, HTTP: r.http, Timeout: o.timeout, SplitTimeout: o.splitTimeout, Progress: say,
				OnEvent: onEvent, ReceiverDelay: d.Expectation.ReceiverDelay.D(),
			})
		}
		ended[d.Alert] = time.Now()
		if ctx.Err() != nil {
			// The report (--report) shows what was known: the timeline until Ctrl-C.
			r.interrupted, d.Events = d.Alert, live.relative()
			// What could not be restored (the alert resolved, the partition healed) is said.
			restored := "what it changed was restored"
			if rerr != nil && rerr.Error() != ctx.Err().Error() {
				fmt.Fprintln(o.streams.ErrOut, rerr)
				restored = "restoring failed: " + rerr.Error()
				r.restoreErr = rerr.Error()
			}
			record(true, "DrillInterrupted", d.Drill+": interrupted; "+restored)
			return ended, errInterrupted
		}
		if res.Verdict != "" {
			d.Result = res
			d.Wall, d.Waits = model.Duration(time.Since(began)), model.Duration(settle+res.Waited)
		}
		if rerr != nil {
			d.Error = rerr.Error()
		}
		say(fmt.Sprintf("%s: %s %s", d.Drill, orDash(string(d.Verdict)), joinNonEmpty(d.Explanation, d.Error)))
		record(d.Verdict != drill.Pass && d.Verdict != drill.Skipped, "DrillFinished",
			fmt.Sprintf("%s: %s %s", d.Drill, orDash(string(d.Verdict)), joinNonEmpty(d.Explanation, d.Error)))
		if d.Drill == drill.Baseline && d.Verdict != drill.Pass {
			baselinePassed = false
		}
	}
	return ended, nil
}

// meshAtEnd waits, after the last drill's heal, until the mesh is whole again (the preflight's
// check on status' snapshot), up to wholeTimeout, and records it in the report and as an Event.
func (o *drillOptions) meshAtEnd(ctx context.Context, r *drillRun, env drill.Env, say func(string), record func(bool, string, string)) error {
	if record == nil {
		record = func(bool, string, string) {}
	}
	say("waiting for the mesh to be whole after the last drill")
	start := time.Now()
	err := drill.WaitWhole(ctx, env, wholeTimeout, wholeEvery)
	if ctx.Err() != nil {
		return errInterrupted
	}
	m := &drill.MeshAtEnd{Whole: err == nil, Waited: model.Duration(time.Since(start).Round(100 * time.Millisecond))}
	r.report.MeshAtEnd = m
	if err != nil {
		m.Detail = err.Error()
		say("the mesh is not whole after the last drill: " + m.Detail)
		record(true, "DrillMeshNotWhole", "after the last drill: "+m.Detail)
		return nil
	}
	say(fmt.Sprintf("the mesh is whole (after %s)", timing.Format(m.Waited.D())))
	record(false, "DrillMeshWhole", fmt.Sprintf("the mesh is whole again after the last drill (after %s)", timing.Format(m.Waited.D())))
	return nil
}

// silenceTeamAlerts silences the team's alerts the drills may make fire, on this cluster only,
// until the run's expiry, and returns what expires them (nil when none was created).
func (o *drillOptions) silenceTeamAlerts(ctx context.Context, r *drillRun, say func(string)) (func(), error) {
	c, err := r.env.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	endpoints := drill.Endpoints(c)
	am := &amclient.Client{HTTP: amclient.HTTP(r.http), Timeout: o.timeout}
	sils := drill.TeamSilences(drill.TeamAlertsFor(o.drills), r.found.Namespace, r.found.StatefulSet.Name, r.report.Run, r.env.Object.Expires)
	ids, err := drill.CreateSilences(ctx, am, endpoints, sils)
	if len(ids) == 0 {
		return nil, err
	}
	r.report.Silences = ids
	say(fmt.Sprintf("silenced %s on this cluster until %s: silence(s) %s", strings.Join(r.report.TeamAlerts, ", "),
		r.env.Object.Expires.Format("15:04:05"), strings.Join(ids, ", ")))
	r.env.Event(false, "DrillSilenced", fmt.Sprintf("silenced %s on this cluster for the run: %s", strings.Join(r.report.TeamAlerts, ", "), strings.Join(ids, ", ")))
	return func() {
		ectx, cancel := context.WithTimeout(context.Background(), 2*o.timeout)
		defer cancel()
		// The replicas as they are now: a pod may have been replaced meanwhile.
		if c, err := r.env.Snapshot(ectx); err == nil {
			maps.Copy(endpoints, drill.Endpoints(c))
		}
		done, err := drill.ExpireLeft(ectx, am, endpoints, ids, nil)
		if len(done) > 0 {
			say("expired the team-alert silence(s) " + strings.Join(done, ", "))
		}
		if err != nil || len(done) < len(ids) {
			fmt.Fprintf(o.streams.ErrOut, "the team-alert silence(s) %s may still be active until %s (%v): kubectl amha drill cleanup -n %s expires them\n",
				strings.Join(ids, ", "), r.env.Object.Expires.Format(time.RFC3339), err, r.found.Namespace)
		}
	}, err
}

// awaitResolved waits, before the sink is deleted, for the resolved notification of every
// drill alert that was notified: it comes at the group's next flush, up to group_interval
// after the drill resolved it (one peer-timeout more per replica that did not send). A sink
// deleted before it leaves every replica retrying a failed notification, and
// mesh/notify-failing in status.
func (o *drillOptions) awaitResolved(ctx context.Context, r *drillRun, sk drill.Sink, ended map[string]time.Time, say func(string)) error {
	p := r.params.WithDefaults()
	var waiting []string
	want := map[string]int{} // resolved notifications to wait for, by alert
	deadline := time.Time{}
	for _, d := range r.report.Drills {
		if len(drill.Firing(d.Hits)) == 0 || ended[d.Alert].IsZero() {
			continue
		}
		waiting = append(waiting, d.Alert)
		want[d.Alert] = drill.ResolvedSenders(d.Drill, d.Hits)
		deadline = later(deadline, ended[d.Alert].Add(p.GroupInterval+time.Duration(len(r.positions)-1)*p.PeerTimeout+drill.Slack))
	}
	if len(waiting) == 0 {
		return nil
	}
	say(fmt.Sprintf("waiting up to %s for the resolved notification(s) (group_interval %s): a sink deleted before them leaves the replicas retrying",
		timing.Format(time.Until(deadline).Round(time.Second)), timing.Format(p.GroupInterval)))
	for len(waiting) > 0 {
		var still []string
		for _, a := range waiting {
			hits, err := sk.Hits(ctx, a)
			if err != nil || countResolved(hits) < want[a] {
				still = append(still, a)
			}
		}
		waiting = still
		if len(waiting) == 0 {
			say("the resolved notification(s) arrived")
			return nil
		}
		if time.Now().After(deadline) {
			say("no resolved notification for " + strings.Join(waiting, ", ") + " by the deadline: the replicas may retry at the deleted sink (mesh/notify-failing)")
			return nil
		}
		select {
		case <-ctx.Done():
			return errInterrupted
		case <-time.After(time.Second):
		}
	}
	return nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// eventTimeout bounds the recording of one Event: a drill never waits long on its journal.
const eventTimeout = 5 * time.Second

// recorder records the drill's phases as Kubernetes Events on the cluster (the StatefulSet, or
// the prometheus-operator Alertmanager object), each naming the run and the user. An Event
// that cannot be recorded is said once and does not stop the drill.
func (o *drillOptions) recorder(r *drillRun, say func(string)) func(warning bool, reason, message string) {
	ctx, cancel := context.WithTimeout(context.Background(), eventTimeout)
	user := r.kc.User(ctx)
	cancel()
	var failed bool
	return func(warning bool, reason, message string) {
		ctx, cancel := context.WithTimeout(context.Background(), min(eventTimeout, o.timeout))
		defer cancel()
		msg := fmt.Sprintf("kubectl-amha drill run %s by %s: %s", r.report.Run, user, message)
		if err := r.kc.RecordEvent(ctx, r.found, warning, reason, msg); err != nil && !failed {
			failed = true
			say(fmt.Sprintf("cannot record the drill's Events (%v); going on without them", err))
		}
	}
}

// clearLeftovers deletes what an earlier run (killed before its cleanup) left once it has
// expired, and refuses while another run's objects have not: that run may still be going.
func (o *drillOptions) clearLeftovers(ctx context.Context, r *drillRun, say func(string)) error {
	return o.leftovers(ctx, r, say, false)
}

// refuseLeftovers refuses, before the preflight (a partition left behind splits the mesh, and
// the preflight would only say that it is not whole), while another run's objects have not
// expired; it changes nothing.
func (o *drillOptions) refuseLeftovers(ctx context.Context, r *drillRun) error {
	return o.leftovers(ctx, r, nil, true)
}

// leftovers refuses while another run's objects have not expired and, unless readOnly,
// deletes (or restores) those that have.
func (o *drillOptions) leftovers(ctx context.Context, r *drillRun, say func(string), readOnly bool) error {
	left, err := r.kc.DrillLeftovers(ctx, r.found.Namespace)
	narrowed, nerr := r.kc.NarrowedPolicies(ctx, r.found.Namespace)
	if err = errors.Join(err, nerr); err != nil {
		if readOnly && o.dryRun {
			return nil // a missing right is listed by the rights check; the plan still prints
		}
		return &ExitError{Code: ExitNoCheck, Err: err}
	}
	for _, n := range narrowed {
		if time.Now().Before(n.Expires) {
			return &ExitError{Code: ExitNoCheck, Err: fmt.Errorf("drill run %s narrowed NetworkPolicy %s, expiring at %s: another drill may be running; "+
				"wait, or when none is: kubectl amha drill cleanup -n %s --force", n.Run, n.Name, n.Expires.Format(time.RFC3339), n.Namespace)}
		}
		if readOnly {
			continue
		}
		if err := r.kc.RestoreNarrowed(ctx, n); err != nil {
			return &ExitError{Code: ExitNoCheck, Err: err}
		}
		say(fmt.Sprintf("restored NetworkPolicy %s, which drill run %s narrowed (expired at %s)", n.Name, n.Run, n.Expires.Format(time.RFC3339)))
	}
	for _, l := range left {
		if l.Run == r.env.Object.Run {
			continue
		}
		if time.Now().Before(l.Expires) {
			return &ExitError{Code: ExitNoCheck, Err: fmt.Errorf("drill run %s left %s in namespace %s, expiring at %s: another drill may be running; "+
				"wait, or when none is: kubectl amha drill cleanup -n %s --force",
				l.Run, strings.Join(l.Objects, ", "), r.found.Namespace, l.Expires.Format(time.RFC3339), r.found.Namespace)}
		}
		if readOnly {
			continue
		}
		deleted, err := r.kc.DeleteDrillObjects(ctx, kube.DrillObject{Namespace: r.found.Namespace, Run: l.Run})
		if err != nil {
			return &ExitError{Code: ExitNoCheck, Err: fmt.Errorf("delete the expired objects of drill run %s: %w", l.Run, err)}
		}
		say(fmt.Sprintf("deleted what drill run %s left, expired at %s: %s", l.Run, l.Expires.Format(time.RFC3339), strings.Join(deleted, ", ")))
	}
	return nil
}

// joinNonEmpty joins the parts that are set with "; ".
func joinNonEmpty(parts ...string) string {
	return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), "; ")
}

func orDash(s string) string {
	if s == "" {
		return "ERROR"
	}
	return s
}

func (o *drillOptions) printResults(r *drillRun) error {
	if o.structuredOutput() {
		return o.printReport(r.report)
	}
	w := tabwriter.NewWriter(o.streams.Out, 0, 0, 2, ' ', 0)
	after := "after the alert"
	if o.observe.only {
		after = "after the fault"
	}
	fmt.Fprintf(w, "\nDRILL\tVERDICT\tEXPECTED\tOBSERVED (%s, sender)\tTIME (waits)\tEXPLANATION\n", after)
	for _, d := range r.report.Drills {
		var hits []string
		for _, h := range d.Hits {
			if h.Resolved {
				continue
			}
			s := h.Sender
			if s == "" {
				s = "sender unknown"
			}
			hits = append(hits, fmt.Sprintf("%s %s", timing.Format(h.At.Round(10*time.Millisecond)), s))
		}
		obs := strings.Join(hits, "; ")
		if obs == "" {
			obs = "-"
		}
		e := d.Expectation
		took := "-"
		if d.Wall > 0 {
			took = fmt.Sprintf("%s (%s)", timing.Format(d.Wall.D().Round(100*time.Millisecond)), timing.Format(d.Waits.D().Round(100*time.Millisecond)))
		}
		fmt.Fprintf(w, "%s\t%s\t%s %s\t%s\t%s\t%s\n", d.Drill, orDash(string(d.Verdict)), e.Counts(), window(e), obs, took, joinNonEmpty(d.Explanation, d.Error))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if m := r.report.MeshAtEnd; m != nil {
		if m.Whole {
			fmt.Fprintf(o.streams.Out, "\nMesh at the end: whole again (after %s).\n", timing.Format(m.Waited.D()))
		} else {
			see := "kubectl amha status --url ..."
			if r.found != nil {
				see = "kubectl amha status -n " + r.found.Namespace
			}
			fmt.Fprintf(o.streams.Out, "\nMesh at the end: NOT whole: %s. See %s.\n", m.Detail, see)
		}
	}
	return nil
}

// drillVerdict is the exit status: 1 for a FAIL or INCONCLUSIVE, or a mesh not whole at the
// end (said, as it is not in the table's verdicts); 2 when a drill could not run or every
// drill was skipped (the mesh not whole at the end then said too); else nil.
func drillVerdict(ds []drill.ReportDrill, mesh *drill.MeshAtEnd) error {
	ran, errored, failed := 0, 0, false
	for _, d := range ds {
		switch {
		case d.Verdict == drill.Fail || d.Verdict == drill.Inconclusive:
			failed = true
		case d.Error != "" && d.Verdict == "":
			errored++
		case d.Verdict == drill.Pass:
			ran++
		}
	}
	var notWhole error
	if mesh != nil && !mesh.Whole {
		notWhole = fmt.Errorf("the mesh is not whole after the last drill: %s (kubectl amha status)", mesh.Detail)
	}
	switch {
	case failed && notWhole == nil:
		return findingsExit
	case failed || errored == 0 && ran > 0 && notWhole != nil:
		return &ExitError{Code: ExitFindings, Err: notWhole}
	case errored > 0:
		return &ExitError{Code: ExitNoCheck, Err: errors.Join(fmt.Errorf("%d drill(s) could not run", errored), notWhole)}
	case ran == 0:
		return &ExitError{Code: ExitNoCheck, Err: errors.Join(errors.New("no drill ran: every one was skipped or not run"), notWhole)}
	}
	return nil
}

func countResolved(hits []sink.Hit) int {
	n := 0
	for _, h := range hits {
		if h.Status == "resolved" {
			n++
		}
	}
	return n
}
