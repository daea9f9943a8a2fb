#!/usr/bin/env bash
# A node for one sandbox image: a private containerd 1.6 started as the CRI
# tiers start it (containerd-daemon.sh), with IMAGE as its sandbox_image and
# the busybox test image imported, then COMMAND run against it; containerd,
# its shims and the bridge are stopped by PID and removed when COMMAND ends.
# The soak tier (soak.sh) and the bench's node section (bench/sections/node.ts)
# run their measurements (test/support/node/) as COMMAND.
# COMMAND gets, in its environment:
#   NODE_CRICTL      crictl argv prefix, tab-separated (binary, --config FILE)
#   NODE_DIR         containerd's temp dir (root, state, runc root, CNI IPAM)
#   NODE_SOCK        containerd's socket (its shims name it in their command line)
#   NODE_BUSYBOX     the busybox image's CRI name
#   NODE_IMAGE       the sandbox image's CRI name
#   NODE_LABEL       LABEL
#   NODE_CGROUP_PARENT  the cgroup parent to give pods (removed with the node)
# Usage: node-containerd.sh LABEL IMAGE_TAR IMAGE_REF COMMAND...
# Env: E2E_POD_SUBNET (default 10.251.82.0/24), BUSYBOX_IMAGE_OUT, E2E_KEEP_TMP=1
E2E_TIER="node-${1:?usage: node-containerd.sh LABEL IMAGE_TAR IMAGE_REF COMMAND...}"
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/containerd-daemon.sh"
require_root
bash "$REPO_ROOT/scripts/require-commands.sh" node-containerd containerd ctr runc containerd-shim-runc-v2 \
  jq ip mount umount awk sed sort grep tr kill mktemp >&2 || die "the commands node-containerd.sh runs are installed"
label=$1 tar=${2:?} ref=${3:?}
shift 3
(($#)) || die "node-containerd.sh: a COMMAND to run"
export E2E_POD_SUBNET="${E2E_POD_SUBNET:-10.251.82.0/24}"

resolve_cri_tools
resolve_busybox_image
make_tmp T
name="$(normalize_ref "$ref")"
containerd_start "$T" "$name"
check "crictl info: NetworkReady (CNI config loaded)" wait_for 30 "NetworkReady" containerd_network_ready
check "ctr images import $label sandbox image as $name" ctr_import "$tar" "$ref" "$name"
check "ctr images import busybox image as $BUSYBOX_IMAGE_NAME" \
  ctr_import "$BUSYBOX_IMAGE_TAR" "$BUSYBOX_IMAGE_REF" "$BUSYBOX_IMAGE_NAME"

# the pods' cgroup parent: runc makes it, nobody removes it
cgroup_parent="/pause-node-${T##*.}"
remove_cgroup_parent() {
  containerd_remove_all_pods
  local d
  for d in /sys/fs/cgroup/"$cgroup_parent" /sys/fs/cgroup/*/"$cgroup_parent"; do
    [[ -d $d ]] && rmdir "$d"
  done
}
on_exit remove_cgroup_parent

rc=0
NODE_CGROUP_PARENT="$cgroup_parent" NODE_CRICTL="$(printf '%s\t--config\t%s' "$CRICTL" "$T/crictl.yaml")" NODE_DIR="$T" NODE_SOCK="$SOCK" \
  NODE_BUSYBOX="$BUSYBOX_IMAGE_NAME" NODE_IMAGE="$name" NODE_LABEL="$label" "$@" || rc=$?
exit "$rc"
