package amclient

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/bounded"
)

// HTTP returns the client amha asks replicas with: hc's settings (TLS, auth, proxy), every
// answer bounded (bounded.MaxAnswer), and GETs that got 429 or 503 retried with back-off. An
// Alertmanager limits concurrent GETs (--web.get-concurrency, shared with dashboards and
// other tools) and amha sends four at once per replica: a busy answer is not a broken one.
// The retries stay within the request's context (the request timeout).
func HTTP(hc *http.Client) *http.Client {
	c := bounded.Client(hc, bounded.MaxAnswer)
	c.Transport = retryBusy{next: c.Transport}
	c.CheckRedirect = sameHost
	return c
}

// sameHost follows a redirect only on the host asked: another host's answers would be
// reported under the replica's name.
func sameHost(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if from := via[0].URL; req.URL.Host != from.Host || req.URL.Scheme != from.Scheme {
		return fmt.Errorf("redirected from %s://%s to %s://%s: amha does not follow a replica to another host (check the URL)",
			from.Scheme, from.Host, req.URL.Scheme, req.URL.Host)
	}
	return nil
}

type retryBusy struct{ next http.RoundTripper }

// busyTries is how often a busy answer is tried in all.
const busyTries = 4

func (rt retryBusy) RoundTrip(req *http.Request) (*http.Response, error) {
	wait := 100 * time.Millisecond
	for try := 1; ; try++ {
		res, err := rt.next.RoundTrip(req)
		if err != nil || req.Method != http.MethodGet || try == busyTries ||
			(res.StatusCode != http.StatusTooManyRequests && res.StatusCode != http.StatusServiceUnavailable) {
			return res, err
		}
		if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && s > 0 {
			wait = max(wait, time.Duration(s)*time.Second)
		}
		res.Body.Close()
		t := time.NewTimer(wait)
		select {
		case <-req.Context().Done():
			t.Stop()
			return nil, req.Context().Err()
		case <-t.C:
		}
		wait *= 2
	}
}
