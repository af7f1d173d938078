package drill

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// WaitWhole on real replicas: a mesh split by a partition is not whole within the bound (it
// says why); healed, it is whole again.
func TestWaitWholeOnLoopback(t *testing.T) {
	if os.Getenv("AMHA_SKIP_DRILLS") == "1" {
		t.Skip("AMHA_SKIP_DRILLS=1")
	}
	_, url := startSink(t)
	env := newLoopback(t, url)
	ctx := context.Background()
	if err := WaitWhole(ctx, env, 5*time.Second, 500*time.Millisecond); err != nil {
		t.Fatalf("a settled mesh: %v", err)
	}
	cut := env.c.Replicas[2].URL()
	heal, err := env.Fault(ctx, Partition, strings.TrimPrefix(cut, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = WaitWhole(ctx, env, 3*time.Second, 500*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "the mesh was not whole within 3s") {
		t.Errorf("split: %v, want not whole within 3s", err)
	}
	if took := time.Since(start); took > 6*time.Second {
		t.Errorf("the bound of 3s took %s", took)
	}
	if err := heal(ctx); err != nil {
		t.Fatal(err)
	}
	if err := WaitWhole(ctx, env, 60*time.Second, 500*time.Millisecond); err != nil {
		t.Errorf("healed: %v", err)
	}
}
