#!/usr/bin/env bash
# Builds RefundKitFFI.xcframework (the Rust library in the `mobile` profile, static, for iOS devices and simulators)
# and the release Swift package that ships it.
#
#   swift/build-xcframework.sh [OUTDIR]          OUTDIR defaults to swift/dist (git-ignored)
#
# Writes:
#   OUTDIR/RefundKitFFI.xcframework/          Info.plist + one directory per slice:
#       ios-arm64/                            librefundkit_ffi.a (aarch64-apple-ios)
#       ios-arm64_x86_64-simulator/           librefundkit_ffi.a (aarch64-apple-ios-sim + x86_64-apple-ios, lipo'd)
#       */Headers/RefundKitFFI/               RefundKitFFI.h + module.modulemap (`module RefundKitFFI`)
#   OUTDIR/RefundKitFFI.xcframework.zip       the SwiftPM binary artifact (deterministic zip)
#   OUTDIR/RefundKitFFI.xcframework.zip.sha256  its checksum (= `swift package compute-checksum`), also printed
#   OUTDIR/package/                           the release package to tag and push as the SwiftPM repository:
#                                             Package.swift (.binaryTarget url + checksum), Sources/RefundKit/
#                                             RefundKit.swift (generated from the mobile library), README.md, LICENSE
#   OUTDIR/local/                             the same package with `.binaryTarget(path:)` and its own copy of the
#                                             xcframework, to try an app against a local build
#   OUTDIR/ios-tests/swift/                   the local package + Tests/RefundKitTests (without the Sandbox and built-in transport tests), to run
#                                             the XCTest suite on a simulator with xcodebuild (Mac only)
# Last line of stdout: `checksum <sha256>`.
#
# On macOS with Xcode, cargo builds with the real SDK and `xcodebuild -create-xcframework` assembles the framework.
# Elsewhere (Linux CI) tests/cross-cargo.sh cross-compiles with clang, and the framework is assembled by hand with
# the same layout; the result is the same static libraries, but nothing here links or runs them.
#
#   REFUNDKIT_XCFRAMEWORK_URL  where the zip will be downloaded from (default: a GitHub-style release URL under the
#                              workspace's `repository` + "-swift", tag = workspace version)
#   REFUNDKIT_IOS_TARGETS      Rust targets (default "aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios")
#   REFUNDKIT_IOS_SLICES       `all` (default): a target that cannot be built is an error.
#                              `available`: skip targets whose rust-std cannot be installed (the framework then lacks
#                              them; a warning says which). Used by the Linux check, where some rust-std are missing.
#   REFUNDKIT_BUILD_STD=1      for a target without a downloadable rust-std, build std with `cargo +nightly
#                              -Zbuild-std` (needs `rustup +nightly component add rust-src`; slow: std is rebuilt)
#   CARGO_TARGET_DIR           honoured (default: target/ in the repository)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="${1:-$here/dist}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
targets=(${REFUNDKIT_IOS_TARGETS:-aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios})
slices_mode="${REFUNDKIT_IOS_SLICES:-all}"
llvm=/usr/lib/llvm-14/bin

say() { echo "build-xcframework: $*" >&2; }
die() { say "$*"; exit 1; }

xcode=""
if [ "$(uname -s)" = Darwin ] && command -v xcodebuild >/dev/null 2>&1 \
  && xcrun --sdk iphoneos --show-sdk-path >/dev/null 2>&1; then
  xcode=1
fi

# Joins thin static libraries into one universal (fat) archive: Xcode's lipo on macOS. Elsewhere a few lines of
# Python write the fat header (LLVM 14's llvm-lipo crashes on these archives: it reads the LLVM 22 bitcode embedded
# in Rust's precompiled std objects).
lipo_create() { # OUT LIB:ARCH...
  local dest="$1"; shift
  if [ -n "$xcode" ]; then
    local libs=(); for a in "$@"; do libs+=("${a%:*}"); done
    lipo -create "${libs[@]}" -output "$dest"
    return
  fi
  python3 - "$dest" "$@" <<'EOF_PY'
import struct, sys
CPU = {"arm64": (0x0100000C, 0), "x86_64": (0x01000007, 3)}  # CPU_TYPE_ARM64/ALL, CPU_TYPE_X86_64/X86_64_ALL
ALIGN = 3  # 2^3, as lipo aligns archives
slices = [(path, CPU[arch]) for path, arch in (a.rsplit(":", 1) for a in sys.argv[2:])]
blobs = [open(path, "rb").read() for path, _ in slices]
offset, entries = 8 + 20 * len(slices), []
for blob, (_, (cputype, subtype)) in zip(blobs, slices):
    offset = (offset + (1 << ALIGN) - 1) & ~((1 << ALIGN) - 1)
    entries.append((cputype, subtype, offset, len(blob), ALIGN))
    offset += len(blob)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack(">II", 0xCAFEBABE, len(slices)))
    for e in entries:
        f.write(struct.pack(">iiIII", *e))
    for blob, e in zip(blobs, entries):
        f.write(b"\0" * (e[2] - f.tell()))
        f.write(blob)
EOF_PY
}

version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -n 1)"
repository="$(sed -n 's/^repository = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -n 1)"
url="${REFUNDKIT_XCFRAMEWORK_URL:-$repository-swift/releases/download/$version/RefundKitFFI.xcframework.zip}"

cargo_args=(rustc --locked -p refundkit-ffi --no-default-features --features mobile --release --lib
  --crate-type staticlib)

# The cross-compilation environment of tests/cross-cargo.sh, for the nightly -Zbuild-std path (cross-cargo.sh itself
# insists on `rustup target add`, which is what fails for these targets).
build_std() { # TARGET
  local t="$1" var="${1//-/_}"
  rustup +nightly component list --installed 2>/dev/null | grep -q '^rust-src' \
    || rustup +nightly component add rust-src >&2 || return 1
  if [ -n "$xcode" ]; then
    cargo +nightly "${cargo_args[@]}" -Zbuild-std=std,panic_unwind --target "$t" >&2
  else
    local cflags="-nostdlibinc -DRING_CORE_NOSTDLIBINC=1 -isystem $repo/tests/cross-include -DREFUNDKIT_IOS_SIMULATOR=1"
    case "$t" in *-sim|x86_64-apple-ios) ;; *) cflags="${cflags% -DREFUNDKIT_IOS_SIMULATOR=1}" ;; esac
    # A separate target dir: the nightly std must not mix with the stable one.
    (cd "$repo" && env "CC_$var=$llvm/clang" "AR_$var=$llvm/llvm-ar" "CFLAGS_$var=$cflags" \
      SDKROOT="${SDKROOT:-$repo/tests/cross-include}" CARGO_TARGET_DIR="$target_dir/nightly" \
      cargo +nightly "${cargo_args[@]}" -Zbuild-std=std,panic_unwind --target "$t" >&2)
  fi
}

# 1. One static library per Rust target: lib_<target with _> holds its path (no associative arrays: macOS bash 3.2).
lib_aarch64_apple_ios="" lib_aarch64_apple_ios_sim="" lib_x86_64_apple_ios=""
set_lib() { printf -v "lib_${1//-/_}" '%s' "$2"; }
lib_of() { local v="lib_${1//-/_}"; echo "${!v:-}"; }
for t in "${targets[@]}"; do
  std=stable
  if ! rustup target list --installed 2>/dev/null | grep -qx "$t"; then
    if rustup target add "$t" >/dev/null 2>&1; then
      std=stable
    elif [ "${REFUNDKIT_BUILD_STD:-}" = 1 ]; then
      std=nightly
    elif [ "$slices_mode" = available ]; then
      say "WARNING: skipping $t: its rust-std cannot be installed (rustup target add $t failed)"
      continue
    else
      die "rustup target add $t failed; set REFUNDKIT_BUILD_STD=1 or REFUNDKIT_IOS_SLICES=available"
    fi
  fi
  start=$(date +%s)
  say "building $t ($std)"
  if [ "$std" = nightly ]; then
    build_std "$t" || die "cargo +nightly -Zbuild-std failed for $t"
    set_lib "$t" "$target_dir/nightly/$t/release/librefundkit_ffi.a"
  else
    if [ -n "$xcode" ]; then
      (cd "$repo" && cargo "${cargo_args[@]}" --target "$t" >&2)
    else
      (cd "$repo" && CARGO_TARGET_DIR="$target_dir" "$repo/tests/cross-cargo.sh" "$t" "${cargo_args[@]}" >&2)
    fi
    set_lib "$t" "$target_dir/$t/release/librefundkit_ffi.a"
  fi
  [ -f "$(lib_of "$t")" ] || die "$(lib_of "$t") not found after building $t"
  say "$t: $(du -k "$(lib_of "$t")" | cut -f1) KiB in $(($(date +%s) - start)) s"
done
[ -n "$lib_aarch64_apple_ios" ] || die "the device slice (aarch64-apple-ios) is required"

# 2. Swift sources, header and modulemap, generated from the device library (the mobile profile's API: no Sandbox,
#    no builtinTransport, no SQL stores). uniffi-bindgen is built with the same features as tests/build-native.sh so
#    the swift test run reuses it. uniffi's `--xcframework` modulemap is a `framework module`, for .framework slices;
#    these slices are static libraries with a Headers directory, which take a plain module.
(cd "$repo" && cargo build --release --locked -p refundkit-ffi --features bindgen,test --bin uniffi-bindgen >&2)
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
(cd "$repo" && "$target_dir/release/uniffi-bindgen" generate "$lib_aarch64_apple_ios" --language swift \
  --out-dir "$stage/gen" --no-format >&2)
for f in RefundKit.swift RefundKitFFI.h RefundKitFFI.modulemap; do
  [ -f "$stage/gen/$f" ] || die "uniffi-bindgen did not produce $f"
done
# Headers/RefundKitFFI/: a directory per module, so that an app with several xcframeworks gets no clash between
# their module.modulemap files (Xcode copies every framework's Headers into one include directory).
mkdir -p "$stage/headers/RefundKitFFI"
cp "$stage/gen/RefundKitFFI.h" "$stage/headers/RefundKitFFI/RefundKitFFI.h"
cp "$stage/gen/RefundKitFFI.modulemap" "$stage/headers/RefundKitFFI/module.modulemap"

# 3. The simulator slice: both simulator architectures in one fat archive.
sim=()
[ -z "$lib_aarch64_apple_ios_sim" ] || sim+=("$lib_aarch64_apple_ios_sim:arm64")
[ -z "$lib_x86_64_apple_ios" ] || sim+=("$lib_x86_64_apple_ios:x86_64")
mkdir -p "$stage/sim"
if [ ${#sim[@]} -gt 1 ]; then
  lipo_create "$stage/sim/librefundkit_ffi.a" "${sim[@]}"
elif [ ${#sim[@]} -eq 1 ]; then
  cp "${sim[0]%:*}" "$stage/sim/librefundkit_ffi.a"
fi

# 4. The XCFramework.
xcf="$out/RefundKitFFI.xcframework"
rm -rf "$xcf"
if [ -n "$xcode" ]; then
  args=(-library "$lib_aarch64_apple_ios" -headers "$stage/headers")
  [ ${#sim[@]} -eq 0 ] || args+=(-library "$stage/sim/librefundkit_ffi.a" -headers "$stage/headers")
  xcodebuild -create-xcframework "${args[@]}" -output "$xcf" >&2
else
  # The layout and Info.plist xcodebuild writes (LibraryIdentifier = platform-archs[-variant]).
  slice() { # ID LIB ARCHS(comma) VARIANT
    mkdir -p "$xcf/$1"
    cp "$2" "$xcf/$1/librefundkit_ffi.a"
    cp -R "$stage/headers" "$xcf/$1/Headers"
    echo "$1 $3 $4" >>"$stage/slices"
  }
  : >"$stage/slices"
  slice ios-arm64 "$lib_aarch64_apple_ios" arm64 -
  if [ ${#sim[@]} -gt 0 ]; then
    archs=()
    [ -z "$lib_aarch64_apple_ios_sim" ] || archs+=(arm64)
    [ -z "$lib_x86_64_apple_ios" ] || archs+=(x86_64)
    id="ios-$(IFS=_; echo "${archs[*]}")-simulator"
    slice "$id" "$stage/sim/librefundkit_ffi.a" "$(IFS=,; echo "${archs[*]}")" simulator
  fi
  python3 - "$stage/slices" "$xcf/Info.plist" <<'EOF'
import plistlib, sys
libraries = []
for line in open(sys.argv[1]):
    ident, archs, variant = line.split()
    entry = {
        "BinaryPath": "librefundkit_ffi.a",
        "HeadersPath": "Headers",
        "LibraryIdentifier": ident,
        "LibraryPath": "librefundkit_ffi.a",
        "SupportedArchitectures": archs.split(","),
        "SupportedPlatform": "ios",
    }
    if variant != "-":
        entry["SupportedPlatformVariant"] = variant
    libraries.append(entry)
info = {"AvailableLibraries": libraries, "CFBundlePackageType": "XFWK", "XCFrameworkFormatVersion": "1.0"}
with open(sys.argv[2], "wb") as f:
    plistlib.dump(info, f, fmt=plistlib.FMT_XML, sort_keys=True)
EOF
fi

# 5. The zip (RefundKitFFI.xcframework/ at its top level, as SwiftPM expects). Deterministic: sorted entries, fixed
#    timestamps and modes, so the same libraries give the same checksum.
zip="$out/RefundKitFFI.xcframework.zip"
python3 - "$out" RefundKitFFI.xcframework "$zip" <<'EOF'
import os, sys, zipfile
base, top, dest = sys.argv[1:4]
paths = []
for d, dirs, files in os.walk(os.path.join(base, top)):
    dirs.sort()
    paths.append((d, True))
    paths += [(os.path.join(d, f), False) for f in sorted(files)]
with zipfile.ZipFile(dest + ".tmp", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    for p, is_dir in paths:
        name = os.path.relpath(p, base) + ("/" if is_dir else "")
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = ((0o40755 if is_dir else 0o100644) << 16) | (0x10 if is_dir else 0)
        info.create_system = 3
        if is_dir:
            z.writestr(info, b"")
        else:
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(p, "rb") as f:
                z.writestr(info, f.read())
os.replace(dest + ".tmp", dest)
EOF
if command -v sha256sum >/dev/null 2>&1; then
  checksum="$(sha256sum "$zip" | cut -d' ' -f1)"
else
  checksum="$(shasum -a 256 "$zip" | cut -d' ' -f1)"
fi
echo "$checksum" >"$zip.sha256"

# 6. The release package (url + checksum) and the local one (path).
write_package() { # DIR BINARY_TARGET_LINE [EXTRA_TARGET_LINE]
  rm -rf "$1"
  mkdir -p "$1/Sources/RefundKit"
  cp "$stage/gen/RefundKit.swift" "$1/Sources/RefundKit/RefundKit.swift"
  cp "$repo/LICENSE" "$1/LICENSE"
  sed -e "s|@VERSION@|$version|g" -e "s|@URL@|$url|g" -e "s|@CHECKSUM@|$checksum|g" \
    "$here/release/README.md" >"$1/README.md"
  awk -v line="$2" -v extra="${3:-}" '
    /^\/\/ TEMPLATE:/ { skip = 1 }
    skip { if (/^\/\/ Do not edit the copies/) { skip = 0
             print "// Generated by refundkit'"'"'s swift/build-xcframework.sh from swift/release/Package.swift: do not edit." }
           next }
    /\.binaryTarget\(.*\/\/ __REFUNDKIT_BINARY_TARGET__$/ { print line; next }
    { print }
    /^        \.target\(name: "RefundKit"/ && extra != "" { print extra }' \
    "$here/release/Package.swift" >"$1/Package.swift"
}
write_package "$out/package" \
  "        .binaryTarget(name: \"RefundKitFFI\", url: \"$url\", checksum: \"$checksum\"),"
write_package "$out/local" \
  "        .binaryTarget(name: \"RefundKitFFI\", path: \"RefundKitFFI.xcframework\"),"
cp -R "$xcf" "$out/local/RefundKitFFI.xcframework"

# 7. For a Mac: the XCTest suite of this directory against the mobile build, on a simulator
#    (`cd OUTDIR/ios-tests/swift && xcodebuild test -scheme RefundKit -destination 'platform=iOS Simulator,...'`).
#    Laid out as <root>/swift/Tests/RefundKitTests + <root>/tests/vectors, where the tests look for the vectors.
#    Test files that use the Sandbox or builtinTransport() (SandboxTests, BulkTests) are left out: neither exists in
#    the mobile profile.
tests="$out/ios-tests"
write_package "$tests/swift" \
  "        .binaryTarget(name: \"RefundKitFFI\", path: \"RefundKitFFI.xcframework\")," \
  "        .testTarget(name: \"RefundKitTests\", dependencies: [\"RefundKit\"], path: \"Tests/RefundKitTests\"),"
cp -R "$xcf" "$tests/swift/RefundKitFFI.xcframework"
mkdir -p "$tests/swift/Tests/RefundKitTests" "$tests/tests"
for f in "$here"/Tests/RefundKitTests/*.swift; do
  grep -qE '\b(Sandbox|builtinTransport)\b' "$f" || cp "$f" "$tests/swift/Tests/RefundKitTests/"
done
cp -R "$repo/tests/vectors" "$tests/tests/vectors"

say "wrote $xcf ($(cd "$xcf" && ls -d ios-*/ | tr -d / | tr '\n' ' '))"
say "wrote $zip ($(du -k "$zip" | cut -f1) KiB) and the packages $out/package (url) and $out/local (path)"
say "binary target url: $url"
echo "checksum $checksum"
