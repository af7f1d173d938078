// Package model is the shared vocabulary of amha: a cluster, its replicas, what each replica
// reported, and the findings drawn from them. Collectors fill it; checks read it; ui renders it.
package model

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Severity orders findings. The zero value is Info.
type Severity int

const (
	Info Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Warning:
		return "warning"
	case Error:
		return "error"
	default:
		return "info"
	}
}

func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

func (s *Severity) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return err
	}
	v, err := ParseSeverity(str)
	*s = v
	return err
}

// ParseSeverity reads "info", "warning" or "error".
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(s) {
	case "info":
		return Info, nil
	case "warning", "warn":
		return Warning, nil
	case "error":
		return Error, nil
	}
	return Info, fmt.Errorf("unknown severity %q (want info, warning or error)", s)
}

// Symptom is what a problem does to the people being paged.
type Symptom string

const (
	Duplicates Symptom = "duplicates"
	Missed     Symptom = "missed"
	Delayed    Symptom = "delayed"
	Flapping   Symptom = "flapping"
	Insecure   Symptom = "insecure"
)

// Finding is one problem, named by a stable check id ("mesh/island"), with its cause and fix.
type Finding struct {
	ID       string    `json:"id"`
	Severity Severity  `json:"severity"`
	Symptoms []Symptom `json:"symptoms"`
	// Objects are the replicas, pods or members involved.
	Objects []string `json:"objects"`
	// Message says what is wrong and what it does to notifications.
	Message string `json:"message"`
	// Details are supporting lines (a config diff, per-replica figures); may be empty.
	Details []string `json:"details,omitempty"`
	Fix     string   `json:"fix"`
	// Locations point at where the cause is written: a file position (lint) or a live object
	// and field path (status). Empty for findings drawn from the running mesh.
	Locations []Location `json:"locations,omitempty"`
	// Doc is the URL of the id's page at the version of amha that reported it; the reports
	// fill it in as they print (ui).
	Doc string `json:"doc,omitempty"`
	// DrillCaused marks a finding that a drill in progress causes on purpose (Cluster.Drills):
	// kept at info, its message saying so.
	DrillCaused bool `json:"drillCaused,omitempty"`
}

// Location is a place in a file or a live object. File positions are 1-based; Line 0 means
// the position is not known (for example a file that is not YAML).
type Location struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	// Object is the Kubernetes object ("StatefulSet monitoring/alertmanager-main") or the
	// Alertmanager command line the finding is about.
	Object string `json:"object,omitempty"`
	// Path is the field path inside the object or file ("spec.template.spec.containers[0].args[2]").
	Path string `json:"path,omitempty"`
}

// String is "file:line:col" when a file position is known, else "object path".
func (l Location) String() string {
	var b strings.Builder
	if l.File != "" {
		b.WriteString(l.File)
		if l.Line > 0 {
			fmt.Fprintf(&b, ":%d", l.Line)
			if l.Column > 0 {
				fmt.Fprintf(&b, ":%d", l.Column)
			}
		}
	}
	if l.Object != "" || l.Path != "" {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString(strings.TrimSpace(l.Object + " " + l.Path))
	}
	return b.String()
}

// Worst is the highest severity among findings, and whether there are any.
func Worst(fs []Finding) (Severity, bool) {
	worst, any := Info, false
	for _, f := range fs {
		if !any || f.Severity > worst {
			worst, any = f.Severity, true
		}
	}
	return worst, any
}

// SortFindings orders by severity (worst first), then id, then objects.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return strings.Join(a.Objects, ",") < strings.Join(b.Objects, ",")
	})
}

// Suppression says how a team accepted a finding it decided to keep (docs/suppress.md).
type Suppression struct {
	// By is the way: "annotation" (amha.dev/ignore on an object), "comment" (# amha: ignore in
	// a YAML file), "flag" (--disable) or "config" (a config file's disable list).
	By string `json:"by"`
	// Where is the object that carries the annotation, the file:line of the comment, the flag
	// or the config file.
	Where string `json:"where"`
}

// String is "annotation on StatefulSet ns/name", "comment at file:line", "--disable" or
// "config file .amha.yaml".
func (s Suppression) String() string {
	switch s.By {
	case "annotation":
		return "annotation on " + s.Where
	case "comment":
		return "comment at " + s.Where
	case "config":
		return "config file " + s.Where
	}
	return s.Where
}

// SuppressedFinding is a finding a suppression accepted: reported apart, never counted for
// the exit code.
type SuppressedFinding struct {
	Finding
	SuppressedBy Suppression `json:"suppressedBy"`
}
