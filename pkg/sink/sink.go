// Package sink is the webhook receiver of the drills: it records every notification that
// Alertmanager replicas send, on arrival and before answering, with its source IP, and serves
// the hits as JSON. It knows neither Kubernetes nor the terminal.
//
// Endpoints: POST <path> (default /hook) takes webhook payloads (version 4); GET /hits serves
// a Report, ?label=NAME=VALUE keeps the hits with an alert carrying that label; GET /healthz
// answers "ok". A webhook whose alert carries DelayLabel is answered that much later. Every
// other request, and every body that is not a webhook payload, is counted as bad with a short
// reason.
package sink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// Defaults of Options.
const (
	DefaultPath              = "/hook"
	DefaultMaxHits           = 10000
	DefaultMaxBody           = 1 << 20
	DefaultMaxStoredBytes    = 64 << 20
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 10 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultShutdownTimeout   = 5 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10
)

// maxReading is how many bodies are read at once: with MaxBody it bounds the memory of
// requests in flight. Further requests wait for a turn (their arrival time is already taken).
const maxReading = 64

// Options configure a Sink; zero fields take the defaults above.
type Options struct {
	Path    string        // the webhook path
	Delay   time.Duration // answer each webhook this long after recording it (0: at once), unless its alerts carry DelayLabel
	MaxHits int           // hits kept; beyond it the oldest are dropped and counted
	MaxBody int64         // larger bodies are bad and answered 413

	// MaxStoredBytes bounds the estimated memory of the kept hits, oldest dropped first.
	MaxStoredBytes int

	ReadHeaderTimeout, ReadTimeout, IdleTimeout time.Duration // of the http.Server of Serve
	MaxHeaderBytes                              int
	ShutdownTimeout                             time.Duration // Serve's graceful shutdown, then connections are closed

	Now func() time.Time // the clock of arrival times (time.Now)
	Log io.Writer        // one line per hit and per bad request; nil: none
}

func (o Options) withDefaults() Options {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if o.Path == "" {
		o.Path = DefaultPath
	}
	if o.MaxHits <= 0 {
		o.MaxHits = DefaultMaxHits
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.MaxStoredBytes <= 0 {
		o.MaxStoredBytes = DefaultMaxStoredBytes
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	def(&o.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&o.ReadTimeout, DefaultReadTimeout)
	def(&o.IdleTimeout, DefaultIdleTimeout)
	def(&o.ShutdownTimeout, DefaultShutdownTimeout)
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Sink records webhook notifications. Use Handler in a server of your own, or Serve.
type Sink struct {
	opts    Options
	since   time.Time
	store   store
	reading chan struct{}

	closing   chan struct{} // closed when Serve's context ends: pending delays end
	closeOnce sync.Once
	handlers  sync.WaitGroup

	logMu sync.Mutex
	conns sync.Map // net.Conn -> *connState, for requests that never reach the handler
}

// New returns a Sink; it records from now on.
func New(opts Options) *Sink {
	opts = opts.withDefaults()
	return &Sink{
		opts:    opts,
		since:   opts.Now().UTC(),
		store:   store{maxHits: opts.MaxHits, maxBytes: opts.MaxStoredBytes},
		reading: make(chan struct{}, maxReading),
		closing: make(chan struct{}),
	}
}

// Hits returns the kept hits the filter selects, oldest first. Their maps are shared: read only.
func (s *Sink) Hits(f Filter) []Hit { return s.store.report(f).Hits }

// Bad is the number of bad requests since the start.
func (s *Sink) Bad() int {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	return s.store.bad
}

// Report is what GET /hits serves.
func (s *Sink) Report(f Filter) Report {
	r := s.store.report(f)
	r.Since = s.since
	return r
}

// Handler serves the sink's endpoints.
func (s *Sink) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Serve answers on l until ctx ends, then shuts down: pending delayed answers go out at once,
// open requests get ShutdownTimeout to finish, then their connections are closed. It returns
// nil after a graceful shutdown, and an error when connections had to be closed or serving
// failed. Every handler has returned when it returns. Serve a Sink once.
func (s *Sink) Serve(ctx context.Context, l net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		ReadTimeout:       s.opts.ReadTimeout,
		WriteTimeout:      s.opts.ReadTimeout + s.opts.Delay + writeMargin,
		IdleTimeout:       s.opts.IdleTimeout,
		MaxHeaderBytes:    s.opts.MaxHeaderBytes,
		ConnContext:       s.connContext,
		ConnState:         s.connState,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	var err error
	select {
	case err = <-served:
		s.closeOnce.Do(func() { close(s.closing) })
		srv.Close()
	case <-ctx.Done():
		s.closeOnce.Do(func() { close(s.closing) })
		sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
		defer cancel()
		if err = srv.Shutdown(sctx); err != nil {
			err = fmt.Errorf("shutdown: %w; connections closed", err)
			srv.Close()
		}
		<-served
	}
	s.handlers.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func (s *Sink) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.handlers.Add(1)
	defer s.handlers.Done()
	at := s.opts.Now().UTC()
	if cs, ok := r.Context().Value(connKey{}).(*connState); ok {
		cs.handled()
	}
	switch {
	case r.URL.Path == s.opts.Path && r.Method == http.MethodPost:
		s.hook(w, r, at)
	case r.URL.Path == "/hits" && r.Method == http.MethodGet:
		s.serveHits(w, r)
	case r.URL.Path == "/healthz" && r.Method == http.MethodGet:
		io.WriteString(w, "ok\n")
	case r.URL.Path == s.opts.Path || r.URL.Path == "/hits" || r.URL.Path == "/healthz":
		s.bad(at, r.RemoteAddr, fmt.Sprintf("%s %s: method not allowed", shorten(r.Method), r.URL.Path))
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	default:
		s.bad(at, r.RemoteAddr, fmt.Sprintf("%s %s: not a sink path (the webhook path is %s)", shorten(r.Method), shorten(r.URL.Path), s.opts.Path))
		http.NotFound(w, r)
	}
}

// hook records a webhook request before it answers.
func (s *Sink) hook(w http.ResponseWriter, r *http.Request, at time.Time) {
	tooLarge := fmt.Sprintf("body larger than %s", byteSize(s.opts.MaxBody))
	if r.ContentLength > s.opts.MaxBody {
		s.bad(at, r.RemoteAddr, tooLarge)
		http.Error(w, tooLarge, http.StatusRequestEntityTooLarge)
		return
	}
	select {
	case s.reading <- struct{}{}:
	case <-s.closing:
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	case <-r.Context().Done():
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBody))
	<-s.reading
	if err != nil {
		code, reason := http.StatusBadRequest, "reading the body: "+shorten(err.Error())
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			code, reason = http.StatusRequestEntityTooLarge, tooLarge
		} else if errors.Is(err, os.ErrDeadlineExceeded) {
			code, reason = http.StatusRequestTimeout, fmt.Sprintf("body not complete within the read timeout (%s)", s.opts.ReadTimeout)
		}
		s.bad(at, r.RemoteAddr, reason)
		http.Error(w, reason, code)
		return
	}
	hit, err := decode(body)
	if err != nil {
		s.bad(at, r.RemoteAddr, err.Error())
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	hit.At = at
	hit.Source = sourceIP(r.RemoteAddr)
	hit.UserAgent = shorten(r.UserAgent())
	hit = s.store.add(hit)
	s.logf("%s hit %s receiver=%q status=%s groupKey=%q alerts=%d\n",
		stamp(at), hit.Source, shorten(hit.Receiver), hit.Status, shorten(hit.GroupKey), len(hit.Alerts))
	if delay := s.delayOf(hit); delay > 0 {
		// The server's write timeout allows --delay; a longer delay asked by a label gets
		// its own deadline (a handler served by another server may not support it).
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(delay + writeMargin))
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-s.closing:
		case <-r.Context().Done():
		}
		t.Stop()
	}
	w.WriteHeader(http.StatusOK)
}

// DelayLabel is the label of an alert whose webhooks the sink answers that much later (a Go
// duration, "4.5s"): the slow-receiver drill sets it on its own alert, so that one sink serves
// a whole run and delays only that drill's notifications.
const DelayLabel = "amha_drill_delay"

// MaxLabelDelay bounds the delay a label may ask: a longer or unreadable value is logged and
// ignored.
const MaxLabelDelay = 10 * time.Minute

// writeMargin is the time an answer gets to be written after its delay.
const writeMargin = 10 * time.Second

// delayOf is how long to wait before answering hit: the longest delay its alerts' DelayLabel
// asks, else Options.Delay.
func (s *Sink) delayOf(hit Hit) time.Duration {
	var asked time.Duration
	labelled := false
	for _, a := range hit.Alerts {
		v, ok := a.Labels[DelayLabel]
		if !ok {
			continue
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > MaxLabelDelay {
			s.logf("%s ignored %s=%q: want a duration from 0s to %s\n", stamp(hit.At), DelayLabel, shorten(v), MaxLabelDelay)
			continue
		}
		labelled = true
		asked = max(asked, d)
	}
	if labelled {
		return asked
	}
	return s.opts.Delay
}

func (s *Sink) serveHits(w http.ResponseWriter, r *http.Request) {
	var f Filter
	switch ls := r.URL.Query()["label"]; len(ls) {
	case 0:
	case 1:
		name, value, ok := strings.Cut(ls[0], "=")
		if !ok || name == "" {
			http.Error(w, fmt.Sprintf("label %q: want NAME=VALUE", shorten(ls[0])), http.StatusBadRequest)
			return
		}
		f = Filter{Label: name, Value: value}
	default:
		http.Error(w, "one label filter at most", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	writeJSON(w, s.Report(f))
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func (s *Sink) bad(at time.Time, remote, reason string) {
	source := sourceIP(remote)
	s.store.addBad(BadRequest{At: at, Source: source, Reason: reason})
	s.logf("%s bad %s %s\n", stamp(at), source, reason)
}

func (s *Sink) logf(format string, a ...any) {
	if s.opts.Log == nil {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.opts.Log, format, a...)
}

// sourceIP is the TCP peer's address without its port.
func sourceIP(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}

func stamp(t time.Time) string { return t.Format("2006-01-02T15:04:05.000000000Z07:00") }

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
