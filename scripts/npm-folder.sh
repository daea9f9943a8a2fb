#!/usr/bin/env bash
# npm-folder.sh WHO SOURCE DEST [NPM-CI-FLAG...]: installs the packages that
# SOURCE/package-lock.json pins into DEST/node_modules with `npm ci`, outside
# the project's own node_modules (for tools only one step needs: Bun's
# runtimes for other CPUs, the scanner). Idempotent: nothing happens while
# DEST holds the same lock file.
set -euo pipefail
who=$1 source=$2 dest=$3
shift 3

if cmp -s "$source/package-lock.json" "$dest/package-lock.json" && [[ -d $dest/node_modules ]]; then
  echo "$who: $source already installed in $dest"
  exit 0
fi
echo "$who: npm ci ($source/package-lock.json) -> $dest"
rm -rf "$dest"
mkdir -p "$dest"
cp "$source/package.json" "$source/package-lock.json" "$dest/"
(cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error "$@")
