#!/usr/bin/env bash
# Writes the SBOM of each platform's root filesystem (after
# scripts/build-rootfs.sh): dist/sbom/pause.ts-<version>-linux-<arch>.cdx.json,
# CycloneDX 1.6 JSON made by scripts/build-sbom.ts with
# @cyclonedx/cyclonedx-library. scripts/build-image.sh attaches them to the
# image. Reproducible: same sources -> same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/image-metadata.sh
BUN=${BUN:-node_modules/.bin/bun} # the pinned one, also outside npm scripts

rm -rf dist/sbom
"$BUN" scripts/build-sbom.ts amd64 arm64
