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
bb=/bin/busybox
bash "$REPO_ROOT/scripts/require-commands.sh" busybox-image busybox readelf jq tar gzip sha256sum stat >&2 ||
  die "the commands busybox-image.sh runs are installed"
[[ -x $bb ]] || die "/bin/busybox present (apt-get install busybox-static)"
# static: no program interpreter (PT_INTERP) to load it
headers=$(readelf -lW "$bb") || die "readelf reads /bin/busybox's program headers"
! grep -q 'Requesting program interpreter' <<<"$headers" ||
  die "/bin/busybox is static (busybox-static, not busybox)"
mkdir -p "$out"
rm -rf "$out/busybox" "$out/busybox.tar" "$out/busybox.oci.tar" "$out/busybox.docker.tar" "$out/rootfs"
r="$out/rootfs"
mkdir -p "$r/bin" "$r/etc" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/root"
chmod 1777 "$r/tmp"
cp "$bb" "$r/bin/busybox"
for a in $("$bb" --list); do
  [[ $a == busybox ]] || ln -sf busybox "$r/bin/$a"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
oci_layout_from_rootfs "$r" "$out/busybox" "busybox:latest" \
  '{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]}' "$(host_arch)"
mv "$out/busybox.tar" "$out/busybox.oci.tar"
rm -rf "$r"
if [[ ${2:-} == --docker ]]; then
  oci_to_docker_archive "$out/busybox" "$(host_arch)" busybox:latest "$out/busybox.docker.tar"
fi
echo "busybox image: $out/busybox ($out/busybox.oci.tar)"
