package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/amha-dev/kubectl-amha/pkg/cmd"
)

// kubeconfigFor writes a kubeconfig that acts as a new ServiceAccount granted rules in ns.
func (r *rig) kubeconfigFor(t *testing.T, ns, name string, rules []rbacv1.PolicyRule) string {
	t.Helper()
	return r.kubeconfigForRole(t, ns, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules})
}

// kubeconfigForRole writes a kubeconfig that acts as a new ServiceAccount, named as the role,
// bound to the role as given (a Role, no ClusterRole), created in ns.
func (r *rig) kubeconfigForRole(t *testing.T, ns string, role *rbacv1.Role) string {
	t.Helper()
	ctx := context.Background()
	name := role.Name
	if _, err := r.cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	role = role.DeepCopy()
	role.Namespace = ns
	if _, err := r.cs.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.cs.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: name},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: name, Namespace: ns}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ten := int64(600)
	tok, err := r.cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: &ten}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.LoadFromFile(r.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, ai := range cfg.AuthInfos {
		ai.ClientCertificate, ai.ClientCertificateData, ai.ClientKey, ai.ClientKeyData = "", nil, "", nil
		ai.Token = tok.Status.Token
	}
	for _, c := range cfg.Contexts {
		c.Namespace = ns
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// A user who may read the StatefulSet and pods but not port-forward: each replica says why,
// and the run exits 2 (nothing could be checked). One who may not list StatefulSets is told so.
func TestRBACDenied(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ns := r.namespace(t, "amha-rbac")
	r.apply(t, ns, manifest(t, "operator-shape.yaml"))
	r.waitReady(t, ns, "alertmanager-main", 3)

	read := []rbacv1.PolicyRule{
		{APIGroups: []string{"apps"}, Resources: []string{"statefulsets"}, Verbs: []string{"get", "list"}},
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}},
	}
	viewer := &rig{kubeconfig: r.kubeconfigFor(t, ns, "amha-no-portforward", read), cs: r.cs}
	rep, code, stderr := viewer.status(t)
	if code != cmd.ExitNoCheck || !strings.Contains(stderr, "no replica answered") {
		t.Fatalf("exit %d, stderr %q; want 2 and 'no replica answered'", code, stderr)
	}
	if len(rep.Clusters) != 1 || len(rep.Clusters[0].Replicas) != 3 {
		t.Fatalf("report: %+v", rep)
	}
	for _, rp := range rep.Clusters[0].Replicas {
		if !strings.Contains(rp.Error, "RBAC denies pods/portforward") {
			t.Errorf("%s: error %q, want it to name the missing pods/portforward permission", rp.Name, rp.Error)
		}
	}

	none := &rig{kubeconfig: r.kubeconfigFor(t, ns, "amha-nothing", nil), cs: r.cs}
	_, code, stderr = none.status(t)
	if code != cmd.ExitNoCheck || !strings.Contains(stderr, "RBAC denies list statefulsets") {
		t.Fatalf("exit %d, stderr %q; want 2 and 'RBAC denies list statefulsets'", code, stderr)
	}
}
