package lint

import (
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"
)

// LiveObject is an object read from a running cluster. Typed client-go objects come without
// their TypeMeta, so the kind is given alongside.
type LiveObject struct {
	APIVersion, Kind string
	Object           any
}

// LiveSet builds a Set from live objects and the configuration text the replicas run
// (config.original of /api/v2/status; "" when unknown). Locations are the object and field
// path: live objects have no file.
func LiveSet(objs []LiveObject, amConfig string) (*Set, error) {
	s := &Set{Live: true}
	for _, lo := range objs {
		b, err := json.Marshal(lo.Object)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", lo.Kind, err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", lo.Kind, err)
		}
		m["apiVersion"], m["kind"] = lo.APIVersion, lo.Kind
		if md, ok := m["metadata"].(map[string]any); ok {
			delete(md, "managedFields")
		}
		var n yaml.Node
		if err := n.Encode(m); err != nil {
			return nil, fmt.Errorf("%s: %w", lo.Kind, err)
		}
		if err := s.addObject(Input{Name: ""}, Node{N: &n, Live: true}); err != nil {
			return nil, fmt.Errorf("%s: %w", lo.Kind, err)
		}
	}
	if amConfig != "" {
		var d yaml.Node
		if err := yaml.Unmarshal([]byte(amConfig), &d); err == nil {
			root := Node{N: resolveAlias(&d), Live: true, Object: "running configuration", Path: ""}
			if root.N != nil && root.N.Kind == yaml.MappingNode {
				s.AMConfigs = append(s.AMConfigs, &AMConfig{Name: "running configuration", Raw: amConfig, Root: root})
			}
		}
	}
	s.deriveWorkloads()
	return s, nil
}
