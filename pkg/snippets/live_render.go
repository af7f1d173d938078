package snippets

import (
	"encoding/json"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
)

// Rendering: the patch files' text and patch-apply.sh or patch-none.

func renderOps(ops []jsonOp) string {
	var b strings.Builder
	b.WriteString("[\n")
	for i, o := range ops {
		j, _ := json.Marshal(o)
		b.Write(j)
		if i < len(ops)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]")
	return b.String()
}

// shellQuote quotes s for sh in single quotes.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// bullets writes changes as "# - " items under a header.
func bullets(header string, items []string) string {
	var b strings.Builder
	b.WriteString(comment(header, ""))
	for _, it := range items {
		for i, l := range wrap(it, 94) {
			if i == 0 {
				b.WriteString("#  - " + l + "\n")
			} else {
				b.WriteString("#    " + l + "\n")
			}
		}
	}
	return b.String()
}

// ---- patch-apply and patch-none ----

func (p *livePatch) apply() Snippet {
	var b strings.Builder
	b.WriteString(comment(fmt.Sprintf("The patch of %s %s/%s, in order. Run it from the directory `kubectl amha snippets %s -n %s "+
		"--out DIR` wrote: each step runs one of its files. Service first (peers must resolve before pods restart), "+
		"NetworkPolicy last.", p.kind(), p.ns(), p.name(), p.name(), p.ns()), ""))
	if p.splits {
		b.WriteString(comment(fmt.Sprintf("It adds --cluster.label=%s: replicas with and without a label cannot talk, so "+
			"while the pods roll the mesh is split in two and both sides notify every alert group that fires (duplicates, "+
			"not misses). Run it at a quiet time.", p.s.Label()), ""))
	}
	b.WriteString(p.caveats())
	b.WriteString("set -eu\n")
	n := 0
	emit := func(after bool) {
		for _, st := range p.steps {
			if st.afterRollout != after {
				continue
			}
			n++
			fmt.Fprintf(&b, "\n# %d. %s\n", n, st.title)
			for _, c := range st.cmds {
				b.WriteString(c + "\n")
			}
		}
	}
	emit(false)
	if t := p.sts.Spec.UpdateStrategy.Type; !p.operator && (t == "" || t == appsv1.RollingUpdateStatefulSetStrategyType) {
		n++
		fmt.Fprintf(&b, "\n# %d. Wait for the rollout\n", n)
		fmt.Fprintf(&b, "kubectl rollout status statefulset %s -n %s\n", p.name(), p.ns())
	}
	if p.operator {
		// The operator regenerates the StatefulSet from the patched object: until it has
		// reconciled this generation, the StatefulSet's rollout status is the old one.
		n++
		fmt.Fprintf(&b, "\n# %d. Wait for prometheus-operator to reconcile the patched object, then for its StatefulSet's rollout\n", n)
		am := p.l.Found.OperatorName()
		fmt.Fprintf(&b, "gen=$(kubectl get alertmanagers.monitoring.coreos.com %s -n %s -o jsonpath='{.metadata.generation}')\n", am, p.ns())
		fmt.Fprintf(&b, "kubectl wait alertmanagers.monitoring.coreos.com/%s -n %s --timeout=5m \\\n"+
			"  --for=jsonpath='{.status.conditions[?(@.type==\"Reconciled\")].observedGeneration}'=\"$gen\"\n", am, p.ns())
		fmt.Fprintf(&b, "kubectl rollout status statefulset %s -n %s --timeout=10m\n", p.sts.Name, p.ns())
	}
	emit(true)
	n++
	fmt.Fprintf(&b, "\n# %d. Check the mesh itself: pod Ready is not mesh health. Right after a rollout, mesh/settling and\n"+
		"# mesh/failed-peers (the replaced pods' addresses) are expected for a few minutes, and findings this patch\n"+
		"# is not about (the configuration) stay: read them rather than the exit status.\n", n)
	fmt.Fprintf(&b, "kubectl amha status %s -n %s || echo \"kubectl amha status reported findings: see above\"\n", p.name(), p.ns())
	return Snippet{ID: "patch-apply", Group: "patch", Title: "The patch, in order", File: "patch-apply.sh", Content: b.String()}
}

func (p *livePatch) kind() string {
	if p.operator {
		return "prometheus-operator StatefulSet"
	}
	return "StatefulSet"
}

// caveats are what amha did not patch or could not compare, and what it never compares.
func (p *livePatch) caveats() string {
	var b strings.Builder
	if o := p.l.Owner; o != nil {
		what := "StatefulSet " + p.ns() + "/" + p.name()
		if p.operator {
			what = "Alertmanager " + p.ns() + "/" + p.l.Found.OperatorName()
		}
		b.WriteString(comment(o.revertNote(what), ""))
	}
	if len(p.notes) > 0 {
		b.WriteString(bullets("Differs, but not amha's to patch:", p.notes))
	}
	if len(p.l.Unread) > 0 {
		b.WriteString(bullets("Not compared, could not be read:", p.l.Unread))
	}
	b.WriteString(comment("Compared: the --cluster.* flags, the governing Service, podManagementPolicy, topology spread, "+
		"PodDisruptionBudget and NetworkPolicy. Not compared: the configuration, storage, probes, resources and "+
		"--dispatch.start-delay (kubectl amha snippets --only statefulset writes them all).", ""))
	return b.String()
}

func (p *livePatch) none() Snippet {
	var b strings.Builder
	title := "Nothing to patch: the cluster matches"
	if len(p.notes) > 0 {
		title = "Nothing amha can patch"
	} else {
		b.WriteString(comment(fmt.Sprintf("%s %s/%s already matches what amha generates for cluster %s (%d replicas, "+
			"Alertmanager %s): the --cluster.* flags, the governing Service %s, podManagementPolicy, topology spread, "+
			"PodDisruptionBudget and NetworkPolicy.", p.kind(), p.ns(), p.name(), p.s.Label(), p.s.Replicas, p.s.Version,
			p.svc), ""))
	}
	b.WriteString(p.caveats())
	b.WriteString(comment(fmt.Sprintf("That is the wiring, not the mesh: it does not prove the replicas see each other. DNS, "+
		"a NetworkPolicy or firewall dropping 9094 over UDP or TCP, a different configuration on one replica or a split "+
		"that never healed all leave it like this, and /-/ready answers 200 regardless. Check the live mesh: kubectl amha "+
		"status %s -n %s", p.name(), p.ns()), ""))
	return Snippet{ID: "patch-none", Group: "patch", Title: title, File: "patch-none.txt", Content: b.String()}
}
