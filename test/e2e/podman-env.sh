# shellcheck shell=bash
# podman (Debian's 4.3) with everything of its own under one temp dir, for
# the tiers that run it (podman.sh, registry.sh). Source it after lib.sh.
#  - root, runroot, tmpdir, containers.conf and storage.conf in the dir:
#    default_ulimits within this machine's hard limits, cgroupfs and a file
#    event log (no systemd here), runc, vfs storage (no mounts to leak), no
#    CNI config of the host's
#  - `podman` is a function that passes those; conmon and the containers it
#    watches outlive a failed podman command, so the exit cleanup stops what
#    runs under the dir, by PID

# podman_setup DIR
podman_setup() {
  PODMAN_DIR=$1
  mkdir -p "$PODMAN_DIR/root" "$PODMAN_DIR/run" "$PODMAN_DIR/tmp" "$PODMAN_DIR/cni"
  cat >"$PODMAN_DIR/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PODMAN_DIR/events.log"
tmp_dir = "$PODMAN_DIR/tmp"
volume_path = "$PODMAN_DIR/root/volumes"
runtime = "runc"
[network]
network_config_dir = "$PODMAN_DIR/cni"
EOF
  cat >"$PODMAN_DIR/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$PODMAN_DIR/root"
runroot = "$PODMAN_DIR/run"
EOF
  export CONTAINERS_CONF="$PODMAN_DIR/containers.conf" CONTAINERS_STORAGE_CONF="$PODMAN_DIR/storage.conf"
  on_exit podman_kill_leftovers
}

podman() {
  command podman --root "$PODMAN_DIR/root" --runroot "$PODMAN_DIR/run" --tmpdir "$PODMAN_DIR/tmp" --storage-driver vfs "$@"
}

podman_kill_leftovers() {
  local p
  podman pod rm -f -a >/dev/null 2>&1
  podman rm -f -a >/dev/null 2>&1
  for p in /proc/[0-9]*; do
    if [[ $(readlink "$p/exe" 2>/dev/null) == */conmon ]] && tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$PODMAN_DIR/"; then
      kill -KILL "${p#/proc/}" 2>/dev/null || true
    fi
  done
}
