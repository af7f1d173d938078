// Command sinkpayload writes the webhook body Alertmanager sends for a drill alert, built by
// Alertmanager's own code (notify.GetTemplateData, webhook.Message, json.Encoder, as
// webhook.Notifier.Notify does): the fixture of pkg/sink's tests.
//
//	go run ./hack/sinkpayload > pkg/sink/testdata/alertmanager-v0.34.2.json
package main

import (
	"context"
	"encoding/json"
	"log"
	"log/slog"
	"net/url"
	"os"
	"time"

	"github.com/prometheus/alertmanager/notify"
	"github.com/prometheus/alertmanager/notify/webhook"
	"github.com/prometheus/alertmanager/template"
	"github.com/prometheus/alertmanager/types"
	"github.com/prometheus/common/model"
)

func main() {
	tmpl, err := template.FromGlobs(nil)
	if err != nil {
		log.Fatal(err)
	}
	tmpl.ExternalURL, _ = url.Parse("http://alertmanager-main-1.alertmanager-operated:9093")
	start := time.Date(2026, 12, 5, 13, 30, 42, 123456789, time.UTC)
	alert := &types.Alert{Alert: model.Alert{
		Labels:      model.LabelSet{"alertname": "AmhaDrill", "amha_drill": "d-7f3a", "severity": "none"},
		Annotations: model.LabelSet{"summary": "kubectl amha drill baseline"},
		StartsAt:    start,
		EndsAt:      start.Add(4 * time.Minute),
	}}
	groupLabels := model.LabelSet{"amha_drill": "d-7f3a"}
	ctx := notify.WithReceiverName(context.Background(), "amha-drill")
	ctx = notify.WithGroupLabels(ctx, groupLabels)
	ctx = notify.WithRouteLabels(ctx, model.LabelSet{})
	ctx = notify.WithNotificationReason(ctx, notify.ReasonFirstNotification)
	msg := &webhook.Message{
		Version:  "4",
		Data:     notify.GetTemplateData(ctx, tmpl, []*types.Alert{alert}, slog.Default()),
		GroupKey: `{}/{amha_drill="d-7f3a"}:{amha_drill="d-7f3a"}`,
	}
	if err := json.NewEncoder(os.Stdout).Encode(msg); err != nil {
		log.Fatal(err)
	}
}
