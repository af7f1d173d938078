package lint

import (
	"fmt"
	"strings"

	amconfig "github.com/prometheus/alertmanager/config"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// configNoDedupKey: a receiver whose integrations have no deduplication of their own. The
// notification log is Alertmanager's only deduplication; when replicas cannot gossip, every
// side of a partition that holds the alert sends it (ha-facts: "partition into k sides ... k
// notifications ... fail open"), and so does a replica whose wait ended before a slow or
// failing send was logged. PagerDuty (dedup_key), Opsgenie (alias) and VictorOps (entity_id)
// receive the group key's hash and merge the copies; SNS does for FIFO topics
// (MessageDeduplicationId). The rest deliver every copy. This is the tradeoff, not a mistake.
type configNoDedupKey struct{}

func (configNoDedupKey) ID() string { return "config/no-dedup-key" }

// amIntegrationKind is one receiver integration of Alertmanager v0.34, in the order
// config/receiver.BuildReceiverIntegrations builds them.
type amIntegrationKind struct {
	Field string // the receiver field in alertmanager.yml
	Name  string
	// Dedups: the service merges repeats by a key Alertmanager derives from the group key.
	Dedups bool
	// Note is what the service does with repeats, when worth saying.
	Note string
}

var amIntegrationKinds = []amIntegrationKind{
	{Field: "webhook_configs", Name: "webhook", Note: "the webhook payload carries groupKey, so the endpoint can drop a payload whose groupKey and alerts it has just seen"},
	{Field: "email_configs", Name: "email"},
	{Field: "pagerduty_configs", Name: "PagerDuty", Dedups: true},
	{Field: "opsgenie_configs", Name: "Opsgenie", Dedups: true},
	{Field: "wechat_configs", Name: "WeChat"},
	{Field: "slack_configs", Name: "Slack"},
	{Field: "victorops_configs", Name: "VictorOps", Dedups: true},
	{Field: "pushover_configs", Name: "Pushover"},
	{Field: "sns_configs", Name: "Amazon SNS", Note: "SNS merges repeats only on FIFO topics (a topic_arn ending in .fifo), where Alertmanager sets MessageDeduplicationId"},
	{Field: "telegram_configs", Name: "Telegram"},
	{Field: "discord_configs", Name: "Discord"},
	{Field: "webex_configs", Name: "Webex"},
	{Field: "msteams_configs", Name: "Microsoft Teams"},
	{Field: "msteamsv2_configs", Name: "Microsoft Teams (Workflows)"},
	{Field: "jira_configs", Name: "Jira", Note: "Jira looks for an open issue labelled with the group key's hash before creating one, but the sides of a partition send at the same moment, both find none and both create one"},
	{Field: "incidentio_configs", Name: "incident.io", Note: "Alertmanager sends incident.io the payload's groupKey but sets no deduplication key; whether copies merge depends on the alert source's settings"},
	{Field: "rocketchat_configs", Name: "Rocket.Chat"},
	{Field: "mattermost_configs", Name: "Mattermost"},
}

func amIntegrationKindOf(field string) *amIntegrationKind {
	for i := range amIntegrationKinds {
		if amIntegrationKinds[i].Field == field {
			return &amIntegrationKinds[i]
		}
	}
	return nil
}

// amIntegration is one integration of a receiver: its field, index, and whether its service
// deduplicates.
type amIntegration struct {
	Field  string
	Index  int
	Kind   *amIntegrationKind
	Dedups bool
}

// amReceiverIntegrations are a loaded receiver's integrations.
func amReceiverIntegrations(rc amconfig.Receiver) []amIntegration {
	counts := map[string]int{
		"webhook_configs": len(rc.WebhookConfigs), "email_configs": len(rc.EmailConfigs),
		"pagerduty_configs": len(rc.PagerdutyConfigs), "opsgenie_configs": len(rc.OpsGenieConfigs),
		"wechat_configs": len(rc.WechatConfigs), "slack_configs": len(rc.SlackConfigs),
		"victorops_configs": len(rc.VictorOpsConfigs), "pushover_configs": len(rc.PushoverConfigs),
		"sns_configs": len(rc.SNSConfigs), "telegram_configs": len(rc.TelegramConfigs),
		"discord_configs": len(rc.DiscordConfigs), "webex_configs": len(rc.WebexConfigs),
		"msteams_configs": len(rc.MSTeamsConfigs), "msteamsv2_configs": len(rc.MSTeamsV2Configs),
		"jira_configs": len(rc.JiraConfigs), "incidentio_configs": len(rc.IncidentioConfigs),
		"rocketchat_configs": len(rc.RocketchatConfigs), "mattermost_configs": len(rc.MattermostConfigs),
	}
	var out []amIntegration
	for i := range amIntegrationKinds {
		k := &amIntegrationKinds[i]
		for j := 0; j < counts[k.Field]; j++ {
			in := amIntegration{Field: k.Field, Index: j, Kind: k, Dedups: k.Dedups}
			if k.Field == "sns_configs" {
				in.Dedups = strings.HasSuffix(rc.SNSConfigs[j].TopicARN, ".fifo")
			}
			out = append(out, in)
		}
	}
	return out
}

// amcIntegrations are the integrations of an AlertmanagerConfig receiver
// (webhookConfigs, slackConfigs, ...: the alertmanager.yml fields in camel case).
func amcIntegrations(recv Node) []amIntegration {
	var out []amIntegration
	keys, vals := recv.Fields()
	for i, key := range keys {
		base, ok := strings.CutSuffix(key, "Configs")
		if !ok {
			continue
		}
		k := amIntegrationKindOf(strings.ToLower(base) + "_configs")
		if k == nil {
			continue
		}
		for j, it := range vals[i].Items() {
			in := amIntegration{Field: k.Field, Index: j, Kind: k, Dedups: k.Dedups}
			if k.Field == "sns_configs" {
				in.Dedups = strings.HasSuffix(it.Get("topicARN").String(), ".fifo")
			}
			out = append(out, in)
		}
	}
	return out
}

func (c configNoDedupKey) Run(s *Set) []model.Finding {
	var out []model.Finding
	docs := amDocs(s)
	// A receiver is reported once per cluster, also when drifted files of the set repeat it.
	seen := map[string]bool{}
	for _, d := range docs {
		if d.Err != nil || d.Derived || d.Repeat {
			continue
		}
		n := amReplicasOf(s, docs, d)
		if n == 1 {
			continue // one replica: no partition, no copies
		}
		used, watchdogOnly := amRouteUse(d.Tree)
		for i, rc := range d.Cfg.Receivers {
			if !used[rc.Name] || watchdogOnly[rc.Name] || drillSink(rc.Name) {
				continue
			}
			ins := amReceiverIntegrations(rc)
			key := rc.Name
			if d.Cluster != nil {
				key = d.Cluster.ID() + "|" + key // one finding per cluster, not per input
			}
			for _, in := range ins {
				key += fmt.Sprintf(" %s[%d]", in.Field, in.Index)
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			if f, ok := c.finding(rc.Name, d.Name, ins, n, d.Root.Get("receivers", i).LocOr(d.Root)); ok {
				out = append(out, f)
			}
		}
	}
	n := 0
	if cs := s.Clusters(); len(cs) == 1 {
		n = cs[0].Replicas()
	}
	if n == 1 {
		return out
	}
	for _, o := range alertmanagerConfigs(s) {
		used, dogOnly := map[string]bool{}, map[string]bool{}
		for _, r := range amcRoutes(o) {
			if !r.Watchdog {
				used[r.Receiver] = true
			} else if !used[r.Receiver] {
				dogOnly[r.Receiver] = true
			}
		}
		for _, recv := range o.Root.Get("spec", "receivers").Items() {
			name := recv.Get("name").String()
			if !used[name] || drillSink(name) {
				continue
			}
			if f, ok := c.finding(name, o.ID(), amcIntegrations(recv), n, recv.Loc()); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

// drillSink reports whether a receiver is the one `kubectl amha drill` counts notifications
// at (pkg/drill.SinkReceiver; the operator prefixes an AlertmanagerConfig's receivers with
// <namespace>/<name>/). Its copies during a partition are what the drill measures.
func drillSink(name string) bool {
	return name == "amha-drill-sink" || strings.HasSuffix(name, "/amha-drill-sink")
}

func (c configNoDedupKey) finding(name, object string, ins []amIntegration, replicas int, at Location) (model.Finding, bool) {
	var copiesOf, merged []string
	var notes []string
	fields := map[*amIntegrationKind][]string{}
	var kinds []*amIntegrationKind
	for _, in := range ins {
		if in.Dedups {
			merged = append(merged, fmt.Sprintf("%s (%s[%d])", in.Kind.Name, in.Field, in.Index))
			continue
		}
		if fields[in.Kind] == nil {
			kinds = append(kinds, in.Kind)
		}
		fields[in.Kind] = append(fields[in.Kind], fmt.Sprintf("%s[%d]", in.Field, in.Index))
	}
	for _, k := range kinds {
		copiesOf = append(copiesOf, fmt.Sprintf("%s (%s)", k.Name, strings.Join(fields[k], ", ")))
		if k.Note != "" {
			notes = append(notes, k.Note)
		}
	}
	if len(copiesOf) == 0 {
		return model.Finding{}, false
	}
	copies := "one copy of each notification per side of the partition"
	if replicas > 1 {
		copies = fmt.Sprintf("up to %d copies of each notification (one per replica)", replicas)
	}
	which := "which does not deduplicate on its side"
	if len(copiesOf) > 1 || len(fields[kinds[0]]) > 1 {
		which = "none of which deduplicates on its side"
	}
	msg := fmt.Sprintf("Receiver %q notifies through %s, %s. Alertmanager's only deduplication is the notification log its replicas "+
		"gossip: during a network partition every side that holds an alert sends it, by design (fail open: duplicates rather than a miss), "+
		"so %q gets %s for as long as the partition lasts. The same copies come when a send was slower than --cluster.peer-timeout "+
		"or failed for a while.", name, configAndList(copiesOf), which, name, copies)
	if len(merged) > 0 {
		msg += fmt.Sprintf(" Its %s merges copies by the group key.", configAndList(merged))
	}
	for _, n := range notes {
		msg += " " + strings.ToUpper(n[:1]) + n[1:] + "."
	}
	return model.Finding{
		ID: c.ID(), Severity: model.Info, Symptoms: []model.Symptom{model.Duplicates},
		Objects: []string{object},
		Message: msg,
		Fix: "Nothing to fix if copies during a partition are acceptable: it is the tradeoff of Alertmanager HA. To have them merged, page through " +
			"an integration that deduplicates by key (pagerduty_configs: dedup_key is a hash of the group key; opsgenie_configs: alias; " +
			"victorops_configs: entity_id), or make the webhook endpoint drop a payload whose groupKey and alerts it has already seen.",
		Locations: []Location{at},
	}, true
}

func configAndList(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

func configDoOrDoes(n int) string {
	if n == 1 {
		return "does"
	}
	return "do"
}
