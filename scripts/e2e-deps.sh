#!/usr/bin/env bash
# Installs the Debian packages the end-to-end tiers (test/e2e/) need.
# Idempotent (scripts/apt-install.sh). Run as root.
set -euo pipefail

PKGS=(
  runc                       # tier 1 + the runtime under containerd and dockerd
  containerd                 # tier 2 (1.6.x: CRI plugin) and dockerd's containerd
  docker.io                  # tier 3 (dockerd 20.10)
  containernetworking-plugins # CNI loopback/bridge/host-local for tier 2 pods
  busybox-static             # the busybox test image
  binutils                   # readelf: is /bin/busybox static; strip: the C pause of the critest tier
  skopeo                     # oci-archive -> docker-archive for `docker load`
  jq                         # reading OCI index/config JSON
  gcc libc6-dev              # the test fixtures
  iproute2 procps            # ip (bridges), ss (free ports), ps
  ca-certificates
  golang-1.19-go             # builds crictl and critest (scripts/cri-tools.sh)
  docker-registry            # the critest and registry tiers' local registry
  curl                       #   and its readiness probe
  openssl apache2-utils      # the registry tier: its CA and certificate, its htpasswd file
  podman conmon              # the podman tier (podman 4.3)
  coreutils                  # shuf, sha256sum, comm
  util-linux                 # ipcmk/ipcrm: critest's HostIpc specs, and their clean-up
)

bash "$(dirname "$0")/apt-install.sh" e2e-deps "${PKGS[@]}"
# every command the tiers (test/e2e/*.sh) run
bash "$(dirname "$0")/require-commands.sh" e2e-deps runc containerd ctr containerd-shim-runc-v2 dockerd docker \
  skopeo busybox jq gcc readelf ip mount umount timeout tar gzip sha256sum stat sort awk sed grep tee mktemp \
  cat cut date head readlink tail tr uname wc chmod cp ln mkdir mv rm sleep \
  podman conmon docker-registry curl strip ipcmk ipcrm shuf comm ss openssl htpasswd base64 cmp npm

for t in runc containerd ctr dockerd skopeo busybox jq podman conmon docker-registry curl /usr/lib/go-1.19/bin/go; do
  printf 'e2e-deps: %-10s %s\n' "$t" "$(command -v "$t" || echo MISSING)"
done
ls /usr/lib/cni/ >/dev/null 2>&1 && echo "e2e-deps: CNI plugins in /usr/lib/cni: $(ls /usr/lib/cni | tr '\n' ' ')"
