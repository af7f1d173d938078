#!/usr/bin/env bash
# amha test rig: a real single-node Kubernetes v1.33.13 built from source.
#
#   test/rig/rig.sh up       build (cached), start everything, print the kubeconfig path (last line)
#   test/rig/rig.sh down     stop everything and remove every trace (safe to run twice)
#   test/rig/rig.sh env      print export lines (KUBECONFIG, PATH with kubectl, ...)
#   test/rig/rig.sh status   print component state; exit 0 only if the rig is up and healthy
#   test/rig/rig.sh build    only build/cache binaries and image archives
#   test/rig/rig.sh import T.tar...  import docker-archive images into the running rig
#
# Needs root. Only loopback and the rig's own ranges are used: pods 198.18.0.0/16,
# services 198.19.0.0/17, node IP 198.19.255.1/32 on lo. See test/rig/README.md.
set -Eeuo pipefail

RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$RIG_DIR/../.." && pwd)
CACHE=${AMHA_CACHE:-$HOME/.cache/amha}/rig
BIN=$CACHE/bin
IMAGES=$CACHE/images
BUILDLOGS=$CACHE/build-logs
RUN=$CACHE/run
LOGS=$RUN/logs
PIDS=$RUN/pids
PKI=$RUN/pki
SOCKDIR=/run/amha-rig
CTRD_SOCK=$SOCKDIR/containerd.sock
KUBECONFIG_OUT=$RUN/admin.kubeconfig

K8S_VERSION=v1.33.13
ETCD_VERSION=v3.5.21
COREDNS_VERSION=v1.12.4
KNP_VERSION=v0.8.0
PO_VERSION=v0.93.0
AM_VERSION=${AMHA_AM_VERSION:-v0.31.1}

NODE_NAME=amha-rig
NODE_IP=198.19.255.1
POD_CIDR=198.18.0.0/16
POD_GW=198.18.0.1
SVC_CIDR=198.19.0.0/17
ROUTE_CIDR=198.18.0.0/15
API_SVC_IP=198.19.0.1
DNS_SVC_IP=198.19.0.10
API_PORT=6443
ETCD_PORT=23790
ETCD_PEER_PORT=23800
CNI_NET=amha-rig
BRIDGE=cni0
NFT_TABLE=kube-network-policies
PAUSE_IMAGE=amha.local/pause:rig
AM_IMAGE=amha.local/alertmanager:${AM_VERSION}
TOOLS_IMAGE=amha.local/amha-tools:rig
PROM_IMAGE=amha.local/prometheus:rig
RELOADER_IMAGE=amha.local/prometheus-config-reloader:rig
PO_WEB=127.0.0.1:19081
# the operator's CRDs that `up` installs: only the Alertmanager ones. All ten (4.4 MB) kept the
# API server busy for 20 s and made warm `up` take 33 s instead of 15-20 s; the operator turns
# off the controllers whose CRDs are not served (it says so in its log)
PO_CRDS=(alertmanagers alertmanagerconfigs)

# sysctls the rig or the kubelet/kube-proxy may change; saved at up, restored at down
SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.ipv4.ip_forward
  net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables
  net.ipv4.conf.all.route_localnet net.netfilter.nf_conntrack_max
  net.netfilter.nf_conntrack_tcp_timeout_established net.netfilter.nf_conntrack_tcp_timeout_close_wait)

COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy coredns netpol prometheus-operator)

export GOFLAGS="-buildvcs=false"
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}sigs.k8s.io/kube-network-policies,sigs.k8s.io/network-policy-api"
export GOPROXY="${GOPROXY:-https://proxy.golang.org,direct}"

log() { printf '[rig %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
tail_log() { # name
  local f=$LOGS/$1.log
  [[ -f $f ]] || f=$BUILDLOGS/$1.log
  if [[ -f $f ]]; then
    log "---- last 40 lines of $f ----"
    tail -n 40 "$f" >&2 || true
    log "---- end of $f ----"
  fi
}

need_root() { [[ $(id -u) == 0 ]] || die "the rig needs root (it starts containerd, kubelet, changes iptables)"; }

# ---------------------------------------------------------------- packages
PACKAGES=(containerd runc containernetworking-plugins iptables nftables ipset conntrack iproute2 procps util-linux mount curl ca-certificates patch)
ensure_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing Debian packages: ${missing[*]}"
  mkdir -p "$BUILDLOGS"
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; } >"$BUILDLOGS/apt.log" 2>&1; then
    tail_log apt; die "apt-get install failed"
  fi
  # Debian's containerd package must not run on its own (no systemd here, but be sure).
}

# ---------------------------------------------------------------- builds
hash_files() { cat "$@" | sha256sum | cut -c1-12; }

# build_once NAME OUTDIR CMD...: run CMD (which writes into $OUTDIR.tmp) unless OUTDIR exists.
build_once() {
  local name=$1 out=$2; shift 2
  [[ -f $out/.done ]] && return 0
  mkdir -p "$BUILDLOGS"
  rm -rf "$out.tmp"; mkdir -p "$out.tmp"
  log "building $name (log: $BUILDLOGS/$name.log) ..."
  local t0=$SECONDS
  if ! "$@" >"$BUILDLOGS/$name.log" 2>&1; then
    tail_log "$name"; die "build of $name failed"
  fi
  if ! find "$out.tmp" -maxdepth 1 -type f -perm -u+x | grep -q .; then
    tail_log "$name"; die "build of $name produced no executable in $out.tmp"
  fi
  touch "$out.tmp/.done"
  rm -rf "$out"; mv "$out.tmp" "$out"
  log "built $name in $((SECONDS - t0))s"
}

K8S_LDFLAGS="-s -w"
for _p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  K8S_LDFLAGS+=" -X $_p.gitVersion=$K8S_VERSION -X $_p.gitMajor=1 -X $_p.gitMinor=33 -X $_p.gitTreeState=clean"
done

k8s_out() { echo "$BIN/kubernetes-$K8S_VERSION-etcd-$ETCD_VERSION-$(hash_files "$RIG_DIR"/k8s/go.mod "$RIG_DIR"/k8s/go.sum "$RIG_DIR"/k8s/cmd/etcd/main.go <(echo "$K8S_LDFLAGS"))"; }
coredns_out() { echo "$BIN/coredns-$COREDNS_VERSION-$(hash_files "$RIG_DIR"/coredns/go.mod "$RIG_DIR"/coredns/go.sum "$RIG_DIR"/coredns/main.go)"; }
netpol_out() { echo "$BIN/netpol-$KNP_VERSION-$(hash_files "$RIG_DIR"/netpol/go.mod "$RIG_DIR"/netpol/go.sum "$RIG_DIR"/netpol/main.go "$RIG_DIR"/netpol/nfqueue-compat.patch)"; }
PO_LDFLAGS="-s -w"
for _k in Version=${PO_VERSION#v} Branch=HEAD BuildUser=amha-rig; do PO_LDFLAGS+=" -X github.com/prometheus/common/version.$_k"; done
operator_out() { echo "$BIN/prometheus-operator-$PO_VERSION-$(hash_files "$RIG_DIR"/operator/go.mod "$RIG_DIR"/operator/go.sum <(echo "$PO_LDFLAGS"))"; }
tools_out() { echo "$BIN/tools-$(hash_files "$RIG_DIR"/tools/go.mod $(find "$RIG_DIR/tools" -name '*.go' | sort))"; }
am_out() { echo "$BIN/alertmanager-$AM_VERSION"; }

do_build_k8s() {
  local out; out=$(k8s_out)
  (cd "$RIG_DIR/k8s" && CGO_ENABLED=0 nice -n 10 go build -ldflags "$K8S_LDFLAGS" -o "$out.tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet \
    k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kubectl ./cmd/etcd)
}
do_build_coredns() {
  local out; out=$(coredns_out)
  (cd "$RIG_DIR/coredns" && CGO_ENABLED=0 nice -n 10 go build -ldflags "-s -w" -o "$out.tmp/coredns" .)
}
do_build_netpol() {
  # kube-network-policies with nfqueue-compat.patch: copy the module out of the
  # module cache, patch it, and build against it through a replace directive.
  local out work dir; out=$(netpol_out); work=$out.tmp/src
  dir=$(cd "$RIG_DIR/netpol" && go mod download -json sigs.k8s.io/kube-network-policies@$KNP_VERSION | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -n $dir && -d $dir ]] || { echo "cannot find sigs.k8s.io/kube-network-policies@$KNP_VERSION in the module cache"; return 1; }
  mkdir -p "$work/main" || return 1
  cp -r "$dir" "$work/knp" && chmod -R u+w "$work/knp" || return 1
  (cd "$work/knp" && patch -p1 <"$RIG_DIR/netpol/nfqueue-compat.patch") || return 1
  cp "$RIG_DIR"/netpol/{go.mod,go.sum,main.go} "$work/main/" || return 1
  (cd "$work/main" && go mod edit -replace sigs.k8s.io/kube-network-policies=../knp &&
    CGO_ENABLED=0 nice -n 10 go build -ldflags "-s -w" -o "$out.tmp/amha-netpol" .) || return 1
  rm -rf "$work"
}
do_build_operator() {
  # prometheus-operator and prometheus-config-reloader from the published modules (the
  # operator's own go.mod replaces pkg/apis/monitoring and pkg/client with local folders,
  # which a dependency's replace cannot do), plus the CRDs of the same module version.
  local out dir; out=$(operator_out)
  (cd "$RIG_DIR/operator" && CGO_ENABLED=0 nice -n 10 go build -ldflags "$PO_LDFLAGS" -o "$out.tmp/" \
    github.com/prometheus-operator/prometheus-operator/cmd/operator \
    github.com/prometheus-operator/prometheus-operator/cmd/prometheus-config-reloader) || return 1
  mv "$out.tmp/operator" "$out.tmp/prometheus-operator" || return 1
  dir=$(cd "$RIG_DIR/operator" && go mod download -json "github.com/prometheus-operator/prometheus-operator@$PO_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -n $dir && -d $dir/example/prometheus-operator-crd ]] || { echo "no CRDs of prometheus-operator@$PO_VERSION in the module cache"; return 1; }
  mkdir -p "$out.tmp/crds" && cp "$dir"/example/prometheus-operator-crd/*.yaml "$out.tmp/crds/" && chmod 0644 "$out.tmp"/crds/*.yaml
}
do_build_tools() {
  local out; out=$(tools_out)
  (cd "$RIG_DIR/tools" && CGO_ENABLED=0 go build -ldflags "-s -w" -o "$out.tmp/" ./cmd/...)
}
do_build_am() {
  # Fallback when hack/ambuild is absent: a throwaway module that requires
  # github.com/prometheus/alertmanager and builds its command statically.
  local out v=${AM_VERSION#v} mod; out=$(am_out); mod=$out.tmp/mod
  mkdir -p "$mod" || return 1
  (cd "$mod" && go mod init amha-rig-ambuild && go get "github.com/prometheus/alertmanager/cmd/alertmanager@$AM_VERSION" &&
    CGO_ENABLED=0 nice -n 10 go build -tags netgo -ldflags "-s -w \
      -X github.com/prometheus/common/version.Version=$v \
      -X github.com/prometheus/common/version.Branch=HEAD \
      -X github.com/prometheus/common/version.BuildUser=amha-rig" \
      -o "$out.tmp/alertmanager" github.com/prometheus/alertmanager/cmd/alertmanager) || return 1
  rm -rf "$mod"
}

# alertmanager_binary: path of a static Alertmanager binary.
alertmanager_binary() {
  if [[ -n ${AMHA_AM_BINARY:-} ]]; then
    [[ -x $AMHA_AM_BINARY ]] || die "AMHA_AM_BINARY=$AMHA_AM_BINARY is not an executable file"
    echo "$AMHA_AM_BINARY"; return
  fi
  if [[ -d $REPO_ROOT/hack/ambuild ]]; then
    local p
    mkdir -p "$BUILDLOGS"
    if p=$(cd "$REPO_ROOT" && go run ./hack/ambuild -print "$AM_VERSION" 2>"$BUILDLOGS/ambuild.log" | tail -n1) && [[ -x $p ]]; then
      echo "$p"; return
    fi
    log "hack/ambuild did not print a binary (see $BUILDLOGS/ambuild.log); building one myself"
  fi
  build_once alertmanager "$(am_out)" do_build_am
  echo "$(am_out)/alertmanager"
}

# prometheus_binary: path of the static Prometheus hack/ambuild builds (Kubernetes and DNS
# discovery included), or nothing when this checkout has no hack/ambuild.
prometheus_binary() {
  [[ -d $REPO_ROOT/hack/ambuild ]] || return 0
  mkdir -p "$BUILDLOGS"
  local p
  p=$(cd "$REPO_ROOT" && go run ./hack/ambuild -print -prometheus "$AM_VERSION" 2>"$BUILDLOGS/ambuild-prometheus.log" | grep /prometheus/) ||
    die "hack/ambuild -prometheus failed (see $BUILDLOGS/ambuild-prometheus.log)"
  [[ -x $p ]] && echo "$p"
}

is_static() { ! LC_ALL=C readelf -l "$1" 2>/dev/null | grep -q 'Requesting program interpreter'; }

build_all() {
  build_once tools "$(tools_out)" do_build_tools
  build_once kubernetes "$(k8s_out)" do_build_k8s
  build_once coredns "$(coredns_out)" do_build_coredns
  build_once netpol "$(netpol_out)" do_build_netpol
  build_once prometheus-operator "$(operator_out)" do_build_operator
  AM_BIN=$(alertmanager_binary)
  if command -v readelf >/dev/null && ! is_static "$AM_BIN"; then
    die "$AM_BIN is dynamically linked; the image needs a static (CGO_ENABLED=0) Alertmanager"
  fi
  PROM_BIN=$(prometheus_binary) || die "building the Prometheus image binary failed"
  build_images "$AM_BIN"
}

# ---------------------------------------------------------------- images
build_images() {
  local am=$1 rigctl tools; tools=$(tools_out); rigctl=$tools/rigctl
  mkdir -p "$IMAGES"
  local key
  key=$(hash_files "$tools/pause")
  if [[ ! -f $IMAGES/pause-$key.tar ]]; then
    "$rigctl" mkimage -o "$IMAGES/pause-$key.tar" -name "$PAUSE_IMAGE" -add "$tools/pause:/pause" \
      -entrypoint '["/pause"]' -user 65535:65535
  fi
  key=$(hash_files "$am")
  if [[ ! -f $IMAGES/alertmanager-$AM_VERSION-$key.tar ]]; then
    local cfg; cfg=$(mktemp)
    cat >"$cfg" <<'EOF'
route:
  receiver: default
receivers:
- name: default
EOF
    "$rigctl" mkimage -o "$IMAGES/alertmanager-$AM_VERSION-$key.tar" -name "$AM_IMAGE" \
      -add "$am:/bin/alertmanager" -add "$cfg:/etc/alertmanager/alertmanager.yml:0644" \
      -dir /alertmanager:0755:65534 -dir /tmp:1777 -user 65534 -workdir /alertmanager \
      -expose 9093/tcp -entrypoint '["/bin/alertmanager"]' \
      -cmd '["--config.file=/etc/alertmanager/alertmanager.yml","--storage.path=/alertmanager"]'
    rm -f "$cfg"
  fi
  if [[ -n ${PROM_BIN:-} ]]; then
    key=$(hash_files "$PROM_BIN")
    if [[ ! -f $IMAGES/prometheus-$key.tar ]]; then
      "$rigctl" mkimage -o "$IMAGES/prometheus-$key.tar" -name "$PROM_IMAGE" \
        -add "$PROM_BIN:/bin/prometheus" -dir /prometheus:0755:65534 -dir /tmp:1777 -user 65534 \
        -workdir /prometheus -expose 9090/tcp -entrypoint '["/bin/prometheus"]' \
        -cmd '["--config.file=/etc/prometheus/prometheus.yml","--storage.tsdb.path=/prometheus"]'
    fi
  fi
  local reloader; reloader=$(operator_out)/prometheus-config-reloader
  key=$(hash_files "$reloader")
  if [[ ! -f $IMAGES/prometheus-config-reloader-$key.tar ]]; then
    # as upstream's image (busybox, USER nobody), without busybox
    "$rigctl" mkimage -o "$IMAGES/prometheus-config-reloader-$key.tar" -name "$RELOADER_IMAGE" \
      -add "$reloader:/bin/prometheus-config-reloader" -dir /tmp:1777 -user 65534 \
      -entrypoint '["/bin/prometheus-config-reloader"]'
  fi
  key=$(hash_files "$rigctl" "$tools/pause")
  if [[ ! -f $IMAGES/amha-tools-$key.tar ]]; then
    "$rigctl" mkimage -o "$IMAGES/amha-tools-$key.tar" -name "$TOOLS_IMAGE" \
      -add "$rigctl:/bin/rigctl" -add "$tools/pause:/bin/pause" -dir /tmp:1777 \
      -entrypoint '["/bin/pause"]'
  fi
}

image_tars() {
  local tools am=$AM_BIN; tools=$(tools_out)
  echo "$IMAGES/pause-$(hash_files "$tools/pause").tar"
  echo "$IMAGES/alertmanager-$AM_VERSION-$(hash_files "$am").tar"
  echo "$IMAGES/amha-tools-$(hash_files "$tools/rigctl" "$tools/pause").tar"
  if [[ -n ${PROM_BIN:-} ]]; then echo "$IMAGES/prometheus-$(hash_files "$PROM_BIN").tar"; fi
  echo "$IMAGES/prometheus-config-reloader-$(hash_files "$(operator_out)/prometheus-config-reloader").tar"
}

# ---------------------------------------------------------------- processes
# start NAME BINARY ARGS...: run in its own session, log to $LOGS/NAME.log, pid in $PIDS/NAME.pid
start() {
  local name=$1 exe=$2; shift 2
  [[ -x $exe ]] || die "$name: $exe is missing"
  setsid "$exe" "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$PIDS/$name.pid"
  readlink -f "$exe" >"$PIDS/$name.exe"
  sleep 0.2
  if ! kill -0 "$pid" 2>/dev/null; then
    tail_log "$name"; die "$name exited at once"
  fi
}

# pid_of NAME: the recorded pid if that process is still the binary we started
pid_of() {
  local name=$1 pid exe
  [[ -f $PIDS/$name.pid ]] || return 1
  pid=$(<"$PIDS/$name.pid"); exe=$(<"$PIDS/$name.exe")
  [[ -n $pid && -e /proc/$pid ]] || return 1
  [[ $(readlink -f "/proc/$pid/exe" 2>/dev/null) == "$exe" ]] || return 1
  echo "$pid"
}

alive() { pid_of "$1" >/dev/null; }

check_alive() { # NAME: die with its log if it died
  alive "$1" || { tail_log "$1"; die "$1 is not running"; }
}

stop_proc() { # NAME [TIMEOUT]
  local name=$1 timeout=${2:-15} pid i
  pid=$(pid_of "$name") || { rm -f "$PIDS/$name.pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    [[ -e /proc/$pid ]] || break
    sleep 0.1
  done
  if [[ -e /proc/$pid ]]; then
    log "$name (pid $pid) did not stop in ${timeout}s; killing"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.3
  fi
  rm -f "$PIDS/$name.pid"
  log "stopped $name in $(((i + 5) / 10))s"
}

stop_many() { # stops NAME... in parallel (TIMEOUT 15s each)
  local n ws=()
  for n in "$@"; do stop_proc "$n" 15 & ws+=($!); done
  wait "${ws[@]}" || true
}

# wait_for DESC TIMEOUT LOGNAME CMD...: poll CMD until it succeeds
wait_for() {
  local desc=$1 timeout=$2 logname=$3; shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      [[ -n $logname ]] && tail_log "$logname"
      die "timed out after ${timeout}s waiting for $desc"
    fi
    [[ -z $logname ]] || check_alive "$logname"
    sleep 0.3
  done
}

kubectl() { "$(k8s_out)/kubectl" --kubeconfig "$KUBECONFIG_OUT" "$@"; }

# ---------------------------------------------------------------- up
write_configs() {
  local k8s; k8s=$(k8s_out)
  mkdir -p "$RUN/cni/net.d" "$RUN/cni/ipam" "$RUN/kubelet" "$RUN/pod-logs" "$RUN/containerd" "$SOCKDIR"

  cat >"$RUN/containerd.toml" <<EOF
version = 2
root = "$RUN/containerd/root"
state = "$SOCKDIR/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$CTRD_SOCK"
[ttrpc]
  address = "$SOCKDIR/containerd.sock.ttrpc"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$RUN/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$SOCKDIR/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$RUN/cni/net.d"
    max_conf_num = 1
EOF

  cat >"$RUN/cni/net.d/10-$CNI_NET.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "$CNI_NET",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$RUN/cni/ipam",
        "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$POD_GW"}]],
        "routes": [{"dst": "$ROUTE_CIDR"}]
      }
    }
  ]
}
EOF

  : >"$RUN/resolv.conf"
  cat >"$RUN/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $PKI/kubelet.crt
tlsPrivateKeyFile: $PKI/kubelet.key
containerRuntimeEndpoint: unix://$CTRD_SOCK
cgroupDriver: cgroupfs
failSwapOn: false
failCgroupV1: false
clusterDNS: [$DNS_SVC_IP]
clusterDomain: cluster.local
resolvConf: "$RUN/resolv.conf"
podLogsDir: $RUN/pod-logs
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
protectKernelDefaults: false
serializeImagePulls: false
rotateCertificates: false
syncFrequency: 10s
fileCheckFrequency: 10s
nodeStatusUpdateFrequency: 5s
maxPods: 110
EOF

  cat >"$RUN/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: $PKI/kube-proxy.kubeconfig
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $POD_CIDR
detectLocalMode: ClusterCIDR
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: ["$NODE_IP/32"]
iptables:
  localhostNodePorts: false
  syncPeriod: 10s
  minSyncPeriod: 0s
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
EOF

  cat >"$RUN/Corefile" <<EOF
.:53 {
    bind $NODE_IP
    errors
    log . {
        class denial error
    }
    health 127.0.0.1:18080
    ready 127.0.0.1:18181
    cache 5 {
        denial 9984 1
    }
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $KUBECONFIG_OUT
        pods insecure
        ttl 5
    }
}
EOF
}

save_sysctls() {
  [[ -f $RUN/sysctl.saved ]] && return 0
  local k v
  for k in "${SYSCTLS[@]}"; do
    v=$(sysctl -n "$k" 2>/dev/null) || continue
    printf '%s=%s\n' "$k" "$v"
  done >"$RUN/sysctl.saved.tmp"
  mv "$RUN/sysctl.saved.tmp" "$RUN/sysctl.saved"
}

apply_dns_service() {
  kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: {k8s-app: kube-dns, kubernetes.io/name: CoreDNS}
spec:
  clusterIP: $DNS_SVC_IP
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: 53}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kube-dns-amha-rig
  namespace: kube-system
  labels:
    kubernetes.io/service-name: kube-dns
    endpointslice.kubernetes.io/managed-by: amha-rig
addressType: IPv4
endpoints:
- addresses: [$NODE_IP]
  conditions: {ready: true}
ports:
- {name: dns, port: 53, protocol: UDP}
- {name: dns-tcp, port: 53, protocol: TCP}
EOF
}

# the rig's fixed TCP ports must be free (CoreDNS' health/ready listeners use
# SO_REUSEPORT and would not notice another listener)
RIG_TCP_PORTS=($API_PORT $ETCD_PORT $ETCD_PEER_PORT 10248 10249 10250 10256 10257 10259 18080 18181 19080 ${PO_WEB##*:})
preflight_ports() {
  local port busy=()
  for port in "${RIG_TCP_PORTS[@]}"; do
    if [[ -n $(ss -Hltn "sport = :$port" 2>/dev/null) ]]; then
      busy+=("$port: $(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'users:.*' | head -n1)")
    fi
  done
  if ((${#busy[@]})); then
    printf '  %s\n' "${busy[@]}" >&2
    die "TCP ports the rig needs are in use (listed above); stop those listeners first"
  fi
}

# node_ip_on_lo: the node IP is on lo. Not `ip addr show | grep -q`: ip writes line by line,
# grep -q exits at the match, and with pipefail the SIGPIPE of ip's next write reads as "no"
# (seen: up failed with "Address already assigned").
node_ip_on_lo() { [[ -n $(ip -o addr show dev lo to "$NODE_IP/32" 2>/dev/null) ]]; }

node_ready() {
  [[ $(kubectl get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]]
}

up() {
  need_root
  if status_quiet; then
    log "rig is already up"
    echo "$KUBECONFIG_OUT"
    return 0
  fi
  if [[ -d $RUN || -d $SOCKDIR ]]; then
    log "found remains of an earlier rig; cleaning them first"
    down
  fi
  local t0=$SECONDS
  ensure_packages
  preflight_ports
  build_all
  local k8s coredns netpol tools operator tars
  k8s=$(k8s_out); coredns=$(coredns_out); netpol=$(netpol_out); tools=$(tools_out); operator=$(operator_out)
  mapfile -t tars < <(image_tars)
  log "binaries ready after $((SECONDS - t0))s; starting the rig"

  trap 'exit 130' INT TERM
  trap on_up_failure EXIT
  mkdir -p "$LOGS" "$PIDS" "$PKI" "$SOCKDIR"
  save_sysctls
  save_nft_tables
  sysctl -qw net.ipv4.ip_forward=1
  sysctl -qw net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1
  node_ip_on_lo || ip addr add "$NODE_IP/32" dev lo
  "$tools/rigctl" certs -dir "$PKI" -node-name "$NODE_NAME" -node-ip "$NODE_IP" \
    -service-ip "$API_SVC_IP" -server "https://$NODE_IP:$API_PORT"
  cp "$PKI/admin.kubeconfig" "$KUBECONFIG_OUT"
  write_configs

  start etcd "$k8s/etcd" --name amha-rig --data-dir "$RUN/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "amha-rig=http://127.0.0.1:$ETCD_PEER_PORT" \
    --quota-backend-bytes 2147483648 --unsafe-no-fsync --log-level warn
  wait_for "etcd health" 30 etcd curl -fsS --noproxy '*' "http://127.0.0.1:$ETCD_PORT/health"

  start kube-apiserver "$k8s/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address "$NODE_IP" --advertise-address "$NODE_IP" --secure-port "$API_PORT" \
    --service-cluster-ip-range "$SVC_CIDR" --allow-privileged=true \
    --authorization-mode Node,RBAC --client-ca-file "$PKI/ca.crt" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types InternalIP \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --profiling=false --event-ttl 1h --v 1
  wait_for "kube-apiserver /readyz" 90 kube-apiserver "$tools/rigctl" wait-https -timeout 2s \
    -url "https://$NODE_IP:$API_PORT/readyz" -ca "$PKI/ca.crt" \
    -cert "$PKI/apiserver-kubelet-client.crt" -key "$PKI/apiserver-kubelet-client.key" -expect ok
  log "kube-apiserver ready after $((SECONDS - t0))s"
  # prometheus-operator's CRDs (1.4 MB: seconds of API server work) and rights go in while
  # the node comes up; the operator starts last
  apply_operator_objects "$operator" >"$LOGS/operator-objects.log" 2>&1 &
  local objects_pid=$!

  start kube-controller-manager "$k8s/kube-controller-manager" --kubeconfig "$PKI/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$PKI/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$PKI/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
    --cluster-name amha-rig --allocate-node-cidrs=false --profiling=false --v 1
  start kube-scheduler "$k8s/kube-scheduler" --kubeconfig "$PKI/scheduler.kubeconfig" \
    --authentication-kubeconfig "$PKI/scheduler.kubeconfig" \
    --authorization-kubeconfig "$PKI/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false --profiling=false --v 1

  start containerd /usr/bin/containerd --config "$RUN/containerd.toml"
  wait_for "containerd socket" 30 containerd /usr/bin/ctr -a "$CTRD_SOCK" version
  local tar
  for tar in "${tars[@]}"; do
    /usr/bin/ctr -a "$CTRD_SOCK" -n k8s.io images import "$tar" >>"$LOGS/images.log" 2>&1 ||
      { tail_log images; die "importing $tar failed"; }
  done

  start kubelet "$k8s/kubelet" --config "$RUN/kubelet.yaml" --kubeconfig "$PKI/kubelet.kubeconfig" \
    --root-dir "$RUN/kubelet" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" --v 1
  start kube-proxy "$k8s/kube-proxy" --config "$RUN/kube-proxy.yaml" --v 1
  wait_for "node $NODE_NAME Ready" 120 kubelet node_ready
  log "node Ready after $((SECONDS - t0))s"

  apply_dns_service
  start coredns "$coredns/coredns" -conf "$RUN/Corefile"
  wait_for "CoreDNS ready" 60 coredns curl -fsS --noproxy '*' http://127.0.0.1:18181/ready
  wait_for "kubernetes.default via the kube-dns Service $DNS_SVC_IP" 60 kube-proxy \
    "$tools/rigctl" dns -timeout 2s -server "$DNS_SVC_IP:53" kubernetes.default.svc.cluster.local

  start_netpol "$netpol"
  wait_for "default ServiceAccount" 60 kube-controller-manager kubectl -n default get serviceaccount default
  wait "$objects_pid" || { tail_log operator-objects; die "applying prometheus-operator's CRDs and RBAC failed"; }
  start_operator "$operator"

  trap - EXIT INT TERM
  log "rig up in $((SECONDS - t0))s; logs in $LOGS"
  echo "$KUBECONFIG_OUT"
}

# apply_operator_objects DIR: the CRDs PO_CRDS of the operator's module version (server-side:
# they are too big for the last-applied annotation), until the API serves them all, and the
# operator's ClusterRole and binding
apply_operator_objects() {
  local dir=$1 c files=() crds=()
  for c in "${PO_CRDS[@]}"; do
    files+=(-f "$dir/crds/monitoring.coreos.com_$c.yaml"); crds+=("crd/$c.monitoring.coreos.com")
  done
  kubectl apply --server-side --field-manager amha-rig "${files[@]}" || return 1
  wait_for "the CRDs Established and in discovery" 60 "" operator_crds_served "${crds[@]}"
  kubectl apply -f "$RIG_DIR/operator/rbac.yaml"
}

# operator_crds_served crd/PLURAL.GROUP...: each is Established and discovery lists it. Not
# `kubectl wait --for condition=Established`: it fails at once ("accessor error") on a CRD
# that has no status conditions yet, as a just-applied one may not.
operator_crds_served() {
  local served c
  for c in "$@"; do
    [[ $(kubectl get "$c" -o 'jsonpath={.status.conditions[?(@.type=="Established")].status}') == True ]] || return 1
  done
  served=$(kubectl get --raw /apis/monitoring.coreos.com/v1)$(kubectl get --raw /apis/monitoring.coreos.com/v1alpha1) || return 1
  for c in "$@"; do c=${c#crd/}; grep -qF "\"name\":\"${c%%.*}\"" <<<"$served" || return 1; done
}

# start_operator DIR: prometheus-operator as a host process, with its own user (the
# client certificate rigctl certs made, read through KUBECONFIG: v0.93.0 has no kubeconfig
# flag) and the ClusterRole of operator/rbac.yaml; it watches all namespaces
start_operator() {
  local dir=$1
  KUBECONFIG=$PKI/prometheus-operator.kubeconfig start prometheus-operator "$dir/prometheus-operator" \
    --web.listen-address "$PO_WEB" --prometheus-config-reloader "$RELOADER_IMAGE" \
    --alertmanager-default-base-image "${AM_IMAGE%:*}" \
    --watch-referenced-objects-in-all-namespaces=true --disable-unmanaged-prometheus-configuration=true \
    --log-level info
  wait_for "prometheus-operator /healthz" 60 prometheus-operator curl -fsS --noproxy '*' "http://$PO_WEB/healthz"
}

on_up_failure() {
  local rc=$?
  trap - EXIT INT TERM
  ((rc == 0)) && rc=1
  log "up failed (exit $rc); tearing down what was started"
  local c
  for c in "${COMPONENTS[@]}"; do
    if [[ -f $PIDS/$c.pid ]] && ! alive "$c"; then tail_log "$c"; fi
  done
  AMHA_RIG_KEEP_LOGS=1 down || true
  exit "$rc"
}

# ---------------------------------------------------------------- down
# mounts under our directories, deepest first
our_mounts() {
  awk -v a="$RUN/" -v b="$SOCKDIR/" '{ if (index($5, a) == 1 || index($5, b) == 1) print $5 }' /proc/self/mountinfo | sort -r
}

# pod network namespaces of the rig: from the sandboxes' OCI specs (while
# containerd runs), from veths enslaved to our bridge, and from the CNI result
# cache; collected into $RUN/netns.list
collect_netns() {
  mkdir -p "$RUN"
  {
    [[ -f $RUN/netns.list ]] && cat "$RUN/netns.list"
    if alive containerd; then
      local id
      for id in $(/usr/bin/ctr -a "$CTRD_SOCK" -n k8s.io containers ls -q 2>/dev/null); do
        /usr/bin/ctr -a "$CTRD_SOCK" -n k8s.io containers info "$id" 2>/dev/null |
          grep -oE '"/(var/)?run/netns/cni-[0-9a-f-]+"' | tr -d '"' || true
      done
    fi
    ip -o link show master "$BRIDGE" 2>/dev/null | grep -oE 'link-netns cni-[0-9a-f-]+' |
      sed 's|^link-netns |/run/netns/|' || true
    local f
    for f in /var/lib/cni/results/"$CNI_NET"-*; do
      [[ -f $f ]] || continue
      sed -n 's/.*"netns":"\([^"]*\)".*/\1/p' "$f"
    done
  } | sed 's|^/var/run/|/run/|' | sort -u >"$RUN/netns.list.tmp"
  mv "$RUN/netns.list.tmp" "$RUN/netns.list"
}

kill_kubepods() {
  local d p
  for d in /sys/fs/cgroup/*/kubepods; do
    [[ -d $d ]] || continue
    while read -r p; do kill -KILL "$p" 2>/dev/null || true; done < <(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null)
  done
}

remove_kubepods_cgroups() {
  local d i
  for i in 1 2 3 4 5; do
    local left=0
    for d in /sys/fs/cgroup/*/kubepods; do
      [[ -d $d ]] || continue
      find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
      [[ -d $d ]] && left=1
    done
    ((left == 0)) && return 0
    kill_kubepods; sleep 0.5
  done
  log "warning: could not remove all kubepods cgroups: $(ls -d /sys/fs/cgroup/*/kubepods 2>/dev/null | tr '\n' ' ')"
}

# remove iptables rules and chains named KUBE-* / CNI-* (kube-proxy, kubelet, CNI)
clean_iptables() {
  local cmd t
  for cmd in iptables ip6tables; do
    command -v "$cmd" >/dev/null || continue
    for t in filter nat mangle raw; do
      local dump
      dump=$("$cmd-save" -t "$t" 2>/dev/null) || continue
      grep -qE '(KUBE-|CNI-)' <<<"$dump" || continue
      {
        echo "*$t"
        # delete rules in built-in chains that jump to our chains
        grep -E '^-A (PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) .*-j (KUBE-|CNI-)' <<<"$dump" | sed 's/^-A /-D /' || true
        # flush, then delete our chains
        grep -oE '^:(KUBE-|CNI-)[^ ]+' <<<"$dump" | sed 's/^:/-F /' || true
        grep -oE '^:(KUBE-|CNI-)[^ ]+' <<<"$dump" | sed 's/^:/-X /' || true
        echo COMMIT
      } | "$cmd-restore" --noflush 2>>"$CACHE/down.log" || log "warning: $cmd cleanup of table $t failed (see $CACHE/down.log)"
    done
  done
}

# nftables tables that did not exist before `up` (iptables-nft creates ip/ip6
# filter, nat, mangle on first use) are deleted once they hold no rule
save_nft_tables() {
  [[ -f $RUN/nft-tables.before ]] && return 0
  nft list tables 2>/dev/null | sort >"$RUN/nft-tables.before" || true
}
remove_new_nft_tables() {
  command -v nft >/dev/null && [[ -f $RUN/nft-tables.before ]] || return 0
  local fam name
  while read -r _ fam name; do
    [[ -n $name ]] || continue
    grep -qxF "table $fam $name" "$RUN/nft-tables.before" && continue
    # a rule line is any line inside a chain other than its header, type line and braces
    if ! nft list table "$fam" "$name" 2>/dev/null | grep -vE '^\s*(table |chain |type |\}|$)' | grep -q .; then
      nft delete table "$fam" "$name" 2>>"$CACHE/down.log" || true
    fi
  done < <(nft list tables 2>/dev/null)
}

restore_sysctls() {
  local f=$RUN/sysctl.saved line
  [[ -f $f ]] || return 0
  while IFS= read -r line; do
    [[ -n $line ]] && sysctl -qw "$line" 2>/dev/null || true
  done <"$f"
}

down() {
  need_root
  local k8s tools; k8s=$(k8s_out); tools=$(tools_out)
  mkdir -p "$CACHE"; : >"$CACHE/down.log"
  if [[ ! -d $RUN && ! -d $SOCKDIR ]] && ! node_ip_on_lo; then
    log "rig is down (nothing to clean)"
    return 0
  fi
  log "stopping the rig"
  collect_netns
  stop_many prometheus-operator netpol coredns kubelet kube-proxy
  # stop every container while containerd still runs, then kill whatever is left in kubepods
  if alive containerd; then
    local ctr=(/usr/bin/ctr -a "$CTRD_SOCK" -n k8s.io) id
    for id in $("${ctr[@]}" tasks ls -q 2>/dev/null); do
      "${ctr[@]}" tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
    done
    sleep 0.5
    for id in $("${ctr[@]}" tasks ls -q 2>/dev/null); do
      "${ctr[@]}" tasks delete -f "$id" >/dev/null 2>&1 || true
    done
    for id in $("${ctr[@]}" containers ls -q 2>/dev/null); do
      "${ctr[@]}" containers delete "$id" >/dev/null 2>&1 || true
    done
  fi
  kill_kubepods
  collect_netns
  stop_proc containerd 10
  # containerd shims of our containerd (they carry our socket path on their command line)
  local p
  for p in $(grep -lzF -- "$CTRD_SOCK" /proc/[0-9]*/cmdline 2>/dev/null); do
    p=${p#/proc/}; p=${p%/cmdline}
    [[ $p == "$$" || $p == "$BASHPID" ]] && continue
    [[ $(readlink -f "/proc/$p/exe" 2>/dev/null) == */containerd-shim* ]] && kill -KILL "$p" 2>/dev/null || true
  done
  if [[ -x $k8s/kube-proxy ]]; then
    "$k8s/kube-proxy" --cleanup --v 0 >>"$CACHE/down.log" 2>&1 || true
  fi
  stop_many kube-scheduler kube-controller-manager
  stop_proc kube-apiserver 15
  stop_proc etcd 10

  log "control plane stopped; cleaning network, mounts, cgroups"
  # network: pod network namespaces (their veths go with them), the bridge, rules
  collect_netns
  local ns
  while read -r ns; do
    [[ -n $ns && -e $ns ]] || continue
    umount "$ns" 2>/dev/null || umount -l "$ns" 2>/dev/null || true
    rm -f "$ns" 2>/dev/null || true
  done <"$RUN/netns.list"
  rm -f /var/lib/cni/results/"$CNI_NET"-* 2>/dev/null || true
  ip link show "$BRIDGE" >/dev/null 2>&1 && ip link delete "$BRIDGE" 2>/dev/null || true
  if command -v nft >/dev/null && nft list table inet "$NFT_TABLE" >/dev/null 2>&1; then
    nft delete table inet "$NFT_TABLE" 2>>"$CACHE/down.log" || true
  fi
  clean_iptables
  remove_new_nft_tables
  if command -v conntrack >/dev/null; then
    conntrack -D -s "$ROUTE_CIDR" >/dev/null 2>&1 || true
    conntrack -D -d "$ROUTE_CIDR" >/dev/null 2>&1 || true
  fi
  node_ip_on_lo && ip addr del "$NODE_IP/32" dev lo || true

  # mounts, cgroups, container log links
  local m
  for i in 1 2 3; do
    while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done < <(our_mounts)
    [[ -z $(our_mounts) ]] && break
    sleep 0.5
  done
  remove_kubepods_cgroups
  if [[ -d /var/log/containers ]]; then
    find /var/log/containers -maxdepth 1 -type l -lname "$RUN/pod-logs/*" -delete 2>/dev/null || true
  fi
  restore_sysctls

  if [[ -n $(our_mounts) ]]; then
    die "mounts remain, not deleting $RUN: $(our_mounts | tr '\n' ' ')"
  fi
  if [[ -n ${AMHA_RIG_KEEP_LOGS:-} && -d $LOGS ]]; then
    rm -rf "$CACHE/last-failed-logs"; cp -r "$LOGS" "$CACHE/last-failed-logs" 2>/dev/null || true
    log "component logs of the failed run kept in $CACHE/last-failed-logs"
  fi
  rm -rf --one-file-system "$RUN" "$SOCKDIR"
  log "rig is down"
}

# ---------------------------------------------------------------- status / env
status_quiet() {
  local c
  for c in "${COMPONENTS[@]}"; do alive "$c" || return 1; done
  [[ -f $KUBECONFIG_OUT ]] && node_ready
}

status() {
  local c rc=0 pid
  for c in "${COMPONENTS[@]}"; do
    if pid=$(pid_of "$c"); then
      printf '%-24s running (pid %s)\n' "$c" "$pid"
    else
      printf '%-24s not running\n' "$c"; rc=1
    fi
  done
  if [[ -f $KUBECONFIG_OUT ]] && [[ -x $(k8s_out)/kubectl ]] && node_ready; then
    printf '%-24s Ready\n' "node/$NODE_NAME"
  else
    printf '%-24s not Ready\n' "node/$NODE_NAME"; rc=1
  fi
  printf '%-24s %s\n' kubeconfig "$KUBECONFIG_OUT"
  return $rc
}

env_cmd() {
  echo "export KUBECONFIG=$KUBECONFIG_OUT"
  echo "export AMHA_RIG_KUBECTL=$(k8s_out)/kubectl"
  echo "export AMHA_RIG_AM_IMAGE=$AM_IMAGE"
  echo "export AMHA_RIG_TOOLS_IMAGE=$TOOLS_IMAGE"
  echo "export AMHA_RIG_PROMETHEUS_IMAGE=$PROM_IMAGE"
  echo "export AMHA_RIG_NODE_IP=$NODE_IP"
  echo "export AMHA_RIG_RIGCTL=$(tools_out)/rigctl"
  echo "export PATH=$(k8s_out):\$PATH"
}

# start_netpol DIR: the NetworkPolicy controller, enforcing once its nftables table exists
start_netpol() {
  start netpol "$1/amha-netpol" --kubeconfig "$KUBECONFIG_OUT" --hostname-override "$NODE_NAME" \
    --metrics-bind-address 127.0.0.1:19080 --v 1
  wait_for "the policy controller's nftables table" 60 netpol nft list table inet "$NFT_TABLE"
}

# netpol_cmd stop|start: the NetworkPolicy controller alone, for the tests of a network that
# does not enforce NetworkPolicy. Stopped, its nftables table goes with it (no stale rules):
# every flow passes, as on a network without a policy controller.
netpol_cmd() {
  need_root
  alive kubelet || die "the rig is not up"
  case ${1:-} in
    stop) stop_proc netpol 15; nft delete table inet "$NFT_TABLE" 2>/dev/null || true ;;
    start) alive netpol || start_netpol "$(netpol_out)" ;;
    *) die "usage: $0 netpol stop|start" ;;
  esac
}

case ${1:-} in
  up) up ;;
  netpol) netpol_cmd "${2:-}" ;;
  down) down ;;
  env) env_cmd ;;
  status) status ;;
  build) ensure_packages; build_all; log "all binaries and images are cached under $CACHE" ;;
  import)
    need_root; shift
    alive containerd || die "the rig is not up"
    for _t in "$@"; do /usr/bin/ctr -a "$CTRD_SOCK" -n k8s.io images import "$_t" || die "importing $_t failed"; done ;;
  *) echo "usage: $0 up|down|env|status|build|import DOCKER-ARCHIVE.tar...|netpol stop|start" >&2; exit 2 ;;
esac
