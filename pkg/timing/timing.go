// Package timing is amha's model of when an Alertmanager cluster notifies: for each failure
// scenario, how many notifications one firing alert group produces and when they reach the
// receiver. The snippets print it for a described cluster, the drills compare what they
// count on real replicas with it.
//
// The derivation (docs/timing.md has it at length, with the source references):
//
//   - t = 0 is the moment the first alert of a new group reaches every replica (Prometheus sends
//     each alert to every replica). Each replica flushes the group at group_wait.
//   - A flush passes wait → dedup → retry → record per receiver integration. Wait is
//     position × peer-timeout; position is the replica's index among the memberlist members
//     sorted by name, alive and suspect members counted. Replica i therefore reaches dedup at
//     group_wait + i × peer-timeout and sends unless the notification log entry of an earlier
//     replica has arrived by then.
//   - The entry is written after a successful send, that is after the receiver latency L, and
//     gossiped (well under a second on a healthy LAN; the model counts it as zero).
//   - The whole flush must finish by its deadline max(group_interval, 10s) + wait, so every
//     replica has max(group_interval, 10s) for the send itself; a send that takes longer is
//     cancelled, counts as failed and writes no entry.
//   - A time in a Scenario is when the receiver gets a request, from t = 0.
package timing

import (
	"errors"
	"fmt"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// Alertmanager defaults the model falls back to (dispatch.DefaultRouteOpts; the peer timeout is
// model.DefaultPeerTimeout).
const (
	DefaultGroupWait      = 30 * time.Second
	DefaultGroupInterval  = 5 * time.Minute
	DefaultRepeatInterval = 4 * time.Hour
	// MinFlushTimeout is notify.MinTimeout: the flush deadline is never below it.
	MinFlushTimeout = 10 * time.Second
	// PrometheusResendDelay is Prometheus' --rules.alert.resend-delay default: how soon a
	// restarted Alertmanager has every firing alert again.
	PrometheusResendDelay = time.Minute
)

// Params describe one cluster and its route. Zero durations take Alertmanager's defaults,
// except GroupWait: 0s is a valid group_wait (Alertmanager's default is DefaultGroupWait).
type Params struct {
	Replicas       int
	PeerTimeout    time.Duration
	GroupWait      time.Duration
	GroupInterval  time.Duration
	RepeatInterval time.Duration
	// ReceiverLatency is how long one successful send takes (request to response).
	ReceiverLatency time.Duration
	// PersistentStorage: --storage.path is on a volume that survives the pod.
	PersistentStorage bool
	// PartitionSides is k for the partition scenario: 2 when zero, at most Replicas.
	PartitionSides int
	// SidesUnreached is how many of those sides Prometheus or the receiver cannot reach.
	SidesUnreached int
	// Freeze is how long a frozen replica stops (SIGSTOP, a long GC or node stall):
	// 2 × peer-timeout when zero.
	Freeze time.Duration
}

// WithDefaults fills zero values with Alertmanager's defaults.
func (p Params) WithDefaults() Params {
	if p.PeerTimeout == 0 {
		p.PeerTimeout = model.DefaultPeerTimeout
	}
	if p.GroupInterval == 0 {
		p.GroupInterval = DefaultGroupInterval
	}
	if p.RepeatInterval == 0 {
		p.RepeatInterval = DefaultRepeatInterval
	}
	if p.PartitionSides == 0 {
		p.PartitionSides = 2
	}
	if p.PartitionSides > p.Replicas && p.Replicas > 0 {
		p.PartitionSides = p.Replicas
	}
	if p.Freeze == 0 {
		p.Freeze = 2 * p.PeerTimeout
	}
	return p
}

// Validate rejects parameters the model cannot use.
func (p Params) Validate() error {
	var errs []error
	if p.Replicas < 1 {
		errs = append(errs, fmt.Errorf("replicas %d: want at least 1", p.Replicas))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"peer-timeout", p.PeerTimeout}, {"group_wait", p.GroupWait}, {"group_interval", p.GroupInterval},
		{"repeat_interval", p.RepeatInterval}, {"receiver latency", p.ReceiverLatency}, {"freeze", p.Freeze},
	} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s %s: must not be negative", d.name, d.v))
		}
	}
	if p.PartitionSides < 0 || p.SidesUnreached < 0 {
		errs = append(errs, errors.New("partition sides must not be negative"))
	}
	if p.SidesUnreached > p.WithDefaults().PartitionSides {
		errs = append(errs, fmt.Errorf("%d unreached sides of a %d-way partition", p.SidesUnreached, p.WithDefaults().PartitionSides))
	}
	return errors.Join(errs...)
}

// FlushBudget is how long a send may take before the flush deadline cancels it:
// max(group_interval, 10s). The deadline of the replica at position i is this plus its wait.
func (p Params) FlushBudget() time.Duration {
	return max(p.WithDefaults().GroupInterval, MinFlushTimeout)
}

// Wait is the positional wait of the replica at position i.
func (p Params) Wait(i int) time.Duration {
	return time.Duration(i) * p.WithDefaults().PeerTimeout
}

// LastWait is the wait of the last position, (N-1) × peer-timeout: how late the last replica
// covers for all the others. At repeat_interval or more, it would repeat before it covered.
func (p Params) LastWait() time.Duration {
	return p.Wait(max(p.WithDefaults().Replicas-1, 0))
}
