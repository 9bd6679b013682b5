"""The worker process of ``test_safety.py``'s two-process race (run as ``python _safety_worker.py CONFIG``): one
Paytm refund client on the shared directory store, counting every Refund Apply it sends in a file of its own.

It needs only refundkit (no pytest), and prints ``ready``, waits for ``go`` on stdin, refunds every reference at once
and prints one JSON line: reference -> what happened (a report, ClaimedElsewhere, or any other error).
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from pathlib import Path
from typing import Any, Dict, Tuple

import refundkit


def paytm_is_apply(r: refundkit.HttpRequest) -> bool:
    """Whether ``r`` is Paytm's Refund Apply (the money-moving request)."""
    return r.url.endswith("/refund/apply")


def paytm_ref_id(r: refundkit.HttpRequest) -> str:
    """The ``refId`` of a Paytm request body."""
    return str(json.loads(r.body.decode("utf-8"))["body"]["refId"])


def paytm_options(base_url: str, mid: str) -> refundkit.PaytmOptions:
    """Paytm options pointed at a sandbox."""
    return refundkit.PaytmOptions(mid=mid, environment=refundkit.PaytmEnvironment.STAGING, base_url=base_url)


class CountingTransport(refundkit.HttpTransport):
    """Forwards everything; before each Refund Apply leaves, creates a file ``<worker>.<refId>.<unique>`` in
    ``counts`` (so a send is counted even if the process dies right after it)."""

    def __init__(self, inner: refundkit.HttpTransport, counts: Path, worker: str) -> None:
        self.inner, self.counts, self.worker = inner, counts, worker

    async def send(self, request: refundkit.HttpRequest) -> refundkit.HttpResponse:
        if paytm_is_apply(request):
            (self.counts / "{}.{}.{}".format(self.worker, paytm_ref_id(request), uuid.uuid4().hex)).touch(exist_ok=False)
        return await self.inner.send(request)


def main(config_path: str) -> None:
    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    worker = config["worker"]
    transport = CountingTransport(refundkit.builtin_transport(), Path(config["counts"]), worker)
    client = refundkit.PaytmRefunds(
        paytm_options(config["base_url"], config["mid"]),
        config["merchant_key"],
        transport,
        refundkit.RetryPolicy(base_delay_ms=1, max_delay_ms=5, max_polls=2),
        store=refundkit.directory_attempt_store(config["store"]),
    )

    async def one(order: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
        apply = refundkit.PaytmRefundApply(
            order_id=order["order_id"],
            ref_id=order["ref_id"],
            txn_id=order["txn_id"],
            refund_amount_paise=order["amount_paise"],
        )
        try:
            report = await client.refund(apply)
        except refundkit.ClaimedElsewhereError as e:
            return order["ref_id"], {"claimed_elsewhere": e.reference, "until_ms": e.until_ms}
        except Exception as e:  # noqa: BLE001 - reported to the parent, which fails the test
            return order["ref_id"], {"error": "{}: {}".format(type(e).__name__, e)}
        return order["ref_id"], {
            "sends": report.money_moving_sends,
            "status": report.outcome.status.name,
            "warnings": list(report.outcome.warnings),
        }

    async def everything() -> Dict[str, Dict[str, Any]]:
        # Opposite orders: the two workers meet on every reference from both sides.
        orders = config["orders"] if worker == "a" else list(reversed(config["orders"]))
        return dict(await asyncio.gather(*(one(o) for o in orders)))

    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        raise SystemExit("no go")
    print(json.dumps(asyncio.run(everything())), flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: _safety_worker.py CONFIG")
    main(sys.argv[1])
