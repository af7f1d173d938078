package sink

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/alertmanager/template"
)

// message is the webhook body, version 4. It is webhook.Message of
// github.com/prometheus/alertmanager/notify/webhook (template.Data plus version, groupKey and
// truncatedAlerts), written out here rather than imported: that package links Alertmanager's
// whole notifier stack (about 300 non-standard packages: gRPC, OpenTelemetry, Kafka,
// memberlist), while template, which holds the fields of the body, links 48.
type message struct {
	template.Data

	Version         string `json:"version"`
	GroupKey        string `json:"groupKey"`
	TruncatedAlerts uint64 `json:"truncatedAlerts"`
}

// Hit is one webhook request that carried a notification, as it arrived.
type Hit struct {
	Seq       uint64    `json:"seq"`       // 1, 2, ... in order of arrival, dropped hits included
	At        time.Time `json:"at"`        // when the request head arrived, before its body was read
	Source    string    `json:"source"`    // the TCP peer's IP; X-Forwarded-For is not trusted
	UserAgent string    `json:"userAgent"` // Alertmanager/<version>
	Version   string    `json:"version"`   // the payload version, "4"

	GroupKey           string            `json:"groupKey"`
	Receiver           string            `json:"receiver"`
	Status             string            `json:"status"`                       // firing | resolved
	NotificationReason string            `json:"notificationReason,omitempty"` // Alertmanager 0.32+
	GroupLabels        map[string]string `json:"groupLabels,omitempty"`
	ExternalURL        string            `json:"externalURL,omitempty"`
	TruncatedAlerts    uint64            `json:"truncatedAlerts,omitempty"`
	Alerts             []Alert           `json:"alerts"`
}

// Alert is one alert of a hit; annotations and generator URLs are not kept.
type Alert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt"`
	Fingerprint string            `json:"fingerprint"`
}

// decode reads a webhook body. Unknown fields are fine; a body that is not one JSON object of
// the webhook's shape, or that lacks a group key or a firing/resolved status, is an error.
func decode(body []byte) (Hit, error) {
	var m message
	if err := json.Unmarshal(body, &m); err != nil {
		return Hit{}, fmt.Errorf("not a webhook payload: %s", shorten(err.Error()))
	}
	if m.GroupKey == "" {
		return Hit{}, errors.New("not a webhook payload: no groupKey")
	}
	if m.Status != "firing" && m.Status != "resolved" {
		return Hit{}, fmt.Errorf("status %q: want firing or resolved", shorten(m.Status))
	}
	h := Hit{
		Version:            m.Version,
		GroupKey:           m.GroupKey,
		Receiver:           m.Receiver,
		Status:             m.Status,
		NotificationReason: m.NotificationReason,
		GroupLabels:        m.GroupLabels,
		ExternalURL:        m.ExternalURL,
		TruncatedAlerts:    m.TruncatedAlerts,
		Alerts:             make([]Alert, 0, len(m.Alerts)),
	}
	for _, a := range m.Alerts {
		h.Alerts = append(h.Alerts, Alert{
			Status: a.Status, Labels: a.Labels, StartsAt: a.StartsAt, EndsAt: a.EndsAt, Fingerprint: a.Fingerprint,
		})
	}
	return h, nil
}

// size estimates the memory a hit holds, for the store's budget: string bytes plus the
// overhead of maps, slices and headers.
func (h *Hit) size() int {
	n := 256 + len(h.Source) + len(h.UserAgent) + len(h.Version) + len(h.GroupKey) + len(h.Receiver) +
		len(h.Status) + len(h.NotificationReason) + len(h.ExternalURL) + labelsSize(h.GroupLabels)
	for _, a := range h.Alerts {
		n += 128 + len(a.Status) + len(a.Fingerprint) + labelsSize(a.Labels)
	}
	return n
}

func labelsSize(m map[string]string) int {
	n := 256 // a small map is one group of 8 slots
	for k, v := range m {
		n += 64 + len(k) + len(v)
	}
	return n
}

// hasLabel reports whether one of the hit's alerts carries the label name=value.
func (h *Hit) hasLabel(name, value string) bool {
	for _, a := range h.Alerts {
		if v, ok := a.Labels[name]; ok && v == value {
			return true
		}
	}
	return false
}

// shorten keeps reasons and logged values to one short line.
func shorten(s string) string {
	const max = 120
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
