#!/usr/bin/env bash
# Builds crictl (the CRI command-line client) and critest (the CRI conformance
# suite) from the cri-tools source archive kept beside the repository, with
# Debian's Go, offline: the archive carries its vendor/ tree.
#   build/bin/crictl, build/bin/critest, build/bin/cri-tools.sha256
# The binaries are reused while the archive's sha256 matches the stamp.
# Usage: scripts/cri-tools.sh [ARCHIVE]   (default ../shared/tools/cri-tools-v1.26.1.tar.gz)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
archive="${1:-${CRI_TOOLS_ARCHIVE:-$repo/../shared/tools/cri-tools-v1.26.1.tar.gz}}"
bin="$repo/build/bin"
stamp="$bin/cri-tools.sha256"

[[ -f $archive ]] || { echo "cri-tools: no archive at $archive" >&2; exit 1; }
sum="$(sha256sum "$archive" | cut -d' ' -f1)"
name="$(basename "$archive" .tar.gz)"
version="${name##*-v}"
if [[ -x $bin/crictl && -x $bin/critest && "$(cat "$stamp" 2>/dev/null)" == "$sum $version" ]]; then
  echo "cri-tools: build/bin/crictl and critest are from $archive ($sum), reusing them"
  exit 0
fi

bash "$repo/scripts/apt-install.sh" cri-tools golang-1.19-go tar gzip
go=/usr/lib/go-1.19/bin/go
[[ -x $go ]] || { echo "cri-tools: $go missing (golang-1.19-go)" >&2; exit 1; }

src="$repo/build/$name"
echo "cri-tools: unpacking $archive ($sum) into build/$name"
rm -rf "$src"
mkdir -p "$repo/build" "$bin"
tar -xzf "$archive" -C "$repo/build"
[[ -d $src/vendor ]] || { echo "cri-tools: $src has no vendor/ (the archive must carry it)" >&2; exit 1; }

# No network: modules come from vendor/ only; a static build needs no libc.
export GOFLAGS=-mod=vendor GOPROXY=off GOTOOLCHAIN=local CGO_ENABLED=0
export GOCACHE="$repo/build/go-cache" GOPATH="$repo/build/gopath"
rm -f "$stamp"
cd "$src"
echo "cri-tools: go build crictl ($("$go" version))"
# the version the Makefile stamps from git describe (the archive has no .git)
ldflags="-X github.com/kubernetes-sigs/cri-tools/pkg/version.Version=$version"
"$go" build -trimpath -ldflags "$ldflags" -o "$bin/crictl" ./cmd/crictl
echo "cri-tools: go test -c critest"
"$go" test -c -trimpath -ldflags "$ldflags" -o "$bin/critest" ./cmd/critest
printf '%s %s\n' "$sum" "$version" >"$stamp"
echo "cri-tools: $("$bin/crictl" --version), critest built into build/bin/"
