"""The blocking forms of the bulk calls (``refundkit.blocking``: ``EkoRefundsBlocking.inquire_many`` / ``resume_many``,
``PaytmRefundsBlocking.status_many`` / ``resume_many``, ``Upi360RefundsBlocking.status_many`` / ``resume_many``)
against the embedded sandbox: same results as the async calls (one per input, in order, errors in place), progress,
and a ``timeout`` that cancels the whole batch."""

from __future__ import annotations

import concurrent.futures
import threading
from typing import Iterator, List, Tuple

import pytest

import refundkit
from _support import signing_pss
from refundkit.blocking import EkoRefundsBlocking, PaytmRefundsBlocking, Upi360RefundsBlocking

FAST = refundkit.RetryPolicy(base_delay_ms=1, max_delay_ms=5)


@pytest.fixture
def sandbox() -> Iterator[refundkit.Sandbox]:
    sb = refundkit.Sandbox.start(seed=12)
    try:
        yield sb
    finally:
        sb.stop()


def eko(sb: refundkit.Sandbox) -> EkoRefundsBlocking:
    c = sb.credentials()
    options = refundkit.EkoOptions(
        base_url=sb.eko_base_url(), initiator_id=c.eko_initiator_id, user_code=c.eko_user_code
    )
    return EkoRefundsBlocking(options, c.eko_developer_key, c.eko_access_key, refundkit.builtin_transport(), FAST)


def paytm(sb: refundkit.Sandbox) -> PaytmRefundsBlocking:
    c = sb.credentials()
    options = refundkit.PaytmOptions(
        mid=c.paytm_mid, environment=refundkit.PaytmEnvironment.STAGING, base_url=sb.base_url()
    )
    return PaytmRefundsBlocking(options, c.paytm_merchant_key, refundkit.builtin_transport(), FAST)


def upi(sb: refundkit.Sandbox) -> Upi360RefundsBlocking:
    c = sb.credentials()
    options = refundkit.Upi360Options(
        host=sb.base_url(),
        uri="n2",
        merchant_id=c.upi_merchant_id,
        merchant_channel_id=c.upi_merchant_channel_id,
        signing=signing_pss(),
    )
    return Upi360RefundsBlocking(
        options, c.upi_merchant_private_key_pem, c.upi_psp_public_key_pem, refundkit.builtin_transport(), FAST
    )


class Progress(refundkit.BulkProgress):
    def __init__(self) -> None:
        self.calls: List[Tuple[int, int]] = []
        self.lock = threading.Lock()

    def on_progress(self, done: int, total: int) -> None:
        with self.lock:
            self.calls.append((done, total))


def test_eko_inquire_many_blocks_and_returns_results_in_input_order(sandbox: refundkit.Sandbox) -> None:
    tids = [sandbox.create_eko_transaction(100 + i).tid for i in range(25)]
    tids.insert(5, "not-a-tid")
    progress = Progress()
    results = eko(sandbox).inquire_many(tids, concurrency=8, progress=progress)
    assert len(results) == len(tids)
    for i, (tid, r) in enumerate(zip(tids, results)):
        if i == 5:
            assert r.is_error() and isinstance(r.error, refundkit.InvalidInputError), r
            assert r.error.field == "tid"
        else:
            assert r.is_report(), (i, r)
            assert r.report.reference == tid
            assert r.report.money_moving_sends == 0
    assert progress.calls and progress.calls[-1] == (len(tids), len(tids))


def test_eko_inquire_many_matches_the_async_call(sandbox: refundkit.Sandbox) -> None:
    import asyncio

    tids = [sandbox.create_eko_transaction(300).tid for _ in range(6)]
    client = eko(sandbox)
    blocking = client.inquire_many(tids)
    direct = asyncio.run(client.client.inquire_many(tids))
    assert [r.report.outcome.status for r in blocking] == [r.report.outcome.status for r in direct]
    assert [r.report.reference for r in blocking] == tids


def test_an_empty_batch_and_any_sequence(sandbox: refundkit.Sandbox) -> None:
    client = eko(sandbox)
    assert client.inquire_many([]) == []
    tid = sandbox.create_eko_transaction(100).tid
    results = client.inquire_many((tid,))  # a tuple is fine: any sequence of str
    assert [r.report.reference for r in results] == [tid]


def test_eko_resume_many_settles_records_and_reports_bad_ones_in_place(sandbox: refundkit.Sandbox) -> None:
    client = eko(sandbox)
    tx = sandbox.create_eko_transaction(2500)
    sent = client.send_refund_otp(tx.tid)
    otp = sandbox.otp_for(tx.tid)
    assert otp is not None
    ref = sent.outcome.otp.otp_ref_id if sent.outcome.otp else None
    refunded = client.refund(tx.tid, otp, ref)
    assert refunded.record_json is not None
    results = client.resume_many(["{not json", refunded.record_json])
    assert results[0].is_error() and isinstance(results[0].error, refundkit.InvalidInputError)
    report = results[1].report
    assert (report.reference, report.outcome.status, report.money_moving_sends) == (
        tx.tid,
        refundkit.RefundStatus.SUCCEEDED,
        0,
    )
    assert len([e for e in sandbox.ledger() if e.reference == tx.tid]) <= 1


def test_paytm_status_many_and_resume_many(sandbox: refundkit.Sandbox) -> None:
    client = paytm(sandbox)
    orders = [sandbox.create_paytm_order(1000) for _ in range(6)]
    queries = [refundkit.PaytmStatusQuery(order_id=o.order_id, ref_id="REF{}".format(i)) for i, o in enumerate(orders)]
    queries.insert(2, refundkit.PaytmStatusQuery(order_id="", ref_id="REFX"))
    results = client.status_many(queries, concurrency=3)
    assert len(results) == len(queries)
    for i, (q, r) in enumerate(zip(queries, results)):
        if i == 2:
            assert r.is_error() and isinstance(r.error, refundkit.InvalidInputError), r
        else:
            assert r.is_report() and r.report.reference == q.ref_id, (i, r)
    bad = client.resume_many(["[]"])
    assert len(bad) == 1 and bad[0].is_error() and isinstance(bad[0].error, refundkit.InvalidInputError)


def test_upi360_status_many_and_resume_many(sandbox: refundkit.Sandbox) -> None:
    client = upi(sandbox)
    txs = [sandbox.create_upi_transaction(1000) for _ in range(5)]
    requests = [
        refundkit.Upi360StatusRequest(
            refund_request_id="RB{:04d}".format(i), original_merchant_request_id=t.original_merchant_request_id
        )
        for i, t in enumerate(txs)
    ]
    results = client.status_many(requests, concurrency=2)
    assert [r.report.reference for r in results] == [q.refund_request_id for q in requests]
    bad = client.resume_many(["not a record"])
    assert len(bad) == 1 and bad[0].is_error() and isinstance(bad[0].error, refundkit.InvalidInputError)


def test_a_timeout_cancels_the_whole_batch_and_the_client_stays_usable(sandbox: refundkit.Sandbox) -> None:
    client = eko(sandbox)
    tids = [sandbox.create_eko_transaction(100).tid for _ in range(6)]
    # 6 starts at 1 per second take at least 5 s: a 0.3 s timeout always fires first.
    with pytest.raises((TimeoutError, concurrent.futures.TimeoutError)):
        client.inquire_many(tids, rate_per_second=1.0, timeout=0.3)
    results = client.inquire_many(tids[:2], timeout=60)
    assert [r.report.reference for r in results] == tids[:2]
