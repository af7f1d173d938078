package cmd

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// complete runs cobra's __complete as kubectl's plugin completion does (through
// kubectl_complete-amha) and returns the values offered, without their descriptions, and the
// directive.
func complete(t *testing.T, args ...string) ([]string, cobra.ShellCompDirective) {
	t.Helper()
	out, errOut, code := run(t, append([]string{cobra.ShellCompRequestCmd}, args...)...)
	if code != ExitOK {
		t.Fatalf("__complete %q: exit %d: %s", args, code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	last := lines[len(lines)-1]
	var d cobra.ShellCompDirective
	if _, err := fmt.Sscanf(last, ":%d", &d); err != nil {
		t.Fatalf("__complete %q: no directive line in %q", args, out)
	}
	var values []string
	for _, l := range lines[:len(lines)-1] {
		v, _, _ := strings.Cut(l, "\t")
		values = append(values, v)
	}
	return values, d
}

func TestCompleteFlagValues(t *testing.T) {
	drills := []string{"baseline", "stop-sender", "crash-sender", "partition", "all", "rolling-restart", "all-down", "slow-receiver", "prometheus-fanout"}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"-o", ""}, append(slices.Clone(statusFormats), templatePrefixes...)},
		{[]string{"--color", ""}, colorValues},
		{[]string{"status", "-o", ""}, []string{"text", "wide", "json", "yaml", "jsonpath=", "jsonpath-file=", "go-template=", "go-template-file="}},
		{[]string{"status", "--color", ""}, []string{"auto", "always", "never"}},
		{[]string{"ui", "--color", ""}, colorValues},
		{[]string{"lint", "-o", ""}, []string{"text", "json", "yaml", "sarif", "line", "github", "jsonpath=", "jsonpath-file=", "go-template=", "go-template-file="}},
		{[]string{"lint", "--fail-on", ""}, []string{"info", "warning", "error"}},
		{[]string{"snippets", "-o", ""}, []string{"text", "json", "yaml", "jsonpath=", "jsonpath-file=", "go-template=", "go-template-file="}},
		{[]string{"snippets", "--only", "flags,prometheus-s"}, []string{"flags,prometheus-static"}},
		{[]string{"snippets", "--only", "scenarios,watchdog-"}, []string{"scenarios,watchdog-rule", "scenarios,watchdog-route"}},
		{[]string{"drill", "-o", ""}, []string{"text", "json", "yaml", "junit", "jsonpath=", "jsonpath-file=", "go-template=", "go-template-file="}},
		{[]string{"drill", ""}, append([]string{"cleanup"}, drills...)},
		{[]string{"drill", "p"}, []string{"partition", "prometheus-fanout"}},
		{[]string{"version", "-o", ""}, []string{"text", "json", "yaml"}},
		// Subcommands; the hidden ones (sink, completion) are not offered.
		{[]string{""}, []string{"drill", "help", "lint", "options", "snippets", "status", "ui", "version"}},
		{[]string{"s"}, []string{"snippets", "status"}},
	} {
		got, d := complete(t, tc.args...)
		if !slices.Equal(got, tc.want) || d != cobra.ShellCompDirectiveNoFileComp {
			t.Errorf("%q: %q (directive %d), want %q and no files", tc.args, got, d, tc.want)
		}
	}
	// The template forms: a prefix goes without a trailing space; after a -file= prefix, the
	// files there; nothing inside a template being written.
	dir := t.TempDir()
	for _, f := range []string{"names.jsonpath", "names.tmpl", "sub/x.tmpl"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		args []string
		want []string
		d    cobra.ShellCompDirective
	}{
		{[]string{"status", "-o", "jsonp"}, []string{"jsonpath=", "jsonpath-file="}, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp},
		{[]string{"status", "-o", "js"}, []string{"json", "jsonpath=", "jsonpath-file="}, cobra.ShellCompDirectiveNoFileComp},
		{[]string{"lint", "-o", "go-template-file=" + dir + "/names."}, []string{"go-template-file=" + dir + "/names.jsonpath", "go-template-file=" + dir + "/names.tmpl"}, cobra.ShellCompDirectiveNoFileComp},
		{[]string{"drill", "-o", "jsonpath-file=" + dir + "/s"}, []string{"jsonpath-file=" + dir + "/sub/"}, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp},
		{[]string{"status", "-o", "jsonpath={.clus"}, nil, cobra.ShellCompDirectiveNoFileComp},
		{[]string{"version", "-o", ""}, []string{"text", "json", "yaml"}, cobra.ShellCompDirectiveNoFileComp},
	} {
		got, d := complete(t, tc.args...)
		if !slices.Equal(got, tc.want) || d != tc.d {
			t.Errorf("%q: %q (directive %d), want %q (directive %d)", tc.args, got, d, tc.want, tc.d)
		}
	}
	// Files for lint -f, and only those lint reads (directories too: the shell offers them).
	if got, d := complete(t, "lint", "-f", ""); d != cobra.ShellCompDirectiveFilterFileExt || !slices.Contains(got, "yaml") || !slices.Contains(got, "service") {
		t.Errorf("lint -f: %q (directive %d), want the extensions lint reads", got, d)
	}
}

// Every value offered is one the command takes.
func TestCompletedValuesAreAccepted(t *testing.T) {
	file := filepath.Join(t.TempDir(), "am.yml")
	if err := os.WriteFile(file, []byte("route:\n  receiver: x\nreceivers:\n- name: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, flag := range []string{"-o", "--fail-on", "--color"} {
		values, _ := complete(t, "lint", flag, "")
		for _, v := range values {
			if strings.HasSuffix(v, "=") {
				continue // a template prefix, to be continued
			}
			if _, errOut, code := run(t, "lint", "-f", file, flag, v); code == ExitNoCheck {
				t.Errorf("lint %s %s: %s", flag, v, errOut)
			}
		}
	}
	for _, cmd := range [][]string{{"snippets"}, {"version"}} {
		values, _ := complete(t, append(cmd, "-o", "")...)
		for _, v := range values {
			if strings.HasSuffix(v, "=") {
				continue
			}
			if _, errOut, code := run(t, append(cmd, "-o", v)...); code != ExitOK {
				t.Errorf("%s -o %s: exit %d: %s", cmd[0], v, code, errOut)
			}
		}
	}
}

// fakeAPIServer answers GETs of the paths given with their objects as JSON, anything else
// with 404, and writes a kubeconfig for it (context "rig", namespace monitoring).
func fakeAPIServer(t *testing.T, objects map[string]any) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		obj, ok := objects[r.URL.Path]
		if !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,"message":"%s not found"}`, r.URL.Path)
			return
		}
		if d, ok := obj.(time.Duration); ok { // a server that hangs that long
			select {
			case <-time.After(d):
			case <-r.Context().Done():
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(obj)
	}))
	t.Cleanup(srv.Close)
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: rig
  cluster: {server: %q}
users:
- name: amha
  user: {token: t0ken}
contexts:
- name: rig
  context: {cluster: rig, user: amha, namespace: monitoring}
- name: other
  context: {cluster: rig, user: amha, namespace: team-b}
current-context: rig
`, srv.URL)
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return kubeconfig
}

func amStatefulSet(ns, name, image string) appsv1.StatefulSet {
	return appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.StatefulSetSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "main", Image: image}},
		}}},
	}
}

func statefulSets(items ...appsv1.StatefulSet) *appsv1.StatefulSetList {
	return &appsv1.StatefulSetList{TypeMeta: metav1.TypeMeta{Kind: "StatefulSetList", APIVersion: "apps/v1"}, Items: items}
}

// NAME, -n, --context: completed from a kubeconfig and the API server it names, as a shell
// would ask for them.
func TestCompleteFromAPIServer(t *testing.T) {
	kubeconfig := fakeAPIServer(t, map[string]any{
		"/apis/apps/v1/namespaces/monitoring/statefulsets": statefulSets(
			amStatefulSet("monitoring", "alertmanager-main", "quay.io/prometheus/alertmanager:v0.31.1"),
			amStatefulSet("monitoring", "postgres", "postgres:16"),
			amStatefulSet("monitoring", "am", "quay.io/prometheus/alertmanager:v0.34.2")),
		"/apis/apps/v1/namespaces/team-b/statefulsets": statefulSets(
			amStatefulSet("team-b", "alerts", "quay.io/prometheus/alertmanager:v0.34.2")),
		"/apis/apps/v1/statefulsets": statefulSets(
			amStatefulSet("monitoring", "alertmanager-main", "quay.io/prometheus/alertmanager:v0.31.1"),
			amStatefulSet("team-b", "alerts", "quay.io/prometheus/alertmanager:v0.34.2")),
		"/apis/monitoring.coreos.com/v1/namespaces/monitoring/alertmanagers": map[string]any{
			"apiVersion": "monitoring.coreos.com/v1", "kind": "AlertmanagerList",
			"items": []any{map[string]any{"apiVersion": "monitoring.coreos.com/v1", "kind": "Alertmanager",
				"metadata": map[string]any{"namespace": "monitoring", "name": "main"}}},
		},
		"/api/v1/namespaces": &corev1.NamespaceList{TypeMeta: metav1.TypeMeta{Kind: "NamespaceList", APIVersion: "v1"},
			Items: []corev1.Namespace{{ObjectMeta: metav1.ObjectMeta{Name: "monitoring"}}, {ObjectMeta: metav1.ObjectMeta{Name: "team-b"}}, {ObjectMeta: metav1.ObjectMeta{Name: "default"}}}},
	})
	k := "--kubeconfig=" + kubeconfig
	for _, tc := range []struct {
		args []string
		want []string
	}{
		// The kubeconfig's namespace; postgres is no Alertmanager; main is the operator's object.
		{[]string{"status", k, ""}, []string{"alertmanager-main", "am", "main"}},
		{[]string{"status", k, "a"}, []string{"alertmanager-main", "am"}},
		{[]string{"ui", k, "m"}, []string{"main"}},
		{[]string{"status", k, "-n", "team-b", ""}, []string{"alerts"}},
		{[]string{"status", k, "--context", "other", ""}, []string{"alerts"}},
		{[]string{"status", k, "-A", ""}, []string{"alertmanager-main", "alerts"}},
		{[]string{"status", k, "am", ""}, nil}, // one NAME only
		{[]string{"drill", "baseline", k, ""}, []string{"alertmanager-main", "am", "main"}},
		{[]string{"drill", "baseline", k, "-n", "team-b", ""}, []string{"alerts"}},
		{[]string{"drill", "baseline", "am", k, ""}, nil},
		// snippets' own -n (default monitoring, for the generator) names the namespace only when given.
		{[]string{"snippets", k, "--context", "other", ""}, []string{"alerts"}},
		{[]string{"snippets", k, "--context", "other", "-n", "monitoring", "m"}, []string{"main"}},
		{[]string{k, "-n", ""}, []string{"default", "monitoring", "team-b"}},
		{[]string{"status", k, "-n", "t"}, []string{"team-b"}},
		{[]string{"snippets", k, "-n", "d"}, []string{"default"}},
		{[]string{k, "--context", ""}, []string{"other", "rig"}},
		{[]string{"lint", k, "--user", ""}, []string{"amha"}},
	} {
		got, d := complete(t, tc.args...)
		if !slices.Equal(got, tc.want) || d != cobra.ShellCompDirectiveNoFileComp {
			t.Errorf("%q: %q (directive %d), want %q and no files", tc.args, got, d, tc.want)
		}
	}
}

// A completion waits no longer than --request-timeout, and without a kubeconfig or an answer it
// offers nothing (no error on the terminal, no file names).
func TestCompleteBounded(t *testing.T) {
	hang := fakeAPIServer(t, map[string]any{
		"/apis/apps/v1/namespaces/monitoring/statefulsets":                   time.Minute,
		"/apis/monitoring.coreos.com/v1/namespaces/monitoring/alertmanagers": time.Minute,
		"/api/v1/namespaces": time.Minute,
	})
	for _, args := range [][]string{
		{"status", "--kubeconfig", hang, "--request-timeout", "1s", ""},
		{"--kubeconfig", hang, "--request-timeout", "1s", "-n", ""},
		{"status", "--kubeconfig", filepath.Join(t.TempDir(), "none"), ""},
	} {
		start := time.Now()
		got, d := complete(t, args...)
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%q took %s with --request-timeout 1s", args, took)
		}
		if len(got) != 0 || d != cobra.ShellCompDirectiveNoFileComp {
			t.Errorf("%q: %q (directive %d), want nothing and no files", args, got, d)
		}
	}
}

// The report for people is text in every command; table, its former name in status and drill,
// still gives the same report.
func TestTableIsText(t *testing.T) {
	file := filepath.Join(t.TempDir(), "am.yml")
	if err := os.WriteFile(file, []byte("route:\n  receiver: x\nreceivers:\n- name: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"status", "--url", "http://127.0.0.1:1", "--color", "never"}, // nothing answers: the report still prints
		{"lint", "-f", file, "--color", "never"},
		{"snippets", "--only", "cluster-flags"},
		{"drill"},
		{"version"},
	} {
		text, _, textCode := run(t, append(args, "-o", "text")...)
		table, errOut, tableCode := run(t, append(args, "-o", "table")...)
		def, _, defCode := run(t, args...)
		if text == "" || table != text || def != text || tableCode != textCode || defCode != textCode {
			t.Errorf("%q: -o table (exit %d, %s) or the default (exit %d) differ from -o text (exit %d):\n%s\n---\n%s", args, tableCode, errOut, defCode, textCode, table, text)
		}
	}
}
