#!/usr/bin/env bash
# Builds the C pause image the CRI tiers and the bench's node section compare
# pause.ts with: bench/pause-reference.c (upstream's pause.c), static and
# stripped, FROM scratch, User 65535:65535, Entrypoint ["/pause"], host arch.
#   OUT/image/      OCI layout, ref.name pause-c:3.10
#   OUT/image.tar   the same as an OCI-layout tar (for ctr images import)
# Usage: c-pause-image.sh OUT
E2E_TIER=c-pause-image
source "$(dirname "$0")/lib.sh"
trap - EXIT
out=${1:?usage: c-pause-image.sh OUT}
bash "$REPO_ROOT/scripts/require-commands.sh" c-pause-image gcc strip jq tar gzip sha256sum stat >&2 ||
  die "the commands c-pause-image.sh runs are installed"
rm -rf "$out/rootfs" "$out/image" "$out/image.tar"
mkdir -p "$out/rootfs"
gcc -Os -static -Wall -Wextra -Werror -o "$out/rootfs/pause" "$REPO_ROOT/bench/pause-reference.c" &&
  strip "$out/rootfs/pause" || die "gcc -static bench/pause-reference.c"
oci_layout_from_rootfs "$out/rootfs" "$out/image" "pause-c:3.10" \
  '{"User":"65535:65535","Entrypoint":["/pause"]}' "$(host_arch)"
rm -rf "$out/rootfs"
echo "C pause image: $out/image ($out/image.tar), pause-c:3.10"
