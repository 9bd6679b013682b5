#!/usr/bin/env bash
# Builds the refundkit Android library (AAR) from the Rust sources, in the `mobile` profile.
#
# With the Android NDK (ANDROID_NDK_HOME or ANDROID_NDK_ROOT set), cargo-ndk and Gradle (or a ./gradlew):
#   1. cargo ndk -t arm64-v8a -t armeabi-v7a -t x86_64 -t x86 -o android/src/main/jniLibs \
#        build --release -p refundkit-ffi --no-default-features --features mobile
#   2. uniffi-bindgen (this workspace's, `--features bindgen`) generates the Kotlin API with android/uniffi.toml
#      (`android = true`) from the arm64 library into android/src/main/kotlin/
#   3. gradle assembleRelease → android/build/outputs/aar/refundkit-android-release.aar
#      (`android/build-aar.sh publish` runs publishToMavenLocal instead: io.refundkit:refundkit-android:<version>)
#
# Without the NDK it says so and runs tests/android-check.sh instead: the arm64 staticlib, the generated Kotlin
# compiled against JNA's AAR, an arm64 .so linked without the NDK, and an AAR assembled from those (zip).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$repo"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
task=assembleRelease
[ "${1:-}" = publish ] && task=publishToMavenLocal

ndk="${ANDROID_NDK_HOME:-${ANDROID_NDK_ROOT:-}}"
if [ -z "$ndk" ] || [ ! -d "$ndk" ]; then
  cat >&2 <<'EOF'
build-aar: no Android NDK (set ANDROID_NDK_HOME to an NDK r26+ directory) — cannot link the Android .so files the
usual way, nor run the Android Gradle plugin. Falling back to what this machine can check:
tests/android-check.sh (arm64 staticlib, android=true Kotlin compiled against JNA's AAR, arm64 .so linked with
rust-lld and stub system libraries, an AAR zip assembled and checked in android/build/check/).
EOF
  exec "$repo/tests/android-check.sh"
fi

command -v cargo-ndk >/dev/null || { echo "build-aar: installing cargo-ndk" >&2; cargo install --locked cargo-ndk; }
rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android i686-linux-android >&2

# 1. Native libraries. -P: the platform (API level) the NDK links against = minSdk. NDK r28+ aligns LOAD segments to
# 16 KB (needed on Google Play for Android 15+ devices); older NDKs need the link-arg below.
min_sdk=$(sed -n 's/.*minSdk = \([0-9]*\).*/\1/p' android/build.gradle.kts)
export RUSTFLAGS="${RUSTFLAGS:-} -C link-arg=-Wl,-z,max-page-size=16384"
cargo ndk -P "$min_sdk" -t arm64-v8a -t armeabi-v7a -t x86_64 -t x86 -o android/src/main/jniLibs \
  build --locked --release -p refundkit-ffi --no-default-features --features mobile

# 2. Kotlin (android = true) from the arm64 library in cargo's target dir: uniffi reads its metadata from the symbol
# table, which that one keeps (strip = "debuginfo"); the copies in jniLibs may be stripped (cargo-ndk, AGP).
cargo build --locked --release -p refundkit-ffi --features bindgen --bin uniffi-bindgen
rm -rf android/src/main/kotlin
"$target_dir/release/uniffi-bindgen" generate "$target_dir/aarch64-linux-android/release/librefundkit_ffi.so" \
  --language kotlin --config android/uniffi.toml --out-dir android/src/main/kotlin --no-format

# 3. The AAR.
cd android
if [ -x ./gradlew ]; then gradle=./gradlew; else gradle=gradle; fi
command -v "$gradle" >/dev/null || [ -x "$gradle" ] || { echo "build-aar: need Gradle 8.9+ (or a ./gradlew) on PATH" >&2; exit 1; }
"$gradle" --no-daemon "$task"
[ "$task" = assembleRelease ] && ls -l build/outputs/aar/
