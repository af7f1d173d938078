package ui

import (
	"bytes"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"

	"github.com/amha-dev/kubectl-amha/pkg/findings"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// SARIF 2.1.0, the subset code-scanning services read: one run, a rule per check id, a result
// per finding with its physical (file, line, column) and logical (object, field) locations.
// https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	ShortDescription sarifMessage `json:"shortDescription"`
	HelpURI          string       `json:"helpUri"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
	// Suppressions mark a finding the team accepted: code scanning shows it as suppressed,
	// not as an open alert.
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
}

// sarifSuppression: kind inSource for an annotation or comment in the files, external for
// --disable and the config file.
type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification"`
}

type sarifLocation struct {
	Physical *sarifPhysical `json:"physicalLocation,omitempty"`
	Logical  []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	Artifact sarifArtifact `json:"artifactLocation"`
	Region   *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
}

// WriteSARIF writes findings as a SARIF 2.1.0 log: each rule is titled with its id's meaning (code
// spans unquoted) and links its page at version, amha's version. The suppressed findings
// follow, each result with its suppression.
func WriteSARIF(w io.Writer, fs []model.Finding, version string, suppressed []model.SuppressedFinding) error {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{
		Name: "kubectl-amha", InformationURI: "https://github.com/amha-dev/kubectl-amha", Version: version,
		Rules: []sarifRule{},
	}}, Results: []sarifResult{}}
	index := map[string]int{}
	all := make([]model.SuppressedFinding, 0, len(fs)+len(suppressed))
	for _, f := range fs {
		all = append(all, model.SuppressedFinding{Finding: f})
	}
	all = append(all, suppressed...)
	for _, sf := range all {
		f := sf.Finding
		i, ok := index[f.ID]
		if !ok {
			i = len(run.Tool.Driver.Rules)
			index[f.ID] = i
			e, known := findings.Lookup(f.ID)
			if !known {
				e = findings.Entry{ID: f.ID, Title: f.ID}
			}
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
				ID: f.ID, ShortDescription: sarifMessage{Text: strings.ReplaceAll(e.Title, "`", "")}, HelpURI: findings.DocURLAt(f.ID, version),
			})
		}
		msg := f.Message
		if f.Fix != "" {
			msg += "\nFix: " + f.Fix
		}
		res := sarifResult{RuleID: f.ID, RuleIndex: i, Level: level(f.Severity, "note"), Message: sarifMessage{Text: msg}}
		for _, l := range f.Locations {
			var sl sarifLocation
			if l.File != "" && !strings.HasPrefix(l.File, "<") {
				sl.Physical = &sarifPhysical{Artifact: sarifArtifact{URI: filepath.ToSlash(l.File)}}
				if l.Line > 0 {
					sl.Physical.Region = &sarifRegion{StartLine: l.Line, StartColumn: l.Column}
				}
			}
			if name := strings.TrimSpace(l.Object + " " + l.Path); name != "" {
				sl.Logical = []sarifLogical{{FullyQualifiedName: name}}
			}
			if sl.Physical != nil || sl.Logical != nil {
				res.Locations = append(res.Locations, sl)
			}
		}
		if by := sf.SuppressedBy; by.By != "" {
			kind := "external"
			if by.By == "annotation" || by.By == "comment" {
				kind = "inSource"
			}
			res.Suppressions = []sarifSuppression{{Kind: kind, Justification: "suppressed by " + by.String()}}
		}
		run.Results = append(run.Results, res)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	}); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// level is a severity as SARIF and GitHub name it: error, warning, and info as they call it
// ("note", "notice").
func level(s model.Severity, info string) string {
	switch s {
	case model.Error:
		return "error"
	case model.Warning:
		return "warning"
	}
	return info
}
