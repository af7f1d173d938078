package model

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestSeverityJSON(t *testing.T) {
	for _, tc := range []struct {
		sev  Severity
		json string
	}{
		{Info, `"info"`},
		{Warning, `"warning"`},
		{Error, `"error"`},
	} {
		b, err := json.Marshal(tc.sev)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.json {
			t.Errorf("Marshal(%d) = %s, want %s", tc.sev, b, tc.json)
		}
		var back Severity = -1
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		if back != tc.sev {
			t.Errorf("round trip of %s: %d, want %d", tc.json, back, tc.sev)
		}
	}
}

func TestSeverityUnmarshal(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Severity
		wantErr bool
	}{
		{`"warn"`, Warning, false},
		{`"WARNING"`, Warning, false},
		{`"Error"`, Error, false},
		{`"INFO"`, Info, false},
		{`"fatal"`, Info, true},
		{`""`, Info, true},
		{`2`, Info, true},
	} {
		var s Severity
		err := json.Unmarshal([]byte(tc.in), &s)
		if (err != nil) != tc.wantErr {
			t.Errorf("Unmarshal(%s): err %v, want error %v", tc.in, err, tc.wantErr)
		}
		if err == nil && s != tc.want {
			t.Errorf("Unmarshal(%s) = %s, want %s", tc.in, s, tc.want)
		}
	}
}

func TestSeverityOrder(t *testing.T) {
	if !(Info < Warning && Warning < Error) {
		t.Fatalf("severities are not ordered: info %d, warning %d, error %d", Info, Warning, Error)
	}
	var zero Severity
	if zero != Info || zero.String() != "info" {
		t.Fatalf("zero severity is %q, want info", zero)
	}
	if Severity(7).String() != "info" {
		t.Errorf("unknown severity prints %q", Severity(7))
	}
}

func TestParseSeverityError(t *testing.T) {
	_, err := ParseSeverity("critical")
	if err == nil || !strings.Contains(err.Error(), `"critical"`) {
		t.Fatalf("ParseSeverity(critical): %v", err)
	}
}

func TestWorst(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fs      []Finding
		want    Severity
		wantAny bool
	}{
		{"none", nil, Info, false},
		{"one info", []Finding{{Severity: Info}}, Info, true},
		{"error in the middle", []Finding{{Severity: Warning}, {Severity: Error}, {Severity: Info}}, Error, true},
		{"warnings", []Finding{{Severity: Info}, {Severity: Warning}, {Severity: Warning}}, Warning, true},
	} {
		got, any := Worst(tc.fs)
		if got != tc.want || any != tc.wantAny {
			t.Errorf("%s: Worst = %s, %v; want %s, %v", tc.name, got, any, tc.want, tc.wantAny)
		}
	}
}

func TestFindingJSON(t *testing.T) {
	f := Finding{ID: "mesh/island", Severity: Error, Symptoms: []Symptom{Duplicates}, Objects: []string{"am-0"}, Message: "m", Fix: "f"}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"mesh/island","severity":"error","symptoms":["duplicates"],"objects":["am-0"],"message":"m","fix":"f"}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}

func TestDurationJSON(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		json string
	}{
		{0, `"0s"`},
		{15 * time.Second, `"15s"`},
		{1500 * time.Millisecond, `"1.5s"`},
		{90 * time.Minute, `"1h30m0s"`},
		{250 * time.Microsecond, `"250µs"`},
	} {
		b, err := json.Marshal(Duration(tc.d))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.json {
			t.Errorf("Marshal(%s) = %s, want %s", tc.d, b, tc.json)
		}
		var back Duration
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		if back.D() != tc.d {
			t.Errorf("round trip of %s: %s", tc.json, back)
		}
	}
}

func TestDurationUnmarshal(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{`"1m30s"`, 90 * time.Second, false},
		{`"200ms"`, 200 * time.Millisecond, false},
		{`"-5s"`, -5 * time.Second, false},
		{`"15"`, 0, true},
		{`"1d"`, 0, true},
		{`15000000000`, 0, true},
		{`""`, 0, true},
	} {
		var d Duration
		err := json.Unmarshal([]byte(tc.in), &d)
		if (err != nil) != tc.wantErr {
			t.Errorf("Unmarshal(%s): err %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if err == nil && d.D() != tc.want {
			t.Errorf("Unmarshal(%s) = %s, want %s", tc.in, d, tc.want)
		}
	}
}

// TestDurationInStruct: optional durations are omitted when nil and read back as pointers.
func TestDurationInStruct(t *testing.T) {
	type s struct {
		A Duration  `json:"a"`
		B *Duration `json:"b,omitempty"`
	}
	b, err := json.Marshal(s{A: Duration(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"a":"1s"}` {
		t.Fatalf("got %s", b)
	}
	var back s
	if err := json.Unmarshal([]byte(`{"a":"2s","b":"3s"}`), &back); err != nil {
		t.Fatal(err)
	}
	if back.A.D() != 2*time.Second || back.B == nil || back.B.D() != 3*time.Second {
		t.Fatalf("got %+v", back)
	}
}

// TestClusterJSONOmitsConfig: config.original is compared between replicas, never printed.
func TestClusterJSONOmitsConfig(t *testing.T) {
	c := Cluster{Name: "main", Replicas: []Replica{{Name: "am-0", Status: &Status{Cluster: "ready", Config: "route:\n  receiver: config-text-marker\n"}}}}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "config-text-marker") {
		t.Fatalf("config text in JSON: %s", b)
	}
	if !strings.Contains(string(b), `"peerTimeout":"0s"`) {
		t.Errorf("peerTimeout not written as a duration string: %s", b)
	}
}

func TestReplicaOK(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Replica
		want bool
	}{
		{"answered", Replica{Status: &Status{Cluster: "ready"}}, true},
		{"answered, metrics failed", Replica{Status: &Status{Cluster: "ready"}, Partial: []string{"metrics: HTTP 500"}}, true},
		{"error", Replica{Error: "status: refused"}, false},
		{"nothing yet", Replica{}, false},
	} {
		if got := tc.r.OK(); got != tc.want {
			t.Errorf("%s: OK() = %v, want %v", tc.name, got, tc.want)
		}
	}
}
