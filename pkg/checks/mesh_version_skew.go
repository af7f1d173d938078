package checks

import (
	"fmt"
	"sort"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

type meshVersionSkew struct{}

func (meshVersionSkew) ID() string { return "mesh/version-skew" }

func (meshVersionSkew) Run(c *model.Cluster, _ Options) []model.Finding {
	vs := map[string][]string{}
	for _, r := range answered(c) {
		vs[r.Status.Version] = append(vs[r.Status.Version], r.Name)
	}
	if len(vs) < 2 {
		return nil
	}
	var details, objs []string
	for v, ns := range vs {
		details = append(details, fmt.Sprintf("%s: %v", v, ns))
		objs = append(objs, ns...)
	}
	sort.Strings(details)
	sort.Strings(objs)
	return []model.Finding{{
		ID: "mesh/version-skew", Severity: model.Warning, Symptoms: []model.Symptom{model.Duplicates},
		Objects: objs,
		Message: fmt.Sprintf("Replicas run %d Alertmanager versions. Expected for the length of a rollout; lasting skew risks "+
			"different defaults, templates and notification-log handling between replicas.", len(vs)),
		Details: details,
		Fix:     "Finish the rollout so that all replicas run one image.",
	}}
}
