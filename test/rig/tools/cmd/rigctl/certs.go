package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

type keyPair struct {
	cert *x509.Certificate
	key  crypto.Signer
	der  []byte
}

func newKey() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

func sign(tmpl *x509.Certificate, ca *keyPair) (*keyPair, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial()
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(365 * 24 * time.Hour)
	parent, signer := tmpl, key
	if ca != nil {
		parent, signer = ca.cert, ca.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &keyPair{cert: cert, key: key, der: der}, nil
}

func certPEM(kp *keyPair) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: kp.der})
}

func keyPEM(k crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func writePair(dir, name string, kp *keyPair) error {
	k, err := keyPEM(kp.key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, name+".crt"), certPEM(kp), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+".key"), k, 0o600)
}

const kubeconfigTmpl = `apiVersion: v1
kind: Config
clusters:
- name: amha-rig
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: %s
  user:
    client-certificate-data: %s
    client-key-data: %s
contexts:
- name: amha-rig
  context:
    cluster: amha-rig
    user: %s
    namespace: default
current-context: amha-rig
`

func cmdCerts(args []string) error {
	fs := flag.NewFlagSet("certs", flag.ExitOnError)
	dir := fs.String("dir", "", "output directory")
	nodeName := fs.String("node-name", "amha-rig", "node name")
	nodeIP := fs.String("node-ip", "", "node IP")
	serviceIP := fs.String("service-ip", "", "first IP of the service range (the kubernetes Service)")
	server := fs.String("server", "", "API server URL for the kubeconfigs")
	_ = fs.Parse(args)
	if *dir == "" || *nodeIP == "" || *serviceIP == "" || *server == "" {
		return fmt.Errorf("-dir, -node-ip, -service-ip and -server are required")
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	ca, err := sign(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "amha-rig-ca"},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
	}, nil)
	if err != nil {
		return err
	}
	if err := writePair(*dir, "ca", ca); err != nil {
		return err
	}
	ips := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP(*nodeIP), net.ParseIP(*serviceIP)}
	serving := func(name, cn string, dns []string, ips []net.IP) error {
		kp, err := sign(&x509.Certificate{
			Subject:     pkix.Name{CommonName: cn},
			KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			DNSNames:    dns,
			IPAddresses: ips,
		}, ca)
		if err != nil {
			return err
		}
		return writePair(*dir, name, kp)
	}
	if err := serving("apiserver", "kube-apiserver", []string{"kubernetes", "kubernetes.default",
		"kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "localhost", *nodeName}, ips); err != nil {
		return err
	}
	if err := serving("kubelet", *nodeName, []string{*nodeName, "localhost"},
		[]net.IP{net.ParseIP("127.0.0.1"), net.ParseIP(*nodeIP)}); err != nil {
		return err
	}
	client := func(cn string, orgs ...string) (*keyPair, error) {
		return sign(&x509.Certificate{
			Subject:     pkix.Name{CommonName: cn, Organization: orgs},
			KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}, ca)
	}
	kc, err := client("kube-apiserver-kubelet-client", "system:masters")
	if err != nil {
		return err
	}
	if err := writePair(*dir, "apiserver-kubelet-client", kc); err != nil {
		return err
	}
	caData := base64.StdEncoding.EncodeToString(certPEM(ca))
	for _, u := range []struct{ file, cn, org string }{
		{"admin", "amha-rig-admin", "system:masters"},
		{"controller-manager", "system:kube-controller-manager", ""},
		{"scheduler", "system:kube-scheduler", ""},
		{"kubelet", "system:node:" + *nodeName, "system:nodes"},
		{"kube-proxy", "system:kube-proxy", ""},
		{"prometheus-operator", "amha-rig-prometheus-operator", ""},
	} {
		var orgs []string
		if u.org != "" {
			orgs = []string{u.org}
		}
		kp, err := client(u.cn, orgs...)
		if err != nil {
			return err
		}
		k, err := keyPEM(kp.key)
		if err != nil {
			return err
		}
		cfg := fmt.Sprintf(kubeconfigTmpl, *server, caData, u.file,
			base64.StdEncoding.EncodeToString(certPEM(kp)), base64.StdEncoding.EncodeToString(k), u.file)
		if err := os.WriteFile(filepath.Join(*dir, u.file+".kubeconfig"), []byte(cfg), 0o600); err != nil {
			return err
		}
	}
	// Service account signing key.
	sa, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	saKey, err := keyPEM(sa)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&sa.PublicKey)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*dir, "sa.key"), saKey, 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(*dir, "sa.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644)
}
