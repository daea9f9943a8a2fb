# shellcheck shell=bash
# Shared helpers for the e2e tiers (runc, containerd, docker, podman, critest).
# Source it; it sets strict mode, a cleanup stack run on EXIT, TAP-ish
# reporting (`ok - name` / `not ok - name`), and OCI image-layout helpers.
set -euo pipefail

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$E2E_DIR/../.." && pwd)"
export DEBIAN_FRONTEND=noninteractive
# the tiers run as root with a sane PATH whatever the caller had
# (/usr/local/bin/docker is a CLI without the legacy builder: use /usr/bin/docker)
# E2E_RUNTIMES (run.sh's TIER@VARIANT): the runtimes a tier runs on instead of
# the generation's packages, "name-version" folders with a bin/ of their own
# (scripts/debian13-root.sh puts them at /opt/NAME-VERSION), ahead on PATH.
_e2e_prefix=""
for _r in ${E2E_RUNTIMES//+/ }; do _e2e_prefix+="${E2E_RUNTIMES_DIR:-/opt}/$_r/bin:"; done
export PATH="${_e2e_prefix}/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin"
unset _e2e_prefix _r
DOCKER_BIN="${DOCKER_BIN:-/usr/bin/docker}"
# the generation of runtimes the tier runs on: debian12 (this machine's
# packages) or debian13 (scripts/debian13-root.sh)
E2E_GENERATION="${E2E_GENERATION:-debian12}"

E2E_PASS=0
E2E_FAIL=0
E2E_TIER="${E2E_TIER:-$(basename "$0" .sh)}${E2E_RUNTIMES:+@$E2E_RUNTIMES}"

log() { printf '# [%s] %s\n' "$E2E_TIER" "$*"; }
die() { printf 'not ok - %s\n' "$*"; log "aborting"; exit 1; }

exec 3>&1 # the tier's stdout, for output from cleanups (which run with stdout to /dev/null)

# ---- cleanup stack ---------------------------------------------------------
_E2E_CLEANUPS=()
on_exit() { _E2E_CLEANUPS+=("$*"); }
_e2e_run_cleanups() {
  local rc=$? i
  set +e
  for ((i = ${#_E2E_CLEANUPS[@]} - 1; i >= 0; i--)); do
    eval "${_E2E_CLEANUPS[$i]}" >/dev/null 2>&1
  done
  log "done: $E2E_PASS passed, $E2E_FAIL failed (exit $rc)"
  exit "$rc"
}
trap _e2e_run_cleanups EXIT
# a command that fails outside a check (set -e) still counts as a failure
trap 'E2E_FAIL=$((E2E_FAIL + 1)); printf "not ok - unexpected failure at line %s: %s\n" "$LINENO" "$BASH_COMMAND"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

# stop_pid PID [NAME]: SIGTERM, wait up to 20 s, then SIGKILL. Only that PID.
stop_pid() {
  local pid=$1 name=${2:-process} i
  [[ -n $pid ]] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  log "$name ($pid) ignored SIGTERM for 20 s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# make_tmp VAR: mktemp -d under $E2E_TMPDIR or /tmp, removed on exit
# (after unmounting anything still mounted below it).
make_tmp() {
  local d
  d="$(mktemp -d "${E2E_TMPDIR:-/tmp}/pause-e2e-${E2E_TIER}.XXXXXX")"
  chmod 755 "$d"
  on_exit "rm_tmp '$d'"
  printf -v "$1" '%s' "$d"
}
rm_tmp() {
  local d=$1 m
  [[ -n $d && -d $d ]] || return 0
  # unmount deepest first (overlay snapshots, shm, netns...)
  while read -r m; do umount -l "$m" 2>/dev/null || true; done \
    < <(awk -v d="$d" '$5 ~ "^"d {print $5}' /proc/self/mountinfo | sort -r)
  [[ -n ${E2E_KEEP_TMP:-} ]] && { log "kept $d"; return 0; }
  rm -rf --one-file-system "$d" 2>/dev/null || rm -rf "$d" || true
}

# wait_for SECONDS DESCRIPTION CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
  local secs=$1 what=$2 i
  shift 2
  for ((i = 0; i < secs * 10; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  log "timed out after ${secs}s waiting for $what"
  return 1
}

# sig_caught PID SIGNUM...: every signal has a handler in PID (SigCgt in /proc/PID/status)
sig_caught() {
  local pid=$1 mask n
  shift
  mask="$(awk '/^SigCgt:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" || return 1
  [[ -n $mask ]] || return 1
  for n in "$@"; do (((16#$mask >> (n - 1)) & 1)) || return 1; done
}
# pause_ready PID: pause has installed its SIGINT, SIGTERM and SIGCHLD handlers.
# Before that a SIGTERM to a PID 1 is dropped by the kernel, so a stop request
# sent right after start is lost (SPEC: start-up time is a correctness window).
pause_ready() { sig_caught "$1" 2 15 17; }

# ---- reporting -------------------------------------------------------------
pass() { E2E_PASS=$((E2E_PASS + 1)); printf 'ok - %s\n' "$*"; }
fail() { E2E_FAIL=$((E2E_FAIL + 1)); printf 'not ok - %s\n' "$*"; exit 1; }

# check NAME CMD...: run CMD, ok if it exits 0; else print its output and abort.
check() {
  local name=$1 out rc
  shift
  out="$("$@" 2>&1)" && rc=0 || rc=$?
  if ((rc == 0)); then
    pass "$name"
  else
    printf '%s\n' "$out" | sed 's/^/#   /' | tail -n 40
    log "command exited $rc: $*"
    fail "$name"
  fi
}

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
  if [[ "$2" == "$3" ]]; then pass "$1"; else
    log "expected: $(printf %q "$2")"
    log "actual:   $(printf %q "$3")"
    fail "$1"
  fi
}
# expect_match NAME ERE ACTUAL
expect_match() {
  if [[ "$3" =~ $2 ]]; then pass "$1"; else
    log "expected to match: $2"
    printf '%s\n' "$3" | sed 's/^/#   actual: /' | head -n 40
    fail "$1"
  fi
}

# check_orphans_reaped EXEC...: in a pod that shares its PID namespace, EXEC
# (a command prefix: `crictl exec --sync ID`, `podman exec NAME`) runs a sh in
# a container that exits at once, leaving $ORPHANS children (stdio detached,
# so that an ExecSync returns) to be re-parented to PID 1 = pause, which must
# reap them.
ORPHANS=30
check_orphans_reaped() {
  local n0
  local kids_of_1='cat /proc/[0-9]*/stat 2>/dev/null | sed "s/^.*) //" | awk "\$2 == 1" | wc -l'
  local zombies='cat /proc/[0-9]*/stat 2>/dev/null | sed "s/^.*) //" | awk "\$1 == \"Z\"" | wc -l'
  "$@" sh -c "i=0; while [ \$i -lt $ORPHANS ]; do sleep 2 </dev/null >/dev/null 2>&1 & i=\$((i+1)); done" >/dev/null ||
    fail "spawn $ORPHANS orphans ($*)"
  n0="$("$@" sh -c "$kids_of_1" | tr -d ' ')"
  ((n0 > 0)) && pass "orphans were re-parented to /pause ($n0 children of PID 1)" || fail "orphans were re-parented to /pause ($n0)"
  _no_kids() { [[ $("$@" sh -c "$kids_of_1" | tr -d ' ') == 0 ]]; }
  check "pause reaps the orphans (no child of PID 1 left, 15 s)" wait_for 15 "orphans reaped" _no_kids "$@"
  expect_eq "no zombie in the pod" 0 "$("$@" sh -c "$zombies" | tr -d ' ')"
}

# expect_runtime_env LABEL PID: pause (host pid PID) got its image config's Env
# from the runtime: the settings under which it runs within 512 MiB of
# RLIMIT_AS and RLIMIT_DATA (README "Limits").
expect_runtime_env() {
  local label=$1 pid=$2 want got
  want="$(oci_image_config "$PAUSE_IMAGE_DIR" "$(host_arch)" | jq -r '.config.Env // [] | .[]' | sort)"
  [[ -n $want ]] || fail "$label: the image config has an Env"
  got="$(tr '\0' '\n' <"/proc/$pid/environ" | grep -Fx -f <(printf '%s\n' "$want") | sort)"
  expect_eq "$label: pause's environment has the image's Env ($(printf '%s ' $want))" "$want" "$got"
}

# resolve_cri_tools: crictl and critest. $CRI_TOOLS_BIN when set (the debian13
# root's cri-tools 1.36), else build/bin/, built by scripts/cri-tools.sh when
# missing or built from another archive.
resolve_cri_tools() {
  if [[ -n ${CRI_TOOLS_BIN:-} ]]; then
    [[ -x $CRI_TOOLS_BIN/crictl && -x $CRI_TOOLS_BIN/critest ]] || die "crictl and critest in CRI_TOOLS_BIN=$CRI_TOOLS_BIN"
  else
    bash "$REPO_ROOT/scripts/cri-tools.sh" | sed 's/^/# /' >&3 || die "scripts/cri-tools.sh builds crictl and critest"
  fi
  CRICTL="${CRI_TOOLS_BIN:-$REPO_ROOT/build/bin}/crictl"
  CRITEST="${CRI_TOOLS_BIN:-$REPO_ROOT/build/bin}/critest"
}

# need_cmds CMD...: run scripts/e2e-deps.sh (apt-get, idempotent) when one is missing
need_cmds() {
  local c missing=()
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
  ((${#missing[@]})) || return 0
  log "missing ${missing[*]}: running scripts/e2e-deps.sh"
  bash "$REPO_ROOT/scripts/e2e-deps.sh" | sed 's/^/#   /' || die "scripts/e2e-deps.sh"
  for c in "${missing[@]}"; do command -v "$c" >/dev/null 2>&1 || die "$c installed (scripts/e2e-deps.sh)"; done
}

require_root() { [[ $(id -u) == 0 ]] || die "must run as root"; }

host_arch() {
  case "$(uname -m)" in
    x86_64) echo amd64 ;;
    aarch64 | arm64) echo arm64 ;;
    *) uname -m ;;
  esac
}

# json_array ARGS...: the arguments as a JSON array of strings
json_array() {
  local a out=""
  for a in "$@"; do out+="${out:+,}$(printf '%s' "$a" | jq -Rs .)"; done
  printf '[%s]\n' "$out"
}

# ---- OCI image layouts -----------------------------------------------------
# The image under test: $PAUSE_IMAGE_DIR (OCI layout, default dist/image) and
# $PAUSE_IMAGE_TAR (the same as an OCI-layout tar, default dist/pause.oci.tar).
resolve_pause_image() {
  PAUSE_IMAGE_DIR="${PAUSE_IMAGE_DIR:-$REPO_ROOT/dist/image}"
  PAUSE_IMAGE_TAR="${PAUSE_IMAGE_TAR:-$REPO_ROOT/dist/pause.oci.tar}"
  [[ -f $PAUSE_IMAGE_DIR/index.json ]] || die "pause image present at $PAUSE_IMAGE_DIR (npm run image, or set PAUSE_IMAGE_DIR)"
  [[ -f $PAUSE_IMAGE_TAR ]] || die "pause image tar present at $PAUSE_IMAGE_TAR"
  PAUSE_IMAGE_REF="$(oci_ref_name "$PAUSE_IMAGE_DIR")"
  [[ -n $PAUSE_IMAGE_REF ]] || die "pause image has an org.opencontainers.image.ref.name annotation"
  PAUSE_IMAGE_NAME="$(normalize_ref "$PAUSE_IMAGE_REF")"
  PAUSE_IMAGE_VERSION="${PAUSE_IMAGE_REF##*:}"
  # `/pause -v` prints "pause.ts v<version>[-<build info>] ...": <version> is the ref's tag
  PAUSE_VERSION_RE="^pause\.ts v${PAUSE_IMAGE_VERSION//./\\.}([-+ ]|\$)"
  export PAUSE_IMAGE_DIR PAUSE_IMAGE_TAR PAUSE_IMAGE_REF PAUSE_IMAGE_NAME PAUSE_IMAGE_VERSION PAUSE_VERSION_RE
  log "pause image: $PAUSE_IMAGE_DIR (tar $PAUSE_IMAGE_TAR), ref $PAUSE_IMAGE_REF -> $PAUSE_IMAGE_NAME"
}

# The busybox test image (test/e2e/busybox-image.sh), built once per run into
# $BUSYBOX_IMAGE_OUT (default: a temp dir of the tier).
resolve_busybox_image() {
  if [[ -z ${BUSYBOX_IMAGE_OUT:-} || ! -f ${BUSYBOX_IMAGE_OUT}/busybox/index.json ]]; then
    local bd
    make_tmp bd
    bash "$E2E_DIR/busybox-image.sh" "$bd" >/dev/null
    BUSYBOX_IMAGE_OUT="$bd"
  fi
  BUSYBOX_IMAGE_DIR="$BUSYBOX_IMAGE_OUT/busybox"
  BUSYBOX_IMAGE_TAR="$BUSYBOX_IMAGE_OUT/busybox.oci.tar"
  BUSYBOX_IMAGE_REF="$(oci_ref_name "$BUSYBOX_IMAGE_DIR")"
  BUSYBOX_IMAGE_NAME="$(normalize_ref "$BUSYBOX_IMAGE_REF")"
  export BUSYBOX_IMAGE_OUT BUSYBOX_IMAGE_DIR BUSYBOX_IMAGE_TAR BUSYBOX_IMAGE_REF BUSYBOX_IMAGE_NAME
}

# normalize_ref REF: docker/CRI normalisation ("pause.ts:1" -> docker.io/library/pause.ts:1)
normalize_ref() {
  local r=$1 first
  [[ $r == *:* || $r == *@* ]] || r="$r:latest"
  if [[ $r != */* ]]; then
    r="docker.io/library/$r"
  else
    first="${r%%/*}"
    [[ $first == *.* || $first == *:* || $first == localhost ]] || r="docker.io/$r"
  fi
  printf '%s\n' "$r"
}

oci_blob() { printf '%s/blobs/%s/%s' "$1" "${2%%:*}" "${2#*:}"; }

# oci_ref_name LAYOUT: the first org.opencontainers.image.ref.name in index.json
# (or in a nested index it points to).
oci_ref_name() {
  local l=$1 n d
  n="$(jq -r '[.manifests[]?.annotations["org.opencontainers.image.ref.name"] // empty][0] // empty' "$l/index.json")"
  if [[ -z $n ]]; then
    for d in $(jq -r '.manifests[] | select(.mediaType == "application/vnd.oci.image.index.v1+json") | .digest' "$l/index.json"); do
      n="$(jq -r '[.manifests[]?.annotations["org.opencontainers.image.ref.name"] // empty][0] // empty' "$(oci_blob "$l" "$d")")"
      [[ -n $n ]] && break
    done
  fi
  printf '%s\n' "$n"
}

# oci_manifest_for LAYOUT ARCH: digest of the linux/ARCH image manifest,
# looking through nested indexes; descriptors without platform are matched by
# their config's architecture.
oci_manifest_for() {
  local l=$1 arch=$2
  _oci_find() {
    local idx=$1 mt dg parch
    while IFS=$'\t' read -r mt dg parch; do
      case "$mt" in
        application/vnd.oci.image.index.v1+json | application/vnd.docker.distribution.manifest.list.v2+json)
          _oci_find "$(oci_blob "$l" "$dg")" && return 0 ;;
        *)
          # referrers (an SBOM, a signature) point at an image by `subject`: not images
          jq -e 'has("subject")' "$(oci_blob "$l" "$dg")" >/dev/null && continue
          if [[ -z $parch ]]; then
            parch="$(jq -r '.architecture' "$(oci_blob "$l" "$(jq -r .config.digest "$(oci_blob "$l" "$dg")")")")"
          fi
          if [[ $parch == "$arch" ]]; then printf '%s\n' "$dg"; return 0; fi ;;
      esac
    done < <(jq -r '.manifests[] | select((.artifactType // "") == "")
      | [.mediaType, .digest, (.platform.architecture // "")] | @tsv' "$idx")
    return 1
  }
  _oci_find "$l/index.json"
}

# oci_single_platform LAYOUT ARCH OUT [REF]: a new layout holding just the
# linux/ARCH manifest (index.json -> that manifest, ref.name REF). Blobs hardlinked.
oci_single_platform() {
  local l=$1 arch=$2 out=$3 ref=${4:-} m mf size d
  m="$(oci_manifest_for "$l" "$arch")" || { echo "no linux/$arch manifest in $l" >&2; return 1; }
  mf="$(oci_blob "$l" "$m")"
  mkdir -p "$out/blobs/sha256"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
  for d in "$m" $(jq -r '.config.digest, .layers[].digest' "$mf"); do
    ln -f "$(oci_blob "$l" "$d")" "$(oci_blob "$out" "$d")" 2>/dev/null ||
      cp "$(oci_blob "$l" "$d")" "$(oci_blob "$out" "$d")"
  done
  size="$(stat -c %s "$mf")"
  jq -n --arg d "$m" --argjson s "$size" --arg mt "$(jq -r '.mediaType // "application/vnd.oci.image.manifest.v1+json"' "$mf")" \
    --arg ref "$ref" --arg arch "$arch" '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{mediaType: $mt, digest: $d, size: $s, platform: {architecture: $arch, os: "linux"}}
        + (if $ref == "" then {} else {annotations: {"org.opencontainers.image.ref.name": $ref}} end)]}' >"$out/index.json"
}

# oci_unpack_rootfs LAYOUT ARCH DEST: apply the layers of the linux/ARCH image
# to DEST (plain tar extraction; whiteouts are not needed for these images).
oci_unpack_rootfs() {
  local l=$1 arch=$2 dest=$3 m d
  m="$(oci_manifest_for "$l" "$arch")" || { echo "no linux/$arch manifest in $l" >&2; return 1; }
  mkdir -p "$dest"
  for d in $(jq -r '.layers[].digest' "$(oci_blob "$l" "$m")"); do
    tar -xf "$(oci_blob "$l" "$d")" -C "$dest" --numeric-owner --same-owner -p
  done
}

# oci_image_config LAYOUT ARCH: the image config JSON of the linux/ARCH image
oci_image_config() {
  local l=$1 arch=$2 m
  m="$(oci_manifest_for "$l" "$arch")" || return 1
  cat "$(oci_blob "$l" "$(jq -r .config.digest "$(oci_blob "$l" "$m")")")"
}

# oci_to_docker_archive LAYOUT ARCH NAME:TAG OUT.tar — docker 20.10's `docker
# load` can't take an OCI layout tar; skopeo converts one platform to a
# docker-archive that it can.
oci_to_docker_archive() {
  local l=$1 arch=$2 name=$3 out=$4 single
  single="$(mktemp -d "${E2E_TMPDIR:-/tmp}/oci-single.XXXXXX")"
  oci_single_platform "$l" "$arch" "$single" &&
    skopeo --insecure-policy copy --quiet "oci:$single" "docker-archive:$out:$name"
  local rc=$?
  rm -rf "$single"
  return $rc
}

# busybox_rootfs DEST [--hardlinks]: a root filesystem of Debian's static
# busybox: /bin with every applet linked (symlinks, or hard links as in
# upstream's busybox image), /etc/passwd and /etc/group with root and nobody.
busybox_rootfs() {
  local r=$1 bb=/bin/busybox a ln=(ln -sf busybox)
  [[ -x $bb ]] || { echo "/bin/busybox missing (apt-get install busybox-static)" >&2; return 1; }
  # static: no program interpreter (PT_INTERP) to load it
  local headers
  headers=$(readelf -lW "$bb") || { echo "readelf cannot read /bin/busybox" >&2; return 1; }
  ! grep -q 'Requesting program interpreter' <<<"$headers" ||
    { echo "/bin/busybox is not static (busybox-static, not busybox)" >&2; return 1; }
  mkdir -p "$r/bin" "$r/etc" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/root"
  chmod 1777 "$r/tmp"
  cp "$bb" "$r/bin/busybox"
  [[ ${2:-} == --hardlinks ]] && ln=(ln -f "$r/bin/busybox")
  for a in $("$bb" --list); do
    [[ $a == busybox ]] || "${ln[@]}" "$r/bin/$a"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
}

# oci_layout_from_rootfs ROOTFS OUT REF CONFIG_JSON [ARCH...]: a reproducible
# OCI layout (one gzip layer; for each ARCH a manifest, all in a nested index
# carrying the ref.name annotation, like a multi-arch build), plus OUT.tar.
# CONFIG_JSON is the image config's "config" object.
oci_layout_from_rootfs() {
  local rootfs=$1 out=$2 ref=$3 cfg=$4
  shift 4
  local archs=("$@") tmp diffid ldig lsize arch c cdig csize m mdig msize mans=() idx idig isize
  ((${#archs[@]})) || archs=("$(host_arch)")
  mkdir -p "$out/blobs/sha256"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
  tmp="$(mktemp -d)"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    -C "$rootfs" -cf "$tmp/layer.tar" .
  diffid="sha256:$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)"
  gzip -n -9 -c "$tmp/layer.tar" >"$tmp/layer.tar.gz"
  ldig="sha256:$(sha256sum "$tmp/layer.tar.gz" | cut -d' ' -f1)"
  lsize="$(stat -c %s "$tmp/layer.tar.gz")"
  mv "$tmp/layer.tar.gz" "$(oci_blob "$out" "$ldig")"
  _put() { # _put FILE -> prints "digest size"
    local dg
    dg="sha256:$(sha256sum "$1" | cut -d' ' -f1)"
    mv "$1" "$(oci_blob "$out" "$dg")"
    printf '%s %s\n' "$dg" "$(stat -c %s "$(oci_blob "$out" "$dg")")"
  }
  for arch in "${archs[@]}"; do
    jq -cn --arg arch "$arch" --argjson cfg "$cfg" --arg diffid "$diffid" \
      '{created: "1970-01-01T00:00:00Z", architecture: $arch, os: "linux", config: $cfg,
        rootfs: {type: "layers", diff_ids: [$diffid]},
        history: [{created: "1970-01-01T00:00:00Z", created_by: "pause.ts e2e"}]}' >"$tmp/config.json"
    read -r cdig csize < <(_put "$tmp/config.json")
    jq -cn --arg c "$cdig" --argjson cs "$csize" --arg l "$ldig" --argjson ls "$lsize" \
      '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
        layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $l, size: $ls}]}' >"$tmp/manifest.json"
    read -r mdig msize < <(_put "$tmp/manifest.json")
    mans+=("$(jq -cn --arg d "$mdig" --argjson s "$msize" --arg arch "$arch" \
      '{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s, platform: {architecture: $arch, os: "linux"}}')")
  done
  printf '%s\n' "${mans[@]}" | jq -cs '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: .}' >"$tmp/index.json"
  read -r idig isize < <(_put "$tmp/index.json")
  jq -n --arg d "$idig" --argjson s "$isize" --arg ref "$ref" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $d, size: $s,
                   annotations: {"org.opencontainers.image.ref.name": $ref}}]}' >"$out/index.json"
  rm -rf "$tmp"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$out" -cf "$out.tar" oci-layout index.json blobs
}

# c_pause_image DIR: the C pause to compare with (bench/pause-reference.c,
# static, stripped), built like upstream's image: FROM scratch, User
# 65535:65535, Entrypoint ["/pause"], named $C_PAUSE_REF, host architecture
# only. Writes the layout DIR/image and its archive DIR/image.tar.
C_PAUSE_REF=pause-c:3.10
c_pause_image() {
  local d=$1
  mkdir -p "$d/rootfs"
  gcc -Os -static -Wall -Wextra -Werror -o "$d/rootfs/pause" "$REPO_ROOT/bench/pause-reference.c" &&
    strip "$d/rootfs/pause" || die "gcc -static bench/pause-reference.c"
  oci_layout_from_rootfs "$d/rootfs" "$d/image" "$C_PAUSE_REF" \
    '{"User":"65535:65535","Entrypoint":["/pause"]}' "$(host_arch)"
}
