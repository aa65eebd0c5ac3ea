#!/bin/sh
# Copy the pinned browser libraries from node_modules/ (installed by `npm ci`
# from package-lock.json) into roleplay/web/static/vendor/, where the app
# serves them. The copies are committed so the wheel and a plain checkout work
# without npm; run this after changing package.json and commit the result.
set -eu
cd "$(dirname "$0")/.."
src=node_modules/socket.io-client/dist
dest=roleplay/web/static/vendor
if [ ! -f "$src/socket.io.min.js" ]; then
  echo "vendor.sh: $src/socket.io.min.js is missing; run 'npm ci' first" >&2
  exit 1
fi
mkdir -p "$dest"
cp "$src/socket.io.min.js" "$src/socket.io.min.js.map" "$dest/"
version=$(node -p "require('./node_modules/socket.io-client/package.json').version")
printf '%s\n' "socket.io-client $version (MIT) from the npm registry, pinned by package-lock.json" > "$dest/VERSIONS.txt"
echo "vendor.sh: socket.io-client $version -> $dest/"
