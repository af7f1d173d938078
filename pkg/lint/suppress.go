package lint

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/amha-dev/kubectl-amha/pkg/suppress"
)

// The inputs accept findings in two ways (docs/suppress.md):
//
//   - the annotation amha.dev/ignore: "k8s/pdb,k8s/spread" on an object accepts those ids on
//     the findings that point at the object (a location in it, or the object among the
//     finding's objects);
//   - the comment # amha: ignore k8s/pdb accepts the id on the findings located on its line
//     (a comment at the end of the line) or on the line right below it (a comment line of its
//     own); among the comment lines at the top of a document, before its first key, it accepts
//     the id on the whole document (a file of one document: the whole file).
//
// A comment followed by a blank line belongs to no line (yaml.v3 keeps it as a foot comment):
// that is an input error, as is an unknown id, so that no suppression is silently ignored.

// objectSuppressions reads the amha.dev/ignore annotation of an object in a file; an unknown
// id is an input error. Live objects are left to status, which reads their annotations itself
// (pkg/snapshot) and notes an unknown id instead of failing.
func (s *Set) objectSuppressions(o *Object) error {
	v := o.Root.Get("metadata", "annotations", suppress.Annotation)
	if !v.Valid() || o.Root.Live {
		return nil
	}
	ids, err := suppress.ParseIDs(v.String())
	if err != nil {
		l := v.Loc()
		return &InputError{File: l.File, Line: l.Line, Column: l.Column, Err: fmt.Errorf("%s: annotation %s: %w", o.ID(), suppress.Annotation, err)}
	}
	s.Suppress.Object(o.Root.File, o.ID(), ids)
	return nil
}

// commentScope is one document of an input for its ignore comments: its nodes, where its
// lines are in the input (offset for a configuration embedded in a literal block), and the
// last line it may cover.
type commentScope struct {
	in         Input
	root       *yaml.Node
	lineOffset int
	end        int
}

// documentSuppressions reads the ignore comments of the documents of an input. Each document
// covers the lines up to the next one's first line.
func (s *Set) documentSuppressions(in Input, docs []*yaml.Node) error {
	for i, d := range docs {
		end := math.MaxInt
		if i+1 < len(docs) {
			end = firstLine(docs[i+1]) - 1
		}
		if err := s.commentSuppressions(commentScope{in: in, root: d, end: end}); err != nil {
			return err
		}
	}
	return nil
}

// commentSuppressions reads the ignore comments of one document.
func (s *Set) commentSuppressions(c commentScope) error {
	top := map[*yaml.Node]bool{c.root: true}
	r := resolveAlias(c.root)
	if r != nil {
		top[r] = true
		if r.Kind == yaml.MappingNode && len(r.Content) > 0 {
			top[r.Content[0]] = true
		}
	}
	var walkErr error
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil || walkErr != nil {
			return
		}
		line := n.Line + c.lineOffset
		if n.HeadComment != "" {
			to := line
			if top[n] {
				to = c.end
			}
			walkErr = s.commentRule(c, n.HeadComment, line, -1, to)
		}
		if n.LineComment != "" && walkErr == nil {
			walkErr = s.commentRule(c, n.LineComment, line, 0, line)
		}
		if n.FootComment != "" && walkErr == nil {
			if at, ok := s.directiveLine(c.in, n.FootComment, line, 1); ok {
				// yaml.v3 also keeps as a foot comment one indented deeper than the key that
				// follows it: directly above a line, it is about that line.
				if next := s.lineAfterComments(c.in, at); next > 0 {
					walkErr = s.commentRule(c, n.FootComment, at, 0, next)
				} else {
					walkErr = &InputError{File: c.in.Name, Line: at, Err: errors.New(
						"this # amha: ignore comment is followed by a blank line, so it is about no line: put it directly above the line it accepts, or at the top of the document for all of it")}
				}
			}
		}
		if n.Kind != yaml.AliasNode {
			for _, ch := range n.Content {
				walk(ch)
			}
		}
	}
	walk(c.root)
	return walkErr
}

// commentRule adds the rules of the ignore lines of one comment attached to a node at line:
// dir says where the comment is (-1 the lines above, 0 the same line). The rule covers the
// comment's own line through to.
func (s *Set) commentRule(c commentScope, comment string, line, dir, to int) error {
	for _, text := range strings.Split(comment, "\n") {
		ids, ok, err := suppress.Comment(text)
		if !ok {
			continue
		}
		at, _ := s.lineOf(c.in, text, line, dir)
		if err != nil {
			return &InputError{File: c.in.Name, Line: at, Err: fmt.Errorf("# %s: %w", suppress.CommentPrefix, err)}
		}
		s.Suppress.Lines(c.in.Name, at, to, ids, fmt.Sprintf("%s:%d", c.in.Name, at))
	}
	return nil
}

// directiveLine is the line of the first ignore line of a comment, when it has one.
func (s *Set) directiveLine(in Input, comment string, line, dir int) (int, bool) {
	for _, text := range strings.Split(comment, "\n") {
		if _, ok, _ := suppress.Comment(text); ok {
			return s.lineOf(in, text, line, dir)
		}
	}
	return 0, false
}

// lineOf finds the line of the input that holds a comment's text: from line, upwards (dir -1),
// on it (0) or downwards (1). yaml.v3 keeps a comment's text, not its position. Without a
// match it is line.
func (s *Set) lineOf(in Input, text string, line, dir int) (int, bool) {
	n := len(s.lines(in))
	want := []byte(strings.TrimSpace(text))
	for l, steps := line, 0; l >= 1 && l <= n && steps < 1000; l, steps = l+dir, steps+1 {
		if bytes.Contains(s.line(in, l), want) {
			return l, true
		}
		if dir == 0 {
			break
		}
	}
	return line, false
}

// lineAfterComments is the line directly below the comment line at, past further comment
// lines; 0 when a blank line or the end comes first.
func (s *Set) lineAfterComments(in Input, at int) int {
	n := len(s.lines(in))
	for l := at + 1; l <= n; l++ {
		t := strings.TrimSpace(string(s.line(in, l)))
		switch {
		case t == "":
			return 0
		case strings.HasPrefix(t, "#"):
			continue
		}
		return l
	}
	return 0
}

// firstLine is the first line of a document: its first comment or node.
func firstLine(d *yaml.Node) int {
	first := d.Line
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil {
			return
		}
		if n.Line > 0 && (first == 0 || n.Line < first) {
			first = n.Line
		}
		if n.HeadComment != "" {
			if l := n.Line - strings.Count(n.HeadComment, "\n") - 1; l > 0 && l < first {
				first = l
			}
		}
		if len(n.Content) > 0 {
			walk(n.Content[0])
		}
	}
	walk(d)
	return first
}

// lastLine is the last line a node tree reaches (a multi-line scalar counts its lines).
func lastLine(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	last := n.Line + strings.Count(n.Value, "\n")
	if n.Kind != yaml.AliasNode {
		for _, ch := range n.Content {
			last = max(last, lastLine(ch))
		}
	}
	return last
}
