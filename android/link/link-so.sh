#!/usr/bin/env bash
# Links an Android librefundkit_ffi.so from the `mobile` staticlib WITHOUT the Android NDK — a stand-in for what
# cargo-ndk does with the NDK's clang, so that this machine (and CI) can check a real shared object's ELF machine,
# DT_NEEDED entries, exported uniffi symbols and size per ABI. Release builds use cargo-ndk (android/build-aar.sh).
#
#   android/link/link-so.sh TRIPLE LIBREFUNDKIT_FFI.A OUT.so
#
# How: the Rust toolchain's own rust-lld (Debian's lld-14 cannot read the bitcode rustc's newer LLVM leaves in the
# archive's compiler_builtins objects) links the staticlib as a whole archive with
#   * the `_Unwind_*` API from android/link/unwind (the `unwinding` crate) instead of the NDK's static libunwind.a;
#   * stub libc.so, libdl.so, libm.so and liblog.so carrying Android's sonames, generated (clang-14) from the
#     symbols a first link pass leaves undefined, each in the library that exports it on Android (math in libm,
#     dl* in libdl, __android_log_* in liblog, the rest in libc). The device's dynamic linker binds them by name;
#   * -z defs (nothing left unresolved), --gc-sections, a version script exporting only uniffi's C ABI
#     (uniffi_*, ffi_refundkit_ffi_*), -z max-page-size=16384 (16 KB pages, Android 15+); then llvm-strip.
# Prints llvm-readelf facts and, last line, the stripped size. Not a device test: nothing is loaded or run.
set -euo pipefail
triple="${1:?usage: link-so.sh TRIPLE LIB.a OUT.so}" archive="${2:?}" out_so="${3:?}"
here="$(cd "$(dirname "$0")" && pwd)"
llvm=/usr/lib/llvm-14/bin
min_sdk=$(sed -n 's/.*minSdk = \([0-9]*\).*/\1/p' "$here/../build.gradle.kts")
work="${TMPDIR:-/tmp}/refundkit-link-$triple"   # intermediate files, kept for a look
rm -rf "$work" && mkdir -p "$work" "$(dirname "$out_so")"
case "$triple" in
  aarch64-linux-android) machine=AArch64 emulation=aarch64linux clang_target="aarch64-linux-android$min_sdk" ;;
  armv7-linux-androideabi) machine=ARM emulation=armelf_linux_eabi clang_target="armv7a-linux-androideabi$min_sdk" ;;
  x86_64-linux-android) machine="X86-64" emulation=elf_x86_64 clang_target="x86_64-linux-android$min_sdk" ;;
  i686-linux-android) machine="80386" emulation=elf_i386 clang_target="i686-linux-android$min_sdk" ;;
  *) echo "link-so: unknown Android triple $triple" >&2; exit 2 ;;
esac
lld="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/rust-lld"
[ -x "$lld" ] || { echo "link-so: no rust-lld in the Rust toolchain ($lld)" >&2; exit 1; }

# 1. The unwinder (a small no_std staticlib; its own target dir). The `unwinding` crate has no 32-bit ARM (EHABI)
# unwinder: for armeabi-v7a only a size estimate is made (linked with the unwinder left unresolved: not loadable).
unwind_target="${CARGO_TARGET_DIR:-$here/../build}/android-unwind"
estimate=0
if [ "$triple" = armv7-linux-androideabi ]; then
  estimate=1
  : >"$work/empty.c" && "$llvm/clang" --target="$clang_target" -c -o "$work/empty.o" "$work/empty.c"
  "$llvm/llvm-ar" rc "$work/libempty.a" "$work/empty.o" && unwind_a="$work/libempty.a"
else
  cargo build --locked --release --manifest-path "$here/unwind/Cargo.toml" --target "$triple" \
    --target-dir "$unwind_target" >&2
  unwind_a="$unwind_target/$triple/release/librefundkit_android_unwind.a"
fi

# 2. A first pass with undefined symbols allowed: which symbols must the system libraries provide?
echo '{ global: uniffi_*; ffi_refundkit_ffi_*; local: *; };' >"$work/exports.map"
link() {
  "$lld" -flavor gnu -m "$emulation" -shared -o "$1" -soname librefundkit_ffi.so \
    --whole-archive "$archive" --no-whole-archive "$unwind_a" "${@:2}" \
    --gc-sections --version-script="$work/exports.map" -z max-page-size=16384 \
    -z relro -z now -z noexecstack --hash-style=both --build-id=sha1 --eh-frame-hdr
}
link "$work/probe.so" --unresolved-symbols=ignore-all
"$llvm/llvm-readelf" --dyn-syms "$work/probe.so" | awk '$7 == "UND" && $8 != "" { sub(/@.*/, "", $8); print $8 }' \
  | sort -u >"$work/needed"
if [ "$estimate" = 1 ]; then
  "$llvm/llvm-strip" --strip-all -o "$out_so" "$work/probe.so"
  echo "$(basename "$out_so") $triple: $(stat -c %s "$out_so") bytes stripped (ESTIMATE: no EHABI unwinder, not loadable)"
  exit 0
fi

# 3. Stub system libraries with Android's sonames.
libm_re='^(a?(cos|sin|tan)h?|atan2|exp(2|m1)?|log(2|10|1p)?|pow|fmod|floor|ceil|round|trunc|sqrt|cbrt|hypot|fma|fmin|fmax|ldexp|frexp|modf|copysign|nextafter|erfc?|lgamma(_r)?|tgamma|rint|nearbyint|lrint|lround|remainder|remquo|scalbn|ilogb|logb|fdim)[fl]?$'
libdl_re='^(dlopen|dlclose|dlsym|dlerror|dladdr|dlvsym|dl_iterate_phdr|android_dlopen_ext)$'
liblog_re='^__android_log_'
data_re='^(environ|__progname|__stack_chk_guard|__sF|_ctype_)$'
for lib in c dl m log; do : >"$work/lib$lib.c"; done
while read -r sym; do
  case "$sym" in _Unwind_*|__aeabi_unwind_cpp_pr*) echo "link-so: unwinder symbol $sym left undefined" >&2; exit 1 ;; esac
  if [[ $sym =~ $libm_re ]]; then lib=m
  elif [[ $sym =~ $libdl_re ]]; then lib=dl
  elif [[ $sym =~ $liblog_re ]]; then lib=log
  else lib=c; fi
  if [[ $sym =~ $data_re ]]; then echo "char $sym[8];" >>"$work/lib$lib.c"
  else echo "void $sym(void) {}" >>"$work/lib$lib.c"; fi
done <"$work/needed"
for lib in c dl m log; do
  "$llvm/clang" --target="$clang_target" -fno-builtin -ffreestanding -nostdlib -shared -fuse-ld=lld \
    -Wl,-soname,"lib$lib.so" -o "$work/lib$lib.so" -x c "$work/lib$lib.c" -w
done

# 4. The real link: every symbol resolved.
link "$work/full.so" -L"$work" --as-needed -llog -ldl -lm -lc --no-as-needed -z defs
"$llvm/llvm-strip" --strip-all -o "$out_so" "$work/full.so"

# 5. What a device's dynamic linker and JNA will see.
header=$("$llvm/llvm-readelf" -h "$out_so")
grep -q "Machine:.*$machine" <<<"$header" || { echo "link-so: not an $machine ELF" >&2; exit 1; }
needed=$("$llvm/llvm-readelf" -d "$out_so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ' | sed 's/ $//')
exports=$("$llvm/llvm-readelf" --dyn-syms "$out_so" | awk '($5 == "GLOBAL" || $5 == "WEAK") && $7 != "UND" { print $8 }')
n_uniffi=$(grep -cE '^(uniffi_|ffi_refundkit_ffi_)' <<<"$exports" || true)
others=$(grep -vE '^(uniffi_|ffi_refundkit_ffi_)' <<<"$exports" | grep -v '^$' | head -5 | tr '\n' ' ' || true)
align=$("$llvm/llvm-readelf" -l "$out_so" | awk '$1 == "LOAD" { print $NF }' | sort -u | tr '\n' ' ')
echo "machine: $(sed -n 's/.*Machine: *//p' <<<"$header")"
echo "DT_NEEDED: $needed"
echo "exported: $n_uniffi uniffi symbols${others:+; others: $others}"
echo "LOAD alignment: $align"
echo "bound at load time: $(wc -l <"$work/needed") symbols ($(for l in c dl m log; do printf 'lib%s %s ' $l "$(grep -c '^' "$work/lib$l.c")"; done))"
case " $needed " in *" libc.so "*) ;; *) echo "link-so: libc.so not in DT_NEEDED" >&2; exit 1 ;; esac
[ "$n_uniffi" -gt 100 ] || { echo "link-so: too few uniffi exports ($n_uniffi)" >&2; exit 1; }
[ -z "$others" ] || { echo "link-so: unexpected exports: $others" >&2; exit 1; }
echo "$(basename "$out_so") $triple: $(stat -c %s "$out_so") bytes stripped, DT_NEEDED $needed"
