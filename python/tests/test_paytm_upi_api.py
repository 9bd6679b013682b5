"""The Paytm and UPI Refund 360 surface beyond the vectors: Python random sources and clocks, exception aliases,
readable reprs, secrets kept out of reprs and errors, DEEMED handling."""

from __future__ import annotations

import json
from typing import Any, List

import pytest

import refundkit
from _support import prior_accepted_at, signing_jws, signing_pss, upi_key

MID = "INTEGR7769XXXXXX9383"
KEY = "Test&Key#12345$@"
TXN = "202005081112128XXXXXX68470101509706"
NOW = 1700000000000


class PythonRandom(refundkit.RandomSource):
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.calls: List[int] = []

    def fill(self, len: int) -> bytes:  # noqa: A002 - the generated parameter name
        self.calls.append(len)
        return (self.data * (len // max(1, self.data.__len__()) + 1))[:len]


class BrokenRandom(refundkit.RandomSource):
    def fill(self, len: int) -> bytes:  # noqa: A002
        raise RuntimeError("entropy pool on fire")


class ShortRandom(refundkit.RandomSource):
    def fill(self, len: int) -> bytes:  # noqa: A002
        return b"\x01" * (len - 1)


class FailingClock(refundkit.Clock):
    def now_unix_ms(self) -> int:
        raise RuntimeError("no time")


def staging(**kwargs: Any) -> refundkit.PaytmClient:
    return refundkit.PaytmClient.staging(MID, KEY, **kwargs)


def test_a_python_random_source_draws_the_salt() -> None:
    source = PythonRandom(bytes([23, 50, 61, 25]))
    assert refundkit.paytm_random_salt(source) == "Xy9Z"
    assert source.calls and all(n > 0 for n in source.calls)
    client = staging(clock=refundkit.fixed_clock(NOW), random=PythonRandom(bytes([23, 50, 61, 25])))
    fixed = staging(clock=refundkit.fixed_clock(NOW), random=refundkit.fixed_random(bytes([23, 50, 61, 25])))
    assert client.build_refund_apply("O1", "R1", TXN, 100).body == fixed.build_refund_apply("O1", "R1", TXN, 100).body


@pytest.mark.parametrize("source", [BrokenRandom(), ShortRandom(), refundkit.fixed_random(b"")])
def test_a_failing_random_source_is_an_internal_error(source: refundkit.RandomSource) -> None:
    with pytest.raises(refundkit.InternalError):
        refundkit.paytm_random_salt(source)
    with pytest.raises(refundkit.InternalError):
        staging(random=source).build_refund_status("O1", ref_id="R1")



def test_a_failing_clock_is_a_configuration_error_on_clock_paytm() -> None:
    options = refundkit.PaytmOptions(mid=MID, environment=refundkit.PaytmEnvironment.STAGING, request_timestamp=True)
    client = refundkit.PaytmClient(options, KEY, clock=FailingClock())
    with pytest.raises(refundkit.ConfigurationError) as raised:
        client.build_refund_status("O1", ref_id="R1")
    assert raised.value.field == "clock"


# A signed 631 for an apply Paytm accepted a day ago (an unsigned answer is no verdict at all: nothing to escalate).
_BODY_631 = (
    '{"orderId":"O1","mid":"' + MID + '","refId":"R1",'
    '"resultInfo":{"resultStatus":"TXN_FAILURE","resultCode":"631","resultMsg":"Record not found"}}'
)
_ANSWER_631 = refundkit.HttpResponse(
    status=200,
    headers=[],
    body=(
        '{"head":{"signature":"' + refundkit.paytm_checksum(_BODY_631, KEY, "Ab3x") + '"},"body":' + _BODY_631 + "}"
    ).encode(),
)
_ACCEPTED_A_DAY_AGO = prior_accepted_at(NOW - 24 * 3600 * 1000)


def test_631_after_the_grace_period_escalates() -> None:
    outcome = staging(clock=refundkit.fixed_clock(NOW)).interpret_refund_status(_ANSWER_631, _ACCEPTED_A_DAY_AGO)
    assert ("signature", "valid") in [(c.name, c.value) for c in outcome.raw.codes]
    assert outcome.status == refundkit.RefundStatus.INDETERMINATE
    assert any("escalate" in w for w in outcome.warnings), outcome.warnings


def test_a_failing_clock_never_shortens_the_631_grace_period() -> None:
    # An unknown time must not be read as "within the grace period" (PENDING, poll later).
    outcome = staging(clock=FailingClock()).interpret_refund_status(_ANSWER_631, _ACCEPTED_A_DAY_AGO)
    assert outcome.status == refundkit.RefundStatus.INDETERMINATE


def test_a_failing_clock_is_a_configuration_error_on_clock_upi() -> None:
    client = refundkit.Upi360Client(
        refundkit.Upi360Options(
            host="https://api.beta.yesbank.upi.juspay.in",
            uri="n2",
            merchant_id="MERCHANT1",
            merchant_channel_id="CHANNEL1",
            signing=signing_pss(),
        ),
        upi_key("test_only_merchant_private_pkcs8.pem"),
        upi_key("test_only_psp_public_spki.pem"),
        clock=FailingClock(),
    )
    with pytest.raises(refundkit.ConfigurationError) as raised:
        client.build_refund_status(refundkit.Upi360StatusRequest(refund_request_id="RF1", original_upi_request_id="U1"))
    assert raised.value.field == "clock"


def test_webhook_error_aliases_are_the_generated_variants() -> None:
    assert refundkit.PaytmWebhookUnreadableError is getattr(refundkit.PaytmWebhookError, "Unreadable")
    assert refundkit.PaytmWebhookSignatureMissingError is getattr(refundkit.PaytmWebhookError, "SignatureMissing")
    assert refundkit.PaytmWebhookSignatureInvalidError is getattr(refundkit.PaytmWebhookError, "SignatureInvalid")
    assert refundkit.PaytmWebhookMidMismatchError is getattr(refundkit.PaytmWebhookError, "MidMismatch")
    assert refundkit.PaytmWebhookMissingFieldError is getattr(refundkit.PaytmWebhookError, "MissingField")
    assert refundkit.PaytmWebhookInvalidFieldError is getattr(refundkit.PaytmWebhookError, "InvalidField")


def test_webhook_errors_have_messages_and_never_the_key() -> None:
    client = staging()
    with pytest.raises(refundkit.PaytmWebhookSignatureMissingError) as missing:
        client.parse_refund_arn_webhook(b"MID=" + MID.encode() + b"&ORDERID=O1")
    assert str(missing.value) == "the webhook carries no signature"
    assert repr(missing.value) == "PaytmWebhookError.SignatureMissing('the webhook carries no signature')"
    with pytest.raises(refundkit.PaytmWebhookSignatureInvalidError) as invalid:
        client.parse_refund_arn_webhook(b"MID=" + MID.encode() + b"&ORDERID=O1&CHECKSUMHASH=abc")
    assert KEY not in str(invalid.value) + repr(invalid.value)
    assert str(refundkit.PaytmWebhookMissingFieldError("orderId")) == "the webhook lacks orderId"
    assert refundkit.PaytmWebhookInvalidFieldError("refundAmount").field == "refundAmount"


def test_reprs_are_readable_and_hide_keys() -> None:
    assert repr(signing_jws("k1")) == "Upi360Signing.JWS(kid=k1)"
    assert "unix_ms=5" in repr(prior_accepted_at(5))
    assert "mid=m1" in repr(refundkit.PaytmOptions(mid="m1", environment=refundkit.PaytmEnvironment.STAGING))
    text = repr(staging())
    assert MID in text and KEY not in text
    pem = upi_key("test_only_merchant_private_pkcs8.pem")
    options = refundkit.Upi360Options(
        host="https://api.beta.yesbank.upi.juspay.in",
        uri="n2",
        merchant_id="MERCHANT1",
        merchant_channel_id="CHANNEL1",
        signing=signing_pss(),
    )
    client = refundkit.Upi360Client(options, pem, upi_key("test_only_psp_public_spki.pem"))
    assert "MERCHANT1" in repr(client) and "BEGIN" not in repr(client)
    with pytest.raises(refundkit.ConfigurationError) as raised:
        refundkit.Upi360Client(options, pem[: len(pem) // 2], upi_key("test_only_psp_public_spki.pem"))
    assert raised.value.field == "private_key_pem" and "BEGIN" not in str(raised.value)


def test_checksum_errors_name_the_field() -> None:
    with pytest.raises(refundkit.ConfigurationError) as raised:
        refundkit.paytm_checksum("{}", "short-key")
    assert raised.value.field == "merchant_key" and "short-key" not in str(raised.value)
    with pytest.raises(refundkit.InvalidInputError) as bad_salt:
        refundkit.paytm_checksum("{}", KEY, "abc")
    assert bad_salt.value.field == "salt"
    assert refundkit.paytm_verify("{}", "short-key", "garbage") is False  # total: never raises


def test_deemed_is_pending_and_polls_the_same_id() -> None:
    options = refundkit.Upi360Options(
        host="https://api.beta.yesbank.upi.juspay.in",
        uri="n2",
        merchant_id="MERCHANT1",
        merchant_channel_id="CHANNEL1",
        signing=signing_pss(),
    )
    client = refundkit.Upi360Client.dangerously_unverified(options, upi_key("test_only_merchant_private_pkcs8.pem"))
    refund = refundkit.Upi360RefundRequest(
        refund_request_id="RF1",
        amount_paise=10_000,
        refund_type=refundkit.upi_refund_type_from_wire("OFFLINE"),
        remarks="Customer refund",
        original_upi_request_id="U1",
    )
    body = json.dumps(
        {
            "status": "SUCCESS",
            "responseCode": "SUCCESS",
            "payload": {
                "refundRequestId": "RF1",
                "refundAmount": "100.00",
                "refundType": "OFFLINE",
                "gatewayResponseStatus": "DEEMED",
                "gatewayResponseCode": "RB",
            },
        }
    ).encode()
    outcome = client.interpret_refund360(refund, refundkit.HttpResponse(status=200, headers=[], body=body))
    assert outcome.status == refundkit.RefundStatus.PENDING
    assert outcome.reason == refundkit.RefundReason.DEEMED
    assert outcome.next_step == refundkit.NextStep.POLL_LATER
    status = refundkit.upi360_status_request_for(refund)
    assert status.refund_request_id == "RF1" and status.original_upi_request_id == "U1"
    with pytest.raises(refundkit.InvalidInputError) as raised:
        refundkit.upi_refund_type_from_wire("online")
    assert raised.value.field == "refundType"
