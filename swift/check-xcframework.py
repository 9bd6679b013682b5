#!/usr/bin/env python3
"""Checks what swift/build-xcframework.sh wrote, without Xcode: the XCFramework's structure, each slice's archive
(architectures, Mach-O platform), the exported uniffi symbols against the generated header, the zip and its checksum,
and the release/local packages.

    python3 swift/check-xcframework.py OUTDIR [--expect-slices ios-arm64,...]

Prints one line per check, `xcframework: ok NAME` or `xcframework: FAILED NAME: why`, then per-slice sizes, then
`xcframework: N passed, M failed`. Exit status 1 if any check failed. Needs llvm-objdump and llvm-nm
(LLVM 14 on Debian: /usr/lib/llvm-14/bin; $LLVM_BIN overrides; on macOS the Xcode tools of the same name work).
"""
import hashlib
import os
import plistlib
import re
import shutil
import struct
import subprocess
import sys
import zipfile

# Mach-O LC_BUILD_VERSION platforms (llvm-objdump prints the number, or a name in newer versions).
PLATFORM = {"ios": {"2", "IOS", "ios"}, "simulator": {"7", "IOSSIMULATOR", "iossimulator", "iossim"}}
# Functions of the `server`/`test` profiles: the mobile library must not export them.
NOT_MOBILE = ("sandbox", "builtin_transport", "sqlite", "postgres")

results = []


def check(name, ok, why=""):
    ok = bool(ok)
    results.append(ok)
    print(f"xcframework: {'ok' if ok else 'FAILED'} {name}" + ("" if ok else f": {why}"), flush=True)
    return ok


def tool(name):
    for d in (os.environ.get("LLVM_BIN"), "/usr/lib/llvm-14/bin"):
        if d and os.access(os.path.join(d, "llvm-" + name), os.X_OK):
            return os.path.join(d, "llvm-" + name)
    for n in ("llvm-" + name, name):
        if shutil.which(n):
            return shutil.which(n)
    if shutil.which("xcrun"):  # macOS: Xcode's LLVM tools
        r = subprocess.run(["xcrun", "--find", "llvm-" + name], capture_output=True, text=True)
        if r.returncode == 0 and r.stdout.strip():
            return r.stdout.strip()
    sys.exit(f"check-xcframework: llvm-{name} not found (apt-get install llvm-14)")


def out(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def header_functions(header):
    """Function names declared in uniffi's header (every `name(` after a return type, outside comments)."""
    text = re.sub(r"/\*.*?\*/|//[^\n]*", "", open(header).read(), flags=re.S)
    text = re.sub(r"^\s*#[^\n]*", "", text, flags=re.M)
    names = set(re.findall(r"\b((?:uniffi|ffi)_refundkit_ffi_\w+)\s*\(", text))
    return names


def archive_archs(lib):
    """Architectures of a thin archive (from its first Mach-O member) or of a universal one (its fat header).
    (LLVM 14's llvm-lipo crashes on these archives, reading the embedded bitcode of Rust's std objects.)"""
    names = {0x0100000C: "arm64", 0x01000007: "x86_64", 12: "arm", 7: "i386"}
    data = open(lib, "rb").read()
    if data[:4] == b"\xca\xfe\xba\xbe":
        n = struct.unpack(">I", data[4:8])[0]
        return [names.get(struct.unpack(">i", data[8 + 20 * i:12 + 20 * i])[0], "?") for i in range(n)]
    if data[:8] != b"!<arch>\n":
        return ["not an archive"]
    pos = 8
    while pos + 60 <= len(data):
        name, size = data[pos:pos + 16].decode().strip(), int(data[pos + 48:pos + 58].decode().strip())
        body = data[pos + 60:pos + 60 + size]
        if name.startswith("#1/"):  # BSD long name: the name precedes the member's data
            body = body[int(name[3:]):]
        if body[:4] in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe"):
            return [names.get(struct.unpack("<i", body[4:8])[0], "?")]
        pos += 60 + size + (size & 1)
    return []


def archive_platforms(lib, arch):
    """{member: set of platform ids} from llvm-objdump's load commands for one architecture of the archive."""
    text = out(tool("objdump"), "--macho", "--private-headers", f"--arch={arch}", lib)
    members, current, in_build, in_min = {}, None, False, None
    for line in text.splitlines():
        m = re.match(r"^(?:.*\.a)\((.*)\):$", line.strip())
        if m:
            current = m.group(1)
            members.setdefault(current, set())
            continue
        s = line.strip()
        if s.startswith("cmd "):
            in_build = s == "cmd LC_BUILD_VERSION"
            in_min = {"cmd LC_VERSION_MIN_IPHONEOS": "ios(min)"}.get(s)
            if in_min and current is not None:
                members[current].add(in_min)
        elif in_build and s.startswith("platform ") and current is not None:
            members[current].add(s.split()[1])
    return members


def linked_size(lib, arch, variant, functions):
    """What the library adds to an app, roughly: link it with ld64.lld into a dylib that keeps every function of the
    header (an app that uses the whole API), dead-strip the rest, strip local symbols. Information only; skipped
    without ld64.lld (lld-14). Undefined libSystem symbols are left to dynamic lookup (there is no SDK here)."""
    ld = os.path.join(os.environ.get("LLVM_BIN", "/usr/lib/llvm-14/bin"), "ld64.lld")
    if not (os.access(ld, os.X_OK) and functions):
        return
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        exports, dylib = os.path.join(tmp, "exports"), os.path.join(tmp, "t.dylib")
        with open(exports, "w") as f:
            f.write("".join(f"_{fn}\n" for fn in sorted(functions)))
        platform = "ios-simulator" if variant == "simulator" else "ios"
        r = subprocess.run([ld, "-arch", arch, "-platform_version", platform, "13.0", "17.0", "-dylib", "-o", dylib,
                            "-dead_strip", "-undefined", "dynamic_lookup", "-exported_symbols_list", exports,
                            "-force_load", lib], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"xcframework: size {arch}: ld64.lld failed: {r.stderr.strip()[:200]}")
            return
        subprocess.run([tool("strip"), "-x", dylib], check=True)
        segs = dict(re.findall(r"^Segment (\w+): (\d+)", out(tool("size"), "-m", dylib), re.M))
        code = int(segs.get("__TEXT", 0))
        data = sum(int(v) for k, v in segs.items() if k.startswith("__DATA"))
        print(f"xcframework: size {os.path.basename(os.path.dirname(lib))} {arch} linked + dead-stripped "
              f"(every header function kept): __TEXT {code / 1e6:.2f} MB, __DATA* {data / 1e3:.0f} kB, "
              f"dylib stripped of local symbols {os.path.getsize(dylib) / 1e6:.2f} MB")


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    outdir = args[0]
    expect = None
    if "--expect-slices" in args:
        expect = set(args[args.index("--expect-slices") + 1].split(","))
    xcf = os.path.join(outdir, "RefundKitFFI.xcframework")

    # 1. Info.plist.
    try:
        with open(os.path.join(xcf, "Info.plist"), "rb") as f:
            info = plistlib.load(f)
        libs = info["AvailableLibraries"]
        ok = info.get("CFBundlePackageType") == "XFWK" and info.get("XCFrameworkFormatVersion") == "1.0" and libs
        check("Info.plist parses (XFWK, format 1.0, AvailableLibraries)", bool(ok), repr(info)[:300])
    except Exception as e:  # noqa: BLE001 - report any parse failure as a failed check
        check("Info.plist parses", False, str(e))
        return
    ids = [lib.get("LibraryIdentifier") for lib in libs]
    dirs = sorted(d for d in os.listdir(xcf) if os.path.isdir(os.path.join(xcf, d)))
    check("Info.plist lists exactly the slice directories", sorted(ids) == dirs, f"plist {ids}, dirs {dirs}")
    check("device slice ios-arm64 present", "ios-arm64" in ids, str(ids))
    if expect is not None:
        check("slices are " + ",".join(sorted(expect)), set(ids) == expect, str(ids))

    header_fns = None
    header_text = ""
    for lib in libs:
        ident = lib["LibraryIdentifier"]
        variant = lib.get("SupportedPlatformVariant")
        archs = lib.get("SupportedArchitectures", [])
        want_id = "ios-" + "_".join(sorted(archs)) + (f"-{variant}" if variant else "")
        check(f"{ident}: identifier matches platform/architectures/variant",
              lib.get("SupportedPlatform") == "ios" and variant in (None, "simulator") and ident == want_id,
              f"platform {lib.get('SupportedPlatform')}, variant {variant}, archs {archs} -> {want_id}")
        # 2. Headers + modulemap.
        hdir = os.path.join(xcf, ident, lib.get("HeadersPath", "Headers"), "RefundKitFFI")
        header = os.path.join(hdir, "RefundKitFFI.h")
        modmap = os.path.join(hdir, "module.modulemap")
        ok = os.path.isfile(header) and os.path.isfile(modmap)
        check(f"{ident}: Headers/RefundKitFFI/RefundKitFFI.h + module.modulemap", ok, hdir)
        if not ok:
            continue
        mm = open(modmap).read()
        check(f"{ident}: modulemap declares module RefundKitFFI with the header",
              re.search(r'^module RefundKitFFI \{', mm, re.M) is not None and 'header "RefundKitFFI.h"' in mm, mm)
        fns = header_functions(header)
        if header_fns is None:
            header_fns, header_text = fns, open(header).read()
        else:
            check(f"{ident}: same header as the other slices", open(header).read() == header_text, "headers differ")
        # 3. The archive: architectures, platform, symbols.
        path = os.path.join(xcf, ident, lib.get("LibraryPath", ""))
        if not check(f"{ident}: {lib.get('LibraryPath')} exists", os.path.isfile(path), path):
            continue
        got = archive_archs(path)
        check(f"{ident}: architectures {','.join(sorted(archs))}", sorted(got) == sorted(archs), f"lipo says {got}")
        for arch in archs:
            plats = archive_platforms(path, arch)
            want = PLATFORM["simulator" if variant == "simulator" else "ios"]
            if variant != "simulator" or arch == "x86_64":
                # Old-style LC_VERSION_MIN_IPHONEOS (clang's default for low deployment targets): an iOS device
                # object on arm64, a simulator object on x86_64 (there are no x86_64 iOS devices).
                want = want | {"ios(min)"}
            tagged = {m: p for m, p in plats.items() if p}
            wrong = {m: sorted(p) for m, p in tagged.items() if not p <= want}
            check(f"{ident} {arch}: every object is built for {'iOS simulator' if variant else 'iOS'} "
                  f"({len(tagged)} of {len(plats)} members carry a platform load command)",
                  tagged and not wrong, f"wrong platform: {dict(list(wrong.items())[:5])}" if tagged else "none tagged")
            # --no-llvm-bc: Rust's precompiled std objects embed LLVM bitcode newer than LLVM 14 reads.
            syms = set()
            for line in out(tool("nm"), "--no-llvm-bc", "-g", "--defined-only", "-j", f"--arch={arch}", path).splitlines():
                s = line.strip()
                if s.startswith("_"):
                    syms.add(s[1:])
            exported_fns = {s for s in syms if s.startswith("uniffi_refundkit_ffi_fn_")}
            declared_fns = {s for s in header_fns if s.startswith("uniffi_refundkit_ffi_fn_")}
            check(f"{ident} {arch}: the {len(declared_fns)} uniffi_refundkit_ffi_fn_* of the header are exactly "
                  f"the archive's ({len(exported_fns)})", exported_fns == declared_fns and declared_fns,
                  f"missing {sorted(declared_fns - exported_fns)[:5]}, extra {sorted(exported_fns - declared_fns)[:5]}")
            missing = sorted(header_fns - syms)
            check(f"{ident} {arch}: all {len(header_fns)} functions of the header are defined", not missing,
                  f"missing {missing[:5]}")

    # 4. The mobile profile.
    if header_fns:
        leaked = sorted(f for f in header_fns if any(w in f for w in NOT_MOBILE))
        check("mobile profile: no sandbox/builtin transport/SQL store functions", not leaked, str(leaked[:5]))

    # 5. Zip + checksum + packages.
    zpath = xcf + ".zip"
    if check("RefundKitFFI.xcframework.zip exists", os.path.isfile(zpath), zpath):
        with zipfile.ZipFile(zpath) as z:
            names = z.namelist()
            bad = z.testzip()
        tops = {n.split("/")[0] for n in names}
        check("zip has RefundKitFFI.xcframework/ at its top and every file of it",
              tops == {"RefundKitFFI.xcframework"} and bad is None
              and {n for n in names if not n.endswith("/")} == {
                  os.path.relpath(os.path.join(d, f), outdir)
                  for d, _, fs in os.walk(xcf) for f in fs}, f"tops {tops}, bad {bad}")
        digest = hashlib.sha256(open(zpath, "rb").read()).hexdigest()
        recorded = open(zpath + ".sha256").read().strip() if os.path.isfile(zpath + ".sha256") else ""
        check("zip checksum recorded", digest == recorded, f"{digest} != {recorded}")
        manifest = open(os.path.join(outdir, "package", "Package.swift")).read()
        check("package/Package.swift: .binaryTarget(url:, checksum: <zip sha256>)",
              re.search(r'\.binaryTarget\(name: "RefundKitFFI", url: "[^"]+", checksum: "' + digest + '"\)', manifest)
              is not None and "unsafeFlags" not in manifest, "binary target line not found")
    local = open(os.path.join(outdir, "local", "Package.swift")).read()
    check("local/Package.swift: .binaryTarget(path:) and the framework beside it",
          '.binaryTarget(name: "RefundKitFFI", path: "RefundKitFFI.xcframework")' in local
          and os.path.isfile(os.path.join(outdir, "local", "RefundKitFFI.xcframework", "Info.plist")), "")
    sources = [open(os.path.join(outdir, p, "Sources", "RefundKit", "RefundKit.swift")).read()
               for p in ("package", "local")]
    check("both packages ship the same generated RefundKit.swift (mobile API: no Sandbox, no builtinTransport)",
          sources[0] == sources[1] and "func builtinTransport" not in sources[0] and "class Sandbox" not in sources[0]
          and "protocol HttpTransport" in sources[0], "")
    t = os.path.join(outdir, "ios-tests")
    tests = os.listdir(os.path.join(t, "swift", "Tests", "RefundKitTests")) if os.path.isdir(t) else []
    check("ios-tests: the XCTest sources without SandboxTests.swift, the vectors, a test target",
          tests and "SandboxTests.swift" not in tests and "VectorSupport.swift" in tests
          and os.path.isdir(os.path.join(t, "tests", "vectors"))
          and '.testTarget(name: "RefundKitTests"' in open(os.path.join(t, "swift", "Package.swift")).read(), str(tests))
    check("package has README.md and LICENSE",
          all(os.path.isfile(os.path.join(outdir, "package", f)) for f in ("README.md", "LICENSE")), "")

    # Sizes (information, not checks).
    for lib in libs:
        path = os.path.join(xcf, lib["LibraryIdentifier"], lib["LibraryPath"])
        if os.path.isfile(path):
            print(f"xcframework: size {lib['LibraryIdentifier']}/{lib['LibraryPath']}: "
                  f"{os.path.getsize(path) / 1e6:.1f} MB")
            for arch in lib.get("SupportedArchitectures", []):
                linked_size(path, arch, lib.get("SupportedPlatformVariant"), header_fns or set())
    if os.path.isfile(zpath):
        print(f"xcframework: size RefundKitFFI.xcframework.zip: {os.path.getsize(zpath) / 1e6:.1f} MB")

    passed = sum(results)
    print(f"xcframework: {passed} passed, {len(results) - passed} failed")
    sys.exit(0 if passed == len(results) else 1)


if __name__ == "__main__":
    main()
