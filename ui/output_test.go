package ui_test

import (
	"bytes"
	"testing"

	"github.com/amha-dev/kubectl-amha/ui"
)

// TestWriteEnvelope: apiVersion and kind come first, then the body's fields in their order;
// YAML has the same names and keeps multi-line strings as literal blocks.
func TestWriteEnvelope(t *testing.T) {
	body := struct {
		Name  string   `json:"name"`
		Text  string   `json:"text"`
		Empty []string `json:"empty"`
	}{Name: "<stdin>", Text: "line 1\nline 2\n", Empty: []string{}}
	for format, want := range map[string]string{
		"json": "{\n  \"apiVersion\": \"amha.dev/v1alpha1\",\n  \"kind\": \"TestReport\",\n  \"name\": \"<stdin>\",\n  \"text\": \"line 1\\nline 2\\n\",\n  \"empty\": []\n}\n",
		"yaml": "apiVersion: amha.dev/v1alpha1\nempty: []\nkind: TestReport\nname: <stdin>\ntext: |\n  line 1\n  line 2\n",
	} {
		var b bytes.Buffer
		if err := ui.Write(&b, format, "TestReport", body); err != nil {
			t.Fatal(err)
		}
		if b.String() != want {
			t.Errorf("%s:\n got %q\nwant %q", format, b.String(), want)
		}
	}
	var b bytes.Buffer
	if err := ui.Write(&b, "json", "TestReport", struct{}{}); err != nil || b.String() != "{\n  \"apiVersion\": \"amha.dev/v1alpha1\",\n  \"kind\": \"TestReport\"\n}\n" {
		t.Errorf("empty body: %v %q", err, b.String())
	}
}

// TestWriteNothingOnError: a body that is not an object, one that cannot be marshalled, or an
// unknown format write nothing.
func TestWriteNothingOnError(t *testing.T) {
	for name, c := range map[string]struct {
		format string
		body   any
	}{
		"list":           {"json", []string{"a"}},
		"unmarshallable": {"yaml", map[string]any{"f": func() {}}},
		"format":         {"xml", struct{}{}},
	} {
		var b bytes.Buffer
		if err := ui.Write(&b, c.format, "TestReport", c.body); err == nil || b.Len() > 0 {
			t.Errorf("%s: err %v, wrote %q", name, err, b.String())
		}
	}
}
