# shellcheck shell=bash
# Shared by test/arch/{amd64,arm64}.sh: runs the /pause of one platform of the
# built image (dist/image) the way a runtime runs the container, as far as
# plain Linux tools allow: the layer unpacked into a temporary root with a
# /proc, that root bind-mounted read-only, chroot, uid/gid 65535 and no
# supplementary groups, an empty environment, and for the PID 1 checks a PID
# namespace of its own. A foreign architecture runs through Debian's
# qemu-user-static, copied into the root so that nothing outside it is seen.
# Prints `ok - ...` / `not ok - ...`; exits non-zero when a check failed.
set -euo pipefail

ARCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$ARCH_DIR/../.." && pwd)"
export PATH="/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin"
LAYOUT="${PAUSE_IMAGE_DIR:-$REPO_ROOT/dist/image}"
FAILED=0

ok() { printf 'ok - %s\n' "$*"; }
not_ok() { printf 'not ok - %s\n' "$*"; FAILED=$((FAILED + 1)); }
diag() { printf '%s\n' "$@" | sed 's/^/#   /'; }
# check NAME CONDITION...: ok when the command succeeds
check() {
  local name=$1
  shift
  if "$@"; then ok "$name"; else not_ok "$name"; fi
}
finish() {
  ((FAILED == 0)) || { printf '# %d check(s) failed\n' "$FAILED"; exit 1; }
}

need_tools() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 && continue
    echo "# $t missing: running scripts/image-deps.sh"
    bash "$REPO_ROOT/scripts/image-deps.sh" | sed 's/^/#   /'
    return
  done
}

[[ $(id -u) == 0 ]] || { not_ok "run as root (namespaces, chroot, uid 65535)"; exit 1; }
[[ -f $LAYOUT/index.json ]] || { not_ok "image layout at $LAYOUT (npm run image)"; exit 1; }
need_tools jq unshare nsenter gcc aarch64-linux-gnu-gcc qemu-aarch64-static qemu-x86_64-static

WORK="$(mktemp -d /tmp/pause-arch.XXXXXX)"
chmod 755 "$WORK"
RUNNING=() # PID 1s still running when the script ends: killed, by PID
trap 'for p in "${RUNNING[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT

blob() { printf '%s/blobs/%s/%s' "$LAYOUT" "${1%%:*}" "${1#*:}"; }

# manifest_of ARCH: the digest of the linux/ARCH manifest in the image index
manifest_of() {
  local index
  index=$(jq -r '.manifests[0].digest' "$LAYOUT/index.json")
  jq -r --arg a "$1" '.manifests[] | select(.platform.os == "linux" and .platform.architecture == $a) | .digest' \
    "$(blob "$index")"
}

# unpack_root ARCH DEST: the layers of linux/ARCH, plus the /proc mount point
# a runtime creates
unpack_root() {
  local m d
  m=$(manifest_of "$1")
  [[ -n $m ]] || return 1
  mkdir -p "$2"
  for d in $(jq -r '.layers[].digest' "$(blob "$m")"); do
    tar -xzf "$(blob "$d")" -C "$2" --numeric-owner --same-owner -p || return 1
  done
  mkdir -p "$2/proc"
}

# confined ROOT [--pid] CMD...: CMD inside ROOT, read-only, as 65535:65535
# with no supplementary groups and an empty environment; with --pid, as PID 1
# of a new PID namespace (killed if the launcher dies).
confined() {
  local root=$1 pidns=()
  shift
  if [[ $1 == --pid ]]; then
    pidns=(--pid --fork --kill-child)
    shift
  fi
  unshare --mount --propagation private -- /bin/sh -c '
    root=$1; shift
    mount --bind "$root" "$root" && mount -o remount,bind,ro "$root" || exit 125
    exec /usr/bin/env -i /usr/bin/unshare "$@"' \
    sh "$root" "${pidns[@]}" --mount-proc=/proc --root="$root" \
    --setgid 65535 --setuid 65535 -- "$@"
}

# children_of PID: the PIDs whose parent is PID (no procps on a bare machine)
children_of() {
  local f line fields
  for f in /proc/[0-9]*/stat; do
    { read -r line <"$f"; } 2>/dev/null || continue
    read -r -a fields <<<"${line##*) }" # after "pid (comm) ": state ppid ...
    [[ ${fields[1]} == "$1" ]] && { f=${f#/proc/}; echo "${f%/stat}"; }
  done
  return 0
}

# wait_until SECONDS CMD...: polls CMD every 0.1 s
wait_until() {
  local i secs=$1
  shift
  for ((i = 0; i < secs * 10; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}

# test_platform ARCH [EMULATOR]: the checks for linux/ARCH of the image; the
# static EMULATOR (qemu-*-static) is copied into the root and runs /pause.
test_platform() {
  local arch=$1 emulator=${2:-}
  local root="$WORK/root-$arch" run=() out rc version
  version=$(node -p 'require(process.argv[1]).version' "$REPO_ROOT/package.json" 2>/dev/null || echo '')

  if ! unpack_root "$arch" "$root"; then
    not_ok "$arch: unpack the linux/$arch layer of $LAYOUT"
    return
  fi
  ok "$arch: unpack the linux/$arch layer of $LAYOUT"
  if [[ -n $emulator ]]; then
    cp "$(command -v "$emulator")" "$root/emulator"
    run=(/emulator)
  fi

  out=$(confined "$root" "${run[@]}" /pause -v 2>"$WORK/err") && rc=0 || rc=$?
  if [[ $rc == 0 && $out =~ ^pause\.ts\ v${version//./\\.} ]]; then
    ok "$arch: /pause -v in its own read-only root, uid 65535, empty environment: $out"
  else
    not_ok "$arch: /pause -v in its own read-only root, uid 65535, empty environment (exit $rc)"
    diag "stdout: $out" "$(head -n 20 "$WORK/err")"
  fi

  # PID 1: reaps the orphans left in its namespace, exits 0 on SIGTERM.
  local fixture="$WORK/orphans-$arch" launcher pause_pid=""
  if [[ $arch == arm64 ]]; then
    aarch64-linux-gnu-gcc -std=c11 -O2 -Wall -Wextra -Werror -static -o "$fixture" "$REPO_ROOT/test/fixtures/orphans.c"
  else
    gcc -std=c11 -O2 -Wall -Wextra -Werror -static -o "$fixture" "$REPO_ROOT/test/fixtures/orphans.c"
  fi
  confined "$root" --pid "${run[@]}" /pause >"$WORK/pid1.out" 2>"$WORK/pid1.err" &
  launcher=$!
  # launcher (unshare --mount) -> sh, exec'd into unshare --pid -> its child,
  # once that has exec'd /pause (or the emulator)
  find_pause() {
    local inner comm
    inner=$(children_of "$launcher" | head -n 1)
    [[ -n $inner ]] && pause_pid=$(children_of "$inner" | head -n 1) && [[ -n $pause_pid ]] &&
      read -r comm <"/proc/$pause_pid/comm" && [[ $comm != unshare ]]
  }
  if ! wait_until 20 find_pause; then
    not_ok "$arch: /pause starts as PID 1 of a PID namespace"
    kill "$launcher" 2>/dev/null || true
    return
  fi
  ok "$arch: /pause starts as PID 1 of a PID namespace (host pid $pause_pid)"
  RUNNING+=("$pause_pid")
  check "$arch: its root is mounted read-only" \
    awk '$5 == "/" && $6 ~ /(^|,)ro(,|$)/ { found = 1 } END { exit !found }' "/proc/$pause_pid/mountinfo"
  check "$arch: it runs as uid/gid 65535, no supplementary groups" \
    grep -Pzq 'Uid:\t65535\t65535\t65535\t65535\nGid:\t65535\t65535\t65535\t65535\n(.|\n)*Groups:\t *\n' "/proc/$pause_pid/status"

  check "$arch: the library /etc/ld.so.preload names is loaded into /pause" \
    grep -q "/$(basename "$(cat "$root/etc/ld.so.preload")")\$" "/proc/$pause_pid/maps"

  local orphans_cmd=("$fixture" 100)
  [[ -n $emulator ]] && orphans_cmd=("$(command -v "$emulator")" "$fixture" 100)
  if nsenter --target "$pause_pid" --pid -- "${orphans_cmd[@]}"; then
    ok "$arch: 100 orphans left in the namespace"
  else
    not_ok "$arch: 100 orphans left in the namespace"
  fi
  no_children() { [[ -z $(children_of "$pause_pid") ]]; }
  if wait_until 30 no_children; then
    ok "$arch: PID 1 reaped every orphan"
  else
    not_ok "$arch: PID 1 reaped every orphan ($(children_of "$pause_pid" | wc -l) left)"
  fi
  check "$arch: nothing on stderr while PID 1 (no first-process warning)" test ! -s "$WORK/pid1.err"

  kill -TERM "$pause_pid"
  if ! wait_until 10 test ! -e "/proc/$pause_pid"; then
    diag "still running 10 s after SIGTERM: SIGKILL"
    kill -KILL "$pause_pid" 2>/dev/null || true
  fi
  wait "$launcher" && rc=0 || rc=$?
  if [[ $rc == 0 ]] && grep -qx 'Shutting down, got signal: Terminated' "$WORK/pid1.err"; then
    ok "$arch: SIGTERM to PID 1: 'Shutting down, got signal: Terminated', exit 0"
  else
    not_ok "$arch: SIGTERM to PID 1: 'Shutting down, got signal: Terminated', exit 0 (exit $rc)"
    diag "$(head -n 20 "$WORK/pid1.err")"
  fi
}
