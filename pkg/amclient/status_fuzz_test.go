package amclient

import (
	"bytes"
	"testing"

	openapi "github.com/go-openapi/runtime"
	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"
)

// FuzzStatus feeds arbitrary bodies through the same JSON consumer and model the Alertmanager
// API client uses, then through amha's conversion: no input may panic, and an accepted status
// always has a cluster state.
func FuzzStatus(f *testing.F) {
	f.Add([]byte(`{"cluster":{"name":"01J","status":"ready","peers":[{"name":"01J","address":"127.0.0.1:9094"}]},` +
		`"config":{"original":"route: {}"},"uptime":"2026-11-24T07:42:09.723Z","versionInfo":{"version":"0.31.1","branch":"","buildDate":"","buildUser":"","goVersion":"","revision":""}}`))
	f.Add([]byte(`{"cluster":{"status":"disabled"}}`))
	f.Add([]byte(`{"cluster":{"status":null,"peers":[null,{"name":null}]}}`))
	f.Add([]byte(`<html>`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var p models.AlertmanagerStatus
		if err := openapi.JSONConsumer().Consume(bytes.NewReader(body), &p); err != nil {
			return
		}
		_ = p.Validate(strfmt.Default)
		st, err := StatusFromPayload(&p)
		if err == nil && st.Cluster == "" && p.Cluster.Status != nil && *p.Cluster.Status != "" {
			t.Fatalf("cluster status lost: %q", body)
		}
	})
}
