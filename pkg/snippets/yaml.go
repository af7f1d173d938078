package snippets

import (
	"encoding/json"
	"strings"

	"sigs.k8s.io/yaml"
)

// doc is one YAML document with the comment that explains it.
type doc struct {
	comment string
	obj     any
}

// documents marshals objects into a multi-document YAML stream, each preceded by its comment.
func documents(header string, docs ...doc) (string, error) {
	var b strings.Builder
	if header != "" {
		b.WriteString(comment(header, ""))
	}
	for i, d := range docs {
		if i > 0 || header != "" {
			b.WriteString("---\n")
		}
		y, err := marshal(d.obj)
		if err != nil {
			return "", err
		}
		if d.comment != "" {
			b.WriteString(comment(d.comment, ""))
		}
		b.Write(y)
	}
	return b.String(), nil
}

// marshal writes obj as YAML without the zero values k8s.io/api types carry: null fields,
// creationTimestamp and status, which describe a live object, not one to apply.
func marshal(obj any) ([]byte, error) {
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m any
	if err := json.Unmarshal(j, &m); err != nil {
		return nil, err
	}
	return yaml.Marshal(prune(m))
}

func prune(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if x == nil || k == "status" || k == "creationTimestamp" {
				delete(t, k)
				continue
			}
			t[k] = prune(x)
		}
	case []any:
		for i, x := range t {
			t[i] = prune(x)
		}
	}
	return v
}
