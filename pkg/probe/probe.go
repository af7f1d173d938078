// Package probe measures gossip convergence: it creates a short-lived silence that matches
// nothing on one replica and times its arrival on every other, then expires it. The
// notification log travels by the same gossip, so these times are what deduplication has.
package probe

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/client/silence"
	"github.com/prometheus/alertmanager/api/v2/models"

	"github.com/amha-dev/kubectl-amha/pkg/amclient"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// Label is the matcher name of probe silences; no alert carries it.
const Label = model.ProbeLabel

// Lifetime is how long a probe silence lives if amha cannot expire it (killed with SIGKILL).
const Lifetime = 5 * time.Minute

// Run probes from the first clustered replica that answered. timeout bounds the wait for arrivals.
func Run(ctx context.Context, cl *amclient.Client, replicas []model.Replica, timeout time.Duration) *model.ProbeResult {
	var origin *model.Replica
	var others []model.Replica
	for i := range replicas {
		r := &replicas[i]
		if !r.OK() || r.Status.Cluster == "disabled" {
			continue
		}
		if origin == nil {
			origin = r
		} else {
			others = append(others, *r)
		}
	}
	if origin == nil {
		return &model.ProbeResult{Error: "no clustered replica answered: nothing to probe"}
	}
	res := &model.ProbeResult{Origin: origin.Name}
	api, err := cl.API(origin.URL())
	if err != nil {
		res.Error = err.Error()
		return res
	}
	token := make([]byte, 6)
	_, _ = rand.Read(token)
	now := time.Now()
	starts, ends := strfmt.DateTime(now), strfmt.DateTime(now.Add(Lifetime))
	name, value := Label, hex.EncodeToString(token)
	isRegex, isEqual := false, true
	createdBy := "kubectl-amha"
	comment := fmt.Sprintf("kubectl-amha gossip convergence probe; matches no alert; expires by %s; safe to delete",
		now.Add(Lifetime).UTC().Format(time.RFC3339))
	params := silence.NewPostSilencesParams().WithSilence(&models.PostableSilence{Silence: models.Silence{
		Matchers:  models.Matchers{{Name: &name, Value: &value, IsRegex: &isRegex, IsEqual: &isEqual}},
		StartsAt:  &starts,
		EndsAt:    &ends,
		CreatedBy: &createdBy,
		Comment:   &comment,
	}})
	pctx, cancel := withTimeout(ctx, cl.Timeout)
	created, err := api.Silence.PostSilences(params.WithContext(pctx))
	cancel()
	if err != nil {
		res.Error = "create probe silence: " + amclient.Explain(err).Error()
		return res
	}
	res.Silence = created.Payload.SilenceID
	defer expire(cl, append([]model.Replica{*origin}, others...), res)

	results := make([]model.ProbeTiming, len(others))
	var wg sync.WaitGroup
	for i, r := range others {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = wait(ctx, cl, r, res.Silence, now, timeout)
		}()
	}
	wg.Wait()
	res.Results = results
	return res
}

// expire deletes the probe silence on a fresh context: it must run after Ctrl-C too. Silences
// are gossiped, so when the origin does not answer any other replica can expire it.
func expire(cl *amclient.Client, replicas []model.Replica, res *model.ProbeResult) {
	ctx, cancel := withTimeout(context.Background(), max(cl.Timeout, 5*time.Second))
	defer cancel()
	var errs []string
	for _, r := range replicas {
		api, err := cl.API(r.URL())
		if err == nil {
			_, err = api.Silence.DeleteSilence(silence.NewDeleteSilenceParamsWithContext(ctx).WithSilenceID(strfmt.UUID(res.Silence)))
		}
		if err == nil {
			return
		}
		errs = append(errs, r.Name+": "+amclient.Explain(err).Error())
		if ctx.Err() != nil {
			break
		}
	}
	res.Error = fmt.Sprintf("could not expire probe silence %s (it expires by itself within %s; kubectl amha status "+
		"leaves it out of the silence count): %s", res.Silence, Lifetime, strings.Join(errs, "; "))
}

func wait(ctx context.Context, cl *amclient.Client, r model.Replica, id string, since time.Time, timeout time.Duration) model.ProbeTiming {
	t := model.ProbeTiming{Replica: r.Name}
	api, err := cl.API(r.URL())
	if err != nil {
		t.Error = err.Error()
		return t
	}
	deadline := since.Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	lastErr := "not there yet"
	for {
		gctx, cancel := withTimeout(ctx, cl.Timeout)
		_, err := api.Silence.GetSilence(silence.NewGetSilenceParamsWithContext(gctx).WithSilenceID(strfmt.UUID(id)))
		cancel()
		if err == nil {
			d := model.Duration(time.Since(since))
			t.After = &d
			return t
		}
		if _, notFound := err.(*silence.GetSilenceNotFound); !notFound {
			lastErr = amclient.Explain(err).Error()
		}
		select {
		case <-ctx.Done():
			t.Error = "interrupted"
			return t
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			t.Error = fmt.Sprintf("not served within %s: %s", timeout, lastErr)
			return t
		}
	}
}

func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return context.WithTimeout(ctx, d)
	}
	return context.WithCancel(ctx)
}
