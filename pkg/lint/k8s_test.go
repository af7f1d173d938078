package lint

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// k8sTestLoad reads testdata/k8s files into one Set, as `lint -f a.yaml -f b.yaml` would.
func k8sTestLoad(t *testing.T, files ...string) *Set {
	t.Helper()
	return loadTestdata(t, "k8s", files...)
}

// k8sTestRun runs every k8s/* check and fills in the ids as Run does.
func k8sTestRun(s *Set) []model.Finding {
	return runChecks(s, k8sChecks())
}

func k8sTestIDs(fs []model.Finding) string {
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.Severity.String()+" "+f.ID)
	}
	sort.Strings(ids)
	return strings.Join(ids, ", ")
}

// TestK8sFindingsPerInput pins every k8s/* finding of each realistic input: what must fire and,
// by omission, what must stay quiet.
func TestK8sFindingsPerInput(t *testing.T) {
	for _, tc := range []struct {
		files []string
		want  []string // "severity id", any order
	}{
		// helm template of the community chart, replicaCount 1: not HA, nothing to say.
		{[]string{"helm-1-replica.yaml"}, nil},
		// replicaCount 3: no budget, no spread, OrderedReady, no publishNotReadyAddresses. The
		// chart's PVC, its probes on / and v0.28 (no --dispatch.start-delay yet) are fine.
		{[]string{"helm-3-replicas.yaml"}, []string{"info k8s/ordered-ready", "info k8s/publish-not-ready", "warning k8s/pdb", "warning k8s/spread"}},
		// The corrected versions give nothing.
		{[]string{"helm-3-replicas-fixed.yaml"}, nil},
		{[]string{"snippets-statefulset.yaml"}, nil},
		{[]string{"operator-object-fixed.yaml"}, nil},
		// What prometheus-operator generates: its governing Service, Parallel and probes are right.
		{[]string{"operator-statefulset.yaml"}, []string{"info k8s/start-delay", "warning k8s/pdb", "warning k8s/spread", "warning k8s/storage"}},
		{[]string{"operator-object.yaml"}, []string{"info k8s/pdb", "info k8s/start-delay", "warning k8s/spread", "warning k8s/storage"}},
		// Object and generated StatefulSet together: findings go to the object only.
		{[]string{"operator-object.yaml", "operator-statefulset.yaml"}, []string{"info k8s/start-delay", "warning k8s/pdb", "warning k8s/spread", "warning k8s/storage"}},
		{[]string{"service-clusterip.yaml"}, []string{"error k8s/service-not-headless", "warning k8s/pdb", "warning k8s/spread"}},
		{[]string{"parallel-no-publish.yaml"}, []string{"warning k8s/publish-not-ready"}},
		{[]string{"deployment-3-replicas.yaml"}, []string{"warning k8s/deployment", "warning k8s/storage"}},
		{[]string{"mesh-tcp-only.yaml"}, []string{"error k8s/mesh-port-udp", "info k8s/mesh-port-udp", "info k8s/mesh-port-udp"}},
		{[]string{"pdb-blocks-drain.yaml"}, []string{"info k8s/pdb"}},
		{[]string{"probes-v1-api.yaml"}, []string{"error k8s/probes", "info k8s/pdb", "warning k8s/probes", "warning k8s/spread"}},
		{[]string{"probes-route-prefix.yaml"}, []string{"info k8s/probes", "warning k8s/pdb", "warning k8s/pdb", "warning k8s/probes", "warning k8s/spread", "warning k8s/spread"}},
		{[]string{"storage-no-volume.yaml"}, []string{"info k8s/pdb", "warning k8s/spread", "warning k8s/storage"}},
	} {
		t.Run(strings.Join(tc.files, "+"), func(t *testing.T) {
			sort.Strings(tc.want)
			got := k8sTestIDs(k8sTestRun(k8sTestLoad(t, tc.files...)))
			if want := strings.Join(tc.want, ", "); got != want {
				t.Errorf("findings:\n got: %s\nwant: %s", got, want)
			}
		})
	}
}

// TestK8sChecksFire pins severity, the first location and the gist of each message.
func TestK8sChecksFire(t *testing.T) {
	for _, tc := range []struct {
		file, id string
		sev      model.Severity
		line     int
		col      int
		phrase   string
	}{
		{"service-clusterip.yaml", "k8s/service-not-headless", model.Error, 9, 3, "peers alertmanager-0.alertmanager:9094, alertmanager-1.alertmanager:9094 do not resolve"},
		{"parallel-no-publish.yaml", "k8s/publish-not-ready", model.Warning, 9, 3, "at a full restart none can resolve another"},
		{"helm-3-replicas.yaml", "k8s/publish-not-ready", model.Info, 79, 3, "With podManagementPolicy OrderedReady each pod starts after the ones before it are Ready"},
		{"helm-3-replicas.yaml", "k8s/ordered-ready", model.Info, 110, 3, "podManagementPolicy is OrderedReady (the default)"},
		{"helm-3-replicas.yaml", "k8s/spread", model.Warning, 126, 7, "Nothing spreads the 3 replicas"},
		{"helm-3-replicas.yaml", "k8s/pdb", model.Warning, 110, 13, "No PodDisruptionBudget selects the 3 replicas"},
		{"operator-object.yaml", "k8s/pdb", model.Info, 15, 13, "a budget may exist elsewhere"},
		{"pdb-blocks-drain.yaml", "k8s/pdb", model.Info, 8, 17, "allows 0 evictions of the 2 replicas (minAvailable: 100%)"},
		{"deployment-3-replicas.yaml", "k8s/deployment", model.Warning, 18, 7, "runs as a Deployment of 3 replicas"},
		{"deployment-3-replicas.yaml", "k8s/deployment", model.Warning, 18, 7, "until a re-resolution of the peer name (every 15s) finds the other pods and joins them"},
		{"parallel-no-publish.yaml", "k8s/publish-not-ready", model.Warning, 9, 3, "until a pod is Ready and the others' next re-resolution of their peer names (every 15s) joins them to it"},
		{"parallel-no-publish.yaml", "k8s/publish-not-ready", model.Warning, 9, 3, "the others cannot join it, but it joins them itself once their names resolve"},
		{"mesh-tcp-only.yaml", "k8s/mesh-port-udp", model.Error, 28, 3, "reach alertmanager-1 on the mesh port 9094 over TCP but not over UDP"},
		{"mesh-tcp-only.yaml", "k8s/mesh-port-udp", model.Info, 15, 5, "This alone blocks nothing"},
		{"mesh-tcp-only.yaml", "k8s/mesh-port-udp", model.Info, 72, 21, "declares the mesh port 9094 over TCP only"},
		{"deployment-3-replicas.yaml", "k8s/storage", model.Warning, 53, 9, `(--storage.path /data) are on the emptyDir volume "data"`},
		{"operator-statefulset.yaml", "k8s/storage", model.Warning, 177, 9, `emptyDir volume "alertmanager-main-db"`},
		{"operator-object.yaml", "k8s/storage", model.Warning, 13, 3, "on an emptyDir (the operator's default without spec.storage)"},
		{"storage-no-volume.yaml", "k8s/storage", model.Warning, 25, 11, "on the container's own filesystem"},
		{"probes-v1-api.yaml", "k8s/probes", model.Warning, 32, 13, "/api/v1/status is the v1 API, which answers 410 Gone from v0.27"},
		{"probes-v1-api.yaml", "k8s/probes", model.Error, 36, 13, `port "web" is not a port name of the container`},
		{"probes-route-prefix.yaml", "k8s/probes", model.Warning, 34, 20, "no page /-/ready (its routes are under the prefix /alertmanager)"},
		{"probes-route-prefix.yaml", "k8s/probes", model.Info, 61, 9, "has no readinessProbe"},
		{"operator-statefulset.yaml", "k8s/start-delay", model.Info, 106, 9, "Alertmanager v0.31.1 runs without --dispatch.start-delay"},
		{"operator-object.yaml", "k8s/start-delay", model.Info, 13, 3, "up to 2m at Prometheus' defaults"},
		{"operator-object.yaml", "k8s/start-delay", model.Info, 13, 3, "a new group whose first alert started more than group_wait ago (re-sent alerts keep their start time) is flushed at once"},
		{"operator-object.yaml", "k8s/start-delay", model.Info, 13, 3, "a partial group goes out as it is when the log has no entry for it (a new group, or every replica lost its log) or it holds an alert the log lacks"},
		{"operator-object.yaml", "k8s/start-delay", model.Info, 13, 3, "a group holding only resolved alerts where the log has firing ones goes out as all resolved"},
	} {
		t.Run(tc.id+" "+tc.file, func(t *testing.T) {
			var hits []model.Finding
			for _, f := range k8sTestRun(k8sTestLoad(t, tc.file)) {
				if f.ID == tc.id && f.Severity == tc.sev && strings.Contains(f.Message, tc.phrase) {
					hits = append(hits, f)
				}
			}
			if len(hits) != 1 {
				t.Fatalf("want one %s %s saying %q, got %d", tc.sev, tc.id, tc.phrase, len(hits))
			}
			l := hits[0].Locations[0]
			if l.Line != tc.line || l.Column != tc.col {
				t.Errorf("first location %s, want line %d column %d", l, tc.line, tc.col)
			}
		})
	}
}

// TestK8sFixes: the fix names where to change it (the operator object, the chart's values).
func TestK8sFixes(t *testing.T) {
	for _, tc := range []struct{ file, id, phrase string }{
		{"operator-statefulset.yaml", "k8s/storage", "from the Alertmanager object main and reverts edits: set spec.storage.volumeClaimTemplate there"},
		{"operator-object.yaml", "k8s/start-delay", "spec.minReadySeconds: 120"},
		{"operator-object.yaml", "k8s/start-delay", "when it is position 0, position 1 sends in its place, one peer timeout (15s) late"},
		{"operator-statefulset.yaml", "k8s/start-delay", "With fixed names (--cluster.peer-name) a restarted replica keeps its position"},
		{"operator-statefulset.yaml", "k8s/start-delay", "when it is position 0, position 1 sends in its place, one --cluster.peer-timeout (15s) late"},
		{"helm-3-replicas.yaml", "k8s/pdb", "Helm chart values: podDisruptionBudget: {maxUnavailable: 1}"},
		{"helm-3-replicas.yaml", "k8s/pdb", "matchLabels: {app.kubernetes.io/instance: alertmanager, app.kubernetes.io/name: alertmanager}"},
		{"helm-3-replicas.yaml", "k8s/ordered-ready", "--cascade=orphan"},
		{"service-clusterip.yaml", "k8s/service-not-headless", "delete the Service and create it again"},
	} {
		found := false
		for _, f := range k8sTestRun(k8sTestLoad(t, tc.file)) {
			if f.ID == tc.id && strings.Contains(f.Fix, tc.phrase) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s %s: no fix saying %q", tc.file, tc.id, tc.phrase)
		}
	}
}

// TestK8sQuietCases: conditions under which a check must not fire.
func TestK8sQuietCases(t *testing.T) {
	for _, tc := range []struct{ name, text string }{
		{"start-delay before v0.30", strings.Replace(testdataText(t, "k8s", "operator-statefulset.yaml"), "alertmanager:v0.31.1", "alertmanager:v0.29.0", 1)},
		{"start-delay of an unknown version", strings.Replace(testdataText(t, "k8s", "operator-statefulset.yaml"), "alertmanager:v0.31.1", "alertmanager:latest", 1)},
		{"spread by a soft anti-affinity on zones", strings.Replace(testdataText(t, "k8s", "helm-3-replicas-fixed.yaml"), "kubernetes.io/hostname", "topology.kubernetes.io/zone", 1)},
		{"pdb with maxUnavailable 34%", strings.Replace(testdataText(t, "k8s", "pdb-blocks-drain.yaml"), "minAvailable: 100%", "maxUnavailable: 34%", 1)},
		{"probes on the v1 API before v0.27", strings.Replace(strings.Replace(testdataText(t, "k8s", "probes-v1-api.yaml"), "v0.28.1", "v0.26.0", 1), "port: web", "port: http", 1)},
		{"clustering off", strings.Replace(testdataText(t, "k8s", "parallel-no-publish.yaml"), "--cluster.listen-address=[$(POD_IP)]:9094", "--cluster.listen-address=", 1)},
	} {
		s, err := Load([]Input{{Name: tc.name, Data: []byte(tc.text), Explicit: true}})
		if err != nil {
			t.Fatal(err)
		}
		fs := k8sTestRun(s)
		var bad []model.Finding
		for _, f := range fs {
			switch {
			case tc.name == "start-delay before v0.30" || tc.name == "start-delay of an unknown version":
				if f.ID == "k8s/start-delay" {
					bad = append(bad, f)
				}
			case tc.name == "spread by a soft anti-affinity on zones":
				if f.ID == "k8s/spread" {
					bad = append(bad, f)
				}
			case tc.name == "pdb with maxUnavailable 34%":
				if f.ID == "k8s/pdb" {
					bad = append(bad, f)
				}
			case tc.name == "probes on the v1 API before v0.27":
				if f.ID == "k8s/probes" {
					bad = append(bad, f)
				}
			default:
				bad = append(bad, f)
			}
		}
		if len(bad) > 0 {
			t.Errorf("%s: unexpected %s: %s", tc.name, k8sTestIDs(bad), bad[0].Message)
		}
	}
}

// TestK8sStorageOperator: each storage of an Alertmanager object is named as it is.
func TestK8sStorageOperator(t *testing.T) {
	base := testdataText(t, "k8s", "operator-object.yaml")
	for _, tc := range []struct {
		name, storage string
		line, col     int
		phrase        string // "" when the check must stay quiet
	}{
		{"no spec.storage", "", 13, 3, "on an emptyDir (the operator's default without spec.storage)"},
		{"spec.storage.emptyDir", "  storage:\n    emptyDir: {}\n", 14, 5, "on an emptyDir (spec.storage.emptyDir),"},
		{"spec.storage.ephemeral", "  storage:\n    ephemeral:\n      volumeClaimTemplate: {spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}\n", 14, 5,
			"on a generic ephemeral volume (spec.storage.ephemeral), lost when the pods are deleted"},
		{"emptyDir beside a volumeClaimTemplate", "  storage:\n    volumeClaimTemplate: {spec: {resources: {requests: {storage: 1Gi}}}}\n    emptyDir: {}\n", 15, 5,
			"on an emptyDir (spec.storage.emptyDir, which the operator uses instead of the volumeClaimTemplate also set there)"},
		{"spec.storage.volumeClaimTemplate", "  storage:\n    volumeClaimTemplate: {spec: {resources: {requests: {storage: 1Gi}}}}\n", 0, 0, ""},
		{"spec.storage without a volume: an empty claim template", "  storage:\n    disableMountSubPath: true\n", 0, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(base, "spec:\n", "spec:\n"+tc.storage, 1)
			s, err := Load([]Input{{Name: "operator-object.yaml", Data: []byte(text), Explicit: true}})
			if err != nil {
				t.Fatal(err)
			}
			oneFindingAt(t, k8sTestRun(s), "k8s/storage", tc.phrase, tc.line, tc.col)
		})
	}
}

// TestK8sStartDelayRandomNames: without --cluster.peer-name a restarted replica goes last, and
// the fix says so instead of the peer-timeout delay of fixed names.
func TestK8sStartDelayRandomNames(t *testing.T) {
	text := strings.Replace(testdataText(t, "k8s", "operator-statefulset.yaml"), "        - --cluster.peer-name=$(POD_NAME)\n", "", 1)
	s, err := Load([]Input{{Name: "operator-statefulset.yaml", Data: []byte(text), Explicit: true}})
	if err != nil {
		t.Fatal(err)
	}
	var fix string
	for _, f := range k8sTestRun(s) {
		if f.ID == "k8s/start-delay" {
			fix = f.Fix
		}
	}
	if !strings.Contains(fix, "takes a new random name and goes last in position order") || strings.Contains(fix, "keeps its position") {
		t.Errorf("fix without --cluster.peer-name: %q", fix)
	}
}

// testSentence: a finding's message starts with a capital letter and ends with a period.
func testSentence(m string) bool {
	r, _ := utf8.DecodeRuneInString(m)
	return unicode.IsUpper(r) && strings.HasSuffix(m, ".")
}

// TestK8sLive: objects read from a cluster carry no file position; the checks point at the
// object and field instead, and a missing budget is certain.
func TestK8sLive(t *testing.T) {
	var sts appsv1.StatefulSet
	var svc corev1.Service
	for _, doc := range strings.Split(testdataText(t, "k8s", "helm-3-replicas.yaml"), "\n---\n") {
		switch {
		case strings.Contains(doc, "kind: StatefulSet"):
			if err := sigsyaml.Unmarshal([]byte(doc), &sts); err != nil {
				t.Fatal(err)
			}
		case strings.Contains(doc, "name: alertmanager-headless"):
			if err := sigsyaml.Unmarshal([]byte(doc), &svc); err != nil {
				t.Fatal(err)
			}
		}
	}
	s, err := LiveSet([]LiveObject{{APIVersion: "apps/v1", Kind: "StatefulSet", Object: &sts}, {APIVersion: "v1", Kind: "Service", Object: &svc}}, "")
	if err != nil {
		t.Fatal(err)
	}
	fs := k8sTestRun(s)
	if got, want := k8sTestIDs(fs), "info k8s/ordered-ready, info k8s/publish-not-ready, warning k8s/pdb, warning k8s/spread"; got != want {
		t.Fatalf("live findings: %s, want %s", got, want)
	}
	for _, f := range fs {
		l := f.Locations[0]
		if l.File != "" || l.Line != 0 || l.Object == "" || l.Path == "" {
			t.Errorf("%s: live location %+v, want object and path only", f.ID, l)
		}
		if f.ID == "k8s/pdb" && (l.Object != "StatefulSet monitoring/alertmanager" || l.Path != "spec.replicas") {
			t.Errorf("k8s/pdb at %s, want StatefulSet monitoring/alertmanager spec.replicas", l)
		}
	}
}

// TestK8sFindingsAreComplete: every finding says what, why, where and how to fix it.
func TestK8sFindingsAreComplete(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "k8s", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatal("no testdata", err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	for _, f := range k8sTestRun(k8sTestLoad(t, names...)) {
		what := fmt.Sprintf("%s %v", f.ID, f.Objects)
		if f.Message == "" || f.Fix == "" || len(f.Objects) == 0 || f.Symptoms == nil {
			t.Errorf("%s: incomplete finding %+v", what, f)
		}
		if len(f.Locations) == 0 || f.Locations[0].Line == 0 || f.Locations[0].Path == "" {
			t.Errorf("%s: location %v, want a line and a field path", what, f.Locations)
		}
		if !testSentence(f.Message) {
			t.Errorf("%s: message does not start with a capital letter and end with a period: %q", what, f.Message)
		}
	}
}

// TestK8sOperatorPodLabels: a PodDisruptionBudget and a topology spread that select the pods
// by the operator's whole StatefulSet selector (app.kubernetes.io/managed-by among it, as
// `kubectl amha snippets` writes them from the live StatefulSet) select the Alertmanager
// object's pods: the operator puts that label on them.
func TestK8sOperatorPodLabels(t *testing.T) {
	const sel = "{matchLabels: {alertmanager: main, app.kubernetes.io/instance: main, app.kubernetes.io/managed-by: prometheus-operator, app.kubernetes.io/name: alertmanager}}"
	text := `apiVersion: monitoring.coreos.com/v1
kind: Alertmanager
metadata: {name: main, namespace: monitoring}
spec:
  replicas: 3
  topologySpreadConstraints:
  - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: ` + sel + `}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: alertmanager-main, namespace: monitoring}
spec: {maxUnavailable: 1, selector: ` + sel + `}
`
	s, err := Load([]Input{{Name: "operator-patched.yaml", Data: []byte(text), Explicit: true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range k8sTestRun(s) {
		if f.ID == "k8s/pdb" || f.ID == "k8s/spread" {
			t.Errorf("unexpected %s: %s", f.ID, f.Message)
		}
	}
}
