"""The shared conformance vectors (<repo>/tests/vectors), one pytest test per case.

Every file and every case must run: the Rust, Kotlin and Swift suites check the same contract.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Tuple

import pytest

import refundkit
from _support import check_outcome, load_vectors, snake

SECRET_KEY = load_vectors("eko_secret_key.json")
REQUESTS = load_vectors("eko_requests.json")
INTERPRET = load_vectors("eko_interpret.json")
MONEY = load_vectors("money.json")


def _cases(cases: List[Dict[str, Any]]) -> List[Any]:
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    return [pytest.param(c, id=c["name"]) for c in cases]


def test_every_file_has_cases() -> None:
    assert SECRET_KEY and REQUESTS["cases"] and INTERPRET["cases"] and MONEY["parse"] and MONEY["format"]


# ---------------------------------------------------------------------------------------------------------------
# eko_secret_key.json


@pytest.mark.parametrize("case", _cases(SECRET_KEY))
def test_eko_secret_key(case: Dict[str, Any]) -> None:
    timestamp = int(case["timestamp"])
    got = refundkit.eko_secret_key(case["access_key"], timestamp)
    assert got == case["expected_secret_key"]
    if case.get("negative"):
        assert got != case["mistaken_secret_key"]
    if case["algorithm"] == "request_hash":
        fields = case["request_hash_fields"]
        assert fields[0] == case["timestamp"], "element 0 of request_hash_fields is the timestamp"
        got_hash = refundkit.eko_request_hash(case["access_key"], timestamp, fields[1:])
        assert got_hash == case["expected_request_hash"]
    else:
        assert case["algorithm"] == "secret_key", "unknown algorithm {!r}".format(case["algorithm"])


# ---------------------------------------------------------------------------------------------------------------
# eko_requests.json

_ERRORS = {
    "invalid_input": refundkit.InvalidInputError,
    "configuration": refundkit.ConfigurationError,
    "unsupported": refundkit.UnsupportedError,
}

_OPTION_KEYS = {"base_url", "initiator_id", "user_code", "send_user_code_with_otp_request", "service_code"}
_ENUM_OPTION_KEYS = {
    "flavour": refundkit.EkoFlavour,
    "otp_encoding": refundkit.EkoOtpEncoding,
    "client_ref_style": refundkit.EkoClientRefStyle,
}


def make_client(config: Dict[str, Any], now_ms: int) -> refundkit.EkoClient:
    """``default_config`` overridden by a case's ``config`` => an EkoClient on a fixed clock."""
    kwargs: Dict[str, Any] = {}
    for key, value in config.items():
        if key in _OPTION_KEYS:
            kwargs[key] = value
        elif key in _ENUM_OPTION_KEYS:
            kwargs[key] = _ENUM_OPTION_KEYS[key][value.upper()]
        elif key not in ("developer_key", "access_key"):
            raise AssertionError("unknown config key {!r}".format(key))
    options = refundkit.EkoOptions(**kwargs)
    return refundkit.EkoClient(
        options, config["developer_key"], config["access_key"], clock=refundkit.fixed_clock(now_ms)
    )


def build(client: refundkit.EkoClient, operation: str, given: Dict[str, Any]) -> refundkit.HttpRequest:
    if operation == "refund_otp":
        return client.build_refund_otp(given["tid"])
    if operation == "initiate_refund":
        return client.build_initiate_refund(given["tid"], given["otp"], given.get("otp_ref_id"))
    if operation == "inquiry":
        if "tid" in given:
            return client.build_inquiry_by_tid(given["tid"])
        return client.build_inquiry_by_client_ref_id(given["client_ref_id"])
    if operation == "pending_refunds":
        return client.build_pending_refunds(given["customer_mobile"])
    raise AssertionError("unknown operation {!r}".format(operation))


@pytest.mark.parametrize("case", _cases(REQUESTS["cases"]))
def test_eko_request(case: Dict[str, Any]) -> None:
    config = dict(REQUESTS["default_config"], **case.get("config", {}))

    def run() -> refundkit.HttpRequest:
        # Configuration errors may come from the constructor or from the build: both are inside this call.
        return build(make_client(config, case["now_ms"]), case["operation"], case["input"])

    if "expect_error" in case:
        error = case["expect_error"]
        with pytest.raises(_ERRORS[error["kind"]]) as raised:
            run()
        assert isinstance(raised.value, refundkit.RefundkitError)
        if "field" in error:
            assert getattr(raised.value, "field") == error["field"]
        return

    expect = case["expect"]
    request = run()
    assert request.method.name == expect["method"]
    assert request.url == expect["url"]
    assert [[h.name, h.value] for h in request.headers] == expect["headers"]
    assert isinstance(request.body, bytes)
    assert request.body == expect["body"].encode("utf-8")


# ---------------------------------------------------------------------------------------------------------------
# eko_interpret.json

def check_pending(result: refundkit.EkoPendingRefunds, expect: Dict[str, Any]) -> None:
    assert isinstance(result, refundkit.EkoPendingRefunds)
    outcome_expect: Dict[str, Any] = {}
    for key, want in expect.items():
        if key == "listed":
            assert result.listed is want
        elif key == "transactions":
            assert len(result.transactions) == len(want), result.transactions
            for got, wanted in zip(result.transactions, want):
                for field, value in wanted.items():
                    assert getattr(got, field) == value, field
        elif key == "outcome":
            outcome_expect.update(want)
        else:  # top-level outcome keys, if a case ever uses them
            outcome_expect[key] = want
    check_outcome(result.outcome, outcome_expect)


_INTERPRETERS: Dict[str, Tuple[Callable[[refundkit.HttpResponse], Any], Callable[[Any, Dict[str, Any]], None]]] = {
    "refund_otp": (refundkit.eko_interpret_refund_otp, check_outcome),
    "initiate_refund": (refundkit.eko_interpret_initiate_refund, check_outcome),
    "inquiry": (refundkit.eko_interpret_inquiry, check_outcome),
    "pending_refunds": (refundkit.eko_interpret_pending_refunds, check_pending),
}


@pytest.mark.parametrize("case", _cases(INTERPRET["cases"]))
def test_eko_interpret(case: Dict[str, Any]) -> None:
    given = case["response"]
    response = refundkit.HttpResponse(
        status=given["status"],
        headers=[refundkit.Header(name=n, value=v) for n, v in given["headers"]],
        body=given["body"].encode("utf-8"),
    )
    interpret, check = _INTERPRETERS[case["operation"]]
    check(interpret(response), case["expect"])


# ---------------------------------------------------------------------------------------------------------------
# money.json


@pytest.mark.parametrize("case", [pytest.param(c, id="parse {!r}".format(c["text"])) for c in MONEY["parse"]])
def test_parse_rupees(case: Dict[str, Any]) -> None:
    if "error" in case:
        # Every parse error kind (empty, malformed, inexact, overflow) surfaces as InvalidInput on `amount`.
        with pytest.raises(refundkit.InvalidInputError) as raised:
            refundkit.parse_rupees(case["text"])
        assert raised.value.field == "amount"
    else:
        assert refundkit.parse_rupees(case["text"]) == case["paise"]


@pytest.mark.parametrize("case", [pytest.param(c, id="format {}".format(c["paise"])) for c in MONEY["format"]])
def test_format_rupees(case: Dict[str, Any]) -> None:
    assert refundkit.format_rupees(case["paise"]) == case["text"]
