"""The embedded provider sandbox (``refundkit.Sandbox``) driven from Python: real refunds over loopback HTTP through
``builtin_transport`` and the refund clients (asyncio and ``refundkit.blocking``), checked against the sandbox's
ledger of the money that moved; an answer dropped after the refund was committed (resolved by inquiry, never a
second refund); clients with the wrong key (refused, nothing moves); and the README's sandbox example, run as a
test suite of its own."""

from __future__ import annotations

import asyncio
import inspect
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator, List, Optional, Tuple

import pytest

import refundkit
from _support import signing_pss, upi_key
from refundkit import NextStep, RefundReason, RefundStatus
from refundkit.blocking import EkoRefundsBlocking, PaytmRefundsBlocking, Upi360RefundsBlocking

# Backoff between polls in milliseconds, so that the PENDING polls do not take seconds.
FAST = refundkit.RetryPolicy(base_delay_ms=1, max_delay_ms=5)
POLLS_UNTIL_SUCCESS = 2
APIS = ["asyncio", "blocking"]

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture
def sandbox() -> Iterator[refundkit.Sandbox]:
    sb = refundkit.Sandbox.start(seed=7, polls_until_success=POLLS_UNTIL_SUCCESS)
    try:
        yield sb
    finally:
        sb.stop()


# ---------------------------------------------------------------------------------------------------------------
# Clients pointed at the sandbox, with its credentials (or a wrong key)


def eko_options(sb: refundkit.Sandbox) -> refundkit.EkoOptions:
    c = sb.credentials()
    return refundkit.EkoOptions(
        base_url=sb.eko_base_url(), initiator_id=c.eko_initiator_id, user_code=c.eko_user_code
    )


def eko_args(sb: refundkit.Sandbox, access_key: Optional[str]) -> Tuple[Any, ...]:
    c = sb.credentials()
    key = c.eko_access_key if access_key is None else access_key
    return (eko_options(sb), c.eko_developer_key, key, refundkit.builtin_transport(), FAST)


def paytm_args(sb: refundkit.Sandbox, merchant_key: Optional[str]) -> Tuple[Any, ...]:
    c = sb.credentials()
    options = refundkit.PaytmOptions(
        mid=c.paytm_mid, environment=refundkit.PaytmEnvironment.STAGING, base_url=sb.base_url()
    )
    key = c.paytm_merchant_key if merchant_key is None else merchant_key
    return (options, key, refundkit.builtin_transport(), FAST)


def upi_args(sb: refundkit.Sandbox, private_key_pem: Optional[str]) -> Tuple[Any, ...]:
    c = sb.credentials()
    options = refundkit.Upi360Options(
        host=sb.base_url(),
        uri="n2",
        merchant_id=c.upi_merchant_id,
        merchant_channel_id=c.upi_merchant_channel_id,
        signing=signing_pss(),
    )
    key = c.upi_merchant_private_key_pem if private_key_pem is None else private_key_pem
    return (options, key, c.upi_psp_public_key_pem, refundkit.builtin_transport(), FAST)


def eko_flow(
    sb: refundkit.Sandbox, tid: str, api: str, access_key: Optional[str] = None
) -> Tuple[refundkit.RefundReport, Optional[str], Optional[refundkit.RefundReport]]:
    """Send Refund OTP, read the OTP the customer got (``otp_for``), refund with it. Returns the OTP report, the OTP,
    and the refund report (``None`` when no OTP was sent)."""
    if api == "asyncio":
        client = refundkit.EkoRefunds(*eko_args(sb, access_key))

        async def run() -> Tuple[refundkit.RefundReport, Optional[str], Optional[refundkit.RefundReport]]:
            sent = await client.send_refund_otp(tid)
            otp = sb.otp_for(tid)
            if otp is None:
                return sent, None, None
            ref = sent.outcome.otp.otp_ref_id if sent.outcome.otp else None
            return sent, otp, await client.refund(tid, otp, ref)

        return asyncio.run(run())
    blocking = EkoRefundsBlocking(*eko_args(sb, access_key))
    sent = blocking.send_refund_otp(tid)
    otp = sb.otp_for(tid)
    if otp is None:
        return sent, None, None
    ref = sent.outcome.otp.otp_ref_id if sent.outcome.otp else None
    return sent, otp, blocking.refund(tid, otp, ref)


def refund_through(
    api: str, async_client: Any, blocking_client: Any, args: Tuple[Any, ...], request: Any
) -> refundkit.RefundReport:
    """One refund through the asyncio client or its blocking wrapper, built from the same arguments."""
    if api == "asyncio":
        return asyncio.run(async_client(*args).refund(request))
    return blocking_client(*args).refund(request)


def paytm_refund(
    sb: refundkit.Sandbox, apply: refundkit.PaytmRefundApply, api: str, merchant_key: Optional[str] = None
) -> refundkit.RefundReport:
    args = paytm_args(sb, merchant_key)
    return refund_through(api, refundkit.PaytmRefunds, PaytmRefundsBlocking, args, apply)


def upi_refund(
    sb: refundkit.Sandbox, request: refundkit.Upi360RefundRequest, api: str, private_key_pem: Optional[str] = None
) -> refundkit.RefundReport:
    args = upi_args(sb, private_key_pem)
    return refund_through(api, refundkit.Upi360Refunds, Upi360RefundsBlocking, args, request)


def upi_request(original: refundkit.SandboxUpiTransaction, refund_request_id: str) -> refundkit.Upi360RefundRequest:
    return refundkit.Upi360RefundRequest(
        refund_request_id=refund_request_id,
        amount_paise=original.amount_paise,
        refund_type=refundkit.Upi360RefundType.ONLINE,
        remarks="Customer refund",
        original_upi_request_id=original.original_upi_request_id,
        merchant_refund_vpa="refunds@parentbank",
    )


def codes(outcome: refundkit.Outcome) -> List[Tuple[str, str]]:
    return [(c.name, c.value) for c in outcome.raw.codes]


def assert_succeeded(report: refundkit.RefundReport) -> None:
    outcome = report.outcome
    assert (outcome.status, outcome.reason, outcome.next_step) == (
        RefundStatus.SUCCEEDED,
        RefundReason.REFUNDED,
        NextStep.NOTHING,
    ), outcome
    assert report.money_moving_sends == 1, "the money-moving request was sent exactly once"


# ---------------------------------------------------------------------------------------------------------------
# The Python surface


def test_sandbox_and_its_records_are_exported() -> None:
    names = (
        "Sandbox",
        "SandboxCredentials",
        "SandboxEkoTransaction",
        "SandboxLedgerEntry",
        "SandboxPaytmOrder",
        "SandboxUpiTransaction",
    )
    for name in names:
        assert name in refundkit.__all__
        assert getattr(refundkit, name) is getattr(refundkit._native.refundkit, name)
    doc = inspect.getdoc(refundkit.Sandbox)
    assert doc and "drop_after_commit" in doc and "eko.initiate_refund" in doc
    start = inspect.signature(refundkit.Sandbox.start)
    assert {n: p.default for n, p in start.parameters.items()} == {
        "port": 0,
        "seed": 42,
        "polls_until_success": 2,
        "faults": "",
    }


def test_urls_and_credentials(sandbox: refundkit.Sandbox) -> None:
    port = sandbox.port()
    assert 0 < port < 65536
    assert sandbox.base_url() == "http://127.0.0.1:{}".format(port)
    assert sandbox.eko_base_url() == sandbox.base_url() + "/ekoapi/v3"
    c = sandbox.credentials()
    # The defaults in sandbox/README.md: Eko's public UAT set, sandbox-only Paytm and UPI ids.
    assert (c.eko_developer_key, c.eko_access_key) == (
        "becbbce45f79c6f5109f848acd540567",
        "d2fe1d99-6298-4af2-8cc5-d97dcf46df30",
    )
    assert (c.eko_initiator_id, c.eko_user_code) == ("9962981729", "20810200")
    assert (c.paytm_mid, c.paytm_merchant_key) == ("RKSANDBOX00000000001", "rksandbox-ONLY-not-a-real-key-32")
    assert (c.upi_merchant_id, c.upi_merchant_channel_id) == ("RKSANDBOXMERCHANT", "RKSANDBOXCHANNEL")
    # refundkit's TEST-ONLY keys, the same as in the conformance vectors.
    assert c.upi_merchant_private_key_pem.strip() == upi_key("test_only_merchant_private_pkcs8.pem").strip()
    assert c.upi_psp_public_key_pem.strip() == upi_key("test_only_psp_public_spki.pem").strip()
    text = sandbox.credentials_text()
    assert sandbox.base_url() in text and c.eko_developer_key in text and c.paytm_mid in text
    # Printing the record (or a pytest diff of it) shows no key.
    for shown in (repr(c), str(c)):
        assert c.eko_developer_key in shown and c.paytm_mid in shown
        for secret in (c.eko_access_key, c.paytm_merchant_key, "PRIVATE KEY", "PUBLIC KEY"):
            assert secret not in shown


def test_created_originals_and_an_empty_ledger(sandbox: refundkit.Sandbox) -> None:
    tx = sandbox.create_eko_transaction(4_200)
    order = sandbox.create_paytm_order(999)
    upi = sandbox.create_upi_transaction(777)
    assert tx.amount_paise == 4_200 and tx.tid.isdigit() and tx.customer_mobile.isdigit()
    assert order.amount_paise == 999 and order.order_id and order.txn_id.isdigit()
    assert upi.amount_paise == 777 and upi.original_upi_request_id and upi.original_merchant_request_id
    assert sandbox.create_eko_transaction(4_200).tid != tx.tid
    assert "amount_paise=4200" in repr(tx), "records print their fields"
    assert sandbox.otp_for(tx.tid) is None, "no OTP before Send Refund OTP"
    assert sandbox.ledger() == []


def test_bad_inputs_and_stop() -> None:
    with pytest.raises(refundkit.InvalidInputError) as port:
        refundkit.Sandbox.start(port=70_000)
    assert port.value.field == "port"
    with pytest.raises(refundkit.InvalidInputError) as spec:
        refundkit.Sandbox.start(faults="nope")
    assert spec.value.field == "faults"
    with pytest.raises(refundkit.InvalidInputError) as seed:
        refundkit.Sandbox.start(seed=-1)
    assert seed.value.field == "seed"
    with pytest.raises(refundkit.InvalidInputError) as polls:
        refundkit.Sandbox.start(polls_until_success=-1)
    assert polls.value.field == "polls_until_success"

    sb = refundkit.Sandbox.start()
    with pytest.raises(refundkit.InvalidInputError) as bad:
        sb.set_faults("drop_after_commit@nowhere")
    assert bad.value.field == "faults"
    sb.set_faults("server_error:0.5, latency@eko")  # valid specs are accepted
    sb.set_faults("")
    sb.stop()
    sb.stop()  # idempotent
    with pytest.raises(refundkit.ConfigurationError) as stopped:
        sb.ledger()
    assert stopped.value.field == "sandbox"
    with pytest.raises(refundkit.ConfigurationError):
        sb.create_eko_transaction(100)


# ---------------------------------------------------------------------------------------------------------------
# A refund through each provider


@pytest.mark.parametrize("api", APIS)
def test_eko_refund_with_the_otp_the_customer_got(sandbox: refundkit.Sandbox, api: str) -> None:
    tx = sandbox.create_eko_transaction(50_000)
    sent, otp, report = eko_flow(sandbox, tx.tid, api)

    assert (sent.outcome.status, sent.outcome.reason, sent.outcome.next_step) == (
        RefundStatus.PENDING,
        RefundReason.OTP_SENT,
        NextStep.COLLECT_OTP,
    ), sent.outcome
    assert sent.money_moving_sends == 0
    assert otp is not None and re.fullmatch(r"\d{6}", otp), otp
    assert sent.outcome.otp is not None and sent.outcome.otp.otp_ref_id
    assert sent.outcome.otp.test_otp == otp, "the sandbox answers the OTP inline, as Eko's UAT does"

    assert report is not None
    assert_succeeded(report)
    assert not report.resolved_by_inquiry
    assert report.reference == tx.tid
    details = report.outcome.refund
    assert details is not None
    assert details.original_id == tx.tid
    assert details.original_amount_paise == 50_000
    assert details.fee_paise == 500 and details.refunded_amount_paise == 50_500  # amount + Eko's 1% fee
    assert report.outcome.raw.http_status == 200 and ("response_type_id", "74") in codes(report.outcome)

    (entry,) = sandbox.ledger()
    assert (entry.provider, entry.reference, entry.original_id) == ("eko", tx.tid, tx.tid)
    assert (entry.amount_paise, entry.state, entry.money_moved) == (50_000, "SUCCESS", 1)


@pytest.mark.parametrize("api", APIS)
def test_paytm_refund_is_polled_until_success(sandbox: refundkit.Sandbox, api: str) -> None:
    order = sandbox.create_paytm_order(25_000)
    apply = refundkit.PaytmRefundApply(
        order_id=order.order_id,
        ref_id="PYREFUND1",
        txn_id=order.txn_id,
        refund_amount_paise=10_000,
        original_amount_paise=order.amount_paise,
    )
    report = paytm_refund(sandbox, apply, api)

    assert_succeeded(report)
    assert report.reference == "PYREFUND1"
    # Apply answered PENDING 601; Refund Status (same refId) PENDING twice, then TXN_SUCCESS.
    assert report.resolved_by_inquiry
    assert report.attempts == 1 + POLLS_UNTIL_SUCCESS + 1
    assert ("resultStatus", "TXN_SUCCESS") in codes(report.outcome)
    assert ("signature", "valid") in codes(report.outcome), "the sandbox's answers are signed like Paytm's"
    details = report.outcome.refund
    assert details is not None
    assert (details.original_id, details.original_amount_paise, details.refunded_amount_paise) == (
        order.txn_id,
        25_000,
        10_000,
    )

    (entry,) = sandbox.ledger()
    assert (entry.provider, entry.reference, entry.original_id) == ("paytm", "PYREFUND1", order.order_id)
    assert (entry.amount_paise, entry.state, entry.money_moved) == (10_000, "SUCCESS", 1)


@pytest.mark.parametrize("api", APIS)
def test_upi_refund_360_succeeds_after_status_polls(sandbox: refundkit.Sandbox, api: str) -> None:
    original = sandbox.create_upi_transaction(10_000)
    report = upi_refund(sandbox, upi_request(original, "PYUPIREFUND1"), api)

    assert_succeeded(report)
    assert report.reference == "PYUPIREFUND1"
    # Refund 360 answered PENDING (or DEEMED); Refund Status (same refundRequestId) twice more, then SUCCESS.
    assert report.resolved_by_inquiry
    assert report.attempts == 1 + POLLS_UNTIL_SUCCESS + 1
    assert ("gatewayResponseCode", "00") in codes(report.outcome)
    details = report.outcome.refund
    assert details is not None
    assert details.original_id == original.original_upi_request_id
    assert (details.original_amount_paise, details.refunded_amount_paise) == (10_000, 10_000)

    (entry,) = sandbox.ledger()
    assert (entry.provider, entry.reference) == ("upi360", "PYUPIREFUND1")
    assert entry.original_id == original.original_merchant_request_id
    assert (entry.amount_paise, entry.state, entry.money_moved) == (10_000, "SUCCESS", 1)


# ---------------------------------------------------------------------------------------------------------------
# The answer is lost after the refund was committed: resolved by inquiry, never a second refund


def test_eko_refund_whose_answer_is_dropped_after_commit_is_resolved_by_inquiry(sandbox: refundkit.Sandbox) -> None:
    tx = sandbox.create_eko_transaction(12_300)
    sandbox.set_faults("drop_after_commit:1@eko.initiate_refund")  # every Initiate Refund: commit, then hang up
    sent, otp, report = eko_flow(sandbox, tx.tid, "asyncio")
    assert sent.outcome.reason == RefundReason.OTP_SENT and otp is not None

    assert report is not None
    assert_succeeded(report)
    assert report.resolved_by_inquiry, "no answer arrived: the outcome comes from Transaction Inquiry"
    assert report.attempts == 2  # the refund (no answer), then one inquiry
    assert ("tx_status", "4") in codes(report.outcome), "the inquiry shows the transaction refunded"
    assert report.outcome.refund is not None and report.outcome.refund.original_amount_paise == 12_300

    (entry,) = sandbox.ledger()
    assert (entry.provider, entry.reference, entry.amount_paise) == ("eko", tx.tid, 12_300)
    assert (entry.state, entry.money_moved) == ("SUCCESS", 1), "committed once: never a double refund"

    # An app that tries again anyway (faults off) moves no more money.
    sandbox.set_faults("")
    again = asyncio.run(refundkit.EkoRefunds(*eko_args(sandbox, None)).refund(tx.tid, "123456"))
    assert again.outcome.status == RefundStatus.SUCCEEDED
    assert [(e.reference, e.money_moved) for e in sandbox.ledger()] == [(tx.tid, 1)]


@pytest.mark.parametrize("provider", ["paytm", "upi360"])
def test_paytm_and_upi_refunds_whose_answer_is_dropped_are_polled_never_resent(
    sandbox: refundkit.Sandbox, provider: str
) -> None:
    if provider == "paytm":
        sandbox.set_faults("drop_after_commit@paytm.refund_apply")
        order = sandbox.create_paytm_order(8_000)
        apply = refundkit.PaytmRefundApply(
            order_id=order.order_id, ref_id="PYDROP1", txn_id=order.txn_id, refund_amount_paise=8_000
        )
        report = paytm_refund(sandbox, apply, "asyncio")
    else:
        sandbox.set_faults("drop_after_commit@upi360.refund")
        original = sandbox.create_upi_transaction(8_000)
        report = upi_refund(sandbox, upi_request(original, "PYDROP1"), "asyncio")

    assert_succeeded(report)
    assert report.resolved_by_inquiry
    assert report.attempts == 1 + POLLS_UNTIL_SUCCESS + 1  # the lost refund, then status polls only
    (entry,) = sandbox.ledger()
    assert (entry.provider, entry.reference, entry.amount_paise) == (provider, "PYDROP1", 8_000)
    assert (entry.state, entry.money_moved) == ("SUCCESS", 1)


def test_faults_given_at_start_apply_from_the_first_request() -> None:
    sb = refundkit.Sandbox.start(seed=3, faults="server_error@eko.refund_otp")
    try:
        tx = sb.create_eko_transaction(1_000)
        sent, otp, report = eko_flow(sb, tx.tid, "asyncio")
        assert (sent.outcome.status, sent.outcome.reason) == (RefundStatus.INDETERMINATE, RefundReason.SERVER_ERROR)
        assert sent.outcome.raw.http_status == 500
        assert otp is None and report is None, "no OTP was sent"
        assert sb.ledger() == []
    finally:
        sb.stop()


# ---------------------------------------------------------------------------------------------------------------
# The wrong key: refused by the provider, nothing moves


WRONG_EKO_ACCESS_KEY = "00000000-0000-0000-0000-000000000000"
WRONG_PAYTM_KEY = "0123456789abcdef"  # a well-formed key (16 bytes), not the merchant's


@pytest.mark.parametrize("api", APIS)
def test_eko_with_the_wrong_access_key_is_refused_and_nothing_moves(sandbox: refundkit.Sandbox, api: str) -> None:
    tx = sandbox.create_eko_transaction(7_000)
    sent, otp, _ = eko_flow(sandbox, tx.tid, api, access_key=WRONG_EKO_ACCESS_KEY)
    assert (sent.outcome.status, sent.outcome.reason, sent.outcome.next_step) == (
        RefundStatus.FAILED,
        RefundReason.AUTH_OR_CLOCK,
        NextStep.FIX_CONFIGURATION,
    ), sent.outcome
    assert sent.outcome.raw.http_status == 403
    assert otp is None, "no OTP was texted"

    # Initiate Refund itself (with any OTP): 403, nothing executed, and not re-sent.
    client = refundkit.EkoRefunds(*eko_args(sandbox, WRONG_EKO_ACCESS_KEY))
    report = asyncio.run(client.refund(tx.tid, "123456"))
    assert (report.outcome.status, report.outcome.reason) == (RefundStatus.FAILED, RefundReason.AUTH_OR_CLOCK)
    assert report.outcome.raw.http_status == 403
    assert "secret-key" in (report.outcome.raw.message or "")
    assert report.money_moving_sends == 1 and report.attempts == 1
    assert sandbox.ledger() == []


@pytest.mark.parametrize("api", APIS)
def test_upi_signed_with_the_wrong_key_is_unauthorized_and_nothing_moves(sandbox: refundkit.Sandbox, api: str) -> None:
    original = sandbox.create_upi_transaction(5_000)
    wrong_key = upi_key("test_only_psp_private_pkcs8.pem")  # a valid RSA key, but not the merchant's
    report = upi_refund(sandbox, upi_request(original, "PYUPIBAD1"), api, private_key_pem=wrong_key)
    assert (report.outcome.status, report.outcome.reason, report.outcome.next_step) == (
        RefundStatus.FAILED,
        RefundReason.AUTH_OR_CLOCK,
        NextStep.FIX_CONFIGURATION,
    ), report.outcome
    assert report.outcome.raw.http_status == 401
    assert ("responseCode", "UNAUTHORIZED") in codes(report.outcome)
    assert report.money_moving_sends == 1 and report.attempts == 1
    assert sandbox.ledger() == []


def test_paytm_with_the_wrong_merchant_key_is_refused_and_nothing_moves(sandbox: refundkit.Sandbox) -> None:
    order = sandbox.create_paytm_order(5_000)
    apply = refundkit.PaytmRefundApply(
        order_id=order.order_id, ref_id="PYBADKEY1", txn_id=order.txn_id, refund_amount_paise=5_000
    )
    report = paytm_refund(sandbox, apply, "asyncio", merchant_key=WRONG_PAYTM_KEY)
    outcome = report.outcome
    # Paytm refuses the checksum (330 "checksum mismatch"). Its answer is signed with the real merchant key, which a
    # client holding the wrong key cannot verify: so the refusal is untrusted, never a success.
    assert ("resultCode", "330") in codes(outcome) and ("signature", "invalid") in codes(outcome)
    assert outcome.reason == RefundReason.SIGNATURE_INVALID
    assert outcome.status != RefundStatus.SUCCEEDED and outcome.refund is None
    # An unverifiable 330 is what a wrong key looks like: still indeterminate, but fix the configuration; no polling.
    assert (outcome.status, outcome.next_step) == (RefundStatus.INDETERMINATE, refundkit.NextStep.FIX_CONFIGURATION)
    assert any("probably wrong" in w for w in outcome.warnings), outcome.warnings
    assert (report.attempts, report.resolved_by_inquiry) == (2, False)
    assert report.money_moving_sends == 1, "the apply was not sent again"
    assert sandbox.ledger() == []


# ---------------------------------------------------------------------------------------------------------------
# The README's "Sandbox in your test suite" example, run as the test suite it shows


def readme_sandbox_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Sandbox in your test suite", 1)
    assert len(section) == 2, "README.md has no 'Sandbox in your test suite' section"
    match = re.search(r"```python\n(.*?)```", section[1], re.S)
    assert match, "no python block in the sandbox section"
    return match.group(1)


def test_the_readme_sandbox_example_passes_as_a_test_suite(tmp_path: Path) -> None:
    example = readme_sandbox_example()
    assert "refundkit.Sandbox.start(" in example and "sandbox.stop()" in example
    (tmp_path / "test_readme_sandbox.py").write_text(example, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    passed = re.search(r"(\d+) passed", out)
    assert passed and int(passed.group(1)) == example.count("\ndef test_"), out
