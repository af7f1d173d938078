package lint

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/suppress"
)

// Location is where a finding's cause is written.
type Location = model.Location

// Set is everything read from the inputs, classified by content.
type Set struct {
	// Objects are the Kubernetes objects, in input order (List items flattened).
	Objects []*Object
	// Workloads are the Alertmanager processes described by the inputs: StatefulSets and
	// Deployments running Alertmanager, prometheus-operator Alertmanager objects, and command
	// lines for VM installs.
	Workloads []*Workload
	// AMConfigs are alertmanager.yml files, also those embedded in ConfigMaps and Secrets.
	AMConfigs []*AMConfig
	// PromConfigs are prometheus.yml files, also those embedded in ConfigMaps.
	PromConfigs []*PromConfig
	// TLSFiles are --cluster.tls-config files (tls_server_config / tls_client_config): given
	// as inputs, or read next to the command line that names them.
	TLSFiles []*TLSFile
	// Skipped names the files of a directory walk that are none of the above.
	Skipped []string
	// Live is set when the objects were read from a running cluster rather than files.
	Live bool
	// Suppress are the inputs' annotations and comments that accept findings (suppress.go).
	Suppress suppress.Rules
	// OperatorFlag is --operator-version: the prometheus-operator release to model ("" = find it).
	OperatorFlag string
	// Operator is the prometheus-operator release modelled, nil when no Alertmanager object
	// was read.
	Operator *Operator

	amDocs     []*amDoc         // the alertmanager.yml files loaded, once (amDocs)
	lineStarts map[string][]int // byte offset of each line, per input (blockIndent)
}

// Object is one Kubernetes object as written.
type Object struct {
	APIVersion, Kind, Name, Namespace string
	Root                              Node
}

// ID is "Kind namespace/name" (or "Kind name" without a namespace).
func (o *Object) ID() string {
	if o.Namespace == "" {
		return o.Kind + " " + o.Name
	}
	return o.Kind + " " + o.Namespace + "/" + o.Name
}

// Group is the API group of the object ("" for the core group).
func (o *Object) Group() string {
	g, _, ok := strings.Cut(o.APIVersion, "/")
	if !ok {
		return ""
	}
	return g
}

// Decode converts the object into a typed value (k8s.io/api types) through JSON, as the API
// server would read it.
func (o *Object) Decode(v any) error {
	return decodeJSON(o.Root, v)
}

func decodeJSON(n Node, v any) error {
	var m any
	if err := n.Decode(&m); err != nil {
		return err
	}
	b, err := json.Marshal(jsonable(m))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// jsonable turns yaml.v3's map[string]any trees into JSON-encodable values.
func jsonable(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = jsonable(x)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[fmt.Sprint(k)] = jsonable(x)
		}
		return m
	case []any:
		for i, x := range t {
			t[i] = jsonable(x)
		}
	}
	return v
}

// AMConfig is one alertmanager.yml.
type AMConfig struct {
	// Name is the file, or "ConfigMap ns/name key" when embedded.
	Name string
	Raw  string
	Root Node
	// Owner is the object that carries it (nil for a plain file).
	Owner *Object
	// Explicit is set for a plain file named on the command line (not found by a walk).
	Explicit bool
}

// PromConfig is one prometheus.yml.
type PromConfig struct {
	Name  string
	Raw   string
	Root  Node
	Owner *Object
}

// Load classifies every input. A malformed input is an *InputError; unrecognised explicit
// inputs are errors too, unrecognised files of a directory walk are listed in Skipped.
func Load(inputs []Input) (*Set, error) { return LoadWith(inputs, Options{}) }

// Options change how the inputs are read.
type Options struct {
	// OperatorVersion is the prometheus-operator release whose output is modelled for
	// Alertmanager objects ("" = the one an operator Deployment among the inputs runs, else
	// the newest modelled).
	OperatorVersion string
	// Suppress are the rules given beside the inputs (--disable, the config file); the inputs'
	// own annotations and comments are added to them (Lint).
	Suppress *suppress.Rules
}

// LoadWith is Load with options.
func LoadWith(inputs []Input, o Options) (*Set, error) {
	s := &Set{OperatorFlag: o.OperatorVersion}
	for _, in := range inputs {
		if err := s.add(in); err != nil {
			return nil, err
		}
	}
	s.deriveWorkloads()
	s.readTLSFiles()
	return s, nil
}

var (
	systemdExec = regexp.MustCompile(`(?m)^\s*ExecStart\s*=`)
	yamlLineRE  = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
)

func (s *Set) add(in Input) error {
	text := string(in.Data)
	if strings.Contains(text, "ExecStart") && systemdExec.MatchString(text) {
		return s.addSystemd(in)
	}
	dec := yaml.NewDecoder(bytes.NewReader(in.Data))
	var docs []*yaml.Node
	for {
		var d yaml.Node
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// A .yaml file that does not parse is broken YAML, even with flags in it (a
			// Kubernetes manifest's args): only other files may be argument lists.
			if looksLikeArgs(text) && !yamlName(in.Name) {
				return s.addArgsFile(in)
			}
			if strings.Contains(text, "{{") {
				ye := yamlError(in.Name, err).(*InputError)
				ye.Err = fmt.Errorf("%w (a Helm or Go template? lint what the chart renders: %s)", ye.Err, HelmHint("CHART"))
				return ye
			}
			return yamlError(in.Name, err)
		}
		docs = append(docs, &d)
	}
	if err := s.documentSuppressions(in, docs); err != nil {
		return err
	}
	recognised := false
	for i, d := range docs {
		root := Node{N: resolveAlias(d), File: in.Name}
		if root.N == nil || (root.N.Kind == yaml.ScalarNode && root.N.Tag == "!!null") {
			continue
		}
		ok, err := s.addDoc(in, root)
		if err != nil {
			return err
		}
		if !ok && root.N.Kind == yaml.ScalarNode && looksLikeArgs(text) && len(docs) == 1 {
			return s.addArgsFile(in)
		}
		if !ok && in.Explicit {
			return &InputError{File: in.Name, Line: root.N.Line, Column: root.N.Column, Err: fmt.Errorf("document %d is not something lint reads: want Kubernetes objects, alertmanager.yml, prometheus.yml, docker-compose services, a systemd unit or Alertmanager arguments", i+1)}
		}
		recognised = recognised || ok
	}
	if len(docs) == 0 && in.Explicit {
		return &InputError{File: in.Name, Err: errors.New("empty: nothing to lint")}
	}
	if !recognised && !in.Explicit {
		s.Skipped = append(s.Skipped, in.Name)
	}
	return nil
}

// yamlName reports whether a file's name says it is YAML or JSON.
func yamlName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// yamlParserProblem recognises the problems of yaml.v3's parser (parserc.go), whose line
// yaml.v3 prints 0-based; its scanner's problems are printed 1-based.
func yamlParserProblem(msg string) bool {
	for _, p := range []string{
		"did not find expected ',' or ']'", "did not find expected ',' or '}'",
		"did not find expected '-' indicator", "did not find expected <document start>",
		"did not find expected <stream-start>", "did not find expected key",
		"did not find expected node content", "found duplicate %TAG directive",
		"found duplicate %YAML directive", "found incompatible YAML document",
		"found undefined tag handle",
	} {
		if msg == p {
			return true
		}
	}
	return false
}

// yamlError turns yaml.v3's "yaml: line N: msg" into a positioned InputError.
func yamlError(file string, err error) error {
	msg := err.Error()
	if te, ok := err.(*yaml.TypeError); ok {
		msg = strings.Join(te.Errors, "; ")
	}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		if yamlParserProblem(m[2]) {
			line++ // yaml.v3 reports parser (not scanner) errors with a 0-based line
		}
		return &InputError{File: file, Line: line, Err: fmt.Errorf("malformed YAML: %s", m[2])}
	}
	return &InputError{File: file, Err: fmt.Errorf("malformed YAML: %s", strings.TrimPrefix(msg, "yaml: "))}
}

// addDoc classifies one YAML document; false when it is none of the things lint reads.
func (s *Set) addDoc(in Input, root Node) (bool, error) {
	if root.N.Kind != yaml.MappingNode {
		return false, nil
	}
	kind, api := root.Get("kind").String(), root.Get("apiVersion").String()
	switch {
	case kind != "" && api != "":
		if items := root.Get("items"); strings.HasSuffix(kind, "List") && items.Valid() {
			for _, it := range items.Items() {
				if it.N.Kind != yaml.MappingNode || it.Get("kind").String() == "" {
					return false, &InputError{File: in.Name, Line: it.N.Line, Column: it.N.Column, Err: errors.New("a List item without kind")}
				}
				it.Path = ""
				if err := s.addObject(in, it); err != nil {
					return false, err
				}
			}
			return true, nil
		}
		return true, s.addObject(in, root)
	case isAMConfig(root):
		s.AMConfigs = append(s.AMConfigs, &AMConfig{Name: in.Name, Raw: string(in.Data), Root: root, Explicit: in.Explicit})
		return true, nil
	case isPromConfig(root):
		s.PromConfigs = append(s.PromConfigs, &PromConfig{Name: in.Name, Raw: string(in.Data), Root: root})
		return true, nil
	case root.Get("services").Valid():
		return s.addCompose(in, root), nil
	case root.Get("tls_server_config").Valid() || root.Get("tls_client_config").Valid():
		s.TLSFiles = append(s.TLSFiles, &TLSFile{Name: in.Name, Root: root})
		return true, nil
	}
	return false, nil
}

// TLSFile is a TLS transport configuration, the file --cluster.tls-config names.
type TLSFile struct {
	Name string
	Root Node
}

// maxTLSFile bounds a --cluster.tls-config file read from disk.
const maxTLSFile = 1 << 20

// readTLSFiles reads, for each command line whose --cluster.tls-config file is not among the
// inputs, that file next to the command line's own file: a relative path resolved against
// its directory, an absolute one (a path on the host) by its base name there. A file that is
// not there, or not a TLS configuration, is left: the checks then say nothing of it.
func (s *Set) readTLSFiles() {
	for _, w := range s.Workloads {
		a := w.Arg("cluster.tls-config")
		if w.Kind != "Command" || a == nil || a.Value == "" || w.At.File == "" || w.At.File == "-" || w.At.File == "<stdin>" {
			continue
		}
		if _, _, ok := s.tlsInput(a.Value); ok {
			continue
		}
		p := a.Value
		if filepath.IsAbs(p) {
			p = filepath.Base(p)
		}
		p = filepath.Join(filepath.Dir(w.At.File), p)
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(f, maxTLSFile))
		f.Close()
		var d yaml.Node
		if err != nil || yaml.Unmarshal(data, &d) != nil {
			continue
		}
		root := Node{N: resolveAlias(&d), File: p}
		if root.N != nil && root.N.Kind == yaml.MappingNode && root.Get("tls_server_config").Valid() {
			s.TLSFiles = append(s.TLSFiles, &TLSFile{Name: p, Root: root})
		}
	}
}

// tlsInput is the TLS configuration among the inputs that a --cluster.tls-config path names:
// the same path, else the same base name.
func (s *Set) tlsInput(file string) (string, Node, bool) {
	for _, exact := range []bool{true, false} {
		for _, t := range s.TLSFiles {
			same := filepath.ToSlash(t.Name) == filepath.ToSlash(file) || strings.HasSuffix(filepath.ToSlash(file), "/"+filepath.ToSlash(t.Name))
			if !exact {
				same = path.Base(filepath.ToSlash(t.Name)) == path.Base(filepath.ToSlash(file))
			}
			if same {
				return t.Name, t.Root, true
			}
		}
	}
	return "", Node{}, false
}

func isAMConfig(n Node) bool {
	return n.Get("route").Valid() || n.Get("receivers").Valid() || n.Get("inhibit_rules").Valid()
}

func isPromConfig(n Node) bool {
	return n.Get("scrape_configs").Valid() || n.Get("alerting").Valid() || n.Get("rule_files").Valid()
}

func (s *Set) addObject(in Input, root Node) error {
	o := &Object{
		APIVersion: root.Get("apiVersion").String(),
		Kind:       root.Get("kind").String(),
		Name:       root.Get("metadata", "name").String(),
		Namespace:  root.Get("metadata", "namespace").String(),
	}
	root.Object = o.ID()
	root.Path = ""
	o.Root = root
	s.Objects = append(s.Objects, o)
	if err := s.objectSuppressions(o); err != nil {
		return err
	}
	switch o.Kind {
	case "ConfigMap", "Secret":
		return s.addEmbedded(in, o)
	}
	return nil
}

// addEmbedded finds alertmanager.yml and prometheus.yml in a ConfigMap's data or a Secret's
// data/stringData. Literal blocks keep exact positions; base64 data points at its key.
// A Secret's data that is not base64 is an input error: the API server would refuse the Secret,
// and what it holds would go unchecked.
func (s *Set) addEmbedded(in Input, o *Object) error {
	for _, field := range []string{"data", "stringData"} {
		keys, vals := o.Root.Get(field).Fields()
		for i, k := range keys {
			v := vals[i]
			text := v.String()
			encoded := o.Kind == "Secret" && field == "data"
			if encoded {
				b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
				if err != nil {
					l := v.Loc()
					return &InputError{File: in.Name, Line: l.Line, Column: l.Column, Err: fmt.Errorf(
						"%s data[%q] is not base64 (%v): the API server would refuse it; put plain text under stringData", o.ID(), k, err)}
				}
				text = string(b)
			}
			if !strings.HasSuffix(k, ".yml") && !strings.HasSuffix(k, ".yaml") {
				continue
			}
			var d yaml.Node
			if err := yaml.Unmarshal([]byte(text), &d); err != nil {
				continue
			}
			inner := Node{N: resolveAlias(&d), File: in.Name, Object: o.ID() + " " + field + "[" + strconv.Quote(k) + "]", Live: v.Live}
			if inner.N == nil || inner.N.Kind != yaml.MappingNode {
				continue
			}
			if encoded || v.N.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
				inner.Outer = ptr(v.Loc())
			} else {
				// Line n of the block is line v.Line+n of the file, and its column c is
				// c + the block's indentation.
				inner.LineOffset = v.N.Line + v.LineOffset
				inner.ColOffset = s.blockIndent(in, inner.LineOffset)
				if err := s.commentSuppressions(commentScope{in: in, root: &d, lineOffset: inner.LineOffset,
					end: lastLine(&d) + inner.LineOffset}); err != nil {
					return err
				}
			}
			name := o.ID() + " " + k
			switch {
			case isAMConfig(inner):
				s.AMConfigs = append(s.AMConfigs, &AMConfig{Name: name, Raw: text, Root: inner, Owner: o})
			case isPromConfig(inner):
				s.PromConfigs = append(s.PromConfigs, &PromConfig{Name: name, Raw: text, Root: inner, Owner: o})
			}
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// blockIndent is the indentation of the first non-blank line after line (1-based) of the
// input: the column offset of a literal block's content. Line offsets are indexed once per
// input, so a stream of many embedded configurations stays linear.
func (s *Set) blockIndent(in Input, line int) int {
	for l := line + 1; l <= len(s.lines(in)); l++ {
		text := s.line(in, l)
		if len(bytes.TrimSpace(text)) > 0 {
			return len(text) - len(bytes.TrimLeft(text, " "))
		}
	}
	return 0
}

// lines are the byte offsets of the input's lines, indexed once per input.
func (s *Set) lines(in Input) []int {
	if s.lineStarts == nil {
		s.lineStarts = map[string][]int{}
	}
	starts, ok := s.lineStarts[in.Name]
	if !ok {
		starts = []int{0}
		for i, c := range in.Data {
			if c == '\n' {
				starts = append(starts, i+1)
			}
		}
		s.lineStarts[in.Name] = starts
	}
	return starts
}

// line is the text of line l (1-based) of the input, without its newline.
func (s *Set) line(in Input, l int) []byte {
	starts := s.lines(in)
	end := len(in.Data)
	if l < len(starts) {
		end = starts[l] - 1
	}
	return in.Data[starts[l-1]:end]
}

// imageName is the repository base name of an image reference ("quay.io/prometheus/alertmanager:v0.28.1" → "alertmanager").
func imageName(image string) string {
	img := path.Base(strings.SplitN(image, "@", 2)[0])
	return strings.SplitN(img, ":", 2)[0]
}

// imageTag is the tag of an image reference, "" when none.
func imageTag(image string) string {
	ref := strings.SplitN(image, "@", 2)[0]
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		return ref[i+1:]
	}
	return ""
}
