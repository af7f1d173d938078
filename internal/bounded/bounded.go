// Package bounded caps what amha reads from the servers it asks: a replica, a Prometheus, a
// sink. An answer past the cap is an error that says so, never a silent truncation.
package bounded

import (
	"errors"
	"fmt"
	"io"
	"net/http"
)

// MaxAnswer is the most amha reads of one answer. An Alertmanager's /metrics is a few hundred
// KiB and its API answers grow about 1 KiB per alert or silence: 32 MiB is tens of thousands.
const MaxAnswer = 32 << 20

// TooLargeError is the error of a body read past the cap.
type TooLargeError struct{ Limit int64 }

func (e *TooLargeError) Error() string {
	size := fmt.Sprintf("%d bytes", e.Limit)
	if e.Limit >= 1<<20 && e.Limit%(1<<20) == 0 {
		size = fmt.Sprintf("%d MiB", e.Limit>>20)
	}
	return "answer larger than " + size + ": amha reads no more of it"
}

// IsTooLarge reports whether err is (or wraps, or was flattened from) a TooLargeError.
func IsTooLarge(err error) bool {
	var t *TooLargeError
	return errors.As(err, &t)
}

// Client returns a copy of hc whose response bodies fail with a TooLargeError once more than
// limit bytes have been read.
func Client(hc *http.Client, limit int64) *http.Client {
	if hc == nil {
		hc = &http.Client{}
	}
	c := *hc
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	c.Transport = roundTripper{next: next, limit: limit}
	return &c
}

type roundTripper struct {
	next  http.RoundTripper
	limit int64
}

func (rt roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := rt.next.RoundTrip(req)
	if err != nil || res.Body == nil {
		return res, err
	}
	res.Body = &body{ReadCloser: res.Body, left: rt.limit, limit: rt.limit}
	return res, nil
}

type body struct {
	io.ReadCloser
	left, limit int64
}

func (b *body) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, &TooLargeError{Limit: b.limit}
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n + int(b.left), &TooLargeError{Limit: b.limit}
	}
	return n, err
}
