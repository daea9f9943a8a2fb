#!/usr/bin/env bash
# Tier 2: the pause image as containerd's CRI sandbox_image.
#  - starts Debian's containerd 1.6 with its own config/root/state/socket in a
#    temp dir (CRI plugin, runc v2 shim, restrict_oom_score_adj, overlayfs or
#    native, CNI bridge + host-local + loopback from containernetworking-plugins)
#  - imports the pause and busybox images (ctr -n k8s.io images import)
#  - talks CRI v1 through test/e2e/cri/cri.ts (bun + @grpc/grpc-js)
#  - pod 1 (shared PID namespace): busybox sees /pause as PID 1 (uid 65535),
#    shares the pod's net/ipc/uts/pid namespaces and IP; orphans are reaped;
#    StopPodSandbox + RemovePodSandbox clean up (pause gets SIGKILL => 137 there)
#  - pod 2: `ctr tasks kill --signal SIGTERM <sandbox>` => pause exits 0
#  - the tar+zstd variant of the image imports, unpacks and runs `/pause -v`
# Env: PAUSE_IMAGE_DIR / PAUSE_IMAGE_TAR (default dist/image, dist/pause.oci.tar),
#      BUN, E2E_POD_SUBNET (default 10.251.77.0/24), E2E_KEEP_TMP=1
source "$(dirname "$0")/lib.sh"
require_root
need_cmds containerd ctr runc containerd-shim-runc-v2 jq skopeo gcc busybox
CNI_BIN=/usr/lib/cni
for p in bridge host-local loopback; do
  [[ -x $CNI_BIN/$p ]] || die "CNI plugin $CNI_BIN/$p (apt-get install containernetworking-plugins)"
done

BUN="${BUN:-}"
if [[ -z $BUN ]]; then
  if [[ -x $REPO_ROOT/node_modules/.bin/bun ]]; then BUN="$REPO_ROOT/node_modules/.bin/bun"
  else BUN="$(command -v bun || true)"; fi
fi
[[ -n $BUN && -x $BUN ]] || die "bun found (npm ci in the repo, or set BUN)"
# The CRI client's gRPC packages are the project's devDependencies (npm ci).
(cd "$E2E_DIR/cri" && "$BUN" --no-install -e 'require.resolve("@grpc/grpc-js"); require.resolve("@grpc/proto-loader")') >/dev/null 2>&1 ||
  die "@grpc/grpc-js and @grpc/proto-loader installed (npm ci)"

resolve_pause_image
resolve_busybox_image
make_tmp T
ARCH="$(host_arch)"
SOCK="$T/containerd.sock"
CTR=(ctr --address "$SOCK" -n k8s.io)
BRIDGE="pe2e$$"
BRIDGE="${BRIDGE:0:15}"
SUBNET="${E2E_POD_SUBNET:-10.251.77.0/24}"

cri() { "$BUN" --no-install "$E2E_DIR/cri/cri.ts" --endpoint "unix://$SOCK" --timeout 60 "$@"; }

# ---- snapshotter: overlayfs when an overlay mount works in $T ----------------
SNAPSHOTTER=overlayfs
mkdir -p "$T/ovl/l" "$T/ovl/u" "$T/ovl/w" "$T/ovl/m"
if mount -t overlay overlay -o "lowerdir=$T/ovl/l,upperdir=$T/ovl/u,workdir=$T/ovl/w" "$T/ovl/m" 2>/dev/null; then
  umount "$T/ovl/m"
else
  SNAPSHOTTER=native
  log "overlay mount fails in $T: using the native snapshotter"
fi
rm -rf "$T/ovl"

# ---- config ------------------------------------------------------------------
mkdir -p "$T/cni" "$T/logs"
cat >"$T/config.toml" <<EOF
version = 2
root = "$T/root"
state = "$T/state"
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
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE_NAME"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "$SNAPSHOTTER"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "runc"
        Root = "$T/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN"
    conf_dir = "$T/cni"
    max_conf_num = 1
EOF
# a bridge without gateway, masquerade or iptables: pods get an address on an
# isolated L2 segment of their own, nothing is routed anywhere
cat >"$T/cni/10-pause-e2e.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "pause-e2e",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": false, "ipMasq": false,
     "hairpinMode": false,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$SUBNET"}]], "dataDir": "$T/cni-ipam"}},
    {"type": "loopback"}
  ]
}
EOF

# ---- cleanup (runs in reverse order of registration) -------------------------
on_exit "ip link del '$BRIDGE'"
kill_leftovers() {
  local c p
  # containers still running under our runc root, then our shims (by PID)
  for c in $(runc --root "$T/runc/k8s.io" list -q 2>/dev/null); do
    runc --root "$T/runc/k8s.io" delete -f "$c" >/dev/null 2>&1 || true
  done
  for p in /proc/[0-9]*; do
    if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q -- "containerd-shim-runc-v2 .*-address $SOCK"; then
      kill -KILL "${p#/proc/}" 2>/dev/null || true
    fi
  done
}
on_exit kill_leftovers

# ---- start containerd ----------------------------------------------------------
containerd --config "$T/config.toml" >"$T/containerd.log" 2>&1 &
CONTAINERD_PID=$!
on_exit "stop_pid $CONTAINERD_PID containerd"
dump_log() { { log "containerd log (last 30 lines):"; tail -n 30 "$T/containerd.log" | sed 's/^/#   /'; } >&3; }
on_exit '[[ $E2E_FAIL == 0 ]] || dump_log'
ctr_up() { kill -0 "$CONTAINERD_PID" && ctr --address "$SOCK" version; }
check "containerd $(containerd --version | awk '{print $3}') starts (snapshotter $SNAPSHOTTER)" wait_for 30 "containerd socket" ctr_up
remove_all_pods() {
  local id
  for id in $(cri ListPodSandbox '{}' 2>/dev/null | jq -r '.items[].id'); do
    cri StopPodSandbox "{\"pod_sandbox_id\":\"$id\"}" >/dev/null 2>&1
    cri RemovePodSandbox "{\"pod_sandbox_id\":\"$id\"}" >/dev/null 2>&1
  done
}
on_exit remove_all_pods

VERSION_JSON="$(cri Version '{}')" || fail "CRI Version"
pass "CRI Version: $(jq -r '"\(.runtime_name) \(.runtime_version), CRI \(.runtime_api_version)"' <<<"$VERSION_JSON")"
network_ready() { cri Status '{}' | jq -e '.status.conditions[] | select(.type == "NetworkReady") | .status == true'; }
check "CRI runtime reports NetworkReady (CNI config loaded)" wait_for 30 "NetworkReady" network_ready

# ---- images --------------------------------------------------------------------
# ctr names an OCI-archive image after its ref.name annotation as is
# ("pause.ts:1.0"); the CRI looks images up by normalised name
# (docker.io/library/pause.ts:1.0): tag it so.
import_image() { # import_image TAR REF NAME
  "${CTR[@]}" images import --platform "linux/$ARCH" "$1" &&
    { [[ $2 == "$3" ]] || "${CTR[@]}" images tag --force "$2" "$3"; }
}
check "ctr images import pause image ($PAUSE_IMAGE_TAR) as $PAUSE_IMAGE_NAME" \
  import_image "$PAUSE_IMAGE_TAR" "$PAUSE_IMAGE_REF" "$PAUSE_IMAGE_NAME"
check "ctr images import busybox image as $BUSYBOX_IMAGE_NAME" \
  import_image "$BUSYBOX_IMAGE_TAR" "$BUSYBOX_IMAGE_REF" "$BUSYBOX_IMAGE_NAME"
IMG="$(cri ImageStatus "{\"image\":{\"image\":\"$PAUSE_IMAGE_NAME\"}}")"
expect_eq "CRI ImageStatus: sandbox image known, uid 65535" "65535" "$(jq -r '.image.uid.value // empty' <<<"$IMG")"

# ---- pod 1: shared PID namespace ---------------------------------------------------
pod_config() { # pod_config NAME
  jq -cn --arg n "$1" --arg logs "$T/logs/$1" '{
    metadata: {name: $n, uid: "uid-\($n)", namespace: "pause-e2e", attempt: 0},
    hostname: "\($n)-host", log_directory: $logs,
    linux: {security_context: {namespace_options: {network: "POD", pid: "POD", ipc: "POD"}}}}'
}
POD1="$(pod_config pod1)"
mkdir -p "$T/logs/pod1" "$T/logs/pod2"
SB1="$(cri RunPodSandbox "{\"config\":$POD1}" | jq -r .pod_sandbox_id)" || true
[[ -n $SB1 && $SB1 != null ]] && pass "RunPodSandbox pod1 (sandbox image $PAUSE_IMAGE_NAME, pid: POD) -> ${SB1:0:12}" || fail "RunPodSandbox pod1"
ST1="$(cri PodSandboxStatus "{\"pod_sandbox_id\":\"$SB1\",\"verbose\":true}")"
expect_eq "pod1 is SANDBOX_READY" SANDBOX_READY "$(jq -r .status.state <<<"$ST1")"
POD_IP="$(jq -r .status.network.ip <<<"$ST1")"
expect_match "pod1 has an IP from the CNI bridge" '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' "$POD_IP"
PAUSE_PID="$(jq -r '.info.info | fromjson | .pid' <<<"$ST1")"
expect_eq "sandbox container runs our image" "$PAUSE_IMAGE_NAME" "$("${CTR[@]}" containers info "$SB1" | jq -r .Image)"
expect_match "pause (host pid $PAUSE_PID) runs as uid 65535" $'Uid:\t65535\t65535\t65535\t65535' "$(grep Uid: /proc/$PAUSE_PID/status)"
[[ "$(readlink /proc/$PAUSE_PID/ns/net)" != "$(readlink /proc/self/ns/net)" ]] &&
  pass "pod1 has its own network namespace" || fail "pod1 has its own network namespace"

CT1="$(jq -cn --arg img "$BUSYBOX_IMAGE_NAME" '{
  metadata: {name: "busybox", attempt: 0}, image: {image: $img},
  command: ["sleep", "3600"], log_path: "busybox.log",
  linux: {security_context: {namespace_options: {network: "POD", pid: "POD", ipc: "POD"}}}}')"
C1="$(cri CreateContainer "{\"pod_sandbox_id\":\"$SB1\",\"config\":$CT1,\"sandbox_config\":$POD1}" | jq -r .container_id)" || true
[[ -n $C1 && $C1 != null ]] && pass "CreateContainer busybox in pod1" || fail "CreateContainer busybox in pod1"
check "StartContainer busybox" cri StartContainer "{\"container_id\":\"$C1\"}"
BB_PID="$(cri ContainerStatus "{\"container_id\":\"$C1\",\"verbose\":true}" | jq -r '.info.info | fromjson | .pid')"

# exec_sync CMD...: stdout of ExecSync in busybox; fails on a non-zero exit
exec_sync() {
  local r
  r="$(cri ExecSync "$(jq -cn --arg id "$C1" --argjson cmd "$(json_array "$@")" '{container_id: $id, cmd: $cmd, timeout: 20}')")" || return 1
  printf '%s' "$(jq -r .stdout <<<"$r")"
  [[ $(jq -r .exit_code <<<"$r") == 0 ]] || { jq -r .stderr <<<"$r" >&2; return 1; }
}
PS="$(exec_sync ps -o pid,user,args)" || fail "ExecSync ps in busybox"
log "busybox: ps -o pid,user,args"
printf '%s\n' "$PS" | sed 's/^/#   /'
expect_match "busybox sees PID 1 = /pause as user 65535 (ps)" $'(^|\n) +1 +65535 +/pause *(\n|$)' "$PS"
expect_eq "/proc/1/cmdline in busybox is /pause" "/pause" "$(exec_sync sh -c "tr '\\0' ' ' </proc/1/cmdline" | sed 's/ $//')"
expect_match "/proc/1/status in busybox: Uid 65535" $'Uid:\t65535\t65535\t65535\t65535' "$(exec_sync cat /proc/1/status)"
for ns in pid net ipc uts; do
  expect_eq "busybox shares the pod's $ns namespace (host view)" "$(readlink /proc/$PAUSE_PID/ns/$ns)" "$(readlink /proc/$BB_PID/ns/$ns)"
done
expect_match "busybox has the pod IP $POD_IP on eth0" "inet ${POD_IP//./\\.}/" "$(exec_sync ip -4 addr show eth0)"
expect_eq "busybox has the pod hostname (UTS)" "pod1-host" "$(exec_sync hostname)"

# orphans: the exec'd sh exits at once; its children (stdio detached, so
# ExecSync returns) are re-parented to PID 1 = pause, which must reap them
ORPHANS=30
exec_sync sh -c "i=0; while [ \$i -lt $ORPHANS ]; do sleep 2 </dev/null >/dev/null 2>&1 & i=\$((i+1)); done" >/dev/null ||
  fail "ExecSync: spawn $ORPHANS orphans"
# children of PID 1 / zombies, as seen inside the pod
kids_of_1='cat /proc/[0-9]*/stat 2>/dev/null | sed "s/^.*) //" | awk "\$2 == 1" | wc -l'
zombies='cat /proc/[0-9]*/stat 2>/dev/null | sed "s/^.*) //" | awk "\$1 == \"Z\"" | wc -l'
n0="$(exec_sync sh -c "$kids_of_1" | tr -d ' ')"
((n0 > 0)) && pass "orphans were re-parented to /pause ($n0 children of PID 1)" || fail "orphans were re-parented to /pause ($n0)"
no_kids() { [[ $(exec_sync sh -c "$kids_of_1" | tr -d ' ') == 0 ]]; }
check "pause reaps the orphans (no child of PID 1 left, 15 s)" wait_for 15 "orphans reaped" no_kids
expect_eq "no zombie in the pod" 0 "$(exec_sync sh -c "$zombies" | tr -d ' ')"
expect_eq "pod1 still SANDBOX_READY" SANDBOX_READY "$(cri PodSandboxStatus "{\"pod_sandbox_id\":\"$SB1\"}" | jq -r .status.state)"

# ---- containerd events: exit statuses --------------------------------------------
ctr --address "$SOCK" events >"$T/events.log" 2>&1 &
EVENTS_PID=$!
on_exit "stop_pid $EVENTS_PID ctr-events"
exit_status_of() { # exit_status_of ID: exit_status of its /tasks/exit event (0 is omitted in the JSON)
  grep ' /tasks/exit ' "$T/events.log" | sed 's/^.* \/tasks\/exit //' |
    jq -r --arg id "$1" 'select(.container_id == $id and .id == $id) | .exit_status // 0' 2>/dev/null | head -n 1
}
has_exited() { [[ -n $(exit_status_of "$1") ]]; }

# ---- pod 2: SIGTERM to the sandbox task => exit 0 ------------------------------------
POD2="$(pod_config pod2)"
SB2="$(cri RunPodSandbox "{\"config\":$POD2}" | jq -r .pod_sandbox_id)" || true
[[ -n $SB2 && $SB2 != null ]] && pass "RunPodSandbox pod2 -> ${SB2:0:12}" || fail "RunPodSandbox pod2"
t0=$(date +%s%N)
started() { grep -q " /tasks/start .*\"$SB2\"" "$T/events.log"; }
check "ctr events sees pod2's sandbox task start" wait_for 10 "pod2 task start event" started
PAUSE2_PID="$(cri PodSandboxStatus "{\"pod_sandbox_id\":\"$SB2\",\"verbose\":true}" | jq -r '.info.info | fromjson | .pid')"
check "pod2's pause installs its INT/TERM/CHLD handlers (SigCgt, 10 s)" wait_for 10 "pause handlers" pause_ready "$PAUSE2_PID"
log "pod2: handlers seen $((($(date +%s%N) - t0) / 1000000)) ms after RunPodSandbox returned"
t0=$(date +%s%N)
check "ctr -n k8s.io tasks kill --signal SIGTERM <pod2 sandbox>" "${CTR[@]}" tasks kill --signal SIGTERM "$SB2"
check "pod2's pause exits (task exit event within 10 s)" wait_for 10 "pod2 exit" has_exited "$SB2"
ms=$((($(date +%s%N) - t0) / 1000000))
expect_eq "pod2's pause exit status is 0 after SIGTERM (${ms} ms)" 0 "$(exit_status_of "$SB2")"
not_ready() { cri PodSandboxStatus "{\"pod_sandbox_id\":\"$SB2\"}" | jq -e '.status.state == "SANDBOX_NOTREADY"'; }
check "pod2 becomes SANDBOX_NOTREADY" wait_for 10 "pod2 not ready" not_ready
check "StopPodSandbox pod2" cri StopPodSandbox "{\"pod_sandbox_id\":\"$SB2\"}"
check "RemovePodSandbox pod2" cri RemovePodSandbox "{\"pod_sandbox_id\":\"$SB2\"}"

# ---- pod 1: StopPodSandbox + RemovePodSandbox ---------------------------------------
check "StopPodSandbox pod1" cri StopPodSandbox "{\"pod_sandbox_id\":\"$SB1\"}"
wait_for 10 "pod1 exit event" has_exited "$SB1" || true
log "pod1's pause exit status after StopPodSandbox: $(exit_status_of "$SB1") (containerd SIGKILLs the sandbox: 137 is expected)"
check "RemovePodSandbox pod1" cri RemovePodSandbox "{\"pod_sandbox_id\":\"$SB1\"}"
expect_eq "no pod sandbox left" 0 "$(cri ListPodSandbox '{}' | jq '.items | length')"
expect_eq "no container left" 0 "$(cri ListContainers '{}' | jq '.containers | length')"
expect_eq "no task left" "" "$("${CTR[@]}" tasks ls -q)"

# ---- the tar+zstd variant of the image (npm run image makes both) ------------------
ZSTD_TAR="${PAUSE_IMAGE_ZSTD_TAR:-$REPO_ROOT/dist/pause-zstd.oci.tar}"
[[ -f $ZSTD_TAR ]] || fail "the tar+zstd image exists at $ZSTD_TAR (npm run image)"
ZSTD_REF="$(tar -xOf "$ZSTD_TAR" index.json | jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]')"
check "ctr images import the tar+zstd variant ($ZSTD_REF)" \
  "${CTR[@]}" images import --platform "linux/$ARCH" "$ZSTD_TAR"
out="$("${CTR[@]}" run --rm --snapshotter "$SNAPSHOTTER" "$ZSTD_REF" pause-zstd-version /pause -v 2>&1)"
[[ $out =~ $PAUSE_VERSION_RE ]] && pass "the tar+zstd image unpacks and runs: $out" || fail "the tar+zstd image: /pause -v printed: $out"
