package release

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/amha-dev/kubectl-amha/internal/sinkimage"
	"github.com/amha-dev/kubectl-amha/pkg/kube"
)

// workflow is the part of a GitHub Actions workflow the tests read.
type workflow struct {
	On struct {
		Push struct {
			Tags []string `yaml:"tags"`
		} `yaml:"push"`
	} `yaml:"on"`
	Jobs map[string]struct {
		Steps []struct {
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

var (
	pinnedAction = regexp.MustCompile(`^[\w.-]+/[\w.-]+@[0-9a-f]{40}$`)
	exactVersion = regexp.MustCompile(`^v\d+\.\d+\.\d+$`)
)

// TestReleaseWorkflow: a pushed tag runs goreleaser (a pinned action, a pinned version) and
// then krew-release-bot with a template that exists; every action is pinned to a commit.
func TestReleaseWorkflow(t *testing.T) {
	b, err := os.ReadFile("../../.github/workflows/release.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatalf("release.yaml: %v", err)
	}
	if len(wf.On.Push.Tags) == 0 {
		t.Errorf("release.yaml does not run on a pushed tag")
	}
	goreleaser, bot := -1, -1
	for job, j := range wf.Jobs {
		for i, s := range j.Steps {
			if strings.Contains(s.Run, "go mod tidy") {
				t.Errorf("job %s step %d runs go mod tidy: a release builds from the committed go.sum", job, i)
			}
			if s.Uses == "" {
				continue
			}
			if !pinnedAction.MatchString(strings.Fields(s.Uses)[0]) {
				t.Errorf("job %s step %d: %q is not pinned to a commit", job, i, s.Uses)
			}
			switch {
			case strings.HasPrefix(s.Uses, "goreleaser/goreleaser-action@"):
				goreleaser = i
				if v := s.With["version"]; !exactVersion.MatchString(v) {
					t.Errorf("goreleaser version %q: pin one (vX.Y.Z)", v)
				}
				if !strings.HasPrefix(s.With["args"], "release") {
					t.Errorf("goreleaser args %q: the workflow publishes a release", s.With["args"])
				}
			case strings.HasPrefix(s.Uses, "rajatjindal/krew-release-bot@"):
				bot = i
				tmpl := s.With["krew_template_file"]
				if tmpl == "" {
					tmpl = ".krew.yaml" // the bot's default, relative to the workspace
				}
				if _, err := os.Stat(filepath.Join("../..", tmpl)); err != nil {
					t.Errorf("krew-release-bot reads %s: %v", tmpl, err)
				}
			}
		}
	}
	if goreleaser < 0 || bot < 0 || bot < goreleaser {
		t.Errorf("release.yaml: goreleaser at step %d, krew-release-bot at %d: the bot renders the manifest from the archives goreleaser published, so it runs after", goreleaser, bot)
	}
}

// TestGoreleaserConfig: the release builds from the committed go.sum, statically, and its sink
// image has the layout the rig builds and runs (internal/sinkimage): from scratch (no shell),
// the binary as /bin/kubectl-amha its entrypoint, a non-root user, for linux amd64 and arm64.
func TestGoreleaserConfig(t *testing.T) {
	cfg := readGoreleaser(t)
	for _, h := range cfg.Before.Hooks {
		if strings.Contains(h, "go mod tidy") {
			t.Errorf("before hook %q: a release builds from the committed go.mod and go.sum", h)
		}
	}
	if !slices.Contains(cfg.Before.Hooks, "go mod verify") {
		t.Errorf("before hooks %v: go mod verify checks the modules against the committed go.sum", cfg.Before.Hooks)
	}
	if !slices.Contains(cfg.Builds[0].Flags, "-mod=readonly") {
		t.Errorf("build flags %v: -mod=readonly, so that a go.sum short of an entry fails the release", cfg.Builds[0].Flags)
	}
	if len(cfg.Dockers) != 1 {
		t.Fatalf("dockers_v2: %d images, want the sink's", len(cfg.Dockers))
	}
	d := cfg.Dockers[0]
	if !slices.Contains(d.IDs, cfg.Builds[0].ID) {
		t.Errorf("dockers_v2 ids %v do not take the build %q", d.IDs, cfg.Builds[0].ID)
	}
	for _, p := range []string{"linux/amd64", "linux/arm64"} {
		if !slices.Contains(d.Platforms, p) || !slices.Contains(cfg.Builds[0].GOOS, "linux") || !slices.Contains(cfg.Builds[0].GOARCH, strings.TrimPrefix(p, "linux/")) {
			t.Errorf("the sink image is not built for %s (platforms %v)", p, d.Platforms)
		}
	}
	// drill's --sink-image of a release is Repository:<its tag> (sinkimage.ForVersion).
	if !slices.Contains(d.Images, sinkimage.Repository) || !slices.Contains(d.Tags, "{{ .Tag }}") {
		t.Errorf("dockers_v2 images %v tags %v: a release publishes %s:<tag>, the image its drills run", d.Images, d.Tags, sinkimage.Repository)
	}
	df, err := os.ReadFile(filepath.Join("../..", d.Dockerfile))
	if err != nil {
		t.Fatal(err)
	}
	inst := map[string][]string{}
	for _, line := range strings.Split(string(df), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		inst[strings.ToUpper(f[0])] = append(inst[strings.ToUpper(f[0])], strings.Join(f[1:], " "))
	}
	if from := inst["FROM"]; !slices.Equal(from, []string{"scratch"}) {
		t.Errorf("%s: FROM %v, want scratch alone: no shell, nothing but the static binary", d.Dockerfile, from)
	}
	if run := inst["RUN"]; len(run) > 0 {
		t.Errorf("%s: RUN %v: the image has no shell to run it", d.Dockerfile, run)
	}
	if user := inst["USER"]; !slices.Equal(user, []string{sinkimage.User}) {
		t.Errorf("%s: USER %v, want %s (not root; the Deployment's runAsUser)", d.Dockerfile, user, sinkimage.User)
	}
	if cp := inst["COPY"]; len(cp) != 1 || !strings.HasSuffix(cp[0], "$TARGETPLATFORM/"+cfg.Builds[0].Binary+" "+sinkimage.Binary) {
		t.Errorf("%s: COPY %v, want the platform's %s as %s", d.Dockerfile, cp, cfg.Builds[0].Binary, sinkimage.Binary)
	}
	var entry []string
	if e := inst["ENTRYPOINT"]; len(e) != 1 || json.Unmarshal([]byte(e[0]), &entry) != nil || !slices.Equal(entry, []string{sinkimage.Binary}) {
		t.Errorf("%s: ENTRYPOINT %v, want [%q] (the Deployment passes `sink ...` as its arguments)", d.Dockerfile, inst["ENTRYPOINT"], sinkimage.Binary)
	}
}

// TestSinkDeploymentRunsTheImage: the drill's Deployment runs the image as it is laid out: its
// entrypoint with `sink ...` as arguments, as the image's non-root user, on a read-only root
// filesystem (the image has nothing to write).
func TestSinkDeploymentRunsTheImage(t *testing.T) {
	dep, _ := kube.SinkObjects(kube.DrillObject{Namespace: "ns", Run: "r"}, sinkimage.ForVersion("v0.1.0"))
	pod := dep.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.Image != sinkimage.Repository+":v0.1.0" || len(c.Command) != 0 || len(c.Args) == 0 || c.Args[0] != "sink" {
		t.Errorf("image %s command %v args %v: want the image's entrypoint (%s) run as `sink ...`", c.Image, c.Command, c.Args, sinkimage.Binary)
	}
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("the sink's root filesystem is not read-only: %+v", sc)
	}
	if u := pod.SecurityContext.RunAsUser; u == nil || *u != sinkimage.UID || *u == 0 {
		t.Errorf("runAsUser %v, want the image's user %d", u, sinkimage.UID)
	}
}
