package e2e

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/amha-dev/kubectl-amha/pkg/cmd"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/ui"
)

// findings returns the findings with id, from the first cluster of a report.
func findings(rep ui.StatusReport, id string) []model.Finding {
	var out []model.Finding
	for _, c := range rep.Clusters {
		for _, f := range c.Findings {
			if f.ID == id {
				out = append(out, f)
			}
		}
	}
	return out
}

func service(objs []runtime.Object, name string) *corev1.Service {
	for _, o := range objs {
		if s, ok := o.(*corev1.Service); ok && s.Name == name {
			return s
		}
	}
	return nil
}

// Peers that name a ClusterIP Service: every resolution gives the VIP, which kube-proxy sends
// to one pod at random, and Alertmanager re-joins it forever. Whatever the mesh looks like at
// the moment, the configuration checks of the live objects name the cause and the argument.
func TestPeersThroughClusterIP(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ns := r.namespace(t, "amha-vip")
	objs := manifest(t, "operator-shape.yaml")
	lb := service(objs, "alertmanager-main")
	lb.Spec.Ports = append(lb.Spec.Ports,
		corev1.ServicePort{Name: "tcp-mesh", Port: 9094, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(9094)},
		corev1.ServicePort{Name: "udp-mesh", Port: 9094, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromInt32(9094)})
	c := &statefulSet(objs).Spec.Template.Spec.Containers[0]
	var args []string
	for _, a := range c.Args {
		if !strings.HasPrefix(a, "--cluster.peer=") {
			args = append(args, a)
		}
	}
	c.Args = append(args, "--cluster.peer=alertmanager-main."+ns+".svc:9094")
	r.apply(t, ns, objs)
	r.waitReady(t, ns, "alertmanager-main", 3)
	rep, code := r.eventually(t, 60*time.Second, func(rep ui.StatusReport, code int) bool {
		return len(findings(rep, "cluster/peer-is-load-balancer")) == 1
	}, "-n", ns, "--config-checks")
	f := findings(rep, "cluster/peer-is-load-balancer")[0]
	if code != cmd.ExitFindings || len(f.Locations) == 0 || !strings.Contains(f.Locations[0].Path, "args[") {
		t.Fatalf("exit %d, finding %+v: want exit 1 and the --cluster.peer argument as location", code, f)
	}
	islands := 0
	if m := rep.Clusters[0].Matrix; m != nil {
		islands = len(m.Islands)
	}
	t.Logf("mesh through the VIP: %d islands, findings %v", islands, ids(rep))
}

// A governing Service without 9094/UDP: Service ports do not filter pod-to-pod traffic, so
// the mesh forms (the status is healthy); the configuration check still says the Service
// does not describe what the mesh needs (NetworkPolicies and firewalls are written from it).
func TestServiceWithoutUDP(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ns := r.namespace(t, "amha-udp")
	objs := manifest(t, "operator-shape.yaml")
	gov := service(objs, "alertmanager-operated")
	gov.Spec.Ports = slices.DeleteFunc(gov.Spec.Ports, func(p corev1.ServicePort) bool { return p.Protocol == corev1.ProtocolUDP })
	r.apply(t, ns, objs)
	r.waitReady(t, ns, "alertmanager-main", 3)
	r.eventually(t, 90*time.Second, healthy, "-n", ns)
	rep, code, _ := r.status(t, "-n", ns, "--config-checks")
	fs := findings(rep, "k8s/mesh-port-udp")
	if len(fs) != 1 || len(fs[0].Locations) == 0 || !strings.HasPrefix(fs[0].Locations[0].Object, "Service "+ns+"/alertmanager-operated") {
		t.Fatalf("exit %d, findings %v: want k8s/mesh-port-udp on Service %s/alertmanager-operated; got %+v", code, ids(rep), ns, fs)
	}
}

// Prometheus in the rig, wired two ways to the same cluster: through the ClusterIP Service
// (a load balancer: each batch reaches one replica) and by endpoints discovery keeping only the
// web port (every replica). status reads each Prometheus' /api/v1/alertmanagers through a
// port-forward and judges the wiring.
func TestPrometheusWiring(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	image := os.Getenv("AMHA_RIG_PROMETHEUS_IMAGE")
	if image == "" {
		image = "amha.local/prometheus:rig"
	}
	ns := r.namespace(t, "amha-prom")
	r.apply(t, ns, manifest(t, "operator-shape.yaml"))
	ctx := context.Background()
	if _, err := r.cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "prometheus"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.cs.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "prometheus"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"endpoints", "services", "pods"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: []string{"get", "list", "watch"}},
	}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.cs.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "prometheus"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "prometheus"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "prometheus", Namespace: ns}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	configs := map[string]string{
		// The kube-prometheus ClusterIP Service alertmanager-main, as a static target.
		"prom-vip": fmt.Sprintf(`alerting:
  alertmanagers:
  - static_configs:
    - targets: [alertmanager-main.%s.svc:9093]
`, ns),
		// Endpoints of the governing Service, only the web port.
		"prom-endpoints": fmt.Sprintf(`alerting:
  alertmanagers:
  - kubernetes_sd_configs:
    - role: endpoints
      namespaces:
        names: [%s]
    relabel_configs:
    - source_labels: [__meta_kubernetes_service_name, __meta_kubernetes_endpoint_port_name]
      regex: alertmanager-operated;web
      action: keep
`, ns),
	}
	for name, cfg := range configs {
		if _, err := r.cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"prometheus.yml": cfg},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		uid := int64(65534)
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": name}},
			Spec: corev1.PodSpec{
				ServiceAccountName: "prometheus",
				SecurityContext:    &corev1.PodSecurityContext{RunAsUser: &uid, FSGroup: &uid},
				Containers: []corev1.Container{{
					Name: "prometheus", Image: image, ImagePullPolicy: corev1.PullNever,
					Args:         []string{"--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--web.listen-address=:9090"},
					Ports:        []corev1.ContainerPort{{Name: "web", ContainerPort: 9090}},
					VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/etc/prometheus"}},
				}},
				Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
					LocalObjectReference: corev1.LocalObjectReference{Name: name},
				}}}},
			},
		}
		if _, err := r.cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	r.waitReady(t, ns, "alertmanager-main", 3)
	r.waitPodRunning(t, ns, "prom-vip")
	r.waitPodRunning(t, ns, "prom-endpoints")

	// Through the VIP: Prometheus knows one address, the Service's, not the replicas.
	rep, _ := r.eventually(t, 90*time.Second, func(rep ui.StatusReport, code int) bool {
		return len(findings(rep, "prometheus/load-balancer")) == 1
	}, "-n", ns, "--prometheus-pod", "prom-vip")
	if w := rep.Clusters[0].Prometheus; len(w) != 1 || len(w[0].Active) != 1 || !strings.Contains(w[0].Active[0], "alertmanager-main."+ns+".svc:9093") {
		t.Fatalf("prom-vip wiring: %+v", rep.Clusters[0].Prometheus)
	}
	// Endpoints discovery keeping the web port: every replica, nothing on 9094.
	rep, _ = r.eventually(t, 90*time.Second, func(rep ui.StatusReport, code int) bool {
		w := rep.Clusters[0].Prometheus
		return healthy(rep, code) && len(w) == 1 && len(w[0].Active) == 3
	}, "-n", ns, "--prometheus-pod", "prom-endpoints")
	t.Logf("prom-endpoints sends to %v", rep.Clusters[0].Prometheus[0].Active)
}

// waitPodRunning waits until a pod is Running and Ready.
func (r *rig) waitPodRunning(t *testing.T, ns, name string) {
	t.Helper()
	deadline := time.Now().Add(120 * time.Second)
	for time.Now().Before(deadline) {
		p, err := r.cs.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err == nil && p.Status.Phase == corev1.PodRunning {
			for _, c := range p.Status.Conditions {
				if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
					return
				}
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	r.dumpPods(t, ns)
	t.Fatalf("pod %s/%s not ready within 120s", ns, name)
}
