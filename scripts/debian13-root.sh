#!/usr/bin/env bash
# debian13-root.sh: a Debian 13 (trixie) root with today's container runtimes,
# for the e2e tiers' second generation (README "What is proven where").
#
#   sudo bash scripts/debian13-root.sh build        # root and tools, cached
#   sudo bash scripts/debian13-root.sh run CMD...   # CMD inside the root
#   sudo bash scripts/debian13-root.sh versions     # what the root runs
#   sudo bash scripts/debian13-root.sh path         # where the cached root is
#
# 1. The root: `debootstrap --variant=minbase trixie` with trixie,
#    trixie-updates, trixie-security and trixie-backports, then the packages of
#    scripts/debian13/packages.txt (Debian 13's containerd 1.7, runc 1.1, crun,
#    podman 5, Docker 26, Go 1.26 from backports, ...). Cached in
#    $PAUSE_ROOT_CACHE (default /var/cache/pause.ts-roots) under a name made of
#    the sha256 of that list and of this script: what it is made from.
# 2. The tools kept as source in ../shared/tools (containerd 2.3.4, runc
#    1.5.1, cri-tools 1.36.0, CRI-O 1.36.3), each checked against the sha256
#    in the table below, built offline inside the root with its Go, and cached
#    under the archive's sha256 and the root's name. A missing or mismatched
#    archive stops with one line naming the file and the sum expected.
# 3. `run`: CMD with an overlay of the cached root as / of its own mount and
#    PID namespaces (scripts/lib/root.sh): writes go to a per-run upper layer,
#    removed afterwards, so the cache stays as built. The repository is at
#    /work/pause.ts, ../shared at /work/shared (read-only); /tmp, /var/lib
#    and /var/tmp are real directories of the run (the runtimes' overlay
#    mounts cannot sit on an overlay). The tools are in /opt/<name>-<version>/bin.
#    When CMD ends or this script is stopped, everything it started goes with
#    the PID namespace.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/lib/root.sh"
cache=${PAUSE_ROOT_CACHE:-/var/cache/pause.ts-roots}
tools_dir=${PAUSE_TOOLS_DIR:-$repo/../shared/tools}
suite=trixie
log() { printf 'debian13-root: %s\n' "$*" >&2; }

# name  archive  sha256  built files (relative to the unpacked tree)
TOOLS=(
  "containerd-2.3.4 containerd-v2.3.4.tar.gz 04d437f718bd820a05466bf8dfcc21f2e9d62c5582bd7d3b5a17edd6c63537f1 bin/containerd bin/containerd-shim-runc-v2 bin/ctr"
  "runc-1.5.1 runc-v1.5.1.tar.gz d2068bbb4dae288f741b2da0367cc6afe7bc07e66011c6b6734acfb9fa9e180f runc"
  "cri-tools-1.36.0 cri-tools-v1.36.0.tar.gz aac5aaf303eadb2a525899e59ca58c8e545fe6643384d82606284d8743a32a06 build/bin/linux/amd64/crictl build/bin/linux/amd64/critest"
  "cri-o-1.36.3 cri-o-v1.36.3.tar.gz 4f337e8033600f34bd7b92e932e39e104a4e366ced57ea4b196d06f489acfbc8 bin/crio bin/pinns"
)

# make arguments of each tool (README of ../shared/tools: how each built here)
build_command() {
  case $1 in
    containerd-*) echo 'make binaries VERSION=v2.3.4 REVISION=db8809540e1a7a9da5d518876894933ff55692ab' ;;
    runc-*) echo 'make BUILDTAGS="seccomp urfave_cli_no_docs" COMMIT=8f2685a471d3347a686ad3909783d8aafc6bb208' ;;
    cri-tools-*) echo 'make VERSION=1.36.0' ;;
    cri-o-*) echo 'make bin/crio COMMIT=b24632ab44955fa84685640d4177f3c554e9f69c BUILDTAGS="containers_image_ostree_stub containers_image_openpgp exclude_graphdriver_btrfs btrfs_noversion exclude_graphdriver_devicemapper libdm_no_deferred_remove seccomp libsqlite3" && make -C pinns' ;;
  esac
}

[[ $(id -u) == 0 ]] || { log "run as root"; exit 1; }
bash "$repo/scripts/require-commands.sh" debian13-root debootstrap unshare flock mount pivot_root sha256sum cp >&2

# the root's name: the sha256 of what it is made from (the package list and
# the functions that build it), so that editing the rest of this file keeps it
root_key() {
  { cat "$repo/scripts/debian13/packages.txt"; declare -f build_root debootstrap_root host_network; } |
    sha256sum | cut -c1-16
}

build_root() {
  local tmp=$base.tmp pkgs=() bp=() line
  log "building the root $base (debootstrap --variant=minbase $suite $(root_mirror))"
  rm -rf --one-file-system "$tmp"
  debootstrap_root "$suite" "$tmp" "$suite" "$suite-updates" "$suite-backports"
  host_network "$tmp"
  while read -r line; do
    [[ -z $line || $line == \#* ]] && continue
    if [[ $line == *:* ]]; then bp+=("${line#*:}/${line%%:*}"); else pkgs+=("$line"); fi
  done <"$repo/scripts/debian13/packages.txt"
  in_root "$tmp" bash -c 'export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" && apt-get clean' _ "${pkgs[@]}" "${bp[@]}" >&2
  # nothing of the root's own is left running or configured to start
  rm -rf "$tmp"/var/lib/docker "$tmp"/var/lib/containerd "$tmp"/etc/cni/net.d/*
  rm -rf --one-file-system "$base"
  mv "$tmp" "$base"
  in_root "$base" dpkg-query -W -f '${Package} ${Version}\n' | sort >"$base.packages.tmp"
  mv "$base.packages.tmp" "$base.packages"
  log "root ready: $(grep -c . "$base.packages") packages"
}

# tool_out NAME SUM: where the build of NAME from the archive SUM is kept
# (with the root's Go, by the make command of build_command)
tool_out() {
  printf '%s/tools/%s-%s-%s\n' "$cache" "$1" "${2:0:12}" \
    "$(printf '%s %s' "$key" "$(build_command "$1")" | sha256sum | cut -c1-12)"
}

build_tool() {
  local name=$1 archive=$2 sum=$3 out got src f
  shift 3
  out=$(tool_out "$name" "$sum")
  [[ -f $out/.done ]] && return 0
  [[ -f $tools_dir/$archive ]] || { log "missing $tools_dir/$archive (sha256 $sum expected)"; return 1; }
  got=$(sha256sum "$tools_dir/$archive" | cut -d' ' -f1)
  [[ $got == "$sum" ]] || { log "$tools_dir/$archive has sha256 $got, expected $sum: not the archive described"; return 1; }
  log "building $name from $archive (sha256 ${sum:0:12}): $(build_command "$name")"
  rm -rf "$out.tmp"
  mkdir -p "$out.tmp/src" "$out.tmp/bin"
  tar -xzf "$tools_dir/$archive" -C "$out.tmp/src"
  src=$(find "$out.tmp/src" -mindepth 1 -maxdepth 1 -type d | head -n 1)
  local started=$SECONDS
  ROOT_BINDS="$src:/build $out.tmp/bin:/out" in_root "$base" bash -c '
    export PATH=/usr/lib/go-1.26/bin:$PATH GOPROXY=off GOTOOLCHAIN=local GOCACHE=/build/.cache/go GOPATH=/build/.gopath
    cd /build && eval "$1"' _ "$(build_command "$name")" >"$out.tmp/build.log" 2>&1 ||
    { tail -n 20 "$out.tmp/build.log" | sed 's/^/  /' >&2; log "$name did not build (log: $out.tmp/build.log)"; return 1; }
  for f in "$@"; do
    [[ -x $src/$f ]] || { log "$name: the build made no $f (log: $out.tmp/build.log)"; return 1; }
    cp "$src/$f" "$out.tmp/bin/"
  done
  rm -rf "$out.tmp/src"
  mv "$out.tmp" "$out"
  touch "$out/.done"
  log "$name built in $((SECONDS - started)) s: $(ls "$out/bin" | tr '\n' ' ')"
}

build_all() {
  mkdir -p "$cache/tools"
  exec 9>"$cache/.lock"
  flock 9 # one build at a time; runs share the finished root read-only
  [[ -f $base.packages ]] || build_root
  local t
  for t in "${TOOLS[@]}"; do
    # shellcheck disable=SC2086
    build_tool $t || return 1
  done
  flock -u 9
}

# binds of a run: the tools at /opt/NAME/bin
tool_binds() {
  local t name archive sum
  for t in "${TOOLS[@]}"; do
    read -r name archive sum _ <<<"$t"
    printf '%s:/opt/%s:ro ' "$(tool_out "$name" "$sum")" "$name"
  done
}

run_in_root() {
  local run upper status=0
  build_all
  run=$(mktemp -d "${PAUSE_ROOT_WORK:-/var/tmp}/pause.ts-debian13.XXXXXX")
  mkdir -p "$run/upper" "$run/work" "$run/root" "$run/tmp" "$run/var-lib" "$run/var-tmp"
  chmod 1777 "$run/tmp" "$run/var-tmp"
  # /var/lib starts as the root's (dpkg's, apt's), on a real directory
  cp -a "$base/var/lib/." "$run/var-lib/"
  mount -t overlay overlay -o "lowerdir=$base,upperdir=$run/upper,workdir=$run/work" "$run/root" ||
    { log "overlay mount of $base failed"; rm -rf "$run"; return 1; }
  cleanup_run() {
    umount -l "$run/root" 2>/dev/null || true
    rm -rf --one-file-system "$run"
  }
  trap cleanup_run EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  host_network "$run/root"
  local shared=""
  [[ -d $repo/../shared ]] && shared="$(cd "$repo/../shared" && pwd):/work/shared:ro"
  ROOT_BINDS="$repo:/work/pause.ts $shared $run/tmp:/tmp $run/var-lib:/var/lib $run/var-tmp:/var/tmp $(tool_binds)" \
    in_root "$run/root" env CI="${CI:-}" E2E_GENERATION=debian13 "$@" || status=$?
  return "$status"
}

key=$(root_key)
base=$cache/$suite-$key # and $base.packages, written last: the root is complete

case ${1:-} in
  build) build_all; log "root $base and tools ready" ;;
  path) echo "$base" ;;
  run) shift; run_in_root "$@" ;;
  versions)
    run_in_root bash -c 'for b in /opt/*/bin/*; do printf "%s: " "$b"; "$b" --version 2>&1 | head -n 1; done
      for c in containerd runc crun podman dockerd conmon skopeo; do printf "%s: " "$(command -v $c)"; $c --version 2>&1 | head -n 1; done' ;;
  *) echo "usage: $0 build | run CMD... | versions | path" >&2; exit 2 ;;
esac
