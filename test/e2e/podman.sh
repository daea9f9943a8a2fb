#!/usr/bin/env bash
# Tier: the pause image as podman's pod infra container (Debian's podman 4.3).
#  - podman with its own root, runroot, tmpdir and containers.conf in a temp
#    dir (podman-env.sh)
#  - `podman load -i dist/pause.oci.tar`, as the README says
#  - `podman pod create --infra-image` sharing the PID namespace, no network
#    (a private netns with lo: no CNI, no firewall), and a busybox container
#    in it: /pause is PID 1, orphans made there are reaped
#  - `podman pod stop` => the infra container exits 0; `podman pod rm` leaves
#    no pod and no container
#  - podman 4.3 runs the infra container as uid 0 whatever the image's User
#    says (so does it with a C pause); a lone `podman run` honours User 65535
# Env: PAUSE_IMAGE_DIR / PAUSE_IMAGE_TAR, E2E_KEEP_TMP=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/podman-env.sh"
require_root
need_cmds podman conmon runc jq busybox

resolve_pause_image
resolve_busybox_image
make_tmp T
podman_setup "$T"

log "podman $(command podman --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1 {print $3}')"
check "podman load -i $PAUSE_IMAGE_TAR" podman load -i "$PAUSE_IMAGE_TAR"
PAUSE_LOCAL="localhost/$PAUSE_IMAGE_REF"
CFG="$(podman image inspect "$PAUSE_LOCAL" | jq -c '.[0].Config')" || fail "podman image inspect $PAUSE_LOCAL"
expect_eq "$PAUSE_LOCAL: User 65535:65535, Entrypoint [\"/pause\"]" '65535:65535 ["/pause"]' \
  "$(jq -r '"\(.User) \(.Entrypoint | tojson)"' <<<"$CFG")"
check "podman load busybox" podman load -i "$BUSYBOX_IMAGE_TAR"
BUSYBOX_LOCAL="localhost/$BUSYBOX_IMAGE_REF"

# ---- a pod whose infra container is pause.ts -------------------------------------
check "podman pod create --infra-image $PAUSE_LOCAL --share ipc,net,uts,pid --network none" \
  podman pod create --name pause-e2e --infra-image "$PAUSE_LOCAL" --share ipc,net,uts,pid --network none
INFRA="$(podman pod inspect pause-e2e | jq -r '.InfraContainerID')"
check "podman run --pod pause-e2e busybox sleep 3600" \
  podman run -d --pod pause-e2e --name bb "$BUSYBOX_LOCAL" sleep 3600
INFRA_PID="$(podman inspect "$INFRA" | jq -r '.[0].State.Pid')"
BB_PID="$(podman inspect bb | jq -r '.[0].State.Pid')"
expect_eq "the infra container runs /pause (host pid $INFRA_PID)" "/pause" "$(tr '\0' ' ' <"/proc/$INFRA_PID/cmdline" | sed 's/ $//')"
# a podman fact the README states; when podman starts honouring User, this fails and the README changes
expect_eq "podman 4.3 runs the infra container as uid 0, not the image's 65535 (README)" 0 \
  "$(awk '/^Uid:/ {print $2}' "/proc/$INFRA_PID/status")"
expect_runtime_env "podman's infra container" "$INFRA_PID"
for ns in pid net ipc uts; do
  expect_eq "busybox shares the pod's $ns namespace (host view)" "$(readlink "/proc/$INFRA_PID/ns/$ns")" "$(readlink "/proc/$BB_PID/ns/$ns")"
done
[[ "$(readlink "/proc/$INFRA_PID/ns/net")" != "$(readlink /proc/self/ns/net)" ]] &&
  pass "the pod has its own network namespace" || fail "the pod has its own network namespace"
expect_eq "/proc/1/cmdline in busybox is /pause" "/pause" "$(podman exec bb sh -c "tr '\\0' ' ' </proc/1/cmdline" | sed 's/ $//')"
PS="$(podman exec bb ps -o pid,args)" || fail "podman exec bb ps"
printf '%s\n' "$PS" | sed 's/^/#   /'
expect_match "busybox sees PID 1 = /pause (ps)" $'(^|\n) +1 +/pause *(\n|$)' "$PS"

check_orphans_reaped podman exec bb

check "pause installs its INT/TERM/CHLD handlers (SigCgt)" wait_for 10 "pause handlers" pause_ready "$INFRA_PID"
check "podman pod stop pause-e2e" podman pod stop pause-e2e
expect_eq "the infra container exited 0" "exited 0" "$(podman inspect "$INFRA" | jq -r '.[0].State | "\(.Status) \(.ExitCode)"')"
check "podman pod rm pause-e2e" podman pod rm pause-e2e
expect_eq "podman pod ls: no pod left" "" "$(podman pod ls -q)"
expect_eq "podman ps -a: no container left" "" "$(podman ps -a -q)"

# ---- a lone container honours the image's User ------------------------------------
check "podman run -d $PAUSE_LOCAL" podman run -d --name lone --network none "$PAUSE_LOCAL"
LONE_PID="$(podman inspect lone | jq -r '.[0].State.Pid')"
expect_runtime_env "a lone podman run" "$LONE_PID"
expect_match "a lone podman run of the image runs /pause as uid 65535" $'Uid:\t65535\t65535\t65535\t65535' "$(grep Uid: "/proc/$LONE_PID/status")"
check "pause installs its handlers (SigCgt)" wait_for 10 "pause handlers" pause_ready "$LONE_PID"
check "podman stop lone" podman stop lone
expect_eq "the lone pause exited 0 (SIGTERM)" "exited 0" "$(podman inspect lone | jq -r '.[0].State | "\(.Status) \(.ExitCode)"')"
check "podman rm lone" podman rm lone
expect_eq "podman ps -a: nothing left" "" "$(podman ps -a -q)"
