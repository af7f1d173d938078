// The one-sentence meaning of each configuration check, kept equal to the "what it means" column
// of the checks index docs/checks/README.md by TestTitlesMatchIndex.

package lint

// titles are the one-sentence meaning of each check, as in the checks index: SARIF rule titles.
var titles = map[string]string{
	"prometheus/invalid":               "Prometheus refuses the prometheus.yml: it does not start with it, and a reload keeps the old configuration.",
	"prometheus/load-balancer":         "prometheus.yml or a Prometheus object sends alerts to a Service VIP, load balancer or ingress instead of each replica.",
	"prometheus/mesh-port":             "The Alertmanager discovery also keeps (or only keeps) port 9094, so Prometheus sends alerts to the gossip port.",
	"prometheus/subset":                "A Prometheus configuration sends alerts to some replicas only: static targets leave some out, or an operator port matches none.",
	"prometheus/replica-label":         "HA Prometheus servers send each alert with their own replica label, so Alertmanager holds two alerts for each one.",
	"cluster/disabled":                 "A workload of 2+ replicas has an empty `--cluster.listen-address`: nothing is gossiped and every replica sends every notification.",
	"cluster/peers-missing":            "The `--cluster.peer` lists leave replicas without a way in: no peers at all, pod names that do not resolve, or pods left out.",
	"cluster/peer-is-load-balancer":    "A `--cluster.peer` names a Service with a cluster IP: each join reaches one random pod, and the virtual IP is re-joined forever.",
	"cluster/advertise-hostname":       "`--cluster.advertise-address` is not an IP:port, so Alertmanager exits at start.",
	"cluster/listen-hostname":          "`--cluster.listen-address` is a host name: the mesh binds every interface and, without an advertise IP, advertises the unroutable `[::]`.",
	"cluster/label-missing":            "No `--cluster.label`: a foreign Alertmanager that gets a gone pod's IP merges into the mesh and shares silences and positions.",
	"cluster/inconsistent-flags":       "Replicas of one mesh have different mesh flags: different labels or TLS split it, different timings break the stagger.",
	"cluster/zero-interval":            "A cluster interval or timeout is zero or negative: 0.34 refuses to start, older versions switch that part of the mesh off.",
	"cluster/reconnect-timeout":        "On Kubernetes, gone pods' IPs are re-joined for 6h, long enough for IP reuse to merge another Alertmanager cluster in.",
	"cluster/peer-timeout-vs-receiver": "A receiver's `timeout` is longer than the peer timeout, so a slow send lets the next replica send too.",
	"cluster/wait-exceeds-repeat":      "(replicas-1) × peer timeout reaches a `repeat_interval`: up to 0.31 the last replica repeats every notification after its wait.",
	"cluster/wan-defaults":             "The mesh spans regions with LAN probe settings, so healthy replicas are declared dead and rejoin over and over.",
	"cluster/insecure-gossip":          "Gossip is unauthenticated and nothing limits who reaches 9094: anyone there can join and write silences.",
	"cluster/tls-no-client-auth":       "Gossip TLS does not require verified client certificates, so it encrypts but anyone reaching 9094 can still join.",
	"k8s/deployment":                   "Alertmanager runs as a Deployment of 2+ replicas: no DNS name per pod for the peer list, and no volume per replica.",
	"k8s/service-not-headless":         "The StatefulSet's governing Service has a cluster IP, so `<pod>.<service>` peers never resolve and each replica is an island.",
	"k8s/publish-not-ready":            "The headless Service publishes pods only once Ready, so replicas starting together cannot find each other and notify as islands.",
	"k8s/ordered-ready":                "podManagementPolicy OrderedReady: one pod that cannot become Ready keeps every later replica from being created.",
	"k8s/mesh-port-udp":                "The mesh port is allowed (or listed) over TCP or UDP only; memberlist needs both.",
	"k8s/spread":                       "Nothing spreads the replicas over nodes or zones, so one node failure can take them all.",
	"k8s/pdb":                          "No PodDisruptionBudget covers the replicas, so a drain may evict them all at once; or the one that does allows no eviction.",
	"k8s/storage":                      "The notification log and silences are on an emptyDir, an ephemeral volume or the container's filesystem, lost when every replica restarts.",
	"k8s/probes":                       "A probe can never succeed (unknown path or port, the mesh port, the v1 API), or there is no readiness probe.",
	"k8s/start-delay":                  "Alertmanager 0.30+ without `--dispatch.start-delay` flushes partial groups after a restart: a false resolved, then firing again.",
	"config/invalid":                   "Alertmanager refuses the alertmanager.yml: a replica started with it exits, and a running one keeps its old configuration on reload.",
	"config/drift":                     "The alertmanager.yml files of one cluster differ: different routing breaks deduplication, other differences let whichever replica sends first decide.",
	"config/no-dedup-key":              "A receiver's integrations do not deduplicate, so it shows every copy that a partition or a slow receiver produces (fail-open by design).",
	"config/no-watchdog":               "No route delivers an always-firing Watchdog alert to an outside dead man's switch, so losing every replica goes unnoticed.",
}
