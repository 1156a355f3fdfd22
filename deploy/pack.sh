#!/bin/sh
# Builds the release tarball a bank's operations team installs (deploy/install.sh): what `npm pack`
# ships, plus the lockfile as npm-shrinkwrap.json (npm never packs package-lock.json), so that every
# install gets exactly the dependency versions this clone was tested with.
# usage: deploy/pack.sh [OUT_DIR]   (default: the current folder); prints the tarball's path
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(cd "${1:-.}" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
(cd "$repo" && npm pack --silent --pack-destination "$stage" >/dev/null)
tar -xzf "$stage"/fedmark-*.tgz -C "$stage"
cp "$repo/package-lock.json" "$stage/package/npm-shrinkwrap.json"
name=$(cd "$stage/package" && npm pack --silent --pack-destination "$out")
echo "$out/$name"
