// Package sinkimage is the layout of the drills' sink image, shared by the release
// (hack/sink.Dockerfile, checked by test/release), the rig that builds and runs it
// (test/e2e) and the Deployment that runs it (pkg/kube.SinkObjects).
package sinkimage

import "github.com/amha-dev/kubectl-amha/pkg/version"

const (
	// Repository is where a release publishes the image, tagged with the release's tag.
	Repository = "ghcr.io/amha-dev/kubectl-amha"
	// Binary is the static kubectl-amha in the image, its entrypoint; the Deployment runs
	// it with the arguments `sink ...`.
	Binary = "/bin/kubectl-amha"
	// UID is the image's user and the pod's runAsUser: nobody, not root.
	UID = 65534
	// User is UID as a Dockerfile USER (user:group) names it.
	User = "65534:65534"
)

// ForVersion is the image a release of version v published, or "" when v is no release
// (a development build, a pseudo-version, a dirty build).
func ForVersion(v string) string {
	if !version.IsRelease(v) {
		return ""
	}
	return Repository + ":" + v
}
