# kubectl-amha: build, demo and tests. Everything slow is cached outside the repo
# ($AMHA_CACHE, default ~/.cache/amha; Go's own caches).
GO ?= go
BIN := bin/kubectl-amha
# As a release builds it (.goreleaser.yaml): without kustomize's Go-plugin loader.
TAGS := kustomize_disable_go_plugin_support
# What `kubectl amha --version` prints (pkg/version): the tag of HEAD when it has one (else the
# version Go reads from git, a pseudo-version, or dev), its commit and the commit's date.
VERSION ?= $(shell git describe --tags --exact-match --dirty 2>/dev/null)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE ?= $(shell git log -1 --format=%cI 2>/dev/null)
VPKG := github.com/amha-dev/kubectl-amha/pkg/version
LDFLAGS := -X $(VPKG).Version=$(VERSION) -X $(VPKG).Commit=$(COMMIT) -X $(VPKG).Date=$(DATE)

.PHONY: build demo test alertmanagers bench drill-repeat clean rig-build rig-up rig-down rig-status rig-smoke

build:
	$(GO) build -tags $(TAGS) -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/kubectl-amha

# Builds Alertmanager from the pinned module (once), starts a local 3-replica cluster with a
# typical fault, runs `kubectl amha status` on it and tears everything down.
demo: build
	$(GO) run ./hack/demo --amha $(BIN)

# Alertmanager binaries for the tests (built once per version into the cache).
alertmanagers:
	$(GO) run ./hack/ambuild -prometheus

# Everything: vet, unit, real replicas, and the Kubernetes end-to-end tests on the rig
# (brought up and down around the run; needs root). AMHA_SKIP_RIG=1 leaves the rig out.
test:
	bash hack/test.sh

# Every drill N times on one rig cluster (default 10), with the table of verdicts and wall
# time against the inherent waits in $(DRILL_REPEAT_OUT). Not part of make test (about 2
# minutes a run).
N ?= 10
DRILL_REPEAT_OUT ?= drill-repeat.txt
drill-repeat:
	AMHA_DRILL_REPEAT=$(N) AMHA_DRILL_REPEAT_OUT=$(abspath $(DRILL_REPEAT_OUT)) bash hack/test.sh -count=1 -timeout 180m -v -run '^TestDrillRepeatOnRig$$' ./test/e2e

bench: alertmanagers
	$(GO) test -run '^$$' -bench . -benchtime 10x ./...

clean:
	rm -rf bin dist

# The single-node Kubernetes of the end-to-end tests (root; see test/rig/README.md).
rig-build:
	bash test/rig/rig.sh build
rig-up:
	bash test/rig/rig.sh up
rig-down:
	bash test/rig/rig.sh down
rig-status:
	bash test/rig/rig.sh status
rig-smoke:
	bash test/rig/smoke.sh
