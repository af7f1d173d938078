package snippets

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const (
	webPort  = 9093
	meshPort = 9094
	// prometheusLabel selects the Prometheus pods allowed to send alerts (prometheus-operator's).
	prometheusLabelKey, prometheusLabelValue = "app.kubernetes.io/name", "prometheus"
)

func (s Spec) labels() map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":     "alertmanager",
		"app.kubernetes.io/instance": s.Name,
	}
}

func meta(kind, apiVersion string) metav1.TypeMeta {
	return metav1.TypeMeta{Kind: kind, APIVersion: apiVersion}
}

func (s Spec) objectMeta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: s.Namespace, Labels: s.labels()}
}

func kubernetesObjects(s Spec) (string, error) {
	cfg, err := watchdogRoute(s)
	if err != nil {
		return "", err
	}
	docs := []doc{
		{comment: "The configuration, identical on every replica: any difference in routes or receivers means different " +
			"notification-log keys and no dedup. Alertmanager does not watch the file: after a change, POST /-/reload " +
			"on every replica or run a config reloader.", obj: s.configMap(cfg)},
		{comment: "The governing headless Service: it gives every pod the DNS name its peers use " +
			"(<pod>." + s.Service() + "), also before the pod is Ready (publishNotReadyAddresses: replicas starting " +
			"together must resolve each other before any is Ready, and a replica failing its probe stays in the mesh). 9094 over TCP and UDP: memberlist needs both. Prometheus discovers the replicas " +
			"through it; never send alerts through a ClusterIP Service.", obj: s.service()},
		{comment: statefulSetComment(s), obj: s.statefulSet()},
	}
	if s.Replicas > 1 {
		docs = append(docs,
			doc{comment: "At most one replica down for a voluntary disruption (node drain, upgrade): the others keep " +
				"notifying and keep the notification log and silences.", obj: s.pdb(s.labels())},
			doc{comment: networkPolicyComment(s), obj: s.networkPolicy(s.labels())},
		)
	}
	return documents(fmt.Sprintf("Alertmanager %s %s: %d replicas in namespace %s. kubectl apply -f this file.",
		s.Version, s.Name, s.Replicas, s.Namespace), docs...)
}

func statefulSetComment(s Spec) string {
	c := "podManagementPolicy Parallel starts every replica at once: they find each other by DNS, not by start " +
		"order. Probes: /-/healthy and /-/ready answer 200 even while gossip settles, so they only say the " +
		"process serves HTTP; pod Ready is not mesh health (check that with mesh-check.sh or kubectl amha status). " +
		"Storage on a volume keeps the notification log and silences across restarts; without it, a restart of " +
		"every replica repeats every firing notification. "
	if len(s.Zones) > 0 {
		c += fmt.Sprintf("Replicas are spread over zones %s (at most one more in any zone) and over nodes. ", strings.Join(s.Zones, ", "))
	} else {
		c += "Replicas are spread over nodes and, where nodes carry a zone label, over zones. "
	}
	return c + "The cluster flags are explained in cluster-flags.txt."
}

func networkPolicyComment(s Spec) string {
	return "Only the replicas reach the mesh port 9094 (TCP and UDP): memberlist has no authentication, and anyone who " +
		"reaches it can join and write silences. Only Prometheus pods (" + prometheusLabelKey + "=" + prometheusLabelValue +
		", this namespace; add a namespaceSelector for others) reach the web port 9093. Applied to a running mesh it does " +
		"not cut flows that already exist (conntrack), so a mistake may show only when a pod is recreated."
}

func (s Spec) configMap(config string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   meta("ConfigMap", "v1"),
		ObjectMeta: s.objectMeta(s.ConfigMap()),
		Data:       map[string]string{"alertmanager.yml": config},
	}
}

func (s Spec) service() *corev1.Service {
	ports := []corev1.ServicePort{{Name: "web", Port: webPort, TargetPort: intstr.FromString("web"), Protocol: corev1.ProtocolTCP}}
	if s.Replicas > 1 {
		ports = append(ports,
			corev1.ServicePort{Name: "mesh-tcp", Port: meshPort, TargetPort: intstr.FromString("mesh-tcp"), Protocol: corev1.ProtocolTCP},
			corev1.ServicePort{Name: "mesh-udp", Port: meshPort, TargetPort: intstr.FromString("mesh-udp"), Protocol: corev1.ProtocolUDP},
		)
	}
	return &corev1.Service{
		TypeMeta:   meta("Service", "v1"),
		ObjectMeta: s.objectMeta(s.Service()),
		Spec: corev1.ServiceSpec{
			ClusterIP:                corev1.ClusterIPNone,
			PublishNotReadyAddresses: true,
			Selector:                 s.labels(),
			Ports:                    ports,
		},
	}
}

func (s Spec) statefulSet() *appsv1.StatefulSet {
	replicas := int32(s.Replicas)
	args := []string{
		"--config.file=/etc/alertmanager/alertmanager.yml",
		"--storage.path=/alertmanager",
		"--web.listen-address=:9093",
	}
	args = append(args, flagValues(s)...)
	ports := []corev1.ContainerPort{{Name: "web", ContainerPort: webPort, Protocol: corev1.ProtocolTCP}}
	if s.Replicas > 1 {
		ports = append(ports,
			corev1.ContainerPort{Name: "mesh-tcp", ContainerPort: meshPort, Protocol: corev1.ProtocolTCP},
			corev1.ContainerPort{Name: "mesh-udp", ContainerPort: meshPort, Protocol: corev1.ProtocolUDP},
		)
	}
	env := []corev1.EnvVar{
		{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
		{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
	}
	if s.Replicas == 1 {
		env = nil
	}
	probe := func(path string, delay, period, failures int32) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:        corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString("web")}},
			InitialDelaySeconds: delay, PeriodSeconds: period, TimeoutSeconds: 3, FailureThreshold: failures,
		}
	}
	no, yes := false, true
	uid, fsGroup := int64(65534), int64(65534)
	return &appsv1.StatefulSet{
		TypeMeta:   meta("StatefulSet", "apps/v1"),
		ObjectMeta: s.objectMeta(s.StatefulSet()),
		Spec: appsv1.StatefulSetSpec{
			Replicas:            &replicas,
			ServiceName:         s.Service(),
			PodManagementPolicy: appsv1.ParallelPodManagement,
			UpdateStrategy:      appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType},
			Selector:            &metav1.LabelSelector{MatchLabels: s.labels()},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: s.labels()},
				Spec: corev1.PodSpec{
					SecurityContext:           &corev1.PodSecurityContext{RunAsNonRoot: &yes, RunAsUser: &uid, FSGroup: &fsGroup},
					Affinity:                  s.zoneAffinity(),
					TopologySpreadConstraints: s.spread(s.labels()),
					Containers: []corev1.Container{{
						Name:           "alertmanager",
						Image:          s.image(),
						Args:           args,
						Env:            env,
						Ports:          ports,
						LivenessProbe:  probe("/-/healthy", 0, 10, 10),
						ReadinessProbe: probe("/-/ready", 3, 5, 10),
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
							Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
						},
						SecurityContext: &corev1.SecurityContext{
							AllowPrivilegeEscalation: &no,
							ReadOnlyRootFilesystem:   &yes,
							Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
						},
						VolumeMounts: []corev1.VolumeMount{
							{Name: "config", MountPath: "/etc/alertmanager", ReadOnly: true},
							{Name: "data", MountPath: "/alertmanager"},
						},
					}},
					Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{
						ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: s.ConfigMap()}},
					}}},
				},
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
				},
			}},
			PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
				WhenScaled:  appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
			},
		},
	}
}

// zoneAffinity keeps the pods in the given zones.
func (s Spec) zoneAffinity() *corev1.Affinity {
	if len(s.Zones) == 0 || s.Replicas == 1 {
		return nil
	}
	return &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
			MatchExpressions: []corev1.NodeSelectorRequirement{{
				Key: corev1.LabelTopologyZone, Operator: corev1.NodeSelectorOpIn, Values: s.Zones,
			}},
		}}},
	}}
}

// spread puts replicas on different nodes and zones: with --zones strictly over the zones,
// otherwise as far as the nodes allow.
func (s Spec) spread(labels map[string]string) []corev1.TopologySpreadConstraint {
	if s.Replicas == 1 {
		return nil
	}
	sel := &metav1.LabelSelector{MatchLabels: labels}
	zone := corev1.ScheduleAnyway
	if len(s.Zones) > 0 {
		zone = corev1.DoNotSchedule
	}
	return []corev1.TopologySpreadConstraint{
		{MaxSkew: 1, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: zone, LabelSelector: sel},
		{MaxSkew: 1, TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.ScheduleAnyway, LabelSelector: sel},
	}
}

func (s Spec) pdb(labels map[string]string) *policyv1.PodDisruptionBudget {
	one := intstr.FromInt32(1)
	return &policyv1.PodDisruptionBudget{
		TypeMeta:   meta("PodDisruptionBudget", "policy/v1"),
		ObjectMeta: metav1.ObjectMeta{Name: s.StatefulSet(), Namespace: s.Namespace, Labels: s.labels()},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: &one,
			Selector:       &metav1.LabelSelector{MatchLabels: labels},
		},
	}
}

func (s Spec) networkPolicy(labels map[string]string) *networkingv1.NetworkPolicy {
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	port := func(p int32, proto *corev1.Protocol) networkingv1.NetworkPolicyPort {
		v := intstr.FromInt32(p)
		return networkingv1.NetworkPolicyPort{Port: &v, Protocol: proto}
	}
	return &networkingv1.NetworkPolicy{
		TypeMeta:   meta("NetworkPolicy", "networking.k8s.io/v1"),
		ObjectMeta: metav1.ObjectMeta{Name: s.StatefulSet(), Namespace: s.Namespace, Labels: s.labels()},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: labels},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{
				{
					From:  []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: labels}}},
					Ports: []networkingv1.NetworkPolicyPort{port(meshPort, &tcp), port(meshPort, &udp)},
				},
				{
					From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{
						MatchLabels: map[string]string{prometheusLabelKey: prometheusLabelValue},
					}}},
					Ports: []networkingv1.NetworkPolicyPort{port(webPort, &tcp)},
				},
			},
		},
	}
}
