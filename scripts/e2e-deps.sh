#!/usr/bin/env bash
# Installs the Debian packages the end-to-end tiers (test/e2e/) need.
# Idempotent: packages already installed are skipped; apt-get update runs only
# when something is missing. Run as root.
set -euo pipefail

PKGS=(
  runc                       # tier 1 + the runtime under containerd and dockerd
  containerd                 # tier 2 (1.6.x: CRI plugin) and dockerd's containerd
  docker.io                  # tier 3 (dockerd 20.10)
  containernetworking-plugins # CNI loopback/bridge/host-local for tier 2 pods
  busybox-static             # the busybox test image
  umoci                      # unpack/make OCI image layouts
  skopeo                     # oci-archive -> docker-archive for `docker load`
  jq                         # reading OCI index/config JSON
  gcc libc6-dev              # the stand-in pause (static C) when dist/ is absent
  iproute2 procps            # ip/ps on the host for diagnostics
  ca-certificates
)

missing=()
for p in "${PKGS[@]}"; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    echo "e2e-deps: $p already installed"
  else
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "e2e-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  # policy-rc.d: never let the packages' maintainer scripts start daemons
  # (the tiers start their own dockerd/containerd and stop them by PID).
  prc=/usr/sbin/policy-rc.d
  created_prc=0
  if [[ ! -e $prc ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$prc"; chmod +x "$prc"; created_prc=1
  fi
  trap 'if [[ $created_prc == 1 ]]; then rm -f "$prc"; fi' EXIT
  apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "e2e-deps: nothing to install"
fi

for t in runc containerd ctr dockerd umoci skopeo busybox jq; do
  printf 'e2e-deps: %-10s %s\n' "$t" "$(command -v "$t" || echo MISSING)"
done
ls /usr/lib/cni/ >/dev/null 2>&1 && echo "e2e-deps: CNI plugins in /usr/lib/cni: $(ls /usr/lib/cni | tr '\n' ' ')"
