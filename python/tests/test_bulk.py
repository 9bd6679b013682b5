"""Bulk calls (``inquire_many``, ``status_many``, ``resume_many``) from asyncio against the embedded sandbox: one
result per input in input order, per-item errors in place (the batch never fails for one item), throttled progress
callbacks ending at the total, and the rate limit (a lower bound only: a limiter can make a batch slower, never
faster, so the check cannot flake; the exact token bucket is tested in Rust on an injected clock)."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Iterator, List, Tuple

import pytest

import refundkit
from _support import signing_pss
from refundkit._native import refundkit as generated

FAST = refundkit.RetryPolicy(base_delay_ms=1, max_delay_ms=5)


@pytest.fixture
def sandbox() -> Iterator[refundkit.Sandbox]:
    sb = refundkit.Sandbox.start(seed=11)
    try:
        yield sb
    finally:
        sb.stop()


def eko_client(sb: refundkit.Sandbox, transport: Any = None) -> refundkit.EkoRefunds:
    c = sb.credentials()
    options = refundkit.EkoOptions(
        base_url=sb.eko_base_url(), initiator_id=c.eko_initiator_id, user_code=c.eko_user_code
    )
    return refundkit.EkoRefunds(
        options, c.eko_developer_key, c.eko_access_key, transport or refundkit.builtin_transport(), FAST
    )


class Progress(generated.BulkProgress):
    def __init__(self) -> None:
        self.calls: List[Tuple[int, int]] = []

    def on_progress(self, done: int, total: int) -> None:
        self.calls.append((done, total))


class TimingTransport(refundkit.HttpTransport):
    """Forwards to the built-in transport and records when each request left (monotonic seconds)."""

    def __init__(self) -> None:
        self.inner = refundkit.builtin_transport()
        self.sent_at: List[float] = []

    async def send(self, request: refundkit.HttpRequest) -> refundkit.HttpResponse:
        self.sent_at.append(time.monotonic())
        return await self.inner.send(request)


def test_inquire_many_is_in_input_order_with_errors_in_place(sandbox: refundkit.Sandbox) -> None:
    tids = [sandbox.create_eko_transaction(100 + i).tid for i in range(60)]
    tids.insert(7, "not-a-tid")
    tids.insert(40, "")
    client = eko_client(sandbox)
    results = asyncio.run(client.inquire_many(tids, concurrency=32))
    assert len(results) == len(tids)
    for i, (tid, r) in enumerate(zip(tids, results)):
        if i in (7, 40):
            assert r.is_error(), (i, r)
            assert isinstance(r.error, refundkit.InvalidInputError)
            assert r.error.field == "tid"
        else:
            assert r.is_report(), (i, r)
            assert r.report.reference == tid
            assert r.report.attempts >= 1
            assert r.report.money_moving_sends == 0


def test_inquire_many_matches_one_by_one_inquiries(sandbox: refundkit.Sandbox) -> None:
    tids = [sandbox.create_eko_transaction(500).tid for _ in range(10)]
    client = eko_client(sandbox)

    async def both() -> Tuple[List[Any], List[refundkit.RefundReport]]:
        many = await client.inquire_many(tids)
        single = [await client.inquiry(t) for t in tids]
        return many, single

    many, single = asyncio.run(both())
    assert [r.report.outcome.status for r in many] == [s.outcome.status for s in single]
    assert [r.report.outcome.reason for r in many] == [s.outcome.reason for s in single]


def test_progress_is_throttled_monotone_and_ends_at_the_total(sandbox: refundkit.Sandbox) -> None:
    tids = [sandbox.create_eko_transaction(100).tid for _ in range(200)]
    progress = Progress()
    results = asyncio.run(eko_client(sandbox).inquire_many(tids, concurrency=16, progress=progress))
    assert all(r.is_report() for r in results)
    assert progress.calls, "progress was reported"
    assert progress.calls[-1] == (200, 200)
    assert all(total == 200 for _, total in progress.calls)
    done = [d for d, _ in progress.calls]
    assert done == sorted(set(done)), "strictly increasing"
    assert len(progress.calls) < 200, "throttled: not one crossing per item"


def test_an_empty_batch(sandbox: refundkit.Sandbox) -> None:
    progress = Progress()
    assert asyncio.run(eko_client(sandbox).inquire_many([], progress=progress)) == []
    assert progress.calls == []


def test_the_rate_limit_spaces_requests(sandbox: refundkit.Sandbox) -> None:
    tids = [sandbox.create_eko_transaction(100).tid for _ in range(20)]
    transport = TimingTransport()
    client = eko_client(sandbox, transport)
    results = asyncio.run(client.inquire_many(tids, concurrency=32, rate_per_second=50.0))
    assert all(r.is_report() for r in results)
    assert len(transport.sent_at) == 20
    # 20 starts at 50/s: at least 19 intervals of 20 ms between the first and the last (5% slack for clock rounding).
    assert transport.sent_at[-1] - transport.sent_at[0] >= 19 * 0.020 * 0.95


def test_paytm_status_many(sandbox: refundkit.Sandbox) -> None:
    c = sandbox.credentials()
    options = refundkit.PaytmOptions(
        mid=c.paytm_mid, environment=refundkit.PaytmEnvironment.STAGING, base_url=sandbox.base_url()
    )
    client = refundkit.PaytmRefunds(options, c.paytm_merchant_key, refundkit.builtin_transport(), FAST)
    orders = [sandbox.create_paytm_order(1000) for _ in range(12)]
    queries = [generated.PaytmStatusQuery(order_id=o.order_id, ref_id="REF{}".format(i)) for i, o in enumerate(orders)]
    queries.insert(3, generated.PaytmStatusQuery(order_id="", ref_id="REFX"))
    results = asyncio.run(client.status_many(queries, concurrency=4))
    assert len(results) == len(queries)
    for i, (q, r) in enumerate(zip(queries, results)):
        if i == 3:
            assert r.is_error() and isinstance(r.error, refundkit.InvalidInputError), r
        else:
            assert r.is_report(), (i, r)
            assert r.report.reference == q.ref_id


def test_upi360_status_many(sandbox: refundkit.Sandbox) -> None:
    c = sandbox.credentials()
    options = refundkit.Upi360Options(
        host=sandbox.base_url(),
        uri="n2",
        merchant_id=c.upi_merchant_id,
        merchant_channel_id=c.upi_merchant_channel_id,
        signing=signing_pss(),
    )
    client = refundkit.Upi360Refunds(
        options, c.upi_merchant_private_key_pem, c.upi_psp_public_key_pem, refundkit.builtin_transport(), FAST
    )
    txs = [sandbox.create_upi_transaction(1000) for _ in range(8)]
    requests = [
        refundkit.Upi360StatusRequest(
            refund_request_id="RR{:04d}".format(i), original_merchant_request_id=t.original_merchant_request_id
        )
        for i, t in enumerate(txs)
    ]
    results = asyncio.run(client.status_many(requests, concurrency=3))
    assert [r.report.reference for r in results] == [q.refund_request_id for q in requests]


def test_resume_many_settles_records_and_reports_bad_ones_in_place(sandbox: refundkit.Sandbox) -> None:
    client = eko_client(sandbox)
    tx = sandbox.create_eko_transaction(2500)

    async def refund_then_resume() -> Tuple[refundkit.RefundReport, List[Any]]:
        sent = await client.send_refund_otp(tx.tid)
        otp = sandbox.otp_for(tx.tid)
        assert otp is not None
        ref = sent.outcome.otp.otp_ref_id if sent.outcome.otp else None
        refunded = await client.refund(tx.tid, otp, ref)
        assert refunded.record_json is not None
        return refunded, await client.resume_many(["{not json", refunded.record_json])

    refunded, results = asyncio.run(refund_then_resume())
    assert refunded.outcome.status == refundkit.RefundStatus.SUCCEEDED
    assert results[0].is_error() and isinstance(results[0].error, refundkit.InvalidInputError)
    assert results[0].error.field == "record_json"
    report = results[1].report
    assert (report.reference, report.outcome.status, report.money_moving_sends) == (
        tx.tid,
        refundkit.RefundStatus.SUCCEEDED,
        0,
    )
    assert len([e for e in sandbox.ledger() if e.reference == tx.tid]) <= 1
