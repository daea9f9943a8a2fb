#!/usr/bin/env bash
# Tier 2: the pause image as containerd's CRI sandbox_image.
#  - starts Debian's containerd 1.6 with its own config/root/state/socket in a
#    temp dir (containerd-daemon.sh)
#  - imports the pause and busybox images (ctr -n k8s.io images import)
#  - talks CRI v1 with crictl (built by scripts/cri-tools.sh), as a user would
#  - pod 1 (shared PID namespace): busybox sees /pause as PID 1 (uid 65535),
#    shares the pod's net/ipc/uts/pid namespaces and IP; orphans are reaped;
#    stopp + rmp clean up (pause gets SIGKILL => 137 there)
#  - pod 2: `ctr tasks kill --signal SIGTERM <sandbox>` => pause exits 0
#  - the tar+zstd variant of the image imports, unpacks and runs `/pause -v`
# Env: PAUSE_IMAGE_DIR / PAUSE_IMAGE_TAR (default dist/image, dist/pause.oci.tar),
#      E2E_POD_SUBNET (default 10.251.77.0/24), E2E_KEEP_TMP=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/containerd-daemon.sh"
require_root
need_cmds containerd ctr runc containerd-shim-runc-v2 jq skopeo gcc busybox

resolve_cri_tools
resolve_pause_image
resolve_busybox_image
make_tmp T
ARCH="$(host_arch)"
containerd_start "$T" "$PAUSE_IMAGE_NAME"

VERSION_LINE="$(crictl version | awk -F': *' '/^RuntimeName|^RuntimeVersion|^RuntimeApiVersion/ {printf "%s ", $2}')" || fail "crictl version"
pass "crictl $("$CRICTL" --version | awk '{print $3}') version: $VERSION_LINE"
check "crictl info: NetworkReady (CNI config loaded)" wait_for 30 "NetworkReady" containerd_network_ready

# ---- images --------------------------------------------------------------------
check "ctr images import pause image ($PAUSE_IMAGE_TAR) as $PAUSE_IMAGE_NAME" \
  ctr_import "$PAUSE_IMAGE_TAR" "$PAUSE_IMAGE_REF" "$PAUSE_IMAGE_NAME"
check "ctr images import busybox image as $BUSYBOX_IMAGE_NAME" \
  ctr_import "$BUSYBOX_IMAGE_TAR" "$BUSYBOX_IMAGE_REF" "$BUSYBOX_IMAGE_NAME"
IMG="$(crictl inspecti -o json "$PAUSE_IMAGE_NAME")"
expect_eq "crictl inspecti: sandbox image known, uid 65535" "65535" "$(jq -r '.status.uid.value // empty' <<<"$IMG")"

# ---- pod 1: shared PID namespace ---------------------------------------------------
pod_config pod1
SB1="$(crictl runp "$T/pod1.json")" || true
[[ -n $SB1 ]] && pass "crictl runp pod1 (sandbox image $PAUSE_IMAGE_NAME, pid: POD) -> ${SB1:0:12}" || fail "crictl runp pod1"
ST1="$(crictl inspectp -o json "$SB1")"
expect_eq "crictl inspectp: pod1 is SANDBOX_READY" SANDBOX_READY "$(jq -r .status.state <<<"$ST1")"
POD_IP="$(jq -r .status.network.ip <<<"$ST1")"
expect_match "pod1 has an IP from the CNI bridge" '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' "$POD_IP"
PAUSE_PID="$(jq -r .info.pid <<<"$ST1")"
expect_eq "crictl inspectp: .info.image is the sandbox image" "$PAUSE_IMAGE_NAME" "$(jq -r .info.image <<<"$ST1")"
expect_eq "sandbox container runs our image" "$PAUSE_IMAGE_NAME" "$("${CTR[@]}" containers info "$SB1" | jq -r .Image)"
expect_match "pause (host pid $PAUSE_PID) runs as uid 65535" $'Uid:\t65535\t65535\t65535\t65535' "$(grep Uid: /proc/$PAUSE_PID/status)"
expect_runtime_env "containerd's sandbox" "$PAUSE_PID"
[[ "$(readlink /proc/$PAUSE_PID/ns/net)" != "$(readlink /proc/self/ns/net)" ]] &&
  pass "pod1 has its own network namespace" || fail "pod1 has its own network namespace"

jq -n --arg img "$BUSYBOX_IMAGE_NAME" '{
  metadata: {name: "busybox", attempt: 0}, image: {image: $img},
  command: ["sleep", "3600"], log_path: "busybox.log",
  linux: {security_context: {namespace_options: {network: 0, pid: 0, ipc: 0}}}}' >"$T/busybox.json"
C1="$(crictl create "$SB1" "$T/busybox.json" "$T/pod1.json")" || true
[[ -n $C1 ]] && pass "crictl create busybox in pod1" || fail "crictl create busybox in pod1"
check "crictl start busybox" crictl start "$C1"
BB_PID="$(crictl inspect -o json "$C1" | jq -r .info.pid)"

# exec_sync CMD...: output of `crictl exec --sync` (ExecSync) in busybox; fails
# on a non-zero exit. crictl prints stdout, a newline, stderr, a newline.
exec_sync() { crictl exec --sync --timeout 20 "$C1" "$@"; }
PS="$(exec_sync ps -o pid,user,args)" || fail "crictl exec --sync ps in busybox"
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
exec_fails() { ! exec_sync false; }
check "crictl exec --sync fails when the command fails" exec_fails

check_orphans_reaped exec_sync
expect_eq "pod1 still SANDBOX_READY" SANDBOX_READY "$(crictl inspectp -o json "$SB1" | jq -r .status.state)"

# ---- containerd events: exit statuses --------------------------------------------
containerd_events_start

# ---- pod 2: SIGTERM to the sandbox task => exit 0 ------------------------------------
pod_config pod2
SB2="$(crictl runp "$T/pod2.json")" || true
[[ -n $SB2 ]] && pass "crictl runp pod2 -> ${SB2:0:12}" || fail "crictl runp pod2"
check_sandbox_term_exit0 pod2 "$SB2"
not_ready() { crictl inspectp -o json "$SB2" | jq -e '.status.state == "SANDBOX_NOTREADY"'; }
check "crictl inspectp: pod2 becomes SANDBOX_NOTREADY" wait_for 10 "pod2 not ready" not_ready
check "crictl stopp pod2" stop_pod "$SB2"
check "crictl rmp pod2" crictl rmp "$SB2"

# ---- pod 1: stopp + rmp ------------------------------------------------------------------
check "crictl stopp pod1" stop_pod "$SB1"
wait_for 10 "pod1 exit event" has_exited "$SB1" || true
log "pod1's pause exit status after crictl stopp: $(exit_status_of "$SB1") (containerd SIGKILLs the sandbox: 137 is expected)"
check "crictl rmp pod1" crictl rmp "$SB1"
expect_eq "crictl pods: no pod sandbox left" "" "$(crictl pods -q)"
expect_eq "crictl ps -a: no container left" "" "$(crictl ps -a -q)"
expect_eq "no task left" "" "$("${CTR[@]}" tasks ls -q)"

# ---- the tar+zstd variant of the image (npm run image makes both) ------------------
ZSTD_TAR="${PAUSE_IMAGE_ZSTD_TAR:-$REPO_ROOT/dist/pause-zstd.oci.tar}"
[[ -f $ZSTD_TAR ]] || fail "the tar+zstd image exists at $ZSTD_TAR (npm run image)"
ZSTD_REF="$(tar -xOf "$ZSTD_TAR" index.json | jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]')"
check "ctr images import the tar+zstd variant ($ZSTD_REF)" \
  "${CTR[@]}" images import --platform "linux/$ARCH" "$ZSTD_TAR"
out="$("${CTR[@]}" run --rm --snapshotter "$SNAPSHOTTER" "$ZSTD_REF" pause-zstd-version /pause -v 2>&1)"
[[ $out =~ $PAUSE_VERSION_RE ]] && pass "the tar+zstd image unpacks and runs: $out" || fail "the tar+zstd image: /pause -v printed: $out"
