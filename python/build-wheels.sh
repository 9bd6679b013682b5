#!/usr/bin/env bash
# Builds refundkit's Python release artifacts: the sdist and manylinux2014 wheels (glibc 2.17) for Linux x86_64 and
# aarch64, cross-linked with zig (maturin --zig). One wheel per platform serves every CPython >= 3.9 (uniffi loads the
# library with ctypes: no CPython ABI in the tag, `py3-none-<platform>`).
#
#   bash python/build-wheels.sh [--targets "T1 T2 ..."] [--no-sdist] [--no-audit] OUTDIR
#
#   --targets   Rust target triples (default: x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu). The macOS triples
#               x86_64-apple-darwin / aarch64-apple-darwin are accepted but do not link here (zig has no macOS SDK:
#               SystemConfiguration/CoreFoundation, linked by whoami via tokio-postgres; python/README.md).
#   --no-sdist  only wheels
#   --no-audit  skip `auditwheel show` (by default each Linux wheel must be accepted as manylinux2014)
#
# Needs python3 (>= 3.9) and rustup/cargo; the network only for PyPI and crates.io the first time. Build tools live in
# a cached venv ($REFUNDKIT_CACHE/build-venv: maturin, ziglang, auditwheel, pinned below).
#
# The binding generator: maturin would `cargo run` the `uniffi-bindgen` bin of bindings/ in the *debug* profile, which
# compiles the whole refundkit-ffi library and its dependencies a second time (about half of a cold build). Here the
# same generator (crate `uniffi` at the exact version in Cargo.lock, feature `cli`) is built once in release with
# `cargo install` into $REFUNDKIT_CACHE/uniffi-bindgen-<version>, and a `cargo` shim put first on PATH for maturin
# runs it instead of `cargo run --bin uniffi-bindgen`. Everything else goes to the real cargo. Builds from the sdist
# (no shim) still work: there maturin builds the in-crate bin as before.
#
# Environment: REFUNDKIT_CACHE (default ~/.cache/refundkit), CARGO_TARGET_DIR (honoured), PYTHON (default python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cache="${REFUNDKIT_CACHE:-$HOME/.cache/refundkit}"
py="${PYTHON:-python3}"
targets="x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu"
sdist=1 audit=1
# Versions of the build tools. ziglang 0.13.0 is the zig maturin/cargo-zigbuild is tested with here.
maturin_req="maturin==1.16.0" zig_req="ziglang==0.13.0" auditwheel_req="auditwheel==6.8.2"

log() { printf 'build-wheels.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --targets) targets="$2"; shift 2 ;;
    --no-sdist) sdist=0; shift ;;
    --no-audit) audit=0; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || die "usage: build-wheels.sh [--targets \"...\"] [--no-sdist] [--no-audit] OUTDIR"
mkdir -p "$1"
out="$(cd "$1" && pwd)"
export PIP_DISABLE_PIP_VERSION_CHECK=1

# 1. Build tools, in their own cached venv.
venv="$cache/build-venv"
if ! "$venv/bin/python" -c 'import maturin, ziglang' 2>/dev/null || ! [ -x "$venv/bin/auditwheel" ] ||
   [ "$("$venv/bin/maturin" --version 2>/dev/null)" != "maturin ${maturin_req#maturin==}" ]; then
  log "creating the build venv $venv ($maturin_req, $zig_req, $auditwheel_req)"
  rm -rf "$venv"
  mkdir -p "$cache"
  "$py" -m venv "$venv" || { rm -rf "$venv"; "$py" -m venv --without-pip "$venv" && "$py" -m pip --python "$venv/bin/python" install -q pip; } ||
    die "cannot create a venv with $py (install python3-venv)"
  "$venv/bin/python" -m pip install -q "$maturin_req" "$zig_req" "$auditwheel_req" || die "pip install of the build tools failed"
fi

# 2. The release-built binding generator, same uniffi version as the library (Cargo.lock).
uniffi_version="$(awk '/^name = "uniffi"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$repo/Cargo.lock")"
[ -n "$uniffi_version" ] || die "no uniffi in Cargo.lock"
bindgen_root="$cache/uniffi-bindgen-$uniffi_version"
bindgen="$bindgen_root/bin/uniffi-bindgen"
if ! [ -x "$bindgen" ]; then
  log "building uniffi-bindgen $uniffi_version (release, once: $bindgen_root)"
  start=$SECONDS
  # Its own target dir: not mixed with the workspace's (its dependency versions are resolved for uniffi alone).
  CARGO_TARGET_DIR="$cache/uniffi-bindgen-target" cargo install -q --locked uniffi --version "=$uniffi_version" \
    --features cli --bin uniffi-bindgen --root "$bindgen_root" 2>&1 |
    grep -v '^warning: no Cargo.lock file published' >&2 || true
  [ -x "$bindgen" ] || die "cargo install uniffi --features cli failed"
  rm -rf "$cache/uniffi-bindgen-target"
  log "uniffi-bindgen built in $((SECONDS - start))s"
fi
real_cargo="$(command -v cargo)" || die "cargo not found"
shim="$cache/cargo-shim"
mkdir -p "$shim"
cat >"$shim/cargo" <<EOF
#!/bin/sh
# Written by python/build-wheels.sh: maturin's \`cargo run --bin uniffi-bindgen [cargo options] generate ...\`
# runs the release-built uniffi-bindgen $uniffi_version instead; every other cargo command goes to the real cargo.
if [ "\$1" = run ] && [ "\$2" = --bin ] && [ "\$3" = uniffi-bindgen ]; then
  shift 3
  while [ \$# -gt 0 ] && [ "\$1" != generate ]; do shift; done
  exec "$bindgen" "\$@"
fi
exec "$real_cargo" "\$@"
EOF
chmod +x "$shim/cargo"

# 3. The artifacts.
cd "$here"
export PATH="$shim:$venv/bin:$PATH"
if [ "$sdist" = 1 ]; then
  log "sdist"
  maturin sdist --out "$out" >&2 || die "maturin sdist failed"
fi
for target in $targets; do
  if ! rustup target list --installed | grep -qx "$target"; then
    log "rustup target add $target"
    rustup target add "$target" >&2 || die "rustup cannot install the $target standard library"
  fi
  case "$target" in
    *-linux-gnu) compat=(--compatibility manylinux2014) ;;
    *) compat=() ;;
  esac
  log "wheel for $target"
  # `strip = "debuginfo"` (the release profile) reaches zig's linker as --strip-debug, which zig treats as a full
  # strip: the .symtab goes, and uniffi-bindgen finds "No UniFFI metadata" (it reads the static symbol table). So
  # no strip for the zig link; release builds carry no debuginfo of their own anyway.
  start=$SECONDS
  CARGO_PROFILE_RELEASE_STRIP=none maturin build --release --zig "${compat[@]}" --target "$target" --out "$out" >&2 || die "maturin build for $target failed"
  log "wheel for $target built in $((SECONDS - start))s"
done

# zig (cargo-zigbuild) leaves a probe object in the working directory.
rm -f "$here/.intentionally-empty-file.o"

# 4. Check and list.
if [ "$audit" = 1 ]; then
  for whl in "$out"/*manylinux2014*.whl; do
    [ -e "$whl" ] || continue
    report="$(auditwheel show "$whl")" || die "auditwheel show $whl failed"
    echo "$report" >&2
    echo "$report" | tr -s ' \n' ' ' | grep -q 'consistent with the following platform tag: "manylinux_2_17_' ||
      die "$(basename "$whl") is not manylinux2014 (manylinux_2_17) per auditwheel"
  done
fi
for f in "$out"/refundkit-*; do
  printf '%8s KB  %s\n' "$(( $(stat -c %s "$f") / 1024 ))" "$(basename "$f")"
done
