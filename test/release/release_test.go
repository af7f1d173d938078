// Package release checks that the krew manifest and the goreleaser archives agree.
package release

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/amha-dev/kubectl-amha/internal/ptytest"
)

// archiveFile is an entry of goreleaser's archives.files: a path, or src and its options.
type archiveFile struct {
	Src         string `yaml:"src"`
	StripParent bool   `yaml:"strip_parent"`
}

func (f *archiveFile) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		f.Src = n.Value
		return nil
	}
	type plain archiveFile
	return n.Decode((*plain)(f))
}

// goreleaserConfig is the part of .goreleaser.yaml the tests read.
type goreleaserConfig struct {
	ProjectName string `yaml:"project_name"`
	Before      struct {
		Hooks []string `yaml:"hooks"`
	} `yaml:"before"`
	Builds []struct {
		ID     string   `yaml:"id"`
		Binary string   `yaml:"binary"`
		Env    []string `yaml:"env"`
		Flags  []string `yaml:"flags"`
		Tags   []string `yaml:"tags"`
		GOOS   []string `yaml:"goos"`
		GOARCH []string `yaml:"goarch"`
	} `yaml:"builds"`
	Archives []struct {
		NameTemplate string        `yaml:"name_template"`
		Files        []archiveFile `yaml:"files"`
	} `yaml:"archives"`
	Dockers []struct {
		IDs        []string `yaml:"ids"`
		Dockerfile string   `yaml:"dockerfile"`
		Images     []string `yaml:"images"`
		Tags       []string `yaml:"tags"`
		Platforms  []string `yaml:"platforms"`
	} `yaml:"dockers_v2"`
}

func readGoreleaser(t *testing.T) goreleaserConfig {
	t.Helper()
	gr, err := os.ReadFile("../../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg goreleaserConfig
	if err := yaml.Unmarshal(gr, &cfg); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	if len(cfg.Builds) != 1 || len(cfg.Archives) != 1 {
		t.Fatalf(".goreleaser.yaml: %d builds, %d archives; the tests read one of each", len(cfg.Builds), len(cfg.Archives))
	}
	return cfg
}

func TestKrewManifestMatchesGoreleaser(t *testing.T) {
	cfg := readGoreleaser(t)
	if cfg.Builds[0].Binary != "kubectl-amha" {
		t.Fatalf("binary %q: kubectl finds plugins named kubectl-<name>", cfg.Builds[0].Binary)
	}
	// The tests measure the binary as ptytest builds it: the release must be built the same.
	if tags := strings.Join(cfg.Builds[0].Tags, ","); tags != ptytest.ReleaseTags {
		t.Errorf("goreleaser builds with tags %q, the tests with %q", tags, ptytest.ReleaseTags)
	}
	if !slices.Contains(cfg.Builds[0].Env, "CGO_ENABLED=0") {
		t.Errorf("goreleaser env %v: releases are static (CGO_ENABLED=0), as the tests build them", cfg.Builds[0].Env)
	}
	krew, err := os.ReadFile("../../.krew.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The template's {{ addURIAndSha ... }} lines become uri+sha256; replace them to parse.
	addURI := regexp.MustCompile(`\{\{ addURIAndSha "([^"]+)" \.TagName \}\}`)
	var uris []string
	text := addURI.ReplaceAllStringFunc(string(krew), func(m string) string {
		u := addURI.FindStringSubmatch(m)[1]
		uris = append(uris, u)
		return "uri: " + strings.ReplaceAll(u, "{{ .TagName }}", "v0.0.0") + "\n    sha256: x"
	})
	text = strings.ReplaceAll(text, "{{ .TagName }}", "v0.0.0")
	var plugin struct {
		Metadata struct{ Name string }
		Spec     struct {
			Platforms []struct {
				Selector struct {
					MatchLabels map[string]string `yaml:"matchLabels"`
				}
				URI   string
				Bin   string
				Files []struct{ From, To string }
			}
		}
	}
	if err := yaml.Unmarshal([]byte(text), &plugin); err != nil {
		t.Fatalf(".krew.yaml: %v\n%s", err, text)
	}
	if plugin.Metadata.Name != "amha" {
		t.Fatalf("plugin name %q", plugin.Metadata.Name)
	}
	var want []string
	for _, os := range cfg.Builds[0].GOOS {
		for _, arch := range cfg.Builds[0].GOARCH {
			want = append(want, os+"/"+arch)
		}
	}
	var got []string
	for _, p := range plugin.Spec.Platforms {
		osName, arch := p.Selector.MatchLabels["os"], p.Selector.MatchLabels["arch"]
		got = append(got, osName+"/"+arch)
		ext := ".tar.gz"
		bin := "kubectl-amha"
		if osName == "windows" {
			ext, bin = ".zip", "kubectl-amha.exe"
		}
		archive := strings.NewReplacer("{{ .ProjectName }}", cfg.ProjectName, "{{ .Tag }}", "v0.0.0", "{{ .Os }}", osName, "{{ .Arch }}", arch).
			Replace(cfg.Archives[0].NameTemplate) + ext
		if !strings.HasSuffix(p.URI, "/"+archive) {
			t.Errorf("%s/%s: krew uri %s does not name the goreleaser archive %s", osName, arch, p.URI, archive)
		}
		if p.Bin != bin {
			t.Errorf("%s/%s: bin %q, want %q", osName, arch, p.Bin, bin)
		}
		// krew installs only the files listed: the binary and the completion script at the root.
		complete := map[string]string{"windows": "kubectl_complete-amha.cmd"}[osName]
		if complete == "" {
			complete = "kubectl_complete-amha"
		}
		installed := map[string]bool{}
		for _, f := range p.Files {
			if f.To == "." {
				installed[f.From] = true
			}
		}
		for _, want := range []string{bin, complete} {
			if !installed[want] {
				t.Errorf("%s/%s: krew files %v do not install %s", osName, arch, p.Files, want)
			}
		}
	}
	// Every archive carries both completion scripts at its root, where krew's files take them.
	var shipped []string
	for _, f := range cfg.Archives[0].Files {
		if f.StripParent {
			m, _ := filepath.Glob(filepath.Join("../..", f.Src))
			for _, p := range m {
				shipped = append(shipped, filepath.Base(p))
			}
		}
	}
	for _, s := range []string{"kubectl_complete-amha", "kubectl_complete-amha.cmd"} {
		if !slices.Contains(shipped, s) {
			t.Errorf("the archives do not carry %s at their root (files with strip_parent: %v)", s, shipped)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("krew platforms %v, goreleaser builds %v", got, want)
	}
}

// TestReleaseLinksNoGoPlugins: with the "plugin" package linked, the Go linker exports every
// symbol and keeps every exported method (88 MB instead of 61, ~30 MiB more resident). A
// dependency update that links it again, under the release tags, fails here.
func TestReleaseLinksNoGoPlugins(t *testing.T) {
	for _, goos := range []string{"linux", "darwin", "windows"} {
		cmd := exec.Command("go", "list", "-deps", "-tags="+ptytest.ReleaseTags, "github.com/amha-dev/kubectl-amha/cmd/kubectl-amha")
		cmd.Env = append(os.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list (%s): %v", goos, err)
		}
		if slices.Contains(strings.Fields(string(out)), "plugin") {
			t.Errorf("%s: the release links package plugin; find the importer with `go list -deps -f '{{.ImportPath}}: {{.Imports}}' -tags=%s ./cmd/kubectl-amha | grep ' plugin'`", goos, ptytest.ReleaseTags)
		}
	}
}

// TestCompletionScript: kubectl runs kubectl_complete-amha with the words after "amha" (the last
// one empty when completing a new word); the script hands each, as it is, to kubectl-amha's
// __complete, found on PATH.
func TestCompletionScript(t *testing.T) {
	script, err := filepath.Abs("../../hack/kubectl_complete-amha")
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(script); err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("%s: %v, mode %v: kubectl runs it, so it must be executable", script, err, fi)
	}
	bin := t.TempDir()
	// A kubectl-amha that prints each argument on a line of its own, between brackets.
	fake := "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]\\n' \"$a\"; done\n"
	if err := os.WriteFile(filepath.Join(bin, "kubectl-amha"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(script, "status", "-n", "two words", "")
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	if want := "[__complete]\n[status]\n[-n]\n[two words]\n[]\n"; string(out) != want {
		t.Errorf("kubectl-amha got\n%s\nwant\n%s", out, want)
	}
	cmdScript, err := os.ReadFile("../../hack/kubectl_complete-amha.cmd")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cmdScript), "\r\nkubectl-amha.exe __complete %*\r\n") {
		t.Errorf("kubectl_complete-amha.cmd does not pass its arguments to kubectl-amha.exe __complete:\n%s", cmdScript)
	}
}
