package snippets

import (
	"fmt"
	"strings"
)

const promHeader = `# Prometheus sends every alert to every Alertmanager it knows: each replica must be a target of
# its own. Never a load balancer, ingress or ClusterIP Service name: each batch would reach one
# replica, groups would fragment, and alerts would be lost with the replica that held them.
`

// labelDrop is the alert_relabel_configs every variant carries.
const labelDrop = `  # HA Prometheus pairs differ only in their replica external label: drop it so both send
  # identical alerts that Alertmanager groups and dedups as one. Name your replica label here
  # (prometheus-operator: prometheus_replica).
  alert_relabel_configs:
  - action: labeldrop
    regex: prometheus_replica|replica
`

func prometheusEndpoints(s Spec) (string, error) {
	return fmt.Sprintf(`%s# Endpoints discovery on the replicas' headless Service %s, keeping only the web port.
alerting:
%s  alertmanagers:
  - api_version: v2
    kubernetes_sd_configs:
    - role: endpoints  # role: endpointslice works alike, with __meta_kubernetes_endpointslice_port_name
      namespaces:
        names:
        - %s
    relabel_configs:
    - source_labels: [__meta_kubernetes_service_name]
      regex: %s
      action: keep
    # One target per port is discovered: keep only the web port, or alerts also go to 9094 (the mesh).
    - source_labels: [__meta_kubernetes_endpoint_port_name]
      regex: web
      action: keep
`, promHeader, s.Service(), labelDrop, s.Namespace, s.Service()), nil
}

func prometheusStatic(s Spec) (string, error) {
	var targets strings.Builder
	for i := range s.Replicas {
		fmt.Fprintf(&targets, "      - %s.%s.%s.svc:9093\n", s.Pod(i), s.Service(), s.Namespace)
	}
	return fmt.Sprintf(`%s# Every replica listed by its stable pod DNS name: add one when you scale up.
alerting:
%s  alertmanagers:
  - api_version: v2
    static_configs:
    - targets:
%s`, promHeader, labelDrop, targets.String()), nil
}

func prometheusDNS(s Spec) (string, error) {
	return fmt.Sprintf(`%s# DNS discovery on the headless Service: its A records are every replica's pod IP (Ready or
# not, with publishNotReadyAddresses), re-resolved every refresh_interval. A ClusterIP Service name
# here would be one virtual IP: a load balancer.
alerting:
%s  alertmanagers:
  - api_version: v2
    dns_sd_configs:
    - names:
      - %s.%s.svc
      type: A
      port: 9093
      refresh_interval: 30s
`, promHeader, labelDrop, s.Service(), s.Namespace), nil
}

// prometheusCR is the part of monitoring.coreos.com/v1 Prometheus the snippet sets.
type prometheusCR struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   crMetadata `json:"metadata"`
	Spec       promCRSpec `json:"spec"`
}

type crMetadata struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
}

type promCRSpec struct {
	Alerting promAlerting `json:"alerting"`
}

type promAlerting struct {
	Alertmanagers []promAMEndpoint `json:"alertmanagers"`
}

type promAMEndpoint struct {
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
	Port       string `json:"port"`
	APIVersion string `json:"apiVersion"`
}

func prometheusOperator(s Spec) (string, error) {
	cr := prometheusCR{
		APIVersion: "monitoring.coreos.com/v1",
		Kind:       "Prometheus",
		Metadata:   crMetadata{Name: "k8s", Namespace: s.Namespace},
		Spec: promCRSpec{Alerting: promAlerting{Alertmanagers: []promAMEndpoint{{
			Namespace: s.Namespace, Name: s.Service(), Port: "web", APIVersion: "v2",
		}}}},
	}
	return documents("", doc{
		comment: "Merge spec.alerting into your Prometheus (here named k8s). The operator discovers the endpoints of " +
			"Service " + s.Service() + " and keeps only the named port web, so every replica is a target and 9094 is not; " +
			"it also drops its replica label (prometheus_replica) from alerts by itself.",
		obj: cr,
	})
}
