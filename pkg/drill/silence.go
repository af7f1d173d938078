package drill

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/client/silence"
	"github.com/prometheus/alertmanager/api/v2/models"

	"github.com/amha-dev/kubectl-amha/pkg/amclient"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// SilenceAuthor is the createdBy of the silences a drill creates; their comment starts with
// SilenceComment and the run id.
const (
	SilenceAuthor  = "kubectl-amha"
	SilenceComment = "kubectl-amha drill run "
)

// TeamAlert is an alert of the team's own monitoring (kube-prometheus' Alertmanager and
// Kubernetes mixins) that a drill may make fire, and the labels that scope it to the drilled
// cluster.
type TeamAlert struct {
	Name string
	// Scope is "namespace" (the Alertmanager mixin's alerts carry namespace and service),
	// "pod" (namespace and pod) or "statefulset" (namespace and statefulset).
	Scope  string
	Drills []string
	Why    string
}

// TeamAlerts are the alerts each drill may make fire, with why. Only alerts with a `for:`
// shorter than a drill, or none, fire in practice; the list names those the mixins define.
var TeamAlerts = []TeamAlert{
	{"AlertmanagerMembersInconsistent", "namespace", []string{Partition, StopSender, CrashSender, RollingRestart, AllDown},
		"a replica sees fewer members than the others (for: 15m in the mixin: a long drill)"},
	{"AlertmanagerClusterCrashlooping", "namespace", []string{CrashSender},
		"a replica restarted within the last 10 minutes"},
	{"AlertmanagerClusterDown", "namespace", []string{StopSender, CrashSender, RollingRestart, AllDown},
		"part of the replicas are down (for: 5m)"},
	{"KubePodCrashLooping", "pod", []string{CrashSender}, "the crashed container restarted"},
	{"KubePodNotReady", "pod", []string{StopSender, CrashSender, Partition, RollingRestart, AllDown}, "a replaced pod is not Ready yet (for: 15m)"},
	{"KubeStatefulSetReplicasMismatch", "statefulset", []string{StopSender, CrashSender, Partition, RollingRestart, AllDown},
		"fewer Ready replicas than desired while a pod is replaced (for: 15m)"},
}

// TeamAlertsFor lists the team alerts the drills may make fire.
func TeamAlertsFor(drills []string) []TeamAlert {
	var out []TeamAlert
	for _, a := range TeamAlerts {
		for _, d := range drills {
			if slices.Contains(a.Drills, d) {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

// TeamSilences are the silences, one per scope, that mute alerts for the drilled cluster only:
// its namespace, and its pods or StatefulSet where the alert names them.
func TeamSilences(alerts []TeamAlert, namespace, statefulset, run string, until time.Time) []*models.PostableSilence {
	byScope := map[string][]string{}
	var scopes []string
	for _, a := range alerts {
		if byScope[a.Scope] == nil {
			scopes = append(scopes, a.Scope)
		}
		byScope[a.Scope] = append(byScope[a.Scope], a.Name)
	}
	t, f := true, false
	m := func(name, value string, regex bool) *models.Matcher {
		return &models.Matcher{Name: &name, Value: &value, IsRegex: &regex, IsEqual: &t}
	}
	var out []*models.PostableSilence
	now := strfmt.DateTime(time.Now())
	ends := strfmt.DateTime(until)
	author, comment := SilenceAuthor, fmt.Sprintf("%s%s: alerts the drill makes fire on purpose on %s/%s", SilenceComment, run, namespace, statefulset)
	for _, s := range scopes {
		names := byScope[s]
		ms := models.Matchers{m("alertname", strings.Join(names, "|"), len(names) > 1), m("namespace", namespace, f)}
		switch s {
		case "pod":
			ms = append(ms, m("pod", regexp.QuoteMeta(statefulset)+"-[0-9]+", true))
		case "statefulset":
			ms = append(ms, m("statefulset", statefulset, f))
		}
		out = append(out, &models.PostableSilence{Silence: models.Silence{Matchers: ms, StartsAt: &now, EndsAt: &ends, CreatedBy: &author, Comment: &comment}})
	}
	return out
}

// Endpoints are the replicas of c that answered, by name: where to post and ask.
func Endpoints(c model.Cluster) map[string]string {
	out := map[string]string{}
	for _, r := range c.Replicas {
		if r.OK() {
			out[r.Name] = r.URL()
		}
	}
	return out
}

// CreateSilences creates the silences on the first replica that takes them (silences are
// gossiped to the others) and returns their ids.
func CreateSilences(ctx context.Context, am *amclient.Client, endpoints map[string]string, sils []*models.PostableSilence) ([]string, error) {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(endpoints)) {
		api, err := am.API(endpoints[name])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var ids []string
		for _, s := range sils {
			pctx, cancel := context.WithTimeout(ctx, am.Timeout)
			res, err := api.Silence.PostSilences(silence.NewPostSilencesParamsWithContext(pctx).WithSilence(s))
			cancel()
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, amclient.Explain(err)))
				break
			}
			ids = append(ids, res.Payload.SilenceID)
		}
		if len(ids) == len(sils) {
			return ids, nil
		}
		if len(ids) > 0 {
			return ids, errors.Join(errs...) // some were made: expire those, do not duplicate
		}
	}
	return nil, fmt.Errorf("create the team-alert silences: %w", errors.Join(errs...))
}

// ExpireLeft expires the drill's silences still active on the replicas: those with ids, or
// with none given every silence by SilenceAuthor whose comment names a run keep does not keep.
// Any replica may expire a silence (they are gossiped); each is tried until one answers. It
// returns the ids expired.
func ExpireLeft(ctx context.Context, am *amclient.Client, endpoints map[string]string, ids []string, keep func(run string) bool) ([]string, error) {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(endpoints)) {
		api, err := am.API(endpoints[name])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		gctx, cancel := context.WithTimeout(ctx, am.Timeout)
		res, err := api.Silence.GetSilences(silence.NewGetSilencesParamsWithContext(gctx))
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, amclient.Explain(err)))
			continue
		}
		var done []string
		for _, s := range res.Payload {
			if s.ID == nil || s.Status == nil || s.Status.State == nil || *s.Status.State == models.SilenceStatusStateExpired {
				continue
			}
			mine := slices.Contains(ids, *s.ID)
			if ids == nil && s.CreatedBy != nil && *s.CreatedBy == SilenceAuthor && s.Comment != nil && strings.HasPrefix(*s.Comment, SilenceComment) {
				run, _, _ := strings.Cut(strings.TrimPrefix(*s.Comment, SilenceComment), ":")
				mine = !keep(run)
			}
			if !mine {
				continue
			}
			dctx, cancel := context.WithTimeout(ctx, am.Timeout)
			_, err := api.Silence.DeleteSilence(silence.NewDeleteSilenceParamsWithContext(dctx).WithSilenceID(strfmt.UUID(*s.ID)))
			cancel()
			if err != nil {
				errs = append(errs, fmt.Errorf("expire silence %s on %s: %w", *s.ID, name, amclient.Explain(err)))
				continue
			}
			done = append(done, *s.ID)
		}
		return done, errors.Join(errs...)
	}
	return nil, fmt.Errorf("expire the drill's silences: %w", errors.Join(errs...))
}
