// Package rbacdoc reads the Roles of docs/rbac.md, so that the tests bind exactly what the
// page shows and the page cannot drift from what the commands use.
package rbacdoc

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// Doc is the Roles and ClusterRoles of the page, by name.
type Doc struct {
	Roles        map[string]rbacv1.Role
	ClusterRoles map[string]rbacv1.ClusterRole
}

var yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// Read parses every YAML block of the Markdown file at path.
func Read(path string) (Doc, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Doc{}, err
	}
	d := Doc{Roles: map[string]rbacv1.Role{}, ClusterRoles: map[string]rbacv1.ClusterRole{}}
	for _, m := range yamlBlock.FindAllStringSubmatch(string(b), -1) {
		for _, doc := range strings.Split(m[1], "\n---\n") {
			var kind struct{ Kind string }
			if err := yaml.Unmarshal([]byte(doc), &kind); err != nil {
				return Doc{}, fmt.Errorf("%s: %w\n%s", path, err, doc)
			}
			switch kind.Kind {
			case "Role":
				var r rbacv1.Role
				if err := yaml.UnmarshalStrict([]byte(doc), &r); err != nil {
					return Doc{}, fmt.Errorf("%s: %w", path, err)
				}
				d.Roles[r.Name] = r
			case "ClusterRole":
				var r rbacv1.ClusterRole
				if err := yaml.UnmarshalStrict([]byte(doc), &r); err != nil {
					return Doc{}, fmt.Errorf("%s: %w", path, err)
				}
				d.ClusterRoles[r.Name] = r
			}
		}
	}
	return d, nil
}

// ReadRoles reads the page at path and returns its Roles of those names, in that order; an
// error when one is missing.
func ReadRoles(path string, names ...string) ([]rbacv1.Role, error) {
	d, err := Read(path)
	if err != nil {
		return nil, err
	}
	out := make([]rbacv1.Role, len(names))
	for i, n := range names {
		r, ok := d.Roles[n]
		if !ok {
			return nil, fmt.Errorf("%s has no Role %s", path, n)
		}
		out[i] = r
	}
	return out, nil
}

// Grants reports whether rules allow verb on resource ("pods" or "pods/exec") of group.
func Grants(rules []rbacv1.PolicyRule, verb, group, resource string) bool {
	has := func(list []string, s string) bool {
		for _, v := range list {
			if v == s || v == rbacv1.VerbAll {
				return true
			}
		}
		return false
	}
	for _, r := range rules {
		if has(r.Verbs, verb) && has(r.APIGroups, group) && has(r.Resources, resource) {
			return true
		}
	}
	return false
}
