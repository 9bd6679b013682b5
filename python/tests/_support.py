"""Shared helpers: where the conformance vectors live, and how to load them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, cast

import pytest

import refundkit

# python/tests/conftest.py -> <repo>/tests/vectors
_DEFAULT_VECTORS = Path(__file__).resolve().parent.parent.parent / "tests" / "vectors"
# The TEST-ONLY keys the vectors' key fields name: <repo>/core/tests/data/upi360_keys (inside the crate that embeds them).
_DEFAULT_KEYS = Path(__file__).resolve().parent.parent.parent / "core" / "tests" / "data" / "upi360_keys"


def vectors_dir() -> Path:
    """The vectors directory: $REFUNDKIT_VECTORS, else <repo>/tests/vectors. Missing vectors are an error, never a skip."""
    override = os.environ.get("REFUNDKIT_VECTORS")
    path = Path(override) if override else _DEFAULT_VECTORS
    if not path.is_dir():
        raise FileNotFoundError(
            "refundkit conformance vectors not found at {} (set REFUNDKIT_VECTORS to the tests/vectors directory)".format(
                path
            )
        )
    return path


def load_vectors(name: str) -> Any:
    """Parses one vector file (e.g. ``eko_requests.json``)."""
    with open(vectors_dir() / name, encoding="utf-8") as f:
        return json.load(f)


def snake(value: Any) -> str:
    """An enum member as the vectors spell it: ``RefundStatus.SUCCEEDED`` -> ``succeeded``."""
    return str(value.name).lower()


_OTP_KEYS = ("otp_ref_id", "dispatch_unconfirmed", "test_otp")
_REFUND_KEYS = (
    "refund_id",
    "original_id",
    "original_amount_paise",
    "refunded_amount_paise",
    "fee_paise",
    "tds_paise",
    "commission_reverse_paise",
    "balance_paise",
    "currency",
    "completed_at",
    "provider_status",
    "provider_status_text",
)


def _sub_value(container: Optional[Any], key: str) -> Any:
    """A field of ``outcome.otp`` / ``outcome.refund``; absent when the whole part is absent."""
    return None if container is None else getattr(container, key)


def check_outcome(outcome: refundkit.Outcome, expect: Dict[str, Any]) -> None:
    """Checks each key present in ``expect`` (README: a key given as null means absent)."""
    assert isinstance(outcome, refundkit.Outcome)
    for key, want in expect.items():
        if key in ("status", "reason", "next_step"):
            assert snake(getattr(outcome, key)) == want, key
        elif key in _OTP_KEYS:
            if want is not None:
                assert outcome.otp is not None, "expected an OTP dispatch for {}".format(key)
            assert _sub_value(outcome.otp, key) == want, key
        elif key in _REFUND_KEYS:
            if want is not None:
                assert outcome.refund is not None, "expected refund details for {}".format(key)
            assert _sub_value(outcome.refund, key) == want, key
        elif key == "field_errors":
            got = sorted((e.field, e.problem) for e in outcome.field_errors)
            assert got == sorted(want.items()), key
        elif key == "message":
            assert outcome.raw.message == want, key
        elif key == "raw_message":
            assert outcome.raw.raw_message == want, key
        elif key == "codes":
            got_codes = {(c.name, c.value) for c in outcome.raw.codes}
            for name, value in want.items():
                if value is None:  # null: no code of that name
                    assert all(n != name for n, _ in got_codes), "code {} present: {}".format(name, sorted(got_codes))
                else:
                    assert (name, value) in got_codes, "code {}={!r} not among {}".format(
                        name, value, sorted(got_codes)
                    )
        elif key == "warnings_contain":
            assert any(want in w for w in outcome.warnings), "no warning contains {!r}: {}".format(
                want, outcome.warnings
            )
        else:
            raise AssertionError("unknown expect key {!r}".format(key))


def param_cases(cases: List[Dict[str, Any]]) -> List[Any]:
    """One ``pytest.param`` per case, its id the case name (names must be unique within a file)."""
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    return [pytest.param(c, id=c["name"]) for c in cases]


def check_keys(what: str, given: Dict[str, Any], known: Set[str]) -> None:
    """A vector key this suite does not know fails the test: it would otherwise be silently ignored."""
    unknown = sorted(set(given) - known)
    assert not unknown, "unknown {} key(s) {}".format(what, unknown)


def http_response(given: Dict[str, Any]) -> refundkit.HttpResponse:
    """A vector ``response`` (``{status, headers: [[name, value]...], body}``) as an HttpResponse."""
    check_keys("response", given, {"status", "headers", "body"})
    return refundkit.HttpResponse(
        status=given["status"],
        headers=[refundkit.Header(name=n, value=v) for n, v in given.get("headers") or []],
        body=given["body"].encode("utf-8"),
    )


def upi_key(name: str) -> str:
    """A TEST-ONLY PEM from ``$REFUNDKIT_KEYS``, else ``<repo>/core/tests/data/upi360_keys/``."""
    return (Path(os.environ.get("REFUNDKIT_KEYS") or _DEFAULT_KEYS) / name).read_text(encoding="ascii")


# Typed constructors for the variants of enums with fields. uniffi builds these variants dynamically (untyped
# __init__, subclassing the enum only at run time), so `mypy --strict` sees neither their types nor their base class.


def signing_pss() -> refundkit.Upi360Signing:
    return cast(refundkit.Upi360Signing, cast(Any, refundkit.Upi360Signing).PSS())


def signing_jws(kid: str) -> refundkit.Upi360Signing:
    return cast(refundkit.Upi360Signing, refundkit.Upi360Signing.JWS(kid=kid))


def signing_hmac(encoding: refundkit.Upi360SignatureEncoding) -> refundkit.Upi360Signing:
    return cast(refundkit.Upi360Signing, refundkit.Upi360Signing.HMAC(encoding=encoding))


def prior_unknown() -> refundkit.PaytmPriorApply:
    return cast(refundkit.PaytmPriorApply, cast(Any, refundkit.PaytmPriorApply).UNKNOWN())


def prior_accepted_at(unix_ms: int) -> refundkit.PaytmPriorApply:
    return cast(refundkit.PaytmPriorApply, refundkit.PaytmPriorApply.ACCEPTED_AT(unix_ms=unix_ms))
