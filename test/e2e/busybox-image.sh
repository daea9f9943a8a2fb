#!/usr/bin/env bash
# Builds the busybox test image from Debian's busybox-static (/bin/busybox):
#   OUT/busybox/          OCI layout (ref.name busybox:latest, host arch)
#   OUT/busybox.oci.tar   the same as an OCI-layout tar (for ctr images import)
#   OUT/busybox.docker.tar  docker-archive (for docker 20.10's `docker load`),
#                         only with --docker
# Usage: busybox-image.sh OUT [--docker]
E2E_TIER=busybox-image
source "$(dirname "$0")/lib.sh"
trap - EXIT
out=${1:?usage: busybox-image.sh OUT [--docker]}
bash "$REPO_ROOT/scripts/require-commands.sh" busybox-image busybox readelf jq tar gzip sha256sum stat >&2 ||
  die "the commands busybox-image.sh runs are installed"
mkdir -p "$out"
rm -rf "$out/busybox" "$out/busybox.tar" "$out/busybox.oci.tar" "$out/busybox.docker.tar" "$out/rootfs"
r="$out/rootfs"
busybox_rootfs "$r" || die "busybox root filesystem from Debian's busybox-static"
oci_layout_from_rootfs "$r" "$out/busybox" "busybox:latest" \
  '{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]}' "$(host_arch)"
mv "$out/busybox.tar" "$out/busybox.oci.tar"
rm -rf "$r"
if [[ ${2:-} == --docker ]]; then
  oci_to_docker_archive "$out/busybox" "$(host_arch)" busybox:latest "$out/busybox.docker.tar"
fi
echo "busybox image: $out/busybox ($out/busybox.oci.tar)"
