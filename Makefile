# kubectl-amha: build, demo and tests. Everything slow is cached outside the repo
# ($AMHA_CACHE, default ~/.cache/amha; Go's own caches).
GO ?= go
BIN := bin/kubectl-amha

.PHONY: build demo test test-unit alertmanagers bench fuzz clean

build:
	$(GO) build -o $(BIN) ./cmd/kubectl-amha

# Builds Alertmanager from the pinned module (once), starts a local 3-replica cluster with a
# typical fault, runs `kubectl amha status` on it and tears everything down.
demo: build
	$(GO) run ./hack/demo --amha $(BIN)

# Alertmanager binaries for the tests (built once per version into the cache).
alertmanagers:
	$(GO) run ./hack/ambuild -prometheus

test: alertmanagers
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

bench: alertmanagers
	$(GO) test -run '^$$' -bench . -benchtime 10x ./...

clean:
	rm -rf bin dist
