package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/amha-dev/kubectl-amha/internal/ambuild"
	"github.com/amha-dev/kubectl-amha/internal/amtest"
	"github.com/amha-dev/kubectl-amha/internal/localcluster"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/ui"
)

// run executes the CLI with buffers and returns stdout, stderr and the exit code.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := NewRoot(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	root.SetArgs(args)
	err := root.Execute()
	code := ExitOK
	if err != nil {
		code = CodeOf(err)
		if e, ok := err.(*ExitError); !ok || e.Err != nil {
			errOut.WriteString("error: " + err.Error() + "\n")
		}
	}
	return out.String(), errOut.String(), code
}

func statusJSON(t *testing.T, urls []string, extra ...string) (ui.StatusReport, int) {
	t.Helper()
	args := []string{"status", "-o", "json", "--alert-grace=0s"}
	for _, u := range urls {
		args = append(args, "--url", u)
	}
	args = append(args, extra...)
	out, errOut, code := run(t, args...)
	var r ui.StatusReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("status -o json: %v\nstdout: %s\nstderr: %s", err, out, errOut)
	}
	if len(r.Clusters) != 1 {
		t.Fatalf("want 1 cluster, got %d", len(r.Clusters))
	}
	return r, code
}

func findingIDs(r ui.StatusReport) []string {
	var ids []string
	for _, f := range r.Clusters[0].Findings {
		ids = append(ids, f.ID)
	}
	sort.Strings(ids)
	return ids
}

func wantFindings(t *testing.T, r ui.StatusReport, code int, wantCode int, want ...string) {
	t.Helper()
	got := findingIDs(r)
	sort.Strings(want)
	if !slices.Equal(got, want) || code != wantCode {
		b, _ := json.MarshalIndent(r.Clusters[0].Findings, "", "  ")
		t.Fatalf("findings %v exit %d, want %v exit %d\n%s", got, code, want, wantCode, b)
	}
}

func TestStatusHealthy(t *testing.T) {
	for _, v := range ambuild.Versions {
		t.Run(v, func(t *testing.T) {
			c := amtest.Start(t, 3, amtest.Options{Options: localcluster.Options{Version: v}})
			r, code := statusJSON(t, c.URLs())
			wantFindings(t, r, code, ExitOK)
			cl := r.Clusters[0]
			if len(cl.Matrix.Columns) != 3 || len(cl.Matrix.Islands) != 1 {
				t.Fatalf("matrix: %+v", cl.Matrix)
			}
			positions := map[float64]bool{}
			for i, rep := range cl.Replicas {
				if rep.Status == nil || rep.Status.Cluster != "ready" || len(rep.Status.Peers) != 3 {
					t.Fatalf("replica %d: %+v", i, rep)
				}
				if got := rep.Status.Version; got != strings.TrimPrefix(v, "v") {
					t.Errorf("replica %d version %q, want %q", i, got, v)
				}
				if rep.Metrics == nil || rep.Metrics.Position == nil || rep.Metrics.ConfigHash == "" {
					t.Fatalf("replica %d metrics: %+v", i, rep.Metrics)
				}
				positions[*rep.Metrics.Position] = true
				for j, cell := range cl.Matrix.Cells[i] {
					want := "sees"
					if cl.Matrix.Columns[j].Replica == rep.Name {
						want = "self"
					}
					if string(cell) != want {
						t.Errorf("cell %d,%d = %s, want %s", i, j, cell, want)
					}
				}
			}
			if len(positions) != 3 {
				t.Errorf("positions %v, want 0, 1, 2", positions)
			}
		})
	}
}

func TestStatusIsland(t *testing.T) {
	// Replica 2 names only itself as peer: it forms an island of one.
	c := amtest.Start(t, 3, amtest.Options{NoWait: true, Options: localcluster.Options{
		Peers: func(i int, addrs []string) []string {
			if i == 2 {
				return addrs[2:]
			}
			return addrs[:2]
		},
	}})
	for i, n := range []int{2, 2, 1} {
		amtest.WaitStatus(t, c.Replicas[i], 30*time.Second, func(s localcluster.StatusView) bool {
			return s.Cluster.Status == "ready" && len(s.Cluster.Peers) == n
		})
	}
	// A silence on the island alone cannot travel to the others.
	amtest.PostSilence(t, c.Replicas[2].URL(), "team", "db", time.Hour)
	r, code := statusJSON(t, c.URLs())
	wantFindings(t, r, code, ExitFindings, "mesh/island", "mesh/silences-diverge")
	if isl := r.Clusters[0].Matrix.Islands; len(isl) != 2 {
		t.Fatalf("islands %v", isl)
	}
}

func TestStatusForeignMember(t *testing.T) {
	// Three replicas gossip together, but only two are the cluster amha is asked about:
	// the third is a member no asked replica is.
	c := amtest.Start(t, 3, amtest.Options{})
	r, code := statusJSON(t, c.URLs()[:2])
	wantFindings(t, r, code, ExitFindings, "mesh/foreign-peer")
	f := r.Clusters[0].Findings[0]
	if len(f.Objects) != 1 || !strings.Contains(f.Objects[0], c.Replicas[2].ClusterAddr) {
		t.Fatalf("foreign member objects %v, want the address %s", f.Objects, c.Replicas[2].ClusterAddr)
	}
}

func TestStatusConfigDrift(t *testing.T) {
	drifted := strings.Replace(localcluster.DefaultConfig, "group_by: [alertname]", "group_by: [alertname, cluster]", 1)
	c := amtest.Start(t, 3, amtest.Options{Options: localcluster.Options{
		ConfigFor: func(i int) string {
			if i == 2 {
				return drifted
			}
			return localcluster.DefaultConfig
		},
	}})
	r, code := statusJSON(t, c.URLs())
	wantFindings(t, r, code, ExitFindings, "mesh/config-drift")
	f := r.Clusters[0].Findings[0]
	details := strings.Join(f.Details, "\n")
	if !strings.Contains(details, "+ ") || !strings.Contains(details, "cluster") || !strings.Contains(f.Message, c.Replicas[2].WebAddr) {
		t.Fatalf("drift details do not show the routing line or the odd replica:\n%s\n%s", f.Message, details)
	}
}

func TestStatusClusteringDisabledOnOne(t *testing.T) {
	c := amtest.Start(t, 3, amtest.Options{NoWait: true, Options: localcluster.Options{
		Args: func(i int) []string {
			if i == 2 {
				return []string{"--cluster.listen-address="}
			}
			return nil
		},
	}})
	for i := range 2 {
		amtest.WaitStatus(t, c.Replicas[i], 30*time.Second, func(s localcluster.StatusView) bool {
			return s.Cluster.Status == "ready" && len(s.Cluster.Peers) == 2
		})
	}
	amtest.WaitStatus(t, c.Replicas[2], 30*time.Second, func(s localcluster.StatusView) bool { return s.Cluster.Status == "disabled" })
	r, code := statusJSON(t, c.URLs())
	// Replicas 0 and 1 still list replica 2's mesh address as a peer, which nobody serves.
	wantFindings(t, r, code, ExitFindings, "mesh/disabled", "mesh/failed-peers")
}

func TestStatusAlertsOnTwoOfThree(t *testing.T) {
	c := amtest.Start(t, 3, amtest.Options{})
	amtest.PostAlerts(t, c.URLs()[:2], map[string]string{"alertname": "DiskFull", "instance": "db-1"})
	r, code := statusJSON(t, c.URLs())
	wantFindings(t, r, code, ExitFindings, "mesh/alerts-diverge")
	f := r.Clusters[0].Findings[0]
	if len(f.Objects) != 1 || !strings.HasPrefix(f.Objects[0], c.Replicas[2].WebAddr) {
		t.Fatalf("objects %v, want only %s", f.Objects, c.Replicas[2].WebAddr)
	}
	// The same alerts on every replica are no finding.
	amtest.PostAlerts(t, c.URLs()[2:], map[string]string{"alertname": "DiskFull", "instance": "db-1"})
	r, code = statusJSON(t, c.URLs())
	wantFindings(t, r, code, ExitOK)
	if n := r.Clusters[0].Replicas[2].AlertCount; n != 1 {
		t.Fatalf("alert count %d", n)
	}
}

func TestStatusStoppedReplica(t *testing.T) {
	c := amtest.Start(t, 3, amtest.Options{})
	c.Replicas[2].Stop()
	for i := range 2 {
		amtest.WaitStatus(t, c.Replicas[i], 30*time.Second, func(s localcluster.StatusView) bool { return len(s.Cluster.Peers) == 2 })
	}
	r, code := statusJSON(t, c.URLs())
	// The others keep the replica that left as a failed peer until --cluster.reconnect-timeout.
	wantFindings(t, r, code, ExitFindings, "mesh/unreachable", "mesh/failed-peers")
	if rep := r.Clusters[0].Replicas[2]; rep.Error == "" || rep.Status != nil {
		t.Fatalf("stopped replica: %+v", rep)
	}
}

// A replica killed a moment ago is still a member for the others until they notice; given by
// --url, it is the replica that does not answer, not a member of another cluster.
func TestStatusKilledReplicaIsNotForeign(t *testing.T) {
	c := amtest.Start(t, 3, amtest.Options{})
	c.Replicas[2].Kill()
	r, code := statusJSON(t, c.URLs(), "--request-timeout=2s")
	cl := r.Clusters[0]
	if len(cl.Matrix.Columns) != 3 {
		// Memberlist declares a member dead after its suspicion timeout (4 s and more here).
		t.Fatalf("the others no longer list the killed replica (the test needs them to): %+v, findings %v", cl.Matrix.Columns, findingIDs(r))
	}
	for _, f := range cl.Findings {
		if f.ID == "mesh/foreign-peer" {
			t.Errorf("a plain outage reported as merged clusters: %s", f.Message)
		}
	}
	wantFindings(t, r, code, ExitFindings, "mesh/unreachable")
	name := cl.Replicas[2].Name
	if f := cl.Findings[0]; !slices.Equal(f.Objects, []string{name}) || !strings.Contains(f.Message, "connection refused") {
		t.Errorf("mesh/unreachable: %v %s", f.Objects, f.Message)
	}
	for _, col := range cl.Matrix.Columns {
		if col.Address == c.Replicas[2].ClusterAddr && col.Replica != name {
			t.Errorf("the killed replica's member %s is claimed by %q, want %s", col.Address, col.Replica, name)
		}
	}
}

// One replica given as http://127.0.0.1:P and http://localhost:P, or as http://h:p and
// http://h:p/, is one replica: known by the name it gives itself, reported once with a note,
// and no finding comes from counting it twice.
func TestStatusSameReplicaTwoWays(t *testing.T) {
	c := amtest.Start(t, 2, amtest.Options{})
	_, port0, _ := strings.Cut(c.Replicas[0].WebAddr, ":")
	alias := "http://localhost:" + port0
	urls := []string{c.URLs()[0], alias, c.URLs()[1], c.URLs()[1] + "/"}
	r, code := statusJSON(t, urls)
	wantFindings(t, r, code, ExitOK)
	cl := r.Clusters[0]
	if len(cl.Replicas) != 2 || cl.Replicas[0].Endpoint != c.URLs()[0] || cl.Replicas[1].Endpoint != c.URLs()[1] {
		t.Fatalf("replicas %+v, want the two given first", cl.Replicas)
	}
	if len(cl.Matrix.Rows) != 2 || len(cl.Matrix.Columns) != 2 {
		t.Errorf("matrix %+v, want 2 x 2", cl.Matrix)
	}
	node := cl.Replicas[0].Status.NodeName
	want := []string{
		"--url " + c.URLs()[1] + " and " + c.URLs()[1] + "/ are the same replica: asked once",
		c.URLs()[0] + " and " + alias + " are the same replica (both say they are " + node + " at " + c.Replicas[0].ClusterAddr + "): reported once, as " + c.Replicas[0].WebAddr,
	}
	if !slices.Equal(cl.Notes, want) {
		t.Errorf("notes\n%q\nwant\n%q", cl.Notes, want)
	}
	out, _, code := run(t, append([]string{"status", "--color=never"}, urlArgs(urls)...)...)
	if code != ExitOK || !strings.Contains(out, "note: "+want[1]) || !strings.Contains(out, "No findings") {
		t.Errorf("text report, exit %d:\n%s", code, out)
	}
}

func TestStatusVersionSkew(t *testing.T) {
	c := amtest.Start(t, 3, amtest.Options{Options: localcluster.Options{
		VersionFor: func(i int) string { return ambuild.Versions[min(i, 1)] },
	}})
	r, code := statusJSON(t, c.URLs())
	wantFindings(t, r, code, ExitFindings, "mesh/version-skew")
}

func TestStatusSettling(t *testing.T) {
	// A slow gossip interval stretches settling (3 stable polls of 10 x gossip-interval).
	c := amtest.Start(t, 1, amtest.Options{NoWait: true, Options: localcluster.Options{
		Args: func(int) []string { return []string{"--cluster.gossip-interval=2s", "--cluster.settle-timeout=2m"} },
	}})
	amtest.WaitStatus(t, c.Replicas[0], 30*time.Second, func(s localcluster.StatusView) bool { return s.Cluster.Status == "settling" })
	r, code := statusJSON(t, c.URLs())
	wantFindings(t, r, code, ExitFindings, "mesh/settling")
}

func TestStatusAllUnreachable(t *testing.T) {
	out, errOut, code := run(t, "status", "--url", "http://127.0.0.1:1", "--request-timeout", "2s")
	if code != ExitNoCheck || !strings.Contains(errOut, "no replica answered") || !strings.Contains(out, "unreachable") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}

func TestStatusTextOutput(t *testing.T) {
	c := amtest.Start(t, 2, amtest.Options{})
	out, _, code := run(t, append([]string{"status", "--color=never"}, urlArgs(c.URLs())...)...)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, want := range []string{"REPLICA", "Peer mesh", c.Replicas[0].WebAddr, "ready", "No findings"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("--color=never printed ANSI escapes")
	}
}

func urlArgs(urls []string) []string {
	var a []string
	for _, u := range urls {
		a = append(a, "--url", u)
	}
	return a
}

func TestStatusProbe(t *testing.T) {
	c := amtest.Start(t, 3, amtest.Options{})
	r, code := statusJSON(t, c.URLs(), "--probe", "--probe-timeout=10s")
	wantFindings(t, r, code, ExitOK)
	p := r.Clusters[0].Probe
	if p == nil || p.Error != "" || p.Silence == "" || len(p.Results) != 2 {
		t.Fatalf("probe: %+v", p)
	}
	for _, res := range p.Results {
		// Gossip on loopback at a 50ms gossip interval arrives within a second.
		if res.After == nil || res.After.D() > 5*time.Second {
			t.Fatalf("probe result %+v", res)
		}
	}
	// The probe silence is expired on every replica afterwards.
	for _, u := range c.URLs() {
		var s struct {
			Status struct{ State string } `json:"status"`
		}
		amtest.WaitStatus(t, c.Replicas[0], 5*time.Second, func(localcluster.StatusView) bool {
			return localcluster.GetJSON(t.Context(), u+"/api/v2/silence/"+p.Silence, &s) == nil && s.Status.State == "expired"
		})
	}
}

func TestStatusProbeOnIsland(t *testing.T) {
	c := amtest.Start(t, 2, amtest.Options{NoWait: true, Options: localcluster.Options{
		Peers: func(i int, addrs []string) []string { return addrs[i : i+1] },
	}})
	for _, p := range c.Replicas {
		amtest.WaitStatus(t, p, 30*time.Second, func(s localcluster.StatusView) bool { return s.Cluster.Status == "ready" })
	}
	r, code := statusJSON(t, c.URLs(), "--probe", "--probe-timeout=1s")
	wantFindings(t, r, code, ExitFindings, "mesh/island", "mesh/slow-gossip")
	for _, f := range r.Clusters[0].Findings {
		if f.ID == "mesh/slow-gossip" && f.Severity.String() != "error" {
			t.Fatalf("a silence that never arrives is an error: %+v", f)
		}
	}
}

// A probe silence that an interrupted amha left behind is amha's, not the team's: it is not
// counted among the replicas' silences.
func TestStatusLeftoverProbeSilence(t *testing.T) {
	c := amtest.Start(t, 2, amtest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := localcluster.PostSilence(ctx, c.URLs()[0], model.ProbeLabel, "0123456789ab", 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	r, _ := statusJSON(t, c.URLs())
	for _, rep := range r.Clusters[0].Replicas {
		if rep.SilenceCount != 0 || len(rep.Silences) > 0 && !rep.Silences[0].Probe {
			t.Errorf("%s: %d silences counted, %+v", rep.Name, rep.SilenceCount, rep.Silences)
		}
	}
}
