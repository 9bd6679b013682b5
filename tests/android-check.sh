#!/usr/bin/env bash
# Android checks for a machine WITHOUT the Android NDK, SDK or Gradle (CI; called at the end of kotlin/test.sh):
#
#   1. staticlib    the `mobile` profile compiles for Android: librefundkit_ffi.a for arm64-v8a (tests/cross-cargo.sh:
#                   Debian clang-14 with --target, ring without libc headers).
#   2. bindings     Kotlin generated from that library with android/uniffi.toml (`android = true`): the Android
#                   cleaner is in, the server-only API (builtinTransport, Sandbox, SQL stores) is out.
#   3. compile      that Kotlin compiles (android/verify/pom.xml) against JNA's Android AAR classes.jar, kotlinx-
#                   coroutines(-android) and compile-only stubs of android.os.Build, android.system.SystemCleaner and
#                   androidx.annotation.RequiresApi; the OkHttp transport in android/samples/ compiles against it.
#   4. link         a real librefundkit_ffi.so linked from the staticlib without the NDK (android/link/link-so.sh:
#                   rust-lld, the `unwinding` crate, stub libc/libdl/libm/liblog), checked with llvm-readelf.
#   5. aar          an AAR (zip) with AndroidManifest.xml, classes.jar, proguard.txt, R.txt and
#                   jni/<abi>/librefundkit_ffi.so for every ABI linked; its layout is checked.
#
#   tests/android-check.sh             the five checks for arm64-v8a (≈3-4 min cold on 2 busy cores, seconds cached)
#   tests/android-check.sh --all-abis  also the staticlib and link for armeabi-v7a, x86_64 and x86 (armeabi-v7a: a
#                                      size estimate only, see link-so.sh)
#
# Last line: `android: N passed, M failed`. Exit status 0 only when nothing failed.
# Uses CARGO_TARGET_DIR when set. Outputs go to android/build/check/ (git-ignored).
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
out="$repo/android/build/check"
all_abis=0
for arg in "$@"; do
  case "$arg" in
    --all-abis) all_abis=1 ;;
    *) echo "usage: tests/android-check.sh [--all-abis]" >&2; exit 2 ;;
  esac
done

if ! command -v zip >/dev/null || ! command -v unzip >/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "android-check: installing zip and unzip (apt)" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q zip unzip >/dev/null 2>&1 \
    || { $sudo apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q zip unzip >/dev/null; }
fi

passed=0 failed=0
pass() { echo "android: PASS $*"; passed=$((passed + 1)); }
fail() { echo "android: FAIL $*"; failed=$((failed + 1)); }
finish() { echo "android: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }
jna_version=$(sed -n 's:.*<jna.version>\(.*\)</jna.version>.*:\1:p' kotlin/pom.xml)
version=$(sed -n 's/^version=//p' android/gradle.properties)
min_sdk=$(sed -n 's/.*minSdk = \([0-9]*\).*/\1/p' android/build.gradle.kts)
rm -rf "$out" && mkdir -p "$out"

# Rust target triple → Android ABI directory name.
abi_of() {
  case "$1" in
    aarch64-linux-android) echo arm64-v8a ;; armv7-linux-androideabi) echo armeabi-v7a ;;
    x86_64-linux-android) echo x86_64 ;; i686-linux-android) echo x86 ;;
  esac
}

# 1. The mobile profile as an Android staticlib.
staticlib() {
  local triple="$1" abi log lib start
  abi=$(abi_of "$triple") log="$out/staticlib-$abi.log" lib="$target_dir/$triple/release/librefundkit_ffi.a"
  start=$(date +%s)
  if tests/cross-cargo.sh "$triple" rustc --locked -p refundkit-ffi --no-default-features --features mobile \
      --release --lib --crate-type staticlib >"$log" 2>&1 && [ -f "$lib" ]; then
    pass "staticlib $abi ($triple, mobile profile): $(stat -c %s "$lib") bytes, $(($(date +%s) - start)) s"
    return 0
  fi
  tail -20 "$log"
  fail "staticlib $abi ($triple): see $log"
  return 1
}

arm64_lib="$target_dir/aarch64-linux-android/release/librefundkit_ffi.a"
staticlib aarch64-linux-android || finish
built=(aarch64-linux-android)
if [ "$all_abis" = 1 ]; then
  for t in armv7-linux-androideabi x86_64-linux-android i686-linux-android; do staticlib "$t" && built+=("$t"); done
fi

# 2. Android Kotlin from the arm64 library. uniffi-bindgen is the same build kotlin/test.sh made (no rebuild there).
kt_dir="$out/kotlin"
kt="$kt_dir/io/refundkit/refundkit.kt"   # named after the crate's uniffi namespace
if tests/build-native.sh >"$out/bindgen-build.log" 2>&1 \
    && "$target_dir/release/uniffi-bindgen" generate "$arm64_lib" --language kotlin --config android/uniffi.toml \
      --out-dir "$kt_dir" --no-format >"$out/bindgen.log" 2>&1 \
    && [ -f "$kt" ]; then
  problems=""
  grep -q 'android.system.SystemCleaner' "$kt" || problems="$problems no-android-cleaner"
  grep -q '^package io.refundkit$' "$kt" || problems="$problems wrong-package"
  grep -q 'interface HttpTransport' "$kt" || problems="$problems no-HttpTransport"
  # Every JDK class the generated code names must exist on Android at minSdk (all of these are API 1, except
  # java.lang.ref.Cleaner, used only in the SDK_INT >= 34 branch). A new one: check it, then add it here.
  allowed='java.nio.ByteBuffer java.nio.ByteOrder java.nio.CharBuffer java.nio.charset.CodingErrorAction
    java.util.concurrent.ConcurrentHashMap java.util.concurrent.atomic.AtomicLong
    java.util.concurrent.atomic.AtomicBoolean java.lang.ref.Cleaner'
  for cls in $(grep -oE '\bjava\.[a-z]+(\.[a-z]+)*\.[A-Z][A-Za-z]+' "$kt" | sort -u); do
    grep -qw -- "$cls" <<<"$allowed" || problems="$problems jdk-class:$cls"
  done
  for server_only in 'fun `builtinTransport`' 'class Sandbox' 'fun `sqliteAttemptStore`' 'fun `postgresAttemptStore`'; do
    grep -q "$server_only" "$kt" && problems="$problems has:$server_only"
  done
  if [ -z "$problems" ]; then
    pass "bindings: $(wc -l <"$kt") lines of android=true Kotlin, mobile API (no builtinTransport, Sandbox, SQL stores)"
  else
    fail "bindings: $problems"
  fi
else
  cat "$out/bindgen-build.log" "$out/bindgen.log" 2>/dev/null | tail -20
  fail "bindings: generation failed (see $out/bindgen*.log)"
  finish
fi

# 3. Compile it the way an Android app would see it: JNA's AAR classes, coroutines, compile-only Android stubs.
jna_dir="$out/jna-aar"
stubs_jar="$out/android-stubs.jar"
compile_log="$out/compile.log"
if mvn -B -ntp -q dependency:copy -Dartifact="net.java.dev.jna:jna:$jna_version:aar" -DoutputDirectory="$jna_dir" \
      >"$out/jna.log" 2>&1 \
    && unzip -q -o "$jna_dir/jna-$jna_version.aar" classes.jar -d "$jna_dir" \
    && mkdir -p "$out/stubs" && javac -nowarn -d "$out/stubs" $(find android/verify/stubs -name '*.java') \
    && jar cf "$stubs_jar" -C "$out/stubs" . \
    && mvn -B -ntp -Dstyle.color=never -f android/verify/pom.xml clean test-compile \
      -Drefundkit.generated="$kt_dir" -Djna.classes="$jna_dir/classes.jar" -Dandroid.stubs="$stubs_jar" \
      >"$compile_log" 2>&1; then
  classes="android/verify/target/classes"
  n=$(find "$classes/io/refundkit" -name '*.class' | wc -l)
  strays=$(cd "$classes" && find . -name '*.class' ! -path './io/refundkit/*' | head -3)
  if [ "$n" -gt 0 ] && [ -z "$strays" ] && [ -f android/verify/target/test-classes/com/example/refunds/OkHttpTransport.class ]; then
    pass "compile: generated Kotlin → $n classes (JNA $jna_version AAR classes.jar, Android stubs); samples/OkHttpTransport.kt"
  else
    fail "compile: $n io/refundkit classes, strays: ${strays:-none}, OkHttpTransport compiled: $([ -f android/verify/target/test-classes/com/example/refunds/OkHttpTransport.class ] && echo yes || echo no)"
  fi
else
  grep -E '^\[ERROR\]|^e: ' "$compile_log" "$out/jna.log" 2>/dev/null | head -30
  fail "compile: see $compile_log"
  finish
fi

# 4. Real .so files linked without the NDK. armeabi-v7a's is a size estimate only (no EHABI unwinder): kept out of jni/.
for t in "${built[@]}"; do
  abi=$(abi_of "$t") log="$out/link-$abi.log" dest="$out/jni/$abi/librefundkit_ffi.so"
  [ "$t" = armv7-linux-androideabi ] && dest="$out/estimate/$abi/librefundkit_ffi.so"
  if android/link/link-so.sh "$t" "$target_dir/$t/release/librefundkit_ffi.a" "$dest" >"$log" 2>&1; then
    grep -E '^(machine|DT_NEEDED|exported|LOAD alignment|bound at load time):' "$log" | sed "s/^/android:   $abi /"
    pass "link $abi: $(tail -1 "$log")"
  else
    tail -20 "$log"
    fail "link $abi: see $log"
  fi
done

# 5. The AAR: what AGP would put in it for this library, then its layout.
aar="$out/refundkit-android-$version.aar"
stage="$out/aar"
mkdir -p "$stage"
cat >"$stage/AndroidManifest.xml" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android"
    package="io.refundkit"
    android:versionName="$version">
    <uses-sdk android:minSdkVersion="$min_sdk" />
</manifest>
EOF
jar cf "$stage/classes.jar" -C android/verify/target/classes .
cp android/consumer-rules.pro "$stage/proguard.txt"
: >"$stage/R.txt"
[ -d "$out/jni" ] && cp -r "$out/jni" "$stage/jni"
(cd "$stage" && rm -f "$aar" && zip -q -r "$aar" .)

problems=""
listing=$(unzip -Z1 "$aar")
for entry in AndroidManifest.xml classes.jar proguard.txt R.txt; do
  grep -qx "$entry" <<<"$listing" || problems="$problems missing:$entry"
done
unzip -p "$aar" AndroidManifest.xml | grep -q 'package="io.refundkit"' || problems="$problems manifest-package"
unzip -p "$aar" proguard.txt | grep -q 'com.sun.jna' || problems="$problems proguard-no-jna"
jar_listing=$(unzip -p "$aar" classes.jar >"$out/classes.jar" && unzip -Z1 "$out/classes.jar")
grep -q '^io/refundkit/HttpTransport.class$' <<<"$jar_listing" || problems="$problems classes.jar-no-HttpTransport"
grep -qE '^(android|androidx|com/sun/jna)/' <<<"$jar_listing" && problems="$problems classes.jar-has-stubs-or-jna"
grep -E '^jni/' <<<"$listing" | grep -vE '^jni/$|^jni/(arm64-v8a|armeabi-v7a|x86|x86_64)/(librefundkit_ffi\.so)?$' \
  | grep -q . && problems="$problems unexpected-jni-entries"
sos=$(grep -cE '^jni/[^/]+/librefundkit_ffi\.so$' <<<"$listing")
if [ -z "$problems" ]; then
  pass "aar: $(basename "$aar") ($(stat -c %s "$aar") bytes): manifest, classes.jar, proguard.txt, R.txt, $sos jni .so"
else
  fail "aar: $problems"
fi
finish
