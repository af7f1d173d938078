package lint

import (
	"fmt"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// clusterPeersMissing: a replica joins only the --cluster.peer addresses it resolves (at start
// and every 15s); with none it is a cluster of one. prometheus-operator lists every pod of the
// StatefulSet, itself included, by its DNS name under the governing headless Service
// (ha-facts: "Kubernetes practice"; cluster/cluster.go resolvePeers, refresh).
type clusterPeersMissing struct{}

func (clusterPeersMissing) ID() string { return "cluster/peers-missing" }

var clusterPodName = regexp.MustCompile(`^(.+)-(\d+)$`)

func (c clusterPeersMissing) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, cl := range s.Clusters() {
		if !clusterMeshOn(cl) {
			continue
		}
		n := cl.Replicas()
		var withPeers, without []*Workload
		for _, w := range cl.Workloads {
			if !w.Clustered() {
				continue // cluster/disabled
			}
			if len(clusterPeers(w)) > 0 {
				withPeers = append(withPeers, w)
			} else {
				without = append(without, w)
			}
		}
		if len(withPeers) == 0 {
			out = append(out, c.none(cl, without, n))
			continue
		}
		for _, w := range without {
			out = append(out, model.Finding{
				ID: c.ID(), Severity: model.Warning, Symptoms: []model.Symptom{model.Duplicates},
				Objects: []string{w.ID()},
				Message: fmt.Sprintf("%s has no --cluster.peer while the other members of this cluster of %d replicas have some: it is in the mesh only while another replica lists its address. "+
					"If none does, or they cannot reach it when it restarts, it runs as a cluster of its own: an island that sends every notification itself.", clusterCap(w.ID()), n),
				Fix:       fmt.Sprintf("Give every replica the same list of --cluster.peer=<host>:%d, one per replica, itself included.", k8sMeshPort(w)),
				Locations: []Location{clusterArgLoc(w, nil)},
			})
		}
		for _, w := range withPeers {
			if w.Kind == "StatefulSet" {
				if f, ok := c.perPod(w); ok {
					out = append(out, f)
				}
			}
		}
	}
	return out
}

func (c clusterPeersMissing) none(cl *Cluster, ws []*Workload, n int) model.Finding {
	f := model.Finding{
		ID: c.ID(), Severity: model.Error, Symptoms: []model.Symptom{model.Duplicates},
		Message: fmt.Sprintf("Clustering is on in a cluster of %d replicas, but no replica has a --cluster.peer: each one is a cluster of its own. "+
			"Nobody shares a notification log, so every notification is sent %d times, and a silence stays on the replica it was made on.", n, n),
	}
	for _, w := range ws {
		f.Objects = append(f.Objects, w.ID())
		f.Locations = append(f.Locations, clusterArgLoc(w, nil))
	}
	w := ws[0]
	port := strconv.Itoa(k8sMeshPort(w))
	switch {
	case w.Kind == "StatefulSet":
		svc := w.Object.Root.Get("spec", "serviceName").String()
		if svc == "" {
			svc = "<headless-service>"
		}
		f.Fix = fmt.Sprintf("Add one peer per pod, itself included, by its DNS name under the governing headless Service: %s.", strings.Join(clusterPodPeers(w.Name, svc, port, n), " "))
	case w.Kind == "Deployment":
		f.Fix = "Deployment pods have no stable names: add --cluster.peer=<headless-service>:" + port + " naming a headless Service (clusterIP: None, publishNotReadyAddresses: true) that selects these pods, or better, run a StatefulSet with one peer per pod."
	default:
		f.Fix = "Give every replica --cluster.peer=<host>:" + port + " for each replica, itself included."
	}
	return f
}

// perPod checks a StatefulSet whose peers name its pods: every ordinal must be there, under
// the governing Service (the only name a pod's DNS record has).
func (c clusterPeersMissing) perPod(w *Workload) (model.Finding, bool) {
	svc := w.Object.Root.Get("spec", "serviceName").String()
	seen := map[int]bool{}
	var bad []clusterPeer
	var locs []Location
	port, suffix := strconv.Itoa(k8sMeshPort(w)), svc
	for _, p := range clusterPeers(w) {
		host, pt, err := net.SplitHostPort(p.Value)
		if err != nil {
			continue
		}
		labels := strings.Split(strings.TrimSuffix(host, "."), ".")
		m := clusterPodName.FindStringSubmatch(labels[0])
		if m == nil || m[1] != w.Name {
			continue
		}
		if len(locs) == 0 {
			locs = append(locs, p.At.Loc())
		}
		if len(labels) < 2 || (svc != "" && labels[1] != svc) {
			bad = append(bad, p)
			continue
		}
		i, _ := strconv.Atoi(m[2])
		seen[i] = true
		port, suffix = pt, strings.Join(labels[1:], ".")
	}
	if len(seen) == 0 && len(bad) == 0 {
		return model.Finding{}, false // peers by Service name or outside hosts: not per pod
	}
	var missing []string
	for i := 0; i < w.Replicas; i++ {
		if !seen[i] {
			missing = append(missing, fmt.Sprintf("%s-%d", w.Name, i))
		}
	}
	if len(missing) == 0 && len(bad) == 0 {
		return model.Finding{}, false
	}
	f := model.Finding{
		ID: c.ID(), Severity: model.Warning, Symptoms: []model.Symptom{model.Duplicates},
		Objects: []string{w.ID()},
		Fix: fmt.Sprintf("List every pod, itself included, under the governing Service: %s.",
			strings.Join(clusterPodPeers(w.Name, suffix, port, w.Replicas), " ")),
	}
	var parts []string
	if len(bad) > 0 {
		var names []string
		for _, p := range bad {
			names = append(names, p.Value)
			f.Details = append(f.Details, fmt.Sprintf("--cluster.peer=%s: a pod's DNS name exists only under the StatefulSet's governing Service (spec.serviceName: %s), as <pod>.%s", p.Value, svc, svc))
		}
		parts = append(parts, fmt.Sprintf("%s do not resolve (no DNS record has that name), so those joins fail forever", strings.Join(names, ", ")))
		if len(seen) == 0 {
			f.Severity = model.Error
		}
	}
	if len(missing) > 0 && len(seen) > 0 {
		parts = append(parts, fmt.Sprintf("%s of the %d pods %s not listed", strings.Join(missing, ", "), w.Replicas, clusterIsAre(len(missing))))
	}
	sort.Strings(f.Details)
	f.Message = fmt.Sprintf("The --cluster.peer list of %s names its pods, but %s. A replica joins only the peers it lists (resolved at start and every 15s): "+
		"one that starts while every pod it lists is down runs alone until one of them is back, an island that sends every notification itself.", w.ID(), strings.Join(parts, "; and "))
	if len(seen) == 0 {
		f.Message = fmt.Sprintf("The --cluster.peer list of %s names its pods, but %s: no replica can join another, so each is an island and every notification is sent by all %d replicas.",
			w.ID(), strings.Join(parts, "; and "), w.Replicas)
	}
	f.Locations = append(locs, w.ReplicasNode.LocOr(w.At))
	return f, true
}

func clusterPodPeers(sts, suffix, port string, n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, fmt.Sprintf("--cluster.peer=%s-%d.%s:%s", sts, i, suffix, port))
	}
	return out
}

func clusterIsAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}
