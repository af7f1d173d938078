package lint

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/suppress"
)

// helm3 is the community chart rendered with 3 replicas: warnings k8s/pdb (at replicas:),
// k8s/spread (at the pod spec), cluster/label-missing and cluster/reconnect-timeout (at the
// container's args), config/no-watchdog (in the ConfigMap's alertmanager.yml) and infos.
const helm3 = "helm-3-replicas.yaml"

// lintText lints one file of text named name.
func lintText(t *testing.T, name, text string, o Options) (*Result, error) {
	t.Helper()
	return LintWith([]Input{{Name: name, Data: []byte(text), Explicit: true}}, o)
}

// edit replaces old (which must occur) by new once.
func edit(t *testing.T, text, old, new string) string {
	t.Helper()
	if !strings.Contains(text, old) {
		t.Fatalf("%q is not in the text", old)
	}
	return strings.Replace(text, old, new, 1)
}

// lineOf is the 1-based line of the first occurrence of s in text.
func lineOf(text, s string) int { return strings.Count(text[:strings.Index(text, s)], "\n") + 1 }

// suppressedBy is "id by reason" for each suppressed finding, sorted.
func suppressedBy(r *Result) []string {
	var out []string
	for _, s := range r.Suppressed {
		out = append(out, s.ID+" by "+s.SuppressedBy.String())
	}
	sort.Strings(out)
	return out
}

func ids(fs []model.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

func TestSuppressNothingKeepsEveryFinding(t *testing.T) {
	r, err := lintText(t, helm3, testdataText(t, "k8s", helm3), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"k8s/pdb", "k8s/spread", "config/no-watchdog", "cluster/label-missing"} {
		if !slices.Contains(ids(r.Findings), id) {
			t.Errorf("%s not found without suppression: %v", id, ids(r.Findings))
		}
	}
	if len(r.Suppressed) != 0 {
		t.Errorf("suppressed without any rule: %v", suppressedBy(r))
	}
}

func TestSuppressByAnnotation(t *testing.T) {
	text := edit(t, testdataText(t, "k8s", helm3), "kind: StatefulSet\nmetadata:\n",
		"kind: StatefulSet\nmetadata:\n  annotations:\n    amha.dev/ignore: \"k8s/pdb, k8s/spread\"\n")
	r, err := lintText(t, helm3, text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"k8s/pdb by annotation on StatefulSet monitoring/alertmanager", "k8s/spread by annotation on StatefulSet monitoring/alertmanager"}
	if got := suppressedBy(r); !slices.Equal(got, want) {
		t.Errorf("suppressed = %v, want %v", got, want)
	}
	for _, id := range []string{"k8s/pdb", "k8s/spread"} {
		if slices.Contains(ids(r.Findings), id) {
			t.Errorf("%s still among the findings", id)
		}
	}
	// The annotation names ids of its own object only: the ConfigMap's finding stays.
	if !slices.Contains(ids(r.Findings), "config/no-watchdog") {
		t.Errorf("config/no-watchdog was suppressed too: %v", ids(r.Findings))
	}
}

func TestSuppressAnnotationOnEmbeddingObject(t *testing.T) {
	// A finding in the alertmanager.yml of a ConfigMap points at the ConfigMap's data: the
	// ConfigMap's annotation accepts it.
	text := edit(t, testdataText(t, "k8s", helm3), "kind: ConfigMap\nmetadata:\n",
		"kind: ConfigMap\nmetadata:\n  annotations:\n    amha.dev/ignore: config/no-watchdog\n")
	r, err := lintText(t, helm3, text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := suppressedBy(r), []string{"config/no-watchdog by annotation on ConfigMap monitoring/alertmanager"}; !slices.Equal(got, want) {
		t.Errorf("suppressed = %v, want %v", got, want)
	}
}

func TestSuppressByComment(t *testing.T) {
	base := testdataText(t, "k8s", helm3)
	for _, tc := range []struct {
		name, old, new string
		want           []string // id, and the comment's text to find its line
	}{
		{"end of the finding's line", "  replicas: 3\n", "  replicas: 3 # amha: ignore k8s/pdb; two replicas may go in a drain, agreed\n",
			[]string{"k8s/pdb", "# amha: ignore k8s/pdb"}},
		{"line above the finding", "  replicas: 3\n", "  # amha: ignore k8s/pdb\n  replicas: 3\n",
			[]string{"k8s/pdb", "# amha: ignore k8s/pdb"}},
		{"several ids", "      automountServiceAccountToken: true\n      serviceAccountName: alertmanager\n",
			"      # amha: ignore k8s/spread,k8s/pdb\n      automountServiceAccountToken: true\n      serviceAccountName: alertmanager\n",
			[]string{"k8s/spread", "# amha: ignore k8s/spread"}},
		{"top of the document", "# Source: alertmanager/templates/statefulset.yaml\n",
			"# Source: alertmanager/templates/statefulset.yaml\n# amha: ignore cluster/label-missing\n",
			[]string{"cluster/label-missing", "# amha: ignore cluster/label-missing"}},
		{"top of an embedded alertmanager.yml", "  alertmanager.yml: |\n    global: {}\n",
			"  alertmanager.yml: |\n    # amha: ignore config/no-watchdog\n    global: {}\n",
			[]string{"config/no-watchdog", "# amha: ignore config/no-watchdog"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := edit(t, base, tc.old, tc.new)
			r, err := lintText(t, helm3, text, Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("%s by comment at %s:%d", tc.want[0], helm3, lineOf(text, tc.want[1]))
			if got := suppressedBy(r); !slices.Equal(got, []string{want}) {
				t.Errorf("suppressed = %v, want [%s]", got, want)
			}
			if slices.Contains(ids(r.Findings), tc.want[0]) {
				t.Errorf("%s still among the findings", tc.want[0])
			}
		})
	}
}

func TestSuppressCommentScope(t *testing.T) {
	base := testdataText(t, "k8s", helm3)
	// On another line of the document: accepts nothing.
	text := edit(t, base, "  minReadySeconds: 0\n", "  minReadySeconds: 0 # amha: ignore k8s/pdb\n")
	r, err := lintText(t, helm3, text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Suppressed) != 0 || !slices.Contains(ids(r.Findings), "k8s/pdb") {
		t.Errorf("a comment two lines below the finding suppressed it: %v", suppressedBy(r))
	}
	// At the top of one document: not the next.
	text = edit(t, base, "# Source: alertmanager/templates/configmap.yaml\n",
		"# Source: alertmanager/templates/configmap.yaml\n# amha: ignore k8s/pdb,k8s/spread\n")
	if r, err = lintText(t, helm3, text, Options{}); err != nil {
		t.Fatal(err)
	}
	if len(r.Suppressed) != 0 {
		t.Errorf("the top of the ConfigMap's document suppressed the StatefulSet's findings: %v", suppressedBy(r))
	}
}

func TestSuppressBadComment(t *testing.T) {
	base := testdataText(t, "k8s", helm3)
	for _, tc := range []struct {
		name, old, new, want, at string
	}{
		{"unknown id", "  replicas: 3\n", "  replicas: 3 # amha: ignore k8s/pbd\n", `unknown finding id "k8s/pbd"`, "k8s/pbd"},
		{"no id", "  replicas: 3\n", "  # amha: ignore\n  replicas: 3\n", "no finding id", "# amha: ignore\n"},
		{"followed by a blank line", "  replicas: 3\n", "  replicas: 3\n  # amha: ignore k8s/pdb\n\n", "followed by a blank line", "# amha"},
		{"unknown id in an annotation", "kind: StatefulSet\nmetadata:\n", "kind: StatefulSet\nmetadata:\n  annotations:\n    amha.dev/ignore: k8s/nope\n", `unknown finding id "k8s/nope"`, "k8s/nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := edit(t, base, tc.old, tc.new)
			_, err := lintText(t, helm3, text, Options{})
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want an input error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
			if at := lineOf(text, tc.at); ie.File != helm3 || ie.Line != at {
				t.Errorf("err at %s:%d, want %s:%d", ie.File, ie.Line, helm3, at)
			}
		})
	}
}

func TestSuppressByOptions(t *testing.T) {
	var rules suppress.Rules
	rules.Disable([]string{"k8s/spread"}, model.Suppression{By: suppress.ByFlag, Where: "--disable"})
	rules.Disable([]string{"config/no-watchdog"}, model.Suppression{By: suppress.ByConfig, Where: ".amha.yaml"})
	r, err := lintText(t, helm3, testdataText(t, "k8s", helm3), Options{Suppress: &rules})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"config/no-watchdog by config file .amha.yaml", "k8s/spread by --disable"}
	if got := suppressedBy(r); !slices.Equal(got, want) {
		t.Errorf("suppressed = %v, want %v", got, want)
	}
}

// On a prometheus-operator Alertmanager object the annotation accepts the findings about the
// pods the operator renders from it, as on a StatefulSet.
func TestSuppressAnnotationOnOperatorObject(t *testing.T) {
	const name = "operator-object.yaml"
	text := edit(t, testdataText(t, "k8s", name), "kind: Alertmanager\nmetadata:\n",
		"kind: Alertmanager\nmetadata:\n  annotations:\n    amha.dev/ignore: k8s/spread,k8s/storage\n")
	r, err := lintText(t, name, text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"k8s/spread by annotation on Alertmanager monitoring/main", "k8s/storage by annotation on Alertmanager monitoring/main"}
	if got := suppressedBy(r); !slices.Equal(got, want) {
		t.Errorf("suppressed = %v, want %v; findings %v", got, want, ids(r.Findings))
	}
}

// A directory walk leaves amha's own config file out: it is no input to lint.
func TestReadInputsSkipsConfigFile(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{suppress.ConfigFile: "disable: [k8s/pdb]\n", "am.yaml": "route: {receiver: r}\nreceivers: [{name: r}]\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ins, err := ReadInputs([]string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 1 || filepath.Base(ins[0].Name) != "am.yaml" {
		t.Errorf("inputs %v, want am.yaml alone", ins)
	}
}

// A comment indented deeper than the key below it (yaml.v3 keeps it as the foot comment of the
// key above) is still about the line right below it.
func TestSuppressCommentIndentedAboveKey(t *testing.T) {
	text := "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: am\n  namespace: monitoring\n  # amha: ignore k8s/spread\nspec:\n  replicas: 3\n  serviceName: am\n  selector: {matchLabels: {app: am}}\n  template:\n    metadata: {labels: {app: am}}\n    spec:\n      containers:\n      - name: alertmanager\n        image: quay.io/prometheus/alertmanager:v0.31.1\n        args: [--cluster.peer=am-0.am:9094]\n"
	res, err := Lint([]Input{{Name: "am.yaml", Data: []byte(text), Explicit: true}})
	if err != nil {
		t.Fatalf("indented comment above spec: %v", err)
	}
	// k8s/spread points at spec.template.spec (line 14), not at spec: the comment covers
	// line 7 only, as documented, and is no error.
	if len(res.Findings) == 0 {
		t.Fatal("no findings")
	}
}
