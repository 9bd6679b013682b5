"""The Paytm conformance vectors (<repo>/tests/vectors/paytm_*.json), one pytest test per case, through the Python API.

bindings/src/paytm/tests.rs runs the same cases through the same exports; the Kotlin and Swift suites do too.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Type

import pytest

import refundkit
from _support import (
    check_keys,
    check_outcome,
    http_response,
    load_vectors,
    param_cases,
    prior_accepted_at,
    prior_unknown,
)

CHECKSUM = load_vectors("paytm_checksum.json")
REQUESTS = load_vectors("paytm_requests.json")
INTERPRET = load_vectors("paytm_interpret.json")
WEBHOOKS = load_vectors("paytm_webhooks.json")

SALT_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def test_every_paytm_file_has_cases() -> None:
    assert len(CHECKSUM) >= 9
    assert len(REQUESTS["cases"]) >= 30 and len(INTERPRET["cases"]) >= 70 and len(WEBHOOKS["cases"]) >= 19


# ---------------------------------------------------------------------------------------------------------------
# Shared: default_config + config => a PaytmClient on a fixed clock and a fixed random source

_CONFIG_KEYS = {
    "environment",
    "flavour",
    "mid",
    "merchant_key",
    "base_url",
    "client_id",
    "version",
    "channel_id",
    "request_timestamp",
    "token_type_checksum",
    "comments_max_len",
}


def paytm_client(file: Dict[str, Any], case: Dict[str, Any]) -> refundkit.PaytmClient:
    config = dict(file["default_config"], **case.get("config", {}))
    check_keys("config", config, _CONFIG_KEYS)
    kwargs: Dict[str, Any] = {}
    for key, value in config.items():
        if key == "environment":
            kwargs[key] = refundkit.PaytmEnvironment[value.upper()]
        elif key == "flavour":
            kwargs[key] = refundkit.PaytmFlavour[value.upper()]
        elif key != "merchant_key":
            kwargs[key] = value
    clock = refundkit.fixed_clock(case["now_ms"]) if "now_ms" in case else None
    random = refundkit.fixed_random(bytes(case["random_bytes"])) if "random_bytes" in case else None
    return refundkit.PaytmClient(refundkit.PaytmOptions(**kwargs), config["merchant_key"], clock=clock, random=random)


_ERRORS: Dict[str, Type[refundkit.RefundkitError]] = {
    "invalid_input": refundkit.InvalidInputError,
    "configuration": refundkit.ConfigurationError,
    "unsupported": refundkit.UnsupportedError,
}


# ---------------------------------------------------------------------------------------------------------------
# paytm_checksum.json

_CHECKSUM_KEYS = {
    "name",
    "kind",
    "key",
    "salt",
    "params",
    "string_to_sign",
    "expected_sha256_hex",
    "expected_plaintext",
    "expected_signature",
    "expected_valid",
    "correct_signature_for_params",
    "signature",
    "notes",
    "source",
}


def salt_bytes(salt: str) -> bytes:
    """The random bytes that fixed_random turns into ``salt`` (README: byte b < 248 => alphabet[b % 62])."""
    return bytes(SALT_ALPHABET.index(c) for c in salt)


@pytest.mark.parametrize("case", param_cases(CHECKSUM))
def test_paytm_checksum(case: Dict[str, Any]) -> None:
    check_keys("case", case, _CHECKSUM_KEYS)
    key, text = case["key"], case["string_to_sign"]
    params: Optional[Dict[str, Optional[str]]] = case.get("params")
    kind = case["kind"]
    if kind == "sign":
        salt, expected = case["salt"], case["expected_signature"]
        assert refundkit.paytm_checksum(text, key, salt) == expected
        assert case.get("expected_valid", True) is True
        assert refundkit.paytm_verify(text, key, expected) is True
        # The salt the injected random source draws from the matching bytes.
        assert refundkit.paytm_random_salt(refundkit.fixed_random(salt_bytes(salt))) == salt
        if params is not None:
            assert refundkit.paytm_params_string(params) == text
            assert refundkit.paytm_checksum_params(params, key, salt) == expected
            assert refundkit.paytm_verify_params(params, key, expected) is True
            # A CHECKSUMHASH entry is ignored, so a received map verifies as is.
            assert refundkit.paytm_verify_params(dict(params, CHECKSUMHASH=expected), key, expected) is True
    elif kind == "variant":
        assert params is not None, "a variant case has params"
        salt, node = case["salt"], case["expected_signature"]
        signed = refundkit.paytm_checksum_params(params, key, salt)
        assert signed == case["correct_signature_for_params"]
        assert signed != node
        assert refundkit.paytm_verify_params(params, key, node) is False
        assert refundkit.paytm_checksum(text, key, salt) == node
    elif kind == "verify_negative":
        assert case["expected_valid"] is False
        assert refundkit.paytm_verify(text, key, case["signature"]) is False
    else:
        raise AssertionError("unknown kind {!r}".format(kind))


# ---------------------------------------------------------------------------------------------------------------
# paytm_requests.json

_REQUEST_CASE_KEYS = {"name", "operation", "input", "now_ms", "random_bytes", "config", "expect", "expect_error", "source"}
_INPUT_KEYS = {
    "refund_apply": {"order_id", "ref_id", "txn_id", "refund_amount_paise", "original_amount_paise", "comments"},
    "refund_status": {"order_id", "ref_id", "refund_id"},
}


def build(client: refundkit.PaytmClient, operation: str, given: Dict[str, Any]) -> refundkit.HttpRequest:
    check_keys("input", given, _INPUT_KEYS[operation])
    if operation == "refund_apply":
        return client.build_refund_apply(
            given["order_id"],
            given["ref_id"],
            given["txn_id"],
            given["refund_amount_paise"],
            original_amount_paise=given.get("original_amount_paise"),
            comments=given.get("comments"),
        )
    return client.build_refund_status(given["order_id"], ref_id=given.get("ref_id"), refund_id=given.get("refund_id"))


@pytest.mark.parametrize("case", param_cases(REQUESTS["cases"]))
def test_paytm_request(case: Dict[str, Any]) -> None:
    check_keys("case", case, _REQUEST_CASE_KEYS)
    operation = case["operation"]
    assert operation in _INPUT_KEYS, "unknown operation {!r}".format(operation)

    def run() -> refundkit.HttpRequest:
        # Configuration errors may come from the constructor or from the build: both are inside this call.
        return build(paytm_client(REQUESTS, case), operation, case["input"])

    if "expect_error" in case:
        error = case["expect_error"]
        check_keys("expect_error", error, {"kind", "field"})
        with pytest.raises(_ERRORS[error["kind"]]) as raised:
            run()
        if "field" in error:
            assert getattr(raised.value, "field") == error["field"]
        return

    expect = case["expect"]
    check_keys("expect", expect, {"method", "url", "headers", "body"})
    request = run()
    assert request.method.name == expect["method"]
    assert request.url == expect["url"]
    assert [[h.name, h.value] for h in request.headers] == expect["headers"]
    assert isinstance(request.body, bytes)
    assert request.body.decode("utf-8") == expect["body"]


# ---------------------------------------------------------------------------------------------------------------
# paytm_interpret.json

_INTERPRET_CASE_KEYS = {"name", "operation", "now_ms", "config", "prior_apply", "response", "expect", "source"}


def prior_apply(given: Any) -> refundkit.PaytmPriorApply:
    if given == "unknown":
        return prior_unknown()
    assert isinstance(given, dict), "prior_apply {!r}".format(given)
    check_keys("prior_apply", given, {"accepted_at_ms"})
    return prior_accepted_at(given["accepted_at_ms"])


@pytest.mark.parametrize("case", param_cases(INTERPRET["cases"]))
def test_paytm_interpret(case: Dict[str, Any]) -> None:
    check_keys("case", case, _INTERPRET_CASE_KEYS)
    client = paytm_client(INTERPRET, case)
    response = http_response(case["response"])
    operation = case["operation"]
    if operation == "refund_apply":
        assert "prior_apply" not in case, "prior_apply only applies to refund_status"
        outcome = client.interpret_refund_apply(response)
    elif operation == "refund_status":
        outcome = client.interpret_refund_status(response, prior_apply(case["prior_apply"]))
    else:
        raise AssertionError("unknown operation {!r}".format(operation))
    check_outcome(outcome, case["expect"])


# ---------------------------------------------------------------------------------------------------------------
# paytm_webhooks.json

_WEBHOOK_CASE_KEYS = {"name", "kind", "body", "expect", "expect_error", "source"}
_WEBHOOK_ERRORS: Dict[str, Type[refundkit.PaytmWebhookError]] = {
    "unreadable": refundkit.PaytmWebhookUnreadableError,
    "signature_missing": refundkit.PaytmWebhookSignatureMissingError,
    "signature_invalid": refundkit.PaytmWebhookSignatureInvalidError,
    "mid_mismatch": refundkit.PaytmWebhookMidMismatchError,
    "missing_field": refundkit.PaytmWebhookMissingFieldError,
    "invalid_field": refundkit.PaytmWebhookInvalidFieldError,
}
_EVENTS = {
    "accept_refund": refundkit.PaytmAcceptRefundEvent,
    "success_refund": refundkit.PaytmSuccessRefundEvent,
    "refund_arn": refundkit.PaytmRefundArnEvent,
}
_DESTINATION_KEYS = {
    "refund_type",
    "pay_method",
    "refund_amount_paise",
    "rrn",
    "user_credit_expected_date",
    "issuing_bank_name",
}


def parse_webhook(client: refundkit.PaytmClient, kind: str, body: bytes) -> Any:
    if kind == "accept_refund":
        return client.parse_accept_refund_webhook(body)
    if kind == "success_refund":
        return client.parse_success_refund_webhook(body)
    if kind == "refund_arn":
        return client.parse_refund_arn_webhook(body)
    raise AssertionError("unknown kind {!r}".format(kind))


def check_event(event: Any, expect: Dict[str, Any]) -> None:
    fields = set(vars(event))
    check_keys("expect", expect, fields)
    for key, want in expect.items():
        got = getattr(event, key)
        if key == "destinations":
            assert len(got) == len(want), got
            for destination, wanted in zip(got, want):
                check_keys("destination", wanted, _DESTINATION_KEYS)
                for field, value in wanted.items():
                    assert getattr(destination, field) == value, "destinations.{}".format(field)
        else:
            assert got == want, key


@pytest.mark.parametrize("case", param_cases(WEBHOOKS["cases"]))
def test_paytm_webhook(case: Dict[str, Any]) -> None:
    check_keys("case", case, _WEBHOOK_CASE_KEYS)
    client = paytm_client(WEBHOOKS, {})
    kind, body = case["kind"], case["body"].encode("utf-8")
    assert kind in _EVENTS, "unknown kind {!r}".format(kind)
    if "expect_error" in case:
        error: Type[refundkit.PaytmWebhookError] = _WEBHOOK_ERRORS[case["expect_error"]]
        with pytest.raises(error) as raised:
            parse_webhook(client, kind, body)
        # The Pythonic alias is the generated variant, itself a PaytmWebhookError (never a RefundkitError).
        assert isinstance(raised.value, refundkit.PaytmWebhookError)
        assert not isinstance(raised.value, refundkit.RefundkitError)
        return
    event = parse_webhook(client, kind, body)
    assert isinstance(event, _EVENTS[kind])
    check_event(event, case["expect"])
