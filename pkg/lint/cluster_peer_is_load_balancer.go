package lint

import (
	"fmt"
	"net"
	"strings"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// clusterPeerIsLoadBalancer: --cluster.peer is resolved at start and every 15s, and every
// resolved address that is not a member is joined (cluster/cluster.go refresh). A Service's
// cluster IP is never a member: it is re-joined forever, each join reaching one random pod
// (ha-facts: "A peer name that resolves to a VIP/ClusterIP is re-joined forever"). It also
// starts in the failed peers (setInitialFailed), re-joined every --cluster.reconnect-interval
// until --cluster.reconnect-timeout. A headless Service's name resolves to every pod, which is
// fine.
type clusterPeerIsLoadBalancer struct{}

func (clusterPeerIsLoadBalancer) ID() string { return "cluster/peer-is-load-balancer" }

func (c clusterPeerIsLoadBalancer) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, cl := range s.Clusters() {
		for _, w := range cl.Workloads {
			if w.Kind == "Command" || !w.Clustered() {
				continue
			}
			for _, p := range clusterPeers(w) {
				svc := clusterPeerService(s, w, p.Value)
				if svc == nil {
					continue
				}
				typ := svc.Root.Get("spec", "type").String()
				if typ == "ExternalName" || clusterHeadless(svc) {
					continue
				}
				if typ == "" {
					typ = "ClusterIP"
				}
				_, port, _ := net.SplitHostPort(p.Value)
				sev, effect := model.Error, "At start the Service has no ready endpoint yet, or routes a pod back to itself, so replicas begin alone: "+
					"islands that each send their own notifications until a later join happens to reach another pod."
				if !clusterServiceHasPort(svc, port) {
					effect = fmt.Sprintf("The Service does not even expose port %s: every join through it fails, and replicas with no other peer stay islands that each send their own notifications.", port)
				}
				if clusterOtherPeers(s, w, p) {
					sev, effect = model.Warning, fmt.Sprintf("The other peers still hold the mesh together; this one only adds useless joins: the virtual IP stays in alertmanager_cluster_failed_peers "+
						"and is re-joined every %s until --cluster.reconnect-timeout (%s), and each join lands on whatever pod the Service picks "+
						"(counted in alertmanager_cluster_refresh_join_total and alertmanager_cluster_reconnections_total, or their _failed_total counterparts when it fails).",
						clusterReconnectInterval(w), clusterReconnectTimeoutValue(w))
				}
				msg := fmt.Sprintf("The peer --cluster.peer=%s names %s, a %s Service with a cluster IP: the name resolves to one virtual IP, and each join through it reaches one pod picked at random. "+
					"The virtual IP is never a member of the mesh, so every replica re-joins it forever (every 15s). %s", p.Value, svc.ID(), typ, effect)
				sts := ""
				if w.Kind == "StatefulSet" {
					sts = w.Object.Root.Get("spec", "serviceName").String()
				}
				mesh := fmt.Sprint(k8sMeshPort(w))
				fix := "Name the pods instead, through a headless Service (clusterIP: None, publishNotReadyAddresses: true, ports " + k8sMeshProtocols(w) + ")"
				switch {
				case sev == model.Warning && w.Kind != "Alertmanager":
					fix = fmt.Sprintf("Remove --cluster.peer=%s: the other peers already hold the mesh together, and a join through a virtual IP adds nothing.", p.Value)
				case sts != "":
					fix += fmt.Sprintf(": %s.", strings.Join(clusterPodPeers(w.Name, sts, mesh, max(w.Replicas, 1)), " "))
				case w.Kind == "Alertmanager":
					fix = fmt.Sprintf("Remove %s from spec.additionalPeers: prometheus-operator already lists every pod by its DNS name under alertmanager-operated.", p.Value)
				default:
					fix += ": --cluster.peer=<headless-service>:" + mesh + " resolves to every pod."
				}
				out = append(out, model.Finding{
					ID: c.ID(), Severity: sev, Symptoms: []model.Symptom{model.Duplicates},
					Objects:   []string{w.ID(), svc.ID()},
					Message:   msg,
					Fix:       fix,
					Locations: []Location{p.At.Loc(), svc.Root.Get("spec").LocOr(svc.Root)},
				})
			}
		}
	}
	return out
}

// clusterOtherPeers: w has a peer besides p that is not a load-balanced Service of the Set.
func clusterOtherPeers(s *Set, w *Workload, p clusterPeer) bool {
	for _, q := range clusterPeers(w) {
		if q.Value == p.Value {
			continue
		}
		if svc := clusterPeerService(s, w, q.Value); svc == nil || clusterHeadless(svc) {
			return true
		}
	}
	return false
}

// clusterPeerService is the Service of the Set a peer host names in one of the forms
// <svc>, <svc>.<ns>, <svc>.<ns>.svc and <svc>.<ns>.svc.<cluster-domain>; nil for pod names
// (<pod>.<svc>...) and hosts outside the Set.
func clusterPeerService(s *Set, w *Workload, peer string) *Object {
	host, _, err := net.SplitHostPort(peer)
	if err != nil || net.ParseIP(host) != nil {
		return nil
	}
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	name, ns := labels[0], ""
	switch {
	case len(labels) == 1:
	case len(labels) == 2:
		ns = labels[1]
	case labels[2] == "svc":
		ns = labels[1]
	default:
		return nil
	}
	for _, o := range s.Objects {
		if o.Kind != "Service" || o.Name != name {
			continue
		}
		want := ns
		if want == "" {
			want = w.Namespace
		}
		if o.Namespace == "" || want == "" || o.Namespace == want {
			return o
		}
	}
	return nil
}

func clusterHeadless(svc *Object) bool {
	if svc.Root.Get("spec", "clusterIP").String() == "None" {
		return true
	}
	ips := svc.Root.Get("spec", "clusterIPs").Strings()
	return len(ips) > 0 && ips[0] == "None"
}

func clusterServiceHasPort(svc *Object, port string) bool {
	for _, p := range svc.Root.Get("spec", "ports").Items() {
		if p.Get("port").String() == port {
			return true
		}
	}
	return false
}

// clusterReconnectTimeoutValue is the effective --cluster.reconnect-timeout of w, printed.
func clusterReconnectTimeoutValue(w *Workload) string {
	d, a, ok := clusterDur(w, "cluster.reconnect-timeout")
	switch {
	case !ok:
		return a.Value
	case d <= 0:
		return a.Value + ", which never comes"
	case a == nil:
		return clusterHuman(d) + " by default"
	}
	return clusterHuman(d)
}
