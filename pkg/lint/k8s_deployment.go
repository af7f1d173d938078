package lint

import (
	"fmt"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// k8sDeployment: Alertmanager run as a Deployment of two or more replicas. Its pods have random
// names and no DNS name each, so no --cluster.peer can name each replica, and they cannot have
// a volume each for the notification log and silences (ha-facts, Kubernetes practice: a
// StatefulSet, one --cluster.peer=<pod>.<service>:9094 per replica).
type k8sDeployment struct{}

func (k8sDeployment) ID() string { return "k8s/deployment" }

func (c k8sDeployment) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, w := range k8sWorkloads(s) {
		if w.Kind != "Deployment" || w.Replicas < 2 {
			continue
		}
		var state string
		switch st := k8sStorageOf(w); st.Kind {
		case "claim":
			state = fmt.Sprintf("all %d share the one volume %q of their template: with ReadWriteOnce it holds every replica on the node that mounts it, and they all write the same snapshot files", w.Replicas, st.Volume)
		case "other":
			state = fmt.Sprintf("all %d share the volume %q of their template instead of one each", w.Replicas, st.Volume)
		default:
			state = "none of them keeps the notification log and silences on a volume of its own (a pod template has no per-replica claim)"
		}
		out = append(out, model.Finding{
			ID: c.ID(), Severity: model.Warning, Symptoms: []model.Symptom{model.Duplicates},
			Objects: []string{w.ID()},
			Message: fmt.Sprintf("Alertmanager runs as a Deployment of %d replicas: its pods get random names and no DNS name each, so --cluster.peer cannot list the replicas "+
				"(only a Service name that resolves to whichever pod IPs it has at that moment), a rolling update adds and removes members under new names, and %s. "+
				"A replica that resolves no other pod when it starts (at a first start or a full restart the pods start together) settles alone and notifies as an island, "+
				"sending every notification it holds, until a re-resolution of the peer name (every 15s) finds the other pods and joins them.", w.Replicas, state),
			Fix: fmt.Sprintf("Run it as a StatefulSet: spec.serviceName naming a headless Service (clusterIP: None, publishNotReadyAddresses: true, ports %s), "+
				"podManagementPolicy: Parallel, one --cluster.peer=<statefulset>-<i>.<service>:%d per replica, itself included, and a volumeClaimTemplate mounted at --storage.path. "+
				"`kubectl amha snippets` prints all of it.", k8sMeshProtocols(w), k8sMeshPort(w)),
			Locations: []Location{w.Object.Root.Get("kind").LocOr(w.At)},
		})
	}
	return out
}
