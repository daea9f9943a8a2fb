# shellcheck shell=bash
# A private containerd 1.6 for the CRI tiers (containerd.sh, critest.sh).
# Source it after lib.sh; `containerd_start` starts it and registers its
# cleanup. Everything lives under one temp dir: config, root, state, socket,
# runc root, CNI config and IPAM, pod logs.
#  - CRI plugin, runc v2 shim, restrict_oom_score_adj (the sandbox can't lower
#    its oom_score_adj to -998 here), pod netns bind mounts in the state dir
#  - overlayfs snapshotter, or native when an overlay mount fails there
#  - CNI: bridge (no gateway, no masquerade, so no iptables) + host-local +
#    loopback from containernetworking-plugins
#  - optional registry config_path (hosts.toml per registry host), and
#    optional TOML for the CRI's registry table (credentials: configs.*.auth)
#  - CONTAINERD_HOST_ON_BRIDGE=1: the script creates the bridge with the
#    subnet's first address, so the host reaches the pods (no forwarding, no NAT)
CNI_BIN=/usr/lib/cni

# containerd_start DIR SANDBOX_IMAGE [CONFIG_PATH [REGISTRY_TOML]]
# Sets SOCK, CTR (ctr argv for the k8s.io namespace), CONTAINERD_PID, SNAPSHOTTER,
# CONTAINERD_VERSION. containerd 1.x gets a version 2 config (SANDBOX_IMAGE as
# sandbox_image, REGISTRY_TOML in its registry table), 2.x a version 3 one
# (SANDBOX_IMAGE as the pinned sandbox image; 2.x pulls through its transfer
# service, which takes registry settings from CONFIG_PATH's hosts.toml only).
containerd_start() {
  local dir=$1 sandbox_image=$2 config_path=${3:-} registry_toml=${4:-} p
  for p in bridge host-local loopback; do
    [[ -x $CNI_BIN/$p ]] || die "CNI plugin $CNI_BIN/$p (apt-get install containernetworking-plugins)"
  done
  CONTAINERD_DIR=$dir
  SOCK="$dir/containerd.sock"
  CTR=(ctr --address "$SOCK" -n k8s.io)
  CONTAINERD_BRIDGE="pe2e$$"
  CONTAINERD_BRIDGE="${CONTAINERD_BRIDGE:0:15}"
  local subnet="${E2E_POD_SUBNET:-10.251.77.0/24}"

  SNAPSHOTTER=overlayfs
  mkdir -p "$dir/ovl/l" "$dir/ovl/u" "$dir/ovl/w" "$dir/ovl/m"
  if mount -t overlay overlay -o "lowerdir=$dir/ovl/l,upperdir=$dir/ovl/u,workdir=$dir/ovl/w" "$dir/ovl/m" 2>/dev/null; then
    umount "$dir/ovl/m"
  else
    SNAPSHOTTER=native
    log "overlay mount fails in $dir: using the native snapshotter"
  fi
  rm -rf "$dir/ovl"

  mkdir -p "$dir/cni" "$dir/logs"
  CONTAINERD_VERSION="$(containerd --version | awk '{print $3}')"
  CONTAINERD_VERSION=${CONTAINERD_VERSION#v}
  if [[ ${CONTAINERD_VERSION%%.*} -ge 2 ]]; then
    containerd_config_v3 "$sandbox_image" "$config_path" >"$dir/config.toml"
  else
    containerd_config_v2 "$sandbox_image" "$config_path" "$registry_toml" >"$dir/config.toml"
  fi
  # a bridge without gateway, masquerade or iptables: pods get an address on an
  # isolated L2 segment of their own, nothing is routed anywhere
  cat >"$dir/cni/10-pause-e2e.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "pause-e2e",
  "plugins": [
    {"type": "bridge", "bridge": "$CONTAINERD_BRIDGE", "isGateway": false, "ipMasq": false,
     "hairpinMode": false,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$subnet"}]], "dataDir": "$dir/cni-ipam"}},
    {"type": "loopback"}
  ]
}
EOF
  printf 'runtime-endpoint: unix://%s\nimage-endpoint: unix://%s\ntimeout: 60\n' "$SOCK" "$SOCK" >"$dir/crictl.yaml"

  # cleanups run in reverse order: pods, containerd, leftovers, the bridge
  on_exit "ip link del '$CONTAINERD_BRIDGE'"
  if [[ -n ${CONTAINERD_HOST_ON_BRIDGE:-} ]]; then
    local prefix=${subnet#*/} net=${subnet%/*}
    ip link add "$CONTAINERD_BRIDGE" type bridge &&
      ip addr add "${net%.*}.$((${net##*.} + 1))/$prefix" dev "$CONTAINERD_BRIDGE" &&
      ip link set "$CONTAINERD_BRIDGE" up || die "bridge $CONTAINERD_BRIDGE with the host on $subnet"
  fi
  on_exit containerd_kill_leftovers
  containerd --config "$dir/config.toml" >"$dir/containerd.log" 2>&1 &
  CONTAINERD_PID=$!
  on_exit "stop_pid $CONTAINERD_PID containerd"
  on_exit '[[ $E2E_FAIL == 0 ]] || containerd_dump_log'
  check "containerd $CONTAINERD_VERSION starts (snapshotter $SNAPSHOTTER, config version $(sed -n 's/^version = //p' "$dir/config.toml"))" \
    wait_for 30 "containerd socket" containerd_up
  on_exit containerd_remove_all_pods
}

# the settings version 2 (containerd 1.x) and version 3 (2.x) configs share
containerd_config_common() {
  cat <<EOF
root = "$CONTAINERD_DIR/root"
state = "$CONTAINERD_DIR/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = ""
  level = "info"
[metrics]
  address = ""
EOF
}

# containerd_config_v2 SANDBOX_IMAGE CONFIG_PATH REGISTRY_TOML
containerd_config_v2() {
  local cri='plugins."io.containerd.grpc.v1.cri"'
  echo "version = 2"
  containerd_config_common
  cat <<EOF
[$cri]
  sandbox_image = "$1"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  [$cri.containerd]
    snapshotter = "$SNAPSHOTTER"
    default_runtime_name = "runc"
    [$cri.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [$cri.containerd.runtimes.runc.options]
        BinaryName = "runc"
        Root = "$CONTAINERD_DIR/runc"
        SystemdCgroup = false
  [$cri.cni]
    bin_dir = "$CNI_BIN"
    conf_dir = "$CONTAINERD_DIR/cni"
    max_conf_num = 1
  [$cri.registry]
    config_path = "$2"
$3
EOF
}

# containerd_config_v3 SANDBOX_IMAGE CONFIG_PATH: containerd 2.x, laid out as
# its docs/cri/config.md shows (images, runtime and the CRI server apart)
containerd_config_v3() {
  local images="plugins.'io.containerd.cri.v1.images'" runtime="plugins.'io.containerd.cri.v1.runtime'"
  echo "version = 3"
  containerd_config_common
  cat <<EOF
[$images]
  snapshotter = "$SNAPSHOTTER"
  [$images.pinned_images]
    sandbox = "$1"
  [$images.registry]
    config_path = "$2"
[$runtime]
  enable_selinux = false
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [$runtime.containerd]
    default_runtime_name = "runc"
    [$runtime.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [$runtime.containerd.runtimes.runc.options]
        BinaryName = "runc"
        Root = "$CONTAINERD_DIR/runc"
        SystemdCgroup = false
  [$runtime.cni]
    bin_dirs = ["$CNI_BIN"]
    conf_dir = "$CONTAINERD_DIR/cni"
    max_conf_num = 1
[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
[plugins.'io.containerd.transfer.v1.local']
  [[plugins.'io.containerd.transfer.v1.local'.unpack_config]]
    platform = "linux/$(host_arch)"
    snapshotter = "$SNAPSHOTTER"
EOF
}

containerd_up() { kill -0 "$CONTAINERD_PID" && ctr --address "$SOCK" version; }
containerd_dump_log() {
  log "containerd log (last 30 lines):" >&3
  tail -n 30 "$CONTAINERD_DIR/containerd.log" | sed 's/^/#   /' >&3
}

# crictl ARGS...: build/bin/crictl (scripts/cri-tools.sh) against this containerd
crictl() { "$CRICTL" --config "$CONTAINERD_DIR/crictl.yaml" "$@"; }

# resolve_cri_tools: build/bin/crictl and critest, built by scripts/cri-tools.sh when
# missing or built from another archive
resolve_cri_tools() {
  bash "$REPO_ROOT/scripts/cri-tools.sh" | sed 's/^/# /' >&3 || die "scripts/cri-tools.sh builds crictl and critest"
  CRICTL="$REPO_ROOT/build/bin/crictl"
  CRITEST="$REPO_ROOT/build/bin/critest"
}

containerd_network_ready() {
  crictl info | jq -e '.status.conditions[] | select(.type == "NetworkReady") | .status == true'
}

# stop_pod ID: StopPodSandbox, called again on failure as kubelet does (up to
# 3 times): containerd 1.6 now and then answers "failed to kill sandbox
# container: ttrpc: closed" while the sandbox's shim is exiting, e.g. right
# after its pause exited on SIGTERM (test/e2e/NOTES.md; test/support/node/cri.ts
# does the same for the soak). Each failed call is logged.
stop_pod() {
  local id=$1 attempt out
  for attempt in 1 2 3; do
    out="$(crictl stopp "$id" 2>&1)" && return 0
    log "crictl stopp $id, attempt $attempt: $out"
  done
  return 1
}

containerd_remove_all_pods() {
  local id
  for id in $(crictl pods -q 2>/dev/null); do
    crictl stopp "$id" >/dev/null 2>&1
    crictl rmp -f "$id" >/dev/null 2>&1
  done
}

# containers still running under our runc root, then our shims (by PID)
containerd_kill_leftovers() {
  local c p root="$CONTAINERD_DIR/runc/k8s.io"
  for c in $(runc --root "$root" list -q 2>/dev/null); do
    runc --root "$root" delete -f "$c" >/dev/null 2>&1 || true
  done
  for p in /proc/[0-9]*; do
    if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q -- "containerd-shim-runc-v2 .*-address $SOCK"; then
      kill -KILL "${p#/proc/}" 2>/dev/null || true
    fi
  done
}

# ctr_import TAR REF NAME: import one platform of an OCI archive and tag it
# with the normalised name the CRI looks it up by. ctr names the image after
# its ref.name annotation as is ("pause.ts:1.0"), the CRI wants
# docker.io/library/pause.ts:1.0 and would try to pull otherwise.
ctr_import() {
  "${CTR[@]}" images import --platform "linux/$(host_arch)" "$1" &&
    { [[ $2 == "$3" ]] || "${CTR[@]}" images tag --force "$2" "$3"; }
}

# pod_config NAME: a pod sandbox config sharing its PID namespace (crictl
# reads the CRI's own snake_case field names; namespace mode 0 = POD), as
# $CONTAINERD_DIR/NAME.json, logs under $CONTAINERD_DIR/logs/NAME
pod_config() {
  jq -n --arg n "$1" --arg logs "$CONTAINERD_DIR/logs/$1" '{
    metadata: {name: $n, uid: "uid-\($n)", namespace: "pause-e2e", attempt: 0},
    hostname: "\($n)-host", log_directory: $logs,
    linux: {security_context: {namespace_options: {network: 0, pid: 0, ipc: 0}}}}' >"$CONTAINERD_DIR/$1.json"
  mkdir -p "$CONTAINERD_DIR/logs/$1"
}

# containerd_events_start: `ctr events` into $CONTAINERD_DIR/events.log, for
# exit_status_of / has_exited / task_started
containerd_events_start() {
  ctr --address "$SOCK" events >"$CONTAINERD_DIR/events.log" 2>&1 &
  EVENTS_PID=$!
  on_exit "stop_pid $EVENTS_PID ctr-events"
}
# exit_status_of ID: exit_status of its /tasks/exit event (0 is omitted in the JSON)
exit_status_of() {
  grep ' /tasks/exit ' "$CONTAINERD_DIR/events.log" | sed 's/^.* \/tasks\/exit //' |
    jq -r --arg id "$1" 'select(.container_id == $id and .id == $id) | .exit_status // 0' 2>/dev/null | head -n 1
}
has_exited() { [[ -n $(exit_status_of "$1") ]]; }
task_started() { grep -q " /tasks/start .*\"$1\"" "$CONTAINERD_DIR/events.log"; }

# check_sandbox_term_exit0 NAME ID: right after `crictl runp` returned ID:
# once its pause has its handlers, SIGTERM to the sandbox task (ctr tasks
# kill) makes it exit 0
check_sandbox_term_exit0() {
  local name=$1 id=$2 pid t0 ms
  t0=$(date +%s%N)
  check "ctr events sees $name's sandbox task start" wait_for 10 "$name task start event" task_started "$id"
  pid="$(crictl inspectp -o json "$id" | jq -r .info.pid)"
  check "$name's pause installs its INT/TERM/CHLD handlers (SigCgt, 10 s)" wait_for 10 "pause handlers" pause_ready "$pid"
  log "$name: handlers seen $((($(date +%s%N) - t0) / 1000000)) ms after crictl runp returned"
  t0=$(date +%s%N)
  check "ctr -n k8s.io tasks kill --signal SIGTERM <$name sandbox>" "${CTR[@]}" tasks kill --signal SIGTERM "$id"
  check "$name's pause exits (task exit event within 10 s)" wait_for 10 "$name exit" has_exited "$id"
  ms=$((($(date +%s%N) - t0) / 1000000))
  expect_eq "$name's pause exit status is 0 after SIGTERM (${ms} ms)" 0 "$(exit_status_of "$id")"
}
