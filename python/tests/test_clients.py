"""The async refund clients (EkoRefunds, PaytmRefunds, Upi360Refunds) driven by Python: an in-process fake provider
written as a Python async HttpTransport answering from the conformance vectors, Python signers, stores and a
``logging`` sink; through asyncio (``asyncio.run``) and through the blocking API (``refundkit.blocking``)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

import refundkit
from _support import http_response, load_vectors, signing_pss, upi_key
from refundkit.blocking import EkoRefundsBlocking, PaytmRefundsBlocking, Upi360RefundsBlocking

ACCESS_KEY = "TEST_ACCESS_KEY_DO_NOT_USE"
DEVELOPER_KEY = "becbbce45f79c6f5109f848acd540567"
OTP = "918273"
TID = "13192443"
REFUND_OK = b'{"status":0,"response_status_id":0,"message":"Success","data":{"tx_status":4}}'

PAYTM_MID = "INTEGR7769XXXXXX9383"
PAYTM_KEY = "Test&Key#12345$@"
PAYTM_ORDER = "OREDRID_98765"
PAYTM_REF = "REFUNDID_98765"
PAYTM_TXN = "202005081112128XXXXXX68470101509706"

UPI_REFUND_ID = "RF20250101ABC"
FAST = refundkit.RetryPolicy(base_delay_ms=1, max_delay_ms=2)

Reply = Callable[[refundkit.HttpRequest, int], refundkit.HttpResponse]


def vector(file: str, name: str) -> refundkit.HttpResponse:
    """The response of the named case of a ``*_interpret.json`` vector file."""
    for case in load_vectors(file)["cases"]:
        if case["name"] == name:
            return http_response(case["response"])
    raise KeyError(name)


def header(request: refundkit.HttpRequest, name: str) -> Optional[str]:
    for h in request.headers:
        if h.name.lower() == name.lower():
            return h.value
    return None


# ---------------------------------------------------------------------------------------------------------------
# The fake provider: a Python async HttpTransport


class Lost(Exception):
    """Marker: the fake provider processed the request, then the answer was lost."""


class FakeProvider(refundkit.HttpTransport):
    """Answers like a provider. ``money_moving`` tells which requests move money; ``reply`` answers each request
    (or raises a TransportFailure). Records every request, and the thread each ran on."""

    def __init__(self, money_moving: Callable[[refundkit.HttpRequest], bool], reply: Reply) -> None:
        self.money_moving = money_moving
        self.reply = reply
        self.seen: List[refundkit.HttpRequest] = []
        self.threads: List[str] = []
        self.processed_refunds = 0  # money-moving requests the "provider" acted on

    async def send(self, request: refundkit.HttpRequest) -> refundkit.HttpResponse:
        assert isinstance(request.body, bytes)
        self.seen.append(request)
        self.threads.append(threading.current_thread().name)
        await asyncio.sleep(0)  # a real await, like a network client
        if self.money_moving(request):
            self.processed_refunds += 1
        return self.reply(request, len(self.seen) - 1)

    def money_moving_seen(self) -> List[refundkit.HttpRequest]:
        return [r for r in self.seen if self.money_moving(r)]


def eko_is_refund(r: refundkit.HttpRequest) -> bool:
    return r.method == refundkit.HttpMethod.POST and "/customer/payment/refund/" in r.url and not r.url.endswith("/otp")


def paytm_is_apply(r: refundkit.HttpRequest) -> bool:
    return r.url.endswith("/refund/apply")


def upi_is_refund(r: refundkit.HttpRequest) -> bool:
    return r.url.endswith("/refund360")


EKO_INQUIRY_REFUNDED = "inquiry: refunded (tx_status 4, response_type_id 1472)"


def eko_lost_then_inquiry(r: refundkit.HttpRequest, n: int) -> refundkit.HttpResponse:
    if eko_is_refund(r):
        raise refundkit.TransportMaybeProcessedError("read timeout after the request was written")
    return vector("eko_interpret.json", EKO_INQUIRY_REFUNDED)


def paytm_lost_then_status(r: refundkit.HttpRequest, n: int) -> refundkit.HttpResponse:
    if paytm_is_apply(r):
        raise refundkit.TransportMaybeProcessedError("connection reset after sending")
    return vector("paytm_interpret.json", "status §6.2 10 TXN_SUCCESS")


def upi_lost_then_status(r: refundkit.HttpRequest, n: int) -> refundkit.HttpResponse:
    if upi_is_refund(r):
        raise refundkit.TransportMaybeProcessedError("answer cut off")
    return vector("upi360_interpret.json", "success keeps ids and exact amounts")


# ---------------------------------------------------------------------------------------------------------------
# Clients


class SteppingClock(refundkit.Clock):
    """Advances one second per reading, so every signature gets a fresh timestamp."""

    def __init__(self, start: int = 1700000000000) -> None:
        self.now = start
        self.lock = threading.Lock()

    def now_unix_ms(self) -> int:
        with self.lock:
            self.now += 1000
            return self.now


def eko(transport: refundkit.HttpTransport, access_key: str = ACCESS_KEY, **kwargs: Any) -> refundkit.EkoRefunds:
    kwargs.setdefault("policy", FAST)
    return refundkit.EkoRefunds(refundkit.eko_uat_options(), DEVELOPER_KEY, access_key, transport, **kwargs)


def paytm_options() -> refundkit.PaytmOptions:
    return refundkit.PaytmOptions(mid=PAYTM_MID, environment=refundkit.PaytmEnvironment.STAGING)


def paytm(transport: refundkit.HttpTransport, merchant_key: str = PAYTM_KEY, **kwargs: Any) -> refundkit.PaytmRefunds:
    kwargs.setdefault("policy", FAST)
    return refundkit.PaytmRefunds(paytm_options(), merchant_key, transport, **kwargs)


def paytm_apply() -> refundkit.PaytmRefundApply:
    return refundkit.PaytmRefundApply(
        order_id=PAYTM_ORDER, ref_id=PAYTM_REF, txn_id=PAYTM_TXN, refund_amount_paise=100
    )


def upi_options() -> refundkit.Upi360Options:
    return refundkit.Upi360Options(
        host="https://api.beta.yesbank.upi.juspay.in",
        uri="n2",
        merchant_id="MERCHANT1",
        merchant_channel_id="CHANNEL1",
        signing=signing_pss(),
    )


def upi(
    transport: refundkit.HttpTransport, signing_key: Optional[str] = None, **kwargs: Any
) -> refundkit.Upi360Refunds:
    kwargs.setdefault("policy", FAST)
    key = upi_key("test_only_merchant_private_pkcs8.pem") if signing_key is None else signing_key
    return refundkit.Upi360Refunds(
        upi_options(), key, upi_key("test_only_psp_public_spki.pem"), transport, **kwargs
    )


def upi_refund() -> refundkit.Upi360RefundRequest:
    return refundkit.Upi360RefundRequest(
        refund_request_id=UPI_REFUND_ID,
        amount_paise=10000,
        refund_type=refundkit.Upi360RefundType.ONLINE,
        remarks="Customer refund",
        original_upi_request_id="YJP1234567890ABCDEFGHIJKLMNOPQRSTUV",
        merchant_refund_vpa="refunds@parentbank",
    )


def paytm_body_and_signature(request: refundkit.HttpRequest) -> Tuple[str, str, Dict[str, Any]]:
    """The signed ``body`` text of a Paytm request (exactly as sent), its ``head.signature``, and the parsed body."""
    text = request.body.decode("utf-8")
    parsed = json.loads(text)
    start = text.index('"body":') + len('"body":')
    end = text.index(',"head":') if text.index('"body":') < text.index('"head":') else text.rindex("}")
    return text[start:end], parsed["head"]["signature"], parsed["body"]


# ---------------------------------------------------------------------------------------------------------------
# 1. End to end, each provider: the money-moving answer is lost; resolved by inquiry/status, never re-sent


def run_provider(provider: str, api: str) -> Tuple[refundkit.RefundReport, FakeProvider]:
    """One refund through the fake provider whose money-moving answer is lost, via asyncio or the blocking API."""
    if provider == "eko":
        fake = FakeProvider(eko_is_refund, eko_lost_then_inquiry)
        if api == "asyncio":
            return asyncio.run(eko(fake).refund(TID, OTP)), fake
        return EkoRefundsBlocking(refundkit.eko_uat_options(), DEVELOPER_KEY, ACCESS_KEY, fake, FAST).refund(
            TID, OTP
        ), fake
    if provider == "paytm":
        fake = FakeProvider(paytm_is_apply, paytm_lost_then_status)
        if api == "asyncio":
            return asyncio.run(paytm(fake).refund(paytm_apply())), fake
        return PaytmRefundsBlocking(paytm_options(), PAYTM_KEY, fake, FAST).refund(paytm_apply()), fake
    fake = FakeProvider(upi_is_refund, upi_lost_then_status)
    if api == "asyncio":
        return asyncio.run(upi(fake).refund(upi_refund())), fake
    client = Upi360RefundsBlocking(
        upi_options(),
        upi_key("test_only_merchant_private_pkcs8.pem"),
        upi_key("test_only_psp_public_spki.pem"),
        fake,
        FAST,
    )
    return client.refund(upi_refund()), fake


@pytest.mark.parametrize("api", ["asyncio", "blocking"])
@pytest.mark.parametrize("provider", ["eko", "paytm", "upi360"])
def test_a_lost_refund_answer_is_resolved_by_inquiry_and_never_resent(provider: str, api: str) -> None:
    report, fake = run_provider(provider, api)
    assert isinstance(report, refundkit.RefundReport)
    assert report.money_moving_sends == 1
    assert len(fake.money_moving_seen()) == 1, "the fake provider saw the money-moving request exactly once"
    assert fake.processed_refunds == 1
    assert report.resolved_by_inquiry
    assert report.outcome.status == refundkit.RefundStatus.SUCCEEDED, report.outcome
    assert report.outcome.next_step == refundkit.NextStep.NOTHING
    assert report.attempts == len(fake.seen) >= 2
    assert report.record_json is not None
    record = json.loads(report.record_json)
    assert record["provider"] == provider
    expected_ref = {"eko": TID, "paytm": PAYTM_REF, "upi360": UPI_REFUND_ID}[provider]
    assert report.reference == expected_ref == record["reference"]
    # Every read after the lost answer asks about the same refund.
    follow_ups = [r for r in fake.seen if not fake.money_moving(r)]
    assert follow_ups
    for r in follow_ups:
        if provider == "eko":
            assert r.method == refundkit.HttpMethod.GET and "/tools/reference/transaction/{}?".format(TID) in r.url
        elif provider == "paytm":
            assert r.url.endswith("/v2/refund/status")
            assert paytm_body_and_signature(r)[2]["refId"] == PAYTM_REF
        else:
            assert r.url.endswith("/refund/status")
            assert json.loads(r.body)["merchantRequestId"] == UPI_REFUND_ID  # the status query names the refund
    # The async callbacks ran on the loop that awaited the client: the caller's (asyncio.run on this thread) or
    # refundkit's private loop thread (blocking API). No uniffi_set_event_loop needed.
    expected_thread = threading.current_thread().name if api == "asyncio" else "refundkit-loop"
    assert set(fake.threads) == {expected_thread}


class ManualClock(refundkit.Clock):
    """A clock the test moves: ``advance(ms)``."""

    def __init__(self, start: int = 1700000000000) -> None:
        self.now = start
        self.lock = threading.Lock()

    def now_unix_ms(self) -> int:
        with self.lock:
            return self.now

    def advance(self, ms: int) -> None:
        with self.lock:
            self.now += ms


def test_eko_inquiry_showing_no_refund_is_pending_inside_the_commit_window_and_failed_after_it() -> None:
    def reply(r: refundkit.HttpRequest, n: int) -> refundkit.HttpResponse:
        if eko_is_refund(r):
            raise refundkit.TransportMaybeProcessedError("lost")
        return refundkit.HttpResponse(
            status=200, headers=[], body=b'{"status":0,"tx_status":"3","txstatus_desc":"Refund Pending"}'
        )

    fake = FakeProvider(eko_is_refund, reply)
    clock = ManualClock()
    store = DictStore()
    client = eko(fake, store=store, clock=clock)
    report = asyncio.run(client.refund(TID, OTP))
    # "Not refunded" right after an unclear send proves nothing: Eko may still commit it (its commit window).
    assert (report.outcome.status, report.outcome.reason, report.outcome.next_step) == (
        refundkit.RefundStatus.PENDING,
        refundkit.RefundReason.NOT_REFUNDED,
        refundkit.NextStep.POLL_LATER,
    ), report.outcome
    assert report.next_check_at_ms == clock.now + FAST.eko_commit_window_ms
    assert report.record_json is not None and len(store.records) == 1, "the record is kept"
    assert len(fake.money_moving_seen()) == 1

    # After the window: two consecutive "not refunded" answers prove it; a new OTP is needed. Still not re-sent.
    clock.advance(FAST.eko_commit_window_ms + 1)
    reads_before = len(fake.seen)
    failed = asyncio.run(client.resume(report.record_json))
    assert (failed.outcome.status, failed.outcome.reason, failed.outcome.next_step) == (
        refundkit.RefundStatus.FAILED,
        refundkit.RefundReason.NOT_REFUNDED,
        refundkit.NextStep.REQUEST_NEW_OTP,
    ), failed.outcome
    assert failed.attempts == len(fake.seen) - reads_before == FAST.absence_confirmations == 2
    assert failed.money_moving_sends == 0 and failed.next_check_at_ms is None
    assert len(fake.money_moving_seen()) == 1
    assert store.records == {}, "a proven outcome removes the record"


def test_an_unexpected_python_exception_counts_as_maybe_processed() -> None:
    def reply(r: refundkit.HttpRequest, n: int) -> refundkit.HttpResponse:
        if eko_is_refund(r):
            raise OSError("socket closed mid-answer")
        return vector("eko_interpret.json", EKO_INQUIRY_REFUNDED)

    fake = FakeProvider(eko_is_refund, reply)
    report = asyncio.run(eko(fake).refund(TID, OTP))
    assert report.money_moving_sends == 1 and len(fake.money_moving_seen()) == 1
    assert report.resolved_by_inquiry and report.outcome.status == refundkit.RefundStatus.SUCCEEDED


def test_paytm_pending_apply_is_polled_with_the_same_ref_id() -> None:
    def reply(r: refundkit.HttpRequest, n: int) -> refundkit.HttpResponse:
        if paytm_is_apply(r):
            return vector("paytm_interpret.json", "apply §6.1 601 PENDING")
        return vector("paytm_interpret.json", "status §6.2 10 TXN_SUCCESS")

    fake = FakeProvider(paytm_is_apply, reply)
    report = asyncio.run(paytm(fake).refund(paytm_apply()))
    assert report.outcome.status == refundkit.RefundStatus.SUCCEEDED
    assert report.money_moving_sends == 1 and len(fake.money_moving_seen()) == 1
    assert report.outcome.refund is not None and report.outcome.refund.refunded_amount_paise == 100


def test_upi_deemed_is_polled_by_status_never_refunded_again() -> None:
    def reply(r: refundkit.HttpRequest, n: int) -> refundkit.HttpResponse:
        if upi_is_refund(r):
            return vector("upi360_interpret.json", "gatewayResponseStatus DEEMED / RB")
        if n < 2:
            return vector("upi360_interpret.json", "status: DEEMED with JPRTO")
        return vector("upi360_interpret.json", "success keeps ids and exact amounts")

    fake = FakeProvider(upi_is_refund, reply)
    report = asyncio.run(upi(fake).refund(upi_refund()))
    assert report.outcome.status == refundkit.RefundStatus.SUCCEEDED
    assert report.resolved_by_inquiry
    assert len(fake.money_moving_seen()) == 1
    assert len([r for r in fake.seen if r.url.endswith("/refund/status")]) == 2


# ---------------------------------------------------------------------------------------------------------------
# 2. NotSent: the same refund is sent again, same id, re-signed


def not_sent_once(success: refundkit.HttpResponse, is_money: Callable[[refundkit.HttpRequest], bool]) -> Reply:
    def reply(r: refundkit.HttpRequest, n: int) -> refundkit.HttpResponse:
        if is_money(r) and n == 0:
            raise refundkit.TransportNotSentError("connection refused")
        return success

    return reply


@pytest.mark.parametrize("api", ["asyncio", "blocking"])
def test_eko_refund_that_never_left_is_resent_with_the_same_tid_and_a_fresh_signature(api: str) -> None:
    fake = FakeProvider(eko_is_refund, not_sent_once(refundkit.HttpResponse(status=200, headers=[], body=REFUND_OK), eko_is_refund))
    clock = SteppingClock()
    if api == "asyncio":
        report = asyncio.run(eko(fake, clock=clock).refund(TID, OTP))
    else:
        report = EkoRefundsBlocking(
            refundkit.eko_uat_options(), DEVELOPER_KEY, ACCESS_KEY, fake, FAST, clock=clock
        ).refund(TID, OTP)
    assert report.outcome.status == refundkit.RefundStatus.SUCCEEDED
    assert not report.resolved_by_inquiry
    assert report.money_moving_sends == 2
    first, second = fake.money_moving_seen()
    assert first.url == second.url and first.url.endswith("/customer/payment/refund/" + TID)
    assert header(first, "secret-key-timestamp") != header(second, "secret-key-timestamp")
    assert header(first, "secret-key") != header(second, "secret-key")
    for r in (first, second):
        ts = header(r, "secret-key-timestamp")
        assert ts is not None
        assert header(r, "secret-key") == refundkit.eko_secret_key(ACCESS_KEY, int(ts))


def test_paytm_and_upi_refunds_that_never_left_are_resent_with_the_same_id() -> None:
    fake = FakeProvider(
        paytm_is_apply, not_sent_once(vector("paytm_interpret.json", "apply §6.1 601 PENDING"), paytm_is_apply)
    )
    fake_status = vector("paytm_interpret.json", "status §6.2 10 TXN_SUCCESS")
    inner = fake.reply
    fake.reply = lambda r, n: inner(r, n) if paytm_is_apply(r) else fake_status
    report = asyncio.run(paytm(fake).refund(paytm_apply()))
    assert report.outcome.status == refundkit.RefundStatus.SUCCEEDED
    applies = fake.money_moving_seen()
    assert len(applies) == 2 == report.money_moving_sends
    bodies = [paytm_body_and_signature(r)[2] for r in applies]
    assert bodies[0]["refId"] == bodies[1]["refId"] == PAYTM_REF
    assert bodies[0]["orderId"] == bodies[1]["orderId"] == PAYTM_ORDER

    fake = FakeProvider(
        upi_is_refund,
        not_sent_once(vector("upi360_interpret.json", "success keeps ids and exact amounts"), upi_is_refund),
    )
    report = asyncio.run(upi(fake).refund(upi_refund()))
    assert report.outcome.status == refundkit.RefundStatus.SUCCEEDED
    refunds = fake.money_moving_seen()
    assert len(refunds) == 2 == report.money_moving_sends
    ids = [json.loads(r.body)["refundRequestId"] for r in refunds]
    assert ids == [UPI_REFUND_ID, UPI_REFUND_ID]


# ---------------------------------------------------------------------------------------------------------------
# 3. Delegated signing: a Python RequestSigner; the client holds no key


def _merchant_private_key() -> RSAPrivateKey:
    key = serialization.load_pem_private_key(upi_key("test_only_merchant_private_pkcs8.pem").encode(), None)
    assert isinstance(key, RSAPrivateKey)
    return key


class BackOfficeSigner(refundkit.RequestSigner):
    """Signs like a back office would. Eko and Refund 360 are computed independently of refundkit (``hmac`` and the
    ``cryptography`` package); Paytm's checksum uses the reference ``sign_with_key`` standing in for the back office."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.inputs: List[refundkit.SignatureInput] = []
        self.verifications = 0

    async def sign(self, input: refundkit.SignatureInput) -> bytes:  # noqa: A002 - the generated parameter name
        self.inputs.append(input)
        await asyncio.sleep(0)  # e.g. a round trip to the back office
        if self.fail:
            raise refundkit.SignerError("back office unreachable")
        if input.algorithm == refundkit.SignatureAlgorithm.EKO_SECRET_KEY:
            # Eko: HMAC-SHA256 keyed with the base64 text of the access key; the raw 32-byte MAC.
            key = base64.b64encode(ACCESS_KEY.encode("utf-8"))
            return hmac.new(key, input.message, hashlib.sha256).digest()
        if input.algorithm == refundkit.SignatureAlgorithm.RSA_PSS_SHA256:
            return _merchant_private_key().sign(
                input.message,
                rsa_padding.PSS(mgf=rsa_padding.MGF1(hashes.SHA256()), salt_length=32),
                hashes.SHA256(),
            )
        if input.algorithm == refundkit.SignatureAlgorithm.PAYTM_CHECKSUM:
            return refundkit.sign_with_key(input, PAYTM_KEY)
        raise AssertionError("unexpected algorithm {}".format(input.algorithm))

    async def verify_paytm(self, raw_body: str, signature: str) -> bool:
        self.verifications += 1
        return refundkit.verify_paytm_with_key(raw_body, signature, PAYTM_KEY)


def test_a_python_signer_signs_eko_requests_that_verify() -> None:
    fake = FakeProvider(eko_is_refund, lambda r, n: refundkit.HttpResponse(status=200, headers=[], body=REFUND_OK))
    signer = BackOfficeSigner()
    report = asyncio.run(eko(fake, access_key="", signer=signer, clock=refundkit.fixed_clock(1700000000000)).refund(TID, OTP))
    assert report.outcome.status == refundkit.RefundStatus.SUCCEEDED
    assert signer.inputs and all(i.provider == "eko" for i in signer.inputs)
    (sent,) = fake.seen
    ts = header(sent, "secret-key-timestamp")
    assert ts == "1700000000000"
    assert header(sent, "secret-key") == refundkit.eko_secret_key(ACCESS_KEY, 1700000000000)
    # The whole request equals the one a keyed client builds at the same time (headers in order, body bytes).
    keyed = refundkit.EkoClient(
        refundkit.eko_uat_options(), DEVELOPER_KEY, ACCESS_KEY, clock=refundkit.fixed_clock(1700000000000)
    ).build_initiate_refund(TID, OTP)
    assert (sent.method, sent.url, sent.headers, sent.body) == (keyed.method, keyed.url, keyed.headers, keyed.body)


def test_a_python_signer_signs_and_verifies_for_paytm() -> None:
    def reply(r: refundkit.HttpRequest, n: int) -> refundkit.HttpResponse:
        if paytm_is_apply(r):
            return vector("paytm_interpret.json", "apply §6.1 601 PENDING")
        return vector("paytm_interpret.json", "status §6.2 10 TXN_SUCCESS")

    fake = FakeProvider(paytm_is_apply, reply)
    signer = BackOfficeSigner()
    report = asyncio.run(paytm(fake, merchant_key="", signer=signer).refund(paytm_apply()))
    assert report.outcome.status == refundkit.RefundStatus.SUCCEEDED, report.outcome
    assert signer.verifications >= 2, "the answers were verified through the signer"
    assert ("signature", "valid") in [(c.name, c.value) for c in report.outcome.raw.codes]
    for r in fake.seen:
        body, signature, _ = paytm_body_and_signature(r)
        assert refundkit.paytm_verify(body, PAYTM_KEY, signature), "the delegated checksum verifies"


def test_a_python_signer_signs_refund_360_with_rsa_pss_that_verifies() -> None:
    fake = FakeProvider(upi_is_refund, lambda r, n: vector("upi360_interpret.json", "success keeps ids and exact amounts"))
    signer = BackOfficeSigner()
    report = asyncio.run(upi(fake, signing_key="", signer=signer).refund(upi_refund()))
    assert report.outcome.status == refundkit.RefundStatus.SUCCEEDED
    (sent,) = fake.seen
    ts = header(sent, "x-timestamp")
    sig = header(sent, "x-merchant-signature")
    assert ts is not None and sig is not None
    message = refundkit.upi_signature_input("MERCHANT1", "CHANNEL1", None, None, int(ts), sent.body)
    assert refundkit.upi_verify_pss_signature(message, sig, upi_key("test_only_merchant_public_spki.pem"))
    assert not refundkit.upi_verify_pss_signature(message + b" ", sig, upi_key("test_only_merchant_public_spki.pem"))


@pytest.mark.parametrize("api", ["asyncio", "blocking"])
def test_a_failing_signer_is_a_signer_error_and_nothing_is_sent(api: str) -> None:
    fake = FakeProvider(eko_is_refund, lambda r, n: refundkit.HttpResponse(status=200, headers=[], body=REFUND_OK))
    signer = BackOfficeSigner(fail=True)
    with pytest.raises(refundkit.SignerError) as raised:
        if api == "asyncio":
            asyncio.run(eko(fake, access_key="", signer=signer).refund(TID, OTP))
        else:
            EkoRefundsBlocking(
                refundkit.eko_uat_options(), DEVELOPER_KEY, "", fake, FAST, signer=signer
            ).refund(TID, OTP)
    assert isinstance(raised.value, refundkit.RefundkitError)
    assert "back office unreachable" in raised.value.reason
    assert signer.inputs, "the signer was asked"
    assert fake.seen == [], "the transport saw nothing"


def test_a_signer_raising_a_plain_exception_is_a_refundkit_error_and_nothing_is_sent() -> None:
    class Broken(BackOfficeSigner):
        async def sign(self, input: refundkit.SignatureInput) -> bytes:  # noqa: A002
            raise KeyError("no such key")

    fake = FakeProvider(eko_is_refund, lambda r, n: refundkit.HttpResponse(status=200, headers=[], body=REFUND_OK))
    with pytest.raises(refundkit.RefundkitError):
        asyncio.run(eko(fake, access_key="", signer=Broken()).refund(TID, OTP))
    assert fake.seen == []


# ---------------------------------------------------------------------------------------------------------------
# 4. A Python AttemptStore: crash, resume; a store that cannot save


class DictStore(refundkit.AttemptStore):
    """An attempt store over a dict (stand-in for a database table)."""

    def __init__(self, fail_save: bool = False) -> None:
        self.records: Dict[str, str] = {}
        self.fail_save = fail_save
        self.saves = 0
        self.removes: List[str] = []

    async def save(self, key: str, record_json: str) -> None:
        self.saves += 1
        await asyncio.sleep(0)
        if self.fail_save:
            raise refundkit.StoreError("disk full")
        self.records[key] = record_json

    async def remove(self, key: str) -> None:
        self.removes.append(key)
        self.records.pop(key, None)

    async def unresolved(self) -> List[str]:
        return list(self.records.values())


class HangingProvider(FakeProvider):
    """Receives the money-moving request, then never answers (the process "crashes" meanwhile)."""

    def __init__(self, money_moving: Callable[[refundkit.HttpRequest], bool]) -> None:
        super().__init__(money_moving, lambda r, n: refundkit.HttpResponse(status=500, headers=[], body=b""))
        self.arrived: Optional[asyncio.Event] = None
        self.cancelled = False

    async def send(self, request: refundkit.HttpRequest) -> refundkit.HttpResponse:
        self.seen.append(request)
        assert self.arrived is not None
        self.arrived.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        raise AssertionError("unreachable")


CrashCase = Tuple[Callable[[refundkit.HttpRequest], bool], Callable[[Any, Any], Any], Callable[..., Any]]
CRASH_CASES: Dict[str, CrashCase] = {
    "eko": (eko_is_refund, lambda t, s: eko(t, store=s).refund(TID, OTP), lambda t, s, **kw: eko(t, store=s, **kw)),
    "paytm": (
        paytm_is_apply,
        lambda t, s: paytm(t, store=s).refund(paytm_apply()),
        lambda t, s, **kw: paytm(t, store=s, **kw),
    ),
    "upi360": (
        upi_is_refund,
        lambda t, s: upi(t, store=s).refund(upi_refund()),
        lambda t, s, **kw: upi(t, store=s, **kw),
    ),
}


def after_the_lease() -> refundkit.Clock:
    """A clock past the claim a crashed client (on the system clock) still holds on its record: a claim is a lease of
    ``RetryPolicy.claim_lease_ms``, and another client may take the record over only once it has expired."""
    return refundkit.fixed_clock(int(time.time() * 1000) + FAST.claim_lease_ms + 60_000)
RESUME_REPLIES = {"eko": eko_lost_then_inquiry, "paytm": paytm_lost_then_status, "upi360": upi_lost_then_status}


@pytest.mark.parametrize("provider", sorted(CRASH_CASES))
def test_crash_after_sending_then_resume_from_the_python_store_resolves_without_resending(provider: str) -> None:
    is_money, start_refund, new_client = CRASH_CASES[provider]
    store = DictStore()
    hanging = HangingProvider(is_money)

    async def crash() -> None:
        hanging.arrived = asyncio.Event()
        task = asyncio.ensure_future(start_refund(hanging, store))
        await asyncio.wait_for(hanging.arrived.wait(), 10)
        task.cancel()  # the crash: the request is out, its answer never comes
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(crash())
    assert len(hanging.money_moving_seen()) == 1
    records = asyncio.run(store.unresolved())
    assert len(records) == 1, "the attempt record was saved before sending"
    record_json = records[0]
    assert OTP not in record_json and ACCESS_KEY not in record_json and PAYTM_KEY not in record_json

    # A new process: a new transport and client over the same store. The crashed client's claim (a lease) still
    # runs: nothing is sent and nothing changes until it expires.
    fresh = FakeProvider(is_money, RESUME_REPLIES[provider])
    with pytest.raises(refundkit.ClaimedElsewhereError) as held:
        asyncio.run(new_client(fresh, store).resume(record_json))
    assert held.value.until_ms > int(time.time() * 1000) and fresh.seen == []
    assert asyncio.run(store.unresolved()) == [record_json]
    report = asyncio.run(new_client(fresh, store, clock=after_the_lease()).resume(record_json))
    assert report.outcome.status == refundkit.RefundStatus.SUCCEEDED, report.outcome
    assert report.money_moving_sends == 0
    assert fresh.money_moving_seen() == [], "resume never re-sends the refund"
    assert fresh.seen, "it inquired"
    assert store.records == {}, "the resolved record is removed"
    assert store.removes


def test_resume_from_a_report_record_through_the_blocking_api() -> None:
    store = DictStore()
    fake = FakeProvider(eko_is_refund, eko_lost_then_inquiry)
    client = EkoRefundsBlocking(refundkit.eko_uat_options(), DEVELOPER_KEY, ACCESS_KEY, fake, FAST, store=store)
    first = client.refund(TID, OTP)
    assert first.record_json is not None and store.saves == 1
    again = client.resume(first.record_json)
    assert again.outcome.status == refundkit.RefundStatus.SUCCEEDED
    assert again.money_moving_sends == 0
    assert len(fake.money_moving_seen()) == 1


@pytest.mark.parametrize("provider", sorted(CRASH_CASES))
def test_a_store_that_cannot_save_is_a_store_error_and_nothing_is_sent(provider: str) -> None:
    is_money, start_refund, _ = CRASH_CASES[provider]
    store = DictStore(fail_save=True)
    fake = FakeProvider(is_money, lambda r, n: refundkit.HttpResponse(status=500, headers=[], body=b""))
    with pytest.raises(refundkit.StoreError) as raised:
        asyncio.run(start_refund(fake, store))
    assert "disk full" in raised.value.reason
    assert store.saves == 1
    assert fake.seen == [], "nothing was sent"


def test_directory_and_memory_stores_work_with_resume(tmp_path: Any) -> None:
    for store in (refundkit.directory_attempt_store(str(tmp_path)), refundkit.memory_attempt_store()):
        hanging = HangingProvider(eko_is_refund)

        async def crash(s: refundkit.AttemptStore = store) -> List[str]:
            hanging.arrived = asyncio.Event()
            task = asyncio.ensure_future(eko(hanging, store=s).refund(TID, OTP))
            await hanging.arrived.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return await s.unresolved()

        (record,) = asyncio.run(crash())
        fresh = FakeProvider(eko_is_refund, eko_lost_then_inquiry)
        report = asyncio.run(eko(fresh, store=store, clock=after_the_lease()).resume(record))
        assert report.outcome.status == refundkit.RefundStatus.SUCCEEDED
        assert fresh.money_moving_seen() == []
        assert asyncio.run(store.unresolved()) == []


# ---------------------------------------------------------------------------------------------------------------
# 5. Logging: a LogSink forwarding to Python logging; no secrets in any line


class ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=1)
        self.records: List[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_logging_sink_forwards_lines_without_secrets() -> None:
    logger = logging.getLogger("refundkit.test_clients")
    logger.setLevel(1)
    logger.propagate = False
    handler = ListHandler()
    logger.addHandler(handler)
    sink = refundkit.install_logging(logger)
    assert isinstance(sink, refundkit.LogSink) and sink.logger is logger
    try:
        eko_fake = FakeProvider(eko_is_refund, eko_lost_then_inquiry)
        asyncio.run(eko(eko_fake).refund(TID, OTP))
        paytm_fake = FakeProvider(paytm_is_apply, paytm_lost_then_status)
        asyncio.run(paytm(paytm_fake).refund(paytm_apply()))
        upi_fake = FakeProvider(upi_is_refund, upi_lost_then_status)
        asyncio.run(upi(upi_fake).refund(upi_refund()))
        signed = FakeProvider(eko_is_refund, lambda r, n: refundkit.HttpResponse(status=200, headers=[], body=REFUND_OK))
        asyncio.run(eko(signed, access_key="", signer=BackOfficeSigner()).refund(TID, OTP))
        blocking = FakeProvider(eko_is_refund, eko_lost_then_inquiry)
        EkoRefundsBlocking(refundkit.eko_uat_options(), DEVELOPER_KEY, ACCESS_KEY, blocking, FAST).refund(TID, OTP)
    finally:
        refundkit.clear_log_sink()
        logger.removeHandler(handler)

    lines = [r.getMessage() for r in handler.records]
    assert len(lines) >= 10, lines
    assert all(hasattr(r, "refundkit_target") for r in handler.records)
    assert any(r.refundkit_target.startswith("refundkit") for r in handler.records)  # type: ignore[attr-defined]
    assert any("succeeded" in line for line in lines), lines
    assert any(r.levelno >= logging.WARNING for r in handler.records), "the lost answers were warned about"

    secrets = [ACCESS_KEY, PAYTM_KEY, OTP, DEVELOPER_KEY]
    pem = upi_key("test_only_merchant_private_pkcs8.pem")
    secrets += [line for line in pem.splitlines() if not line.startswith("-----")]
    for fake in (eko_fake, signed, blocking):
        for r in fake.seen:
            for name in ("secret-key", "request_hash"):
                value = header(r, name)
                if value:
                    secrets.append(value)
    for r in paytm_fake.seen:
        secrets.append(paytm_body_and_signature(r)[1])
    for r in upi_fake.seen:
        value = header(r, "x-merchant-signature")
        assert value
        secrets.append(value)
    assert len(secrets) > 10
    text = "\n".join(lines)
    for secret in secrets:
        assert len(secret) >= 6
        assert secret not in text, "secret leaked into the logs: {}".format(secret)

    # After clear_log_sink nothing more arrives.
    count = len(handler.records)
    logger.addHandler(handler)
    try:
        asyncio.run(eko(FakeProvider(eko_is_refund, eko_lost_then_inquiry)).refund(TID, OTP))
    finally:
        logger.removeHandler(handler)
    assert len(handler.records) == count


def test_install_logging_takes_the_loggers_level_and_a_broken_handler_never_fails_a_refund() -> None:
    logger = logging.getLogger("refundkit.test_clients.broken")
    logger.setLevel(logging.WARNING)
    logger.propagate = False

    class Exploding(logging.Handler):
        def __init__(self) -> None:
            super().__init__()
            self.calls = 0

        def emit(self, record: logging.LogRecord) -> None:
            self.calls += 1
            raise RuntimeError("handler on fire")

        def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
            raise RuntimeError("handler on fire")

    exploding = Exploding()
    logger.addHandler(exploding)
    refundkit.install_logging(logger)
    try:
        report = asyncio.run(eko(FakeProvider(eko_is_refund, eko_lost_then_inquiry)).refund(TID, OTP))
    finally:
        refundkit.clear_log_sink()
        logger.removeHandler(exploding)
    assert report.outcome.status == refundkit.RefundStatus.SUCCEEDED
    assert exploding.calls >= 1, "the lost answer was logged at WARN"


# ---------------------------------------------------------------------------------------------------------------
# 6. Errors by class; the blocking API's own behaviour


def test_errors_are_catchable_by_class() -> None:
    fake = FakeProvider(eko_is_refund, eko_lost_then_inquiry)
    with pytest.raises(refundkit.InvalidInputError) as raised:
        asyncio.run(eko(fake).refund(TID, "12"))
    assert raised.value.field == "otp"
    assert fake.seen == []
    with pytest.raises(refundkit.InvalidInputError) as bad_record:
        asyncio.run(eko(fake).resume("not json"))
    assert bad_record.value.field == "record_json"
    with pytest.raises(refundkit.ConfigurationError):
        refundkit.EkoRefunds(refundkit.eko_uat_options(), "", ACCESS_KEY, fake)
    for cls in (refundkit.SignerError, refundkit.StoreError, refundkit.InvalidInputError):
        assert issubclass(cls, refundkit.RefundkitError)
    assert refundkit.SignerError is refundkit.RefundkitError.Signer  # type: ignore[attr-defined]
    assert refundkit.StoreError is refundkit.RefundkitError.Store  # type: ignore[attr-defined]
    for transport_cls in (refundkit.TransportNotSentError, refundkit.TransportMaybeProcessedError):
        assert issubclass(transport_cls, refundkit.TransportFailure) and issubclass(transport_cls, Exception)
    assert refundkit.TransportNotSentError("x").reason == "x"
    assert refundkit.RefundReason.NO_RESPONSE and refundkit.RefundReason.NOT_SENT and refundkit.RefundReason.CLOCK_SKEW


def test_a_refund_never_sent_at_all_is_pending_not_sent() -> None:
    def refuse(r: refundkit.HttpRequest, n: int) -> refundkit.HttpResponse:
        raise refundkit.TransportNotSentError("connection refused")

    fake = FakeProvider(eko_is_refund, refuse)
    store = DictStore()
    report = asyncio.run(eko(fake, store=store).refund(TID, OTP))
    assert (report.outcome.status, report.outcome.reason) == (
        refundkit.RefundStatus.PENDING,
        refundkit.RefundReason.NOT_SENT,
    )
    assert report.money_moving_sends == FAST.max_attempts == len(fake.seen)
    assert store.records == {}, "nothing is pending: the refund never left"


def test_threaded_transport_wraps_a_blocking_function() -> None:
    calls: List[str] = []

    def send(request: refundkit.HttpRequest) -> refundkit.HttpResponse:
        calls.append(threading.current_thread().name)
        if eko_is_refund(request):
            raise TimeoutError("read timed out")  # e.g. requests.Timeout: may have been processed
        return vector("eko_interpret.json", EKO_INQUIRY_REFUNDED)

    transport = refundkit.threaded_transport(send)
    report = EkoRefundsBlocking(refundkit.eko_uat_options(), DEVELOPER_KEY, ACCESS_KEY, transport, FAST).refund(TID, OTP)
    assert report.money_moving_sends == 1 and report.resolved_by_inquiry
    assert report.outcome.status == refundkit.RefundStatus.SUCCEEDED
    assert len(calls) == 2 and "refundkit-loop" not in calls, "the blocking function ran off the loop"


def test_blocking_calls_from_many_threads_share_one_loop() -> None:
    fakes = [FakeProvider(eko_is_refund, eko_lost_then_inquiry) for _ in range(6)]

    def one(fake: FakeProvider) -> refundkit.RefundReport:
        return EkoRefundsBlocking(refundkit.eko_uat_options(), DEVELOPER_KEY, ACCESS_KEY, fake, FAST).refund(TID, OTP)

    with ThreadPoolExecutor(max_workers=3) as pool:
        reports = list(pool.map(one, fakes))
    assert all(r.outcome.status == refundkit.RefundStatus.SUCCEEDED and r.money_moving_sends == 1 for r in reports)
    assert {t for f in fakes for t in f.threads} == {"refundkit-loop"}


def test_blocking_run_times_out_and_refuses_to_run_on_its_own_loop() -> None:
    from refundkit import blocking

    hanging = HangingProvider(eko_is_refund)
    hanging.arrived = asyncio.Event()
    store = DictStore()
    with pytest.raises(Exception) as raised:
        blocking.run(eko(hanging, store=store).refund(TID, OTP), timeout=0.5)
    assert "Timeout" in type(raised.value).__name__
    assert len(hanging.money_moving_seen()) == 1
    assert len(store.records) == 1, "a timed-out refund leaves its record for resume"

    async def nested() -> None:
        blocking.run(asyncio.sleep(0))

    with pytest.raises(RuntimeError, match="own event loop"):
        blocking.run(nested())
