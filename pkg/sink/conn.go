package sink

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
)

// connState follows one connection of Serve's server, so that a request whose head never
// reaches the handler (malformed, larger than MaxHeaderBytes, or trickling past
// ReadHeaderTimeout: net/http answers or closes it alone) is still counted as bad.
type connState struct {
	// pending: bytes of a request arrived and no handler has run for it yet.
	pending atomic.Bool
}

func (c *connState) handled() { c.pending.Store(false) }

type connKey struct{}

func (s *Sink) connContext(ctx context.Context, c net.Conn) context.Context {
	cs := &connState{}
	s.conns.Store(c, cs)
	return context.WithValue(ctx, connKey{}, cs)
}

func (s *Sink) connState(c net.Conn, state http.ConnState) {
	v, ok := s.conns.Load(c)
	if !ok {
		return
	}
	cs := v.(*connState)
	switch state {
	case http.StateActive:
		cs.pending.Store(true)
	case http.StateIdle, http.StateClosed, http.StateHijacked:
		if cs.pending.Swap(false) {
			s.bad(s.opts.Now().UTC(), c.RemoteAddr().String(),
				fmt.Sprintf("request head malformed, larger than %s or not complete within %s", byteSize(int64(s.opts.MaxHeaderBytes)), s.opts.ReadHeaderTimeout))
		}
		if state != http.StateIdle {
			s.conns.Delete(c)
		}
	}
}
