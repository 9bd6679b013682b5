"""Where a bulk call runs, and that cancelling it stops it.

A client whose transport is ``builtin_transport()`` and which has no Python signer or store runs a whole bulk call
inside Rust, on refundkit's runtime: the event loop is woken once for the batch, and the progress sink is called from a
refundkit thread. A client with a Python transport (or signer, or store) runs the batch on the caller's event loop,
since its coroutines can only run there. Cancelling the Python task cancels the batch either way: items not started
send nothing. No assertion here depends on timing: the cancellation test holds the batch still inside a progress call
(concurrency 1), cancels, then lets it go.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any, Iterator, List, Set

import pytest

import refundkit
from refundkit._native import refundkit as generated

FAST = refundkit.RetryPolicy(base_delay_ms=1, max_delay_ms=5)


@pytest.fixture
def sandbox() -> Iterator[refundkit.Sandbox]:
    sb = refundkit.Sandbox.start(seed=23)
    try:
        yield sb
    finally:
        sb.stop()


def eko_client(sb: refundkit.Sandbox, transport: Any = None, store: Any = None) -> refundkit.EkoRefunds:
    c = sb.credentials()
    options = refundkit.EkoOptions(
        base_url=sb.eko_base_url(), initiator_id=c.eko_initiator_id, user_code=c.eko_user_code
    )
    return refundkit.EkoRefunds(
        options,
        c.eko_developer_key,
        c.eko_access_key,
        transport or refundkit.builtin_transport(),
        FAST,
        store=store,
    )


class PythonTransport(refundkit.HttpTransport):
    """An app's own transport (a Python coroutine), forwarding to the built-in one."""

    def __init__(self) -> None:
        self.inner = refundkit.builtin_transport()

    async def send(self, request: refundkit.HttpRequest) -> refundkit.HttpResponse:
        return await self.inner.send(request)


class ThreadRecorder(generated.BulkProgress):
    def __init__(self) -> None:
        self.threads: Set[int] = set()
        self.last = 0

    def on_progress(self, done: int, total: int) -> None:
        self.threads.add(threading.get_ident())
        self.last = done


def tids(sb: refundkit.Sandbox, n: int) -> List[str]:
    return [sb.create_eko_transaction(1000 + i).tid for i in range(n)]


def test_builtin_parts_run_the_batch_inside_rust(sandbox: refundkit.Sandbox) -> None:
    refs = tids(sandbox, 40)

    async def main() -> "tuple[int, List[refundkit.BulkResult]]":
        progress = ThreadRecorder()
        results = await eko_client(sandbox).inquire_many(refs, concurrency=8, progress=progress)
        assert progress.last == len(refs)
        assert len(progress.threads) >= 1
        loop_thread = threading.get_ident()
        assert loop_thread not in progress.threads, "a built-in client's batch must not run on the event loop"
        return loop_thread, results

    _, results = asyncio.run(main())
    assert len(results) == len(refs)
    for tid, r in zip(refs, results):
        assert r.is_report(), r
        assert r.report.reference == tid
        assert r.report.money_moving_sends == 0


def test_built_in_stores_keep_the_batch_inside_rust(sandbox: refundkit.Sandbox, tmp_path: Any) -> None:
    refs = tids(sandbox, 10)

    async def main() -> Set[int]:
        progress = ThreadRecorder()
        client = eko_client(sandbox, store=refundkit.directory_attempt_store(str(tmp_path)))
        await client.inquire_many(refs, concurrency=4, progress=progress)
        assert threading.get_ident() not in progress.threads
        return progress.threads

    assert asyncio.run(main())


def test_a_python_transport_runs_the_batch_on_the_event_loop(sandbox: refundkit.Sandbox) -> None:
    refs = tids(sandbox, 20)

    async def main() -> None:
        progress = ThreadRecorder()
        results = await eko_client(sandbox, PythonTransport()).inquire_many(refs, concurrency=8, progress=progress)
        assert progress.threads == {threading.get_ident()}
        assert all(r.is_report() for r in results)

    asyncio.run(main())


class CountingSink(generated.LogSink):
    """Counts the requests refundkit sends for the given references (its "sending" debug lines)."""

    def __init__(self, refs: List[str]) -> None:
        self.refs = set(refs)
        self.sent: List[str] = []
        self.lock = threading.Lock()

    def log(self, level: Any, target: str, message: str) -> None:
        words = message.split()
        if "sending" not in words:
            return
        for ref in self.refs:
            if f"reference={ref}" in words:
                with self.lock:
                    self.sent.append(ref)


class HoldOnFirst(generated.BulkProgress):
    """Blocks the batch inside its first progress call until released; records every call."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()
        self.ended = threading.Event()
        self.calls: List[int] = []

    def on_progress(self, done: int, total: int) -> None:
        self.calls.append(done)
        if done == 1:
            self.reached.set()
            self.release.wait(30)
        if done == total:
            self.ended.set()


def test_cancelling_the_task_stops_a_native_batch(sandbox: refundkit.Sandbox) -> None:
    refs = tids(sandbox, 20)
    sink = CountingSink(refs)
    generated.set_log_sink(sink, generated.LogLevel.DEBUG)
    try:

        async def main() -> None:
            hold = HoldOnFirst()
            client = eko_client(sandbox)
            task = asyncio.ensure_future(client.inquire_many(refs, concurrency=1, progress=hold))
            loop = asyncio.get_running_loop()
            # The first item is answered and the batch is held inside its progress call, off the event loop.
            assert await loop.run_in_executor(None, hold.reached.wait, 30)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            hold.release.set()
            # The batch goes on to its end, every other item reporting "cancelled" without sending.
            assert await loop.run_in_executor(None, hold.ended.wait, 30)
            assert hold.calls == list(range(1, len(refs) + 1))

        asyncio.run(main())
    finally:
        generated.clear_log_sink()
    assert sink.sent == refs[:1], f"after the cancel nothing more may be sent, sent: {sink.sent}"
