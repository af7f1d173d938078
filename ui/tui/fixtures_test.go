package tui

import (
	"fmt"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/mesh"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// t0 is the time of the first snapshot in every model test; the clock steps 5s per snapshot.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeClock returns t0, t0+5s, t0+10s, ... on successive calls.
func fakeClock() func() time.Time {
	n := 0
	return func() time.Time {
		n++
		return t0.Add(time.Duration(n-1) * 5 * time.Second)
	}
}

// member is the memberlist identity of replica i: prometheus-operator sets
// --cluster.peer-name=$(POD_NAME), so it is the pod's name.
func member(i int) model.Member {
	return model.Member{Name: fmt.Sprintf("alertmanager-main-%d", i), Address: fmt.Sprintf("10.42.0.%d:9094", 10+i)}
}

// replica is pod i of a prometheus-operator StatefulSet that answered: gossip status, its
// position, the replicas it sees (i itself included) and its failed peers.
func replica(i int, status string, pos int, failed int, sees ...int) model.Replica {
	peers := make([]model.Member, len(sees))
	for j, s := range sees {
		peers[j] = member(s)
	}
	p, fp, members := float64(pos), float64(failed), float64(len(sees))
	m := member(i)
	return model.Replica{
		Name:         m.Name,
		Endpoint:     fmt.Sprintf("http://127.0.0.1:%d", 40000+i),
		WebAddresses: []string{fmt.Sprintf("10.42.0.%d:9093", 10+i)},
		Pod:          &model.Pod{Phase: "Running", Ready: true, Restarts: int32(i % 2), IP: fmt.Sprintf("10.42.0.%d", 10+i)},
		Status: &model.Status{
			Cluster: status, NodeName: m.Name, Peers: peers, Version: "0.31.1",
			Uptime: t0.Add(-time.Duration(3+i) * time.Hour),
		},
		Metrics: &model.Metrics{Position: &p, FailedPeers: &fp, Members: &members, ConfigHash: "7d0b500a4317"},
	}
}

// snapshot is a cluster of the given replicas with its matrix and the given findings, as the
// source returns it. The findings are written out here rather than computed by pkg/checks, so
// that a check's wording can change without touching the view's golden files.
func snapshot(at time.Time, rs []model.Replica, findings ...model.Finding) []model.Cluster {
	c := model.Cluster{
		Name: "alertmanager-main", Namespace: "monitoring", Source: "alertmanager",
		DesiredReplicas: len(rs), PeerTimeout: model.Duration(15 * time.Second), Replicas: rs, CollectedAt: at,
		Findings: findings,
	}
	c.Matrix = mesh.Build(&c)
	return []model.Cluster{c}
}

var (
	islandFinding = model.Finding{
		ID: "mesh/island", Severity: model.Error, Symptoms: []model.Symptom{model.Duplicates},
		Objects: []string{"alertmanager-main-0", "alertmanager-main-1", "alertmanager-main-2"},
		Message: "The mesh is split into 2 islands that do not see each other: {alertmanager-main-0, alertmanager-main-1} " +
			"{alertmanager-main-2}. Each island keeps its own notification log, so every island that receives an alert " +
			"notifies: up to 2 notifications where there should be one. This is Alertmanager failing open by design " +
			"(duplicates rather than a miss); it heals once the islands can gossip.",
		Fix: "Make every replica reach every other on the cluster port over TCP and UDP: each --cluster.peer must name every " +
			"replica (on Kubernetes <pod>.<headless-service>:9094, not a ClusterIP Service), NetworkPolicies must allow " +
			"9094/TCP+UDP, and --cluster.label must be equal everywhere.",
	}
	failedPeersFinding = model.Finding{
		ID: "mesh/failed-peers", Severity: model.Warning, Symptoms: []model.Symptom{model.Flapping, model.Duplicates},
		Objects: []string{"alertmanager-main-0", "alertmanager-main-1", "alertmanager-main-2"},
		Message: "Replicas hold peers they marked failed. Failed peers are retried every --cluster.reconnect-interval " +
			"until --cluster.reconnect-timeout (6h by default).",
		Details: []string{"alertmanager-main-0: failed peers 1", "alertmanager-main-1: failed peers 1", "alertmanager-main-2: failed peers 2"},
		Fix: "If the failed addresses are old pod IPs, set --cluster.reconnect-timeout=5m (what prometheus-operator does). " +
			"If they are live replicas, check 9094/TCP+UDP between them.",
	}
)

// The three snapshots of the model tests: a whole mesh, an island, the mesh healed.
func healthy(at time.Time) []model.Cluster {
	return snapshot(at, []model.Replica{
		replica(0, "ready", 0, 0, 0, 1, 2),
		replica(1, "ready", 1, 0, 0, 1, 2),
		replica(2, "ready", 2, 0, 0, 1, 2),
	})
}

func island(at time.Time) []model.Cluster {
	return snapshot(at, []model.Replica{
		replica(0, "ready", 0, 1, 0, 1),
		replica(1, "ready", 1, 1, 0, 1),
		replica(2, "ready", 0, 2, 2),
	}, islandFinding, failedPeersFinding)
}

func healed(at time.Time) []model.Cluster { return healthy(at) }

// nine is a 9-replica cluster with a stopped replica and a settling one: the benchmark's load.
func nine(at time.Time) []model.Cluster {
	all := []int{0, 1, 2, 3, 4, 5, 6, 7}
	var rs []model.Replica
	for i := range 8 {
		status := "ready"
		if i == 7 {
			status = "settling"
		}
		rs = append(rs, replica(i, status, i, 1, all...))
	}
	rs = append(rs, model.Replica{Name: "alertmanager-main-8", Error: `Get "http://127.0.0.1:40008/api/v2/status": dial tcp 127.0.0.1:40008: connect: connection refused`,
		Pod: &model.Pod{Phase: "Running", Restarts: 4}})
	var names []string
	for _, r := range rs {
		names = append(names, r.Name)
	}
	return snapshot(at, rs,
		model.Finding{ID: "mesh/unreachable", Severity: model.Error, Symptoms: []model.Symptom{model.Missed}, Objects: names[8:],
			Message: "alertmanager-main-8 could not be asked.", Fix: "Check that the replica runs."},
		model.Finding{ID: "mesh/settling", Severity: model.Warning, Symptoms: []model.Symptom{model.Delayed}, Objects: names[7:8],
			Message: "Gossip has not settled on 1 replica.", Fix: "Normal for about 10s after a start."},
		failedPeersFinding,
	)
}
