// Package promwire reads where a Prometheus server sends its alerts: GET /api/v1/alertmanagers.
package promwire

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

type response struct {
	Status string `json:"status"`
	Error  string `json:"error"`
	Data   struct {
		Active []struct {
			URL string `json:"url"`
		} `json:"activeAlertmanagers"`
		Dropped []struct {
			URL string `json:"url"`
		} `json:"droppedAlertmanagers"`
	} `json:"data"`
}

// Fetch returns the active and dropped Alertmanager URLs of the Prometheus at base.
func Fetch(ctx context.Context, hc *http.Client, timeout time.Duration, base string) (active, dropped []string, err error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/api/v1/alertmanagers", nil)
	if err != nil {
		return nil, nil, err
	}
	res, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("prometheus %s: no answer within the request timeout", base)
		}
		return nil, nil, fmt.Errorf("prometheus %s: %w", base, err)
	}
	defer res.Body.Close()
	return Parse(res.Body, res.StatusCode) // the caller's client bounds the body
}

// Parse reads the body of /api/v1/alertmanagers.
func Parse(r io.Reader, code int) (active, dropped []string, err error) {
	var resp response
	if err := json.NewDecoder(r).Decode(&resp); err != nil {
		return nil, nil, fmt.Errorf("/api/v1/alertmanagers (HTTP %d): not Prometheus API JSON: %v", code, err)
	}
	if resp.Status != "success" {
		return nil, nil, fmt.Errorf("/api/v1/alertmanagers (HTTP %d): %s %s", code, resp.Status, resp.Error)
	}
	for _, a := range resp.Data.Active {
		active = append(active, a.URL)
	}
	for _, d := range resp.Data.Dropped {
		dropped = append(dropped, d.URL)
	}
	return active, dropped, nil
}
