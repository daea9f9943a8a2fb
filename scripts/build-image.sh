#!/usr/bin/env bash
# Builds the multi-arch OCI image from dist/rootfs/linux-{amd64,arm64}/, with
# no container daemon, reproducibly (same sources -> same digests):
#   dist/image/         OCI image layout
#   dist/pause.oci.tar  the same layout as one archive (ctr images import,
#                       skopeo copy oci-archive:..., podman load)
#
#   index.json --(ref.name pause.ts:<version>)--> image index
#     +- linux/amd64 manifest -> config, one tar+gzip layer
#     +- linux/arm64 manifest -> config, one tar+gzip layer
#     +- SBOM artifact (artifactType application/vnd.cyclonedx+json,
#     |    subject: the linux/amd64 manifest) -> dist/sbom/...-linux-amd64.cdx.json
#     +- SBOM artifact (subject: the linux/arm64 manifest) -> ...-linux-arm64...
# index.json holds a single descriptor, of the multi-arch index: containerd
# names an image after each descriptor of index.json, so one per platform
# there would leave the name on whichever came last; and with a second one
# `podman load` and `skopeo copy oci-archive:<file>` refuse the archive
# ("more than one image in oci, choose an image", podman 4.3, skopeo 1.9).
# So the SBOMs are OCI 1.1 artifacts listed in the image index, without a
# platform (runtimes choosing a platform pass them by): reachable from
# index.json, found as referrers of their subject by tools that index a
# layout (oras), and copied with the image by `skopeo copy --all`, after
# which a registry serves them through its referrers API.
#
# Written here with tar, gzip and jq rather than by umoci/buildah/skopeo:
# umoci 0.4.7 makes one single-platform manifest per tag (no image index, no
# platform field), buildah 1.28 needs containers-storage and stamps build
# times, and skopeo only copies images that exist. The layout is a few JSON
# documents and sha256-named blobs, and every byte of it is decided here.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/image-metadata.sh

ARCHES=(amd64 arm64)
OCI=application/vnd.oci.image
# COMPRESSION=zstd makes the variant with tar+zstd layers (containerd,
# CRI-O and podman read them; Docker before 23 does not), tagged -zstd:
#   dist/image-zstd/, dist/pause-zstd.oci.tar
COMPRESSION=${COMPRESSION:-gzip}
case $COMPRESSION in
  gzip) layout=dist/image archive=dist/pause.oci.tar ;;
  zstd) layout=dist/image-zstd archive=dist/pause-zstd.oci.tar IMAGE_REF="$IMAGE_REF-zstd" ;;
  *) echo "COMPRESSION must be gzip or zstd, not $COMPRESSION" >&2; exit 2 ;;
esac
work=build/image-$COMPRESSION

# compress_layer TAR OUT: compresses a layer; prints its media type.
compress_layer() {
  case $COMPRESSION in
    gzip)
      gzip -9 -n -c "$1" >"$2" # -n: no name, no mtime in the header
      echo "$OCI.layer.v1.tar+gzip" ;;
    zstd)
      # -22 (a 128 MiB window) is what brings the amd64 layer under 42 MB;
      # one thread, so that the bytes cannot depend on the builder's cores.
      zstd --ultra -22 --single-thread --no-check -q -c "$1" >"$2"
      echo "$OCI.layer.v1.tar+zstd" ;;
  esac
}

# put_blob FILE: moves FILE into the layout's blobs; prints "digest size".
put_blob() {
  local hex size
  hex=$(sha256sum "$1" | cut -d' ' -f1)
  size=$(stat -c %s "$1")
  mv "$1" "$layout/blobs/sha256/$hex"
  echo "sha256:$hex $size"
}

# json FILE FILTER [jq args]: writes a JSON document compact, keys sorted, no
# trailing newline, so that its bytes (and digest) depend only on its content.
json() {
  local file=$1
  shift
  jq -n -cjS "$@" >"$file"
}

# reproducible_tar DIR OUT: DIR as a tar with sorted entries, owner 0:0,
# every mtime SOURCE_DATE_EPOCH, no atime/ctime, no "./" prefix. Makes both
# the layers and the archive of the whole layout.
reproducible_tar() {
  (cd "$1" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort) |
    tar -C "$1" --create --file "$2" --no-recursion --verbatim-files-from --files-from - \
      --format=posix --pax-option='exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime' \
      --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH"
}

# The org.opencontainers.image.* labels: in each config and as annotations.
labels=$(jq -n -cS --arg version "$IMAGE_VERSION" --arg revision "$IMAGE_REVISION" \
  --arg source "$IMAGE_SOURCE" --arg created "$IMAGE_CREATED" --arg licenses "$IMAGE_LICENSES" \
  --arg description "$(node -p 'require("./package.json").description')" '{
    "org.opencontainers.image.title": "pause.ts",
    "org.opencontainers.image.description": $description,
    "org.opencontainers.image.version": $version,
    "org.opencontainers.image.revision": $revision,
    "org.opencontainers.image.created": $created
  } + (if $source == "" then {} else {"org.opencontainers.image.source": $source} end)
    + (if $licenses == "" then {} else {"org.opencontainers.image.licenses": $licenses} end)')
[[ -n $IMAGE_SOURCE ]] ||
  echo "image: no source URL (package.json has no repository, git no origin): label omitted" >&2

# The runtime settings that let pause run under small RLIMIT_AS and
# RLIMIT_DATA (README "Limits"), from the module that names them in pause's
# own error message. containerd, Docker and podman give a container its
# image's Env; Dockerfile.scratch sets the same.
runtime_env=$(node_modules/.bin/bun -e 'import { RUNTIME_ENV_LIST } from "./src/diagnose";
  console.log(JSON.stringify(RUNTIME_ENV_LIST))')

# image_manifest ARCH: config + layer of linux/ARCH; prints the manifest's
# descriptor (with platform) for the index.
image_manifest() {
  local arch=$1 variant="" layer_type diff_id layer config manifest
  [[ $arch == arm64 ]] && variant=v8
  reproducible_tar "dist/rootfs/linux-$arch" "$work/layer-$arch.tar"
  diff_id="sha256:$(sha256sum "$work/layer-$arch.tar" | cut -d' ' -f1)"
  layer_type=$(compress_layer "$work/layer-$arch.tar" "$work/layer-$arch.$COMPRESSION")
  layer=$(put_blob "$work/layer-$arch.$COMPRESSION")

  json "$work/config" --arg arch "$arch" --arg variant "$variant" --arg created "$IMAGE_CREATED" \
    --arg diff_id "$diff_id" --argjson labels "$labels" --argjson env "$runtime_env" '{
      created: $created, architecture: $arch, os: "linux",
      config: {User: "65535:65535", Env: $env, Entrypoint: ["/pause"], WorkingDir: "/", Labels: $labels},
      rootfs: {type: "layers", diff_ids: [$diff_id]},
      history: [{created: $created, created_by: "scripts/build-image.sh: /pause, its loader and libraries"}]
    } + if $variant == "" then {} else {variant: $variant} end'
  config=$(put_blob "$work/config")

  json "$work/manifest" --arg config "$config" --arg layer "$layer" --arg layer_type "$layer_type" \
    --arg oci "$OCI" --argjson labels "$labels" '
    def descriptor($type; $ds): ($ds | split(" ")) as [$d, $s] | {mediaType: $type, digest: $d, size: ($s | tonumber)};
    {schemaVersion: 2, mediaType: "\($oci).manifest.v1+json",
      config: descriptor("\($oci).config.v1+json"; $config),
      layers: [descriptor($layer_type; $layer)],
      annotations: $labels}'
  manifest=$(put_blob "$work/manifest")

  echo "  linux/$arch: manifest ${manifest% *}, layer ${layer% *} (${layer#* } bytes $COMPRESSION, $(stat -c %s "$work/layer-$arch.tar") tar)" >&2
  rm -f "$work/layer-$arch.tar"
  jq -n -cS --arg m "$manifest" --arg arch "$arch" --arg variant "$variant" --arg oci "$OCI" \
    '($m | split(" ")) as [$d, $s] | {mediaType: "\($oci).manifest.v1+json", digest: $d, size: ($s | tonumber),
      platform: ({architecture: $arch, os: "linux"} + if $variant == "" then {} else {variant: $variant} end)}'
}

# sbom_artifact ARCH DESCRIPTOR: the OCI 1.1 artifact carrying linux/ARCH's
# SBOM (dist/sbom, scripts/build-sbom.sh), whose subject is DESCRIPTOR (that
# platform's manifest); prints the artifact's descriptor for the index.
CDX=application/vnd.cyclonedx+json
sbom_artifact() {
  local arch=$1 subject=$2 file sbom artifact
  file=dist/sbom/pause.ts-$IMAGE_VERSION-linux-$arch.cdx.json
  [[ -f $file ]] || { echo "image: no $file (scripts/build-sbom.sh)" >&2; exit 1; }
  cp "$file" "$work/sbom"
  sbom=$(put_blob "$work/sbom")
  # The empty config of an artifact (image-spec 1.1), "{}".
  printf '{}' >"$work/empty"
  put_blob "$work/empty" >/dev/null

  json "$work/artifact" --arg sbom "$sbom" --arg title "$(basename "$file")" --argjson subject "$subject" \
    --arg created "$IMAGE_CREATED" --arg oci "$OCI" --arg cdx "$CDX" '
    ($sbom | split(" ")) as [$d, $s] |
    {schemaVersion: 2, mediaType: "\($oci).manifest.v1+json", artifactType: $cdx,
      config: {mediaType: "application/vnd.oci.empty.v1+json", size: 2, data: "e30=",
        digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
      layers: [{mediaType: $cdx, digest: $d, size: ($s | tonumber),
        annotations: {"org.opencontainers.image.title": $title}}],
      subject: ($subject | {mediaType, digest, size}),
      annotations: {"org.opencontainers.image.created": $created}}'
  artifact=$(put_blob "$work/artifact")

  echo "  linux/$arch: SBOM artifact ${artifact% *} -> $file (${sbom#* } bytes)" >&2
  jq -n -cS --arg a "$artifact" --arg oci "$OCI" --arg cdx "$CDX" \
    '($a | split(" ")) as [$d, $s] | {mediaType: "\($oci).manifest.v1+json", digest: $d, size: ($s | tonumber), artifactType: $cdx}'
}

echo "image: $IMAGE_REF (revision $IMAGE_REVISION, created $IMAGE_CREATED) -> $layout"
rm -rf "$layout" "$work"
mkdir -p "$layout/blobs/sha256" "$work"
for arch in "${ARCHES[@]}"; do image_manifest "$arch"; done >"$work/platforms"
for arch in "${ARCHES[@]}"; do
  sbom_artifact "$arch" "$(jq -c --arg a "$arch" 'select(.platform.architecture == $a)' "$work/platforms")"
done >"$work/artifacts"
manifests=$(cat "$work/platforms" "$work/artifacts" | jq -cs .)

json "$work/index" --argjson manifests "$manifests" --arg oci "$OCI" --argjson labels "$labels" \
  '{schemaVersion: 2, mediaType: "\($oci).index.v1+json", manifests: $manifests, annotations: $labels}'
index=$(put_blob "$work/index")

json "$layout/index.json" --arg index "$index" --arg ref "$IMAGE_REF" --arg oci "$OCI" \
  '($index | split(" ")) as [$d, $s] | {schemaVersion: 2, mediaType: "\($oci).index.v1+json",
    manifests: [{mediaType: "\($oci).index.v1+json", digest: $d, size: ($s | tonumber),
      annotations: {"org.opencontainers.image.ref.name": $ref}}]}'
json "$layout/oci-layout" '{imageLayoutVersion: "1.0.0"}'
find "$layout" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

echo "archive: $archive"
reproducible_tar "$layout" "$archive"
rm -rf "$work"

echo "image: $IMAGE_REF index ${index% *}"
echo "archive: sha256:$(sha256sum "$archive" | cut -d' ' -f1) $archive"
