package cmd

import (
	"errors"

	"github.com/amha-dev/kubectl-amha/ui"
)

// checkTemplate tells whether -o output is a template format (ui.TemplateFormats: jsonpath=,
// go-template= and their -file forms, through cli-runtime's printers); for one, a template
// that does not parse is a usage error that names it, before any work is done.
func checkTemplate(output string) (bool, error) {
	if !ui.IsTemplate(output) {
		return false, nil
	}
	if _, err := ui.TemplatePrinter(output); err != nil {
		return true, usageError("--output: %v", err)
	}
	return true, nil
}

// structured tells whether output prints the report's JSON document: json, yaml, or a
// template applied to it.
func structured(output string) bool {
	return output == "json" || output == "yaml" || ui.IsTemplate(output)
}

// templateErr makes an error of a template that parsed but failed on the report (an index
// out of range) a usage error: exit 2, as for one that does not parse.
func templateErr(output string, err error) error {
	var e *ExitError
	if err == nil || !ui.IsTemplate(output) || errors.As(err, &e) {
		return err
	}
	return usageError("--output: %v", err)
}
