package lint

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/amha-dev/kubectl-amha/pkg/suppress"
)

// MaxInputSize bounds one input file: lint reads whole files, and nothing it reads is
// legitimately this large.
const MaxInputSize = 32 << 20

// Input is one file's bytes and the name findings use for it.
type Input struct {
	Name string
	Data []byte
	// Explicit inputs were named on the command line (or stdin): one that amha cannot read
	// is an error. Inputs found by walking a directory are skipped when not recognised.
	Explicit bool
}

// InputError is a problem with an input: it names the file and, when known, the line.
type InputError struct {
	File   string
	Line   int
	Column int
	Err    error
}

func (e *InputError) Error() string {
	pos := e.File
	if e.Line > 0 {
		pos += fmt.Sprintf(":%d", e.Line)
		if e.Column > 0 {
			pos += fmt.Sprintf(":%d", e.Column)
		}
	}
	return pos + ": " + e.Err.Error()
}

func (e *InputError) Unwrap() error { return e.Err }

// lintable are the file names a directory walk reads; everything else is skipped.
func lintable(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json", ".service", ".args", ".conf":
		return true
	}
	return false
}

// ReadInputs reads files, directories (recursively, the lintable files in name order) and "-"
// for stdin.
func ReadInputs(paths []string, stdin io.Reader) ([]Input, error) {
	r, err := Read(paths, stdin)
	if err != nil {
		return nil, err
	}
	return r.Inputs, nil
}

// Inputs are what Read found.
type Inputs struct {
	Inputs []Input
	// Charts are the Helm chart directories a directory walk left out: their templates are
	// not YAML until rendered.
	Charts []string
	// Kustomizations are the directories given with -f that hold a kustomization: read as
	// written, not as rendered (-k renders them).
	Kustomizations []string
}

// isKustomization reports whether dir holds a kustomization file.
func isKustomization(dir string) bool {
	for _, n := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		if st, err := os.Stat(filepath.Join(dir, n)); err == nil && st.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// HelmHint says how to lint a chart: render it first.
func HelmHint(dir string) string {
	return fmt.Sprintf("helm template alertmanager %s --set replicaCount=3 | kubectl amha lint -f -", dir)
}

// isChart reports whether dir is a Helm chart (it has a Chart.yaml).
func isChart(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, "Chart.yaml"))
	return err == nil && st.Mode().IsRegular()
}

// Read is ReadInputs that also names the Helm charts a directory walk left out. A chart
// named directly is an error that says how to render it.
func Read(paths []string, stdin io.Reader) (*Inputs, error) {
	res := &Inputs{}
	var out []Input
	for _, p := range paths {
		if p == "-" {
			b, err := readLimited(stdin, "<stdin>")
			if err != nil {
				return nil, err
			}
			out = append(out, Input{Name: "<stdin>", Data: b, Explicit: true})
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, &InputError{File: p, Err: errors.Unwrap(err)}
		}
		if !st.IsDir() {
			in, err := readFile(p)
			if err != nil {
				return nil, err
			}
			in.Explicit = true
			out = append(out, in)
			continue
		}
		if isKustomization(p) {
			res.Kustomizations = append(res.Kustomizations, p)
		}
		if isChart(p) {
			return nil, &InputError{File: p, Err: fmt.Errorf("a Helm chart: its templates are not YAML until rendered; lint what it renders: %s", HelmHint(p))}
		}
		var files []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if d.IsDir() && isChart(path) {
				res.Charts = append(res.Charts, path)
				return filepath.SkipDir
			}
			if d.Type().IsRegular() && lintable(d.Name()) && d.Name() != suppress.ConfigFile { // amha's own config is no input
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, &InputError{File: p, Err: err}
		}
		sort.Strings(files)
		for _, f := range files {
			in, err := readFile(f)
			if err != nil {
				return nil, err
			}
			out = append(out, in)
		}
	}
	res.Inputs = out
	return res, nil
}

func readFile(path string) (Input, error) {
	f, err := os.Open(path)
	if err != nil {
		return Input{}, &InputError{File: path, Err: errors.Unwrap(err)}
	}
	defer f.Close()
	b, err := readLimited(f, path)
	return Input{Name: path, Data: b}, err
}

func readLimited(r io.Reader, name string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxInputSize+1))
	if err != nil {
		return nil, &InputError{File: name, Err: err}
	}
	if len(b) > MaxInputSize {
		return nil, &InputError{File: name, Err: fmt.Errorf("larger than %d MiB; not a configuration file", MaxInputSize>>20)}
	}
	if err := textOnly(b); err != nil {
		return nil, &InputError{File: name, Err: err}
	}
	return b, nil
}

// textOnly refuses binary data: YAML and unit files are UTF-8 text without NUL bytes.
func textOnly(b []byte) error {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return fmt.Errorf("binary data (a NUL byte at offset %d); lint reads YAML, JSON and text files", i)
	}
	if !utf8.Valid(b) {
		return errors.New("not UTF-8 text; lint reads YAML, JSON and text files")
	}
	return nil
}
