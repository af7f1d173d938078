package snippets

import (
	"strings"
	"testing"
)

func TestOwnerOf(t *testing.T) {
	for _, c := range []struct {
		name        string
		labels      map[string]string
		annotations map[string]string
		tool, who   string
	}{
		{"plain", map[string]string{"app": "am"}, nil, "", ""},
		{"helm", map[string]string{"app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/instance": "am"},
			map[string]string{"meta.helm.sh/release-name": "kps", "meta.helm.sh/release-namespace": "monitoring"}, "Helm", "release monitoring/kps"},
		{"helm label only", map[string]string{"app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/instance": "am"}, nil, "Helm", "release am"},
		{"argo tracking id", nil, map[string]string{"argocd.argoproj.io/tracking-id": "monitoring:apps/StatefulSet:monitoring/am"}, "Argo CD", "application monitoring"},
		{"argo label", map[string]string{"argocd.argoproj.io/instance": "mon"}, nil, "Argo CD", "application mon"},
		// Flux's helm-controller also leaves Helm's marks: the HelmRelease is what to change.
		{"flux helm", map[string]string{"helm.toolkit.fluxcd.io/name": "am", "helm.toolkit.fluxcd.io/namespace": "flux-system", "app.kubernetes.io/managed-by": "Helm"},
			map[string]string{"meta.helm.sh/release-name": "am"}, "Flux", "HelmRelease flux-system/am"},
		{"flux kustomize", map[string]string{"kustomize.toolkit.fluxcd.io/name": "infra", "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}, nil, "Flux", "Kustomization flux-system/infra"},
	} {
		o := ownerOf(c.labels, c.annotations)
		if c.tool == "" {
			if o != nil {
				t.Errorf("%s: owner %+v, want none", c.name, o)
			}
			continue
		}
		if o == nil || o.Tool != c.tool || o.Name != c.who {
			t.Errorf("%s: owner %+v, want %s %s", c.name, o, c.tool, c.who)
			continue
		}
		note := o.revertNote("StatefulSet monitoring/am")
		if !strings.Contains(note, "reverted") || !strings.Contains(note, o.Source) {
			t.Errorf("%s: note %q", c.name, note)
		}
	}
}
