// Package ambuild builds real Alertmanager (and Prometheus) binaries from their pinned Go
// modules, once per version, into a cache outside the repository. Tests, the demo and the
// Kubernetes rig all use it, so there is exactly one way such a binary comes to exist here.
//
// Releases from 0.32 embed UI assets (ui/app/dist) that the module zip lacks; the build copies
// the module directory and adds a stub index.html. Binaries are static (CGO_ENABLED=0) so the
// same file runs on the host and inside a scratch container image.
package ambuild

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
)

// Versions are the Alertmanager releases amha is tested against: the oldest that builds
// with a plain go build and the newest release.
var Versions = []string{"v0.31.1", "v0.34.2"}

// Default is the version used where only one is needed (the demo, the rig's image).
const Default = "v0.31.1"

// PrometheusVersion is the Prometheus (Go module version of 3.x) the wiring tests run.
const PrometheusVersion = "v0.316.0"

// spec says how one program is built from its module.
type spec struct {
	name   string // cache directory and binary name
	module string
	pkg    string
	tags   string
	// flavour tells builds of one version with different tags apart in the cache.
	flavour string
	version string // the module version
	release string // the release the binary reports
}

var (
	alertmanager = spec{name: "alertmanager", module: "github.com/prometheus/alertmanager", pkg: "./cmd/alertmanager"}
	// Prometheus with only the service discovery Alertmanager wiring uses: static and file
	// (always built in), Kubernetes and DNS (plugins/plugin_*.go are built unless
	// remove_all_sd, or with enable_<name>_sd); without its web UI assets, which the module lacks.
	prometheus = spec{name: "prometheus", module: "github.com/prometheus/prometheus", pkg: "./cmd/prometheus",
		tags: "remove_all_sd,enable_kubernetes_sd,enable_dns_sd", flavour: "-sd-kubernetes-dns"}
)

var versionRE = regexp.MustCompile(`^v\d+\.\d+\.\d+$`)

// CacheDir is where amha keeps built artifacts: $AMHA_CACHE, else the user cache dir.
func CacheDir() (string, error) {
	if d := os.Getenv("AMHA_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory: set AMHA_CACHE: %w", err)
	}
	return filepath.Join(d, "amha"), nil
}

func (s spec) path() (string, error) {
	c, err := CacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(c, s.name, s.version+s.flavour, s.name), nil
}

// Ensure returns the path of a built Alertmanager of the given version, building it first if
// needed. Concurrent callers (parallel test packages) wait on a file lock.
func Ensure(ctx context.Context, version string, progress io.Writer) (string, error) {
	s := alertmanager
	s.version, s.release = version, strings.TrimPrefix(version, "v")
	return s.ensure(ctx, progress)
}

// EnsurePrometheus is Ensure for Prometheus at PrometheusVersion (module v0.316.0 is release 3.16.0).
func EnsurePrometheus(ctx context.Context, progress io.Writer) (string, error) {
	s := prometheus
	s.version = PrometheusVersion
	var minor, patch int
	fmt.Sscanf(PrometheusVersion, "v0.%d.%d", &minor, &patch)
	s.release = fmt.Sprintf("3.%d.%d", minor-300, patch)
	return s.ensure(ctx, progress)
}

func (s spec) ensure(ctx context.Context, progress io.Writer) (string, error) {
	version := s.version
	if !versionRE.MatchString(version) {
		return "", fmt.Errorf("%s version %q: want vMAJOR.MINOR.PATCH", s.name, version)
	}
	out, err := s.path()
	if err != nil {
		return "", err
	}
	if isExecutable(out) {
		return out, nil
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(out+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("lock %s: %w", lock.Name(), err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck
	if isExecutable(out) {
		return out, nil
	}
	if progress != nil {
		fmt.Fprintf(progress, "building %s %s from the Go module into %s\n", s.name, version, out)
	}
	if err := s.build(ctx, out); err != nil {
		return "", fmt.Errorf("build %s %s: %w", s.name, version, err)
	}
	return out, nil
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

func (s spec) build(ctx context.Context, out string) error {
	work, err := os.MkdirTemp("", "amha-ambuild-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	var dl struct{ Dir, Error string }
	js, err := goCmd(ctx, work, nil, "mod", "download", "-json", s.module+"@"+s.version)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(js, &dl); err != nil {
		return fmt.Errorf("go mod download: %w", err)
	}
	if dl.Error != "" {
		return fmt.Errorf("go mod download: %s", dl.Error)
	}
	src := filepath.Join(work, "src")
	if err := copyTree(dl.Dir, src); err != nil {
		return err
	}
	dist := filepath.Join(src, "ui", "app", "dist")
	if _, err := os.Stat(dist); s.name == "alertmanager" && os.IsNotExist(err) {
		if err := os.MkdirAll(dist, 0o755); err != nil {
			return err
		}
		stub := "<!DOCTYPE html><title>Alertmanager</title><p>UI assets are not part of the Go module; built for tests by amha.</p>\n"
		if err := os.WriteFile(filepath.Join(dist, "index.html"), []byte(stub), 0o644); err != nil {
			return err
		}
	}
	const v = "github.com/prometheus/common/version."
	ldflags := strings.Join([]string{
		"-s", "-w",
		"-X", v + "Version=" + s.release,
		"-X", v + "Revision=module",
		"-X", v + "Branch=module",
		"-X", v + "BuildUser=amha",
	}, " ")
	tmp := out + ".tmp"
	env := []string{"CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GOWORK=off"}
	args := []string{"build", "-trimpath", "-ldflags", ldflags, "-o", tmp}
	if s.tags != "" {
		args = append(args, "-tags", s.tags)
	}
	if _, err := goCmd(ctx, src, env, append(args, s.pkg)...); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}

func goCmd(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, tail(stderr.String(), 2000))
	}
	return b, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// copyTree copies the read-only module directory into a writable tree.
func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
}
