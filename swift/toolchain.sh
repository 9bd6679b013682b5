#!/usr/bin/env bash
# Provides a Swift 6 toolchain on Debian 12, which ships none.
#
# Debian 13 (trixie) packages `swiftlang`; we install it into a debootstrap root kept in a fixed cache directory
# outside the clone, so only the first run pays (about a minute of downloads, ~3 GB on disk).
# Prints the root's path on stdout. If `swift` is already on PATH (macOS, a swift.org toolchain), prints nothing.
# Needs root (debootstrap, mount, chroot) and, on the first run, network access to deb.debian.org.
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

# Mount points at or below $1, deepest first.
mounts_under() {
  awk -v r="$1" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r
}

if [ ! -f "$stamp" ]; then
  # Concurrent first runs: one builds, the others wait for it.
  mkdir -p "$(dirname "$root")"
  exec 8>"$root.lock"
  flock 8
fi
if [ ! -f "$stamp" ]; then
  echo "swift/toolchain.sh: building a Debian trixie root with swiftlang in $root (first run only)" >&2
  if ! command -v debootstrap >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
  fi
  if [ -e "$root" ]; then
    # A half-built root from an interrupted run. Never delete through a mount (test.sh bind-mounts the repository
    # into the root while it runs).
    for m in $(mounts_under "$root"); do umount "$m" 2>/dev/null || umount -l "$m" || true; done
    if [ -n "$(mounts_under "$root")" ]; then
      echo "swift/toolchain.sh: refusing to delete $root: still mounted: $(mounts_under "$root" | tr '\n' ' ')" >&2
      exit 1
    fi
    rm -rf --one-file-system "$root"
  fi
  mkdir -p "$root"
  debootstrap --variant=minbase trixie "$root" http://deb.debian.org/debian >&2
  mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends swiftlang libc6-dev libstdc++-14-dev >&2
  chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get clean >&2
  chroot "$root" swift --version >&2
  touch "$stamp"
fi
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
echo "$root"
