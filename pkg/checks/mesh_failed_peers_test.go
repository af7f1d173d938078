package checks

import (
	"strings"
	"testing"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// After a rollout with --cluster.reconnect-timeout already set, the fix does not ask for it again.
func TestFailedPeersFixKnowsTheReconnectTimeout(t *testing.T) {
	one, five := 1.0, model.Duration(5*time.Minute)
	rep := func(name string, rt *model.Duration) model.Replica {
		return model.Replica{Name: name, Status: &model.Status{Cluster: "ready"}, Metrics: &model.Metrics{FailedPeers: &one},
			Flags: &model.Flags{ReconnectTimeout: rt}}
	}
	for _, c := range []struct {
		rt   *model.Duration
		want string
	}{{&five, "--cluster.reconnect-timeout is 5m"}, {nil, "set --cluster.reconnect-timeout=5m"}} {
		cl := &model.Cluster{Replicas: []model.Replica{rep("a", c.rt), rep("b", c.rt)}}
		fs := meshFailedPeers{}.Run(cl, Options{})
		if len(fs) != 1 || !strings.Contains(fs[0].Fix, c.want) {
			t.Errorf("reconnect-timeout %v: %+v", c.rt, fs)
		}
	}
}
