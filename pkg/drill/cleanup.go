package drill

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/client/alert"
	"github.com/prometheus/alertmanager/api/v2/models"

	"github.com/amha-dev/kubectl-amha/pkg/amclient"
)

// RunOf is the run id of a drill alert's amha_drill value (<run>-<drill>).
func RunOf(alertValue string) string {
	run, _, _ := strings.Cut(alertValue, "-")
	return run
}

// ResolveLeft resolves every active drill alert (amha_drill set) on every replica, as the run
// that posted it would have at its end: the same labels, endsAt now. Alerts of the runs keep
// says to leave (a run that may still be going) stay. It returns the amha_drill values
// resolved, sorted. Alerts are not gossiped: each replica is asked and told on its own.
func ResolveLeft(ctx context.Context, am *amclient.Client, endpoints map[string]string, keep func(run string) bool) ([]string, error) {
	done := map[string]bool{}
	var errs []error
	for name, ep := range endpoints {
		api, err := am.API(ep)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		gctx, cancel := context.WithTimeout(ctx, am.Timeout)
		active := true
		res, err := api.Alert.GetAlerts(alert.NewGetAlertsParamsWithContext(gctx).WithActive(&active).WithFilter([]string{Label + `=~".+"`}))
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("list the drill alerts of %s: %w", name, amclient.Explain(err)))
			continue
		}
		var post models.PostableAlerts
		now := strfmt.DateTime(time.Now())
		for _, a := range res.Payload {
			v := a.Labels[Label]
			if v == "" || keep(RunOf(v)) {
				continue
			}
			pa := &models.PostableAlert{Alert: models.Alert{Labels: a.Labels}, EndsAt: now}
			if a.StartsAt != nil {
				pa.StartsAt = *a.StartsAt
			}
			post = append(post, pa)
			done[v] = true
		}
		if len(post) == 0 {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, am.Timeout)
		_, err = api.Alert.PostAlerts(alert.NewPostAlertsParamsWithContext(pctx).WithAlerts(post))
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("resolve the drill alerts on %s: %w", name, amclient.Explain(err)))
		}
	}
	out := make([]string, 0, len(done))
	for v := range done {
		out = append(out, v)
	}
	sort.Strings(out)
	return out, errors.Join(errs...)
}
