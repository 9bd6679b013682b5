#!/usr/bin/env bash
# Builds and installs the refundkit Python package into a cached venv, then runs python/tests with pytest.
#
#   bash python/test.sh [extra pytest args...]
#
# Needs python3 (>= 3.9, with venv or pip) and a Rust toolchain (cargo); the network only for PyPI/crates.io
# (pytest, maturin and cryptography are installed into the venv once, then reused).
# Environment:
#   REFUNDKIT_CACHE   cache root (default ~/.cache/refundkit); the venv lives in $REFUNDKIT_CACHE/venv
#   CARGO_TARGET_DIR  honoured by the build (point it at a cache to keep rebuilds fast)
#   PYTHON            interpreter used to create the venv (default python3)
#   REFUNDKIT_VECTORS conformance vectors directory (default <repo>/tests/vectors)
# The last line of output is always `python: N passed, M failed`.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cache="${REFUNDKIT_CACHE:-$HOME/.cache/refundkit}"
venv="$cache/venv"
py="${PYTHON:-python3}"
work="$(mktemp -d "${TMPDIR:-/tmp}/refundkit-python.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf 'python/test.sh: %s\n' "$*" >&2; }
finish() { # passed failed
  echo "python: $1 passed, $2 failed"
  [ "$2" -eq 0 ] && [ "$1" -gt 0 ]
  exit $?
}

# 1. The venv: reuse it while its interpreter works, else (re)create it.
if ! "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' 2>/dev/null; then
  log "creating venv $venv"
  rm -rf "$venv"
  mkdir -p "$cache"
  if ! "$py" -m venv "$venv" 2>"$work/venv.err"; then
    # Debian without python3-venv has no ensurepip: make a bare venv and let the system pip fill it.
    log "venv with pip failed ($(tail -n 1 "$work/venv.err")); trying --without-pip + system pip"
    rm -rf "$venv"
    if ! "$py" -m venv --without-pip "$venv" || ! "$py" -m pip --python "$venv/bin/python" install -q pip; then
      log "cannot create a virtual environment with $py (install python3-venv)"
      finish 0 1
    fi
  fi
fi
export VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH"

# 2. Test and build tools, installed once (maturin must be on PATH for the no-isolation build below). `cryptography`
#    is the independent implementation the interop tests check refundkit's RSA-PSS, RS256 JWS and PaytmChecksum with.
if ! "$venv/bin/python" -c 'import pytest, maturin, cryptography' 2>/dev/null; then
  log "installing pytest, maturin and cryptography into the venv"
  "$venv/bin/python" -m pip install -q "pytest>=7" "maturin>=1.9,<2.0" "cryptography>=42" ||
    { log "pip install of pytest/maturin/cryptography failed"; finish 0 1; }
fi

# 3. Build the wheel (cargo, cached in CARGO_TARGET_DIR or <repo>/target) and install it.
log "building and installing refundkit (pip install ./python)"
start=$SECONDS
if ! (cd "$repo" && "$venv/bin/python" -m pip install -q --no-build-isolation --force-reinstall --no-deps ./python); then
  log "building/installing the refundkit package failed"
  finish 0 1
fi
log "installed in $((SECONDS - start))s"

# 4. Run the suite from a neutral directory, so python/refundkit (the unbuilt source) cannot shadow the install.
cd "$work"
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
finish "$passed" "$failed"
