#!/usr/bin/env bash
# Tests the wheel users get: builds the release manylinux2014 wheel for this machine's architecture with zig
# (python/build-wheels.sh), checks it with auditwheel, installs it into a FRESH venv with no Rust toolchain on PATH,
# runs python/README.md's sandbox example (the block after `<!-- example:sandbox -->`, taken from the file so the docs
# cannot drift), then pytest on python/tests.
#
#   bash python/test.sh [extra pytest args...]
#
# Needs python3 (>= 3.9, with venv or pip) and rustup/cargo for the build; the network only for PyPI/crates.io (build
# tools, pytest and cryptography; pip's cache keeps later runs fast).
# Environment:
#   REFUNDKIT_CACHE   cache root (default ~/.cache/refundkit): build venv, release uniffi-bindgen, $REFUNDKIT_CACHE/wheels
#   CARGO_TARGET_DIR  honoured by the build (point it at a cache to keep rebuilds fast)
#   PYTHON            interpreter for the test venv (default python3)
#   REFUNDKIT_VECTORS conformance vectors directory (default <repo>/tests/vectors)
# The last line of output is always `python: N passed, M failed` (the example and the auditwheel check count as tests).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cache="${REFUNDKIT_CACHE:-$HOME/.cache/refundkit}"
export REFUNDKIT_CACHE="$cache"
wheels="$cache/wheels"
py="${PYTHON:-python3}"
work="$(mktemp -d "${TMPDIR:-/tmp}/refundkit-python.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf 'python/test.sh: %s\n' "$*" >&2; }
extra_passed=0 extra_failed=0
finish() { # passed failed
  echo "python: $1 passed, $2 failed"
  [ "$2" -eq 0 ] && [ "$1" -gt 0 ]
  exit $?
}

# 1. The wheel: release, manylinux2014, for this machine's architecture.
case "$(uname -m)" in
  x86_64|amd64) target=x86_64-unknown-linux-gnu ;;
  aarch64|arm64) target=aarch64-unknown-linux-gnu ;;
  *) log "no manylinux wheel target for $(uname -m)"; finish 0 1 ;;
esac
log "building the $target wheel (python/build-wheels.sh)"
start=$SECONDS
rm -f "$wheels"/refundkit-*"${target%%-*}".whl
if ! bash "$here/build-wheels.sh" --no-sdist --no-audit --targets "$target" "$wheels" >&2; then
  log "building the wheel failed"
  finish 0 1
fi
wheel="$(ls "$wheels"/refundkit-*manylinux2014_"${target%%-*}"*.whl 2>/dev/null | head -n 1)"
[ -n "$wheel" ] || { log "no manylinux2014 wheel in $wheels"; finish 0 1; }
log "built $(basename "$wheel") ($(( $(stat -c %s "$wheel") / 1024 )) KB) in $((SECONDS - start))s"

# 2. auditwheel must accept it as manylinux2014 (= manylinux_2_17).
if report="$("$cache/build-venv/bin/auditwheel" show "$wheel" 2>&1)" &&
   echo "$report" | tr -s ' \n' ' ' | grep -q 'consistent with the following platform tag: "manylinux_2_17_'; then
  echo "$report" | tr -s ' \n' ' ' | fold -s -w 118 >&2; echo >&2
  extra_passed=$((extra_passed + 1))
else
  echo "$report" >&2
  log "FAILED: auditwheel does not accept $(basename "$wheel") as manylinux2014"
  extra_failed=$((extra_failed + 1))
fi

# 3. A fresh venv, and from here on a PATH without any Rust toolchain: the wheel must need none.
py_exe="$("$py" -c 'import sys; print(sys.executable)')" || { log "no $py"; finish 0 1; }
clean_path=""
IFS=: read -r -a dirs <<<"$PATH"
for d in "${dirs[@]}"; do
  [ -n "$d" ] && [ ! -e "$d/cargo" ] && [ ! -e "$d/rustc" ] && [ ! -e "$d/rustup" ] && clean_path="${clean_path:+$clean_path:}$d"
done
venv="$work/venv"
export PATH="$venv/bin:$clean_path"
unset CARGO RUSTC RUSTUP_TOOLCHAIN
if command -v cargo >/dev/null 2>&1 || command -v rustc >/dev/null 2>&1; then
  log "cargo/rustc still on PATH ($(command -v cargo rustc | tr '\n' ' ')): cannot test without a toolchain"
  finish 0 1
fi
log "fresh venv $venv ($py_exe), no cargo/rustc on PATH"
if ! "$py_exe" -m venv "$venv" 2>"$work/venv.err"; then
  # Debian without python3-venv has no ensurepip: make a bare venv and let the system pip fill it.
  log "venv with pip failed ($(tail -n 1 "$work/venv.err")); trying --without-pip + system pip"
  rm -rf "$venv"
  if ! "$py_exe" -m venv --without-pip "$venv" || ! "$py_exe" -m pip --python "$venv/bin/python" install -q pip; then
    log "cannot create a virtual environment with $py_exe (install python3-venv)"
    finish 0 1
  fi
fi
export VIRTUAL_ENV="$venv"
# Binary wheels only: nothing may be compiled on install. `cryptography` is the independent implementation the
# interop tests check refundkit's RSA-PSS, RS256 JWS and PaytmChecksum with; `mypy` checks a user's snippet against
# the installed package with --strict (test_import.py).
start=$SECONDS
if ! "$venv/bin/python" -m pip install -q --only-binary=:all: "$wheel" "pytest>=7" "cryptography>=42" "mypy>=1.10"; then
  log "pip install of the wheel, pytest, cryptography and mypy failed"
  finish 0 1
fi
log "installed in $((SECONDS - start))s"

# 4. The README's example, as a user would run it (from a neutral directory: python/refundkit must not shadow it).
cd "$work"
if ! awk '/<!-- example:sandbox -->/ { found = 1; next }
          found == 1 && /^```python$/ { found = 2; next }
          found == 2 && /^```$/ { exit }
          found == 2 { print }' "$here/README.md" >"$work/readme_example.py" || ! [ -s "$work/readme_example.py" ]; then
  log "FAILED: python/README.md has no \`<!-- example:sandbox -->\` python block"
  extra_failed=$((extra_failed + 1))
elif "$venv/bin/python" "$work/readme_example.py" >&2; then
  log "the README example ran"
  extra_passed=$((extra_passed + 1))
else
  log "FAILED: the README example (python/README.md, <!-- example:sandbox -->)"
  extra_failed=$((extra_failed + 1))
fi

# 5. The suite, against the installed wheel.
"$venv/bin/python" -m pytest "$here/tests" -q -p no:cacheprovider --junitxml="$work/junit.xml" "$@"
status=$?

read -r passed failed < <("$venv/bin/python" - "$work/junit.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET

try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print(0, 0)
    raise SystemExit
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
total = sum(int(s.get("tests", 0)) for s in suites)
bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
print(total - bad - skipped, bad)
PY
)
passed=${passed:-0} failed=${failed:-0}
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # No tests collected (5), interrupted, usage error or crash: never report that as a pass.
  log "pytest exited with status $status"
  failed=1
fi
finish "$((passed + extra_passed))" "$((failed + extra_failed))"
