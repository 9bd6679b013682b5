#!/usr/bin/env bash
# Builds librefundkit_ffi, generates the Swift bindings into this package and runs `swift build` + `swift test`.
# Works from any cwd and from a fresh clone. Last line of output: `swift: N passed, M failed` (N, M = XCTest test
# methods; a build failure or a crashed test run counts as one failure). Exit status non-zero on any failure.
#
# Swift: if `swift` is on PATH (macOS, a swift.org toolchain) it is used directly. Otherwise (Debian 12) `toolchain.sh`
# provides a Debian trixie root with swiftlang 6.0.3 (built once into $REFUNDKIT_CACHE, default ~/.cache/refundkit),
# this repository is bind-mounted into it at /mnt/refundkit for the run (unmounted on exit), and swift runs under
# chroot; that needs root, as in CI.
#
#   CARGO_TARGET_DIR     where cargo builds (honoured by tests/build-native.sh)
#   REFUNDKIT_CACHE      cache directory (toolchain root; SwiftPM scratch dir when swift is native)
#   SWIFT_TEST_ARGS      extra arguments for `swift test`, e.g. "--filter ClientTests"
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cache="${REFUNDKIT_CACHE:-$HOME/.cache/refundkit}"

log="$(mktemp)"
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
exit "$rc"
