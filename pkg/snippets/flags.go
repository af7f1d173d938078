package snippets

import (
	"fmt"
	"strings"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// arg is one Alertmanager flag and why it has this value.
type arg struct {
	flag string
	why  string
}

// startDelay is --dispatch.start-delay: Prometheus re-sends a firing alert at the first rule
// evaluation more than --rules.alert.resend-delay after its last send (rules/alerting.go
// needsSending), so every resend-delay plus one evaluation_interval (1m by default).
const startDelay = timing.PrometheusResendDelay + time.Minute

// clusterArgs are the cluster flags of every replica, in the order they are explained.
func clusterArgs(s Spec) []arg {
	p := s.Params()
	if s.Replicas == 1 {
		return []arg{{"--cluster.listen-address=", "One replica: clustering off, as prometheus-operator does. Without it the " +
			"default 0.0.0.0:9094 listens for peers that never come. This is not HA: run 2 or more replicas."}}
	}
	args := []arg{
		{"--cluster.listen-address=[$(POD_IP)]:9094", "Bind the mesh port on the pod IP, TCP and UDP: memberlist needs both. " +
			"Brackets keep an IPv6 pod IP valid."},
		{"--cluster.advertise-address=$(POD_IP):9094", "Advertise the pod IP explicitly. Without it Alertmanager looks for a " +
			"private (RFC 1918) address and refuses to start (\"No private IP found\") where pod IPs are not private, " +
			"e.g. 198.18.0.0/15; where they are, it changes nothing. Must be IP:port (a hostname is fatal at start); " +
			"write [$(POD_IP)]:9094 on IPv6."},
	}
	for i := range s.Replicas {
		why := ""
		if i == 0 {
			why = fmt.Sprintf("One --cluster.peer per replica, itself included, by pod DNS name under the governing headless "+
				"Service (publishNotReadyAddresses, so peers resolve before they are Ready). Re-resolved every 15s. "+
				"Never a ClusterIP Service or load balancer name: it would be re-joined forever. %d replicas: gossip has "+
				"no quorum, any count works.", s.Replicas)
		}
		args = append(args, arg{fmt.Sprintf("--cluster.peer=%s.%s:9094", s.Pod(i), s.Service()), why})
	}
	if s.minor() >= 30 {
		args = append(args, arg{"--cluster.peer-name=$(POD_NAME)", "Stable member names (v0.30+): positions follow the pod " +
			"ordinal instead of start order (default names are random ULIDs, so a restarted replica goes last)."})
	}
	args = append(args,
		arg{"--cluster.label=" + s.Label(), "Packets with another label are dropped, so two clusters never merge when pod IPs " +
			"are reused. Changing it on a running cluster splits the mesh during the rollout."},
		arg{"--cluster.reconnect-timeout=5m", "Forget a failed peer after 5m instead of 6h: pod IPs churn, and a gone IP would " +
			"be re-joined for hours."},
		arg{"--cluster.peer-timeout=" + timing.Format(p.PeerTimeout), fmt.Sprintf("Each replica waits position x this before it "+
			"sends: position 1 covers for position 0 after %s, the last after %s. The same on every replica; above the "+
			"receivers' worst latency (else duplicates), and (N-1) x it well below repeat_interval.",
			timing.Format(p.Wait(1)), timing.Format(p.LastWait()))},
	)
	if s.minor() >= 30 {
		args = append(args, arg{"--dispatch.start-delay=" + timing.Format(startDelay), "Hold notifications for " +
			timing.Format(startDelay) + " after start (v0.30+): Prometheus re-sends a firing alert at the first rule evaluation more " +
			"than --rules.alert.resend-delay (1m) after its last send, so every 2m at its defaults (evaluation_interval 1m). " +
			"A restarted replica then has every firing alert again before it sends, so groups are complete."})
	}
	return args
}

// flagValues are just the flags, for a container's args.
func flagValues(s Spec) []string {
	var out []string
	for _, a := range clusterArgs(s) {
		out = append(out, a.flag)
	}
	return out
}

func clusterFlags(s Spec) (string, error) {
	var b strings.Builder
	b.WriteString(comment(fmt.Sprintf("Alertmanager %s, cluster %s: %d replicas (StatefulSet %s, governing headless Service %s).",
		s.Version, s.Label(), s.Replicas, s.StatefulSet(), s.Service()), ""))
	if s.Replicas > 1 {
		b.WriteString("# The same on every replica. POD_IP and POD_NAME come from the downward API (status.podIP,\n" +
			"# metadata.name); Kubernetes expands $(VAR) in container args.\n")
	}
	for _, a := range clusterArgs(s) {
		if a.why != "" {
			b.WriteString("\n" + comment(a.why, ""))
		}
		b.WriteString(a.flag + "\n")
	}
	if s.Replicas > 1 {
		b.WriteString("\n" + comment("Across regions (zones of one region need none of this): memberlist's defaults are tuned for "+
			"a LAN. Raise these on every replica, never to 0 (refused from v0.34), towards memberlist's WAN profile:", ""))
		for _, l := range []string{
			"--cluster.probe-timeout=3s       (default 500ms; must cover the p99 round trip)",
			"--cluster.probe-interval=5s      (default 1s)",
			"--cluster.gossip-interval=500ms  (default 200ms; settle polls every 10x this)",
			"--cluster.tcp-timeout=30s        (default 10s)",
			"--cluster.pushpull-interval=1m   (default 1m; lower it if entries must converge faster)",
			"--cluster.peer-timeout: above the gossip delay between regions plus the receivers' latency",
		} {
			b.WriteString("#   " + l + "\n")
		}
	}
	return b.String(), nil
}

// comment wraps text into "# " lines of at most 100 columns.
func comment(text, indent string) string {
	var b strings.Builder
	for _, l := range wrap(text, 98-len(indent)) {
		b.WriteString(indent + "# " + l + "\n")
	}
	return b.String()
}

// wrap breaks text at spaces into lines of at most width characters (longer words stay whole).
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
