package checks

import "github.com/amha-dev/kubectl-amha/pkg/model"

type meshUnreachable struct{}

func (meshUnreachable) ID() string { return "mesh/unreachable" }

func (meshUnreachable) Run(c *model.Cluster, _ Options) []model.Finding {
	var out []model.Finding
	for _, r := range c.Replicas {
		if r.Error == "" {
			continue
		}
		msg := r.Name + " could not be asked: " + r.Error + ". Its view of the mesh is unknown; if it is down, " +
			"the cluster runs with one replica less and alerts that only reached it are lost with it."
		if r.Pod != nil && r.Pod.Deleted {
			msg = r.Name + " was deleted while amha was checking it (" + r.Error + "); the StatefulSet will recreate it."
			if r.Flags != nil && r.Flags.PeerName != nil {
				msg += " With --cluster.peer-name it keeps its name and so its position."
			} else {
				msg += " Without --cluster.peer-name it comes back with a new random name, so its position changes."
			}
		}
		out = append(out, model.Finding{
			ID: "mesh/unreachable", Severity: model.Error, Symptoms: []model.Symptom{model.Missed},
			Objects: []string{r.Name}, Message: msg,
			Fix: "Check that the replica runs and serves its web port (kubectl logs, kubectl describe pod); with --url, check the address, route prefix and --http-config.",
		})
	}
	return out
}
