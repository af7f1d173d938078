package snippets

import (
	"fmt"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// watchdogIntervals are the Watchdog route's group_interval and repeat_interval. A repeat is
// due when the last entry (stamped after its send) is older than repeat_interval at a flush,
// and flushes come every group_interval: repeat_interval = group_interval would send every
// other flush, so it is 10s shorter. group_interval stays above the last position's wait.
func watchdogIntervals(p timing.Params) (groupInterval, repeat time.Duration) {
	gi := time.Minute
	for gi-10*time.Second <= p.LastWait() {
		gi += time.Minute
	}
	return gi, gi - 10*time.Second
}

func watchdogRoute(s Spec) (string, error) {
	p := s.Params()
	gi, repeat := watchdogIntervals(p)
	return fmt.Sprintf(`# alertmanager.yml for %s, the same file on every replica: a difference in
# routes, receiver names or integration order changes the notification-log keys and
# nothing dedups.
route:
  receiver: default
  group_by: [alertname, namespace]
  group_wait: %s
  group_interval: %s
  repeat_interval: %s
  routes:
  # Dead man's switch: the always-firing Watchdog alert goes to a service outside this
  # cluster (healthchecks.io, Dead Man's Snitch, a PagerDuty or Opsgenie heartbeat) that
  # pages when the pings stop: the only way to hear that every replica, or Prometheus, is
  # down. It pings every %s (group_interval; repeat_interval is 10s shorter because a
  # repeat is due only when the last send is older than it at a flush). Let the service
  # page after 3 missed pings.
  - receiver: deadmansswitch
    matchers:
    - alertname = "Watchdog"
    group_wait: 0s
    group_interval: %s
    repeat_interval: %s
receivers:
# Add your integrations. Webhook, Slack and email show the duplicates a split mesh sends
# (by design: duplicates rather than a miss); PagerDuty and Opsgenie dedupe them by key.
- name: default
- name: deadmansswitch
  webhook_configs:
  - url: https://deadmansswitch.example.invalid/ping/REPLACE-ME
    send_resolved: false
`, s.Label(), timing.Format(p.GroupWait), timing.Format(p.GroupInterval), timing.Format(p.RepeatInterval),
		timing.Format(gi), timing.Format(gi), timing.Format(repeat)), nil
}

func watchdogRule(Spec) (string, error) {
	return `# Prometheus rule file: an alert that always fires. Routed to the dead man's switch (see
# alertmanager-watchdog.yml), its pings stopping mean the alerting pipeline is down somewhere:
# Prometheus, every Alertmanager replica, or the network between them and the outside.
groups:
- name: alertmanager-deadmansswitch
  rules:
  - alert: Watchdog
    expr: vector(1)
    labels:
      severity: none
    annotations:
      summary: Always firing, so that its absence shows the alerting pipeline is broken.
      description: >-
        This alert fires all the time. A dead man's switch outside the cluster receives it
        through Alertmanager and pages when it stops arriving.
`, nil
}
