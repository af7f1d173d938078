// Package suppress is how a team accepts a finding it decided to keep: an annotation on the
// object (amha.dev/ignore), a comment in the YAML (# amha: ignore), --disable or a config file.
// Rules collects them; Apply sets the findings they match apart, each with what suppressed it,
// so that reports count and list them instead of dropping them (docs/suppress.md).
package suppress

import (
	"fmt"
	"slices"
	"strings"

	"github.com/amha-dev/kubectl-amha/pkg/findings"
	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// Annotation is the object annotation that lists the ids accepted on the object:
// amha.dev/ignore: "k8s/pdb,k8s/spread".
const Annotation = "amha.dev/ignore"

// CommentPrefix starts a YAML comment that accepts ids: # amha: ignore k8s/pdb, k8s/spread.
const CommentPrefix = "amha: ignore"

// Ways of suppressing, as model.Suppression.By names them.
const (
	ByAnnotation = "annotation"
	ByComment    = "comment"
	ByFlag       = "flag"
	ByConfig     = "config"
)

// Rules are the suppressions of one report. The zero value suppresses nothing.
type Rules struct {
	disabled map[string]model.Suppression
	objects  []objectRule
	lines    []lineRule
}

// objectRule accepts ids on an object: on findings whose locations or objects name it, or on
// every finding when whole is set (the workload of a live cluster).
type objectRule struct {
	file, object string
	ids          []string
	why          model.Suppression
	whole        bool
}

// lineRule accepts ids on the lines from..to of a file.
type lineRule struct {
	file     string
	from, to int
	ids      []string
	why      model.Suppression
}

// Known reports whether id is a finding id, with an error naming it when not.
func Known(id string) error {
	if _, ok := findings.Lookup(id); ok {
		return nil
	}
	return fmt.Errorf("unknown finding id %q (the ids are listed in docs/checks/README.md%s)", id, near(id))
}

// near suggests the known ids of the same area, or says there is no such area.
func near(id string) string {
	area, _, _ := strings.Cut(id, "/")
	var same []string
	for _, e := range findings.All() {
		if e.Area() == area {
			same = append(same, e.ID)
		}
	}
	if len(same) == 0 {
		return "; areas: mesh, prometheus, cluster, k8s, config"
	}
	return "; " + area + ": " + strings.Join(same, ", ")
}

// ParseIDs splits a list of ids separated by commas or spaces, each checked with Known.
func ParseIDs(list string) ([]string, error) {
	var ids []string
	for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if err := Known(f); err != nil {
			return nil, err
		}
		if !slices.Contains(ids, f) {
			ids = append(ids, f)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no finding id in %q", list)
	}
	return ids, nil
}

// Comment reads the ids of a "# amha: ignore ID[,ID...] [; why]" line; ok is false for any
// other comment line. Text after ";" is the team's own note.
func Comment(line string) (ids []string, ok bool, err error) {
	text := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "#"))
	rest, found := strings.CutPrefix(text, CommentPrefix)
	if !found || (rest != "" && rest[0] != ' ' && rest[0] != '\t' && rest[0] != ';') {
		// A near miss ("# amha:ignore", "# amha: disable") would silently accept nothing.
		if d, isAmha := strings.CutPrefix(strings.ToLower(text), "amha:"); isAmha {
			d = strings.TrimSpace(d)
			if !strings.HasPrefix(d, "alternative ") && !strings.HasPrefix(text, CommentPrefix+" ") {
				return nil, true, fmt.Errorf("%q is no amha directive: write # %s ID[,ID...] (or # amha: alternative SET/FORM)", "# "+text, CommentPrefix)
			}
		}
		return nil, false, nil
	}
	rest, _, _ = strings.Cut(rest, ";")
	ids, err = ParseIDs(rest)
	return ids, true, err
}

// Disable accepts ids everywhere, for why (--disable or a config file).
func (r *Rules) Disable(ids []string, why model.Suppression) {
	if r.disabled == nil {
		r.disabled = map[string]model.Suppression{}
	}
	for _, id := range ids {
		if _, ok := r.disabled[id]; !ok {
			r.disabled[id] = why
		}
	}
}

// Object accepts ids on the object (lint's "Kind namespace/name") read from file ("" when live).
func (r *Rules) Object(file, object string, ids []string) {
	r.objects = append(r.objects, objectRule{file: file, object: object, ids: ids,
		why: model.Suppression{By: ByAnnotation, Where: object}})
}

// Workload accepts ids on every finding of a live cluster: the workload's annotation, since
// the findings drawn from the mesh point at no object.
func (r *Rules) Workload(object string, ids []string) {
	r.objects = append(r.objects, objectRule{object: object, ids: ids, whole: true,
		why: model.Suppression{By: ByAnnotation, Where: object}})
}

// Lines accepts ids on the lines from..to of file, for the comment at position where.
func (r *Rules) Lines(file string, from, to int, ids []string, where string) {
	r.lines = append(r.lines, lineRule{file: file, from: from, to: to, ids: ids,
		why: model.Suppression{By: ByComment, Where: where}})
}

// Merge adds the rules of o to r.
func (r *Rules) Merge(o *Rules) {
	if o == nil {
		return
	}
	for id, why := range o.disabled {
		r.Disable([]string{id}, why)
	}
	r.objects = append(r.objects, o.objects...)
	r.lines = append(r.lines, o.lines...)
}

// Apply sets apart the findings a rule accepts, in order, each with the first rule that does:
// the comments, then the annotations, then --disable and the config file.
func (r *Rules) Apply(fs []model.Finding) (kept []model.Finding, suppressed []model.SuppressedFinding) {
	kept = fs[:0:0]
	for _, f := range fs {
		if why, ok := r.match(f); ok {
			suppressed = append(suppressed, model.SuppressedFinding{Finding: f, SuppressedBy: why})
		} else {
			kept = append(kept, f)
		}
	}
	return kept, suppressed
}

func (r *Rules) match(f model.Finding) (model.Suppression, bool) {
	if r == nil {
		return model.Suppression{}, false
	}
	for _, lr := range r.lines {
		if !slices.Contains(lr.ids, f.ID) {
			continue
		}
		for _, l := range f.Locations {
			if l.File == lr.file && l.Line >= lr.from && l.Line <= lr.to {
				return lr.why, true
			}
		}
	}
	for _, or := range r.objects {
		if !slices.Contains(or.ids, f.ID) {
			continue
		}
		if or.whole || slices.Contains(f.Objects, or.object) {
			return or.why, true
		}
		for _, l := range f.Locations {
			if l.File == or.file && (l.Object == or.object || strings.HasPrefix(l.Object, or.object+" ")) {
				return or.why, true
			}
		}
	}
	if why, ok := r.disabled[f.ID]; ok {
		return why, true
	}
	return model.Suppression{}, false
}
