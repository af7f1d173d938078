package lint

import (
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	amconfig "github.com/prometheus/alertmanager/config"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// configTestSet loads testdata/config files together, as `kubectl amha lint -f a -f b` does.
func configTestSet(t *testing.T, names ...string) *Set {
	t.Helper()
	return loadTestdata(t, "config", names...)
}

// configTestRun runs every config/* check and keeps the findings of id ("" for all).
func configTestRun(s *Set, id string) []model.Finding {
	var out []model.Finding
	for _, c := range configChecks() {
		for _, f := range c.Run(s) {
			if id == "" || f.ID == id {
				out = append(out, f)
			}
		}
	}
	return out
}

func TestConfigChecks(t *testing.T) {
	type want struct {
		sev    model.Severity
		at     string // file:line:column of the first location
		phrase string
	}
	cases := []struct {
		name  string
		files []string
		id    string
		want  []want // nil: the check must stay quiet
	}{
		// config/invalid
		{"undefined receiver", []string{"invalid-undefined-receiver.yml"}, "config/invalid", []want{
			{model.Error, "invalid-undefined-receiver.yml:6:15", `refuses this configuration: undefined receiver "payments-oncall" used in route`},
		}},
		{"unknown field in a ConfigMap", []string{"invalid-field-in-configmap.yaml"}, "config/invalid", []want{
			{model.Error, "invalid-field-in-configmap.yaml:11:7", "field repeat_intervall not found"},
		}},
		{"*_file paths and zones that exist only in the pod", []string{"valid-files-missing.yml"}, "config/invalid", nil},
		{"helm chart default is valid", []string{"helm-chart-default.yaml"}, "config/invalid", nil},

		// config/drift
		{"drift: group_by", []string{"drift/am-1.yml", "drift/am-2-group-by.yml"}, "config/drift", []want{
			{model.Error, "drift/am-2-group-by.yml:11:3", "up to 2 times"},
		}},
		{"drift: receiver renamed", []string{"drift/am-1.yml", "drift/am-2-renamed.yml"}, "config/drift", []want{
			{model.Error, "drift/am-2-renamed.yml:10:3", "first difference at route.receiver"},
		}},
		{"drift: webhooks swapped", []string{"drift/am-1.yml", "drift/am-2-swapped.yml"}, "config/drift", []want{
			{model.Warning, "drift/am-2-swapped.yml:40:5", "routes alike"},
		}},
		{"drift: the odd one of three", []string{"drift/am-1.yml", "drift/am-2-group-by.yml", "drift/am-2-comments.yml"}, "config/drift", []want{
			{model.Error, "drift/am-2-group-by.yml:11:3", "differently from testdata/config/drift/am-1.yml"},
		}},
		{"comments, quoting and key order are not drift", []string{"drift/am-1.yml", "drift/am-2-comments.yml"}, "config/drift", nil},
		{"two clusters, two configurations", []string{"two-clusters.yaml"}, "config/drift", nil},

		// config/no-dedup-key
		{"slack and webhook receivers", []string{"drift/am-1.yml"}, "config/no-dedup-key", []want{
			{model.Info, "drift/am-1.yml:34:3", `Receiver "team-ops" notifies through Slack (slack_configs[0]), which does not deduplicate`},
			{model.Info, "drift/am-1.yml:38:3", "webhook (webhook_configs[0], webhook_configs[1]) and email (email_configs[0])"},
		}},
		{"slack in a 3-replica StatefulSet", []string{"statefulset-3-slack.yaml"}, "config/no-dedup-key", []want{
			{model.Info, "statefulset-3-slack.yaml:16:7", "up to 3 copies of each notification"},
		}},
		{"AlertmanagerConfig slackConfigs", []string{"alertmanagerconfig-slack.yaml"}, "config/no-dedup-key", []want{
			{model.Info, "alertmanagerconfig-slack.yaml:19:5", `Receiver "payments-slack" notifies through Slack`},
		}},
		{"one replica: no partition", []string{"statefulset-1-slack.yaml"}, "config/no-dedup-key", nil},
		{"pagerduty only", []string{"pagerduty-only.yml"}, "config/no-dedup-key", nil},
		{"receivers without integrations", []string{"helm-chart-default.yaml"}, "config/no-dedup-key", nil},

		// config/no-watchdog
		{"helm chart default", []string{"helm-chart-default.yaml"}, "config/no-watchdog", []want{
			{model.Warning, "helm-chart-default.yaml:19:5", "No route sends an always-firing Watchdog alert"},
		}},
		{"kube-prometheus secret: Watchdog to an empty receiver", []string{"operator-secret.yaml"}, "config/no-watchdog", []want{
			{model.Warning, "operator-secret.yaml:15:22", `to receiver "Watchdog", which has no integrations`},
		}},
		{"watchdog route shadowed", []string{"watchdog-shadowed.yml"}, "config/no-watchdog", []want{
			{model.Warning, "watchdog-shadowed.yml:7:5", "never reached: the route at route.routes[0] comes first"},
		}},
		{"watchdog routed", []string{"pagerduty-only.yml"}, "config/no-watchdog", nil},
		{"DeadMansSwitch routed by url_file", []string{"valid-files-missing.yml"}, "config/no-watchdog", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := configTestRun(configTestSet(t, tc.files...), tc.id)
			if len(got) != len(tc.want) {
				t.Fatalf("%d findings, want %d:\n%s", len(got), len(tc.want), configTestDescribe(got))
			}
			for i, w := range tc.want {
				f := got[i]
				if f.Severity != w.sev {
					t.Errorf("finding %d: severity %s, want %s", i, f.Severity, w.sev)
				}
				if len(f.Locations) == 0 {
					t.Fatalf("finding %d has no location", i)
				}
				l := f.Locations[0]
				if at := fmt.Sprintf("%s:%d:%d", l.File, l.Line, l.Column); at != filepath.Join("testdata", "config", w.at) {
					t.Errorf("finding %d at %s, want %s", i, at, w.at)
				}
				if !strings.Contains(f.Message, w.phrase) {
					t.Errorf("finding %d: message lacks %q:\n%s", i, w.phrase, f.Message)
				}
				if f.Fix == "" || len(f.Symptoms) == 0 {
					t.Errorf("finding %d without fix or symptoms", i)
				}
			}
		})
	}
}

// TestConfigWatchdogFixHeartbeat: the fix recommends intervals that give a ping at every flush:
// a repeat is due only when the last send, stamped after it went out, is older than
// repeat_interval at a flush, and flushes come every group_interval.
func TestConfigWatchdogFixHeartbeat(t *testing.T) {
	for _, file := range []string{"helm-chart-default.yaml", "operator-secret.yaml", "watchdog-shadowed.yml"} {
		got := configTestRun(configTestSet(t, file), "config/no-watchdog")
		if len(got) != 1 {
			t.Fatalf("%s: %d findings:\n%s", file, len(got), configTestDescribe(got))
		}
		for _, want := range []string{"`group_wait: 0s`, `group_interval: 1m`, `repeat_interval: 50s`", "equal intervals ping only every second flush"} {
			if !strings.Contains(got[0].Fix, want) {
				t.Errorf("%s: fix lacks %q:\n%s", file, want, got[0].Fix)
			}
		}
	}
}

// TestConfigMessagesAreSentences: every config/* finding of the testdata has a message that
// starts with a capital letter and ends with a period.
func TestConfigMessagesAreSentences(t *testing.T) {
	sets := [][]string{{"drift/am-1.yml", "drift/am-2-group-by.yml"}, {"drift/am-1.yml", "drift/am-2-swapped.yml"}}
	files, _ := filepath.Glob(filepath.Join("testdata", "config", "*.y*ml"))
	for _, f := range files {
		sets = append(sets, []string{filepath.Base(f)})
	}
	n := 0
	for _, names := range sets {
		for _, f := range configTestRun(configTestSet(t, names...), "") {
			n++
			if !testSentence(f.Message) {
				t.Errorf("%v %s: message is not a sentence: %q", names, f.ID, f.Message)
			}
		}
	}
	if n == 0 {
		t.Fatal("no config/* finding in the testdata")
	}
}

// TestConfigCleanInputs: correctly configured inputs give no config/* finding at all.
func TestConfigCleanInputs(t *testing.T) {
	for _, files := range [][]string{
		{"pagerduty-only.yml"},
		{"valid-files-missing.yml"},
		{"pagerduty-only.yml", "pagerduty-only.yml"},
	} {
		if got := configTestRun(configTestSet(t, files...), ""); len(got) > 0 {
			t.Errorf("%v:\n%s", files, configTestDescribe(got))
		}
	}
}

// TestConfigDriftDetails: the diff names the differing fields, shows a swapped secret by
// number and never its value, and the second location is the same field in the reference.
func TestConfigDriftDetails(t *testing.T) {
	got := configTestRun(configTestSet(t, "drift/am-1.yml", "drift/am-2-swapped.yml"), "config/drift")
	if len(got) != 1 {
		t.Fatalf("%d findings:\n%s", len(got), configTestDescribe(got))
	}
	f := got[0]
	details := strings.Join(f.Details, "\n")
	for _, want := range []string{
		"alertmanager_config_hash",
		"--- testdata/config/drift/am-1.yml",
		"+ receivers[3].webhook_configs[0].url: <secret #2>",
		"- receivers[3].webhook_configs[0].url: <secret #1>",
		"+ receivers[3].webhook_configs[1].url: <secret #1>",
	} {
		if !strings.Contains(details, want) {
			t.Errorf("details lack %q:\n%s", want, details)
		}
	}
	if strings.Contains(details, "incident-bot") || strings.Contains(details, "alert-bridge") {
		t.Errorf("details show a secret:\n%s", details)
	}
	if len(f.Locations) != 2 || f.Locations[1].File != filepath.Join("testdata", "config", "drift", "am-1.yml") || f.Locations[1].Line != 40 {
		t.Errorf("locations %v", f.Locations)
	}
}

// TestConfigLive: live configurations have no file; findings point at the object and path.
func TestConfigLive(t *testing.T) {
	s, err := LiveSet(nil, testdataText(t, "config", "watchdog-shadowed.yml"))
	if err != nil {
		t.Fatal(err)
	}
	got := configTestRun(s, "config/no-watchdog")
	if len(got) != 1 {
		t.Fatalf("%d findings:\n%s", len(got), configTestDescribe(got))
	}
	if l := got[0].Locations[0]; l.File != "" || l.Line != 0 || l.Object != "running configuration" || l.Path != "route.routes[1]" {
		t.Errorf("live location %+v", l)
	}
}

// TestConfigIntegrationKinds: every receiver integration of the Alertmanager version in
// go.mod is classified, so an upgrade that adds one fails here.
func TestConfigIntegrationKinds(t *testing.T) {
	rt := reflect.TypeOf(amconfig.Receiver{})
	n := 0
	for i := 0; i < rt.NumField(); i++ {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("yaml"), ",")
		if !strings.HasSuffix(name, "_configs") {
			continue
		}
		n++
		if amIntegrationKindOf(name) == nil {
			t.Errorf("%s is not in amIntegrationKinds", name)
		}
	}
	if n != len(amIntegrationKinds) {
		t.Errorf("Receiver has %d integrations, amIntegrationKinds %d", n, len(amIntegrationKinds))
	}
}

func configTestDescribe(fs []model.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s %s %v: %s\n", f.ID, f.Severity, f.Locations, f.Message)
	}
	return b.String()
}

// The same receiver in the configurations of two clusters is two findings: each cluster's
// people see its duplicates.
func TestConfigNoDedupKeyPerCluster(t *testing.T) {
	s := configTestSet(t, "two-clusters.yaml")
	var at []string
	for _, f := range configTestRun(s, "config/no-dedup-key") {
		at = append(at, fmt.Sprintf("%d:%d", f.Locations[0].Line, f.Locations[0].Column))
	}
	if !slices.Equal(at, []string{"17:7", "76:7"}) {
		t.Fatalf("config/no-dedup-key at %v, want one per cluster at 17:7 and 76:7", at)
	}
}

// One repository, several environments: alertmanager.yml files in different directories that
// no workload mounts are different clusters, not drifting replicas; two in one directory are
// replicas, and the result says how they were grouped.
func TestConfigGroupsByDirectory(t *testing.T) {
	dev := "route: {receiver: a}\nreceivers: [{name: a}]\n"
	prod := "route: {receiver: b, group_by: [x]}\nreceivers: [{name: b}]\n"
	in := func(name, text string) Input { return Input{Name: name, Data: []byte(text)} }
	drift := func(inputs ...Input) (bool, []ConfigGroup) {
		t.Helper()
		res, err := Lint(inputs)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Findings {
			if f.ID == "config/drift" {
				return true, res.ConfigGroups
			}
		}
		return false, res.ConfigGroups
	}
	if d, gs := drift(in("envs/dev/alertmanager.yml", dev), in("envs/prod/alertmanager.yml", prod)); d || len(gs) != 2 || gs[0].By != "directory envs/dev" {
		t.Fatalf("two environments: drift=%v groups %+v", d, gs)
	}
	if d, gs := drift(in("envs/dev/alertmanager.yml", dev), in("envs/dev/alertmanager-b.yml", prod), in("envs/prod/alertmanager.yml", prod)); !d || len(gs) != 2 || len(gs[0].Files) != 2 {
		t.Fatalf("two replicas in one directory: drift=%v groups %+v", d, gs)
	}
	if d, gs := drift(in("am1.yml", dev), in("am2.yml", prod)); !d || len(gs) != 1 || gs[0].By != "the only cluster" {
		t.Fatalf("two files side by side: drift=%v groups %+v", d, gs)
	}
	// Named one by one with -f (per-host directories): compared as replicas.
	named := func(name, text string) Input { return Input{Name: name, Data: []byte(text), Explicit: true} }
	if d, gs := drift(named("am-0/alertmanager.yml", dev), named("am-1/alertmanager.yml", prod)); !d || len(gs) != 1 {
		t.Fatalf("two files named with -f: drift=%v groups %+v", d, gs)
	}
	if _, gs := drift(in("alertmanager.yml", dev)); gs != nil {
		t.Fatalf("one file: groups %+v", gs)
	}
}

// VM installs: each replica's unit beside its alertmanager.yml ties the files to the command
// lines' cluster, so files in am-0/ and am-1/ are compared as replicas.
func TestConfigGroupsByUnit(t *testing.T) {
	unit := "[Service]\nExecStart=/usr/bin/alertmanager --config.file=/etc/alertmanager/alertmanager.yml --cluster.peer=am-0:9094 --cluster.peer=am-1:9094\n"
	res, err := Lint([]Input{
		{Name: "am-0/alertmanager.service", Data: []byte(unit)}, {Name: "am-1/alertmanager.service", Data: []byte(unit)},
		{Name: "am-0/alertmanager.yml", Data: []byte("route: {receiver: a}\nreceivers: [{name: a}]\n")},
		{Name: "am-1/alertmanager.yml", Data: []byte("route: {receiver: b}\nreceivers: [{name: b}]\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	drift := false
	for _, f := range res.Findings {
		drift = drift || f.ID == "config/drift"
	}
	if !drift || len(res.ConfigGroups) != 1 {
		t.Fatalf("drift=%v groups %+v", drift, res.ConfigGroups)
	}
}

// The drill's own sink receiver (alertmanager.yml or an AlertmanagerConfig, as the README tells
// the user to add it) counts notifications on purpose: config/no-dedup-key says nothing of it.
func TestConfigNoDedupKeySkipsTheDrillSink(t *testing.T) {
	cfg := "route:\n  receiver: hook\n  routes:\n  - matchers: ['amha_drill=~\".+\"']\n    receiver: amha-drill-sink\nreceivers:\n- name: hook\n  webhook_configs: [{url: 'http://hook.example/'}]\n- name: amha-drill-sink\n  webhook_configs: [{url: 'http://amha-drill-sink.monitoring.svc:8080/'}]\n"
	amc := "apiVersion: monitoring.coreos.com/v1alpha1\nkind: AlertmanagerConfig\nmetadata: {name: amha-drill, namespace: monitoring}\nspec:\n  route: {receiver: amha-drill-sink, matchers: [{name: amha_drill, matchType: '=~', value: '.+'}]}\n  receivers:\n  - name: amha-drill-sink\n    webhookConfigs: [{url: 'http://amha-drill-sink.monitoring.svc:8080/'}]\n"
	res, err := Lint([]Input{{Name: "am-0/alertmanager.yml", Data: []byte(cfg)}, {Name: "am-1/alertmanager.yml", Data: []byte(cfg)}, {Name: "amc.yaml", Data: []byte(amc)}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		if f.ID == "config/no-dedup-key" {
			got = append(got, f.Message)
		}
	}
	if len(got) != 1 || strings.Contains(got[0], "amha-drill-sink") || !strings.Contains(got[0], `"hook"`) {
		t.Fatalf("config/no-dedup-key on %v: want the team's receiver hook only", got)
	}
}
