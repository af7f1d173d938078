#!/usr/bin/env bash
# Every test: vet, unit tests, real Alertmanager and Prometheus processes on 127.0.0.1, and the
# Kubernetes end-to-end tests on the rig (test/rig). The rig is brought up here unless
# AMHA_KUBECONFIG already points at one, and torn down again on every exit path.
set -euo pipefail
cd "$(dirname "$0")/.."

go run ./hack/ambuild -prometheus
go vet ./...

rig_started=""
cleanup() { [[ -n $rig_started ]] && bash test/rig/rig.sh down || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -z ${AMHA_KUBECONFIG:-} && ${AMHA_SKIP_RIG:-} != 1 ]]; then
  if [[ $(id -u) == 0 ]]; then
    rig_started=1
    echo "== bringing up the test rig (test/rig/rig.sh up; cached builds are reused)"
    AMHA_KUBECONFIG=$(bash test/rig/rig.sh up | tail -n 1)
    export AMHA_KUBECONFIG
    # AMHA_RIG_KUBECTL and the rig's images, for the tests that run kubectl as a user would.
    eval "$(bash test/rig/rig.sh env | grep '^export AMHA_RIG_')"
    bash test/rig/smoke.sh
  else
    echo "== not root: the Kubernetes end-to-end tests skip (they need the rig: sudo test/rig/rig.sh up)"
  fi
fi

# Arguments replace the go test arguments (make drill-repeat runs one test).
if (($# > 0)); then
  go test "$@"
else
  go test -count=1 -timeout 40m ./...
fi
