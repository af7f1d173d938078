package lint

import (
	"fmt"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// KustomizeName is the input name of a rendered kustomization: its findings' lines are lines
// of `kubectl kustomize DIR`.
func KustomizeName(dir string) string { return "kustomize " + dir }

// ReadKustomize renders the kustomization in dir as `kubectl kustomize DIR` does (kustomize's
// krusty with kubectl's default options: no plugins, no remote loading beyond what kustomize
// itself allows) and returns the result as one input.
func ReadKustomize(dir string) (Input, error) {
	opts := krusty.MakeDefaultOptions()
	m, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return Input{}, &InputError{File: dir, Err: fmt.Errorf("kustomize: %w", err)}
	}
	b, err := m.AsYaml()
	if err != nil {
		return Input{}, &InputError{File: dir, Err: fmt.Errorf("kustomize: %w", err)}
	}
	if len(b) > MaxInputSize {
		return Input{}, &InputError{File: dir, Err: fmt.Errorf("kustomize renders more than %d MiB", MaxInputSize>>20)}
	}
	return Input{Name: KustomizeName(dir), Data: b, Explicit: true}, nil
}
