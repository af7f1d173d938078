package snippets

import (
	"fmt"
	"strings"
)

// Owner is the tool that applies an object from a source of its own (a chart, a Git
// repository): a patch applied by hand is reverted by its next sync or upgrade.
type Owner struct {
	// Tool is "Helm", "Argo CD" or "Flux".
	Tool string
	// Name says which release, application or Flux object, and Source where to change it.
	Name, Source string
}

// ownerOf recognises the labels and annotations Helm, Argo CD and Flux put on what they apply.
func ownerOf(labels, annotations map[string]string) *Owner {
	nsName := func(ns, name string) string {
		if ns == "" {
			return name
		}
		return ns + "/" + name
	}
	switch {
	case labels["helm.toolkit.fluxcd.io/name"] != "":
		n := nsName(labels["helm.toolkit.fluxcd.io/namespace"], labels["helm.toolkit.fluxcd.io/name"])
		return &Owner{Tool: "Flux", Name: "HelmRelease " + n, Source: "the values of HelmRelease " + n + " in the Git repository Flux syncs"}
	case labels["kustomize.toolkit.fluxcd.io/name"] != "":
		n := nsName(labels["kustomize.toolkit.fluxcd.io/namespace"], labels["kustomize.toolkit.fluxcd.io/name"])
		return &Owner{Tool: "Flux", Name: "Kustomization " + n, Source: "the manifests of Kustomization " + n + " in the Git repository Flux syncs"}
	case annotations["argocd.argoproj.io/tracking-id"] != "" || labels["argocd.argoproj.io/instance"] != "":
		app := labels["argocd.argoproj.io/instance"]
		if id := annotations["argocd.argoproj.io/tracking-id"]; id != "" {
			app, _, _ = strings.Cut(id, ":")
		}
		return &Owner{Tool: "Argo CD", Name: "application " + app, Source: "the Git repository (or chart values) of Argo CD application " + app}
	case annotations["meta.helm.sh/release-name"] != "" || labels["app.kubernetes.io/managed-by"] == "Helm":
		rel := annotations["meta.helm.sh/release-name"]
		if rel == "" {
			rel = labels["app.kubernetes.io/instance"]
		}
		n := nsName(annotations["meta.helm.sh/release-namespace"], rel)
		return &Owner{Tool: "Helm", Name: "release " + n, Source: "the values of Helm release " + n + " (then helm upgrade)"}
	}
	return nil
}

// revertNote tells that a hand-applied patch does not last and where to make the change.
// what names the object ("StatefulSet monitoring/alertmanager").
func (o *Owner) revertNote(what string) string {
	when := "its next sync"
	if o.Tool == "Helm" {
		when = "the next helm upgrade"
	}
	return fmt.Sprintf("%s is managed by %s (%s): a patch applied by hand is reverted at %s. Make the changes "+
		"below in %s; run this script only to try them out.", what, o.Tool, o.Name, when, o.Source)
}
