"""``refundkit.paytm_checksum``, ``paytm_verify`` and ``eko_secret_key`` take a zero-copy fast path (the ``*_utf8``
exports) for ``str`` arguments: same answers and the same errors as the generated functions they replace."""

from __future__ import annotations

from typing import Any

import pytest

import refundkit
from refundkit._native import refundkit as generated

V1_KEY = "A1b2C3d4E5f6G7h8"
V1_BODY = '{"mid":"YOUR_MID_HERE","orderId":"YOUR_ORDER_ID_HERE"}'
V1_SIG = "ZRLX7MQ4eFb3ITQi53/f4xfFt7HEiKd/HNPszY3UHLJHtBF00MWBI4VsZG6B9xOqET0/XKBvOKVEl01TK2SLbcSQOBqcCDHKtHBaacUhK3A="


def test_paytm_checksum_fast_path_signs_verifiably_and_with_a_fresh_salt() -> None:
    a = refundkit.paytm_checksum(V1_BODY, V1_KEY)
    b = refundkit.paytm_checksum(V1_BODY, V1_KEY)
    assert a != b  # a fresh salt each time
    for sig in (a, b):
        assert generated.paytm_verify(V1_BODY, V1_KEY, sig)
        assert refundkit.paytm_verify(V1_BODY, V1_KEY, sig)
    # Non-ASCII text signs and verifies through the UTF-8 bytes, like the generated function.
    body = '{"comments":"₹ refund — ünïcode"}'
    assert generated.paytm_verify(body, V1_KEY, refundkit.paytm_checksum(body, V1_KEY))


def test_paytm_checksum_with_a_salt_is_the_known_answer() -> None:
    assert refundkit.paytm_checksum(V1_BODY, V1_KEY, "abcd") == V1_SIG
    assert refundkit.paytm_checksum(V1_BODY, V1_KEY, salt="abcd") == V1_SIG


def test_paytm_verify_fast_path_is_total() -> None:
    assert refundkit.paytm_verify(V1_BODY, V1_KEY, V1_SIG)
    assert not refundkit.paytm_verify(V1_BODY + " ", V1_KEY, V1_SIG)
    assert not refundkit.paytm_verify(V1_BODY, "short", V1_SIG)
    assert not refundkit.paytm_verify(V1_BODY, V1_KEY, "not base64 !")
    assert not refundkit.paytm_verify(V1_BODY, V1_KEY, "")


@pytest.mark.parametrize("key", ["", "short", "x" * 17])
def test_paytm_checksum_fast_path_raises_the_same_configuration_error(key: str) -> None:
    with pytest.raises(refundkit.ConfigurationError) as fast:
        refundkit.paytm_checksum(V1_BODY, key)
    with pytest.raises(refundkit.ConfigurationError) as slow:
        generated.paytm_checksum(V1_BODY, key, "abcd")
    assert fast.value.field == slow.value.field == "merchant_key"


@pytest.mark.parametrize(
    "call",
    [
        lambda: refundkit.paytm_checksum(b"{}", V1_KEY),
        lambda: refundkit.paytm_checksum("{}", None),
        lambda: refundkit.paytm_verify("{}", V1_KEY, None),
        lambda: refundkit.eko_secret_key(None, 1),
    ],
)
def test_arguments_that_are_not_str_raise_type_error(call: Any) -> None:
    with pytest.raises(TypeError):
        call()


def test_eko_secret_key_fast_path() -> None:
    assert refundkit.eko_secret_key("TEST_ACCESS_KEY_DO_NOT_USE", 1_700_000_000_000) == (
        "u30ak/iOGwKCaspqCeiYng8fd98QDx7kF3DBBOadQHk="
    )
    assert refundkit.eko_secret_key("ключ", 5) == generated.eko_secret_key("ключ", 5)
    with pytest.raises(refundkit.InvalidInputError) as raised:
        refundkit.eko_secret_key("k", -1)
    assert raised.value.field == "timestamp_ms"


def test_the_fast_paths_are_documented_functions() -> None:
    for f in (refundkit.paytm_checksum, refundkit.paytm_verify, refundkit.eko_secret_key):
        assert f.__doc__ and f.__module__ == "refundkit._api"
