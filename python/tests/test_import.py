"""``import refundkit`` is cheap: it loads neither the generated uniffi module (nor the native library), nor
``asyncio``, nor the sandbox, nor ``refundkit.blocking``, until a name that needs them is used (PEP 562 module
``__getattr__``). Checked on ``sys.modules`` in a fresh interpreter (never on timings, which flake), plus: every name in
``__all__`` resolves, star imports and ``dir()`` see them, and type checkers still see the types."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from typing import Any, Dict, List

import pytest

import refundkit

# Modules that `import refundkit` alone must not load.
HEAVY = ("asyncio", "refundkit._native", "refundkit._native.refundkit", "refundkit._api", "refundkit.blocking")


def fresh(code: str) -> Any:
    """Runs ``code`` in a fresh interpreter (isolated: no user site, no PYTHON* variables, no current directory on
    sys.path) and returns the JSON it prints on its last line."""
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def modules_after(statement: str) -> Dict[str, List[str]]:
    return fresh(
        "import sys, json\n"
        "before = set(sys.modules)\n"
        "{}\n"
        "print(json.dumps({{'new': sorted(set(sys.modules) - before), 'all': sorted(sys.modules)}}))".format(statement)
    )


def test_import_refundkit_loads_nothing_heavy() -> None:
    mods = modules_after("import refundkit")
    assert "refundkit" in mods["new"]
    for name in HEAVY:
        assert name not in mods["all"], "import refundkit loaded {}".format(name)
    assert not [m for m in mods["all"] if "sandbox" in m.lower()], mods["new"]
    assert not [m for m in mods["new"] if m.startswith("refundkit.")], mods["new"]


def test_the_first_use_of_a_name_loads_the_native_module() -> None:
    mods = modules_after("import refundkit\nrefundkit.Sandbox")
    assert "refundkit._native.refundkit" in mods["all"]
    assert "refundkit._api" in mods["all"]
    assert "refundkit.blocking" not in mods["all"]


def test_blocking_loads_on_first_use() -> None:
    mods = modules_after("import refundkit\nrefundkit.blocking.EkoRefundsBlocking")
    assert "refundkit.blocking" in mods["all"]


def test_from_import_of_any_name_works_in_a_fresh_interpreter() -> None:
    got = fresh(
        "import json, refundkit\n"
        "missing = [n for n in refundkit.__all__ if getattr(refundkit, n, None) is None]\n"
        "ns = {}\n"
        "exec('from refundkit import *', ns)\n"
        "from refundkit import Sandbox, EkoClient, InvalidInputError, threaded_transport\n"
        "print(json.dumps({'missing': missing, 'star': sorted(set(refundkit.__all__) - set(ns)),"
        " 'version': refundkit.__version__}))"
    )
    assert got == {"missing": [], "star": [], "version": refundkit.refundkit_version()}


def test_every_name_in_all_resolves_and_is_listed_by_dir() -> None:
    assert len(refundkit.__all__) == len(set(refundkit.__all__))
    for name in refundkit.__all__:
        assert getattr(refundkit, name) is not None, name
    assert set(refundkit.__all__) <= set(dir(refundkit))
    assert "blocking" in dir(refundkit)


def test_lazy_names_are_the_generated_objects() -> None:
    generated = refundkit._native.refundkit  # type: ignore[attr-defined]
    assert refundkit.Sandbox is generated.Sandbox
    assert refundkit.EkoClient is generated.EkoClient
    assert refundkit.InvalidInputError is generated.RefundkitError.InvalidInput


def test_unknown_names_still_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        getattr(refundkit, "no_such_name")
    assert not hasattr(refundkit, "_no_such_private_name")


def test_the_package_ships_py_typed() -> None:
    assert (pathlib.Path(refundkit.__file__).parent / "py.typed").is_file()


USER_SNIPPET = """
from refundkit import EkoClient, HttpRequest, InvalidInputError, Sandbox, eko_uat_options, paytm_checksum
import refundkit
from refundkit.blocking import EkoRefundsBlocking

def build(dev: str, key: str) -> HttpRequest:
    return EkoClient(eko_uat_options(), dev, key).build_refund_otp("13192443")

def sign(body: str, key: str) -> str:
    return paytm_checksum(body, key)

def field(e: InvalidInputError) -> str:
    return e.field

def url(sb: Sandbox) -> str:
    return sb.eko_base_url()

def version() -> str:
    return refundkit.__version__

def bulk(c: EkoRefundsBlocking) -> int:
    return len(c.inquire_many(["1", "2"]))
"""

BROKEN_SNIPPET = """
import refundkit
from refundkit import paytm_checksum
x: int = paytm_checksum("body", "key")
y = refundkit.paytm_checksum_typo
"""


def test_mypy_strict_sees_the_types(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("mypy", reason="mypy is not installed in this environment")
    from mypy import api

    good = tmp_path / "user_code.py"
    good.write_text(USER_SNIPPET)
    stdout, stderr, status = api.run(["--strict", "--no-incremental", str(good)])
    assert status == 0, stdout + stderr
    bad = tmp_path / "user_bug.py"
    bad.write_text(BROKEN_SNIPPET)
    stdout, _, status = api.run(["--strict", "--no-incremental", str(bad)])
    assert status == 1, stdout
    assert 'incompatible types in assignment (expression has type "str", variable has type "int")' in stdout.lower()
    assert 'no attribute "paytm_checksum_typo"' in stdout, stdout
