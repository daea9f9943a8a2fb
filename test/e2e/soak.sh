#!/usr/bin/env bash
# Tier: the churn soak, short. On a containerd 1.6 node (node-containerd.sh,
# started as the containerd tier starts it), once with the C pause
# (lib.sh's c_pause_image) as sandbox_image and once with the image under test:
# SOAK_CYCLES pods (default 100) created, started, stopped and removed one
# after the other, every 4th with a busybox container leaving orphans to pause
# in the pod's PID namespace; then no pod, container, shim, pod process,
# zombie, mount, network namespace, cgroup or address may be left and the
# node's MemAvailable must be back within noise. The checks are
# test/support/node/soak.ts's, the same the bench's node section runs over
# 2,000 pods. Only leaks are asserted, never a time.
# Env: PAUSE_IMAGE_DIR / PAUSE_IMAGE_TAR, SOAK_CYCLES, E2E_POD_SUBNET, E2E_KEEP_TMP=1
source "$(dirname "$0")/lib.sh"
require_root
bash "$REPO_ROOT/scripts/require-commands.sh" soak gcc strip jq tar gzip sha256sum stat >&2 ||
  die "the commands soak.sh runs are installed"
BUN="$REPO_ROOT/node_modules/.bin/bun"
[[ -x $BUN ]] || die "bun at node_modules/.bin/bun (npm ci)"
resolve_pause_image
resolve_busybox_image
make_tmp T
c_pause_image "$T/cpause"
pass "C pause image $C_PAUSE_REF (bench/pause-reference.c)"
cycles="${SOAK_CYCLES:-100}"
soak() { # soak LABEL TAR REF
  local t0=$SECONDS
  E2E_TMPDIR="$T" bash "$E2E_DIR/node-containerd.sh" "$1" "$2" "$3" \
    "$BUN" "$REPO_ROOT/test/support/node/soak.ts" --cycles "$cycles" </dev/null ||
    fail "soak with $1 as sandbox image ran to its end without a failed check"
  log "$1: $((SECONDS - t0)) s"
}
soak C "$T/cpause/image.tar" "$C_PAUSE_REF"
soak pause.ts "$PAUSE_IMAGE_TAR" "$PAUSE_IMAGE_REF"
