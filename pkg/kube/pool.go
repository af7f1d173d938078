package kube

import (
	"context"
	"sync"

	"github.com/amha-dev/kubectl-amha/internal/par"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Pool keeps one port-forward per pod and port open between uses, so that a live view or a
// drill asks the same pods again and again without setting up a forward each time. A pod that
// is replaced (same name, new UID) gets a new forward; Prune closes those to pods that are gone.
// One owner opens, reopens and closes them; every caller asks it.
type Pool struct {
	kube *Client

	mu       sync.Mutex
	forwards map[forwardKey]*Forward
}

type forwardKey struct {
	uid  types.UID
	port int
}

// NewPool returns an empty pool over the client's API server.
func NewPool(c *Client) *Pool {
	return &Pool{kube: c, forwards: map[forwardKey]*Forward{}}
}

// Forward returns the open forward to the pod's port, opening one (within the client's
// timeout) when there is none or the last one ended.
func (p *Pool) Forward(ctx context.Context, pod *corev1.Pod, port int) (*Forward, error) {
	key := forwardKey{pod.UID, port}
	p.mu.Lock()
	fw := p.forwards[key]
	p.mu.Unlock()
	if fw != nil && !fw.Done() {
		return fw, nil
	}
	fctx, cancel := context.WithTimeout(ctx, p.kube.Timeout)
	defer cancel()
	fw, err := PortForward(fctx, p.kube, pod.Namespace, pod.Name, port)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	if old := p.forwards[key]; old != nil {
		go old.Close()
	}
	p.forwards[key] = fw
	p.mu.Unlock()
	return fw, nil
}

// Discard closes fw and forgets it, so that the next Forward to its pod opens a new one: a
// forward through which a request failed is not trusted again. client-go keeps a forward
// running when its streams to the kubelet time out ("error creating error stream ...:
// Timeout occurred"), and every later request through it would fail the same way.
func (p *Pool) Discard(fw *Forward) {
	if fw == nil {
		return
	}
	p.mu.Lock()
	for key, f := range p.forwards {
		if f == fw {
			delete(p.forwards, key)
		}
	}
	p.mu.Unlock()
	go fw.Close()
}

// Prune closes the forwards to pods not in live (every forward when live is nil).
func (p *Pool) Prune(live map[types.UID]bool) {
	p.mu.Lock()
	var closing []*Forward
	for key, fw := range p.forwards {
		if !live[key.uid] {
			closing = append(closing, fw)
			delete(p.forwards, key)
		}
	}
	p.mu.Unlock()
	par.Each(len(closing), func(i int) { closing[i].Close() })
}

// Close ends every forward.
func (p *Pool) Close() { p.Prune(nil) }
