#!/usr/bin/env bash
# Runs cargo for an Android or iOS target on a machine WITHOUT the Android NDK or Xcode, e.g.
#
#   tests/cross-cargo.sh aarch64-linux-android check -p refundkit-ffi --no-default-features --features mobile
#   tests/cross-cargo.sh aarch64-apple-ios rustc -p refundkit-ffi --no-default-features --features mobile \
#       --release --lib --crate-type staticlib
#
# The only C in the mobile profile is ring's (no libc needed: ring builds with RING_CORE_NOSTDLIBINC), so Debian's
# clang with a --target flag compiles it; llvm-ar archives it. Installs clang-14/lld-14 (apt) and the rustup target
# when missing. Produces objects and static libraries; linking an Android .so or an iOS app still needs the NDK or
# Xcode (see android/README.md and swift/README.md). On a machine with the NDK use cargo-ndk instead.
set -euo pipefail
target="${1:?usage: cross-cargo.sh TARGET CARGO-SUBCOMMAND [ARGS...]}"; shift
repo="$(cd "$(dirname "$0")/.." && pwd)"

llvm=/usr/lib/llvm-14/bin
if [ ! -x "$llvm/clang" ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "cross-cargo: installing clang-14 and lld-14 (apt)" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q clang-14 lld-14 >/dev/null 2>&1 \
    || { $sudo apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q clang-14 lld-14 >/dev/null; }
fi
rustup target list --installed 2>/dev/null | grep -qx "$target" || rustup target add "$target" >&2

var="${target//-/_}"
# tests/cross-include: stand-ins for the two headers ring's C reaches without a libc (TargetConditionals.h on Apple
# targets; stdlib.h from clang's immintrin.h on x86/x86_64). Nothing is linked from them.
cflags="-nostdlibinc -DRING_CORE_NOSTDLIBINC=1 -isystem $repo/tests/cross-include"
case "$target" in
  # ring's 32-bit ARM assembly needs ARMv7-A; cc-rs asks clang for plain "arm". API 24 = android/ minSdk.
  armv7-linux-androideabi) cflags="$cflags --target=armv7a-linux-androideabi24" ;;
  *-apple-ios*)
    case "$target" in *-sim|x86_64-apple-ios) cflags="$cflags -DREFUNDKIT_IOS_SIMULATOR=1" ;; esac
    # cc-rs asks xcrun for the SDK unless SDKROOT is set; nothing is read from it (-nostdlibinc).
    export SDKROOT="${SDKROOT:-$repo/tests/cross-include}" ;;
esac
export "CC_$var=$llvm/clang" "AR_$var=$llvm/llvm-ar" "CFLAGS_$var=$cflags"
exec cargo "$@" --target "$target"
