package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"
)

// APIVersion names the schema of amha's JSON and YAML reports (docs/json.md).
const APIVersion = "amha.dev/v1alpha1"

// Envelope heads every JSON and YAML report: the schema version and what the report is.
type Envelope struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

// Write prints body as a report of the given kind, in format "json" (indented) or "yaml" (the
// same field names; multi-line strings as literal blocks), apiVersion and kind first, then
// body's fields; or through a template (TemplateFormats) applied to that JSON. body must marshal to a JSON object. Nothing is written unless all of it
// rendered.
func Write(w io.Writer, format, kind string, body any) error {
	doc, err := envelop(kind, body)
	if err != nil {
		return err
	}
	var out []byte
	switch format {
	case "json":
		var b bytes.Buffer
		if err := json.Indent(&b, doc, "", "  "); err != nil {
			return err
		}
		b.WriteByte('\n')
		out = b.Bytes()
	case "yaml":
		if out, err = yaml.JSONToYAML(doc); err != nil {
			return err
		}
	default:
		if !IsTemplate(format) {
			return fmt.Errorf("output format %q: want json or yaml", format)
		}
		if out, err = writeTemplate(format, doc); err != nil {
			return err
		}
	}
	_, err = w.Write(out)
	return err
}

// envelop is body's JSON object with the envelope's fields put in front.
func envelop(kind string, body any) ([]byte, error) {
	var fields bytes.Buffer
	enc := json.NewEncoder(&fields)
	// Not HTML-escaped: "<stdin>" and "<namespace>" stay readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		return nil, err
	}
	obj := bytes.TrimSpace(fields.Bytes())
	if len(obj) < 2 || obj[0] != '{' {
		return nil, fmt.Errorf("%s: a report must be a JSON object, not %.20s", kind, obj)
	}
	head, err := json.Marshal(Envelope{APIVersion: APIVersion, Kind: kind})
	if err != nil {
		return nil, err
	}
	doc := append(head[:len(head)-1:len(head)-1], ',')
	if len(bytes.TrimSpace(obj[1:len(obj)-1])) == 0 {
		doc = doc[:len(doc)-1]
	}
	return append(doc, obj[1:]...), nil
}
