#!/usr/bin/env bash
# The C pause image (lib.sh's c_pause_image) for callers that are not tiers:
# the bench's node section.
#   OUT/image/      OCI layout, ref.name $C_PAUSE_REF
#   OUT/image.tar   the same as an OCI-layout tar (for ctr images import)
# Usage: c-pause-image.sh OUT
E2E_TIER=c-pause-image
source "$(dirname "$0")/lib.sh"
trap - EXIT
out=${1:?usage: c-pause-image.sh OUT}
bash "$REPO_ROOT/scripts/require-commands.sh" c-pause-image gcc strip jq tar gzip sha256sum stat >&2 ||
  die "the commands c-pause-image.sh runs are installed"
rm -rf "$out/rootfs" "$out/image" "$out/image.tar"
c_pause_image "$out"
rm -rf "$out/rootfs"
echo "C pause image: $out/image ($out/image.tar), $C_PAUSE_REF"
