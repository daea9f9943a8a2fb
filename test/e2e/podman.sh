#!/usr/bin/env bash
# Tier: the pause image as podman's pod infra container (Debian's podman 4.3).
#  - podman with its own root, runroot, tmpdir and containers.conf in a temp
#    dir: default_ulimits within this machine's hard limits, cgroupfs and a
#    file event log (no systemd here), runc, vfs storage (no mounts to leak)
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
require_root
need_cmds podman conmon runc jq busybox

resolve_pause_image
resolve_busybox_image
make_tmp T
mkdir -p "$T/root" "$T/run" "$T/tmp" "$T/cni"
cat >"$T/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=30000:30000"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$T/events.log"
tmp_dir = "$T/tmp"
volume_path = "$T/root/volumes"
runtime = "runc"
[network]
network_config_dir = "$T/cni"
EOF
cat >"$T/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$T/root"
runroot = "$T/run"
EOF
export CONTAINERS_CONF="$T/containers.conf" CONTAINERS_STORAGE_CONF="$T/storage.conf"
podman() { command podman --root "$T/root" --runroot "$T/run" --tmpdir "$T/tmp" --storage-driver vfs "$@"; }

# conmon and the containers it watches outlive a failed podman command: stop
# what runs under this temp dir, by PID
kill_leftovers() {
  local p
  podman pod rm -f -a >/dev/null 2>&1
  podman rm -f -a >/dev/null 2>&1
  for p in /proc/[0-9]*; do
    if [[ $(readlink "$p/exe" 2>/dev/null) == */conmon ]] && tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$T/"; then
      kill -KILL "${p#/proc/}" 2>/dev/null || true
    fi
  done
}
on_exit kill_leftovers

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
for ns in pid net ipc uts; do
  expect_eq "busybox shares the pod's $ns namespace (host view)" "$(readlink "/proc/$INFRA_PID/ns/$ns")" "$(readlink "/proc/$BB_PID/ns/$ns")"
done
[[ "$(readlink "/proc/$INFRA_PID/ns/net")" != "$(readlink /proc/self/ns/net)" ]] &&
  pass "the pod has its own network namespace" || fail "the pod has its own network namespace"
expect_eq "/proc/1/cmdline in busybox is /pause" "/pause" "$(podman exec bb sh -c "tr '\\0' ' ' </proc/1/cmdline" | sed 's/ $//')"
PS="$(podman exec bb ps -o pid,args)" || fail "podman exec bb ps"
printf '%s\n' "$PS" | sed 's/^/#   /'
expect_match "busybox sees PID 1 = /pause (ps)" $'(^|\n) +1 +/pause *(\n|$)' "$PS"

# orphans: the exec'd sh exits at once; its children are re-parented to PID 1
ORPHANS=30
podman exec bb sh -c "i=0; while [ \$i -lt $ORPHANS ]; do sleep 2 </dev/null >/dev/null 2>&1 & i=\$((i+1)); done" ||
  fail "podman exec: spawn $ORPHANS orphans"
kids_of_1='cat /proc/[0-9]*/stat 2>/dev/null | sed "s/^.*) //" | awk "\$2 == 1" | wc -l'
zombies='cat /proc/[0-9]*/stat 2>/dev/null | sed "s/^.*) //" | awk "\$1 == \"Z\"" | wc -l'
n0="$(podman exec bb sh -c "$kids_of_1" | tr -d ' ')"
((n0 > 0)) && pass "orphans were re-parented to /pause ($n0 children of PID 1)" || fail "orphans were re-parented to /pause ($n0)"
no_kids() { [[ $(podman exec bb sh -c "$kids_of_1" | tr -d ' ') == 0 ]]; }
check "pause reaps the orphans (no child of PID 1 left, 15 s)" wait_for 15 "orphans reaped" no_kids
expect_eq "no zombie in the pod" 0 "$(podman exec bb sh -c "$zombies" | tr -d ' ')"

check "pause installs its INT/TERM/CHLD handlers (SigCgt)" wait_for 10 "pause handlers" pause_ready "$INFRA_PID"
check "podman pod stop pause-e2e" podman pod stop pause-e2e
expect_eq "the infra container exited 0" "exited 0" "$(podman inspect "$INFRA" | jq -r '.[0].State | "\(.Status) \(.ExitCode)"')"
check "podman pod rm pause-e2e" podman pod rm pause-e2e
expect_eq "podman pod ls: no pod left" "" "$(podman pod ls -q)"
expect_eq "podman ps -a: no container left" "" "$(podman ps -a -q)"

# ---- a lone container honours the image's User ------------------------------------
check "podman run -d $PAUSE_LOCAL" podman run -d --name lone --network none "$PAUSE_LOCAL"
LONE_PID="$(podman inspect lone | jq -r '.[0].State.Pid')"
expect_match "a lone podman run of the image runs /pause as uid 65535" $'Uid:\t65535\t65535\t65535\t65535' "$(grep Uid: "/proc/$LONE_PID/status")"
check "pause installs its handlers (SigCgt)" wait_for 10 "pause handlers" pause_ready "$LONE_PID"
check "podman stop lone" podman stop lone
expect_eq "the lone pause exited 0 (SIGTERM)" "exited 0" "$(podman inspect lone | jq -r '.[0].State | "\(.Status) \(.ExitCode)"')"
check "podman rm lone" podman rm lone
expect_eq "podman ps -a: nothing left" "" "$(podman ps -a -q)"
