package sink

import (
	"encoding/json"
	"testing"
)

// FuzzDecode: no body makes decode panic, and what it accepts is a hit the sink can serve.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{}`,
		`[]`,
		`null`,
		`{"groupKey":"k","status":"firing"}`,
		`{"version":"4","groupKey":"k","status":"resolved","alerts":[{"labels":{"a":"b"},"startsAt":"2026-12-05T13:30:42Z"}]}`,
		`{"groupKey":"k","status":"firing","alerts":[null,{}],"groupLabels":null,"truncatedAlerts":1}`,
		`{"groupKey":"k","status":"firing","notification_reason":"x","routeLabels":{},"future":[1]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		h, err := decode(body)
		if err != nil {
			return
		}
		if h.GroupKey == "" || (h.Status != "firing" && h.Status != "resolved") {
			t.Fatalf("accepted %q as %+v", body, h)
		}
		if h.size() <= 0 {
			t.Fatalf("size %d", h.size())
		}
		if _, err := json.Marshal(h); err != nil {
			t.Fatalf("the hit of %q does not marshal: %v", body, err)
		}
	})
}
