#!/usr/bin/env bash
# Unpacks Debian's arm64 Node.js and the libraries it needs into a folder (never installed over the
# host's node), for running the addon under qemu-aarch64-static:
#   scripts/arm64-sysroot.sh DIR
#   qemu-aarch64-static -L DIR DIR/usr/bin/node script.js
# Needs apt-get (root) with Debian's arm64 archive reachable; adds the arm64 architecture if missing.
set -euo pipefail
root=${1:?usage: arm64-sysroot.sh DIR}
[ -x "$root/usr/bin/node" ] && exit 0

packages=(nodejs libnode108 libbrotli1 libc-ares2 libc6 libgcc-s1 libicu72 libnghttp2-14 libssl3
          libstdc++6 libuv1 zlib1g)

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
  apt-get update -qq
fi

downloads=$(mktemp -d)
trap 'rm -rf "$downloads"' EXIT
chown _apt "$downloads" 2>/dev/null || true   # apt's download user must be able to write there
(cd "$downloads" && apt-get download -qq "${packages[@]/%/:arm64}" node-cjs-module-lexer node-acorn node-undici)
mkdir -p "$root"
for deb in "$downloads"/*.deb; do dpkg-deb -x "$deb" "$root"; done
echo "arm64 Node.js unpacked into $root"
