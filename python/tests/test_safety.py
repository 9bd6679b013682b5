"""Regression tests for the money-safety findings, against the embedded sandbox (``refundkit.Sandbox``) over
``builtin_transport``, with Python transport wrappers where the sandbox alone cannot express the fault:

1. a late commit (the provider commits after the client's timeout, and its status says "not found" meanwhile) is
   PENDING inside the commit window, never FAILED; resumed after the commit it is SUCCEEDED, money moved once;
2. Paytm refIds ``C.1`` and ``C_1`` are two attempt records in one directory store, not one;
3. foreign or broken files in the store directory never stop ``unresolved()``;
4. two processes racing the same 20 references on one directory store send each reference at most once in total;
5. an attempt record does not give away the Eko OTP (no unmasked body hash to brute-force);
6. ``await builtin_transport().send(request)`` works from asyncio and from a plain thread.

Every wrapper decides by flags and explicit calls, never by timing. The worker processes of test 4 run
``_safety_worker.py``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, cast

import pytest

import refundkit
from _safety_worker import paytm_is_apply, paytm_options, paytm_ref_id
from _support import signing_pss


# Fast backoff; the commit windows keep their defaults (30 minutes): these tests never wait for one.
FAST = refundkit.RetryPolicy(base_delay_ms=1, max_delay_ms=5)

MoneyMoving = Callable[[refundkit.HttpRequest], bool]


def eko_is_refund(r: refundkit.HttpRequest) -> bool:
    return r.method == refundkit.HttpMethod.POST and "/customer/payment/refund/" in r.url and not r.url.endswith("/otp")


def upi_is_refund(r: refundkit.HttpRequest) -> bool:
    return r.url.endswith("/refund360")


class LateCommit(refundkit.HttpTransport):
    """Wraps a real transport. While ``holding``, a money-moving request is **not** forwarded: it is kept, and the
    client gets a timeout (``TransportMaybeProcessedError``), as when the provider commits after the client gave up.
    :meth:`forward` sends the kept requests later, exactly as signed: the late commit. Everything else is forwarded
    at once and counted in ``reads``."""

    def __init__(self, inner: refundkit.HttpTransport, money_moving: MoneyMoving) -> None:
        self.inner = inner
        self.money_moving = money_moving
        self.holding = True
        self.held: List[refundkit.HttpRequest] = []
        self.forwarded: List[refundkit.HttpResponse] = []
        self.reads = 0

    async def send(self, request: refundkit.HttpRequest) -> refundkit.HttpResponse:
        if self.money_moving(request) and self.holding:
            self.held.append(request)
            raise refundkit.TransportMaybeProcessedError("read timed out (the provider has not committed yet)")
        if not self.money_moving(request):
            self.reads += 1
        return await self.inner.send(request)

    async def forward(self, which: Optional[MoneyMoving] = None) -> None:
        """Sends the kept requests (those matching ``which``; all by default) to the provider now."""
        keep: List[refundkit.HttpRequest] = []
        for request in self.held:
            if which is None or which(request):
                self.forwarded.append(await self.inner.send(request))
            else:
                keep.append(request)
        self.held = keep


# ---------------------------------------------------------------------------------------------------------------
# Clients pointed at the sandbox

@pytest.fixture
def sandbox() -> Iterator[refundkit.Sandbox]:
    sb = refundkit.Sandbox.start(seed=11, polls_until_success=2)
    try:
        yield sb
    finally:
        sb.stop()


def eko_client(
    sb: refundkit.Sandbox, transport: refundkit.HttpTransport, store: Optional[refundkit.AttemptStore] = None
) -> refundkit.EkoRefunds:
    c = sb.credentials()
    options = refundkit.EkoOptions(
        base_url=sb.eko_base_url(), initiator_id=c.eko_initiator_id, user_code=c.eko_user_code
    )
    return refundkit.EkoRefunds(options, c.eko_developer_key, c.eko_access_key, transport, FAST, store=store)


def paytm_client(
    sb: refundkit.Sandbox, transport: refundkit.HttpTransport, store: Optional[refundkit.AttemptStore] = None
) -> refundkit.PaytmRefunds:
    c = sb.credentials()
    options = paytm_options(sb.base_url(), c.paytm_mid)
    return refundkit.PaytmRefunds(options, c.paytm_merchant_key, transport, FAST, store=store)


def upi_client(
    sb: refundkit.Sandbox, transport: refundkit.HttpTransport, store: Optional[refundkit.AttemptStore] = None
) -> refundkit.Upi360Refunds:
    c = sb.credentials()
    options = refundkit.Upi360Options(
        host=sb.base_url(),
        uri="n2",
        merchant_id=c.upi_merchant_id,
        merchant_channel_id=c.upi_merchant_channel_id,
        signing=signing_pss(),
    )
    return refundkit.Upi360Refunds(
        options, c.upi_merchant_private_key_pem, c.upi_psp_public_key_pem, transport, FAST, store=store
    )


def paytm_apply(order: refundkit.SandboxPaytmOrder, ref_id: str) -> refundkit.PaytmRefundApply:
    return refundkit.PaytmRefundApply(
        order_id=order.order_id, ref_id=ref_id, txn_id=order.txn_id, refund_amount_paise=order.amount_paise
    )


def status_of(report: refundkit.RefundReport) -> Tuple[refundkit.RefundStatus, refundkit.NextStep]:
    return report.outcome.status, report.outcome.next_step


Refunder = Callable[[refundkit.Sandbox, LateCommit], Tuple[Any, Any]]


def eko_late(sb: refundkit.Sandbox, transport: LateCommit) -> Tuple[Any, Any]:
    """(client, coroutine factory for the refund) of an Eko refund with the OTP the customer got."""
    tx = sb.create_eko_transaction(40_000)
    client = eko_client(sb, transport)

    async def refund() -> refundkit.RefundReport:
        sent = await client.send_refund_otp(tx.tid)
        otp = sb.otp_for(tx.tid)
        assert otp is not None and sent.outcome.otp is not None
        return await client.refund(tx.tid, otp, sent.outcome.otp.otp_ref_id)

    return client, refund


def paytm_late(sb: refundkit.Sandbox, transport: LateCommit) -> Tuple[Any, Any]:
    order = sb.create_paytm_order(40_000)
    client = paytm_client(sb, transport)
    return client, lambda: client.refund(paytm_apply(order, "PYLATE1"))


def upi_late(sb: refundkit.Sandbox, transport: LateCommit) -> Tuple[Any, Any]:
    original = sb.create_upi_transaction(40_000)
    client = upi_client(sb, transport)
    request = refundkit.Upi360RefundRequest(
        refund_request_id="PYLATE1",
        amount_paise=original.amount_paise,
        refund_type=refundkit.Upi360RefundType.ONLINE,
        remarks="Customer refund",
        original_upi_request_id=original.original_upi_request_id,
        merchant_refund_vpa="refunds@parentbank",
    )
    return client, lambda: client.refund(request)


LATE: Dict[str, Tuple[MoneyMoving, Refunder]] = {
    "eko": (eko_is_refund, eko_late),
    "paytm": (paytm_is_apply, paytm_late),
    "upi360": (upi_is_refund, upi_late),
}


# ---------------------------------------------------------------------------------------------------------------
# 1. A late commit: PENDING inside the commit window (never FAILED); resumed after the commit, SUCCEEDED once

@pytest.mark.parametrize("provider", sorted(LATE))
def test_a_late_commit_is_pending_inside_the_commit_window_and_succeeds_on_resume(
    sandbox: refundkit.Sandbox, provider: str
) -> None:
    money_moving, make = LATE[provider]
    transport = LateCommit(refundkit.builtin_transport(), money_moving)
    client, refund = make(sandbox, transport)

    async def run() -> Tuple[refundkit.RefundReport, refundkit.RefundReport]:
        first = await refund()
        # The provider commits only now, after the client's timeout and its first status queries.
        await transport.forward()
        assert first.record_json is not None
        return first, await client.resume(first.record_json)

    first, resumed = asyncio.run(run())

    # The status said "not found / not refunded", but the window is open: the refund may still commit.
    assert len(transport.forwarded) == 1 and transport.reads >= 1
    assert status_of(first) == (refundkit.RefundStatus.PENDING, refundkit.NextStep.POLL_LATER), first.outcome
    assert first.outcome.reason in (refundkit.RefundReason.NOT_REFUNDED, refundkit.RefundReason.TRANSACTION_NOT_FOUND)
    assert first.money_moving_sends == 1
    assert first.next_check_at_ms is not None
    record = json.loads(first.record_json or "{}")
    window = {
        "eko": FAST.eko_commit_window_ms,
        "paytm": FAST.paytm_commit_window_ms,
        "upi360": FAST.upi360_commit_window_ms,
    }[provider]
    assert first.next_check_at_ms == record["sent_at_ms"] + window, "ask again when the commit window ends"
    assert record["absent_answers"] == 0 and "acknowledged_at_ms" not in record
    assert any("commit window" in w for w in first.outcome.warnings), first.outcome.warnings

    assert status_of(resumed) == (refundkit.RefundStatus.SUCCEEDED, refundkit.NextStep.NOTHING), resumed.outcome
    assert resumed.money_moving_sends == 0 and resumed.resolved_by_inquiry
    assert resumed.next_check_at_ms is None
    (entry,) = sandbox.ledger()
    assert (entry.provider, entry.state, entry.money_moved) == (provider, "SUCCESS", 1), "money moved once"


def test_a_late_commit_with_the_blocking_api_keeps_the_record_until_resolved(
    sandbox: refundkit.Sandbox, tmp_path: Path
) -> None:
    from refundkit.blocking import PaytmRefundsBlocking, run

    c = sandbox.credentials()
    store = refundkit.directory_attempt_store(str(tmp_path))
    transport = LateCommit(refundkit.builtin_transport(), paytm_is_apply)
    client = PaytmRefundsBlocking(
        paytm_options(sandbox.base_url(), c.paytm_mid), c.paytm_merchant_key, transport, FAST, store=store
    )
    order = sandbox.create_paytm_order(9_000)
    first = client.refund(paytm_apply(order, "PYLATEBLOCK"))
    assert status_of(first) == (refundkit.RefundStatus.PENDING, refundkit.NextStep.POLL_LATER)
    (kept,) = run(store.unresolved())
    assert json.loads(kept)["reference"] == "PYLATEBLOCK", "the record is kept while the window is open"

    # Refunding again with the same reference sends nothing: the record is resolved by status.
    again = client.refund(paytm_apply(order, "PYLATEBLOCK"))
    assert again.money_moving_sends == 0 and len(transport.held) == 1
    assert status_of(again) == (refundkit.RefundStatus.PENDING, refundkit.NextStep.POLL_LATER)
    assert any("did not send the refund again" in w for w in again.outcome.warnings), again.outcome.warnings

    run(transport.forward())
    resumed = client.resume(kept)
    assert resumed.outcome.status == refundkit.RefundStatus.SUCCEEDED and resumed.money_moving_sends == 0
    assert run(store.unresolved()) == []
    assert [(e.reference, e.money_moved) for e in sandbox.ledger()] == [("PYLATEBLOCK", 1)]


# ---------------------------------------------------------------------------------------------------------------
# 2, 3. The directory store: exact keys; foreign and broken files skipped

def test_paytm_ref_ids_c_dot_1_and_c_underscore_1_are_two_records(
    sandbox: refundkit.Sandbox, tmp_path: Path
) -> None:
    store = refundkit.directory_attempt_store(str(tmp_path))
    transport = LateCommit(refundkit.builtin_transport(), paytm_is_apply)
    client = paytm_client(sandbox, transport, store)
    dot, underscore = sandbox.create_paytm_order(1_000), sandbox.create_paytm_order(2_000)

    files: List[str] = []

    async def run() -> Tuple[List[refundkit.RefundReport], List[str], refundkit.RefundReport, List[str]]:
        reports = [await client.refund(paytm_apply(dot, "C.1")), await client.refund(paytm_apply(underscore, "C_1"))]
        both = await store.unresolved()
        files.extend(sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")))
        # Only C.1 commits (late); resuming it resolves C.1 and leaves C_1 alone.
        await transport.forward(lambda r: paytm_ref_id(r) == "C.1")
        (c1,) = [r for r in both if json.loads(r)["reference"] == "C.1"]
        resumed = await client.resume(c1)
        return reports, both, resumed, await store.unresolved()

    reports, both, resumed, left = asyncio.run(run())
    assert [status_of(r)[0] for r in reports] == [refundkit.RefundStatus.PENDING] * 2
    assert [r.money_moving_sends for r in reports] == [1, 1], "C_1 was sent: it is not C.1's record"
    assert sorted(json.loads(r)["reference"] for r in both) == ["C.1", "C_1"]
    assert len(files) == 2 and len({f.lower() for f in files}) == 2, files
    assert resumed.outcome.status == refundkit.RefundStatus.SUCCEEDED
    assert [json.loads(r)["reference"] for r in left] == ["C_1"]
    assert [(e.reference, e.money_moved) for e in sandbox.ledger()] == [("C.1", 1)]


def store_key_part(text: str) -> str:
    """One part of a record's file name: ``a``-``z``, ``0``-``9`` and ``-`` as is, any other byte ``_`` + hex."""
    return "".join(chr(b) if chr(b) in "abcdefghijklmnopqrstuvwxyz0123456789-" else "_{:02x}".format(b) for b in text.encode())


def test_foreign_and_broken_files_do_not_stop_unresolved(sandbox: refundkit.Sandbox, tmp_path: Path) -> None:
    store = refundkit.directory_attempt_store(str(tmp_path))
    transport = LateCommit(refundkit.builtin_transport(), paytm_is_apply)
    client = paytm_client(sandbox, transport, store)
    order = sandbox.create_paytm_order(3_000)
    report = asyncio.run(client.refund(paytm_apply(order, "PYFOREIGN1")))
    assert report.outcome.status == refundkit.RefundStatus.PENDING
    (real,) = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]

    (tmp_path / "notes.json").write_text('{"note": "ask ops about refund 42"}', encoding="utf-8")
    (tmp_path / "README").write_text("refund records, do not edit\n", encoding="utf-8")
    # A file named like a record (provider.account.reference, escaped) whose content is cut off.
    provider, account, _ = real.name[: -len(".json")].split(".")
    assert provider == "paytm" and real.name == "paytm.{}.{}.json".format(account, store_key_part("PYFOREIGN1"))
    key_of_broken = "paytm.{}.{}.json".format(account, store_key_part("PYBROKEN"))
    broken = json.loads(real.read_text(encoding="utf-8"))
    broken["reference"] = "PYBROKEN"
    (tmp_path / key_of_broken).write_text(json.dumps(broken)[:40], encoding="utf-8")

    records = asyncio.run(store.unresolved())
    assert [json.loads(r)["reference"] for r in records] == ["PYFOREIGN1"]
    # The skipped files are left for a person; the real record still resolves.
    assert (tmp_path / "notes.json").exists() and (tmp_path / key_of_broken).exists()
    asyncio.run(transport.forward())
    resumed = asyncio.run(client.resume(records[0]))
    assert resumed.outcome.status == refundkit.RefundStatus.SUCCEEDED
    assert asyncio.run(store.unresolved()) == []


# ---------------------------------------------------------------------------------------------------------------
# 4. Two processes, one directory store, one sandbox: every reference sent at most once in total

RACE_REFERENCES = 20
WORKER = Path(__file__).resolve().parent / "_safety_worker.py"


def test_two_processes_racing_on_one_directory_store_send_each_reference_at_most_once(tmp_path: Path) -> None:
    sb = refundkit.Sandbox.start(seed=5, polls_until_success=1_000_000)
    try:
        c = sb.credentials()
        counts, store = tmp_path / "counts", tmp_path / "store"
        counts.mkdir()
        orders = []
        for i in range(RACE_REFERENCES):
            o = sb.create_paytm_order(1_000 + i)
            orders.append(
                {"order_id": o.order_id, "txn_id": o.txn_id, "amount_paise": o.amount_paise, "ref_id": "RACE.{}".format(i)}
            )
        workers = []
        for name in ("a", "b"):
            config = tmp_path / "{}.json".format(name)
            config.write_text(
                json.dumps(
                    {
                        "worker": name,
                        "base_url": sb.base_url(),
                        "mid": c.paytm_mid,
                        "merchant_key": c.paytm_merchant_key,
                        "store": str(store),
                        "counts": str(counts),
                        "orders": orders,
                    }
                ),
                encoding="utf-8",
            )
            workers.append(
                subprocess.Popen(
                    [sys.executable, str(WORKER), str(config)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        # Both are ready (imported, client built) before either starts: then they race.
        for w in workers:
            assert w.stdout is not None and w.stdout.readline().strip() == "ready", w.communicate(timeout=60)
        for w in workers:
            assert w.stdin is not None
            w.stdin.write("go\n")
            w.stdin.flush()
        results: Dict[str, Dict[str, Dict[str, Any]]] = {}
        for name, w in zip(("a", "b"), workers):
            out, err = w.communicate(timeout=300)
            assert w.returncode == 0, err
            results[name] = json.loads(out.strip().splitlines()[-1])
        ledger = sb.ledger()
    finally:
        sb.stop()

    sent: Dict[str, int] = {}
    for f in counts.iterdir():
        ref = f.name.split(".", 1)[1].rsplit(".", 1)[0]
        sent[ref] = sent.get(ref, 0) + 1
    refs = [o["ref_id"] for o in orders]
    assert sent == {r: 1 for r in refs}, "each reference was sent exactly once across both processes"
    for ref in refs:
        outcomes = [results["a"][ref], results["b"][ref]]
        assert not any("error" in o for o in outcomes), outcomes
        senders = [o for o in outcomes if o.get("sends") == 1]
        losers = [o for o in outcomes if o.get("sends") != 1]
        assert len(senders) == 1 and len(losers) == 1, outcomes
        loser = losers[0]
        assert loser.get("claimed_elsewhere") == ref or loser.get("sends") == 0, outcomes
        if loser.get("sends") == 0:
            assert any("did not send the refund again" in w for w in loser["warnings"]), loser
    assert sorted((e.reference, e.money_moved) for e in ledger) == sorted((r, 1) for r in refs)


# ---------------------------------------------------------------------------------------------------------------
# 5. The OTP cannot be recovered from an attempt record


class Recording(refundkit.HttpTransport):
    """Forwards everything and keeps the requests."""

    def __init__(self, inner: refundkit.HttpTransport) -> None:
        self.inner = inner
        self.seen: List[refundkit.HttpRequest] = []

    async def send(self, request: refundkit.HttpRequest) -> refundkit.HttpResponse:
        self.seen.append(request)
        return await self.inner.send(request)


def test_an_eko_record_does_not_give_away_the_otp(sandbox: refundkit.Sandbox) -> None:
    transport = Recording(refundkit.builtin_transport())
    client = eko_client(sandbox, transport)
    fingerprints: List[str] = []
    bodies: List[bytes] = []
    otps: List[str] = []
    for _ in range(2):
        tx = sandbox.create_eko_transaction(10_000)

        async def flow(tid: str = tx.tid) -> Tuple[str, refundkit.RefundReport]:
            await client.send_refund_otp(tid)
            otp = sandbox.otp_for(tid)
            assert otp is not None
            return otp, await client.refund(tid, otp)  # no otp_ref_id: the two bodies differ only by the OTP

        otp, report = asyncio.run(flow())
        assert report.outcome.status == refundkit.RefundStatus.SUCCEEDED, report.outcome
        assert report.record_json is not None
        record = json.loads(report.record_json)
        assert otp not in report.record_json and "body_sha256" not in record and "otp" not in record
        (body,) = [r.body for r in transport.seen if eko_is_refund(r) and r.url.endswith("/" + tx.tid)]
        assert body.count(otp.encode()) == 1, body
        fingerprints.append(record["body_fingerprint"])
        bodies.append(body)
        otps.append(otp)

    assert otps[0] != otps[1]
    assert bodies[0] != bodies[1] and bodies[0].replace(otps[0].encode(), otps[1].encode()) == bodies[1]
    # The fingerprint is the body with the OTP masked: the same for both OTPs.
    assert fingerprints[0] == fingerprints[1] == hashlib.sha256(bodies[0].replace(otps[0].encode(), b"******")).hexdigest()
    # Brute force over every 6-digit OTP: no candidate body hashes to the fingerprint (nothing singles out the
    # real OTP), while the unmasked hash an old record kept would have given it away.
    prefix, suffix = bodies[0].split(otps[0].encode())
    target = bytes.fromhex(fingerprints[0])
    matches = [
        c for c in range(100_000, 1_000_000) if hashlib.sha256(prefix + str(c).encode() + suffix).digest() == target
    ]
    assert matches == []
    unmasked = hashlib.sha256(bodies[0]).digest()
    assert [c for c in range(int(otps[0]) - 5, int(otps[0]) + 5) if hashlib.sha256(prefix + str(c).encode() + suffix).digest() == unmasked] == [int(otps[0])]


def test_an_otp_whose_digits_also_occur_elsewhere_in_the_body_is_not_singled_out(sandbox: refundkit.Sandbox) -> None:
    """Only the OTP field is masked: an OTP whose digits also stand in ``initiator_id`` gives the same fingerprint as
    any other candidate (masking every occurrence of the digits would single it out)."""
    transport = Recording(refundkit.builtin_transport())
    client = eko_client(sandbox, transport)
    tx = sandbox.create_eko_transaction(1_000)
    otp = sandbox.credentials().eko_initiator_id[2:8]  # a (wrong) OTP that is also part of initiator_id
    assert not otp.startswith("0")
    report = asyncio.run(client.refund(tx.tid, otp))
    assert report.outcome.status == refundkit.RefundStatus.FAILED, "a wrong OTP moves nothing"
    fingerprint = json.loads(report.record_json or "{}")["body_fingerprint"]
    (body,) = [r.body for r in transport.seen if eko_is_refund(r)]
    field = b'"otp":' + otp.encode()
    assert body.count(field) == 1
    assert otp.encode() in body.replace(field, b""), "the digits also stand elsewhere in the body"
    prefix, suffix = body.split(field)
    # The fingerprint is the body with the OTP field masked, the same for every candidate OTP.
    assert fingerprint == hashlib.sha256(prefix + b'"otp":******' + suffix).hexdigest()
    unmasked_candidates = [hashlib.sha256(prefix + b'"otp":' + str(c).encode() + suffix).hexdigest() for c in (int(otp), 123456)]
    assert fingerprint not in unmasked_candidates


# ---------------------------------------------------------------------------------------------------------------
# 6. The built-in transport awaited directly from Python

def refund_otp_request(sb: refundkit.Sandbox, tid: str) -> refundkit.HttpRequest:
    c = sb.credentials()
    options = refundkit.EkoOptions(
        base_url=sb.eko_base_url(), initiator_id=c.eko_initiator_id, user_code=c.eko_user_code
    )
    return refundkit.EkoClient(options, c.eko_developer_key, c.eko_access_key).build_refund_otp(tid)


def test_builtin_transport_send_is_awaitable_from_asyncio_and_from_a_plain_thread(
    sandbox: refundkit.Sandbox,
) -> None:
    transport = refundkit.builtin_transport()
    tx = sandbox.create_eko_transaction(5_000)

    async def send() -> refundkit.HttpResponse:
        return await transport.send(refund_otp_request(sandbox, tx.tid))

    on_loop = asyncio.run(send())
    in_thread: List[refundkit.HttpResponse] = []
    failures: List[BaseException] = []

    def thread_main() -> None:
        try:
            in_thread.append(asyncio.run(send()))
        except BaseException as e:  # noqa: BLE001 - reported below
            failures.append(e)

    t = threading.Thread(target=thread_main, name="plain-thread")
    t.start()
    t.join(120)
    assert not t.is_alive() and failures == [], failures
    for response in (on_loop, in_thread[0]):
        assert response.status == 200, response
        outcome = refundkit.eko_interpret_refund_otp(response)
        assert outcome.reason == refundkit.RefundReason.OTP_SENT, outcome
    assert sandbox.ledger() == [], "asking for an OTP moves no money"


def test_claimed_elsewhere_error_is_exported_and_typed() -> None:
    assert "ClaimedElsewhereError" in refundkit.__all__
    assert refundkit.ClaimedElsewhereError is cast(Any, refundkit.RefundkitError).ClaimedElsewhere
    assert issubclass(refundkit.ClaimedElsewhereError, refundkit.RefundkitError)
    e = refundkit.ClaimedElsewhereError(reference="R1", until_ms=1_700_000_120_000)
    assert (e.reference, e.until_ms) == ("R1", 1_700_000_120_000)



# ---------------------------------------------------------------------------------------------------------------
# 7. Owners and tombstones from Python

def test_a_worker_with_its_old_owner_id_takes_back_its_claim_and_tombstones_can_be_purged(
    sandbox: refundkit.Sandbox, tmp_path: Path
) -> None:
    """A restarted worker given its old ``owner`` resumes its records at once; another worker gets
    ``ClaimedElsewhereError`` until the lease ends. A refunded reference leaves a tombstone (a later ``refund`` sends
    nothing) that ``purge_refunded_attempts`` removes."""
    store = refundkit.directory_attempt_store(str(tmp_path))
    c = sandbox.credentials()
    options = refundkit.EkoOptions(base_url=sandbox.eko_base_url(), initiator_id=c.eko_initiator_id, user_code=c.eko_user_code)

    def client(owner: str, transport: refundkit.HttpTransport) -> refundkit.EkoRefunds:
        return refundkit.EkoRefunds(
            options, c.eko_developer_key, c.eko_access_key, transport, FAST, store=store, owner=owner
        )

    transport = Recording(refundkit.builtin_transport())
    tx = sandbox.create_eko_transaction(1_000)
    asyncio.run(client("w1", transport).send_refund_otp(tx.tid))
    otp = sandbox.otp_for(tx.tid)
    assert otp
    report = asyncio.run(client("w1", transport).refund(tx.tid, otp))
    assert report.outcome.status == refundkit.RefundStatus.SUCCEEDED
    assert asyncio.run(store.unresolved()) == [], "a tombstone is not unresolved"

    # A second refund of the refunded reference sends nothing, from any worker.
    sends = sum(1 for r in transport.seen if eko_is_refund(r))
    again = asyncio.run(client("w2", transport).refund(tx.tid, otp))
    assert (again.outcome.status, again.money_moving_sends) == (refundkit.RefundStatus.SUCCEEDED, 0)
    assert sum(1 for r in transport.seen if eko_is_refund(r)) == sends

    # A record held by worker w1 (as a crashed w1 leaves it): w2 is refused, w1 (restarted, same owner) goes ahead.
    record = json.loads(report.record_json or "{}")
    record.update(reference="77777777", refunded_at_ms=None, claim={"owner": "w1", "until_ms": 2**53})
    record.pop("refunded_at_ms")
    held = json.dumps(record)
    key = "eko." + "".join(ch if ch.islower() or ch.isdigit() or ch == "-" else f"_{ord(ch):02x}" for ch in record["account"]) + ".77777777"
    asyncio.run(store.save(key, held))
    with pytest.raises(refundkit.ClaimedElsewhereError):
        asyncio.run(client("w2", transport).resume(held))
    resumed = asyncio.run(client("w1", transport).resume(held))
    assert resumed.money_moving_sends == 0

    purged = asyncio.run(refundkit.purge_refunded_attempts(store, 2**53))
    assert purged == 1
    fresh = asyncio.run(client("w3", transport).refund(tx.tid, otp))
    assert fresh.money_moving_sends == 1, "after the purge the reference is no longer known"


def test_a_sqlite_store_keeps_an_unclear_refund_until_it_is_resolved(sandbox: refundkit.Sandbox, tmp_path: Path) -> None:
    """``sqlite_attempt_store``: the record of a refund whose answer was lost stays until ``resume`` settles it."""
    store = refundkit.sqlite_attempt_store(str(tmp_path / "attempts.db"))
    sandbox.set_faults("drop_after_commit@eko.initiate_refund")
    transport = Recording(refundkit.builtin_transport())
    client = eko_client(sandbox, transport, store)
    tx = sandbox.create_eko_transaction(1_000)
    asyncio.run(client.send_refund_otp(tx.tid))
    otp = sandbox.otp_for(tx.tid)
    assert otp
    report = asyncio.run(client.refund(tx.tid, otp))
    # The inquiry right after the dropped answer already sees the committed refund.
    assert report.outcome.status == refundkit.RefundStatus.SUCCEEDED
    assert report.money_moving_sends == 1
    assert asyncio.run(store.unresolved()) == []
