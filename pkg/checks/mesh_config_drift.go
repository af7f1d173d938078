package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/text"
)

type meshConfigDrift struct{}

func (meshConfigDrift) ID() string { return "mesh/config-drift" }

// Run compares the raw configuration (alertmanager_config_hash: MD5 of the file's bytes, so
// comments count) and the loaded configuration (config.original: re-marshalled, comments gone,
// defaults filled in by the running version, so only comparable between equal versions).
func (meshConfigDrift) Run(c *model.Cluster, _ Options) []model.Finding {
	rs := answered(c)
	if len(rs) < 2 {
		return nil
	}
	hashes := map[string][]string{}
	allHashed := true
	for _, r := range rs {
		if r.Metrics == nil || r.Metrics.ConfigHash == "" {
			allHashed = false
			continue
		}
		hashes[r.Metrics.ConfigHash] = append(hashes[r.Metrics.ConfigHash], r.Name)
	}
	if allHashed && len(hashes) == 1 {
		return nil // the same file everywhere
	}
	groups := map[string][]string{}
	versions := map[string]bool{}
	for _, r := range rs {
		groups[r.Status.Config] = append(groups[r.Status.Config], r.Name)
		versions[r.Status.Version] = true
	}
	if len(groups) > 1 && (len(versions) == 1 || allHashed) {
		return []model.Finding{loadedDrift(groups, len(versions) > 1)}
	}
	if !allHashed || len(hashes) < 2 {
		return nil
	}
	var details, objs []string
	for h, ns := range hashes {
		details = append(details, fmt.Sprintf("config hash %s: %v", h, ns))
		objs = append(objs, ns...)
	}
	sort.Strings(details)
	sort.Strings(objs)
	return []model.Finding{{
		ID: "mesh/config-drift", Severity: model.Info, Symptoms: []model.Symptom{},
		Objects: objs,
		Message: "The configuration files differ in their bytes (alertmanager_config_hash) but load to the same configuration: " +
			"comments or formatting only. Notifications are not affected, but the next edit may drift for real.",
		Details: details,
		Fix:     "Mount one file in every replica so that the hashes agree and real drift stands out.",
	}}
}

func loadedDrift(groups map[string][]string, mixedVersions bool) model.Finding {
	ref, refNames := majority(groups)
	var details, odd []string
	cfgs := make([]string, 0, len(groups))
	for cfg := range groups {
		cfgs = append(cfgs, cfg)
	}
	sort.Slice(cfgs, func(i, j int) bool { return groups[cfgs[i]][0] < groups[cfgs[j]][0] })
	for _, cfg := range cfgs {
		ns := groups[cfg]
		if cfg == ref {
			continue
		}
		odd = append(odd, ns...)
		details = append(details, fmt.Sprintf("--- %s", strings.Join(refNames, ", ")), fmt.Sprintf("+++ %s", strings.Join(ns, ", ")))
		details = append(details, text.DiffLines(ref, cfg, 40)...)
	}
	sort.Strings(odd)
	msg := fmt.Sprintf("The configuration differs on %v. The notification log is keyed by route and receiver: "+
		"where routes, receiver names or integrations differ, nothing deduplicates and each replica sends on its own; "+
		"where inhibit_rules or time intervals differ, a replica that does not mute an alert still pages for it, because "+
		"a replica that mutes it writes no log entry.", odd)
	if mixedVersions {
		msg += " The replicas also run different versions, so some lines of the diff may be defaults of one version."
	}
	return model.Finding{
		ID: "mesh/config-drift", Severity: model.Error, Symptoms: []model.Symptom{model.Duplicates, model.Missed},
		Objects: append(append([]string{}, refNames...), odd...),
		Message: msg,
		Details: details,
		Fix: "Give every replica the same alertmanager.yml (one ConfigMap or Secret mounted by all pods), then reload or restart. " +
			"Drift during a rollout or a config reload is brief; drift that stays is a deployment problem.",
	}
}

// majority picks the config most replicas run (ties: the first replica's by name).
func majority(groups map[string][]string) (string, []string) {
	var best string
	var bestNames []string
	for cfg, ns := range groups {
		sort.Strings(ns)
		if len(ns) > len(bestNames) || (len(ns) == len(bestNames) && ns[0] < bestNames[0]) {
			best, bestNames = cfg, ns
		}
	}
	return best, bestNames
}
