#!/usr/bin/env bash
# Tier 1: the pause image under plain runc (no daemon).
#  - unpack the image into an OCI bundle: read-only root, user 65535:65535,
#    env [], no /tmp, rlimits 1024, pid/net/ipc/uts/mount namespaces
#  - /pause -v prints the version line
#  - pause as PID 1 (started with `runc run` in the background: `wait` gives
#    its exit status); a busybox container joins its pid/net/ipc/uts
#    namespaces and leaves orphans: pause adopts and reaps them
#  - `runc kill <id> TERM` => exit status 0, "Shutting down, got signal: Terminated"
# Env: PAUSE_IMAGE_DIR (default dist/image), E2E_KEEP_TMP=1
source "$(dirname "$0")/lib.sh"
require_root
need_cmds runc jq skopeo gcc busybox

resolve_pause_image
resolve_busybox_image
make_tmp T
ARCH="$(host_arch)"
RUNC=(runc --root "$T/runc-state")
ID="pause-e2e-$$"
BB_ID="busybox-e2e-$$"

# ---- bundles ---------------------------------------------------------------
# make_bundle DIR UID GID READONLY ARGS_JSON ENV_JSON
make_bundle() {
  local dir=$1 uid=$2 gid=$3 ro=$4 args=$5 env=$6
  mkdir -p "$dir"
  chmod 755 "$dir"
  runc spec --bundle "$dir"
  jq --argjson uid "$uid" --argjson gid "$gid" --argjson ro "$ro" --argjson args "$args" --argjson env "$env" '
    .process.terminal = false
    | .process.user = {uid: $uid, gid: $gid}
    | .process.args = $args
    | .process.env = $env
    | .process.cwd = "/"
    | .process.capabilities = {bounding: ["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"],
                               effective: [], permitted: [], inheritable: [], ambient: []}
    | .process.rlimits = [{type: "RLIMIT_NOFILE", hard: 1024, soft: 1024}]
    | .root = {path: "rootfs", readonly: $ro}
    | .hostname = "pause-e2e"' "$dir/config.json" >"$dir/config.json.new"
  mv "$dir/config.json.new" "$dir/config.json"
}

PB="$T/pause-bundle"
mkdir -p "$PB/rootfs"
chmod 755 "$PB/rootfs"
check "unpack linux/$ARCH pause image into a bundle" oci_unpack_rootfs "$PAUSE_IMAGE_DIR" "$ARCH" "$PB/rootfs"
CFG="$(oci_image_config "$PAUSE_IMAGE_DIR" "$ARCH")"
expect_eq "image config: User 65535:65535" "65535:65535" "$(jq -r '.config.User' <<<"$CFG")"
expect_eq "image config: Entrypoint [\"/pause\"], no Cmd" '["/pause"] null' \
  "$(jq -c '.config.Entrypoint' <<<"$CFG") $(jq -c '.config.Cmd' <<<"$CFG")"
PAUSE_ARGS="$(jq -c '(.config.Entrypoint // []) + (.config.Cmd // [])' <<<"$CFG")"
make_bundle "$PB" 65535 65535 true "$PAUSE_ARGS" '[]'
check "bundle: read-only root, no /tmp mount, env [], nofile 1024" \
  jq -e '.root.readonly == true and ([.mounts[].destination] | index("/tmp") == null)
         and .process.env == [] and (.process.rlimits | all(.hard <= 1024))' "$PB/config.json"

# ---- /pause -v ---------------------------------------------------------------
VB="$T/version-bundle"
mkdir -p "$VB"
cp -a "$PB/rootfs" "$VB/rootfs"
make_bundle "$VB" 65535 65535 true '["/pause","-v"]' '[]'
out="$("${RUNC[@]}" run --bundle "$VB" "$ID-v" 2>"$T/v.err" </dev/null)" && rc=0 || rc=$?
"${RUNC[@]}" delete -f "$ID-v" >/dev/null 2>&1 || true
expect_eq "/pause -v exits 0" 0 "$rc"
expect_match "/pause -v prints 'pause.ts v$PAUSE_IMAGE_VERSION'" "$PAUSE_VERSION_RE" "$out"
expect_eq "/pause -v prints one line on stdout" 1 "$(printf '%s\n' "$out" | wc -l)"

# ---- small address-space limits (README "Limits") ----------------------------
# limited_bundle DIR ENV_JSON BYTES: the -v bundle's rootfs, pause as PID 1,
# RLIMIT_AS and RLIMIT_DATA of BYTES besides NOFILE.
limited_bundle() {
  make_bundle "$1" 65535 65535 true "$PAUSE_ARGS" "$2"
  jq --arg root "$VB/rootfs" --argjson bytes "$3" '.root.path = $root
    | .process.rlimits += [{type: "RLIMIT_AS", hard: $bytes, soft: $bytes},
                           {type: "RLIMIT_DATA", hard: $bytes, soft: $bytes}]' \
    "$1/config.json" >"$1/config.json.new" && mv "$1/config.json.new" "$1/config.json"
}
# Without the image's Env (a runtime that does not pass it), 2 GiB is too
# little: one line that names the limit and what would work, exit 4.
limited_bundle "$T/bare-bundle" '[]' $((2048 * 1024 * 1024))
err="$("${RUNC[@]}" run --bundle "$T/bare-bundle" "$ID-bare" 2>&1 >/dev/null </dev/null)" && rc=0 || rc=$?
"${RUNC[@]}" delete -f "$ID-bare" >/dev/null 2>&1 || true
expect_eq "env [] and RLIMIT_AS/RLIMIT_DATA 2 GiB: exit 4" 4 "$rc"
expect_match "  with one line naming the limit and the settings that lower it" \
  '^Error: cannot load the signal helper: RLIMIT_AS 2048 MiB and RLIMIT_DATA 2048 MiB leave .* BUN_JSC_jitMemoryReservationSize=' "$err"
# With it, 512 MiB is enough: pause lives, and stops with exit 0.
limited_bundle "$T/env-bundle" "$(jq -c '.config.Env' <<<"$CFG")" $((512 * 1024 * 1024))
"${RUNC[@]}" run --bundle "$T/env-bundle" "$ID-env" </dev/null >/dev/null 2>"$T/env.err" &
ENV_RUN_PID=$!
on_exit "${RUNC[*]} delete -f $ID-env >/dev/null 2>&1; stop_pid $ENV_RUN_PID runc-run-env"
env_pid() { "${RUNC[@]}" state "$ID-env" 2>/dev/null | jq -e -r 'select(.status == "running") | .pid'; }
env_ready() { local pid; pid="$(env_pid)" && pause_ready "$pid"; }
check "the image's Env and RLIMIT_AS/RLIMIT_DATA 512 MiB: pause installs its handlers (10 s)" wait_for 10 "pause handlers" env_ready
"${RUNC[@]}" kill "$ID-env" TERM
wait "$ENV_RUN_PID" && rc=0 || rc=$?
expect_eq "  and exits 0 on SIGTERM" 0 "$rc"
"${RUNC[@]}" delete -f "$ID-env" >/dev/null 2>&1 || true

# ---- pause as PID 1 ----------------------------------------------------------
# `runc run` (foreground, in the background of this script): its exit status
# is the container's; `runc state` gives the host pid.
dump_err() { local f; for f in "$T"/*.err; do [[ -s $f ]] && { log "$(basename "$f"):"; sed 's/^/#   /' "$f" | tail -n 20; } >&3; done; }
on_exit '[[ $E2E_FAIL == 0 ]] || dump_err'
"${RUNC[@]}" run --bundle "$PB" "$ID" </dev/null >"$T/pause.out" 2>"$T/pause.err" &
RUNC_PID=$!
on_exit "${RUNC[*]} kill $ID KILL; stop_pid $RUNC_PID runc-run; ${RUNC[*]} delete -f $ID"
pause_pid() { "${RUNC[@]}" state "$ID" 2>/dev/null | jq -e -r 'select(.status == "running") | .pid'; }
check "pause container is running" wait_for 20 "pause running" pause_pid
PPID_HOST="$(pause_pid)"
log "pause host pid $PPID_HOST"
expect_match "pause is PID 1 in its namespace (NSpid)" $'NSpid:\t[0-9]+\t1$' "$(grep NSpid /proc/$PPID_HOST/status)"
expect_match "pause runs as uid 65535" $'Uid:\t65535\t65535\t65535\t65535' "$(grep Uid: /proc/$PPID_HOST/status)"
expect_match "pause runs as gid 65535" $'Gid:\t65535\t65535\t65535\t65535' "$(grep Gid: /proc/$PPID_HOST/status)"
# runc always adds HOME (from /etc/passwd, else "/") when env lacks it
expect_eq "pause environment is empty but runc's HOME" "HOME=/" "$(tr '\0' '\n' </proc/$PPID_HOST/environ)"
expect_eq "pause cmdline is /pause" "/pause" "$(tr '\0' ' ' </proc/$PPID_HOST/cmdline | sed 's/ $//')"
check "pause installs its INT/TERM/CHLD handlers (SigCgt, 10 s)" wait_for 10 "pause handlers" pause_ready "$PPID_HOST"
expect_eq "no 'should be the first process' warning as PID 1" "" "$(grep -i 'first process' "$T/pause.err" || true)"
check "pause still running after start-up" kill -0 "$PPID_HOST"

# children of pause (host pids) and their states
children_of() { # children_of PID -> "pid state" lines (host view)
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } |
    awk -v want="$1" '{ pid = $1; sub(/^.*\) /, ""); if ($2 == want) print pid, $1 }'
}
n_children() { children_of "$1" | wc -l; }
n_zombies() { children_of "$1" | awk '$2 == "Z"' | wc -l; }

# ---- busybox joins pause's namespaces and leaves orphans --------------------
BB="$T/busybox-bundle"
mkdir -p "$BB/rootfs"
chmod 755 "$BB/rootfs"
oci_unpack_rootfs "$BUSYBOX_IMAGE_DIR" "$ARCH" "$BB/rootfs"
# 50 orphans that exit after 1 s, then stay alive 30 s (killed by the script)
ORPHANS=50
make_bundle "$BB" 0 0 true \
  "$(jq -cn --arg n "$ORPHANS" '["/bin/sh","-c", "i=0; while [ $i -lt \($n) ]; do (sleep 1 &); i=$((i+1)); done; echo spawned; exec sleep 30"]')" \
  '["PATH=/bin"]'
jq --arg p "$PPID_HOST" '.linux.namespaces = [
    {type: "pid", path: "/proc/\($p)/ns/pid"}, {type: "network", path: "/proc/\($p)/ns/net"},
    {type: "ipc", path: "/proc/\($p)/ns/ipc"}, {type: "uts", path: "/proc/\($p)/ns/uts"},
    {type: "mount"}] | del(.hostname)' "$BB/config.json" >"$BB/c.json" && mv "$BB/c.json" "$BB/config.json"
"${RUNC[@]}" run --bundle "$BB" "$BB_ID" </dev/null >"$T/bb.out" 2>"$T/bb.err" &
BB_RUNC=$!
on_exit "${RUNC[*]} kill $BB_ID KILL; stop_pid $BB_RUNC runc-run-busybox; ${RUNC[*]} delete -f $BB_ID"
check "busybox container joined pause's namespaces and spawned $ORPHANS orphans" \
  wait_for 20 "busybox output" grep -q spawned "$T/bb.out"
BB_PID="$("${RUNC[@]}" state "$BB_ID" | jq -r .pid)"
for ns in pid net ipc uts; do
  expect_eq "busybox shares pause's $ns namespace" "$(readlink /proc/$PPID_HOST/ns/$ns)" "$(readlink /proc/$BB_PID/ns/$ns)"
done
# orphans were re-parented to pause (proves the reaping check below is meaningful;
# the orphans sleep 1 s, so they are still there right after the spawn)
n0="$(n_children "$PPID_HOST")"
((n0 > 0)) && pass "orphans were re-parented to pause ($n0 children)" || fail "orphans were re-parented to pause (0 children)"
no_children_of_pause() { [[ $(n_children "$PPID_HOST") == 0 ]]; }
check "orphans exit and pause reaps them all (no child of pause left, 15 s)" \
  wait_for 15 "no children of pause" no_children_of_pause
expect_eq "no zombie under pause" 0 "$(n_zombies "$PPID_HOST")"
check "pause survived the orphans" kill -0 "$PPID_HOST"
"${RUNC[@]}" kill "$BB_ID" KILL >/dev/null 2>&1 || true
wait "$BB_RUNC" 2>/dev/null || true
"${RUNC[@]}" delete -f "$BB_ID" >/dev/null 2>&1 || true

# ---- SIGTERM => exit 0 ---------------------------------------------------------
t0=$(date +%s%N)
check "runc kill $ID TERM" "${RUNC[@]}" kill "$ID" TERM
runc_run_gone() { ! kill -0 "$RUNC_PID"; }
check "pause exits within 10 s of SIGTERM" wait_for 10 "pause to exit" runc_run_gone
rc=0
wait "$RUNC_PID" || rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
log "pause exited with status $rc after ${ms} ms"
expect_eq "pause exits with status 0 on SIGTERM" 0 "$rc"
((ms < 5000)) && pass "pause exits promptly on SIGTERM (${ms} ms)" || fail "pause exits promptly on SIGTERM (${ms} ms)"
expect_match "stderr: 'Shutting down, got signal: Terminated'" 'Shutting down, got signal: Terminated' "$(cat "$T/pause.err")"
"${RUNC[@]}" delete -f "$ID" >/dev/null 2>&1 || true
