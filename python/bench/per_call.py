"""Per-call cost of refundkit's Python API against the official pure-Python libraries, side by side in one process:

  Paytm   ``refundkit.paytm_checksum`` / ``paytm_verify``  vs  ``paytmchecksum`` (Paytm's official Python library:
          ``PaytmChecksum.generateSignature`` / ``verifySignature``, AES from pycryptodome)
  Eko     ``refundkit.eko_secret_key``                     vs  ``eps_sdk.sign_secret_key`` (Eko's official SDK, 3.0.12)
  build   ``EkoClient.build_initiate_refund``              vs  ``EpsClient.resolve_target("initiate-refund", ...)``
          ``PaytmClient.build_refund_apply``                vs  ``json.dumps`` + ``generateSignature`` + envelope
          (what the official library leaves to you)
  floor   one uniffi crossing (``refundkit.format_rupees(1250)``: an int in, a short str out), and Python's own
          ``hmac`` for the Eko signature (C code, no FFI)

``refundkit (generated)`` rows call the uniffi-generated function directly (``refundkit._native.refundkit.*``): that
is what ``refundkit.paytm_checksum`` / ``paytm_verify`` / ``eko_secret_key`` were before the zero-copy ``&[u8]``
fast path (``*_utf8`` exports), so the table shows before and after in the same run.

Usage (the venv of ``bash python/test.sh``, plus ``pip install paytmchecksum pycryptodome eps-sdk==3.0.12``):

    $REFUNDKIT_CACHE/venv/bin/python python/bench/per_call.py [--rounds 3] [--min-time 0.2]

Each round times every case in turn (best of 5 repeats of a timeit loop sized to ``--min-time`` seconds); the table
shows the range over rounds, in microseconds per call (lower is better). Results are checked before timing (every
implementation must agree with the others on a known answer). Missing optional libraries are reported and skipped.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import timeit
from typing import Callable, Dict, List, Optional, Tuple

import refundkit
from refundkit._native import refundkit as generated

# Fake keys from tests/vectors (paytm_checksum.json V2; Eko's documented golden vector). Never real credentials.
PAYTM_KEY = "Test&Key#12345$@"
PAYTM_MID = "INTEGR7769XXXXXX9383"
PAYTM_BODY = (
    '{"mid":"INTEGR7769XXXXXX9383","txnType":"REFUND","orderId":"OREDRID_98765",'
    '"txnId":"202005081112128XXXXXX68470101509706","refId":"REFUNDID_98765","refundAmount":"1.00"}'
)
EKO_ACCESS_KEY = "TEST_ACCESS_KEY_DO_NOT_USE"
EKO_DEVELOPER_KEY = "becbbce45f79c6f5109f848acd540567"
EKO_SECRET = "u30ak/iOGwKCaspqCeiYng8fd98QDx7kF3DBBOadQHk="
TS = 1_700_000_000_000

Case = Tuple[str, str, Callable[[], object]]  # (group, implementation, call)


def cases() -> Tuple[List[Case], List[str]]:
    out: List[Case] = []
    skipped: List[str] = []
    signature = refundkit.paytm_checksum(PAYTM_BODY, PAYTM_KEY, "Xy9Z")

    # --- Paytm checksum ---------------------------------------------------------------------------------------
    assert refundkit.paytm_verify(PAYTM_BODY, PAYTM_KEY, refundkit.paytm_checksum(PAYTM_BODY, PAYTM_KEY))
    assert generated.paytm_verify(PAYTM_BODY, PAYTM_KEY, generated.paytm_checksum(PAYTM_BODY, PAYTM_KEY, None))
    out.append(("paytm checksum (sign)", "refundkit", lambda: refundkit.paytm_checksum(PAYTM_BODY, PAYTM_KEY)))
    out.append(
        ("paytm checksum (sign)", "refundkit (generated)", lambda: generated.paytm_checksum(PAYTM_BODY, PAYTM_KEY, None))
    )
    assert refundkit.paytm_verify(PAYTM_BODY, PAYTM_KEY, signature)
    out.append(("paytm verify", "refundkit", lambda: refundkit.paytm_verify(PAYTM_BODY, PAYTM_KEY, signature)))
    out.append(
        ("paytm verify", "refundkit (generated)", lambda: generated.paytm_verify(PAYTM_BODY, PAYTM_KEY, signature))
    )
    try:
        from paytmchecksum import PaytmChecksum  # type: ignore[import-not-found, import-untyped, unused-ignore]

        assert PaytmChecksum.calculateChecksum(PAYTM_BODY, PAYTM_KEY, "Xy9Z") == signature
        assert PaytmChecksum.verifySignature(PAYTM_BODY, PAYTM_KEY, signature)
        out.append(
            ("paytm checksum (sign)", "paytmchecksum", lambda: PaytmChecksum.generateSignature(PAYTM_BODY, PAYTM_KEY))
        )
        out.append(
            ("paytm verify", "paytmchecksum", lambda: PaytmChecksum.verifySignature(PAYTM_BODY, PAYTM_KEY, signature))
        )
    except ImportError as e:
        skipped.append("paytmchecksum ({})".format(e))
        PaytmChecksum = None

    # --- Eko secret-key -----------------------------------------------------------------------------------------
    assert refundkit.eko_secret_key(EKO_ACCESS_KEY, TS) == generated.eko_secret_key(EKO_ACCESS_KEY, TS) == EKO_SECRET
    out.append(("eko secret-key", "refundkit", lambda: refundkit.eko_secret_key(EKO_ACCESS_KEY, TS)))
    out.append(("eko secret-key", "refundkit (generated)", lambda: generated.eko_secret_key(EKO_ACCESS_KEY, TS)))
    import base64
    import hashlib
    import hmac

    hmac_key = base64.b64encode(EKO_ACCESS_KEY.encode())

    def python_hmac() -> str:
        return base64.b64encode(hmac.new(hmac_key, str(TS).encode(), hashlib.sha256).digest()).decode()

    assert python_hmac() == EKO_SECRET
    out.append(("eko secret-key", "python hmac (floor)", python_hmac))
    eps: Optional[object] = None
    try:
        import eps_sdk  # type: ignore[import-not-found, import-untyped, unused-ignore]

        assert eps_sdk.sign_secret_key(EKO_ACCESS_KEY, str(TS)) == EKO_SECRET
        out.append(("eko secret-key", "eps-sdk", lambda: eps_sdk.sign_secret_key(EKO_ACCESS_KEY, str(TS))))
        eps = eps_sdk.EpsClient(
            developer_key=EKO_DEVELOPER_KEY,
            access_key=EKO_ACCESS_KEY,
            environment="sandbox",
            initiator_id="9962981729",
            user_code="20810200",
            now=lambda: TS,
        )
    except ImportError as e:
        skipped.append("eps-sdk ({})".format(e))

    # --- request building ----------------------------------------------------------------------------------------
    eko = refundkit.EkoClient(
        refundkit.eko_uat_options(), EKO_DEVELOPER_KEY, EKO_ACCESS_KEY, clock=refundkit.fixed_clock(TS)
    )
    built = eko.build_initiate_refund("13192443", "123456", "zCIS+a/b=")
    assert built.body.startswith(b'{"initiator_id":"9962981729"')
    out.append(
        ("eko build initiate refund", "refundkit", lambda: eko.build_initiate_refund("13192443", "123456", "zCIS+a/b="))
    )
    if eps is not None:
        params = {"tid": "13192443", "otp": 123456, "otp_ref_id": "zCIS+a/b=", "service_code": 80, "state": 1}
        target = eps.resolve_target("initiate-refund", params)  # type: ignore[attr-defined]
        assert target.headers["secret-key"] == EKO_SECRET
        out.append(
            ("eko build initiate refund", "eps-sdk", lambda: eps.resolve_target("initiate-refund", params))  # type: ignore[attr-defined]
        )
    paytm = refundkit.PaytmClient(
        refundkit.PaytmOptions(mid=PAYTM_MID, environment=refundkit.PaytmEnvironment.STAGING),
        PAYTM_KEY,
        clock=refundkit.fixed_clock(TS),
    )
    txn = "202005081112128XXXXXX68470101509706"
    assert paytm.build_refund_apply("OREDRID_98765", "REFUNDID_98765", txn, 100, None, None).body
    out.append(
        (
            "paytm build refund apply",
            "refundkit",
            lambda: paytm.build_refund_apply("OREDRID_98765", "REFUNDID_98765", txn, 100, None, None),
        )
    )
    if PaytmChecksum is not None:
        checksum_module = PaytmChecksum

        def official_apply() -> bytes:
            body = {
                "mid": PAYTM_MID,
                "txnType": "REFUND",
                "orderId": "OREDRID_98765",
                "txnId": txn,
                "refId": "REFUNDID_98765",
                "refundAmount": "1.00",
            }
            text = json.dumps(body, separators=(",", ":"))
            head = {"requestTimestamp": str(TS // 1000), "signature": checksum_module.generateSignature(text, PAYTM_KEY)}
            return '{{"body":{},"head":{}}}'.format(text, json.dumps(head, separators=(",", ":"))).encode()

        out.append(("paytm build refund apply", "paytmchecksum + json", official_apply))

    # --- floor ----------------------------------------------------------------------------------------------------
    out.append(("one uniffi crossing", "refundkit.format_rupees(1250)", lambda: refundkit.format_rupees(1250)))
    return out, skipped


def per_call_us(call: Callable[[], object], min_time: float) -> float:
    timer = timeit.Timer(call)
    number, _ = timer.autorange()
    number = max(1, int(number * min_time / 0.2))
    return min(timer.repeat(repeat=5, number=number)) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--min-time", type=float, default=0.2, help="seconds per timeit loop (default 0.2)")
    parser.add_argument("--json", action="store_true", help="also print the raw numbers as JSON")
    args = parser.parse_args()

    all_cases, skipped = cases()
    results: Dict[Tuple[str, str], List[float]] = {(g, n): [] for g, n, _ in all_cases}
    for _ in range(args.rounds):
        for group, name, call in all_cases:
            results[(group, name)].append(per_call_us(call, args.min_time))

    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(
        "# {} UTC, {} ({} CPUs), Python {}, load average {:.2f} {:.2f} {:.2f}, {} rounds".format(
            datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
            platform.platform(),
            os.cpu_count(),
            platform.python_version(),
            *load,
            args.rounds,
        )
    )
    for s in skipped:
        print("# skipped: {}".format(s))
    print()
    print("| call | implementation | µs per call (range over rounds) | best |")
    print("|---|---|---|---|")
    groups: List[str] = []
    for group, _ in results:
        if group not in groups:
            groups.append(group)
    for (group, name), values in sorted(results.items(), key=lambda item: groups.index(item[0][0])):
        print("| {} | {} | {:.2f} – {:.2f} | {:.2f} |".format(group, name, min(values), max(values), min(values)))
    if args.json:
        print(json.dumps({"{} / {}".format(g, n): v for (g, n), v in results.items()}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
