"""Eko Transaction Inquiries per second against the refundkit sandbox running in another process, side by side:

  (a) refundkit ``await eko.inquire_many(tids, concurrency=32)``: the whole batch in one FFI call, run inside Rust;
  (b) refundkit per-call asyncio: ``await eko.inquiry(tid)`` with 32 in flight (one FFI crossing per inquiry);
  (c) Eko's official Python SDK (``eps-sdk``, ``EpsClient.call("transaction-inquiry", ...)``) on 32 threads.

Usage (the venv of ``bash python/test.sh``, with ``pip install eps-sdk`` for (c)):

    ~/.cache/refundkit/venv/bin/python python/bench/bulk_inquiries.py [--count 2000] [--concurrency 32] [--rounds 3]

The sandbox is started in a child process (``refundkit.Sandbox`` via ``python -c``), so the server's work is not
counted against the clients. Every mode inquires the same ``--count`` transactions; each round runs the modes in
turn and the best round of each is reported (the machine may be shared). Every answer is checked (a mode whose
inquiries fail is reported as failed, not fast).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional

import refundkit

SERVER = r"""
import json, sys, refundkit
sb = refundkit.Sandbox.start(port=0, seed=42)
count = int(sys.argv[1])
tids = [sb.create_eko_transaction(1000 + i % 500).tid for i in range(count)]
c = sb.credentials()
print(json.dumps({
    "eko_base_url": sb.eko_base_url(),
    "developer_key": c.eko_developer_key,
    "access_key": c.eko_access_key,
    "initiator_id": c.eko_initiator_id,
    "user_code": c.eko_user_code,
    "tids": tids,
}), flush=True)
sys.stdin.read()  # until the parent closes our stdin
sb.stop()
"""


def start_sandbox(count: int) -> "tuple[subprocess.Popen[str], Dict[str, Any]]":
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(count)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise SystemExit("the sandbox process did not start")
    return proc, json.loads(line)


def refundkit_client(info: Dict[str, Any]) -> refundkit.EkoRefunds:
    options = refundkit.EkoOptions(
        base_url=info["eko_base_url"], initiator_id=info["initiator_id"], user_code=info["user_code"]
    )
    return refundkit.EkoRefunds(options, info["developer_key"], info["access_key"], refundkit.builtin_transport())


def answered(report: refundkit.RefundReport) -> bool:
    """An inquiry the sandbox answered with the transaction's state (not an error, not indeterminate)."""
    return report.outcome.raw.http_status == 200 and report.outcome.status != refundkit.RefundStatus.INDETERMINATE


async def mode_bulk(client: refundkit.EkoRefunds, tids: List[str], concurrency: int) -> int:
    results = await client.inquire_many(tids, concurrency=concurrency)
    return sum(1 for r in results if r.is_report() and answered(r.report))


async def mode_per_call(client: refundkit.EkoRefunds, tids: List[str], concurrency: int) -> int:
    gate = asyncio.Semaphore(concurrency)

    async def one(tid: str) -> bool:
        async with gate:
            return answered(await client.inquiry(tid))

    return sum(await asyncio.gather(*(one(t) for t in tids)))


def eps_client(info: Dict[str, Any]) -> Optional[Any]:
    try:
        from eps_sdk import EpsClient
    except ImportError:
        return None
    client = EpsClient(
        developer_key=info["developer_key"],
        access_key=info["access_key"],
        environment="sandbox",
        initiator_id=info["initiator_id"],
        user_code=info["user_code"],
    )
    client.base_url = info["eko_base_url"]  # the SDK knows Eko's hosts only; point it at the local sandbox
    return client


def mode_eps(client: Any, tids: List[str], concurrency: int) -> int:
    def one(tid: str) -> bool:
        try:
            answer = client.call("transaction-inquiry", {"tid": tid})
        except Exception:  # noqa: BLE001 - a failed inquiry counts as not answered
            return False
        return isinstance(answer, dict) and str(answer.get("status")) == "0"

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return sum(pool.map(one, tids))


def timed(run: Callable[[], int]) -> "tuple[float, int]":
    start = time.perf_counter()
    ok = run()
    return time.perf_counter() - start, ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=2000, help="Eko transactions to inquire per mode")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight per mode")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the best of each mode is reported")
    args = parser.parse_args()

    proc, info = start_sandbox(args.count)
    try:
        tids: List[str] = info["tids"]
        client = refundkit_client(info)
        eps = eps_client(info)
        # Warm-up: connection pools, code paths, the sandbox's first answers.
        asyncio.run(mode_bulk(client, tids[:100], args.concurrency))
        asyncio.run(mode_per_call(client, tids[:100], args.concurrency))
        if eps is not None:
            mode_eps(eps, tids[:100], args.concurrency)

        modes: Dict[str, Callable[[], int]] = {
            "(a) refundkit inquire_many": lambda: asyncio.run(mode_bulk(client, tids, args.concurrency)),
            "(b) refundkit per-call asyncio": lambda: asyncio.run(mode_per_call(client, tids, args.concurrency)),
        }
        if eps is not None:
            modes["(c) eps-sdk, threads"] = lambda: mode_eps(eps, tids, args.concurrency)
        best: Dict[str, float] = {}
        for round_no in range(1, args.rounds + 1):
            for name, run in modes.items():
                seconds, ok = timed(run)
                rate = args.count / seconds
                status = "ok" if ok == args.count else "FAILED: {} of {} answered".format(ok, args.count)
                print("round {}  {:32} {:8.0f} inquiries/s  ({:.2f} s, {})".format(round_no, name, rate, seconds, status))
                if ok == args.count:
                    best[name] = max(best.get(name, 0.0), rate)
        print()
        print("{} Eko inquiries per mode, {} in flight, sandbox in another process (best of {} rounds):".format(
            args.count, args.concurrency, args.rounds))
        for name, rate in best.items():
            print("  {:32} {:8.0f} inquiries/s".format(name, rate))
        a, b, c = (best.get(k) for k in list(modes) + [None] * (3 - len(modes)))
        if a and b:
            print("  (a) / (b) = {:.2f}x".format(a / b))
        if c:
            if a:
                print("  (a) / (c) = {:.2f}x   (goal: >= 5x)".format(a / c))
            if b:
                print("  (b) / (c) = {:.2f}x".format(b / c))
        elif eps is None:
            print("  (c) skipped: eps-sdk is not installed (pip install eps-sdk)")
    finally:
        if proc.stdin:
            proc.stdin.close()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
