package snippets

import (
	"fmt"
	"strings"
)

// meshCheckScript is filled by meshCheck: @LABEL@, @REPLICAS@, @URLS@, @NAMESPACE@, @POD0@.
const meshCheckScript = `#!/usr/bin/env bash
# Mesh health check for the Alertmanager cluster @LABEL@ (@REPLICAS@ replicas).
#
# Exit 0 only when every replica answers GET /api/v2/status with cluster.status "ready", reports
# exactly @REPLICAS@ members, and all report the same members, which are the replicas themselves
# (no island, no foreign member), and when /metrics shows no failed peer. /-/ready is no help:
# it answers 200 even while gossip settles.
# Exit 1: the mesh is broken (a line per problem on stderr). Exit 2: could not check.
#
# Usage: mesh-check.sh [URL ...]   one web URL per replica (include any --web.route-prefix).
# Default: the pods' DNS names, from a pod inside the cluster that the NetworkPolicy lets reach 9093
# (@GOVERNING@).
# From outside, port-forward each pod first:
#   kubectl -n @NAMESPACE@ port-forward pod/@POD0@ 19093:9093 &   # and 19094, 19095, ... for the others
#   mesh-check.sh http://127.0.0.1:19093 http://127.0.0.1:19094 ...
# Needs bash, curl and jq.
set -uo pipefail

want=@REPLICAS@
if [ "$#" -gt 0 ]; then
  urls=("$@")
else
  urls=(@URLS@)
fi
for tool in curl jq; do
  command -v "$tool" >/dev/null 2>&1 || { echo "mesh-check: $tool not found" >&2; exit 2; }
done
if [ "${#urls[@]}" -ne "$want" ]; then
  echo "mesh-check: ${#urls[@]} URLs for $want replicas: give one per replica" >&2
  exit 2
fi

expect=ready
[ "$want" -eq 1 ] && expect=disabled
broken=0
fail() { echo "BROKEN $*" >&2; broken=1; }
names=()
views=()
for u in "${urls[@]}"; do
  u=${u%/}
  if ! status=$(curl -fsS --max-time 5 "$u/api/v2/status"); then
    fail "$u: no answer from /api/v2/status"
    continue
  fi
  if ! line=$(jq -er '[.cluster.status // "", .cluster.name // "", (.cluster.peers // [] | length),
      ([.cluster.peers[]?.name] | sort | join(","))] | map(tostring) | join("|")' <<<"$status"); then
    fail "$u: /api/v2/status is not an Alertmanager status"
    continue
  fi
  IFS='|' read -r state name count members <<<"$line"
  echo "$u: status=$state name=$name members=$count"
  [ "$state" = "$expect" ] || fail "$u: cluster.status is \"$state\", want \"$expect\""
  [ "$want" -eq 1 ] && continue
  [ "$count" -eq "$want" ] || fail "$u: sees $count members, want $want"
  names+=("$name")
  views+=("$members")
  if ! failed=$(curl -fsS --max-time 5 "$u/metrics" | awk '$1 == "alertmanager_cluster_failed_peers" {print $2}'); then
    fail "$u: no answer from /metrics"
  elif [ -z "$failed" ]; then
    fail "$u: no alertmanager_cluster_failed_peers metric (clustering disabled?)"
  elif [ "$failed" != "0" ]; then
    fail "$u: $failed failed peers"
  fi
done

if [ "$want" -gt 1 ] && [ "${#names[@]}" -gt 0 ]; then
  self=$(printf '%s\n' "${names[@]}" | sort | paste -sd, -)
  for i in "${!views[@]}"; do
    [ "${views[$i]}" = "$self" ] || fail "${names[$i]}: sees members {${views[$i]}}, the replicas are {$self}"
  done
fi

if [ "$broken" -ne 0 ]; then
  echo "mesh-check: @LABEL@ is broken" >&2
  exit 1
fi
echo "mesh-check: @LABEL@ is healthy: $want replicas, one mesh"
`

func meshCheck(s Spec) (string, error) {
	urls := make([]string, s.Replicas)
	svc := s.Service()
	if s.Governing != "" {
		svc = s.Governing
	}
	for i := range urls {
		urls[i] = fmt.Sprintf("http://%s.%s.%s.svc:9093", s.Pod(i), svc, s.Namespace)
	}
	return strings.NewReplacer(
		"@LABEL@", s.Label(),
		"@REPLICAS@", fmt.Sprint(s.Replicas),
		"@URLS@", strings.Join(urls, " "),
		"@NAMESPACE@", s.Namespace,
		"@POD0@", s.Pod(0),
		"@GOVERNING@", governingNote(s, svc),
	).Replace(meshCheckScript), nil
}

// governingNote says which Service names the pods in the default URLs.
func governingNote(s Spec, svc string) string {
	if s.Governing != "" {
		return "under the StatefulSet's governing Service " + svc + ", as it runs"
	}
	return fmt.Sprintf("under the headless Service %s of the statefulset snippet; prometheus-operator's pods are under alertmanager-operated: "+
		"http://%s.alertmanager-operated.%s.svc:9093 ...", svc, s.Pod(0), s.Namespace)
}
