"""The refund clients for synchronous code (Django/Flask views, scripts, back-office jobs, Celery tasks).

The refund clients (:class:`refundkit.EkoRefunds`, :class:`refundkit.PaytmRefunds`, :class:`refundkit.Upi360Refunds`)
are asyncio clients: their methods are coroutines. Which API to use:

- **asyncio code** (FastAPI, aiohttp, any ``async def``): use the clients directly and ``await`` their methods.
- **synchronous code**: use the ``*Blocking`` wrappers of this module (same constructor arguments, same methods,
  plain return values), or :func:`run` on any refundkit coroutine.

Both accept the same ``async`` Python transports, signers and stores. Under the blocking API they run on one private
event loop that refundkit starts in a daemon thread on first use (:func:`event_loop`), shared by every blocking call
from every thread: an ``aiohttp``/``httpx.AsyncClient`` session your transport keeps therefore always lives on the
same loop. Blocking calls may be made from any number of threads at once, but never from inside your own transport,
signer or store (that would wait on the loop it runs on: :func:`run` refuses with ``RuntimeError``).

Do not call :func:`refundkit.uniffi_set_event_loop` for either API: refundkit polls its futures and calls your async
callbacks on the loop that awaits the client's coroutine.

Example::

    import refundkit
    from refundkit.blocking import EkoRefundsBlocking

    client = EkoRefundsBlocking(refundkit.eko_uat_options(), developer_key, access_key,
                                refundkit.builtin_transport(),
                                store=refundkit.directory_attempt_store("/var/lib/app/refunds"))
    report = client.refund(tid, otp)           # blocks; returns a refundkit.RefundReport
    results = client.inquire_many(tids)       # blocks; one refundkit.BulkResult per tid, in order

Bulk calls (``inquire_many``, ``status_many``, ``resume_many``) run the whole batch inside refundkit in one call, like
their async forms; ``timeout`` covers the whole batch, and cancelling a batch (timeout, ``KeyboardInterrupt``) stops
it: items not yet started send nothing. Bulk calls only read (inquiry, status, resume by inquiry): cancelling one
moves no money.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Coroutine, List, Optional, Sequence, TypeVar

from . import (
    AttemptStore,
    BulkProgress,
    BulkResult,
    Clock,
    EkoOptions,
    EkoRefunds,
    HttpTransport,
    PaytmOptions,
    PaytmRefundApply,
    PaytmRefunds,
    PaytmStatusQuery,
    RandomSource,
    RefundReport,
    RequestSigner,
    RetryPolicy,
    Upi360Options,
    Upi360RefundRequest,
    Upi360Refunds,
    Upi360StatusRequest,
)

__all__ = ["EkoRefundsBlocking", "PaytmRefundsBlocking", "Upi360RefundsBlocking", "event_loop", "run"]

T = TypeVar("T")

_lock = threading.Lock()
_loop: Optional[asyncio.AbstractEventLoop] = None
_thread: Optional[threading.Thread] = None


def event_loop() -> asyncio.AbstractEventLoop:
    """The private event loop blocking calls run on (started in a daemon thread on first use)."""
    global _loop, _thread
    with _lock:
        if _loop is None or _thread is None or not _thread.is_alive():
            loop = asyncio.new_event_loop()
            started = threading.Event()

            def serve() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(started.set)
                loop.run_forever()

            thread = threading.Thread(target=serve, name="refundkit-loop", daemon=True)
            thread.start()
            started.wait()
            _loop, _thread = loop, thread
        return _loop


def run(coro: Coroutine[Any, Any, T], timeout: Optional[float] = None) -> T:
    """Runs a refundkit coroutine (e.g. ``client.refund(tid, otp)``) to completion on the private loop and returns
    its result, or raises its exception (:class:`refundkit.RefundkitError` subclasses...).

    ``timeout`` (seconds) cancels the call when it expires and raises ``TimeoutError``. Cancelling a money-moving
    call is like a crash: its attempt record stays in the store, still claimed by this client until its lease
    (``RetryPolicy.claim_lease_ms``) ends; resolve it later with ``resume(record_json)`` on the same client (another
    client gets :class:`refundkit.ClaimedElsewhereError` until the lease ends), never by refunding again.
    """
    loop = event_loop()
    if threading.current_thread() is _thread:
        coro.close()
        raise RuntimeError(
            "refundkit.blocking.run was called on refundkit's own event loop (from a transport, signer or store?): "
            "await the coroutine instead"
        )
    future = asyncio.run_coroutine_threadsafe(coro, loop)
    try:
        return future.result(timeout)
    except BaseException:
        future.cancel()  # a timeout or KeyboardInterrupt: stop the call; a no-op once it has finished
        raise


class _ResumeMany:
    """``resume_many`` for every blocking client (the same call on each provider's async client)."""

    client: Any

    def resume_many(
        self,
        record_jsons: Sequence[str],
        concurrency: int = 32,
        rate_per_second: Optional[float] = None,
        progress: Optional[BulkProgress] = None,
        timeout: Optional[float] = None,
    ) -> List[BulkResult]:
        """Resolves every attempt record in one call, as :meth:`resume` does for one: by inquiry (Eko) or status polls
        (Paytm, Refund 360) only; never re-sends a refund. One :class:`refundkit.BulkResult` per record, in input
        order (an unreadable record is an ``InvalidInput`` error in its place). At most ``concurrency`` in flight, at
        most ``rate_per_second`` started per second, ``progress`` told as items finish; ``timeout`` (seconds) covers
        the whole batch (see :func:`run`)."""
        return run(self.client.resume_many(list(record_jsons), concurrency, rate_per_second, progress), timeout)


class EkoRefundsBlocking(_ResumeMany):
    """:class:`refundkit.EkoRefunds` for synchronous code: same arguments, methods block and return the report.

    Each method takes an optional ``timeout`` in seconds (see :func:`run`). ``client`` is the async client inside.
    """

    def __init__(
        self,
        options: EkoOptions,
        developer_key: str,
        access_key: str,
        transport: HttpTransport,
        policy: Optional[RetryPolicy] = None,
        signer: Optional[RequestSigner] = None,
        store: Optional[AttemptStore] = None,
        clock: Optional[Clock] = None,
    ) -> None:
        self.client = EkoRefunds(options, developer_key, access_key, transport, policy, signer, store, clock)

    def send_refund_otp(self, tid: str, timeout: Optional[float] = None) -> RefundReport:
        """Get / Resend Refund OTP (moves no money)."""
        return run(self.client.send_refund_otp(tid), timeout)

    def refund(
        self, tid: str, otp: str, otp_ref_id: Optional[str] = None, timeout: Optional[float] = None
    ) -> RefundReport:
        """Initiate Refund with the customer's OTP. **Moves money**: sent once; resolved by inquiry if unclear.

        Raises :class:`refundkit.ClaimedElsewhereError` (nothing sent) while another worker holds this ``tid``'s
        attempt record; a ``tid`` whose record still exists is resolved by inquiry, never sent again."""
        return run(self.client.refund(tid, otp, otp_ref_id), timeout)

    def inquiry(self, tid: str, timeout: Optional[float] = None) -> RefundReport:
        """Transaction Inquiry on ``tid``, retried while indeterminate."""
        return run(self.client.inquiry(tid), timeout)

    def resume(self, record_json: str, timeout: Optional[float] = None) -> RefundReport:
        """Resolves an attempt record (from a report or the store) by inquiry only; never re-sends the refund."""
        return run(self.client.resume(record_json), timeout)

    def inquire_many(
        self,
        tids: Sequence[str],
        concurrency: int = 32,
        rate_per_second: Optional[float] = None,
        progress: Optional[BulkProgress] = None,
        timeout: Optional[float] = None,
    ) -> List[BulkResult]:
        """Transaction Inquiry on every ``tid`` in one call (see :meth:`refundkit.EkoRefunds.inquire_many`): at most
        ``concurrency`` in flight, at most ``rate_per_second`` started per second, ``progress`` told as items finish.
        One :class:`refundkit.BulkResult` per tid, in input order; a bad tid is an error in its place, never a
        raised exception. ``timeout`` (seconds) covers the whole batch (see :func:`run`)."""
        return run(self.client.inquire_many(list(tids), concurrency, rate_per_second, progress), timeout)

    def __repr__(self) -> str:
        return "EkoRefundsBlocking({!r})".format(self.client)


class PaytmRefundsBlocking(_ResumeMany):
    """:class:`refundkit.PaytmRefunds` for synchronous code: same arguments, methods block and return the report."""

    def __init__(
        self,
        options: PaytmOptions,
        merchant_key: str,
        transport: HttpTransport,
        policy: Optional[RetryPolicy] = None,
        signer: Optional[RequestSigner] = None,
        store: Optional[AttemptStore] = None,
        clock: Optional[Clock] = None,
        random: Optional[RandomSource] = None,
    ) -> None:
        self.client = PaytmRefunds(options, merchant_key, transport, policy, signer, store, clock, random)

    def refund(self, apply: PaytmRefundApply, timeout: Optional[float] = None) -> RefundReport:
        """Refund Apply. **Moves money**: sent once; then Refund Status polls with the same ``ref_id``.

        Raises :class:`refundkit.ClaimedElsewhereError` (nothing sent) while another worker holds this ``ref_id``."""
        return run(self.client.refund(apply), timeout)

    def status(self, order_id: str, ref_id: str, timeout: Optional[float] = None) -> RefundReport:
        """Refund Status, retried while indeterminate."""
        return run(self.client.status(order_id, ref_id), timeout)

    def resume(self, record_json: str, timeout: Optional[float] = None) -> RefundReport:
        """Resolves an attempt record by status polls only."""
        return run(self.client.resume(record_json), timeout)

    def status_many(
        self,
        queries: Sequence[PaytmStatusQuery],
        concurrency: int = 32,
        rate_per_second: Optional[float] = None,
        progress: Optional[BulkProgress] = None,
        timeout: Optional[float] = None,
    ) -> List[BulkResult]:
        """Refund Status for every :class:`refundkit.PaytmStatusQuery` in one call, never creating a refund: at most ``concurrency`` in flight, at most
        ``rate_per_second`` started per second, ``progress`` told as items finish. One :class:`refundkit.BulkResult`
        per item, in input order; a bad item is an error in its place, never a raised exception. ``timeout``
        (seconds) covers the whole batch (see :func:`run`)."""
        return run(self.client.status_many(list(queries), concurrency, rate_per_second, progress), timeout)

    def __repr__(self) -> str:
        return "PaytmRefundsBlocking({!r})".format(self.client)


class Upi360RefundsBlocking(_ResumeMany):
    """:class:`refundkit.Upi360Refunds` for synchronous code: same arguments, methods block and return the report."""

    def __init__(
        self,
        options: Upi360Options,
        signing_key: str,
        psp_public_key_pem: str,
        transport: HttpTransport,
        policy: Optional[RetryPolicy] = None,
        signer: Optional[RequestSigner] = None,
        store: Optional[AttemptStore] = None,
        clock: Optional[Clock] = None,
    ) -> None:
        self.client = Upi360Refunds(
            options, signing_key, psp_public_key_pem, transport, policy, signer, store, clock
        )

    def refund(self, request: Upi360RefundRequest, timeout: Optional[float] = None) -> RefundReport:
        """Refund 360. **Moves money**: sent once; PENDING / DEEMED / no answer are polled by status, same id.

        Raises :class:`refundkit.ClaimedElsewhereError` (nothing sent) while another worker holds this id."""
        return run(self.client.refund(request), timeout)

    def status(self, request: Upi360StatusRequest, timeout: Optional[float] = None) -> RefundReport:
        """Refund Status, retried while indeterminate. Never creates a refund."""
        return run(self.client.status(request), timeout)

    def resume(self, record_json: str, timeout: Optional[float] = None) -> RefundReport:
        """Resolves an attempt record by status polls only."""
        return run(self.client.resume(record_json), timeout)

    def status_many(
        self,
        requests: Sequence[Upi360StatusRequest],
        concurrency: int = 32,
        rate_per_second: Optional[float] = None,
        progress: Optional[BulkProgress] = None,
        timeout: Optional[float] = None,
    ) -> List[BulkResult]:
        """Refund Status for every :class:`refundkit.Upi360StatusRequest` in one call, never creating a refund: at most ``concurrency`` in flight, at most
        ``rate_per_second`` started per second, ``progress`` told as items finish. One :class:`refundkit.BulkResult`
        per item, in input order; a bad item is an error in its place, never a raised exception. ``timeout``
        (seconds) covers the whole batch (see :func:`run`)."""
        return run(self.client.status_many(list(requests), concurrency, rate_per_second, progress), timeout)

    def __repr__(self) -> str:
        return "Upi360RefundsBlocking({!r})".format(self.client)
