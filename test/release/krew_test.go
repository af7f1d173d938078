package release

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"github.com/amha-dev/kubectl-amha/internal/ambuild"
	"github.com/amha-dev/kubectl-amha/internal/ptytest"
)

// krewVersion is the krew whose validator (and installer) check the rendered manifest.
const krewVersion = "v0.4.3"

// krewTool builds sigs.k8s.io/krew's cmd/name once into the cache and returns its path.
func krewTool(t *testing.T, name string) string {
	t.Helper()
	c, err := ambuild.CacheDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(c, "krew", krewVersion)
	bin := filepath.Join(dir, name)
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	cmd := exec.Command("go", "install", "sigs.k8s.io/krew/cmd/"+name+"@"+krewVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=", "GOWORK=off")
	cmd.Dir = t.TempDir() // outside this module: krew's own go.mod decides its dependencies
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building krew's %s %s from the module proxy: %v\n%s", name, krewVersion, err, out)
	}
	return bin
}

// releaseArchives makes the archive set a release makes, in dir: for each platform of
// .goreleaser.yaml, the archive of its name template and format holding the binary, LICENSE,
// README.md and the completion scripts at the root. The binary is this machine's build (a
// release cross-compiles; the manifest only sees names and checksums). It returns each
// archive's sha256 by file name.
func releaseArchives(t *testing.T, dir, tag string) map[string]string {
	t.Helper()
	cfg := readGoreleaser(t)
	built := ptytest.Build(t)
	bin, err := os.ReadFile(built)
	if err != nil {
		t.Fatal(err)
	}
	// Static, as the sink image (from scratch, no libc) needs it: no ELF interpreter.
	if f, err := elf.Open(built); err == nil {
		if f.Section(".interp") != nil {
			t.Errorf("%s is dynamically linked: the release (CGO_ENABLED=0) and its scratch image need it static", built)
		}
		f.Close()
	}
	var extra []string // paths relative to the repository root, stored under their base name
	for _, f := range cfg.Archives[0].Files {
		m, err := filepath.Glob(filepath.Join("../..", f.Src))
		if err != nil || len(m) == 0 {
			t.Fatalf("archive file %q matches nothing", f.Src)
		}
		if len(m) > 1 && !f.StripParent {
			t.Fatalf("archive file %q: several files kept under their directory; this test stores base names", f.Src)
		}
		extra = append(extra, m...)
	}
	sums := map[string]string{}
	for _, goos := range cfg.Builds[0].GOOS {
		for _, arch := range cfg.Builds[0].GOARCH {
			name := strings.NewReplacer("{{ .ProjectName }}", cfg.ProjectName, "{{ .Tag }}", tag, "{{ .Os }}", goos, "{{ .Arch }}", arch).
				Replace(cfg.Archives[0].NameTemplate)
			files := map[string][]byte{}
			exe := cfg.Builds[0].Binary
			if goos == "windows" {
				exe += ".exe"
			}
			files[exe] = bin
			for _, p := range extra {
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				files[filepath.Base(p)] = b
			}
			var buf bytes.Buffer
			if goos == "windows" {
				name += ".zip"
				zipArchive(t, &buf, files)
			} else {
				name += ".tar.gz"
				tarArchive(t, &buf, files)
			}
			if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			s := sha256.Sum256(buf.Bytes())
			sums[name] = hex.EncodeToString(s[:])
		}
	}
	return sums
}

func tarArchive(t *testing.T, w io.Writer, files map[string][]byte) {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	for name, b := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
}

func zipArchive(t *testing.T, w io.Writer, files map[string][]byte) {
	zw := zip.NewWriter(w)
	for name, b := range files {
		f, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

// renderKrew renders .krew.yaml as krew-release-bot does: text/template over the file with
// {TagName}, where addURIAndSha(url, tag) renders url with the tag and writes its uri and
// the sha256 of the archive it names (the bot downloads it; here it is in sums).
func renderKrew(t *testing.T, tag string, sums map[string]string) []byte {
	t.Helper()
	funcs := template.FuncMap{
		"addURIAndSha": func(url, tag string) (string, error) {
			var u strings.Builder
			if err := template.Must(template.New("url").Parse(url)).Execute(&u, struct{ TagName string }{tag}); err != nil {
				return "", err
			}
			sum, ok := sums[path.Base(u.String())]
			if !ok {
				return "", fmt.Errorf("%s: the release has no such archive", u.String())
			}
			return "uri: " + u.String() + "\n    sha256: " + sum, nil
		},
	}
	tmpl, err := template.New(".krew.yaml").Funcs(funcs).ParseFiles("../../.krew.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, struct{ TagName string }{tag}); err != nil {
		t.Fatalf("rendering .krew.yaml: %v", err)
	}
	return out.Bytes()
}

// TestKrewManifestValidates renders .krew.yaml for a tag over a locally made archive set and
// checks it with krew's own validate-krew-manifest (structure, platforms, no overlap), then
// installs it with krew for each of its platforms from that platform's archive (krew checks
// the sha256, extracts the files listed, and the validator's rule that a LICENSE lands).
func TestKrewManifestValidates(t *testing.T) {
	validator := krewTool(t, "validate-krew-manifest")
	krew := krewTool(t, "krew")
	const tag = "v0.9.1"
	dir := t.TempDir()
	sums := releaseArchives(t, dir, tag)
	manifest := filepath.Join(dir, "amha.yaml") // krew requires <plugin name>.yaml
	rendered := renderKrew(t, tag, sums)
	if err := os.WriteFile(manifest, rendered, 0o644); err != nil {
		t.Fatal(err)
	}
	// The caveats link the RBAC page of the release, not of main.
	if !bytes.Contains(rendered, []byte("/blob/"+tag+"/docs/rbac.md")) || bytes.Contains(rendered, []byte("/blob/main/")) {
		t.Errorf("the manifest does not link docs/rbac.md at %s:\n%s", tag, rendered)
	}
	if out, err := exec.Command(validator, "-manifest", manifest, "-skip-install").CombinedOutput(); err != nil {
		m, _ := os.ReadFile(manifest)
		t.Fatalf("validate-krew-manifest: %v\n%s\n%s", err, out, m)
	}
	for name := range sums {
		parts := strings.Split(strings.TrimSuffix(strings.TrimSuffix(name, ".zip"), ".tar.gz"), "_")
		goos, arch := parts[len(parts)-2], parts[len(parts)-1]
		t.Run(goos+"/"+arch, func(t *testing.T) {
			root := t.TempDir()
			cmd := exec.Command(krew, "install", "--manifest", manifest, "--archive", filepath.Join(dir, name), "--no-update-index")
			cmd.Env = append(os.Environ(), "KREW_ROOT="+root, "KREW_OS="+goos, "KREW_ARCH="+arch, "KREW_NO_UPGRADE_CHECK=1")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("krew install: %v\n%s", err, out)
			}
			store := filepath.Join(root, "store", "amha", tag)
			complete := "kubectl_complete-amha"
			if goos == "windows" {
				complete += ".cmd"
			}
			for _, f := range []string{"LICENSE", complete} {
				if _, err := os.Stat(filepath.Join(store, f)); err != nil {
					t.Errorf("krew did not install %s: %v", f, err)
				}
			}
		})
	}
}
