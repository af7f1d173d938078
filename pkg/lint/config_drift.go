package lint

import (
	"fmt"
	"sort"
	"strings"

	"github.com/prometheus/alertmanager/dispatch"

	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/text"
)

// configDrift: the alertmanager.yml files of one cluster load to different configurations.
// The notification log is keyed by the group key (the route's matcher chain and the group
// labels) and the receiver name, integration and index, so routing drift means the replicas
// write different keys and nothing deduplicates: up to one notification per replica
// (ha-facts "config differs between replicas"). Drift that keeps the keys equal still
// deduplicates, and the first replica to send decides what is sent.
type configDrift struct{}

func (configDrift) ID() string { return "config/drift" }

func (c configDrift) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, g := range amGroups(s, amDocs(s)) {
		if len(g) < 2 {
			continue
		}
		// The reference is what most files say (ties: the first file).
		count := map[string]int{}
		for _, d := range g {
			count[d.Key]++
		}
		ref := g[0]
		for _, d := range g {
			if count[d.Key] > count[ref.Key] {
				ref = d
			}
		}
		n := len(g)
		if w := g[0].Cluster; w != nil && w.Replicas > n {
			n = w.Replicas
		}
		for _, d := range g {
			if d.Key != ref.Key {
				out = append(out, c.finding(ref, d, n))
			}
		}
	}
	return out
}

func (c configDrift) finding(ref, d *amDoc, replicas int) model.Finding {
	a, b := amMarkSecrets(ref, d)
	diff := text.DiffLines(strings.Join(a, "\n"), strings.Join(b, "\n"), 40)
	first := "route"
	for _, l := range diff {
		if strings.HasPrefix(l, "- ") || strings.HasPrefix(l, "+ ") {
			first, _, _ = strings.Cut(l[2:], ": ")
			break
		}
	}
	details := append([]string{
		"compared as loaded: comments, whitespace and key order do not count (alertmanager_config_hash, an MD5 of the raw bytes, still differs for them)",
		"--- " + ref.Name, "+++ " + d.Name,
	}, diff...)
	f := model.Finding{
		ID: c.ID(), Objects: []string{d.Name, ref.Name}, Details: details,
		Fix: fmt.Sprintf("Give every replica the same alertmanager.yml (here %s differs from %s first at %s): one ConfigMap or Secret mounted by every pod, "+
			"or one file distributed to every host, then reload every replica (POST /-/reload or SIGHUP).", d.Name, ref.Name, first),
		Locations: []Location{configLocate(d.Root, first), configLocate(ref.Root, first)},
	}
	if strings.Join(amRoutingKeys(ref), "\n") != strings.Join(amRoutingKeys(d), "\n") {
		f.Severity, f.Symptoms = model.Error, []model.Symptom{model.Duplicates}
		f.Message = fmt.Sprintf("The configuration %s routes alerts differently from %s (first difference at %s). The notification log is keyed by the route's matcher chain, "+
			"the group labels and the receiver name with its integration and index: the replicas write different keys, none suppresses another's "+
			"notification, and each alert group is notified once per replica, up to %d times.", d.Name, ref.Name, first, replicas)
		return f
	}
	f.Severity, f.Symptoms = model.Warning, []model.Symptom{model.Missed}
	f.Message = fmt.Sprintf("The configuration %s differs from %s (first difference at %s) but routes alike: the notification log keys agree, so the replicas "+
		"deduplicate each other by key even where a key stands for different settings. Whichever replica sends first (position 0, or the next "+
		"after a failure) decides what goes out: its URL, template or integration order is used, and a destination only the others have gets "+
		"nothing. Where inhibit_rules or time intervals differ, a replica that does not mute an alert sends it while the others stay quiet.",
		d.Name, ref.Name, first)
	return f
}

// amMarkSecrets are both configurations' lines with each secret that differs between them
// numbered by its value (<secret #1>), so a changed or swapped URL shows without its value.
func amMarkSecrets(a, b *amDoc) ([]string, []string) {
	paths := map[string]bool{}
	for p := range a.Secrets {
		paths[p] = true
	}
	for p := range b.Secrets {
		paths[p] = true
	}
	var differ []string
	for p := range paths {
		if a.Secrets[p] != b.Secrets[p] {
			differ = append(differ, p)
		}
	}
	sort.Strings(differ)
	num := map[string]int{}
	mark := func(d *amDoc) []string {
		lines := append([]string(nil), d.Lines...)
		for _, p := range differ {
			v, ok := d.Secrets[p]
			if !ok {
				continue
			}
			if num[v] == 0 {
				num[v] = len(num) + 1
			}
			for i, l := range lines {
				if l == p+": "+amSecretToken {
					lines[i] = fmt.Sprintf("%s: <secret #%d>", p, num[v])
				}
			}
		}
		return lines
	}
	return mark(a), mark(b)
}

// amRoutingKeys is what the notification log keys are made of: every route's matcher chain,
// group labels and receiver, and the integrations (kind and count) of the receivers routed to.
func amRoutingKeys(d *amDoc) []string {
	var out []string
	used := map[string]bool{}
	d.Tree.Walk(func(r *dispatch.Route) {
		by := make([]string, 0, len(r.RouteOpts.GroupBy))
		for l := range r.RouteOpts.GroupBy {
			by = append(by, string(l))
		}
		sort.Strings(by)
		if r.RouteOpts.GroupByAll {
			by = []string{"..."}
		}
		out = append(out, fmt.Sprintf("route %s group_by %v receiver %s", r.Key(), by, r.RouteOpts.Receiver))
		used[r.RouteOpts.Receiver] = true
	})
	for _, rc := range d.Cfg.Receivers {
		if !used[rc.Name] {
			continue
		}
		var kinds []string
		for _, in := range amReceiverIntegrations(rc) {
			kinds = append(kinds, fmt.Sprintf("%s[%d]", in.Field, in.Index))
		}
		out = append(out, "receiver "+rc.Name+" "+strings.Join(kinds, " "))
	}
	return out
}
