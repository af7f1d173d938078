package snippets

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// alertmanagerCR is the part of monitoring.coreos.com/v1 Alertmanager the snippet sets; field
// names are prometheus-operator's.
type alertmanagerCR struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   crMetadata `json:"metadata"`
	Spec       amCRSpec   `json:"spec"`
}

type amCRSpec struct {
	Replicas                  int32                             `json:"replicas"`
	Version                   string                            `json:"version"`
	Image                     string                            `json:"image"`
	ConfigSecret              string                            `json:"configSecret"`
	ClusterPeerTimeout        string                            `json:"clusterPeerTimeout,omitempty"`
	AdditionalArgs            []amArgument                      `json:"additionalArgs,omitempty"`
	Affinity                  *corev1.Affinity                  `json:"affinity,omitempty"`
	TopologySpreadConstraints []corev1.TopologySpreadConstraint `json:"topologySpreadConstraints,omitempty"`
	Resources                 corev1.ResourceRequirements       `json:"resources"`
	Storage                   *amStorage                        `json:"storage,omitempty"`
}

type amArgument struct {
	Name  string `json:"name"`
	Value string `json:"value,omitempty"`
}

type amStorage struct {
	VolumeClaimTemplate amPVCTemplate `json:"volumeClaimTemplate"`
}

type amPVCTemplate struct {
	Spec corev1.PersistentVolumeClaimSpec `json:"spec"`
}

// operatorLabels are the labels prometheus-operator puts on an Alertmanager's pods.
func (s Spec) operatorLabels() map[string]string {
	return map[string]string{"alertmanager": s.Name, "app.kubernetes.io/name": "alertmanager"}
}

func alertmanagerOperator(s Spec) (string, error) {
	cfg, err := watchdogRoute(s)
	if err != nil {
		return "", err
	}
	p := s.Params()
	cr := alertmanagerCR{
		APIVersion: "monitoring.coreos.com/v1",
		Kind:       "Alertmanager",
		Metadata:   crMetadata{Name: s.Name, Namespace: s.Namespace},
		Spec: amCRSpec{
			Replicas:                  int32(s.Replicas),
			Version:                   s.Version,
			Image:                     s.image(),
			ConfigSecret:              s.ConfigMap(),
			ClusterPeerTimeout:        timing.Format(p.PeerTimeout),
			Affinity:                  s.zoneAffinity(),
			TopologySpreadConstraints: s.spread(s.operatorLabels()),
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
			},
			Storage: &amStorage{VolumeClaimTemplate: amPVCTemplate{Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
			}}},
		},
	}
	if s.Replicas > 1 {
		cr.Spec.AdditionalArgs = []amArgument{{Name: "cluster.advertise-address", Value: "$(POD_IP):9094"}}
		if s.minor() >= 30 {
			cr.Spec.AdditionalArgs = append(cr.Spec.AdditionalArgs, amArgument{Name: "dispatch.start-delay", Value: timing.Format(startDelay)})
		}
	}
	secret := &corev1.Secret{
		TypeMeta:   meta("Secret", "v1"),
		ObjectMeta: metav1.ObjectMeta{Name: s.ConfigMap(), Namespace: s.Namespace, Labels: s.labels()},
		StringData: map[string]string{"alertmanager.yaml": cfg},
	}
	web := &corev1.Service{
		TypeMeta:   meta("Service", "v1"),
		ObjectMeta: metav1.ObjectMeta{Name: s.Service(), Namespace: s.Namespace, Labels: s.labels()},
		Spec: corev1.ServiceSpec{
			ClusterIP: corev1.ClusterIPNone,
			Selector:  s.operatorLabels(),
			Ports:     []corev1.ServicePort{{Name: "web", Port: webPort, TargetPort: intstr.FromString("web"), Protocol: corev1.ProtocolTCP}},
		},
	}
	docs := []doc{
		{comment: "The configuration the operator loads (key alertmanager.yaml), identical on every replica.", obj: secret},
		{comment: fmt.Sprintf("prometheus-operator runs this as StatefulSet %s behind the governing headless Service "+
			"alertmanager-operated (publishNotReadyAddresses, 9093/TCP, 9094/TCP and UDP), podManagementPolicy Parallel, "+
			"one --cluster.peer=<pod>.alertmanager-operated:9094 per replica, --cluster.listen-address=[$(POD_IP)]:9094, "+
			"--cluster.label=%s and --cluster.reconnect-timeout=5m%s. "+
			"additionalArgs adds --cluster.advertise-address=$(POD_IP):9094, needed where pod IPs are not RFC 1918 "+
			"(Alertmanager finds no private IP and refuses to start), harmless elsewhere. It creates no anti-affinity "+
			"and no PodDisruptionBudget: both are here.", s.StatefulSet(), s.Label(), peerNameNote(s)), obj: cr},
		{comment: "A headless Service of this Alertmanager's pods only, for Prometheus' spec.alerting (alertmanager-operated " +
			"selects every Alertmanager of the namespace).", obj: web},
	}
	if s.Replicas > 1 {
		docs = append(docs,
			doc{comment: "At most one replica down for a voluntary disruption.", obj: s.pdb(s.operatorLabels())},
			doc{comment: networkPolicyComment(s), obj: s.networkPolicy(s.operatorLabels())},
		)
	}
	return documents(fmt.Sprintf("prometheus-operator form of Alertmanager %s %s: %d replicas in namespace %s.",
		s.Version, s.Name, s.Replicas, s.Namespace), docs...)
}

func peerNameNote(s Spec) string {
	if s.minor() >= 30 {
		return ", and --cluster.peer-name=$(POD_NAME) on v0.30+"
	}
	return ""
}
