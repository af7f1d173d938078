package kube

import (
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// NotFoundError says that a query found no Alertmanager cluster.
type NotFoundError struct {
	Where string // "namespace monitoring" or "any namespace"
	// Hint, when set, tells the user what to try (the command fills it in).
	Hint string
}

func (e *NotFoundError) Error() string {
	msg := "no Alertmanager StatefulSet in " + e.Where + " (looked for a container named alertmanager or running an alertmanager image)"
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// AmbiguousError says that a query that wants one cluster found several.
type AmbiguousError struct {
	Where string
	Found []Found
	// Hint, when set, says how to name one (the command fills it in).
	Hint string
}

func (e *AmbiguousError) Error() string {
	var names []string
	for _, f := range e.Found {
		names = append(names, fmt.Sprintf("  %s/%s (%s, %d pods)", f.Namespace, f.Name, f.Source, len(f.Pods)))
	}
	hint := ""
	if e.Hint != "" {
		hint = " " + e.Hint
	}
	return fmt.Sprintf("%d Alertmanager clusters in %s; name one%s:\n%s", len(e.Found), e.Where, hint, strings.Join(names, "\n"))
}

func explainAPI(err error, what, ns string) error {
	where := "namespace " + ns
	if ns == "" {
		where = "all namespaces"
	}
	if apierrors.IsForbidden(err) {
		return fmt.Errorf("RBAC denies %s in %s: %w", what, where, err)
	}
	return fmt.Errorf("%s in %s: %w", what, where, err)
}
