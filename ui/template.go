package ui

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/cli-runtime/pkg/printers"
)

// TemplateFormats are the output formats that take a template, as kubectl's -o does:
// jsonpath=TEMPLATE, go-template=TEMPLATE, and the -file forms that name a file holding it.
var TemplateFormats = []string{"jsonpath", "jsonpath-file", "go-template", "go-template-file"}

// IsTemplate tells whether format is one of TemplateFormats (with or without its template).
func IsTemplate(format string) bool {
	name, _, _ := strings.Cut(format, "=")
	for _, f := range TemplateFormats {
		if name == f {
			return true
		}
	}
	return false
}

// TemplatePrinter is cli-runtime's printer for a template format (kubectl's, missing keys
// allowed as kubectl's default): JSONPathPrinter or GoTemplatePrinter. The error names the
// template and what is wrong with it.
func TemplatePrinter(format string) (printers.ResourcePrinter, error) {
	name, tmpl, _ := strings.Cut(format, "=")
	if tmpl == "" {
		return nil, fmt.Errorf("-o %s needs a template: -o %s=TEMPLATE", name, name)
	}
	if file, ok := strings.CutSuffix(name, "-file"); ok {
		b, err := os.ReadFile(tmpl)
		if err != nil {
			return nil, fmt.Errorf("-o %s: %w", name, err)
		}
		name, tmpl = file, string(b)
	}
	switch name {
	case "jsonpath":
		p, err := printers.NewJSONPathPrinter(tmpl)
		if err != nil {
			return nil, fmt.Errorf("jsonpath template %q: %w", tmpl, err)
		}
		p.AllowMissingKeys(true)
		return p, nil
	case "go-template":
		p, err := printers.NewGoTemplatePrinter([]byte(tmpl))
		if err != nil {
			return nil, fmt.Errorf("go-template %q: %w", tmpl, err)
		}
		p.AllowMissingKeys(true)
		return p, nil
	}
	return nil, fmt.Errorf("output format %q: want one of %s", name, strings.Join(TemplateFormats, ", "))
}

// writeTemplate renders the report doc (the JSON of -o json) through format's printer.
func writeTemplate(format string, doc []byte) ([]byte, error) {
	p, err := TemplatePrinter(format)
	if err != nil {
		return nil, err
	}
	// Numbers as int64 or float64, as Kubernetes objects hold them for kubectl's printers.
	obj := map[string]any{}
	if err := utiljson.Unmarshal(doc, &obj); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := p.PrintObj(&unstructured.Unstructured{Object: obj}, &out); err != nil {
		// GoTemplatePrinter writes its debugging output to out: the error alone is reported.
		return nil, fmt.Errorf("%s: %w", format, firstLine(err))
	}
	return out.Bytes(), nil
}

// firstLine is err without the object dumps the printers append to it.
func firstLine(err error) error {
	s, _, _ := strings.Cut(err.Error(), ". Printing more information")
	return fmt.Errorf("%s", strings.TrimSpace(s))
}
