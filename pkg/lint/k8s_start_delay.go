package lint

import (
	"fmt"

	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// k8sStartDelay: alerts are neither persisted nor gossiped, so a restarted replica has none
// until Prometheus sends them again. From v0.30 --dispatch.start-delay holds dispatching after
// start ("should be synced with --rules.alert.resend-delay on Prometheus", cmd/alertmanager;
// app/reloader.go runs the dispatcher from start time + delay; ha-facts, The flags). Prometheus
// re-sends a firing alert at the first rule evaluation more than resend-delay (1m) after its
// last send (rules/alerting.go needsSending: LastSentAt+resendDelay strictly before the
// evaluation time), so at its defaults within 2m; a resolved one at once.
type k8sStartDelay struct{}

func (k8sStartDelay) ID() string { return "k8s/start-delay" }

func (c k8sStartDelay) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, w := range k8sWorkloads(s) {
		if !k8sMeshOn(w) {
			continue
		}
		if atLeast, known := versionAtLeast(w.Version, 0, 30); !known || !atLeast {
			continue // the flag does not exist before v0.30; an unknown version is not judged
		}
		a := w.Arg("dispatch.start-delay")
		if w.Flags.StartDelay != nil && w.Flags.StartDelay.D() > 0 {
			continue
		}
		if w.Kind == "Alertmanager" {
			// prometheus-operator (v0.88+) passes spec.minReadySeconds as --dispatch.start-delay.
			if n, ok := w.PodSpec.Get("minReadySeconds").Int(); ok && n > 0 && a == nil {
				continue
			}
		}
		if a != nil && w.Flags.StartDelay == nil {
			continue // not a duration: Alertmanager refuses to start, the flag parser reports it
		}
		loc := w.ArgsLoc()
		if a != nil {
			loc = a.At.Loc()
		}
		wait := timing.Format(w.Flags.EffectivePeerTimeout())
		// With fixed names (--cluster.peer-name; prometheus-operator sets $(POD_NAME) from v0.30) a
		// restarted replica keeps its position; with the default random ULIDs it takes a new,
		// later name and goes last (cluster.Position sorts the members by name).
		cover := fmt.Sprintf("With fixed names (--cluster.peer-name) a restarted replica keeps its position and sends nothing while it waits out the delay: "+
			"when it is position 0, position 1 sends in its place, one --cluster.peer-timeout (%s) late. A full restart sends nothing for the whole delay.", wait)
		if w.Arg("cluster.peer-name") == nil {
			cover = "Without --cluster.peer-name a restarted replica takes a new random name and goes last in position order, so the others notify as before; " +
				"a full restart sends nothing for the whole delay."
		}
		fix := "Add --dispatch.start-delay=2m: Prometheus' --rules.alert.resend-delay (1m) plus one rule evaluation_interval (1m), or what your Prometheus uses. " +
			"A replica then dispatches nothing for that long after it starts. " + cover
		switch {
		case w.Kind == "Alertmanager":
			fix = "Set spec.minReadySeconds: 120 in the Alertmanager object (prometheus-operator v0.88+ passes it as --dispatch.start-delay, and a rollout then waits as long per pod), " +
				"or spec.additionalArgs: [{name: dispatch.start-delay, value: 2m}]: Prometheus' --rules.alert.resend-delay (1m) plus one evaluation_interval (1m). " +
				operatorNames(w, wait)
			loc = w.PodSpec.Get("minReadySeconds").LocOr(w.PodSpec)
		case k8sHelm(w.Object):
			fix += " Helm chart values: extraArgs: {dispatch.start-delay: 2m}."
		}
		fix = k8sFixFor(w, fix, "set spec.minReadySeconds: 120 there (v0.88+ passes it as --dispatch.start-delay), or spec.additionalArgs: [{name: dispatch.start-delay, value: 2m}]. "+cover)
		out = append(out, model.Finding{
			ID: c.ID(), Severity: model.Info, Symptoms: []model.Symptom{model.Flapping, model.Duplicates},
			Objects: []string{w.ID()},
			Message: fmt.Sprintf("Alertmanager %s runs without --dispatch.start-delay. A restarted replica has no alerts (they are neither persisted nor gossiped) until Prometheus sends them again: "+
				"a firing alert at the first rule evaluation more than --rules.alert.resend-delay (1m) after its last send, up to 2m at Prometheus' defaults, a newly resolved one at once. "+
				"The replica dispatches as soon as gossip has settled (about 10s), and a new group whose first alert started more than group_wait ago (re-sent alerts keep their start time) "+
				"is flushed at once with the part of it that has arrived. The notification log it got from its peers decides what goes out: a group holding only resolved alerts "+
				"where the log has firing ones goes out as all resolved (a false resolved with send_resolved; without it, only logged); a partial group goes out as it is "+
				"when the log has no entry for it (a new group, or every replica lost its log) or it holds an alert the log lacks (a firing one, or with send_resolved a resolved one). "+
				"Either way the log then lacks firing alerts the other replicas hold, and at their next flush they notify the group again as firing.", w.Version),
			Fix:       fix,
			Locations: []Location{loc},
		})
	}
	return out
}

// operatorNames says what a restart does to positions under prometheus-operator: from v0.93 it
// fixes the peer names for Alertmanager 0.30+ (--cluster.peer-name=$(POD_NAME)).
func operatorNames(w *Workload, wait string) string {
	if w.Arg("cluster.peer-name") == nil {
		return "This operator and Alertmanager version leave the peer names random (--cluster.peer-name=$(POD_NAME) comes with prometheus-operator v0.93 and Alertmanager 0.30), " +
			"so a restarted replica goes last in position order and the others notify as before; a full restart sends nothing for the whole delay."
	}
	return "The operator fixes the peer names (--cluster.peer-name=$(POD_NAME)), so a restarted replica keeps its position and sends nothing while it waits out the delay: " +
		fmt.Sprintf("when it is position 0, position 1 sends in its place, one peer timeout (%s) late. A full restart sends nothing for the whole delay.", wait)
}
