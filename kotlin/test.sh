#!/usr/bin/env bash
# Runs the Kotlin/JVM suite (conformance vectors + binding tests) from any directory, on a fresh machine too:
# installs a JDK and Maven if missing, then `mvn test` builds the Rust library, generates the bindings and runs JUnit.
# Last line: `kotlin: N passed, M failed` (from Surefire's XML reports). Exit status: Maven's.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
  echo "kotlin/test.sh: installing a JDK and Maven (apt-get)" >&2
  if command -v apt-get >/dev/null; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq openjdk-17-jdk-headless maven >&2 \
      || { echo "kotlin/test.sh: could not install a JDK and Maven"; echo "kotlin: 0 passed, 1 failed"; exit 1; }
  else
    echo "kotlin/test.sh: need a JDK (17+) and Maven 3.6+ on PATH"; echo "kotlin: 0 passed, 1 failed"; exit 1
  fi
fi
command -v cargo >/dev/null || { echo "kotlin/test.sh: need cargo (Rust) to build the native library"; echo "kotlin: 0 passed, 1 failed"; exit 1; }

rm -rf target/surefire-reports
# -ntp: no download progress; Maven's own INFO lines stay (one "Tests run:" line per class, failures in full).
# Maven 3.8 writes stray ANSI resets even in batch mode (they would glue onto the summary line): strip them.
mvn -B -ntp -Dstyle.color=never test "$@" 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g'
status=${PIPESTATUS[0]}

passed=0 failed=0
shopt -s nullglob
reports=(target/surefire-reports/TEST-*.xml)
if [ ${#reports[@]} -gt 0 ]; then
  # The <testsuite ...> element of each report carries tests/failures/errors/skipped.
  read -r passed failed < <(
    for f in "${reports[@]}"; do grep -m1 -o '<testsuite [^>]*>' "$f"; done | awk '
      { t=f=e=s=0
        if (match($0, / tests="[0-9]+"/))    { t=substr($0, RSTART+8, RLENGTH-9) }
        if (match($0, / failures="[0-9]+"/)) { f=substr($0, RSTART+11, RLENGTH-12) }
        if (match($0, / errors="[0-9]+"/))   { e=substr($0, RSTART+9, RLENGTH-10) }
        if (match($0, / skipped="[0-9]+"/))  { s=substr($0, RSTART+10, RLENGTH-11) }
        P += t-f-e-s; F += f+e }
      END { print P+0, F+0 }')
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "kotlin/test.sh: mvn failed (exit $status) outside the tests (build, bindings or compilation): see above"
fi

# Android (android/README.md): the `mobile` profile as an arm64-v8a staticlib, the `android = true` Kotlin compiled
# against JNA's AAR, an arm64 .so linked without the NDK, the AAR's layout. Its checks count in the line below.
# REFUNDKIT_SKIP_ANDROID=1 leaves them out.
if [ "${REFUNDKIT_SKIP_ANDROID:-}" != 1 ]; then
  echo "kotlin/test.sh: Android checks (tests/android-check.sh)"
  android_log="$(mktemp)"
  bash "$here/../tests/android-check.sh" 2>&1 | tee "$android_log"
  android_rc=${PIPESTATUS[0]}
  read -r android_passed android_failed < <(
    sed -n 's/^android: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$android_log" | tail -1)
  rm -f "$android_log"
  if [ -z "${android_passed:-}" ]; then android_passed=0 android_failed=1; fi   # it crashed before its summary
  passed=$((passed + android_passed)) failed=$((failed + android_failed))
  if [ "$status" -eq 0 ] && { [ "$android_rc" -ne 0 ] || [ "$android_failed" -gt 0 ]; }; then status=1; fi
fi
echo "kotlin: $passed passed, $failed failed"
exit "$status"
