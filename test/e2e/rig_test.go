// Package e2e runs kubectl-amha against the real single-node Kubernetes of test/rig: the
// manifests people run, applied as they are, reached through the real port-forward path.
//
// The rig must be up (test/rig/rig.sh up) and AMHA_KUBECONFIG point at its kubeconfig.
// Without it the tests skip, unless AMHA_E2E_REQUIRED=1 (CI), where they fail.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/amha-dev/kubectl-amha/pkg/cmd"
	"github.com/amha-dev/kubectl-amha/ui"
)

type rig struct {
	kubeconfig string
	cs         kubernetes.Interface
	// plugin, when set, is a built kubectl-amha binary: status runs it as the kubectl plugin
	// a user installed (`kubectl amha ...`) instead of the root command in-process.
	plugin string
}

func newRig(t *testing.T) *rig {
	t.Helper()
	kc := os.Getenv("AMHA_KUBECONFIG")
	if kc == "" {
		if os.Getenv("AMHA_E2E_REQUIRED") == "1" {
			t.Fatal("AMHA_E2E_REQUIRED=1 but AMHA_KUBECONFIG is not set: bring the rig up (test/rig/rig.sh up)")
		}
		t.Skip("no rig: set AMHA_KUBECONFIG (test/rig/rig.sh up prints it)")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kc)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &rig{kubeconfig: kc, cs: cs}
}

// namespace creates a fresh namespace, deleted when the test ends.
func (r *rig) namespace(t *testing.T, prefix string) string {
	t.Helper()
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	name := prefix + "-" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := r.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			r.dumpPods(t, name)
		}
		zero := int64(0)
		_ = r.cs.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
	})
	return name
}

func (r *rig) dumpPods(t *testing.T, ns string) {
	pods, err := r.cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		return
	}
	for _, p := range pods.Items {
		t.Logf("pod %s: %s ip=%s", p.Name, p.Status.Phase, p.Status.PodIP)
	}
}

// manifest reads a file of test/rig/manifests as typed objects.
func manifest(t *testing.T, name string) []runtime.Object {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "rig", "manifests", name))
	if err != nil {
		t.Fatal(err)
	}
	return decodeAll(t, name, b)
}

// decodeAll decodes a multi-document YAML file into typed objects.
func decodeAll(t *testing.T, name string, b []byte) []runtime.Object {
	t.Helper()
	var out []runtime.Object
	dec := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
	for {
		doc, err := dec.Read()
		if err != nil {
			break
		}
		if onlyComments(doc) {
			continue
		}
		obj, _, err := scheme.Codecs.UniversalDeserializer().Decode(doc, nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, obj)
	}
	return out
}

func onlyComments(doc []byte) bool {
	for _, l := range bytes.Split(doc, []byte("\n")) {
		l = bytes.TrimSpace(l)
		if len(l) > 0 && l[0] != '#' {
			return false
		}
	}
	return true
}

func (r *rig) apply(t *testing.T, ns string, objs []runtime.Object) {
	t.Helper()
	ctx := context.Background()
	for _, o := range objs {
		var err error
		switch v := o.(type) {
		case *corev1.Secret:
			_, err = r.cs.CoreV1().Secrets(ns).Create(ctx, v, metav1.CreateOptions{})
		case *corev1.ConfigMap:
			_, err = r.cs.CoreV1().ConfigMaps(ns).Create(ctx, v, metav1.CreateOptions{})
		case *corev1.Service:
			_, err = r.cs.CoreV1().Services(ns).Create(ctx, v, metav1.CreateOptions{})
		case *appsv1.StatefulSet:
			_, err = r.cs.AppsV1().StatefulSets(ns).Create(ctx, v, metav1.CreateOptions{})
		case *appsv1.Deployment:
			_, err = r.cs.AppsV1().Deployments(ns).Create(ctx, v, metav1.CreateOptions{})
		case *networkingv1.NetworkPolicy:
			_, err = r.cs.NetworkingV1().NetworkPolicies(ns).Create(ctx, v, metav1.CreateOptions{})
		case *policyv1.PodDisruptionBudget:
			_, err = r.cs.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, v, metav1.CreateOptions{})
		default:
			t.Fatalf("apply: unsupported %T", o)
		}
		if err != nil {
			t.Fatalf("apply %T: %v", o, err)
		}
	}
}

func statefulSet(objs []runtime.Object) *appsv1.StatefulSet {
	for _, o := range objs {
		if s, ok := o.(*appsv1.StatefulSet); ok {
			return s
		}
	}
	return nil
}

// withoutClustering empties the StatefulSet's --cluster.listen-address: clustering off.
func withoutClustering(sts *appsv1.StatefulSet) {
	c := &sts.Spec.Template.Spec.Containers[0]
	for i, a := range c.Args {
		if strings.HasPrefix(a, "--cluster.listen-address=") {
			c.Args[i] = "--cluster.listen-address="
		}
	}
}

// waitReady waits until n pods of the StatefulSet are Running and Ready.
func (r *rig) waitReady(t *testing.T, ns, sts string, n int) {
	t.Helper()
	deadline := time.Now().Add(120 * time.Second)
	for time.Now().Before(deadline) {
		s, err := r.cs.AppsV1().StatefulSets(ns).Get(context.Background(), sts, metav1.GetOptions{})
		if err == nil && int(s.Status.ReadyReplicas) == n {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	r.dumpPods(t, ns)
	t.Fatalf("statefulset %s/%s: %d pods not ready within 120s", ns, sts, n)
}

// status runs `kubectl amha status` against the rig and decodes its JSON report. The
// configuration checks are off unless args turn them on: most tests judge the mesh.
func (r *rig) status(t *testing.T, args ...string) (ui.StatusReport, int, string) {
	t.Helper()
	base := []string{"status", "--kubeconfig", r.kubeconfig, "-o", "json"}
	if !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--config-checks") }) {
		base = append(base, "--config-checks=false")
	}
	out, errOut, code := r.run(t, append(base, args...))
	var rep ui.StatusReport
	if out.Len() > 0 {
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("status output: %v\n%s", err, out.String())
		}
	}
	return rep, code, errOut.String()
}

// run runs kubectl-amha with args: the binary r.plugin through kubectl's plugin lookup when
// set, else the root command in-process. It returns stdout, stderr and the exit code.
func (r *rig) run(t *testing.T, args []string) (*bytes.Buffer, *bytes.Buffer, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	if r.plugin != "" {
		c := exec.Command(kubectlPath(), append([]string{"amha"}, args...)...)
		c.Env = append(os.Environ(), "PATH="+filepath.Dir(r.plugin)+string(os.PathListSeparator)+os.Getenv("PATH"))
		c.Stdout, c.Stderr = &out, &errOut
		err := c.Run()
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit):
			return &out, &errOut, exit.ExitCode()
		case err != nil:
			t.Fatalf("kubectl amha: %v", err)
		}
		return &out, &errOut, cmd.ExitOK
	}
	root := cmd.NewRoot(genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &errOut})
	root.SetArgs(args)
	code := cmd.ExitOK
	if err := root.Execute(); err != nil {
		code = cmd.CodeOf(err)
		errOut.WriteString(err.Error())
	}
	return &out, &errOut, code
}

// kubectlPath is the rig's kubectl ($AMHA_RIG_KUBECTL, which rig.sh env sets), else the one
// on PATH.
func kubectlPath() string {
	if k := os.Getenv("AMHA_RIG_KUBECTL"); k != "" {
		return k
	}
	return "kubectl"
}

func ids(rep ui.StatusReport) []string {
	var out []string
	for _, c := range rep.Clusters {
		for _, f := range c.Findings {
			out = append(out, f.ID)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// eventually reruns status until check passes or the timeout ends; returns the last report.
func (r *rig) eventually(t *testing.T, timeout time.Duration, check func(ui.StatusReport, int) bool, args ...string) (ui.StatusReport, int) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var rep ui.StatusReport
	var code int
	var stderr string
	for {
		rep, code, stderr = r.status(t, args...)
		if check(rep, code) {
			return rep, code
		}
		if time.Now().After(deadline) {
			b, _ := json.MarshalIndent(rep, "", "  ")
			t.Fatalf("condition not met within %s: exit %d, findings %v, stderr %s\n%s", timeout, code, ids(rep), stderr, b)
		}
		time.Sleep(2 * time.Second)
	}
}

func (r *rig) deletePod(t *testing.T, ns, name string) {
	t.Helper()
	zero := int64(0)
	err := r.cs.CoreV1().Pods(ns).Delete(context.Background(), name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
}
