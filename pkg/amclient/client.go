// Package amclient asks one Alertmanager replica what it knows: its cluster status, alerts and
// silences through the Alertmanager v2 API client, and its /metrics through expfmt. It knows
// nothing of Kubernetes: it is given a URL and an HTTP client.
package amclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/amha-dev/kubectl-amha/internal/bounded"

	openapi "github.com/go-openapi/runtime"
	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	amclient "github.com/prometheus/alertmanager/api/v2/client"
	"github.com/prometheus/alertmanager/api/v2/client/alert"
	"github.com/prometheus/alertmanager/api/v2/client/general"
	"github.com/prometheus/alertmanager/api/v2/client/silence"
	"github.com/prometheus/alertmanager/api/v2/models"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// Client talks to Alertmanager replicas with one HTTP client and a per-request timeout. Give
// it a client from HTTP: what a replica answers is not trusted to be small.
type Client struct {
	HTTP    *http.Client
	Timeout time.Duration
}

// API returns the Alertmanager v2 API client for a replica's web URL (route prefix included).
func (c *Client) API(endpoint string) (*amclient.AlertmanagerAPI, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("%q is not an http(s) URL", endpoint)
	}
	base := strings.TrimSuffix(u.Path, "/") + "/api/v2/"
	t := httptransport.NewWithClient(u.Host, base, []string{u.Scheme}, c.HTTP)
	if u.User != nil {
		// http://user:pass@host: the API client does not read credentials from the URL.
		pass, _ := u.User.Password()
		t.DefaultAuthentication = httptransport.BasicAuth(u.User.Username(), pass)
	}
	return amclient.New(t, strfmt.Default), nil
}

// Collect asks one replica everything amha needs. It never fails as a whole: what could not be
// read is recorded on the replica (Error when the status is unreadable, Partial for the rest).
func (c *Client) Collect(ctx context.Context, name, endpoint string) model.Replica {
	r := model.Replica{Name: name, Endpoint: Redacted(endpoint), Reach: endpoint}
	api, err := c.API(endpoint)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	// All four requests at once: one round trip per replica, whatever the distance.
	type part struct {
		name string
		err  error
	}
	done := make(chan part, 4)
	var st *model.Status
	var m *model.Metrics
	var alerts []model.AlertRef
	var sil []model.SilenceRef
	go func() {
		var err error
		st, err = c.status(ctx, api)
		done <- part{"status", err}
	}()
	go func() {
		var err error
		m, err = c.metrics(ctx, endpoint)
		done <- part{"metrics", err}
	}()
	go func() {
		var err error
		alerts, err = c.alerts(ctx, api)
		done <- part{"alerts", err}
	}()
	go func() {
		var err error
		sil, err = c.silences(ctx, api)
		done <- part{"silences", err}
	}()
	var partial []string
	for range 4 {
		p := <-done
		switch {
		case p.err == nil:
		case p.name == "status":
			r.Error = "status: " + p.err.Error()
		default:
			partial = append(partial, p.name+": "+p.err.Error())
		}
	}
	if r.Error != "" {
		// Without the status the replica's answers are not an Alertmanager's: report nothing else.
		return r
	}
	partial = append(partial, implausible(st, m, time.Now())...)
	r.Status, r.Metrics, r.Alerts, r.Silences, r.Partial = st, m, alerts, sil, partial
	sort.Strings(r.Partial)
	r.AlertCount = len(r.Alerts)
	for _, s := range r.Silences {
		if s.State != "expired" && !s.Probe {
			r.SilenceCount++
		}
	}
	return r
}

func (c *Client) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.Timeout > 0 {
		return context.WithTimeout(ctx, c.Timeout)
	}
	return context.WithCancel(ctx)
}

func (c *Client) status(ctx context.Context, api *amclient.AlertmanagerAPI) (*model.Status, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	res, err := api.General.GetStatus(general.NewGetStatusParamsWithContext(ctx))
	if err != nil {
		return nil, Explain(err)
	}
	return StatusFromPayload(res.Payload)
}

// StatusFromPayload converts a decoded /api/v2/status into amha's model, rejecting answers
// that lack the cluster status (another API behind the same URL).
func StatusFromPayload(p *models.AlertmanagerStatus) (*model.Status, error) {
	if p == nil || p.Cluster == nil || p.Cluster.Status == nil {
		return nil, errors.New("the answer has no cluster status: not an Alertmanager v2 API")
	}
	st := &model.Status{Cluster: *p.Cluster.Status, NodeName: p.Cluster.Name}
	for _, peer := range p.Cluster.Peers {
		if peer == nil || peer.Name == nil {
			continue
		}
		m := model.Member{Name: *peer.Name}
		if peer.Address != nil {
			m.Address = *peer.Address
		}
		st.Peers = append(st.Peers, m)
	}
	sort.Slice(st.Peers, func(i, j int) bool { return st.Peers[i].Name < st.Peers[j].Name })
	if p.VersionInfo != nil && p.VersionInfo.Version != nil {
		st.Version = *p.VersionInfo.Version
	}
	if p.Uptime != nil {
		st.Uptime = time.Time(*p.Uptime)
	}
	if p.Config != nil && p.Config.Original != nil {
		st.Config = *p.Config.Original
	}
	return st, nil
}

func (c *Client) alerts(ctx context.Context, api *amclient.AlertmanagerAPI) ([]model.AlertRef, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	res, err := api.Alert.GetAlerts(alert.NewGetAlertsParamsWithContext(ctx))
	if err != nil {
		return nil, Explain(err)
	}
	out := make([]model.AlertRef, 0, len(res.Payload))
	for _, a := range res.Payload {
		if a == nil || a.Fingerprint == nil {
			continue
		}
		ref := model.AlertRef{Fingerprint: *a.Fingerprint, Name: a.Labels["alertname"], Labels: a.Labels}
		if a.UpdatedAt != nil {
			ref.UpdatedAt = time.Time(*a.UpdatedAt)
		}
		if a.EndsAt != nil {
			ref.EndsAt = time.Time(*a.EndsAt)
		}
		out = append(out, ref)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Fingerprint < out[j].Fingerprint })
	return out, nil
}

func (c *Client) silences(ctx context.Context, api *amclient.AlertmanagerAPI) ([]model.SilenceRef, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	res, err := api.Silence.GetSilences(silence.NewGetSilencesParamsWithContext(ctx))
	if err != nil {
		return nil, Explain(err)
	}
	out := make([]model.SilenceRef, 0, len(res.Payload))
	for _, s := range res.Payload {
		if s == nil || s.ID == nil {
			continue
		}
		ref := model.SilenceRef{ID: *s.ID}
		if s.CreatedBy != nil {
			ref.CreatedBy = *s.CreatedBy
		}
		if s.Comment != nil {
			ref.Comment = *s.Comment
		}
		if s.Status != nil && s.Status.State != nil {
			ref.State = *s.Status.State
		}
		if s.UpdatedAt != nil {
			ref.UpdatedAt = time.Time(*s.UpdatedAt)
		}
		for _, m := range s.Matchers {
			if m == nil || m.Name == nil {
				continue
			}
			if *m.Name == model.ProbeLabel {
				ref.Probe = true
			}
			mm := model.Matcher{Name: *m.Name, Equal: m.IsEqual == nil || *m.IsEqual}
			if m.Value != nil {
				mm.Value = *m.Value
			}
			if m.IsRegex != nil {
				mm.IsRegex = *m.IsRegex
			}
			ref.Matchers = append(ref.Matchers, mm)
		}
		out = append(out, ref)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (c *Client) metrics(ctx context.Context, endpoint string) (*model.Metrics, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(endpoint, "/")+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	res, err := c.HTTP.Do(req)
	if err != nil {
		return nil, Explain(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: HTTP %s", res.Status)
	}
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "" && mt != "text/plain" {
		return nil, fmt.Errorf("GET /metrics: content type %q, not the Prometheus text format", mt)
	}
	return ParseMetrics(res.Body)
}

// Explain turns transport and go-openapi errors into one line an operator can act on.
func Explain(err error) error {
	var api *openapi.APIError
	var ne net.Error
	var ue *url.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("no answer within the request timeout")
	case bounded.IsTooLarge(err):
		return err
	case errors.As(err, &api):
		return explainStatus(api.Code, api.OperationName)
	case errors.As(err, &ue) && errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("no answer within the request timeout (%s)", ue.URL)
	case errors.As(err, &ue) && untrusted(err):
		return fmt.Errorf("%s %s: %v: the replica's certificate is not trusted; give its CA in --http-config "+
			"(tls_config: {ca_file: CA.pem}, and server_name when the certificate names another host), "+
			"or do not check it (tls_config: {insecure_skip_verify: true}, or --insecure-skip-tls-verify)", ue.Op, ue.URL, ue.Err)
	case errors.As(err, &ue):
		return fmt.Errorf("%s %s: %v", ue.Op, ue.URL, ue.Err)
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &syn) || errors.As(err, &typ) {
		return fmt.Errorf("the answer is not Alertmanager API JSON: %v", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "answer larger than") { // go-openapi flattens the error it read
		return errors.New(firstLine(msg))
	}
	if strings.Contains(msg, "is not supported by the TextConsumer") || strings.Contains(msg, "no consumer") ||
		strings.Contains(msg, "invalid character") || strings.Contains(msg, "cannot unmarshal") {
		return fmt.Errorf("the answer is not Alertmanager API JSON: %s", firstLine(msg))
	}
	return errors.New(firstLine(msg))
}

// untrusted reports whether err is a failed check of a server's certificate.
func untrusted(err error) bool {
	var ve *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &ve) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// Redacted is an endpoint as amha prints it: the password of http://user:pass@host hidden.
func Redacted(endpoint string) string {
	if u, err := url.Parse(endpoint); err == nil && u.User != nil {
		return u.Redacted()
	}
	return endpoint
}

// explainStatus tells a failing or busy Alertmanager from a wrong URL by the HTTP status of
// an API answer.
func explainStatus(code int, op string) error {
	// go-openapi names the operation "[GET /status]": say the path a user can curl.
	if m, p, ok := strings.Cut(strings.Trim(op, "[]"), " /"); ok {
		op = m + " /api/v2/" + p
	}
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return fmt.Errorf("HTTP %d from %s: the replica wants credentials (--http-config, or http://USER:PASSWORD@HOST)", code, op)
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		return fmt.Errorf("HTTP %d from %s, %d times: the replica is busy (its --web.get-concurrency limit is shared with "+
			"dashboards and other tools) or not ready", code, op, busyTries)
	case code >= 500:
		return fmt.Errorf("HTTP %d from %s: the Alertmanager is failing (see its log)", code, op)
	}
	return fmt.Errorf("HTTP %d from %s: not an Alertmanager v2 API (wrong URL or route prefix?)", code, op)
}

// implausible drops what no Alertmanager reports (a negative count or position, a start in
// the future) and says so, rather than show it as a fact: anything on the mesh port may answer.
func implausible(st *model.Status, m *model.Metrics, now time.Time) []string {
	var out []string
	if m != nil {
		for _, f := range []struct {
			name string
			v    **float64
		}{
			{"alertmanager_cluster_members", &m.Members}, {"alertmanager_peer_position", &m.Position},
			{"alertmanager_cluster_failed_peers", &m.FailedPeers}, {"alertmanager_cluster_health_score", &m.HealthScore},
		} {
			if *f.v != nil && (**f.v < 0 || math.IsInf(**f.v, 0)) {
				out = append(out, fmt.Sprintf("metrics: %s is %v, which no Alertmanager reports: ignored", f.name, **f.v))
				*f.v = nil
			}
		}
	}
	if st != nil && st.Uptime.After(now.Add(time.Minute)) {
		out = append(out, fmt.Sprintf("status: started at %s, in the future (its clock is off): uptime ignored", st.Uptime.UTC().Format(time.RFC3339)))
		st.Uptime = time.Time{}
	}
	return out
}
