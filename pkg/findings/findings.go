// Package findings is the one index of amha's finding ids: for each id where it is found (live on
// the replicas by pkg/checks, in configuration by pkg/lint, or both), its one-sentence meaning and
// its page docs/checks/<area>/<name>.md. The check registries, SARIF rule titles, doc links and
// the docs tests all read it, so an id is looked up in one place.
package findings

import (
	"strings"

	"github.com/amha-dev/kubectl-amha/pkg/version"
)

// Context says where an id is found; an id may be found in both.
type Context int

const (
	// Live: pkg/checks, on what the replicas and Prometheus report (kubectl amha status).
	Live Context = 1 << iota
	// Configuration: pkg/lint, on files (kubectl amha lint) and on live objects (status).
	Configuration
)

// Entry is one finding id.
type Entry struct {
	ID      string
	Context Context
	// Title is the id's meaning in one sentence, as in the "what it means" column of
	// docs/checks/README.md (markdown code spans included).
	Title string
}

// Area is the part of the id before the slash: mesh, prometheus, cluster, k8s or config.
func (e Entry) Area() string {
	area, _, _ := strings.Cut(e.ID, "/")
	return area
}

// Doc is the id's page, relative to the repository root.
func (e Entry) Doc() string { return "docs/checks/" + e.ID + ".md" }

// DocURL is where the id's page is published, at this binary's version.
func (e Entry) DocURL() string { return DocURL(e.ID) }

// DocURL is the page of a finding id as this binary knows it: docs/checks/<id>.md at the
// binary's release tag (or commit; main for a development build: version.DocsRef), so that an
// old binary links to the pages it was built with.
func DocURL(id string) string { return DocURLAt(id, version.String()) }

// DocURLAt is the page of a finding id at amha version v.
func DocURLAt(id, v string) string {
	return repoURL + "/blob/" + version.DocsRef(v) + "/docs/checks/" + id + ".md"
}

const repoURL = "https://github.com/amha-dev/kubectl-amha"

// All is every id, in documentation order: the live checks, then the configuration checks.
func All() []Entry { return append([]Entry(nil), index...) }

// Lookup finds an id's entry.
func Lookup(id string) (Entry, bool) {
	for _, e := range index {
		if e.ID == id {
			return e, true
		}
	}
	return Entry{}, false
}

// prometheus/load-balancer and prometheus/mesh-port are found in both contexts, by two
// detectors that share no input: live, from the Alertmanagers a Prometheus reports it sends to
// (GET /api/v1/alertmanagers); in configuration, from prometheus.yml and the objects around
// it. They are one problem, with one page and one title.
var index = []Entry{
	{ID: "mesh/unreachable", Context: Live, Title: "A replica did not answer `GET /api/v2/status`; its view is unknown and it may be down."},
	{ID: "mesh/disabled", Context: Live, Title: "A replica of a 2+ replica cluster runs with clustering off and sends everything on its own."},
	{ID: "mesh/settling", Context: Live, Title: "A replica's gossip has not settled, so it sends nothing yet, while its pod is already Ready."},
	{ID: "mesh/island", Context: Live, Title: "The mesh is split. Each island notifies on its own (fail-open by design)."},
	{ID: "mesh/missing-peer", Context: Live, Title: "A replica does not see every replica, or the StatefulSet is short of pods."},
	{ID: "mesh/foreign-peer", Context: Live, Title: "A member that is no replica of this cluster: usually two clusters merged by pod IP reuse."},
	{ID: "mesh/position", Context: Live, Title: "Replicas in one island share a position, so they wait equally long and send together."},
	{ID: "mesh/config-drift", Context: Live, Title: "The replicas' configurations differ, so the notification log keys differ and nothing deduplicates."},
	{ID: "mesh/version-skew", Context: Live, Title: "The replicas run more than one Alertmanager version."},
	{ID: "mesh/alerts-diverge", Context: Live, Title: "The replicas hold different alerts: Prometheus does not send every alert to every replica."},
	{ID: "mesh/silences-diverge", Context: Live, Title: "A silence is in force on some replicas only: gossip does not reach them."},
	{ID: "mesh/failed-peers", Context: Live, Title: "Replicas hold failed peers (often old pod IPs for 6h) or report an unhealthy memberlist."},
	{ID: "mesh/notify-failing", Context: Live, Title: "An integration has failed sends. Nothing is logged until a send succeeds, then one delivery may come per replica."},
	{ID: "mesh/slow-receiver", Context: Live, Title: "A receiver answers more slowly than the next replica waits, so that replica sends too."},
	{ID: "mesh/drill-leftover", Context: Live, Title: "A killed drill run left its objects; a partition policy left behind splits the mesh when its pod restarts."},
	{ID: "mesh/slow-gossip", Context: Live, Title: "The probe silence took too long to reach a replica; the notification log travels the same way."},
	{ID: "prometheus/not-all-replicas", Context: Live, Title: "A Prometheus does not send to every replica."},
	{ID: "prometheus/load-balancer", Context: Live | Configuration, Title: "prometheus.yml or a Prometheus object sends alerts to a Service VIP, load balancer or ingress instead of each replica."},
	{ID: "prometheus/mesh-port", Context: Live | Configuration, Title: "The Alertmanager discovery also keeps (or only keeps) the gossip port (9094 by default), so Prometheus sends alerts to it."},
	{ID: "prometheus/invalid", Context: Configuration, Title: "Prometheus refuses the prometheus.yml: it does not start with it, and a reload keeps the old configuration."},
	{ID: "prometheus/subset", Context: Configuration, Title: "A Prometheus configuration sends alerts to some replicas only: static targets leave some out, or an operator port matches none."},
	{ID: "prometheus/replica-label", Context: Configuration, Title: "HA Prometheus servers send each alert with their own replica label, so Alertmanager holds two alerts for each one."},
	{ID: "cluster/disabled", Context: Configuration, Title: "A workload of 2+ replicas has an empty `--cluster.listen-address`: nothing is gossiped and every replica sends every notification."},
	{ID: "cluster/peers-missing", Context: Configuration, Title: "The `--cluster.peer` lists leave replicas without a way in: no peers at all, pod names that do not resolve, or pods left out."},
	{ID: "cluster/peer-is-load-balancer", Context: Configuration, Title: "A `--cluster.peer` names a Service with a cluster IP: each join reaches one random pod, and the virtual IP is re-joined forever."},
	{ID: "cluster/advertise-hostname", Context: Configuration, Title: "`--cluster.advertise-address` is not an IP:port, so Alertmanager exits at start."},
	{ID: "cluster/listen-hostname", Context: Configuration, Title: "`--cluster.listen-address` is a host name: the mesh binds every interface and, without an advertise IP, advertises the unroutable `[::]`."},
	{ID: "cluster/label-missing", Context: Configuration, Title: "No `--cluster.label`: a foreign Alertmanager that gets a gone pod's IP merges into the mesh and shares silences and positions."},
	{ID: "cluster/inconsistent-flags", Context: Configuration, Title: "Replicas of one mesh have different mesh flags: different labels or TLS split it, different timings break the stagger."},
	{ID: "cluster/zero-interval", Context: Configuration, Title: "A cluster interval or timeout is zero or negative: 0.34 refuses to start, older versions switch that part of the mesh off."},
	{ID: "cluster/reconnect-timeout", Context: Configuration, Title: "On Kubernetes, gone pods' IPs are re-joined for 6h, long enough for IP reuse to merge another Alertmanager cluster in."},
	{ID: "cluster/peer-timeout-vs-receiver", Context: Configuration, Title: "A receiver's `timeout` is longer than the peer timeout, so a slow send lets the next replica send too."},
	{ID: "cluster/wait-exceeds-repeat", Context: Configuration, Title: "(replicas-1) × peer timeout reaches a `repeat_interval`: up to 0.31 the last replica repeats every notification after its wait."},
	{ID: "cluster/wan-defaults", Context: Configuration, Title: "The mesh spans regions with LAN probe settings, so healthy replicas are declared dead and rejoin over and over."},
	{ID: "cluster/insecure-gossip", Context: Configuration, Title: "Gossip is unauthenticated and nothing limits who reaches 9094: anyone there can join and write silences."},
	{ID: "cluster/tls-no-client-auth", Context: Configuration, Title: "Gossip TLS does not require verified client certificates, so it encrypts but anyone reaching 9094 can still join."},
	{ID: "k8s/deployment", Context: Configuration, Title: "Alertmanager runs as a Deployment of 2+ replicas: no DNS name per pod for the peer list, and no volume per replica."},
	{ID: "k8s/service-not-headless", Context: Configuration, Title: "The StatefulSet's governing Service has a cluster IP, so `<pod>.<service>` peers never resolve and each replica is an island."},
	{ID: "k8s/publish-not-ready", Context: Configuration, Title: "The headless Service publishes pods only once Ready, so replicas starting together cannot find each other and notify as islands."},
	{ID: "k8s/ordered-ready", Context: Configuration, Title: "podManagementPolicy OrderedReady: one pod that cannot become Ready keeps every later replica from being created."},
	{ID: "k8s/mesh-port-blocked", Context: Configuration, Title: "NetworkPolicies close the mesh port over both TCP and UDP between replicas, so they cannot join and each notifies on its own."},
	{ID: "k8s/mesh-port-udp", Context: Configuration, Title: "The mesh port is allowed (or listed) over TCP or UDP only; memberlist needs both."},
	{ID: "k8s/spread", Context: Configuration, Title: "Nothing spreads the replicas over nodes or zones, so one node failure can take them all."},
	{ID: "k8s/pdb", Context: Configuration, Title: "No PodDisruptionBudget covers the replicas, so a drain may evict them all at once; or the one that does allows no eviction."},
	{ID: "k8s/storage", Context: Configuration, Title: "The notification log and silences are on an emptyDir, an ephemeral volume or the container's filesystem, lost when every replica restarts."},
	{ID: "k8s/probes", Context: Configuration, Title: "A probe can never succeed (unknown path or port, the mesh port, the v1 API), or there is no readiness probe."},
	{ID: "k8s/start-delay", Context: Configuration, Title: "Alertmanager 0.30+ without `--dispatch.start-delay` flushes partial groups after a restart: a false resolved, then firing again."},
	{ID: "config/invalid", Context: Configuration, Title: "Alertmanager refuses the alertmanager.yml: a replica started with it exits, and a running one keeps its old configuration on reload."},
	{ID: "config/drift", Context: Configuration, Title: "The alertmanager.yml files of one cluster differ: different routing breaks deduplication, other differences let whichever replica sends first decide."},
	{ID: "config/no-dedup-key", Context: Configuration, Title: "A receiver's integrations do not deduplicate, so it shows every copy that a partition or a slow receiver produces (fail-open by design)."},
	{ID: "config/no-watchdog", Context: Configuration, Title: "No route delivers an always-firing Watchdog alert to an outside dead man's switch, so losing every replica goes unnoticed."},
}
