#!/usr/bin/env bash
# Runs the e2e tiers in order and sums their `ok - ` / `not ok - ` lines into a
# last line `E2E: N passed, N failed`. Exit status: 0 only if every tier passed.
#   sudo test/e2e/run.sh [TIER[@VARIANT]...]
# A tier is a script of this folder (runc, containerd, docker, podman, critest,
# registry, soak, ...). @VARIANT runs it on runtimes other than the
# generation's packages: "+"-separated folders NAME-VERSION whose bin/ goes
# first on PATH (E2E_RUNTIMES, lib.sh), e.g. containerd@containerd-2.3.4+runc-1.5.1.
# The default list depends on E2E_GENERATION: debian12 (this machine: Debian
# 12's packages) or debian13 (inside scripts/debian13-root.sh's root, which
# sets it: Debian 13's packages and the runtimes built from ../shared/tools).
# Env: PAUSE_IMAGE_DIR / PAUSE_IMAGE_TAR (default dist/image, dist/pause.oci.tar),
#      E2E_SKIP_DEPS=1 (don't run scripts/e2e-deps.sh), E2E_KEEP_TMP=1,
#      E2E_TIER_TIMEOUT (seconds per tier; default 900, critest 1800: two full suites)
set -uo pipefail
E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$E2E_DIR/../.." && pwd)"
tiers=("$@")
case ${E2E_GENERATION:=debian12} in
  debian12) defaults=(runc containerd docker podman critest registry soak) ;;
  debian13)
    today=containerd-2.3.4+runc-1.5.1
    defaults=(runc runc@runc-1.5.1 containerd containerd@$today registry@$today critest@$today)
    E2E_SKIP_DEPS=1 # the root has its packages (scripts/debian13/packages.txt)
    ;;
  *) echo "not ok - E2E_GENERATION=$E2E_GENERATION: debian12 or debian13"; echo "E2E: 0 passed, 1 failed"; exit 1 ;;
esac
export E2E_GENERATION
((${#tiers[@]})) || tiers=("${defaults[@]}")

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
for spec in "${tiers[@]}"; do
  t=${spec%%@*} variant=""
  [[ $spec == *@* ]] && variant=${spec#*@}
  echo "# ==== tier: $spec ($E2E_GENERATION) ===="
  log="$shared/$spec.log"
  start=$(date +%s)
  limit=900
  [[ $t == critest ]] && limit=1800
  E2E_RUNTIMES="$variant" timeout --kill-after=30 "${E2E_TIER_TIMEOUT:-$limit}" bash "$E2E_DIR/$t.sh" </dev/null 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  p=$(grep -c '^ok - ' "$log" || true)
  f=$(grep -c '^not ok - ' "$log" || true)
  if ((rc != 0 && f == 0)); then
    echo "not ok - tier $spec exited $rc without a failing check"
    f=1
  fi
  pass=$((pass + p)) fail=$((fail + f))
  summary+=("# $spec ($E2E_GENERATION): $p passed, $f failed, exit $rc, $(($(date +%s) - start)) s")
done
printf '%s\n' "${summary[@]}"
echo "E2E: $pass passed, $fail failed"
((fail == 0))
