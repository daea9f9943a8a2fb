#!/usr/bin/env bash
# fresh-root-ci.sh: runs `.ci/run` the way CI runs it on a new machine, in a
# fresh Debian 12 root that has nothing but Debian's nodejs, npm and gcc.
# Proves that every package the run needs is installed by the project's own
# scripts: a command this machine happens to have does not help inside.
#
#   sudo bash scripts/fresh-root-ci.sh        # committed HEAD of this repository
#   sudo bash scripts/fresh-root-ci.sh --base-only   # only build the cached base
#
# 1. A base root, built once and cached in $FRESH_ROOT_CACHE
#    (default /var/cache/pause.ts-fresh-root): `debootstrap --variant=minbase
#    bookworm` (Debian's required packages and apt, nothing else), Debian's
#    sources and apt settings copied from this machine, then
#    `apt-get install --no-install-recommends nodejs npm gcc`. Delete the
#    directory to rebuild it.
# 2. Each run copies the base into a new directory under $FRESH_ROOT_WORK
#    (default /var/tmp), clones the repository's committed HEAD into it at
#    /work/pause.ts, and, when a `shared/` directory sits beside the
#    repository, mounts it read-only at /work/shared.
# 3. `CI=true bash .ci/run` runs with stdin from /dev/null, with that root as
#    `/` (pivot_root) of its own mount and PID namespaces: fresh /proc, /run
#    and /dev/shm, this machine's /sys (cgroups included) and /dev, and this
#    machine's network (apt and npm reach their registries as they do here).
#    PID 1 of that namespace is the run itself: when it ends, or this script
#    is stopped, the kernel kills whatever it left (dockerd, containerd, shims),
#    and its mounts go away with the namespace.
#
# Prints the run's output (also in $FRESH_ROOT_WORK/pause.ts-ci.<id>.log), then
# the last line, the exit status, the time taken and the Debian packages the
# run installed. Exits with the run's status. FRESH_ROOT_KEEP=1 keeps the root.
# Needs root, util-linux, git, debootstrap (installed when missing).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${FRESH_ROOT_CACHE:-/var/cache/pause.ts-fresh-root}
work=${FRESH_ROOT_WORK:-/var/tmp}
suite=bookworm
base=$cache/$suite-minbase # and $base.packages: its packages, written last
log() { printf 'fresh-root: %s\n' "$*" >&2; }

[[ $(id -u) == 0 ]] || { log "run as root"; exit 1; }
bash "$repo/scripts/require-commands.sh" fresh-root debootstrap git unshare flock mount pivot_root comm tee cp >&2

source "$repo/scripts/lib/root.sh"
mirror=${FRESH_ROOT_MIRROR:-$(host_sources | awk -v s="$suite" '$2 == s {print $1; exit}')}
mirror=${mirror:-http://deb.debian.org/debian}

build_base() {
  local tmp=$base.tmp
  log "building the base root in $base: debootstrap --variant=minbase $suite $mirror"
  rm -rf --one-file-system "$tmp"
  ROOT_MIRROR=$mirror debootstrap_root "$suite" "$tmp"
  host_network "$tmp"
  in_root "$tmp" bash -c 'export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm gcc && apt-get clean' >&2
  rm -rf --one-file-system "$base"
  mv "$tmp" "$base"
  in_root "$base" dpkg-query -W -f '${Package}\n' | sort >"$base.packages.tmp"
  mv "$base.packages.tmp" "$base.packages"
}

mkdir -p "$cache" "$work"
exec 9>"$cache/.lock"
flock 9 # one base build at a time; runs share the finished base read-only
[[ -f $base.packages ]] || build_base
flock -u 9
if [[ ${1:-} == --base-only ]]; then log "base root ready: $base"; exit 0; fi

run=$(mktemp -d "$work/pause.ts-fresh-root.XXXXXX")
id=${run##*.}
out=$work/pause.ts-ci.$id.log
launcher=""
cleanup() {
  if [[ -n $launcher ]] && kill -0 "$launcher" 2>/dev/null; then
    kill -TERM "$launcher" 2>/dev/null || true # --kill-child: the namespace goes with it
    wait "$launcher" 2>/dev/null || true
  fi
  if [[ -n ${FRESH_ROOT_KEEP:-} ]]; then log "kept $run/root"; else rm -rf --one-file-system "$run"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "copying the base into $run/root"
cp -a "$base" "$run/root"
host_network "$run/root"
revision=$(git -C "$repo" rev-parse HEAD)
git -C "$repo" diff --quiet HEAD -- || log "uncommitted changes in $repo are not part of the run"
git clone -q --no-local "$repo" "$run/root/work/pause.ts"
git -C "$run/root/work/pause.ts" checkout -q --detach "$revision"
if [[ -z ${FRESH_ROOT_SHARED+x} && -d $repo/../shared ]]; then
  FRESH_ROOT_SHARED=$(cd "$repo/../shared" && pwd)
fi
export ROOT_BINDS="${FRESH_ROOT_SHARED:+$FRESH_ROOT_SHARED:/work/shared:ro}"

log "$suite root: $(grep -c . "$base.packages") packages; node $(in_root "$run/root" node -v), npm $(in_root "$run/root" npm -v)"
log "revision $revision: CI=true bash .ci/run (log: $out)"
start=$(date +%s)
set +e
# In the background, so that a signal to this script stops the run at once.
exec 8> >(tee "$out")
tee_pid=$!
root_command "$run/root" bash -c 'cd /work/pause.ts && CI=true exec bash .ci/run'
"${root_cmd[@]}" >&8 2>&1 &
launcher=$!
wait "$launcher"
status=$?
launcher=""
exec 8>&-
wait "$tee_pid"
set -e
seconds=$(($(date +%s) - start))

installed=$(in_root "$run/root" dpkg-query -W -f '${Package}\n' | sort | comm -13 "$base.packages" -)
echo
echo "fresh-root: last line: $(grep . "$out" | tail -n 1)"
echo "fresh-root: exit status $status after ${seconds} s ($((seconds / 60)) min $((seconds % 60)) s)"
echo "fresh-root: base: debootstrap --variant=minbase $suite + nodejs npm gcc (no recommends)"
echo "fresh-root: installed by the run ($(grep -c . <<<"$installed") packages): $(tr '\n' ' ' <<<"$installed")"
exit "$status"
