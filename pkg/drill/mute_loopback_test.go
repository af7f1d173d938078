package drill

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/localcluster"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// An active silence on AmhaDrill, made on one real replica: the drill stops before posting,
// naming the silence and the replicas holding it; no replica holds the drill alert and the sink
// counts nothing.
func TestDrillStopsOnSilenceOnLoopback(t *testing.T) {
	sk, url := startSink(t)
	env := newLoopback(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	id, err := localcluster.PostSilence(ctx, env.c.URLs()[0], "alertname", AlertName, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	run := hex.EncodeToString(b) + "-" + Baseline
	o := Options{
		Run:     run,
		Timing:  timing.Params{PeerTimeout: peerTimeout, GroupWait: groupWait, GroupInterval: time.Minute, RepeatInterval: 24 * time.Hour},
		HTTP:    &http.Client{},
		Timeout: 5 * time.Second,
	}
	_, err = Run(ctx, env, sk, Baseline, o)
	if err == nil || !strings.Contains(err.Error(), "silence "+id) || !strings.Contains(err.Error(), env.c.Replicas[0].WebAddr) {
		t.Fatalf("Run with the drill alert silenced: %v", err)
	}
	t.Log(err)
	for _, u := range env.c.URLs() {
		var alerts []map[string]any
		if err := localcluster.GetJSON(ctx, u+"/api/v2/alerts", &alerts); err != nil {
			t.Fatal(err)
		}
		if len(alerts) != 0 {
			t.Errorf("%s holds %d alert(s): the drill posted before stopping", u, len(alerts))
		}
	}
	if hits, _ := sk.Hits(ctx, run); len(hits) != 0 {
		t.Errorf("the sink counted %d notification(s)", len(hits))
	}
}
