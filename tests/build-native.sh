#!/usr/bin/env bash
# Builds the refundkit-ffi library (release) and generates bindings from it.
#   tests/build-native.sh                 build only; prints the library path
#   tests/build-native.sh LANG OUT_DIR    also generate LANG (kotlin | swift | python) bindings into OUT_DIR
# Uses CARGO_TARGET_DIR when set (tests/run-all sets it to a cache outside the clone).
# REFUNDKIT_PROFILE picks the build profile (bindings/Cargo.toml): `test` (default: server + sandbox, what the test
# suites need) or `server` (e.g. a JVM back end's jar without the sandbox: REFUNDKIT_PROFILE=server mvn clean install -Dmaven.test.skip=true).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
cd "$repo"
profile="${REFUNDKIT_PROFILE:-test}"
case "$profile" in test|server) ;; *) echo "build-native: REFUNDKIT_PROFILE must be test or server (mobile: android/, swift/build-xcframework.sh)" >&2; exit 2 ;; esac
# The default features are the server profile, so `test` adds the sandbox and `server` adds nothing.
cargo build --release --locked -p refundkit-ffi --features "bindgen,$profile" --bins --lib >&2
ext=so; [ "$(uname -s)" = Darwin ] && ext=dylib
lib="$target/release/librefundkit_ffi.$ext"
[ -f "$lib" ] || { echo "build-native: $lib not found" >&2; exit 1; }
if [ $# -ge 2 ]; then
  lang="$1" out="$2"
  mkdir -p "$out"
  "$target/release/uniffi-bindgen" generate "$lib" --language "$lang" --out-dir "$out" --no-format >&2
fi
echo "$lib"
