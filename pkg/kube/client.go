// Package kube is amha's one place that talks to the Kubernetes API server: it finds
// Alertmanager clusters, reads the objects around them, and reaches their pods with client-go's
// port-forward (a pool that follows pods as they are replaced). It knows nothing of the
// Alertmanager API and nothing of the terminal.
package kube

import (
	"fmt"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	// The auth providers kubectl links: oidc, and azure and gcp, which say which exec plugin
	// replaced them. A kubeconfig kubectl accepts works here too (exec plugins need nothing).
	_ "k8s.io/client-go/plugin/pkg/client/auth"
	"k8s.io/client-go/rest"
)

// Client is a handle on one API server: the typed and dynamic clients of one rest.Config,
// and the timeout every request and port-forward gets.
type Client struct {
	Config *rest.Config
	CS     kubernetes.Interface
	// Dyn reads prometheus-operator's objects; nil leaves them out.
	Dyn dynamic.Interface
	// Timeout bounds each request and each port-forward's set-up.
	Timeout time.Duration
}

// NewClient builds the clients of cfg; every request of theirs times out after timeout.
func NewClient(cfg *rest.Config, timeout time.Duration) (*Client, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.Timeout = timeout
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	return &Client{Config: cfg, CS: cs, Dyn: dyn, Timeout: timeout}, nil
}
