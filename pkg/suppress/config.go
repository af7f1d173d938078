package suppress

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// ConfigFile is the config file read from the current directory when --config is not given.
const ConfigFile = ".amha.yaml"

// Config is amha's config file. It is small on purpose: the ids a team accepts everywhere.
//
//	disable:
//	  - k8s/pdb          # drains go one node at a time here
//	  - cluster/label-missing
type Config struct {
	Disable []string `yaml:"disable"`
}

// ReadConfig reads the config file at path; with explicit false a missing file is no config
// (the default .amha.yaml). Unknown fields and unknown ids are errors naming the file and line.
func ReadConfig(path string, explicit bool) (*Rules, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return &Rules{}, nil
		}
		return nil, err
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r := &Rules{}
	if len(doc.Content) == 0 {
		return r, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: want a mapping with disable: [ids]", path, root.Line)
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "disable" {
			return nil, fmt.Errorf("%s:%d: unknown field %q (the config file has disable: [ids] only)", path, k.Line, k.Value)
		}
		if v.Kind != yaml.SequenceNode {
			return nil, fmt.Errorf("%s:%d: disable: want a list of finding ids", path, v.Line)
		}
		for _, it := range v.Content {
			if it.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("%s:%d: disable: want a finding id", path, it.Line)
			}
			if err := Known(it.Value); err != nil {
				return nil, fmt.Errorf("%s:%d: disable: %w", path, it.Line, err)
			}
			r.Disable([]string{it.Value}, model.Suppression{By: ByConfig, Where: path})
		}
	}
	return r, nil
}
