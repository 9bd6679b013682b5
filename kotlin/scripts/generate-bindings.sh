#!/usr/bin/env bash
# Maven's generate-sources step (see ../pom.xml): builds the native library with ../../tests/build-native.sh,
# generates the Kotlin bindings from it into SRC_DIR, and copies the library into CLASSES_DIR/<jna-prefix>/ so JNA
# loads it as a classpath resource (and `mvn package` puts it in the jar).
#   scripts/generate-bindings.sh SRC_DIR CLASSES_DIR
set -euo pipefail
src="$1" classes="$2"
here="$(cd "$(dirname "$0")" && pwd)"
lib="$("$here/../../tests/build-native.sh" kotlin "$src")"

# JNA's resource prefix (com.sun.jna.Platform.RESOURCE_PREFIX) for this machine.
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64)          prefix=linux-x86-64 ;;
  Linux-aarch64)         prefix=linux-aarch64 ;;
  Darwin-arm64)          prefix=darwin-aarch64 ;;
  Darwin-x86_64)         prefix=darwin-x86-64 ;;
  *) echo "generate-bindings: no JNA resource prefix known for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
mkdir -p "$classes/$prefix"
cp "$lib" "$classes/$prefix/"
echo "generate-bindings: bindings in $src, $(basename "$lib") in $classes/$prefix/" >&2
