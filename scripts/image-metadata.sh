# shellcheck shell=bash
# Sourced by scripts/build-rootfs.sh and scripts/build-image.sh: the values an
# image build stamps into its files, all derived from the sources so that two
# builds of one commit are byte-identical.
#   SOURCE_DATE_EPOCH  every mtime and "created": the last commit's time, or 0
#   IMAGE_VERSION      package.json's version (the tag)
#   IMAGE_REVISION     the commit, "-dirty" when tracked files differ from it
#   IMAGE_SOURCE       package.json's repository (as a plain https URL), or
#                      git's origin when it is an http(s) URL (credentials
#                      removed), or empty
#   IMAGE_LICENSES     package.json's license (an SPDX expression)
#   IMAGE_REF          the ref.name the layout is tagged with (ctr import names
#                      the image so); IMAGE_NAME overrides the repository part
: "${SOURCE_DATE_EPOCH:=$(git log -1 --format=%ct 2>/dev/null || echo 0)}"
IMAGE_VERSION=$(node -p 'require("./package.json").version')
IMAGE_REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)
if ! git diff --quiet HEAD -- 2>/dev/null; then IMAGE_REVISION="$IMAGE_REVISION-dirty"; fi
IMAGE_SOURCE=${IMAGE_SOURCE:-$(node -p 'const r = require("./package.json").repository; (r && (r.url || r)) || ""' |
  sed -E 's#^git\+##; s#\.git$##')}
IMAGE_LICENSES=$(node -p 'require("./package.json").license || ""')
if [[ -z $IMAGE_SOURCE ]] && origin=$(git remote get-url origin 2>/dev/null) && [[ $origin =~ ^https?:// ]]; then
  IMAGE_SOURCE=$(sed -E 's#^(https?://)[^/@]*@#\1#; s#\.git$##' <<<"$origin")
fi
IMAGE_REF="${IMAGE_NAME:-pause.ts}:$IMAGE_VERSION"
IMAGE_CREATED=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
export SOURCE_DATE_EPOCH IMAGE_VERSION IMAGE_REVISION IMAGE_SOURCE IMAGE_LICENSES IMAGE_REF IMAGE_CREATED
