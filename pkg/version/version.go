// Package version is what this binary knows of its own build: the release version, the commit
// and the date, set at link time (-ldflags -X, by .goreleaser.yaml and the Makefile), else read
// from the Go build information, else "dev" and "unknown". The docs links of findings are made
// at this version (DocsRef), so an old binary links to the pages it was built with.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Set at link time: -X github.com/amha-dev/kubectl-amha/pkg/version.Version=v0.1.0 (and Commit,
// Date). Empty means not set.
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info is one build's identity, as `kubectl amha version -o json` prints it.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Unknown stands for a commit or date the build did not record.
const Unknown = "unknown"

// Get is this binary's Info.
func Get() Info {
	i := Info{Version: Version, Commit: Commit, Date: Date, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	b := fromBuild()
	if i.Version == "" {
		i.Version = b.Version
	}
	if i.Commit == "" {
		i.Commit = b.Commit
	}
	if i.Date == "" {
		i.Date = b.Date
	}
	if i.Version == "" {
		i.Version = "dev"
	}
	if i.Commit == "" {
		i.Commit = Unknown
	}
	if i.Date == "" {
		i.Date = Unknown
	}
	return i
}

// fromBuild is what Go's build information says: the main module's version (a tag or
// pseudo-version when built from a module or with VCS stamping), the commit and its time. It is
// read once: every finding's docs link asks for the version.
var fromBuild = sync.OnceValue(func() Info {
	var i Info
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return i
	}
	if bi.Main.Version != "(devel)" {
		i.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			i.Commit = s.Value
		case "vcs.time":
			i.Date = s.Value
		}
	}
	return i
})

// String is the version alone ("v0.1.0", "dev").
func String() string { return Get().Version }

// Line is the one line of `kubectl amha --version`.
func (i Info) Line() string {
	return fmt.Sprintf("kubectl-amha %s (commit %s, date %s, %s %s)", i.Version, i.Commit, i.Date, i.GoVersion, i.Platform)
}

// DocsRef is the git ref whose docs describe version v: a release tag as it is ("v0.1.0"), the
// commit of a Go pseudo-version ("v0.0.0-20261205154249-0349af8abcde": 0349af8abcde), and main
// for a development build ("dev", or anything that names no published ref). A "-dirty" or
// "+dirty" suffix (a build with uncommitted changes) links to what it was built on.
func DocsRef(v string) string {
	v = strings.TrimSuffix(strings.TrimSuffix(v, "+dirty"), "-dirty")
	if !semver.IsValid(v) || semver.Build(v) != "" {
		return "main"
	}
	if module.IsPseudoVersion(v) {
		if rev, err := module.PseudoVersionRev(v); err == nil {
			return rev
		}
		return "main"
	}
	return v
}

// IsRelease tells whether v is a release tag ("v0.1.0", "v0.2.0-rc.1"): what a release build
// or `go install ...@v0.1.0` reports, not a pseudo-version, a dirty build or "dev".
func IsRelease(v string) bool {
	return semver.IsValid(v) && semver.Build(v) == "" && !module.IsPseudoVersion(v) && !strings.HasSuffix(v, "-dirty")
}
