package checks

import (
	"fmt"
	"strings"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

type meshDrillLeftover struct{}

func (meshDrillLeftover) ID() string { return "mesh/drill-leftover" }

// Run reports the objects of drill runs past their expiry: a run of `kubectl amha drill` that
// was killed before its cleanup. Its partition policy, when left, still cuts the mesh port of
// one pod: the live mesh may hold (policies do not cut established flows), and it splits when
// that pod restarts.
func (meshDrillLeftover) Run(c *model.Cluster, _ Options) []model.Finding {
	var out []model.Finding
	for _, d := range c.DrillLeftovers {
		var cuts []string
		for _, o := range d.Objects {
			if pod, ok := strings.CutPrefix(o, "networkpolicy/amha-drill-partition-"); ok {
				cuts = append(cuts, pod)
			}
		}
		exp := "no readable expiry"
		if d.Expires != nil {
			exp = "expired at " + d.Expires.Format(time.RFC3339)
		}
		f := model.Finding{
			ID: "mesh/drill-leftover", Severity: model.Info, Objects: d.Objects,
			Message: fmt.Sprintf("Drill run %s left %s (%s): the run was killed before its cleanup.", d.Run, strings.Join(d.Objects, ", "), exp),
			Fix: fmt.Sprintf("kubectl amha drill cleanup -n %s: it deletes them, resolves a drill alert left active on the replicas, "+
				"expires the run's silences and restores NetworkPolicies it narrowed, then checks the mesh.", c.Namespace),
		}
		if len(cuts) > 0 {
			f.Severity, f.Symptoms = model.Warning, []model.Symptom{model.Duplicates}
			f.Message += fmt.Sprintf(" Its partition policy still cuts port 9094 of %s: the live mesh may hold (a policy does not cut "+
				"established flows), but when that pod restarts it starts cut off, and both sides of the split notify every alert group (duplicates).",
				strings.Join(cuts, ", "))
		}
		out = append(out, f)
	}
	return out
}
