package kube

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
)

// Forward is one running port-forward to a pod.
type Forward struct {
	// Local is 127.0.0.1:<ephemeral port>.
	Local string
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
	errs  *errBuffer
}

// Close ends the forward and waits for it to finish.
func (f *Forward) Close() {
	f.once.Do(func() { close(f.stop) })
	<-f.done
}

// Done reports whether the forward has ended (closed, or its connection to the API server lost).
func (f *Forward) Done() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// LastError is the last error the forward reported for a connection, if any.
func (f *Forward) LastError() string { return f.errs.last() }

// PortForward opens a port-forward from an ephemeral loopback port to pod:port, with
// WebSocket first and SPDY as the fallback, as kubectl does. It returns once the
// forward listens, or fails within the context's deadline.
func PortForward(ctx context.Context, c *Client, namespace, pod string, port int) (*Forward, error) {
	cfg := c.Config
	req := c.CS.CoreV1().RESTClient().Post().Resource("pods").Namespace(namespace).Name(pod).SubResource("portforward")
	transport, upgrader, err := spdy.RoundTripperFor(cfg)
	if err != nil {
		return nil, err
	}
	var dialer httpstream.Dialer = spdy.NewDialer(upgrader, &http.Client{Transport: transport}, http.MethodPost, req.URL())
	if ws, err := portforward.NewSPDYOverWebsocketDialer(req.URL(), cfg); err == nil {
		dialer = portforward.NewFallbackDialer(ws, dialer, func(err error) bool {
			return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
		})
	}
	f := &Forward{stop: make(chan struct{}), done: make(chan struct{}), errs: &errBuffer{}}
	ready := make(chan struct{})
	fw, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{fmt.Sprintf("0:%d", port)}, f.stop, ready, io.Discard, f.errs)
	if err != nil {
		return nil, err
	}
	failed := make(chan error, 1)
	go func() {
		defer close(f.done)
		if err := fw.ForwardPorts(); err != nil {
			failed <- err
		}
	}()
	select {
	case <-ready:
	case err := <-failed:
		return nil, fmt.Errorf("port-forward to pod %s/%s:%d: %w", namespace, pod, port, explainForward(err))
	case <-ctx.Done():
		f.Close()
		return nil, fmt.Errorf("port-forward to pod %s/%s:%d: not ready in time", namespace, pod, port)
	}
	ports, err := fw.GetPorts()
	if err != nil || len(ports) == 0 {
		f.Close()
		return nil, fmt.Errorf("port-forward to pod %s/%s: no local port", namespace, pod)
	}
	f.Local = fmt.Sprintf("127.0.0.1:%d", ports[0].Local)
	return f, nil
}

func explainForward(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "forbidden") || strings.Contains(msg, "Forbidden"):
		return fmt.Errorf("RBAC denies pods/portforward (create): %w", err)
	case strings.Contains(msg, "not found"):
		return fmt.Errorf("the pod is gone: %w", err)
	}
	return err
}

// errBuffer keeps the last error line client-go writes for failed connections.
type errBuffer struct {
	mu  sync.Mutex
	msg string
}

func (e *errBuffer) Write(p []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s := strings.TrimSpace(string(p)); s != "" {
		e.msg = s
	}
	return len(p), nil
}

func (e *errBuffer) last() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.msg
}
