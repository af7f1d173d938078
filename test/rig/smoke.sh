#!/usr/bin/env bash
# Smoke test of the amha rig (the rig must be up: test/rig/rig.sh up).
#
#   test/rig/smoke.sh            operator-shape mesh: 3 Ready pods, /api/v2/status through
#                                kubectl port-forward shows 3 peers and cluster.status "ready"
#   test/rig/smoke.sh conntrack  the same, then the conntrack drill: a deny-9094 NetworkPolicy
#                                on the live mesh does not split it; recreating the cut-off pod
#                                does; deleting the policy heals it. Prints timings.
#
# Env: SMOKE_KEEP=1 keeps the namespace; SMOKE_OBSERVE=SECONDS (default 60) is how long the
# live mesh is watched after the policy is applied.
set -Eeuo pipefail

RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
eval "$("$RIG_DIR/rig.sh" env)"
KUBECTL=$AMHA_RIG_KUBECTL
source <(sed -e '/^case \${1:-}/,$d' -e "s|^RIG_DIR=.*|RIG_DIR=$RIG_DIR|" "$RIG_DIR/rig.sh")
RIGCTL=$(tools_out)/rigctl
[[ -x $RIGCTL ]] || { echo "smoke: $RIGCTL missing: run test/rig/rig.sh up first" >&2; exit 1; }
[[ -f $KUBECONFIG ]] || { echo "smoke: $KUBECONFIG missing: run test/rig/rig.sh up first" >&2; exit 1; }

MODE=${1:-basic}
NS=amha-smoke-$(date +%s)
OBSERVE=${SMOKE_OBSERVE:-60}
PF_PIDS=()
T0=$SECONDS

say() { printf '[smoke %s +%3ss] %s\n' "$(date +%T)" "$((SECONDS - T0))" "$*"; }
k() { "$KUBECTL" -n "$NS" "$@"; }

cleanup() {
  local rc=$?
  local p
  for p in "${PF_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  if ((rc != 0)); then
    say "FAILED (exit $rc); pods and events:"
    k get pods -o wide 2>&1 || true
    k get events --sort-by=.lastTimestamp 2>&1 | tail -20 || true
    for p in $(k get pods -o name 2>/dev/null); do
      echo "--- logs $p"; k logs --tail 20 "$p" 2>&1 || true
    done
  fi
  if [[ -z ${SMOKE_KEEP:-} ]]; then
    "$KUBECTL" delete namespace "$NS" --wait=false >/dev/null 2>&1 || true
  fi
  exit "$rc"
}
trap cleanup EXIT

# port_forward POD: starts kubectl port-forward to POD:9093, sets PF_PORT
port_forward() {
  local pod=$1 out i
  out=$(mktemp)
  "$KUBECTL" -n "$NS" port-forward "pod/$pod" :9093 >"$out" 2>&1 &
  PF_PIDS+=($!)
  for ((i = 0; i < 100; i++)); do
    PF_PORT=$(sed -n 's/^Forwarding from 127.0.0.1:\([0-9]*\) -> 9093$/\1/p' "$out" | head -n1)
    [[ -n $PF_PORT ]] && { rm -f "$out"; return 0; }
    sleep 0.1
  done
  cat "$out" >&2; rm -f "$out"
  echo "smoke: port-forward to $pod did not start" >&2
  return 1
}

stop_port_forwards() {
  local p
  for p in "${PF_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  PF_PIDS=()
}

peers_of() { # PORT -> "status=... peers=N ..." or "error ..."
  "$RIGCTL" am-status -url "http://127.0.0.1:$1" 2>&1 || true
}

say "namespace $NS: applying manifests/operator-shape.yaml"
"$KUBECTL" create namespace "$NS" >/dev/null
k apply -f "$RIG_DIR/manifests/operator-shape.yaml" >/dev/null
k rollout status statefulset/alertmanager-main --timeout=120s >/dev/null
k wait --for=condition=Ready pod -l app.kubernetes.io/name=alertmanager --timeout=120s >/dev/null
say "3 pods Ready"
port_forward alertmanager-main-0
t=$SECONDS
"$RIGCTL" am-status -url "http://127.0.0.1:$PF_PORT" -wait-peers 3 -timeout 60s
say "alertmanager-main-0 /api/v2/status via port-forward: ready with 3 peers (+$((SECONDS - t))s)"

if [[ $MODE != conntrack ]]; then
  echo "smoke: 1 passed, 0 failed"
  exit 0
fi

# ------------------------------------------------------------------ conntrack drill
port_forward alertmanager-main-2; PF2=$PF_PORT
port_forward alertmanager-main-0; PF0=$PF_PORT
say "applying manifests/netpol-deny-mesh.yaml (deny 9094 to/from alertmanager-main-2) on the live mesh"
k apply -f "$RIG_DIR/manifests/netpol-deny-mesh.yaml" >/dev/null
t=$SECONDS
split_live=no
while ((SECONDS - t < OBSERVE)); do
  s0=$(peers_of "$PF0"); s2=$(peers_of "$PF2")
  say "live mesh +$((SECONDS - t))s: main-0 ${s0%% name=*} | main-2 ${s2%% name=*}"
  [[ $s0 == *"peers=3 "* && $s2 == *"peers=3 "* ]] || split_live=yes
  sleep 10
done
say "live mesh after ${OBSERVE}s with the policy: split=$split_live"

say "deleting pod alertmanager-main-2 (the policy stays)"
stop_port_forwards
t=$SECONDS
k delete pod alertmanager-main-2 --wait=true >/dev/null
tdel=$((SECONDS - t))
k wait --for=condition=Ready pod/alertmanager-main-2 --timeout=120s >/dev/null
say "alertmanager-main-2 deleted in ${tdel}s, new pod Ready after $((SECONDS - t))s"
port_forward alertmanager-main-0; PF0=$PF_PORT
port_forward alertmanager-main-2; PF2=$PF_PORT
t=$SECONDS
island=no
while ((SECONDS - t < 60)); do
  s0=$(peers_of "$PF0"); s2=$(peers_of "$PF2")
  say "recreated +$((SECONDS - t))s: main-0 ${s0%% name=*} | main-2 ${s2%% name=*}"
  if [[ $s0 == *"peers=2 "* && $s2 == *"peers=1 "* ]]; then island=yes; break; fi
  sleep 2
done
say "recreated pod is an island: $island"
[[ $island == yes ]] || { echo "smoke: the recreated pod was not cut off" >&2; exit 1; }

# an island must stay an island for a while (not a slow join)
sleep 20
s2=$(peers_of "$PF2")
say "20s later: main-2 ${s2%% name=*}"
[[ $s2 == *"peers=1 "* ]] || { echo "smoke: the island joined despite the policy" >&2; exit 1; }

say "deleting the policy"
k delete -f "$RIG_DIR/manifests/netpol-deny-mesh.yaml" >/dev/null
t=$SECONDS
if "$RIGCTL" am-status -url "http://127.0.0.1:$PF2" -wait-peers 3 -timeout 90s >/dev/null; then
  say "healed: main-2 sees 3 peers $((SECONDS - t))s after the policy was deleted"
  "$RIGCTL" am-status -url "http://127.0.0.1:$PF0" -wait-peers 3 -timeout 30s
else
  echo "smoke: mesh did not heal within 90s" >&2; exit 1
fi
echo "smoke: 2 passed, 0 failed"
