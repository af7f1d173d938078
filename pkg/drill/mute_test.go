package drill

import (
	"strings"
	"testing"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

var muteLabels = map[string]string{"alertname": AlertName, Label: "1a2b3c4d-baseline", "namespace": "team"}

const inhibitConfig = `route:
  receiver: default
receivers:
- name: default
inhibit_rules:
- name: maintenance
  source_matchers: [alertname="Maintenance"]
  target_matchers: [severity!="critical"]
  equal: [namespace]
- source_match:
    alertname: ClusterDown
  target_match_re:
    alertname: Amha.*
  equal: [cluster]
- source_matchers: [severity="critical"]
  target_matchers: [alertname=~".+"]
`

func mutedCluster(config string, alerts ...map[string]string) model.Cluster {
	var refs []model.AlertRef
	for _, ls := range alerts {
		refs = append(refs, model.AlertRef{Fingerprint: ls["alertname"], Name: ls["alertname"], Labels: ls})
	}
	rep := func(name string) model.Replica {
		return model.Replica{Name: name, Status: &model.Status{Cluster: "ready", Config: config}, Metrics: &model.Metrics{ConfigHash: "7d0b500a4317"}}
	}
	c := model.Cluster{Replicas: []model.Replica{rep("am-0"), rep("am-1")}}
	c.Replicas[1].Alerts = refs
	return c
}

func TestMutedByInhibitRule(t *testing.T) {
	for _, tc := range []struct {
		name   string
		alerts []map[string]string
		want   string // "" not muted
	}{
		{"no active alert", nil, ""},
		{"source with the equal label equal", []map[string]string{{"alertname": "Maintenance", "namespace": "team"}},
			"inhibit_rules[0] (maintenance)"},
		{"source with the equal label different", []map[string]string{{"alertname": "Maintenance", "namespace": "other"}}, ""},
		// Old-style source_match / target_match_re; equal on a label neither has: "" == "".
		{"deprecated matchers, equal label absent on both", []map[string]string{{"alertname": "ClusterDown"}}, "inhibit_rules[1]"},
		{"deprecated matchers, equal label set on the source only", []map[string]string{{"alertname": "ClusterDown", "cluster": "eu"}}, ""},
		// Both sides of rule 2 match a critical alert: as Alertmanager does, a source that also
		// matches the target side does not count when the drill alert matches both sides. The
		// drill alert is not critical, so it does not.
		{"two-sided rule", []map[string]string{{"alertname": "Disk", "severity": "critical"}}, "inhibit_rules[2]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Muted(mutedCluster(inhibitConfig, tc.alerts...), muteLabels)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("muted: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "am-1") {
				t.Fatalf("want %q on am-1, got %v", tc.want, err)
			}
		})
	}
}

// A rule whose both sides match the drill alert: a source alert that also matches the target
// side is disregarded, as in Alertmanager's inhibitor.
func TestInhibitTwoSidedExcludesSourceMatchingTarget(t *testing.T) {
	cfg := `route:
  receiver: default
receivers:
- name: default
inhibit_rules:
- source_matchers: [namespace="team"]
  target_matchers: [namespace="team"]
`
	if err := Muted(mutedCluster(cfg, map[string]string{"alertname": "X", "namespace": "team"}), muteLabels); err != nil {
		t.Fatalf("muted by a two-sided match: %v", err)
	}
}

func TestMutedBySilence(t *testing.T) {
	c := mutedCluster(inhibitConfig)
	sil := func(id, state string, ms ...model.Matcher) model.SilenceRef {
		return model.SilenceRef{ID: id, State: state, Matchers: ms, CreatedBy: "ops", Comment: "maintenance"}
	}
	c.Replicas[0].Silences = []model.SilenceRef{
		sil("s-expired", "expired", model.Matcher{Name: Label, Value: ".+", IsRegex: true, Equal: true}),
		sil("s-other", "active", model.Matcher{Name: "alertname", Value: AlertName, Equal: false}),
		sil("s-team", "active", model.Matcher{Name: "namespace", Value: "team", Equal: true}, model.Matcher{Name: "severity", Value: "critical", Equal: false}),
	}
	c.Replicas[1].Silences = []model.SilenceRef{c.Replicas[0].Silences[2]}
	err := Muted(c, muteLabels)
	if err == nil {
		t.Fatal("not muted")
	}
	msg := err.Error()
	if !strings.Contains(msg, "silence s-team") || !strings.Contains(msg, "am-0, am-1") || !strings.Contains(msg, "amtool silence expire s-team") {
		t.Errorf("message: %s", msg)
	}
	if strings.Contains(msg, "s-expired") || strings.Contains(msg, "s-other") {
		t.Errorf("names a silence that does not match: %s", msg)
	}
}

func TestMutedConfigHashesDiffer(t *testing.T) {
	c := mutedCluster(inhibitConfig)
	if err := Muted(c, muteLabels); err != nil {
		t.Fatalf("equal hashes: %v", err)
	}
	c.Replicas[1].Metrics.ConfigHash = "0123456789ab"
	err := Muted(c, muteLabels)
	if err == nil || !strings.Contains(err.Error(), "0123456789ab on am-1") || !strings.Contains(err.Error(), "7d0b500a4317 on am-0") {
		t.Fatalf("got %v", err)
	}
}

// The drill route muted by a time interval that holds now, or outside its active intervals.
func TestMutedByTimeInterval(t *testing.T) {
	cfg := func(opts string) string {
		return `route:
  receiver: default
  routes:
  - matchers: ['amha_drill=~".+"']
    receiver: amha-drill-sink
` + opts + `
receivers:
- name: default
- name: amha-drill-sink
  webhook_configs:
  - url: http://sink/hook
time_intervals:
- name: always
  time_intervals:
  - times: [{start_time: "00:00", end_time: "24:00"}]
- name: long-ago
  time_intervals:
  - years: ["1999"]
`
	}
	for _, tc := range []struct{ opts, want string }{
		{"", ""},
		{"    mute_time_intervals: [long-ago]", ""},
		{"    active_time_intervals: [always]", ""},
		{"    mute_time_intervals: [always]", "mute_time_intervals always"},
		{"    active_time_intervals: [long-ago]", "outside its active_time_intervals (long-ago)"},
	} {
		err := Muted(mutedCluster(cfg(tc.opts)), muteLabels)
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%q: got %v, want %q", tc.opts, err, tc.want)
		}
	}
}
