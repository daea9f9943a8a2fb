#!/usr/bin/env bash
# Runs the e2e tiers in order (runc, containerd, docker, podman, critest, registry, soak) and sums their
# `ok - ` / `not ok - ` lines into a last line `E2E: N passed, N failed`.
# Exit status: 0 only if every tier passed.
#   sudo test/e2e/run.sh [TIER...]        (default: runc containerd docker podman critest registry soak)
# Env: PAUSE_IMAGE_DIR / PAUSE_IMAGE_TAR (default dist/image, dist/pause.oci.tar),
#      E2E_SKIP_DEPS=1 (don't run scripts/e2e-deps.sh), E2E_KEEP_TMP=1,
#      E2E_TIER_TIMEOUT (seconds per tier; default 900, critest 1800: two full suites)
set -uo pipefail
E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$E2E_DIR/../.." && pwd)"
tiers=("$@")
((${#tiers[@]})) || tiers=(runc containerd docker podman critest registry soak)

if [[ $(id -u) != 0 ]]; then echo "not ok - e2e must run as root"; echo "E2E: 0 passed, 1 failed"; exit 1; fi
if [[ -z ${E2E_SKIP_DEPS:-} ]]; then
  bash "$REPO_ROOT/scripts/e2e-deps.sh" 2>&1 | sed 's/^/# /' || { echo "not ok - scripts/e2e-deps.sh"; echo "E2E: 0 passed, 1 failed"; exit 1; }
fi

shared="$(mktemp -d /tmp/pause-e2e-run.XXXXXX)"
trap 'rm -rf "$shared"' EXIT
# build the shared images once for all tiers
export BUSYBOX_IMAGE_OUT="$shared/bb"
bash "$E2E_DIR/busybox-image.sh" "$BUSYBOX_IMAGE_OUT" | sed 's/^/# /'

pass=0 fail=0 summary=()
for t in "${tiers[@]}"; do
  echo "# ==== tier: $t ===="
  log="$shared/$t.log"
  start=$(date +%s)
  limit=900
  [[ $t == critest ]] && limit=1800
  timeout --kill-after=30 "${E2E_TIER_TIMEOUT:-$limit}" bash "$E2E_DIR/$t.sh" </dev/null 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  p=$(grep -c '^ok - ' "$log" || true)
  f=$(grep -c '^not ok - ' "$log" || true)
  if ((rc != 0 && f == 0)); then
    echo "not ok - tier $t exited $rc without a failing check"
    f=1
  fi
  pass=$((pass + p)) fail=$((fail + f))
  summary+=("# $t: $p passed, $f failed, exit $rc, $(($(date +%s) - start)) s")
done
printf '%s\n' "${summary[@]}"
echo "E2E: $pass passed, $fail failed"
((fail == 0))
