#!/usr/bin/env bash
# Provides a Swift 6 toolchain on Debian 12, which ships none.
#
# Debian 13 (trixie) packages `swiftlang`; we install it into a debootstrap root kept in a fixed cache directory
# outside the clone, so only the first run pays (about a minute of downloads, ~3 GB on disk).
# Prints the root's path on stdout. If `swift` is already on PATH (macOS, a swift.org toolchain), prints nothing.
#
#   REFUNDKIT_CACHE   cache directory (default: $HOME/.cache/refundkit)
#   REFUNDKIT_SWIFT_ROOT  use this root instead of the cached one
set -euo pipefail

if command -v swift >/dev/null 2>&1 && [ -z "${REFUNDKIT_SWIFT_ROOT:-}" ]; then
  exit 0
fi

cache="${REFUNDKIT_CACHE:-$HOME/.cache/refundkit}"
root="${REFUNDKIT_SWIFT_ROOT:-$cache/swift-trixie}"
stamp="$root/.refundkit-ready"

if [ ! -f "$stamp" ]; then
  echo "swift/toolchain.sh: building a Debian trixie root with swiftlang in $root (first run only)" >&2
  if ! command -v debootstrap >/dev/null 2>&1; then
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
  fi
  rm -rf "$root"
  mkdir -p "$root"
  debootstrap --variant=minbase trixie "$root" http://deb.debian.org/debian >&2
  mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends swiftlang libc6-dev libstdc++-14-dev >&2
  chroot "$root" swift --version >&2
  touch "$stamp"
fi
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
echo "$root"
