#!/usr/bin/env bash
# Tier 3: the seed demonstration under Debian's docker.io (dockerd 20.10).
#  - starts dockerd with its own data-root/exec-root/pidfile/socket in a temp
#    dir (it starts its own containerd), no iptables, on a bridge the script
#    creates (no NAT, no gateway route anywhere)
#  - loads the pause image: OCI tar -> skopeo -> docker-archive -> docker load
#    (docker 20.10 can't `docker load` an OCI layout)
#  - docker run -d --name pause --ipc shareable IMAGE
#    docker run -d --name busybox --net/--pid/--ipc=container:pause busybox sleep 1d
#    docker exec busybox ps  => PID 1 is /pause, user 65535; orphans reaped
#    docker stop pause       => ExitCode 0, well within the 10 s grace period
#  - with Dockerfile.scratch from the repo root:
#    DOCKER_BUILDKIT=0 docker build, then the same run/stop checks on that image
# Env: PAUSE_IMAGE_DIR / PAUSE_IMAGE_TAR,
#      PAUSE_DOCKERFILE (default Dockerfile.scratch), PAUSE_DOCKER_CONTEXT
#      (default repo root), E2E_DOCKER_SUBNET (default 10.252.77.1/24), E2E_KEEP_TMP=1
source "$(dirname "$0")/lib.sh"
require_root
need_cmds dockerd skopeo jq ip gcc busybox
[[ -x $DOCKER_BIN ]] || die "$DOCKER_BIN (docker.io's CLI) installed"
export DOCKER_BUILDKIT=0

resolve_pause_image
resolve_busybox_image
make_tmp T
ARCH="$(host_arch)"
export DOCKER_HOST="unix://$T/docker.sock" DOCKER_CONFIG="$T/cli"
docker() { "$DOCKER_BIN" "$@"; }
IMAGE="$PAUSE_IMAGE_REF"

# ---- bridge + dockerd ---------------------------------------------------------
BRIDGE="pe2ed$$"
BRIDGE="${BRIDGE:0:15}"
ip link add "$BRIDGE" type bridge || die "create bridge $BRIDGE"
on_exit "ip link del '$BRIDGE'"
ip addr add "${E2E_DOCKER_SUBNET:-10.252.77.1/24}" dev "$BRIDGE"
ip link set "$BRIDGE" up
echo '{}' >"$T/daemon.json"
kill_leftovers() { # anything still running from our exec-root (shims, containerd), by PID
  local p
  for p in /proc/[0-9]*; do
    [[ ${p#/proc/} == "$$" ]] && continue
    if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q -- "$T/exec"; then kill -KILL "${p#/proc/}" 2>/dev/null || true; fi
  done
}
on_exit kill_leftovers
dockerd --config-file "$T/daemon.json" --data-root "$T/data" --exec-root "$T/exec" \
  --pidfile "$T/docker.pid" -H "$DOCKER_HOST" --storage-driver overlay2 \
  --iptables=false --ip6tables=false --ip-masq=false --bridge "$BRIDGE" --userland-proxy=false \
  --default-ulimit nofile=1024:1024 --log-level warn >"$T/dockerd.log" 2>&1 &
DOCKERD_PID=$!
on_exit "stop_pid $DOCKERD_PID dockerd"
dump_log() { { log "dockerd log (last 30 lines):"; tail -n 30 "$T/dockerd.log" | sed 's/^/#   /'; } >&3; }
on_exit '[[ $E2E_FAIL == 0 ]] || dump_log'
docker_up() { kill -0 "$DOCKERD_PID" && docker version; }
check "dockerd $(dockerd --version | awk '{print $3}' | tr -d ,) starts (overlay2, no iptables, bridge $BRIDGE)" \
  wait_for 60 "dockerd socket" docker_up
on_exit "docker rm -f \$(docker ps -aq) >/dev/null 2>&1"

# ---- images ---------------------------------------------------------------------
check "skopeo: pause OCI image (linux/$ARCH) -> docker-archive" \
  oci_to_docker_archive "$PAUSE_IMAGE_DIR" "$ARCH" "$IMAGE" "$T/pause.docker.tar"
check "docker load pause image as $IMAGE" docker load -i "$T/pause.docker.tar"
check "skopeo: busybox OCI image -> docker-archive" \
  oci_to_docker_archive "$BUSYBOX_IMAGE_DIR" "$ARCH" busybox:latest "$T/busybox.docker.tar"
check "docker load busybox image" docker load -i "$T/busybox.docker.tar"

# ---- the seed demonstration ---------------------------------------------------------
# seed_demo IMAGE LABEL VERSION_RE
seed_demo() {
  local img=$1 tag=$2 vre=$3 out ps n0 t0 ms code
  expect_eq "$tag: image Config.User is 65535:65535" "65535:65535" "$(docker inspect -f '{{.Config.User}}' "$img")"
  expect_eq "$tag: image Entrypoint [/pause], no Cmd" "[/pause] []" \
    "$(docker inspect -f '{{.Config.Entrypoint}} {{.Config.Cmd}}' "$img")"
  out="$(docker run --rm --read-only "$img" -v 2>&1)" || fail "$tag: docker run --rm IMAGE -v"
  expect_match "$tag: docker run IMAGE -v prints a 'pause.ts v<version>' line" "$vre" "$out"

  docker rm -f pause busybox >/dev/null 2>&1 || true
  check "$tag: docker run -d --name pause --ipc shareable" docker run -d --name pause --ipc shareable "$img"
  check "$tag: docker run -d --name busybox --net/--pid/--ipc=container:pause busybox sleep 1d" \
    docker run -d --name busybox --net=container:pause --pid=container:pause --ipc=container:pause busybox sleep 1d
  ps="$(docker exec busybox ps)" || fail "$tag: docker exec busybox ps"
  printf '%s\n' "$ps" | sed 's/^/#   /'
  expect_match "$tag: docker exec busybox ps: PID 1 is /pause, user 65535" $'(^|\n) +1 +65535 +/pause *(\n|$)' "$ps"
  expect_eq "$tag: pause is running" "true" "$(docker inspect -f '{{.State.Running}}' pause)"
  expect_runtime_env "$tag" "$(docker inspect -f '{{.State.Pid}}' pause)"

  # orphans left by an exec'd shell are re-parented to /pause and reaped
  docker exec busybox sh -c 'i=0; while [ $i -lt 30 ]; do sleep 2 </dev/null >/dev/null 2>&1 & i=$((i+1)); done' ||
    fail "$tag: spawn orphans"
  local kids='cat /proc/[0-9]*/stat 2>/dev/null | sed "s/^.*) //" | awk "\$2 == 1" | wc -l'
  n0="$(docker exec busybox sh -c "$kids" | tr -d ' ')"
  ((n0 > 0)) && pass "$tag: orphans re-parented to /pause ($n0)" || fail "$tag: orphans re-parented to /pause ($n0)"
  no_kids() { [[ $(docker exec busybox sh -c "$kids" | tr -d ' ') == 0 ]]; }
  check "$tag: /pause reaps the orphans (15 s)" wait_for 15 "orphans reaped" no_kids
  expect_eq "$tag: no zombie in the pod" 0 \
    "$(docker exec busybox sh -c 'cat /proc/[0-9]*/stat 2>/dev/null | sed "s/^.*) //" | awk "\$1 == \"Z\"" | wc -l' | tr -d ' ')"

  check "$tag: pause has its INT/TERM/CHLD handlers installed (SigCgt)" \
    wait_for 10 "pause handlers" pause_ready "$(docker inspect -f '{{.State.Pid}}' pause)"
  t0=$(date +%s%N)
  check "$tag: docker stop pause" docker stop -t 10 pause
  ms=$((($(date +%s%N) - t0) / 1000000))
  code="$(docker inspect -f '{{.State.ExitCode}}' pause)"
  expect_eq "$tag: pause ExitCode is 0 after docker stop" 0 "$code"
  ((ms < 10000)) && pass "$tag: docker stop took ${ms} ms (< 10 s grace period)" || fail "$tag: docker stop took ${ms} ms"
  expect_match "$tag: docker logs pause: 'Shutting down, got signal: Terminated'" \
    'Shutting down, got signal: Terminated' "$(docker logs pause 2>&1)"
  docker rm -f pause busybox >/dev/null 2>&1 || true
}
seed_demo "$IMAGE" "oci-tar" "$PAUSE_VERSION_RE"

# ---- under a small data limit (README "Limits") ---------------------------------------
# With the image's Env, 512 MiB of RLIMIT_DATA is enough. (Docker 20.10's
# --ulimit knows no "as": "invalid ulimit type: as"; the runc tier sets it.)
MiB512=$((512 * 1024 * 1024))
check "docker run -d --ulimit data=$MiB512" docker run -d --name limited --ulimit "data=$MiB512" "$IMAGE"
on_exit "docker rm -f limited >/dev/null 2>&1"
LIMITED_PID="$(docker inspect -f '{{.State.Pid}}' limited)"
expect_eq "the limit reaches pause" "$MiB512" "$(awk '/^Max data size/ {print $4}' "/proc/$LIMITED_PID/limits")"
check "pause installs its handlers under it (SigCgt, 10 s)" wait_for 10 "pause handlers" pause_ready "$LIMITED_PID"
check "docker stop limited" docker stop -t 10 limited
expect_eq "its ExitCode is 0 after docker stop" 0 "$(docker inspect -f '{{.State.ExitCode}}' limited)"
docker rm -f limited >/dev/null 2>&1 || true

# ---- Dockerfile.scratch -----------------------------------------------------------------
# build_dockerfile_scratch DOCKERFILE CONTEXT TAG: the legacy builder (docker.io
# 20.10 has no buildx here; it doesn't set TARGETARCH: pass it), then the seed
# demonstration on the result.
build_dockerfile_scratch() {
  local df=$1 ctx=$2 tag=$3
  check "DOCKER_BUILDKIT=0 docker build -f $(basename "$df") (context $ctx) -t $tag" \
    docker build --no-cache --build-arg "TARGETARCH=$ARCH" --build-arg "VERSION=$PAUSE_IMAGE_VERSION" \
    -f "$df" -t "$tag" "$ctx"
  seed_demo "$tag" "Dockerfile.scratch" '^pause\.ts v[0-9]'
}
PAUSE_DOCKERFILE="${PAUSE_DOCKERFILE:-$REPO_ROOT/Dockerfile.scratch}"
if [[ -f $PAUSE_DOCKERFILE ]]; then
  # context: $PAUSE_DOCKER_CONTEXT, else the repo when `npm run image` has
  # prepared dist/rootfs/linux-<arch>/, else a temp context holding the
  # tested OCI image's files at that path
  ctx="${PAUSE_DOCKER_CONTEXT:-}"
  if [[ -z $ctx && -x $REPO_ROOT/dist/rootfs/linux-$ARCH/pause ]]; then ctx="$REPO_ROOT"; fi
  if [[ -z $ctx ]]; then
    ctx="$T/scratch-ctx"
    mkdir -p "$ctx/dist/rootfs/linux-$ARCH"
    oci_unpack_rootfs "$PAUSE_IMAGE_DIR" "$ARCH" "$ctx/dist/rootfs/linux-$ARCH"
  fi
  build_dockerfile_scratch "$PAUSE_DOCKERFILE" "$ctx" "pause.ts:dockerfile-scratch"
else
  log "SKIP Dockerfile.scratch build: no $PAUSE_DOCKERFILE"
fi
