"""The UPI Refund 360 conformance vectors (<repo>/tests/vectors/upi360_*.json), one pytest test per case, through the
Python API. bindings/src/upi360/tests.rs runs the same cases through the same exports.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Tuple, Type

import pytest

import refundkit
from _support import (
    check_keys,
    check_outcome,
    http_response,
    load_vectors,
    param_cases,
    signing_hmac,
    signing_jws,
    signing_pss,
    upi_key,
)

SIGNING = load_vectors("upi360_signing.json")
REQUESTS = load_vectors("upi360_requests.json")
INTERPRET = load_vectors("upi360_interpret.json")

NOW = 1735689600000  # the clock when a case gives no now_ms
PSS_PLACEHOLDER = "<PSS>"


def test_every_upi360_file_has_cases() -> None:
    assert set(SIGNING) == {"description", "source", "jws", "signature_input", "hmac", "pss_verify"}
    assert all(SIGNING[group] for group in ("jws", "signature_input", "hmac", "pss_verify"))
    assert len(REQUESTS["cases"]) >= 20 and len(INTERPRET["cases"]) >= 70


# ---------------------------------------------------------------------------------------------------------------
# upi360_signing.json: four groups, one test per case (names are unique across the file)


def _signing_cases() -> List[Any]:
    cases = [dict(c, _group=group) for group in ("jws", "signature_input", "hmac", "pss_verify") for c in SIGNING[group]]
    return param_cases(cases)


_SIGNING_KEYS = {
    "jws": {"name", "private_key", "kid", "payload", "expected"},
    "signature_input": {
        "name",
        "merchant_id",
        "merchant_channel_id",
        "sub_merchant_id",
        "sub_merchant_channel_id",
        "timestamp",
        "body",
        "expected",
    },
    "hmac": {"name", "api_key", "message", "encoding", "expected"},
    "pss_verify": {"name", "public_key", "message", "signature_hex", "valid"},
}


@pytest.mark.parametrize("case", _signing_cases())
def test_upi360_signing(case: Dict[str, Any]) -> None:
    group = case.pop("_group")
    check_keys("{} case".format(group), case, _SIGNING_KEYS[group])
    if group == "jws":
        got = refundkit.upi_jws(case["payload"], upi_key(case["private_key"]), case["kid"])
        assert got == case["expected"]
    elif group == "signature_input":
        got_input = refundkit.upi_signature_input(
            case["merchant_id"],
            case["merchant_channel_id"],
            case["sub_merchant_id"],
            case["sub_merchant_channel_id"],
            int(case["timestamp"]),
            case["body"].encode("utf-8"),
        )
        assert isinstance(got_input, bytes)
        assert got_input == case["expected"].encode("utf-8")
    elif group == "hmac":
        encoding = refundkit.Upi360SignatureEncoding[case["encoding"].upper()]
        assert refundkit.upi_hmac_sha256(case["message"].encode("utf-8"), case["api_key"], encoding) == case["expected"]
    else:
        message, signature, key = case["message"].encode("utf-8"), case["signature_hex"], upi_key(case["public_key"])
        valid = case["valid"]
        assert refundkit.upi_verify_pss_signature(message, signature, key) is valid
        # The same answer through the response verifier over the raw body.
        raw = refundkit.Upi360CanonicalForm.RAW_BODY
        assert refundkit.upi_verify_response_signature(message, signature, key, raw) is valid


# ---------------------------------------------------------------------------------------------------------------
# Shared: default_config + config => an Upi360Client

_CONFIG_KEYS = {
    "host",
    "uri",
    "merchant_id",
    "merchant_channel_id",
    "sub_merchant_id",
    "sub_merchant_channel_id",
    "api_version",
    "status_api_version",
    "routing_id",
    "signing",
    "psp_public_key",
    "canonical_form",
    "refund_id_charset",
    "remarks_rule",
}
_PLAIN_OPTIONS = {"host", "uri", "merchant_id", "merchant_channel_id", "sub_merchant_id", "sub_merchant_channel_id"}
_ENUM_OPTIONS: Dict[str, Any] = {
    "routing_id": refundkit.Upi360RoutingId,
    "canonical_form": refundkit.Upi360CanonicalForm,
    "refund_id_charset": refundkit.Upi360RefundIdCharset,
    "remarks_rule": refundkit.Upi360RemarksRule,
}


def signing_of(given: Dict[str, Any]) -> Tuple[refundkit.Upi360Signing, str]:
    """A vector ``signing`` object => (the Upi360Signing mode, the signing_key argument)."""
    mode = given["mode"]
    if mode == "pss":
        check_keys("signing", given, {"mode", "private_key"})
        return signing_pss(), upi_key(given["private_key"])
    if mode == "jws":
        check_keys("signing", given, {"mode", "kid", "private_key"})
        return signing_jws(given["kid"]), upi_key(given["private_key"])
    if mode == "hmac":
        check_keys("signing", given, {"mode", "api_key", "encoding"})
        encoding = refundkit.Upi360SignatureEncoding[given["encoding"].upper()]
        return signing_hmac(encoding), given["api_key"]
    raise AssertionError("unknown signing mode {!r}".format(mode))


def upi_client(file: Dict[str, Any], case: Dict[str, Any]) -> refundkit.Upi360Client:
    config = dict(file["default_config"], **case.get("config", {}))
    check_keys("config", config, _CONFIG_KEYS)
    signing, signing_key = signing_of(config["signing"])
    kwargs: Dict[str, Any] = {"signing": signing}
    for key, value in config.items():
        if key in _PLAIN_OPTIONS or key in ("api_version", "status_api_version"):
            kwargs[key] = value  # api versions: a string, or null to omit the header
        elif key in _ENUM_OPTIONS:
            kwargs[key] = _ENUM_OPTIONS[key][value.upper()]
    options = refundkit.Upi360Options(**kwargs)
    clock = refundkit.fixed_clock(case.get("now_ms", NOW))
    return refundkit.Upi360Client(options, signing_key, upi_key(config["psp_public_key"]), clock=clock)


_REFUND_INPUT_KEYS = {
    "original_upi_request_id",
    "original_merchant_request_id",
    "original_transaction_timestamp",
    "refund_request_id",
    "amount_paise",
    "refund_type",
    "merchant_refund_vpa",
    "remarks",
    "udf_parameters",
}
_STATUS_INPUT_KEYS = {"refund_request_id", "original_merchant_request_id", "original_upi_request_id"}


def refund_request(given: Dict[str, Any]) -> refundkit.Upi360RefundRequest:
    check_keys("refund input", given, _REFUND_INPUT_KEYS)
    fields = dict(given)
    fields["refund_type"] = refundkit.upi_refund_type_from_wire(given["refund_type"])  # wire text, may raise
    return refundkit.Upi360RefundRequest(**fields)


def status_request(given: Dict[str, Any]) -> refundkit.Upi360StatusRequest:
    check_keys("status input", given, _STATUS_INPUT_KEYS)
    return refundkit.Upi360StatusRequest(**given)


def header_values(request: refundkit.HttpRequest, name: str) -> List[str]:
    return [h.value for h in request.headers if h.name.lower() == name.lower()]


# ---------------------------------------------------------------------------------------------------------------
# upi360_requests.json

_REQUEST_CASE_KEYS = {"name", "operation", "now_ms", "config", "input", "expect", "expect_error", "source"}
_ERRORS: Dict[str, Type[refundkit.RefundkitError]] = {
    "invalid_input": refundkit.InvalidInputError,
    "configuration": refundkit.ConfigurationError,
    "unsupported": refundkit.UnsupportedError,
}


def build(case: Dict[str, Any]) -> refundkit.HttpRequest:
    client = upi_client(REQUESTS, case)
    operation = case["operation"]
    if operation == "refund":
        return client.build_refund360(refund_request(case["input"]))
    if operation == "status":
        return client.build_refund_status(status_request(case["input"]))
    raise AssertionError("unknown operation {!r}".format(operation))


@pytest.mark.parametrize("case", param_cases(REQUESTS["cases"]))
def test_upi360_request(case: Dict[str, Any]) -> None:
    check_keys("case", case, _REQUEST_CASE_KEYS)
    if "expect_error" in case:
        error = case["expect_error"]
        check_keys("expect_error", error, {"kind", "field"})
        with pytest.raises(_ERRORS[error["kind"]]) as raised:
            build(case)
        if "field" in error:
            assert getattr(raised.value, "field") == error["field"]
        return

    expect = case["expect"]
    check_keys("expect", expect, {"method", "url", "headers", "body", "signature_input", "signature_public_key"})
    request = build(case)
    assert request.method.name == expect["method"]
    assert request.url == expect["url"]
    assert isinstance(request.body, bytes)
    assert request.body.decode("utf-8") == expect["body"]
    want_headers: List[List[str]] = [list(h) for h in expect["headers"]]
    if "signature_input" in expect:
        # PSS is randomized: the placeholder stands for a lowercase-hex signature that verifies over signature_input.
        (signature,) = header_values(request, "x-merchant-signature")
        assert re.fullmatch(r"[0-9a-f]+", signature), signature
        public_key = upi_key(expect["signature_public_key"])
        message = expect["signature_input"].encode("utf-8")
        assert refundkit.upi_verify_pss_signature(message, signature, public_key) is True
        placeholders = [h for h in want_headers if h[0] == "x-merchant-signature"]
        assert [h[1] for h in placeholders] == [PSS_PLACEHOLDER]
        placeholders[0][1] = signature
    else:
        assert all(PSS_PLACEHOLDER not in h[1] for h in want_headers), "a <PSS> placeholder without signature_input"
    assert [[h.name, h.value] for h in request.headers] == want_headers


# ---------------------------------------------------------------------------------------------------------------
# upi360_interpret.json

_INTERPRET_CASE_KEYS = {"name", "operation", "now_ms", "config", "request", "response", "expect", "source"}


@pytest.mark.parametrize("case", param_cases(INTERPRET["cases"]))
def test_upi360_interpret(case: Dict[str, Any]) -> None:
    check_keys("case", case, _INTERPRET_CASE_KEYS)
    client = upi_client(INTERPRET, case)
    response = http_response(case["response"])
    operation = case["operation"]
    if operation == "refund":
        outcome = client.interpret_refund360(refund_request(case["request"]), response)
    elif operation == "status":
        outcome = client.interpret_refund_status(status_request(case["request"]), response)
    elif operation == "callback":
        assert "request" not in case, "a callback is checked against nothing"
        outcome = client.interpret_callback(response.headers, response.body)
    else:
        raise AssertionError("unknown operation {!r}".format(operation))
    check_outcome(outcome, case["expect"])
