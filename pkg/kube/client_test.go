package kube

import (
	"testing"
	"time"

	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// A kubeconfig that kubectl accepts, with an oidc auth provider, builds a client here too
// (without the provider linked: `no Auth Provider found for name "oidc"`).
func TestNewClientOIDCAuthProvider(t *testing.T) {
	cfg := &rest.Config{
		Host: "https://198.19.255.1:6443",
		AuthProvider: &clientcmdapi.AuthProviderConfig{Name: "oidc", Config: map[string]string{
			"client-id": "amha", "idp-issuer-url": "https://issuer.example", "id-token": "x.y.z",
		}},
	}
	if _, err := NewClient(cfg, 5*time.Second); err != nil {
		t.Fatalf("oidc kubeconfig: %v", err)
	}
}
