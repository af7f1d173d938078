package drill

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/amclient"
)

func TestTeamAlertsFor(t *testing.T) {
	if got := TeamAlertsFor([]string{Baseline}); len(got) != 0 {
		t.Errorf("baseline makes no team alert fire, got %v", got)
	}
	var names []string
	for _, a := range TeamAlertsFor([]string{CrashSender}) {
		names = append(names, a.Name)
	}
	for _, want := range []string{"KubePodCrashLooping", "AlertmanagerClusterCrashlooping"} {
		if !slices.Contains(names, want) {
			t.Errorf("crash-sender: %v lacks %s", names, want)
		}
	}
	sils := TeamSilences(TeamAlertsFor(Names), "monitoring", "alertmanager-main", "abcd", time.Now().Add(time.Hour))
	if len(sils) != 3 {
		t.Fatalf("%d silences, want one per scope (namespace, pod, statefulset)", len(sils))
	}
	for _, s := range sils {
		var ms []string
		for _, m := range s.Matchers {
			ms = append(ms, *m.Name+"="+*m.Value)
		}
		if !slices.Contains(ms, "namespace=monitoring") || !strings.HasPrefix(*s.Comment, SilenceComment+"abcd:") {
			t.Errorf("silence %v (%q) is not scoped to the namespace and run", ms, *s.Comment)
		}
		if slices.ContainsFunc(ms, func(m string) bool { return strings.HasPrefix(m, "pod=") }) && !slices.Contains(ms, `pod=alertmanager-main-[0-9]+`) {
			t.Errorf("pod scope %v: want the StatefulSet's pods only", ms)
		}
	}
}

// The team-alert silences on real replicas: created once (gossiped to the others), expired by
// id at the end of the run, and found by author and run by drill cleanup, which leaves those
// of a run it keeps.
func TestTeamSilencesOnLoopback(t *testing.T) {
	l := newLoopback(t, "http://127.0.0.1:9/")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	endpoints := map[string]string{}
	for i, u := range l.c.URLs() {
		endpoints[string(rune('a'+i))] = u
	}
	am := &amclient.Client{HTTP: amclient.HTTP(&http.Client{}), Timeout: 5 * time.Second}
	until := time.Now().Add(10 * time.Minute)
	ids, err := CreateSilences(ctx, am, endpoints, TeamSilences(TeamAlertsFor(Names), "ns", "am", "run1", until))
	if err != nil || len(ids) != 3 {
		t.Fatalf("create: %v %v", ids, err)
	}
	kept, err := CreateSilences(ctx, am, endpoints, TeamSilences(TeamAlertsFor([]string{Partition}), "ns", "am", "run2", until))
	if err != nil || len(kept) == 0 {
		t.Fatalf("create run2: %v %v", kept, err)
	}
	done, err := ExpireLeft(ctx, am, endpoints, ids[:1], nil)
	if err != nil || !slices.Equal(done, ids[:1]) {
		t.Fatalf("expire by id: %v %v, want %v", done, err, ids[:1])
	}
	done, err = ExpireLeft(ctx, am, endpoints, nil, func(run string) bool { return run == "run2" })
	slices.Sort(done)
	want := slices.Sorted(slices.Values(ids[1:]))
	if err != nil || !slices.Equal(done, want) {
		t.Fatalf("cleanup: expired %v (%v), want %v: run1's rest, not run2's", done, err, want)
	}
}
