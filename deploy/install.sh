#!/bin/sh
# Installs a release tarball (deploy/pack.sh) as a folder of its own, e.g. /opt/fedmark-0.1.0, with
# its production dependencies at the lockfile's versions — among them Node.js 24, which fedmark runs
# on whatever Node the host has. Extra arguments go to npm (e.g. --offline, --registry URL).
# usage: deploy/install.sh fedmark-X.Y.Z.tgz PREFIX [NPM_ARGS…]
set -eu
if [ $# -lt 2 ]; then
  echo "usage: $0 fedmark-X.Y.Z.tgz PREFIX [npm arguments…]   (e.g. PREFIX /opt/fedmark-0.1.0)" >&2
  exit 2
fi
tarball=$(readlink -f "$1")
prefix=$2
shift 2
if [ -e "$prefix" ]; then
  echo "$0: $prefix exists already: install each version into a new folder and switch the /opt/fedmark link (see the operators' guide)" >&2
  exit 2
fi
mkdir -p "$prefix"
tar -xzf "$tarball" -C "$prefix" --strip-components=1 --no-same-owner
cd "$prefix"
# npm runs on the host's Node, which may be older than the Node 24 being installed: its engine
# warnings are about that Node, not about fedmark's, so only errors are shown.
npm ci --omit=dev --no-audit --no-fund --loglevel=error "$@"
"$prefix/bin/fedmark" --help >/dev/null
echo "fedmark installed in $prefix (Node $("$prefix/node_modules/node/bin/node" --version))"
