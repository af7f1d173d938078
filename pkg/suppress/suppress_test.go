package suppress

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

func TestComment(t *testing.T) {
	for _, tc := range []struct {
		line string
		ids  []string
		ok   bool
		err  string
	}{
		{"# amha: ignore k8s/pdb", []string{"k8s/pdb"}, true, ""},
		{"#amha: ignore k8s/pdb,k8s/spread ; drains go one node at a time", []string{"k8s/pdb", "k8s/spread"}, true, ""},
		{"# amha: ignore k8s/pdb k8s/pdb", []string{"k8s/pdb"}, true, ""},
		// Near misses would accept nothing without a word: they are errors.
		{"# amha: ignored k8s/pdb", nil, true, "is no amha directive"},
		{"# amha:ignore k8s/pdb", nil, true, "write # amha: ignore ID"},
		{"# amha: disable k8s/pdb", nil, true, "is no amha directive"},
		{"# Source: alertmanager/templates/statefulset.yaml", nil, false, ""},
		{"# amha: alternative alertmanager/statefulset", nil, false, ""},
		{"# amha: ignore", nil, true, "no finding id"},
		{"# amha: ignore k8s/pbd", nil, true, `unknown finding id "k8s/pbd"`},
		{"# amha: ignore nope/x", nil, true, "areas: mesh, prometheus, cluster, k8s, config"},
	} {
		ids, ok, err := Comment(tc.line)
		if ok != tc.ok || !slices.Equal(ids, tc.ids) {
			t.Errorf("Comment(%q) = %v, %v; want %v, %v", tc.line, ids, ok, tc.ids, tc.ok)
		}
		if (err != nil) != (tc.err != "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Comment(%q) error = %v, want %q", tc.line, err, tc.err)
		}
	}
}

func TestApply(t *testing.T) {
	sts := model.Location{File: "am.yaml", Line: 12, Object: "StatefulSet mon/am", Path: "spec.replicas"}
	cm := model.Location{File: "am.yaml", Line: 40, Object: `ConfigMap mon/am data["alertmanager.yml"]`, Path: "route"}
	fs := []model.Finding{
		{ID: "k8s/pdb", Locations: []model.Location{sts}},
		{ID: "k8s/spread", Locations: []model.Location{sts}},
		{ID: "config/no-watchdog", Locations: []model.Location{cm}},
		{ID: "mesh/version-skew", Objects: []string{"am-0", "am-1"}},
		{ID: "k8s/storage", Objects: []string{"StatefulSet mon/am"}},
	}
	var r Rules
	r.Object("am.yaml", "StatefulSet mon/am", []string{"k8s/pdb", "k8s/storage"})
	r.Object("other.yaml", "StatefulSet mon/am", []string{"k8s/spread"}) // same name, another file
	r.Object("am.yaml", "ConfigMap mon/am", []string{"config/no-watchdog"})
	r.Lines("am.yaml", 11, 12, []string{"k8s/spread"}, "am.yaml:11")
	kept, sup := r.Apply(fs)
	var got []string
	for _, s := range sup {
		got = append(got, s.ID+" by "+s.SuppressedBy.String())
	}
	want := []string{
		"k8s/pdb by annotation on StatefulSet mon/am",
		"k8s/spread by comment at am.yaml:11",
		"config/no-watchdog by annotation on ConfigMap mon/am",
		"k8s/storage by annotation on StatefulSet mon/am",
	}
	if !slices.Equal(got, want) {
		t.Errorf("suppressed = %q, want %q", got, want)
	}
	if len(kept) != 1 || kept[0].ID != "mesh/version-skew" {
		t.Errorf("kept = %v, want mesh/version-skew only (it points at no object)", kept)
	}
	// The workload of a live cluster holds for its mesh findings too.
	r.Workload("StatefulSet mon/am", []string{"mesh/version-skew"})
	if kept, _ = r.Apply(fs); len(kept) != 0 {
		t.Errorf("kept = %v, want none", kept)
	}
	// A disabled id: everywhere, after the annotations and comments.
	var d Rules
	d.Disable([]string{"mesh/version-skew"}, model.Suppression{By: ByFlag, Where: "--disable"})
	if _, sup = d.Apply(fs); len(sup) != 1 || sup[0].SuppressedBy.String() != "--disable" {
		t.Errorf("--disable: %v", sup)
	}
}

func TestReadConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(text string) string {
		p := filepath.Join(dir, ".amha.yaml")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := write("# accepted by the team\ndisable:\n  - k8s/pdb # drains go one node at a time\n  - cluster/label-missing\n")
	r, err := ReadConfig(p, true)
	if err != nil {
		t.Fatal(err)
	}
	_, sup := r.Apply([]model.Finding{{ID: "k8s/pdb"}, {ID: "k8s/spread"}, {ID: "cluster/label-missing"}})
	if len(sup) != 2 || sup[0].SuppressedBy.String() != "config file "+p {
		t.Errorf("suppressed = %v", sup)
	}
	for text, want := range map[string]string{
		"disable:\n  - k8s/pdb\n  - k8s/pbd\n": `.amha.yaml:3: disable: unknown finding id "k8s/pbd"`,
		"disabled: [k8s/pdb]\n":                `.amha.yaml:1: unknown field "disabled"`,
		"disable: k8s/pdb\n":                   `.amha.yaml:1: disable: want a list`,
		"- k8s/pdb\n":                          `.amha.yaml:1: want a mapping`,
	} {
		if _, err := ReadConfig(write(text), true); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", text, err, want)
		}
	}
	if _, err := ReadConfig(filepath.Join(dir, "missing.yaml"), true); err == nil {
		t.Error("a missing --config file is no error")
	}
	if r, err := ReadConfig(filepath.Join(dir, "missing.yaml"), false); err != nil || r == nil {
		t.Errorf("a missing default config file: %v", err)
	}
}
