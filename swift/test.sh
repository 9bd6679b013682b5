#!/usr/bin/env bash
# Builds librefundkit_ffi, generates the Swift bindings into this package and runs `swift build` + `swift test`.
# Works from any cwd and from a fresh clone. Last line of output: `swift: N passed, M failed` (N, M = XCTest test
# methods plus the iOS XCFramework checks; a build failure or a crashed test run counts as one failure). Exit status
# non-zero on any failure.
#
# Then the iOS check, without Xcode: `build-xcframework.sh` cross-compiles the slices whose rust-std is installed
# (aarch64-apple-ios at least) in the mobile profile, assembles RefundKitFFI.xcframework and the release package,
# `check-xcframework.py` checks them (each `xcframework: ok|FAILED` line counts as one passed/failed item), and swift
# parses the release and local manifests (`swift package dump-package`) and recomputes the zip checksum.
#
# Swift: if `swift` is on PATH (macOS, a swift.org toolchain) it is used directly. Otherwise (Debian 12) `toolchain.sh`
# provides a Debian trixie root with swiftlang 6.0.3 (built once into $REFUNDKIT_CACHE, default ~/.cache/refundkit),
# this repository is bind-mounted into it at /mnt/refundkit for the run (unmounted on exit), and swift runs under
# chroot; that needs root, as in CI.
#
#   CARGO_TARGET_DIR     where cargo builds (honoured by tests/build-native.sh)
#   REFUNDKIT_CACHE      cache directory (toolchain root; SwiftPM scratch dir when swift is native)
#   SWIFT_TEST_ARGS      extra arguments for `swift test`, e.g. "--filter ClientTests"
#   REFUNDKIT_SKIP_XCFRAMEWORK=1   skip the iOS check (local runs only; CI runs it)
#   REFUNDKIT_IOS_TARGETS  the iOS check's Rust targets (default: all three; those without rust-std are skipped, so
#                          on the Debian CI machine only aarch64-apple-ios is built: ~2 min CPU cold, seconds warm)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cache="${REFUNDKIT_CACHE:-$HOME/.cache/refundkit}"

log="$(mktemp)"
xclog="$(mktemp)"
root=""
mounted=""
ran_tests=""

finish() {
  local rc=$?
  set +e
  if [ -n "$mounted" ]; then
    umount "$mounted" 2>/dev/null || umount -l "$mounted" || echo "swift/test.sh: could not unmount $mounted" >&2
  fi
  local passed failed executed
  passed="$(grep -cE "^Test Case '.*' passed" "$log")"
  failed="$(grep -cE "^Test Case '.*' failed" "$log")"
  executed="$(grep -oE 'Executed [0-9]+ tests?' "$log" | tail -n 1 | grep -oE '[0-9]+')"
  rm -f "$log"
  if [ -n "$executed" ] && [ "$executed" -ne $((passed + failed)) ]; then
    echo "swift/test.sh: XCTest executed $executed tests but reported $passed passed + $failed failed" >&2
    [ "$rc" -ne 0 ] || rc=1
  fi
  # The iOS XCFramework checks, as extra items.
  passed=$((passed + $(grep -c '^xcframework: ok ' "$xclog")))
  failed=$((failed + $(grep -c '^xcframework: FAILED ' "$xclog")))
  rm -f "$xclog"
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    if [ -z "$ran_tests" ]; then
      echo "swift/test.sh: failed before the tests ran (toolchain, cargo, bindings or swift build)" >&2
    else
      echo "swift/test.sh: swift test failed without a failing test case (crash?)" >&2
    fi
    failed=1
  fi
  [ "$failed" -eq 0 ] || [ "$rc" -ne 0 ] || rc=1
  echo "swift: $passed passed, $failed failed"
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 1. Swift toolchain (prints nothing when swift is on PATH).
if [ -z "$(command -v swift || true)" ] || [ -n "${REFUNDKIT_SWIFT_ROOT:-}" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "swift/test.sh: no swift on PATH; the Debian trixie toolchain root needs root (debootstrap, mount, chroot)" >&2
    exit 1
  fi
fi
root="$(bash "$here/toolchain.sh")"

# 2. Native library + generated sources (Sources/RefundKit, Sources/RefundKitFFI, lib/).
"$here/generate.sh" >/dev/null

# 3. swift build + swift test.
swift_args=(--disable-swift-testing)
# shellcheck disable=SC2206
extra=(${SWIFT_TEST_ARGS:-})

if [ -z "$root" ]; then
  pkg="$here"
  scratch="$cache/swift-build"
  run() { env LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$@"; }
else
  # One run at a time per root: the mount point and the scratch directory are shared.
  exec 9>"$root/.refundkit-test.lock"
  flock 9
  inside=/mnt/refundkit
  mkdir -p "$root$inside"
  mount --bind "$repo" "$root$inside"
  mounted="$root$inside"
  pkg="$inside/swift"
  # Inside the root, at a fixed path, so a fresh clone reuses it (the repo is always mounted at the same place).
  scratch=/var/cache/refundkit-swift-build
  run() {
    chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      LD_LIBRARY_PATH="$pkg/lib" REFUNDKIT_VECTORS="$inside/tests/vectors" REFUNDKIT_KEYS="$inside/core/tests/data/upi360_keys" "$@"
  }
fi

start=$(date +%s)
run swift build --build-tests --package-path "$pkg" --scratch-path "$scratch" >&2
built=$(date +%s)
echo "swift/test.sh: swift build took $((built - start)) s" >&2
ran_tests=1
set +e
run swift test --package-path "$pkg" --scratch-path "$scratch" "${swift_args[@]}" "${extra[@]}" 2>&1 \
  | tee "$log" >&2
rc=${PIPESTATUS[0]}
set -e
echo "swift/test.sh: swift test took $(($(date +%s) - built)) s" >&2

# 4. The iOS XCFramework (see the top of this file). Its output directory is inside the root when there is one, so
#    the root's swift can read the manifests.
if [ "${REFUNDKIT_SKIP_XCFRAMEWORK:-}" = 1 ]; then
  echo "swift/test.sh: REFUNDKIT_SKIP_XCFRAMEWORK=1: iOS XCFramework check skipped" >&2
  exit "$rc"
fi
xc_start=$(date +%s)
if [ -z "$root" ]; then xcout="$cache/xcframework"; xcin="$xcout"; else xcin=/var/cache/refundkit-xcframework; xcout="$root$xcin"; fi
set +e
REFUNDKIT_IOS_SLICES=available bash "$here/build-xcframework.sh" "$xcout" >&2
xc_rc=$?
if [ "$xc_rc" -ne 0 ]; then
  echo "xcframework: FAILED build-xcframework.sh exited with $xc_rc" | tee -a "$xclog" >&2
else
  python3 "$here/check-xcframework.py" "$xcout" 2>&1 | tee -a "$xclog" >&2
  [ -s "$xclog" ] || echo "xcframework: FAILED check-xcframework.py printed nothing" | tee -a "$xclog" >&2
  xc_check() { # NAME COMMAND...: one item, passed when the command succeeds
    local name="$1"; shift
    if "$@" >/dev/null 2>"$xclog.err"; then echo "xcframework: ok $name"
    else echo "xcframework: FAILED $name: $(tail -n 3 "$xclog.err" | tr '\n' ' ')"; fi | tee -a "$xclog" >&2
    rm -f "$xclog.err"
  }
  for p in package local ios-tests/swift; do
    xc_check "swift package dump-package parses $p/Package.swift" \
      run swift package dump-package --package-path "$xcin/$p"
  done
  zip_sum="$(run swift package compute-checksum "$xcin/RefundKitFFI.xcframework.zip" 2>/dev/null)"
  xc_check "swift package compute-checksum of the zip = recorded checksum ($zip_sum)" \
    test -n "$zip_sum" -a "$zip_sum" = "$(cat "$xcout/RefundKitFFI.xcframework.zip.sha256")"
fi
set -e
echo "swift/test.sh: iOS XCFramework build + check took $(($(date +%s) - xc_start)) s" >&2
grep -q '^xcframework: FAILED ' "$xclog" && [ "$rc" -eq 0 ] && rc=1
exit "$rc"
