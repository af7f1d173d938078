package lint

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Node is a yaml.v3 node with where it came from: the file, a line/column offset when the
// YAML was embedded in another file (a ConfigMap's data), and the field path from the
// document root. Every finding position is taken from a Node, so it points at the text the
// user wrote.
type Node struct {
	N    *yaml.Node
	File string
	// Object names the Kubernetes object or command line this node belongs to, if any.
	Object string
	Path   string
	// LineOffset/ColOffset shift embedded documents to their place in the outer file.
	LineOffset, ColOffset int
	// Live nodes come from a running cluster: they carry no file position.
	Live bool
	// Outer is set when the YAML was decoded from an opaque value (base64 Secret data, a
	// quoted string): positions inside it are not the file's, so findings point here.
	Outer *Location
}

// Valid reports whether the node exists.
func (n Node) Valid() bool { return n.N != nil }

// Get walks mapping keys (string) and sequence indexes (int). A missing step yields an
// invalid Node whose Path still names what was looked for.
func (n Node) Get(steps ...any) Node {
	cur := n
	for _, s := range steps {
		next := cur
		next.N = nil
		switch k := s.(type) {
		case string:
			next.Path = joinPath(cur.Path, k)
			if cur.N != nil && cur.N.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(cur.N.Content); i += 2 {
					if cur.N.Content[i].Value == k {
						next.N = cur.N.Content[i+1]
						break
					}
				}
			}
		case int:
			next.Path = fmt.Sprintf("%s[%d]", cur.Path, k)
			if cur.N != nil && cur.N.Kind == yaml.SequenceNode && k >= 0 && k < len(cur.N.Content) {
				next.N = cur.N.Content[k]
			}
		default:
			panic(fmt.Sprintf("lint: bad path step %T", s))
		}
		next.N = resolveAlias(next.N)
		cur = next
	}
	return cur
}

// Key is the key node of field k in a mapping, for positions that should point at the key.
func (n Node) Key(k string) Node {
	out := n
	out.N = nil
	out.Path = joinPath(n.Path, k)
	if n.N != nil && n.N.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.N.Content); i += 2 {
			if n.N.Content[i].Value == k {
				out.N = n.N.Content[i]
			}
		}
	}
	return out
}

// Items are the elements of a sequence node.
func (n Node) Items() []Node {
	if n.N == nil || n.N.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]Node, len(n.N.Content))
	for i := range n.N.Content {
		out[i] = n.Get(i)
	}
	return out
}

// Fields are the key/value pairs of a mapping node, in order.
func (n Node) Fields() (keys []string, values []Node) {
	if n.N == nil || n.N.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.N.Content); i += 2 {
		k := n.N.Content[i].Value
		keys = append(keys, k)
		values = append(values, n.Get(k))
	}
	return keys, values
}

// String is the scalar value ("" when missing or not a scalar).
func (n Node) String() string {
	if n.N == nil || n.N.Kind != yaml.ScalarNode {
		return ""
	}
	return n.N.Value
}

// Int is the scalar as an integer, with whether it was one.
func (n Node) Int() (int, bool) {
	if n.N == nil || n.N.Kind != yaml.ScalarNode {
		return 0, false
	}
	v, err := strconv.Atoi(n.N.Value)
	return v, err == nil
}

// Bool is the scalar as a YAML boolean, with whether it was one.
func (n Node) Bool() (bool, bool) {
	if n.N == nil || n.N.Kind != yaml.ScalarNode {
		return false, false
	}
	switch strings.ToLower(n.N.Value) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	return false, false
}

// Strings is a sequence of scalars.
func (n Node) Strings() []string {
	var out []string
	for _, it := range n.Items() {
		out = append(out, it.String())
	}
	return out
}

// Decode decodes the node into v (yaml.v3 rules).
func (n Node) Decode(v any) error {
	if n.N == nil {
		return nil
	}
	return n.N.Decode(v)
}

// Loc is the finding location of this node. A missing node falls back to the nearest
// existing ancestor's position by the caller passing that ancestor instead; here a missing
// node keeps its path and no line.
func (n Node) Loc() Location {
	l := Location{Object: n.Object, Path: n.Path}
	if n.Outer != nil {
		l.File, l.Line, l.Column = n.Outer.File, n.Outer.Line, n.Outer.Column
		return l
	}
	if !n.Live {
		l.File = n.File
	}
	if n.N != nil && !n.Live {
		l.Line = n.N.Line + n.LineOffset
		l.Column = n.N.Column + n.ColOffset
	}
	return l
}

// LocOr is n's location when n exists, else parent's position with n's path: a finding about
// a missing field points at the object that lacks it.
func (n Node) LocOr(parent Node) Location {
	if n.N != nil {
		return n.Loc()
	}
	l := parent.Loc()
	l.Path = n.Path
	return l
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		return resolveAlias(n.Content[0])
	}
	return n
}

func joinPath(base, key string) string {
	if strings.ContainsAny(key, ".[]") || key == "" {
		key = strconv.Quote(key)
		return base + "[" + key + "]"
	}
	if base == "" {
		return key
	}
	return base + "." + key
}
