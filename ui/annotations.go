package ui

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// The one-line-per-finding formats of lint, for editors and CI: each finding is located at its
// first file position (a finding about several files names the others at the end of its line).
// What came from the files (names, messages quoting values) is cleaned as in the text report,
// so nothing in it acts on a terminal or forges another line.

// WriteLines writes one line per finding, as compilers write diagnostics and editors and problem
// matchers read them:
//
//	file:line:col: severity id: message
//
// line and col are left out where unknown; a finding located in no file starts with
// "kubectl-amha:" instead.
func WriteLines(w io.Writer, fs []model.Finding) error {
	var b strings.Builder
	for _, f := range fs {
		at, others := fileLocations(f)
		head := "kubectl-amha"
		if at != nil {
			head = Clean(position(*at))
		}
		fmt.Fprintf(&b, "%s: %s %s: %s%s\n", head, f.Severity, Clean(f.ID), Clean(f.Message), also(others))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteGitHub writes one GitHub Actions workflow command per finding, which a workflow run shows
// as an annotation on the file and line (and in the run's summary):
//
//	::warning file=deploy/am.yaml,line=12,col=3,title=k8s/pdb::message%0AFix: ...
//
// error and warning are themselves, info is a notice. Data is escaped as GitHub reads it (%,
// CR, LF), and property values also (: and ,).
func WriteGitHub(w io.Writer, fs []model.Finding) error {
	var b strings.Builder
	for _, f := range fs {
		at, others := fileLocations(f)
		var props []string
		msg := Clean(f.Message) + also(others)
		if at != nil && strings.HasPrefix(at.File, "<") {
			// <stdin> is no file of the repository: the position goes into the message.
			msg = Clean(position(*at)) + ": " + msg
		} else if at != nil {
			props = append(props, "file="+ghProperty(Clean(at.File)))
			if at.Line > 0 {
				props = append(props, "line="+strconv.Itoa(at.Line))
				if at.Column > 0 {
					props = append(props, "col="+strconv.Itoa(at.Column))
				}
			}
		}
		props = append(props, "title="+ghProperty(Clean(f.ID)))
		if f.Fix != "" {
			msg += "\nFix: " + CleanText(f.Fix)
		}
		fmt.Fprintf(&b, "::%s %s::%s\n", level(f.Severity, "notice"), strings.Join(props, ","), ghData(msg))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fileLocations are the finding's locations in a file (<stdin> too): the first, and the others.
func fileLocations(f model.Finding) (*model.Location, []model.Location) {
	var in []model.Location
	for _, l := range f.Locations {
		if l.File != "" {
			in = append(in, l)
		}
	}
	if len(in) == 0 {
		return nil, nil
	}
	return &in[0], in[1:]
}

// position is file[:line[:col]].
func position(l model.Location) string {
	return model.Location{File: l.File, Line: l.Line, Column: l.Column}.String()
}

// also names the other files of a finding: " (also b.yml:3:1, c.yml:4:1)".
func also(others []model.Location) string {
	if len(others) == 0 {
		return ""
	}
	ps := make([]string, len(others))
	for i, l := range others {
		ps[i] = Clean(position(l))
	}
	return " (also " + strings.Join(ps, ", ") + ")"
}

// ghData escapes a workflow command's message: %, CR and LF.
var ghData = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace

// ghProperty escapes a workflow command's property value: as data, and : and , too.
var ghProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace
