package drill

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	amconfig "github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/dispatch"
	"github.com/prometheus/alertmanager/featurecontrol"
	"github.com/prometheus/alertmanager/inhibit"
	"github.com/prometheus/alertmanager/matcher/compat"
	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/alertmanager/timeinterval"
	prommodel "github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// Muted stops a drill whose alert would not be notified, or not deduplicated, before anything
// is posted or created: replicas whose configuration hashes differ (group keys differ, so
// nothing deduplicates), an active silence on a replica that matches the drill alert, an
// inhibit rule of a replica's running configuration that mutes it given the alerts active
// now, or a time interval that mutes the drill route now. lset is the drill alert's labels.
// The error names each cause and what to do.
func Muted(c model.Cluster, lset map[string]string) error {
	return errors.Join(configHashesDiffer(c), silenced(c, lset), inhibited(c, lset), timeMuted(c, lset, time.Now()))
}

// configHashesDiffer compares alertmanager_config_hash across the replicas that report it.
func configHashesDiffer(c model.Cluster) error {
	by := map[string][]string{}
	for _, r := range c.Replicas {
		if r.Metrics != nil && r.Metrics.ConfigHash != "" {
			by[r.Metrics.ConfigHash] = append(by[r.Metrics.ConfigHash], r.Name)
		}
	}
	if len(by) < 2 {
		return nil
	}
	var parts []string
	for _, h := range slices.Sorted(maps.Keys(by)) {
		parts = append(parts, fmt.Sprintf("%s on %s", h, strings.Join(by[h], ", ")))
	}
	return fmt.Errorf("the replicas run different configurations (config hash %s): their group keys differ, so nothing "+
		"deduplicates and the drill would count every replica's notification. Roll out one alertmanager.yml to every "+
		"replica and wait for each to reload (kubectl amha status: mesh/config-drift)", strings.Join(parts, "; "))
}

// silenced finds the active silences that match the drill alert, with Alertmanager's matchers.
func silenced(c model.Cluster, lset map[string]string) error {
	ls := labelSet(lset)
	on := map[string][]string{}
	desc := map[string]string{}
	var ids []string
	for _, r := range c.Replicas {
		for _, s := range r.Silences {
			if s.State != "active" || s.Probe {
				continue
			}
			ms, err := silenceMatchers(s.Matchers)
			if err != nil || len(ms) == 0 || !ms.Matches(ls) {
				continue
			}
			if on[s.ID] == nil {
				ids = append(ids, s.ID)
				desc[s.ID] = fmt.Sprintf("silence %s %s (by %q: %q)", s.ID, ms, s.CreatedBy, s.Comment)
			}
			on[s.ID] = append(on[s.ID], r.Name)
		}
	}
	var errs []error
	for _, id := range ids {
		errs = append(errs, fmt.Errorf("%s on %s matches the drill alert %s: it would be silenced and nothing counted. "+
			"Expire it (amtool silence expire %s) or narrow its matchers so that no %s alert matches, then run the drill again",
			desc[id], strings.Join(on[id], ", "), lsString(lset), id, AlertName))
	}
	return errors.Join(errs...)
}

func silenceMatchers(in []model.Matcher) (labels.Matchers, error) {
	var out labels.Matchers
	for _, m := range in {
		t := labels.MatchEqual
		switch {
		case m.IsRegex && m.Equal:
			t = labels.MatchRegexp
		case m.IsRegex:
			t = labels.MatchNotRegexp
		case !m.Equal:
			t = labels.MatchNotEqual
		}
		lm, err := labels.NewMatcher(t, m.Name, m.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, lm)
	}
	return out, nil
}

// inhibited runs each inhibit rule of every distinct running configuration as Alertmanager's
// inhibitor does: the rule's target matchers match the drill alert, and an active alert on a
// replica matches its source matchers (and not its target ones, when both sides match the
// drill alert) with the rule's equal labels equal to the drill alert's.
func inhibited(c model.Cluster, lset map[string]string) error {
	ls := labelSet(lset)
	var errs []error
	for _, r := range distinctConfigs(c) {
		cfg, err := loadConfig(r.Status.Config)
		if err != nil {
			continue // CheckRoute says so
		}
		for i, cr := range cfg.InhibitRules {
			rule := inhibit.NewInhibitRule(cr)
			if !rule.TargetMatchers.Matches(ls) {
				continue
			}
			twoSided := rule.SourceMatchers.Matches(ls)
			if src, on := inhibitingAlert(c, rule, ls, twoSided); src != "" {
				name := fmt.Sprintf("inhibit_rules[%d]", i)
				if cr.Name != "" {
					name += fmt.Sprintf(" (%s)", cr.Name)
				}
				errs = append(errs, fmt.Errorf("%s of replica %s's configuration (source %s, target %s, equal %v) mutes the drill "+
					"alert %s while alert %s is active on %s: it would be inhibited and nothing counted. Wait until that alert "+
					"resolves, or make the rule's target_matchers exclude %s (for example %s=\"\")",
					name, r.Name, rule.SourceMatchers, rule.TargetMatchers, cr.Equal, lsString(lset), src, on, Label, Label))
			}
		}
	}
	return errors.Join(errs...)
}

// timeMuted finds the routes the drill alert matches whose mute_time_intervals hold now, or
// whose active_time_intervals do not, as Alertmanager's time-interval stage judges them.
func timeMuted(c model.Cluster, lset map[string]string, now time.Time) error {
	var errs []error
	for _, r := range distinctConfigs(c) {
		cfg, err := loadConfig(r.Status.Config)
		if err != nil || cfg.Route == nil {
			continue
		}
		intervals := map[string][]timeinterval.TimeInterval{}
		for _, ti := range cfg.MuteTimeIntervals {
			intervals[ti.Name] = ti.TimeIntervals
		}
		for _, ti := range cfg.TimeIntervals {
			intervals[ti.Name] = ti.TimeIntervals
		}
		iv := timeinterval.NewIntervener(intervals)
		for _, m := range dispatch.NewRoute(cfg.Route, nil).Match(labelSet(lset)) {
			o := m.RouteOpts
			if in, names, err := iv.Mutes(o.MuteTimeIntervals, now); err == nil && in {
				errs = append(errs, fmt.Errorf("replica %s's route to %s mutes the drill alert now (mute_time_intervals %s): "+
					"run the drill outside them, or take them off the drill route", r.Name, o.Receiver, strings.Join(names, ", ")))
			}
			if len(o.ActiveTimeIntervals) == 0 {
				continue
			}
			if in, _, err := iv.Mutes(o.ActiveTimeIntervals, now); err == nil && !in {
				errs = append(errs, fmt.Errorf("replica %s's route to %s is outside its active_time_intervals (%s) now, so the "+
					"drill alert would not be sent: run the drill inside them, or take them off the drill route",
					r.Name, o.Receiver, strings.Join(o.ActiveTimeIntervals, ", ")))
			}
		}
	}
	return errors.Join(errs...)
}

// distinctConfigs are the first replica of each running configuration.
func distinctConfigs(c model.Cluster) []model.Replica {
	seen := map[string]bool{}
	var out []model.Replica
	for _, r := range c.Replicas {
		if r.Status == nil || r.Status.Config == "" || seen[r.Status.Config] {
			continue
		}
		seen[r.Status.Config] = true
		out = append(out, r)
	}
	return out
}

// inhibitingAlert is an active alert of a replica that inhibits ls under rule, and the replica.
func inhibitingAlert(c model.Cluster, rule *inhibit.InhibitRule, ls prommodel.LabelSet, twoSided bool) (string, string) {
	for _, r := range c.Replicas {
		for _, a := range r.Alerts {
			als := labelSet(a.Labels)
			if !rule.SourceMatchers.Matches(als) || (twoSided && rule.TargetMatchers.Matches(als)) {
				continue
			}
			equal := true
			for n := range rule.Equal {
				if als[n] != ls[n] {
					equal = false
				}
			}
			if equal {
				return lsString(a.Labels), r.Name
			}
		}
	}
	return "", ""
}

func labelSet(m map[string]string) prommodel.LabelSet {
	ls := prommodel.LabelSet{}
	for k, v := range m {
		ls[prommodel.LabelName(k)] = prommodel.LabelValue(v)
	}
	return ls
}

func lsString(m map[string]string) string { return labelSet(m).String() }

var initMatchers sync.Once

// loadConfig reads a running configuration (config.original) as Alertmanager does.
func loadConfig(original string) (*amconfig.Config, error) {
	initMatchers.Do(func() { compat.InitFromFlags(promslog.NewNopLogger(), featurecontrol.NoopFlags{}) })
	return amconfig.Load(original)
}
