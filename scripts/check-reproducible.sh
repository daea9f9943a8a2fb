#!/usr/bin/env bash
# Builds the image a second time, from scratch, and checks that the result is
# byte-identical to the one in dist/ (same sources -> same digests): the
# executables, each root filesystem, the SBOMs, both layouts (whose index
# digests cover every manifest, layer and SBOM artifact) and the archive.
# (build/debs/, Debian's packages by version, is kept.) Prints
# "ok - ..." / "not ok - ..." lines; exits non-zero when they differ.
set -euo pipefail
cd "$(dirname "$0")/.."

digests() {
  echo "index $(jq -r '.manifests[0].digest' dist/image/index.json)"
  echo "archive sha256:$(sha256sum dist/pause.oci.tar | cut -d' ' -f1)"
  echo "zstd-index $(jq -r '.manifests[0].digest' dist/image-zstd/index.json)"
  for arch in amd64 arm64; do echo "$arch binary sha256:$(sha256sum "dist/linux-$arch/pause" | cut -d' ' -f1)"; done
  for arch in amd64 arm64; do echo "$arch rootfs sha256:$(cd "dist/rootfs/linux-$arch" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"; done
  local sbom
  for sbom in dist/sbom/*.cdx.json; do echo "SBOM $(basename "$sbom") sha256:$(sha256sum "$sbom" | cut -d' ' -f1)"; done
}

[ -f dist/image/index.json ] || { echo "not ok - no image in dist/: run npm run image first"; exit 1; }
first=$(digests)
echo "first build:"
echo "$first" | sed 's/^/  /'

echo "second build, from a clean dist/ and build/:"
rm -rf dist/image dist/image-zstd dist/pause.oci.tar dist/pause-zstd.oci.tar dist/linux-* dist/rootfs dist/sbom build/linux-* build/image-*
bash scripts/build-binaries.sh >/dev/null
bash scripts/build-rootfs.sh >/dev/null
bash scripts/build-sbom.sh >/dev/null
bash scripts/build-image.sh >/dev/null
COMPRESSION=zstd bash scripts/build-image.sh >/dev/null
second=$(digests)
echo "$second" | sed 's/^/  /'

status=0
while read -r what; do
  if [ "$(grep "^$what " <<<"$first")" = "$(grep "^$what " <<<"$second")" ]; then
    echo "ok - two builds give the same $what: $(grep "^$what " <<<"$second" | awk '{print $NF}')"
  else
    echo "not ok - two builds differ in: $what"
    status=1
  fi
done < <(echo "$first" | awk '{NF--; print}')
exit "$status"
