#!/usr/bin/env bash
# Builds librefundkit_ffi (release) and generates the Swift package's sources from it:
#   Sources/RefundKit/RefundKit.swift         the Swift API
#   Sources/RefundKitFFI/RefundKitFFI.h       the C declarations
#   Sources/RefundKitFFI/module.modulemap     uniffi's RefundKitFFI.modulemap under the name SwiftPM looks for
#   lib/librefundkit_ffi.so                   the library Package.swift links against
# Files are only replaced when their content changed, so SwiftPM's incremental build stays warm.
# Honours CARGO_TARGET_DIR (via tests/build-native.sh). Works from any cwd.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

lib="$("$repo/tests/build-native.sh" swift "$stage")"

install_if_changed() { # SRC DEST
  mkdir -p "$(dirname "$2")"
  if ! cmp -s "$1" "$2"; then
    cp "$1" "$2.tmp.$$" && mv -f "$2.tmp.$$" "$2"
    echo "swift/generate.sh: updated ${2#"$here"/}" >&2
  fi
}

for f in RefundKit.swift RefundKitFFI.h RefundKitFFI.modulemap; do
  [ -f "$stage/$f" ] || { echo "swift/generate.sh: uniffi-bindgen did not produce $f" >&2; exit 1; }
done
install_if_changed "$stage/RefundKit.swift"        "$here/Sources/RefundKit/RefundKit.swift"
install_if_changed "$stage/RefundKitFFI.h"         "$here/Sources/RefundKitFFI/RefundKitFFI.h"
install_if_changed "$stage/RefundKitFFI.modulemap" "$here/Sources/RefundKitFFI/module.modulemap"
install_if_changed "$lib"                          "$here/lib/$(basename "$lib")"
echo "$here/lib/$(basename "$lib")"
