package snippets

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	dynfake "k8s.io/client-go/dynamic/fake"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/kubernetes/scheme"
	k8stesting "k8s.io/client-go/testing"

	"github.com/amha-dev/kubectl-amha/pkg/kube"
)

// shape decodes one of the rig's manifests into a Live in namespace monitoring.
func shape(t *testing.T, file, source string) Live {
	t.Helper()
	b, err := os.ReadFile("../../test/rig/manifests/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var l Live
	for _, d := range strings.Split(string(b), "\n---\n") {
		obj, _, err := scheme.Codecs.UniversalDeserializer().Decode([]byte(d), nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		switch o := obj.(type) {
		case *appsv1.StatefulSet:
			o.Namespace = "monitoring"
			l.Found = kube.Found{Namespace: "monitoring", Name: o.Name, Source: source, StatefulSet: o, Container: "alertmanager"}
		case *corev1.Service:
			o.Namespace = "monitoring"
			l.Services = append(l.Services, *o)
		}
	}
	if l.Found.StatefulSet == nil {
		t.Fatalf("%s: no StatefulSet", file)
	}
	return l
}

func patchesOf(t *testing.T, l Live, s Spec) map[string]Snippet {
	t.Helper()
	out, err := Patches(l, s)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]Snippet{}
	for _, sn := range out {
		if sn.Group != "patch" || !slices.Contains(PatchIDs, sn.ID) {
			t.Errorf("snippet %s group %s: not a patch id", sn.ID, sn.Group)
		}
		if _, dup := m[sn.ID]; dup {
			t.Errorf("snippet %s twice", sn.ID)
		}
		m[sn.ID] = sn
	}
	return m
}

func ids(m map[string]Snippet) []string {
	var out []string
	for _, id := range PatchIDs {
		if _, ok := m[id]; ok {
			out = append(out, id)
		}
	}
	return out
}

// patchArg is the JSON after -p in a kubectl patch command, unquoted.
func patchArg(t *testing.T, content string) []byte {
	t.Helper()
	i := strings.Index(content, " -p '")
	j := strings.LastIndex(content, "'")
	if i < 0 || j <= i+5 {
		t.Fatalf("no -p '...' in:\n%s", content)
	}
	return []byte(strings.ReplaceAll(content[i+5:j], `'\''`, `'`))
}

// applyJSONPatch applies a snippet's JSON patch to obj and decodes the result strictly into out.
func applyJSONPatch(t *testing.T, obj any, content string, out any) {
	t.Helper()
	live, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	p, err := jsonpatch.DecodePatch(patchArg(t, content))
	if err != nil {
		t.Fatalf("not an RFC 6902 patch: %v\n%s", err, content)
	}
	j, err := p.Apply(live)
	if err != nil {
		t.Fatalf("the patch does not apply: %v\n%s", err, content)
	}
	strict(t, j, out)
}

func strict(t *testing.T, j []byte, out any) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(j))
	d.DisallowUnknownFields()
	if err := d.Decode(out); err != nil {
		t.Fatalf("patched object does not decode strictly: %v", err)
	}
}

// generatedFlags are the --cluster.* args Generate writes for s, with the peers renamed to the
// live StatefulSet and governing Service.
func generatedFlags(t *testing.T, s Spec, sts, svc string) []string {
	t.Helper()
	all, err := Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, sn := range all {
		if sn.ID != "statefulset" {
			continue
		}
		for _, d := range splitDocs(sn.Content) {
			var ss appsv1.StatefulSet
			if !strings.Contains(d, "kind: StatefulSet") {
				continue
			}
			if err := decodeStrict(d, &ss); err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, a := range ss.Spec.Template.Spec.Containers[0].Args {
				if strings.HasPrefix(a, "--cluster.") {
					for i := range s.Replicas {
						a = strings.Replace(a, s.Pod(i)+"."+s.Service()+":", fmt.Sprintf("%s-%d.%s:", sts, i, svc), 1)
					}
					out = append(out, a)
				}
			}
			return out
		}
	}
	t.Fatal("Generate wrote no StatefulSet")
	return nil
}

func clusterArgsOf(args []string) []string {
	var out []string
	for _, a := range args {
		if strings.HasPrefix(a, "--cluster.") {
			out = append(out, a)
		}
	}
	return out
}

func otherArgsOf(args []string) []string {
	var out []string
	for _, a := range args {
		if !strings.HasPrefix(a, "--cluster.") {
			out = append(out, a)
		}
	}
	return out
}

func sameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	g, w := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(g, w) {
		t.Errorf("%s:\n got  %q\n want %q", what, g, w)
	}
}

func without(list []string, drop ...string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(a string) bool {
		for _, d := range drop {
			if strings.HasPrefix(a, d) {
				return true
			}
		}
		return false
	})
}

func TestLiveSpec(t *testing.T) {
	for _, c := range []struct {
		file, source, name string
	}{{"operator-shape.yaml", "prometheus-operator", "main"}, {"helm-shape.yaml", "helm", "alertmanager"}} {
		s := LiveSpec(shape(t, c.file, c.source))
		if s.Name != c.name || s.Namespace != "monitoring" || s.Replicas != 3 || s.Version != "v0.31.1" || s.Timing.PeerTimeout != 15*time.Second {
			t.Errorf("%s: %+v", c.file, s)
		}
	}
	for image, want := range map[string]string{
		"quay.io/prometheus/alertmanager:v0.28.1":                 "v0.28.1",
		"alertmanager:0.27.0@sha256:abc":                          "v0.27.0",
		"registry:5000/prom/alertmanager:v0.31.1-distroless":      "v0.31.1",
		"registry:5000/prom/alertmanager":                         "",
		"quay.io/prometheus/alertmanager:latest":                  "",
		"quay.io/prometheus/alertmanager@sha256:0123456789abcdef": "",
	} {
		if got := imageVersion(image); got != want {
			t.Errorf("imageVersion(%q) = %q, want %q", image, got, want)
		}
	}
}

func TestPatchesOperatorShape(t *testing.T) {
	l := shape(t, "operator-shape.yaml", "prometheus-operator")
	s := LiveSpec(l)
	m := patchesOf(t, l, s)
	if got, want := ids(m), []string{"patch-pdb", "patch-alertmanager", "patch-networkpolicy", "patch-apply"}; !slices.Equal(got, want) {
		t.Fatalf("patches %v, want %v", got, want)
	}
	// The flags are right: the object's patch is the spread alone, never the StatefulSet.
	var mp struct {
		Spec map[string]json.RawMessage `json:"spec"`
	}
	am := m["patch-alertmanager"].Content
	if err := json.Unmarshal(patchArg(t, am), &mp); err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(func(yield func(string) bool) {
		for k := range mp.Spec {
			if !yield(k) {
				return
			}
		}
	}); !slices.Equal(got, []string{"topologySpreadConstraints"}) {
		t.Errorf("Alertmanager merge patch sets %v, want topologySpreadConstraints only", got)
	}
	if !strings.Contains(am, "kubectl patch alertmanagers.monitoring.coreos.com main -n monitoring --type merge -p '") {
		t.Errorf("no merge patch of the Alertmanager object:\n%s", am)
	}
	var tsc []corev1.TopologySpreadConstraint
	strict(t, mp.Spec["topologySpreadConstraints"], &tsc)
	if len(tsc) != 2 || tsc[0].LabelSelector.MatchLabels["alertmanager"] != "main" {
		t.Errorf("spread %+v: want zone and node spread over the operator's pod labels", tsc)
	}
	for _, sn := range m {
		if strings.Contains(sn.Content, "kubectl patch statefulset") {
			t.Errorf("%s patches the StatefulSet the operator generates", sn.ID)
		}
	}
	var pdb policyv1.PodDisruptionBudget
	if err := decodeStrict(stripComments(m["patch-pdb"].Content), &pdb); err != nil {
		t.Fatal(err)
	}
	if !selects(pdb.Spec.Selector, l.Found.StatefulSet.Spec.Template.Labels) || pdb.Spec.MaxUnavailable.IntValue() != 1 || pdb.Namespace != "monitoring" {
		t.Errorf("PDB %+v does not select the pods with maxUnavailable 1", pdb.Spec)
	}

	// Asked for a peer-timeout and 5 replicas: the object's fields, not additionalArgs.
	s.Timing.PeerTimeout, s.Replicas = 30*time.Second, 5
	m = patchesOf(t, l, s)
	if err := json.Unmarshal(patchArg(t, m["patch-alertmanager"].Content), &mp); err != nil {
		t.Fatal(err)
	}
	if string(mp.Spec["clusterPeerTimeout"]) != `"30s"` || string(mp.Spec["replicas"]) != "5" || mp.Spec["additionalArgs"] != nil {
		t.Errorf("merge patch %s: want clusterPeerTimeout 30s, replicas 5, no additionalArgs", patchArg(t, m["patch-alertmanager"].Content))
	}
}

func TestPatchesOperatorWithoutPeerName(t *testing.T) {
	l := shape(t, "operator-shape.yaml", "prometheus-operator")
	c := &l.Found.StatefulSet.Spec.Template.Spec.Containers[0]
	c.Args = without(c.Args, "--cluster.peer-name", "--cluster.label")
	c.Env = without2(c.Env, "POD_NAME")
	l.Alertmanager = map[string]any{"additionalArgs": []any{map[string]any{"name": "log.level", "value": "debug"}}}
	m := patchesOf(t, l, LiveSpec(l))
	var mp struct {
		Spec struct {
			ClusterLabel   string             `json:"clusterLabel"`
			AdditionalArgs []map[string]any   `json:"additionalArgs"`
			Containers     []corev1.Container `json:"containers"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(patchArg(t, m["patch-alertmanager"].Content), &mp); err != nil {
		t.Fatal(err)
	}
	if mp.Spec.ClusterLabel != "monitoring/main" {
		t.Errorf("clusterLabel %q", mp.Spec.ClusterLabel)
	}
	if len(mp.Spec.AdditionalArgs) != 2 || mp.Spec.AdditionalArgs[0]["name"] != "log.level" ||
		mp.Spec.AdditionalArgs[1]["name"] != "cluster.peer-name" || mp.Spec.AdditionalArgs[1]["value"] != "$(POD_NAME)" {
		t.Errorf("additionalArgs %v: want the existing one kept and cluster.peer-name=$(POD_NAME)", mp.Spec.AdditionalArgs)
	}
	if len(mp.Spec.Containers) != 1 || mp.Spec.Containers[0].Name != "alertmanager" || len(mp.Spec.Containers[0].Env) != 1 ||
		mp.Spec.Containers[0].Env[0].ValueFrom.FieldRef.FieldPath != "metadata.name" {
		t.Errorf("containers %+v: want env POD_NAME from metadata.name", mp.Spec.Containers)
	}
}

func without2(env []corev1.EnvVar, name string) []corev1.EnvVar {
	return slices.DeleteFunc(slices.Clone(env), func(e corev1.EnvVar) bool { return e.Name == name })
}

func TestPatchesHelmShape(t *testing.T) {
	l := shape(t, "helm-shape.yaml", "helm")
	s := LiveSpec(l)
	sts := l.Found.StatefulSet
	m := patchesOf(t, l, s)
	want := []string{"patch-service", "patch-pdb", "patch-statefulset-args", "patch-spread", "patch-recreate", "patch-networkpolicy", "patch-apply"}
	if got := ids(m); !slices.Equal(got, want) {
		t.Fatalf("patches %v, want %v", got, want)
	}

	args := m["patch-statefulset-args"].Content
	for _, w := range []string{
		"kubectl patch statefulset alertmanager -n monitoring --type json -p '[",
		"add --cluster.label=monitoring/alertmanager", "add --cluster.reconnect-timeout=5m",
		"add --cluster.peer-name=$(POD_NAME)", "add env POD_NAME", "Helm renders this StatefulSet",
	} {
		if !strings.Contains(strings.Join(strings.Fields(args), " "), w) {
			t.Errorf("patch-statefulset-args lacks %q:\n%s", w, args)
		}
	}
	var patched appsv1.StatefulSet
	applyJSONPatch(t, sts, args, &patched)
	c := patched.Spec.Template.Spec.Containers[0]
	if !slices.Equal(otherArgsOf(c.Args), otherArgsOf(sts.Spec.Template.Spec.Containers[0].Args)) {
		t.Errorf("non-cluster args changed: %q", otherArgsOf(c.Args))
	}
	// Generate's flags, except what works as it is: the wildcard bind with the bracketed
	// advertise address, and the default peer-timeout.
	gen := without(generatedFlags(t, s, "alertmanager", "alertmanager-headless"), "--cluster.listen-address", "--cluster.advertise-address", "--cluster.peer-timeout")
	sameSet(t, "patched cluster flags", clusterArgsOf(c.Args),
		append(gen, "--cluster.listen-address=0.0.0.0:9094", "--cluster.advertise-address=[$(POD_IP)]:9094"))
	if len(c.Env) != 2 || c.Env[1].Name != "POD_NAME" || c.Env[1].ValueFrom.FieldRef.FieldPath != "metadata.name" {
		t.Errorf("env %+v: want POD_IP kept and POD_NAME added", c.Env)
	}

	// The patch is tested against the object as read: changed args make it fail, not misapply.
	moved := sts.DeepCopy()
	moved.Spec.Template.Spec.Containers[0].Args = append([]string{"--log.level=debug"}, moved.Spec.Template.Spec.Containers[0].Args...)
	if j, _ := json.Marshal(moved); true {
		p, _ := jsonpatch.DecodePatch(patchArg(t, args))
		if _, err := p.Apply(j); err == nil && strings.Contains(args, `"op":"replace"`) {
			t.Error("the patch applied to a StatefulSet whose args moved")
		}
	}

	var spread appsv1.StatefulSet
	applyJSONPatch(t, &patched, m["patch-spread"].Content, &spread)
	if tsc := spread.Spec.Template.Spec.TopologySpreadConstraints; len(tsc) != 2 || !selects(tsc[1].LabelSelector, sts.Spec.Template.Labels) {
		t.Errorf("spread %+v", tsc)
	}

	// The recreated StatefulSet carries both patches and Parallel, and nothing of the server's.
	var re appsv1.StatefulSet
	rc := m["patch-recreate"].Content
	if err := decodeStrict(stripComments(rc), &re); err != nil {
		t.Fatal(err)
	}
	if re.Spec.PodManagementPolicy != appsv1.ParallelPodManagement || re.ResourceVersion != "" || re.Kind != "StatefulSet" {
		t.Errorf("recreated: policy %q, resourceVersion %q, kind %q", re.Spec.PodManagementPolicy, re.ResourceVersion, re.Kind)
	}
	if !slices.Equal(re.Spec.Template.Spec.Containers[0].Args, c.Args) || len(re.Spec.Template.Spec.TopologySpreadConstraints) != 2 {
		t.Errorf("recreated args %q, spread %d: want the patched ones", re.Spec.Template.Spec.Containers[0].Args, len(re.Spec.Template.Spec.TopologySpreadConstraints))
	}
	if !strings.Contains(rc, "--cascade=orphan") || !strings.Contains(rc, "immutable") {
		t.Errorf("patch-recreate does not say why and how:\n%s", rc)
	}

	// The Service: publishNotReadyAddresses only (it is headless and has both mesh ports).
	svc := l.Services[1]
	if svc.Name != "alertmanager-headless" {
		t.Fatalf("service %s", svc.Name)
	}
	sc := m["patch-service"].Content
	if !strings.Contains(sc, "kubectl patch service alertmanager-headless -n monitoring --type merge -p '") {
		t.Errorf("patch-service:\n%s", sc)
	}
	live, _ := json.Marshal(svc)
	j, err := jsonpatch.MergePatch(live, patchArg(t, sc))
	if err != nil {
		t.Fatal(err)
	}
	var ps corev1.Service
	strict(t, j, &ps)
	if !ps.Spec.PublishNotReadyAddresses || len(ps.Spec.Ports) != 3 || ps.Spec.ClusterIP != corev1.ClusterIPNone {
		t.Errorf("patched Service %+v", ps.Spec)
	}

	apply := m["patch-apply"].Content
	order := []string{"patch-service.sh", "patch-pdb.yaml", "--cascade=orphan", "patch-recreate.yaml", "rollout status", "patch-networkpolicy.yaml", "kubectl amha status alertmanager -n monitoring"}
	last := -1
	for _, w := range order {
		i := strings.Index(apply, w)
		if i < last {
			t.Errorf("patch-apply: %q missing or out of order:\n%s", w, apply)
		}
		last = i
	}
	if strings.Contains(apply, "patch-statefulset-args.sh") {
		t.Error("patch-apply runs the args patch and the recreation both")
	}
}

// running is a hand-written StatefulSet as Generate writes it, with other args.
func running(args ...string) Live {
	s := DefaultSpec()
	sts := s.statefulSet()
	sts.Namespace = "monitoring"
	c := &sts.Spec.Template.Spec.Containers[0]
	c.Args, c.Env = args, nil
	pdb, np := s.pdb(s.labels()), s.networkPolicy(s.labels())
	return Live{
		Found:           kube.Found{Namespace: "monitoring", Name: sts.Name, Source: "statefulset", StatefulSet: sts, Container: "alertmanager"},
		Services:        []corev1.Service{*s.service()},
		PDBs:            []policyv1.PodDisruptionBudget{*pdb},
		NetworkPolicies: []networkingv1.NetworkPolicy{*np},
	}
}

func TestPatchesClusteringDisabled(t *testing.T) {
	l := running("--config.file=/etc/alertmanager/alertmanager.yml", "--cluster.listen-address=", "--storage.path=/alertmanager")
	s := DefaultSpec()
	for _, pt := range []time.Duration{0, 30 * time.Second} {
		s.Timing.PeerTimeout = pt
		m := patchesOf(t, l, s)
		if got := ids(m); !slices.Equal(got, []string{"patch-statefulset-args", "patch-apply"}) {
			t.Fatalf("patches %v", got)
		}
		var patched appsv1.StatefulSet
		applyJSONPatch(t, l.Found.StatefulSet, m["patch-statefulset-args"].Content, &patched)
		c := patched.Spec.Template.Spec.Containers[0]
		gen := without(generatedFlags(t, s, "alertmanager-main", "alertmanager-main"), "--dispatch.")
		if pt == 0 {
			gen = without(gen, "--cluster.peer-timeout") // the default, not asked for
		}
		sameSet(t, fmt.Sprintf("peer-timeout %s: patched cluster flags", pt), clusterArgsOf(c.Args), gen)
		if !slices.Equal(otherArgsOf(c.Args), []string{"--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"}) {
			t.Errorf("other args %q", otherArgsOf(c.Args))
		}
		if len(c.Env) != 2 || c.Env[0].Name != "POD_IP" || c.Env[1].Name != "POD_NAME" {
			t.Errorf("env %+v", c.Env)
		}
		if !strings.Contains(m["patch-statefulset-args"].Content, "clustering is off") {
			t.Errorf("no reason given:\n%s", m["patch-statefulset-args"].Content)
		}
	}
}

func TestPatchesWrongValues(t *testing.T) {
	l := running(
		"--cluster.listen-address=0.0.0.0:9094",
		"--cluster.advertise-address", "alertmanager-main.monitoring:9094", // a hostname: fatal
		"--cluster.peer", "alertmanager-main:9094", // the Service name, split form
		"--cluster.peer=alertmanager-main-0.alertmanager-main.monitoring.svc.cluster.local:9094",
		"--cluster.peer=alertmanager-main-1.alertmanager-main:9094",
		"--cluster.peer=alertmanager-main-1.alertmanager-main:9094",
		"--cluster.peer=alertmanager-main-7.alertmanager-main:9094",
		"--cluster.label=team/alerts", // kept: changing a label splits the mesh
		"--cluster.reconnect-timeout=6h",
		"--cluster.peer-timeout=5s", // kept: not asked for
		"--web.listen-address=:9093",
	)
	c0 := &l.Found.StatefulSet.Spec.Template.Spec.Containers[0]
	c0.Env = []corev1.EnvVar{{Name: "MY_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}}}
	s := DefaultSpec()
	s.Timing.PeerTimeout = 5 * time.Second
	m := patchesOf(t, l, s)
	var patched appsv1.StatefulSet
	applyJSONPatch(t, l.Found.StatefulSet, m["patch-statefulset-args"].Content, &patched)
	c := patched.Spec.Template.Spec.Containers[0]
	sameSet(t, "patched cluster flags", clusterArgsOf(c.Args), []string{
		"--cluster.listen-address=0.0.0.0:9094",
		"--cluster.advertise-address", // the split form keeps its flag item
		"--cluster.peer=alertmanager-main-0.alertmanager-main.monitoring.svc.cluster.local:9094",
		"--cluster.peer=alertmanager-main-1.alertmanager-main:9094",
		"--cluster.peer", // split, its value replaced by replica 2's name
		"--cluster.peer-name=$(POD_NAME)",
		"--cluster.label=team/alerts",
		"--cluster.reconnect-timeout=5m",
		"--cluster.peer-timeout=5s",
	})
	if i := slices.Index(c.Args, "--cluster.advertise-address"); i < 0 || c.Args[i+1] != "$(MY_IP):9094" {
		t.Errorf("advertise address not replaced by the pod IP through MY_IP: %q", c.Args)
	}
	if i := slices.Index(c.Args, "--cluster.peer"); i < 0 || c.Args[i+1] != "alertmanager-main-2.alertmanager-main:9094" {
		t.Errorf("split peer not replaced by replica 2: %q", c.Args)
	}
	if len(c.Env) != 2 || c.Env[0].Name != "MY_IP" || c.Env[1].Name != "POD_NAME" {
		t.Errorf("env %+v: want MY_IP kept and only POD_NAME added", c.Env)
	}
	content := strings.Join(strings.Fields(m["patch-statefulset-args"].Content), " ")
	for _, w := range []string{"a hostname is fatal at start", "re-joined forever", "names replica 7 of 3", "names replica 1 again"} {
		if !strings.Contains(content, w) {
			t.Errorf("patch-statefulset-args does not say %q", w)
		}
	}
}

func TestPatchesOneReplica(t *testing.T) {
	l := running("--config.file=/etc/alertmanager/alertmanager.yml", "--cluster.peer=alertmanager-main-0.alertmanager-main:9094")
	one := int32(1)
	l.Found.StatefulSet.Spec.Replicas = &one
	s := DefaultSpec()
	s.Replicas = 1
	m := patchesOf(t, l, s)
	var patched appsv1.StatefulSet
	applyJSONPatch(t, l.Found.StatefulSet, m["patch-statefulset-args"].Content, &patched)
	if got := patched.Spec.Template.Spec.Containers[0].Args; !slices.Equal(got, []string{"--config.file=/etc/alertmanager/alertmanager.yml", "--cluster.listen-address="}) {
		t.Errorf("args %q", got)
	}
	if _, ok := m["patch-pdb"]; ok {
		t.Error("a PDB for one replica")
	}
}

func TestPatchesScaleUp(t *testing.T) {
	l := running(flagValues(DefaultSpec())...)
	s := DefaultSpec()
	s.Replicas = 5
	m := patchesOf(t, l, s)
	var patched appsv1.StatefulSet
	applyJSONPatch(t, l.Found.StatefulSet, m["patch-statefulset-args"].Content, &patched)
	if *patched.Spec.Replicas != 5 {
		t.Errorf("replicas %d", *patched.Spec.Replicas)
	}
	sameSet(t, "cluster flags", clusterArgsOf(patched.Spec.Template.Spec.Containers[0].Args), without(generatedFlags(t, s, "alertmanager-main", "alertmanager-main"), "--dispatch."))
}

func TestPatchesServiceNotHeadless(t *testing.T) {
	l := running(flagValues(DefaultSpec())...)
	svc := &l.Services[0]
	svc.Spec.ClusterIP, svc.Spec.PublishNotReadyAddresses = "10.0.0.7", false
	svc.Spec.Ports = svc.Spec.Ports[:1]
	svc.ResourceVersion = "42"
	m := patchesOf(t, l, DefaultSpec())
	sc := m["patch-service"].Content
	if m["patch-service"].File != "patch-service.yaml" || !strings.Contains(sc, "clusterIP is immutable") {
		t.Fatalf("patch-service:\n%s", sc)
	}
	var got corev1.Service
	if err := decodeStrict(stripComments(sc), &got); err != nil {
		t.Fatal(err)
	}
	if got.Spec.ClusterIP != corev1.ClusterIPNone || !got.Spec.PublishNotReadyAddresses || len(got.Spec.Ports) != 3 || got.ResourceVersion != "" {
		t.Errorf("recreated Service %+v", got)
	}
	if apply := m["patch-apply"].Content; !strings.Contains(apply, "kubectl delete service alertmanager-main -n monitoring") {
		t.Errorf("patch-apply does not delete the Service first:\n%s", apply)
	}

	l.Services = nil
	m = patchesOf(t, l, DefaultSpec())
	if err := decodeStrict(stripComments(m["patch-service"].Content), &got); err != nil {
		t.Fatal(err)
	}
	if got.Name != "alertmanager-main" || got.Spec.ClusterIP != corev1.ClusterIPNone || len(got.Spec.Ports) != 3 {
		t.Errorf("new Service %+v", got)
	}
}

// Generate's own objects, read back as a live cluster, need no patch.
func TestPatchesNothingDiffers(t *testing.T) {
	for name, s := range map[string]Spec{"default": specs()["default"], "zones": specs()["zones"], "two": specs()["two"]} {
		all, err := Generate(s)
		if err != nil {
			t.Fatal(err)
		}
		var l Live
		for _, d := range splitDocs(all[slices.IndexFunc(all, func(sn Snippet) bool { return sn.ID == "statefulset" })].Content) {
			obj, _, err := scheme.Codecs.UniversalDeserializer().Decode([]byte(d), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			switch o := obj.(type) {
			case *appsv1.StatefulSet:
				l.Found = kube.Found{Namespace: o.Namespace, Name: o.Name, Source: "statefulset", StatefulSet: o, Container: "alertmanager"}
			case *corev1.Service:
				l.Services = append(l.Services, *o)
			case *policyv1.PodDisruptionBudget:
				l.PDBs = append(l.PDBs, *o)
			case *networkingv1.NetworkPolicy:
				l.NetworkPolicies = append(l.NetworkPolicies, *o)
			}
		}
		m := patchesOf(t, l, s)
		if got := ids(m); !slices.Equal(got, []string{"patch-none"}) {
			t.Errorf("%s: %v, want patch-none only", name, got)
			for _, sn := range m {
				t.Log(sn.Content)
			}
			continue
		}
		c := m["patch-none"].Content
		if !strings.Contains(c, "already matches") || !strings.Contains(c, "kubectl amha status "+s.StatefulSet()+" -n "+s.Namespace) {
			t.Errorf("%s: patch-none:\n%s", name, c)
		}
	}
}

func TestFromCluster(t *testing.T) {
	l := shape(t, "helm-shape.yaml", "helm")
	objs := []runtime.Object{l.Found.StatefulSet}
	for i := range l.Services {
		objs = append(objs, &l.Services[i])
	}
	cs := fake.NewClientset(objs...)
	cs.PrependReactor("list", "networkpolicies", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "networking.k8s.io", Resource: "networkpolicies"}, "", fmt.Errorf("no"))
	})
	s, out, err := FromCluster(context.Background(), &kube.Client{CS: cs}, kube.Query{Namespace: "monitoring", Name: "alertmanager"}, Ask{PeerTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "alertmanager" || s.Replicas != 3 || s.Version != "v0.31.1" || s.Timing.PeerTimeout != 20*time.Second {
		t.Errorf("spec %+v", s)
	}
	got := map[string]string{}
	for _, sn := range out {
		got[sn.ID] = sn.Content
	}
	if _, ok := got["patch-networkpolicy"]; ok {
		t.Error("a NetworkPolicy although they could not be read")
	}
	if !strings.Contains(got["patch-apply"], "NetworkPolicies (RBAC denies") {
		t.Errorf("patch-apply does not say what was not read:\n%s", got["patch-apply"])
	}
	if !strings.Contains(got["patch-statefulset-args"], "--cluster.peer-timeout=20s") {
		t.Error("asked peer-timeout not patched")
	}
	// The helm shape carries Helm's labels: a hand-applied patch would not last.
	if !strings.Contains(got["patch-apply"], "managed by Helm (release alertmanager)") || !strings.Contains(got["patch-apply"], "helm upgrade") {
		t.Errorf("patch-apply does not say that Helm reverts it:\n%s", got["patch-apply"])
	}

	if _, _, err := FromCluster(context.Background(), &kube.Client{CS: cs}, kube.Query{Namespace: "monitoring", Name: "nope"}, Ask{}); err == nil || !strings.Contains(err.Error(), `no StatefulSet "nope"`) {
		t.Errorf("not found: %v", err)
	}
	l.Found.StatefulSet.Spec.Template.Spec.Containers[0].Image = "amha.local/alertmanager:latest"
	cs = fake.NewClientset(l.Found.StatefulSet)
	if _, _, err := FromCluster(context.Background(), &kube.Client{CS: cs}, kube.Query{Namespace: "monitoring", Name: ""}, Ask{}); err == nil || !strings.Contains(err.Error(), "--version") {
		t.Errorf("no version: %v", err)
	}
	if _, _, err := FromCluster(context.Background(), &kube.Client{CS: cs}, kube.Query{Namespace: "monitoring", Name: ""}, Ask{Version: "v0.31.1"}); err != nil {
		t.Errorf("--version given: %v", err)
	}
}

// An operator-labelled StatefulSet whose Alertmanager object is gone: no patch of an object
// that is not there (the script would fail half-way), but an error that says what to do.
func TestFromClusterOperatorObjectMissing(t *testing.T) {
	l := shape(t, "operator-shape.yaml", "prometheus-operator")
	cs := fake.NewClientset(l.Found.StatefulSet)
	dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{kube.AlertmanagerGVR: "AlertmanagerList"})
	_, _, err := FromCluster(context.Background(), &kube.Client{CS: cs, Dyn: dyn}, kube.Query{Namespace: "monitoring", Name: "main"}, Ask{})
	if err == nil || !strings.Contains(err.Error(), "its Alertmanager object main is not found") {
		t.Fatalf("err %v", err)
	}
}
