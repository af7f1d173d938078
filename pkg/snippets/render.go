package snippets

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// Report is the -o json|yaml form (kind SnippetsReport): the description, the timing inputs, the snippets and,
// when the scenarios snippet is among them, the scenarios as data.
type Report struct {
	Cluster   Spec              `json:"cluster"`
	Timing    TimingInputs      `json:"timing"`
	Snippets  []Snippet         `json:"snippets"`
	Scenarios []timing.Scenario `json:"scenarios,omitempty"`
}

// TimingInputs are the timing model's inputs as the report states them.
type TimingInputs struct {
	PeerTimeout       model.Duration `json:"peerTimeout"`
	GroupWait         model.Duration `json:"groupWait"`
	GroupInterval     model.Duration `json:"groupInterval"`
	RepeatInterval    model.Duration `json:"repeatInterval"`
	ReceiverLatency   model.Duration `json:"receiverLatency"`
	PersistentStorage bool           `json:"persistentStorage"`
}

// NewReport builds the report of the selected snippets.
func NewReport(s Spec, selected []Snippet) (Report, error) {
	p := s.Params()
	r := Report{
		Cluster: s,
		Timing: TimingInputs{
			PeerTimeout: model.Duration(p.PeerTimeout), GroupWait: model.Duration(p.GroupWait),
			GroupInterval: model.Duration(p.GroupInterval), RepeatInterval: model.Duration(p.RepeatInterval),
			ReceiverLatency: model.Duration(p.ReceiverLatency), PersistentStorage: p.PersistentStorage,
		},
		Snippets: selected,
	}
	for _, sn := range selected {
		if sn.ID == "scenarios" {
			ss, err := timing.Scenarios(p)
			if err != nil {
				return Report{}, err
			}
			r.Scenarios = ss
		}
	}
	return r, nil
}

// WriteText prints each snippet under a header naming its id and file.
func WriteText(w io.Writer, selected []Snippet) error {
	var b strings.Builder
	for i, sn := range selected {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "#### %s: %s (%s)\n\n", sn.ID, sn.Title, sn.File)
		b.WriteString(sn.Content)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteFiles writes each snippet to dir/<file> (creating dir), all or nothing: every file is
// first written to a staging directory inside dir, then renamed into place; on any error the
// staging directory, the files already moved and a dir this call created are removed.
// Existing files of the same names are replaced. It returns the paths written.
func WriteFiles(dir string, selected []Snippet) (paths []string, err error) {
	if dir == "" {
		return nil, errors.New("no directory")
	}
	created := false
	if fi, statErr := os.Stat(dir); statErr == nil && !fi.IsDir() {
		return nil, fmt.Errorf("%s is a file, not a directory", dir)
	} else if errors.Is(statErr, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		created = true
	}
	stage, err := os.MkdirTemp(dir, ".amha-snippets-")
	if err != nil {
		if created {
			os.RemoveAll(dir)
		}
		return nil, err
	}
	var moved []string
	defer func() {
		os.RemoveAll(stage)
		if err == nil {
			return
		}
		for _, p := range moved {
			os.Remove(p)
		}
		if created {
			os.RemoveAll(dir)
		}
		paths = nil
	}()
	for _, sn := range selected {
		if sn.File != filepath.Base(sn.File) {
			return nil, fmt.Errorf("snippet %s: file name %q is not a plain name", sn.ID, sn.File)
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(sn.File, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(filepath.Join(stage, sn.File), []byte(sn.Content), mode); err != nil {
			return nil, err
		}
	}
	for _, sn := range selected {
		dst := filepath.Join(dir, sn.File)
		if fi, err := os.Stat(dst); err == nil && fi.IsDir() {
			return nil, fmt.Errorf("%s is a directory", dst)
		}
	}
	for _, sn := range selected {
		dst := filepath.Join(dir, sn.File)
		if err := os.Rename(filepath.Join(stage, sn.File), dst); err != nil {
			return nil, err
		}
		moved = append(moved, dst)
	}
	return moved, nil
}
