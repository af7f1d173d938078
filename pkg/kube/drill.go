package kube

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"

	"github.com/amha-dev/kubectl-amha/internal/sinkimage"
)

// The drills' objects: every object a drill creates carries these labels and the expiry
// annotation, and no finalizer.
const (
	ManagedByLabel = "app.kubernetes.io/managed-by"
	ManagedBy      = "kubectl-amha"
	DrillRunLabel  = "amha.dev/drill-run"
	ExpiresAnno    = "amha.dev/expires"
	// SinkName names the sink's Deployment and Service; the drill route's URL is
	// http://amha-drill-sink.<namespace>.svc:8080/hook.
	SinkName = "amha-drill-sink"
	SinkPort = 8080
)

// DrillObject says which run an object belongs to and until when it may live.
type DrillObject struct {
	Namespace string
	Run       string
	Expires   time.Time
}

func (d DrillObject) meta(name string, extra map[string]string) metav1.ObjectMeta {
	labels := map[string]string{ManagedByLabel: ManagedBy, DrillRunLabel: d.Run}
	for k, v := range extra {
		labels[k] = v
	}
	return metav1.ObjectMeta{
		Name: name, Namespace: d.Namespace, Labels: labels,
		Annotations: map[string]string{ExpiresAnno: d.Expires.UTC().Format(time.RFC3339)},
	}
}

// SinkObjects are the sink's Deployment and Service as the drill creates them: one replica of
// `kubectl-amha sink` from image, a pod that passes Pod Security "restricted", outside any
// service mesh.
func SinkObjects(d DrillObject, image string) (*appsv1.Deployment, *corev1.Service) {
	sel := map[string]string{"app.kubernetes.io/name": SinkName, DrillRunLabel: d.Run}
	one := int32(1)
	yes, no := true, false
	nobody := int64(sinkimage.UID)
	dep := &appsv1.Deployment{
		ObjectMeta: d.meta(SinkName, map[string]string{"app.kubernetes.io/name": SinkName}),
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels:      d.meta("", sel).Labels,
					Annotations: map[string]string{"sidecar.istio.io/inject": "false", ExpiresAnno: d.Expires.UTC().Format(time.RFC3339)},
				},
				Spec: corev1.PodSpec{
					AutomountServiceAccountToken: &no,
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   &yes,
						RunAsUser:      &nobody,
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Containers: []corev1.Container{{
						Name:            "sink",
						Image:           image,
						ImagePullPolicy: corev1.PullIfNotPresent,
						Args:            []string{"sink", "--listen", fmt.Sprintf(":%d", SinkPort), "--path", "/hook"},
						Ports:           []corev1.ContainerPort{{Name: "http", ContainerPort: SinkPort, Protocol: corev1.ProtocolTCP}},
						ReadinessProbe: &corev1.Probe{
							ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(SinkPort)}},
							PeriodSeconds: 1,
						},
						SecurityContext: &corev1.SecurityContext{
							AllowPrivilegeEscalation: &no,
							ReadOnlyRootFilesystem:   &yes,
							RunAsNonRoot:             &yes,
							Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
							SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
						},
					}},
				},
			},
		},
	}
	svc := &corev1.Service{
		ObjectMeta: d.meta(SinkName, map[string]string{"app.kubernetes.io/name": SinkName}),
		Spec: corev1.ServiceSpec{
			Selector: sel,
			Ports:    []corev1.ServicePort{{Name: "http", Port: SinkPort, TargetPort: intstr.FromInt32(SinkPort), Protocol: corev1.ProtocolTCP}},
		},
	}
	return dep, svc
}

// CreateSink creates the sink's Deployment and Service. An existing amha-drill-sink (another
// run's, or the team's own) is not replaced: the error names it.
func (c *Client) CreateSink(ctx context.Context, d DrillObject, image string) error {
	dep, svc := SinkObjects(d, image)
	if _, err := c.CS.AppsV1().Deployments(d.Namespace).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("deployment %s/%s already exists (another drill's? see its %s label): %w", d.Namespace, SinkName, DrillRunLabel, err)
		}
		return explainAPI(err, "create deployments", d.Namespace)
	}
	if _, err := c.CS.CoreV1().Services(d.Namespace).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("service %s/%s already exists (another drill's? see its %s label): %w", d.Namespace, SinkName, DrillRunLabel, err)
		}
		return explainAPI(err, "create services", d.Namespace)
	}
	return nil
}

// WaitSinkReady waits until the run's sink pod is Ready, polling every second until ctx
// ends; it returns the pod. A pod that cannot start (image not found) says so at once.
func (c *Client) WaitSinkReady(ctx context.Context, d DrillObject) (*corev1.Pod, error) {
	sel := fmt.Sprintf("app.kubernetes.io/name=%s,%s=%s", SinkName, DrillRunLabel, d.Run)
	last := "no pod yet"
	for {
		rctx, cancel := context.WithTimeout(ctx, c.Timeout)
		l, err := c.CS.CoreV1().Pods(d.Namespace).List(rctx, metav1.ListOptions{LabelSelector: sel})
		cancel()
		if err != nil && ctx.Err() == nil {
			return nil, explainAPI(err, "list pods", d.Namespace)
		}
		if err == nil {
			for i := range l.Items {
				p := &l.Items[i]
				if podReady(p) && p.Status.PodIP != "" {
					return p, nil
				}
				last = podWaiting(p)
				if strings.Contains(last, "ErrImage") || strings.Contains(last, "ImagePullBackOff") || strings.Contains(last, "InvalidImageName") {
					return nil, fmt.Errorf("the sink pod %s cannot start: %s", p.Name, last)
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("the sink pod is not Ready (%s): %w", last, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func podWaiting(p *corev1.Pod) string {
	for _, s := range p.Status.ContainerStatuses {
		if w := s.State.Waiting; w != nil {
			return strings.TrimSpace(w.Reason + " " + w.Message)
		}
	}
	return string(p.Status.Phase)
}

// DeleteDrillObjects deletes every Deployment, Service and NetworkPolicy of the run in the
// namespace (by its labels), and reports what it deleted.
func (c *Client) DeleteDrillObjects(ctx context.Context, d DrillObject) ([]string, error) {
	lo := metav1.ListOptions{LabelSelector: fmt.Sprintf("%s=%s,%s=%s", ManagedByLabel, ManagedBy, DrillRunLabel, d.Run)}
	bg := metav1.DeletePropagationBackground
	del := metav1.DeleteOptions{PropagationPolicy: &bg}
	ns := d.Namespace
	var deleted []string
	var errs []error
	gone := func(kind, name string, err error) {
		switch {
		case err == nil:
			deleted = append(deleted, kind+"/"+name)
		case !apierrors.IsNotFound(err):
			errs = append(errs, explainAPI(err, "delete "+kind+" "+name, ns))
		}
	}
	if l, err := c.CS.AppsV1().Deployments(ns).List(ctx, lo); err != nil {
		errs = append(errs, explainAPI(err, "list deployments", ns))
	} else {
		for _, o := range l.Items {
			gone("deployment", o.Name, c.CS.AppsV1().Deployments(ns).Delete(ctx, o.Name, del))
		}
	}
	if l, err := c.CS.CoreV1().Services(ns).List(ctx, lo); err != nil {
		errs = append(errs, explainAPI(err, "list services", ns))
	} else {
		for _, o := range l.Items {
			gone("service", o.Name, c.CS.CoreV1().Services(ns).Delete(ctx, o.Name, del))
		}
	}
	if l, err := c.CS.NetworkingV1().NetworkPolicies(ns).List(ctx, lo); err != nil {
		errs = append(errs, explainAPI(err, "list networkpolicies", ns))
	} else {
		for _, o := range l.Items {
			gone("networkpolicy", o.Name, c.CS.NetworkingV1().NetworkPolicies(ns).Delete(ctx, o.Name, del))
		}
	}
	return deleted, errors.Join(errs...)
}

// ErrEvictionRefused is the Eviction API's 429: a PodDisruptionBudget does not allow it now.
var ErrEvictionRefused = errors.New("the eviction was refused: a PodDisruptionBudget blocks it")

// Evict asks the Eviction API to stop the pod gracefully, as kubectl drain does: a
// PodDisruptionBudget is respected (ErrEvictionRefused). dryRun only asks whether it would.
func (c *Client) Evict(ctx context.Context, namespace, pod string, dryRun bool) error {
	ev := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: pod, Namespace: namespace}}
	if dryRun {
		ev.DeleteOptions = &metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}}
	}
	err := c.CS.CoreV1().Pods(namespace).EvictV1(ctx, ev)
	if apierrors.IsTooManyRequests(err) {
		return fmt.Errorf("%w (%v)", ErrEvictionRefused, err)
	}
	if err != nil {
		return explainAPI(err, "create pods/eviction "+pod, namespace)
	}
	return nil
}

// DeletePod deletes the pod with its own grace period (its controller recreates it).
func (c *Client) DeletePod(ctx context.Context, namespace, pod string) error {
	if err := c.CS.CoreV1().Pods(namespace).Delete(ctx, pod, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return explainAPI(err, "delete pod "+pod, namespace)
	}
	return nil
}

// MeshPort is Alertmanager's default cluster port, the one the partition drill cuts.
const MeshPort = 9094

// PartitionPolicy selects the one pod of a StatefulSet and allows it every TCP and UDP port
// but port, in both directions: only the mesh port is cut, the API and the sink stay reachable.
func PartitionPolicy(d DrillObject, pod string, port int32) *networkingv1.NetworkPolicy {
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	var ports []networkingv1.NetworkPolicyPort
	for _, proto := range []*corev1.Protocol{&tcp, &udp} {
		for _, r := range [][2]int32{{1, port - 1}, {port + 1, 65535}} {
			from, to := intstr.FromInt32(r[0]), r[1]
			ports = append(ports, networkingv1.NetworkPolicyPort{Protocol: proto, Port: &from, EndPort: &to})
		}
	}
	return &networkingv1.NetworkPolicy{
		ObjectMeta: d.meta("amha-drill-partition-"+pod, nil),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"statefulset.kubernetes.io/pod-name": pod}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{Ports: ports}},
			Egress:      []networkingv1.NetworkPolicyEgressRule{{Ports: ports}},
		},
	}
}

// CreateNetworkPolicy creates p; the returned function deletes it.
func (c *Client) CreateNetworkPolicy(ctx context.Context, p *networkingv1.NetworkPolicy) (func(context.Context) error, error) {
	if _, err := c.CS.NetworkingV1().NetworkPolicies(p.Namespace).Create(ctx, p, metav1.CreateOptions{}); err != nil {
		return nil, explainAPI(err, "create networkpolicies", p.Namespace)
	}
	return func(ctx context.Context) error {
		err := c.CS.NetworkingV1().NetworkPolicies(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return explainAPI(err, "delete networkpolicy "+p.Name, p.Namespace)
		}
		return nil
	}, nil
}

// ErrNoExecutable says that the command to exec is not in the container's image.
var ErrNoExecutable = errors.New("executable not found in the container's image")

// Exec runs command in the pod's container (pods/exec, WebSocket first and SPDY as the
// fallback, as kubectl does), within ctx, and returns its output.
func (c *Client) Exec(ctx context.Context, namespace, pod, container string, command []string) (string, error) {
	req := c.CS.CoreV1().RESTClient().Post().Resource("pods").Namespace(namespace).Name(pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Container: container, Command: command, Stdout: true, Stderr: true}, scheme.ParameterCodec)
	spdyExec, err := remotecommand.NewSPDYExecutor(c.Config, http.MethodPost, req.URL())
	if err != nil {
		return "", err
	}
	exec := spdyExec
	if ws, err := remotecommand.NewWebSocketExecutor(c.Config, http.MethodGet, req.URL().String()); err == nil {
		if fb, err := remotecommand.NewFallbackExecutor(ws, spdyExec, func(err error) bool {
			return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
		}); err == nil {
			exec = fb
		}
	}
	var out bytes.Buffer
	err = exec.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &out, Stderr: &out})
	if err != nil {
		msg := err.Error() + " " + out.String()
		switch {
		case strings.Contains(msg, "executable file not found") || strings.Contains(msg, "no such file or directory"):
			return out.String(), fmt.Errorf("%w: %s", ErrNoExecutable, strings.TrimSpace(msg))
		case apierrors.IsForbidden(err) || strings.Contains(msg, "forbidden"):
			return out.String(), fmt.Errorf("RBAC denies pods/exec (create) in namespace %s: %w", namespace, err)
		}
		return out.String(), fmt.Errorf("exec %v in pod %s/%s: %w", command, namespace, pod, err)
	}
	return out.String(), nil
}

// Leftover is what another drill run left in a namespace: its objects and the latest expiry
// among them (zero when one has none, or an unreadable one).
type Leftover struct {
	Namespace string
	Run       string
	Expires   time.Time
	Objects   []string
}

// DrillLeftovers finds the Deployments, Services and NetworkPolicies labelled as a drill's in
// the namespace ("": every namespace), by namespace and run.
func (c *Client) DrillLeftovers(ctx context.Context, namespace string) ([]Leftover, error) {
	return c.drillObjects(ctx, namespace, false)
}

// DrillsInProgress is DrillLeftovers for status and the live view: a kind that may not be
// listed (RBAC) is left out and the others still tell (every drill creates the sink's Service).
func (c *Client) DrillsInProgress(ctx context.Context, namespace string) ([]Leftover, error) {
	return c.drillObjects(ctx, namespace, true)
}

func (c *Client) drillObjects(ctx context.Context, namespace string, skipForbidden bool) ([]Leftover, error) {
	lo := metav1.ListOptions{LabelSelector: ManagedByLabel + "=" + ManagedBy + "," + DrillRunLabel}
	byRun := map[string]*Leftover{}
	var order []string
	add := func(kind string, m metav1.Object) {
		run := m.GetLabels()[DrillRunLabel]
		key := m.GetNamespace() + "/" + run
		l := byRun[key]
		if l == nil {
			l = &Leftover{Namespace: m.GetNamespace(), Run: run}
			byRun[key] = l
			order = append(order, key)
		}
		l.Objects = append(l.Objects, kind+"/"+m.GetName())
		exp, err := time.Parse(time.RFC3339, m.GetAnnotations()[ExpiresAnno])
		if err != nil {
			exp = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) // no readable expiry: never expired
		}
		if exp.After(l.Expires) {
			l.Expires = exp
		}
	}
	for _, l := range []struct {
		kind, resource string
		list           func() (runtime.Object, error)
	}{
		{"deployment", "deployments", func() (runtime.Object, error) { return c.CS.AppsV1().Deployments(namespace).List(ctx, lo) }},
		{"service", "services", func() (runtime.Object, error) { return c.CS.CoreV1().Services(namespace).List(ctx, lo) }},
		{"networkpolicy", "networkpolicies", func() (runtime.Object, error) {
			return c.CS.NetworkingV1().NetworkPolicies(namespace).List(ctx, lo)
		}},
	} {
		list, err := l.list()
		if err != nil {
			if skipForbidden && apierrors.IsForbidden(err) {
				continue
			}
			return nil, explainAPI(err, "list "+l.resource, namespace)
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if m, err := meta.Accessor(it); err == nil {
				add(l.kind, m)
			}
		}
	}
	out := make([]Leftover, 0, len(order))
	for _, r := range order {
		out = append(out, *byRun[r])
	}
	return out, nil
}
