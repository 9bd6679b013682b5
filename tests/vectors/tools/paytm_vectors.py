#!/usr/bin/env python3
"""Generates tests/vectors/paytm_{requests,interpret,webhooks}.json.

Expected signatures come from an implementation of PaytmChecksum written here from spec §3, independent of
refundkit's Rust code, on the `cryptography` package (AES-CBC, PKCS#7) and hashlib. Before writing anything it checks
itself against the verified known answers in paytm_checksum.json (V1, V2, V4, V5). Expected outcomes come from the
spec's tables (§6) and rules (§7), written out by hand below.

    python3 tests/vectors/tools/paytm_vectors.py      (needs: pip install cryptography)
"""
import base64
import hashlib
import json
import os
import urllib.parse

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.dirname(HERE)
IV = b"@@@@&&&&####$$$$"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
SOURCE = ("expected signature computed by tests/vectors/tools/paytm_vectors.py: an independent Python PaytmChecksum "
          "(spec §3) on the `cryptography` package, self-checked against the verified vectors V1/V2/V4/V5 of "
          "paytm_checksum.json; never from refundkit's output")


def checksum(text: str, key: str, salt: str) -> str:
    plain = (hashlib.sha256((text + "|" + salt).encode()).hexdigest() + salt).encode()
    padder = padding.PKCS7(128).padder()
    data = padder.update(plain) + padder.finalize()
    enc = Cipher(algorithms.AES(key.encode()), modes.CBC(IV)).encryptor()
    return base64.b64encode(enc.update(data) + enc.finalize()).decode()


def params_string(params: dict) -> str:
    vals = []
    for k in sorted((k for k in params if k != "CHECKSUMHASH"), key=lambda k: k.encode()):
        v = params[k]
        vals.append("" if v is None or v.lower() == "null" else v)
    return "|".join(vals)


def salt_from(random_bytes):
    """Spec'd mapping: byte b < 248 -> ALPHABET[b % 62]; bytes >= 248 skipped; the bytes repeat cyclically."""
    out, i = "", 0
    while len(out) < 4:
        b = random_bytes[i % len(random_bytes)]
        if b < 248:
            out += ALPHABET[b % 62]
        i += 1
    return out


def bytes_for(salt):
    return [ALPHABET.index(c) for c in salt]


def self_check():
    known = json.load(open(os.path.join(VECTORS, "paytm_checksum.json")))
    for v in known:
        if v["kind"] != "sign":
            continue
        s = params_string(v["params"]) if "params" in v else v["string_to_sign"]
        assert s == v["string_to_sign"], v["name"]
        assert checksum(s, v["key"], v["salt"]) == v["expected_signature"], v["name"]
    assert salt_from([255, 248, 0, 63, 247]) == "AB9A"


def compact(obj) -> str:
    # Same bytes as serde_json::to_string for these values: no spaces, non-ASCII kept, '/' not escaped.
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


# ---------------------------------------------------------------------------------------------------- requests
MID = "INTEGR7769XXXXXX9383"
KEY = "Test&Key#12345$@"
TXN = "202005081112128XXXXXX68470101509706"
NOW = 1700000000000


def envelope(body: str, head: dict) -> str:
    return '{"body":' + body + ',"head":' + compact(head) + "}"


def request_case(name, operation, inp, *, config=None, salt="Xy9Z", now=NOW, url, body_obj, head_extra=None,
                 key=KEY, note=None):
    body = compact(body_obj)
    sig = checksum(body, key, salt)
    head = dict(head_extra or {})
    head["signature"] = sig
    case = {"name": name, "operation": operation, "input": inp, "now_ms": now, "random_bytes": bytes_for(salt)}
    if config:
        case["config"] = config
    case["expect"] = {"method": "POST", "url": url, "headers": [["content-type", "application/json"]],
                      "body": envelope(body, head)}
    case["source"] = f"salt {salt!r}; " + SOURCE + (f"; {note}" if note else "")
    return case


def error_case(name, operation, inp, kind, field, config=None, note=None):
    case = {"name": name, "operation": operation, "input": inp, "now_ms": NOW, "random_bytes": [0]}
    if config:
        case["config"] = config
    case["expect_error"] = {"kind": kind, "field": field}
    case["source"] = note or "spec §2.2-§2.4 validation rules"
    return case


def apply_body(mid=MID, order="OREDRID_98765", txn=TXN, ref="REFUNDID_98765", amount="1.00", comments=None):
    b = {"mid": mid, "txnType": "REFUND", "orderId": order, "txnId": txn, "refId": ref, "refundAmount": amount}
    if comments is not None:
        b["comments"] = comments
    return b


APPLY_IN = {"order_id": "OREDRID_98765", "ref_id": "REFUNDID_98765", "txn_id": TXN, "refund_amount_paise": 100}
PG_STAGE = "https://securestage.paytmpayments.com"


def requests():
    cases = [
        request_case("apply, PG staging: reproduces vector V2 byte for byte", "refund_apply", APPLY_IN,
                     url=PG_STAGE + "/refund/apply", body_obj=apply_body(),
                     note="the body is exactly V2's string_to_sign and the signature V2's expected_signature"),
        request_case("apply with comments (quotes, braces, non-ASCII) and original amount", "refund_apply",
                     dict(APPLY_IN, refund_amount_paise=123456, original_amount_paise=200000,
                          comments='Customer said "wrong size" {2}/₹ é'),
                     salt="abcd", url=PG_STAGE + "/refund/apply",
                     body_obj=apply_body(amount="1234.56", comments='Customer said "wrong size" {2}/₹ é')),
        request_case("apply: full refund under one rupee allowed when the original amount equals it", "refund_apply",
                     dict(APPLY_IN, refund_amount_paise=50, original_amount_paise=50), salt="Q7rT",
                     url=PG_STAGE + "/refund/apply", body_obj=apply_body(amount="0.50")),
        request_case("apply, PG production with clientId and every opt-in head field", "refund_apply", APPLY_IN,
                     config={"environment": "production", "client_id": "C11", "version": "v1", "channel_id": "WEB",
                             "request_timestamp": True, "token_type_checksum": True},
                     url="https://secure.paytmpayments.com/refund/apply", body_obj=apply_body(),
                     head_extra={"clientId": "C11", "version": "v1", "channelId": "WEB",
                                 "requestTimestamp": "1700000000", "tokenType": "CHECKSUM"}),
        request_case("apply on a configured legacy host (trailing slash ignored)", "refund_apply", APPLY_IN,
                     config={"base_url": "https://securegw-stage.paytm.in/"}, salt="zzzz",
                     url="https://securegw-stage.paytm.in/refund/apply", body_obj=apply_body()),
        request_case("apply with a 24-byte key (AES-192)", "refund_apply", APPLY_IN,
                     config={"merchant_key": "Test&Key#12345$@24BYTES!"}, key="Test&Key#12345$@24BYTES!",
                     url=PG_STAGE + "/refund/apply", body_obj=apply_body()),
        request_case("apply with a 32-byte key (AES-256)", "refund_apply", APPLY_IN,
                     config={"merchant_key": "Test&Key#12345$@Test&Key#12345$@"},
                     key="Test&Key#12345$@Test&Key#12345$@", url=PG_STAGE + "/refund/apply", body_obj=apply_body()),
        request_case("status, PG staging", "refund_status", {"order_id": "OREDRID_98765", "ref_id": "REFUNDID_98765"},
                     url=PG_STAGE + "/v2/refund/status",
                     body_obj={"mid": MID, "orderId": "OREDRID_98765", "refId": "REFUNDID_98765"}),
        request_case("apply, AI-router staging, requestTimeStamp spelling", "refund_apply", APPLY_IN,
                     config={"flavour": "ai_router", "client_id": "12345", "request_timestamp": True},
                     url="https://stage-router.paytm.in/aoa-refund-service/refund/apply", body_obj=apply_body(),
                     head_extra={"clientId": "12345", "requestTimeStamp": "1700000000"}),
        request_case("status, AI-router: refId and refundId (the doc's curl sample)", "refund_status",
                     {"order_id": "P27074440735091120", "ref_id": "refP27074440735091120",
                      "refund_id": "230508787211359232"},
                     config={"flavour": "ai_router"},
                     url="https://stage-router.paytm.in/aoa-refund-service/refund/query",
                     body_obj={"mid": MID, "orderId": "P27074440735091120", "refId": "refP27074440735091120",
                               "refundId": "230508787211359232"}),
        request_case("status, AI-router production by refundId only", "refund_status",
                     {"order_id": "P27074440735091120", "refund_id": "230508787211359232"},
                     config={"flavour": "ai_router", "environment": "production"}, salt="0000",
                     url="https://router.paytm.in/aoa-refund-service/refund/query",
                     body_obj={"mid": MID, "orderId": "P27074440735091120", "refundId": "230508787211359232"}),
    ]
    # The salt is drawn with rejection: bytes >= 248 are skipped.
    c = request_case("salt drawing skips random bytes >= 248 (no modulo bias)", "refund_apply", APPLY_IN,
                     salt="AB9A", url=PG_STAGE + "/refund/apply", body_obj=apply_body())
    c["random_bytes"] = [255, 248, 0, 63, 247]
    cases.append(c)
    bad = lambda **kw: dict(APPLY_IN, **kw)
    cases += [
        error_case("orderId with a space", "refund_apply", bad(order_id="ORD 1"), "invalid_input", "orderId"),
        error_case("orderId of 51 characters", "refund_apply", bad(order_id="O" * 51), "invalid_input", "orderId"),
        error_case("orderId empty", "refund_apply", bad(order_id=""), "invalid_input", "orderId"),
        error_case("refId with '/'", "refund_apply", bad(ref_id="REF/1"), "invalid_input", "refId"),
        error_case("refId of 51 characters", "refund_apply", bad(ref_id="R" * 51), "invalid_input", "refId"),
        error_case("txnId of 65 characters", "refund_apply", bad(txn_id="1" * 65), "invalid_input", "txnId"),
        error_case("txnId empty", "refund_apply", bad(txn_id=""), "invalid_input", "txnId"),
        error_case("refundAmount zero", "refund_apply", bad(refund_amount_paise=0), "invalid_input", "refundAmount"),
        error_case("refundAmount negative", "refund_apply", bad(refund_amount_paise=-100), "invalid_input",
                   "refundAmount"),
        error_case("partial refund under one rupee (original unknown)", "refund_apply", bad(refund_amount_paise=99),
                   "invalid_input", "refundAmount", note="spec §2.2 / §8: partial >= 1.00 (Paytm 635)"),
        error_case("partial refund under one rupee (original 0.80)", "refund_apply",
                   bad(refund_amount_paise=50, original_amount_paise=80), "invalid_input", "refundAmount"),
        error_case("refund above the original amount", "refund_apply",
                   bad(refund_amount_paise=1001, original_amount_paise=1000), "invalid_input", "refundAmount"),
        error_case("comments of 51 characters (default limit 50)", "refund_apply", bad(comments="c" * 51),
                   "invalid_input", "comments"),
        error_case("comments with a line break", "refund_apply", bad(comments="a\nb"), "invalid_input", "comments"),
        error_case("status, PG, without refId", "refund_status", {"order_id": "O1"}, "invalid_input", "refId"),
        error_case("status, PG, with refundId", "refund_status", {"order_id": "O1", "ref_id": "R1", "refund_id": "1"},
                   "invalid_input", "refundId", note="the regular PG status API takes refId only (spec §2.3)"),
        error_case("status, AI-router, neither refId nor refundId", "refund_status", {"order_id": "O1"},
                   "invalid_input", "refId", config={"flavour": "ai_router"}),
        error_case("mid with a hyphen", "refund_apply", APPLY_IN, "configuration", "mid", config={"mid": "MID-1"}),
        error_case("mid of 21 characters", "refund_apply", APPLY_IN, "configuration", "mid", config={"mid": "M" * 21}),
        error_case("merchant key of 17 bytes is never truncated", "refund_apply", APPLY_IN, "configuration",
                   "merchant_key", config={"merchant_key": KEY + "X"}, note="spec §3.3"),
        error_case("merchant key of 15 bytes (a '#'-cut .env value) is never padded", "refund_apply", APPLY_IN,
                   "configuration", "merchant_key", config={"merchant_key": KEY[:15]}, note="spec §3.3"),
        error_case("plain http base URL", "refund_apply", APPLY_IN, "configuration", "base_url",
                   config={"base_url": "http://securestage.paytmpayments.com"}),
    ]
    return {
        "description": "Paytm request building: default_config overridden by `config`, fixed clock `now_ms`, FixedRandom "
                       "`random_bytes` (salt mapping in README), operation and input => the exact request, or an "
                       "error naming the field.",
        "default_config": {"environment": "staging", "flavour": "pg", "mid": MID, "merchant_key": KEY},
        "cases": cases,
    }


# --------------------------------------------------------------------------------------------------- interpret
def signed(body_obj, salt="aB3d", key=KEY, head_first=True):
    body = compact(body_obj)
    head = compact({"responseTimestamp": "1700000000000", "signature": checksum(body, key, salt), "version": "v1"})
    return ('{"head":' + head + ',"body":' + body + "}") if head_first else ('{"body":' + body + ',"head":' + head + "}")


def ri(status, code, msg):
    return {"resultInfo": {"resultStatus": status, "resultCode": code, "resultMsg": msg}}


APPLY_ECHO = {"txnTimestamp": "2019-09-02 12:31:49.0", "orderId": "OREDRID_98765", "mid": MID,
              "refId": "REFUNDID_98765", "txnId": TXN, "refundAmount": "1.00"}
STATUS_ECHO = {"orderId": "OREDRID_98765", "mid": MID, "refId": "REFUNDID_98765", "txnId": TXN,
               "txnAmount": "10.00", "refundAmount": "1.00"}


RULE = "verdict rule (docs/interpretation.md): only a documented HTTP status, strict JSON and a verified signature give a verdict"


def icase(name, operation, body_text, expect, *, status=200, prior=None, now=NOW, source):
    c = {"name": name, "operation": operation}
    if prior is not None:
        c["prior_apply"] = prior
    c["now_ms"] = now
    c["response"] = {"status": status, "headers": [["content-type", "application/json"]], "body": body_text}
    c["expect"] = expect
    c["source"] = source
    return c


def E(status, reason, next_step, **extra):
    return dict(status=status, reason=reason, next_step=next_step, **extra)


APPLY_TABLE = [  # §6.1 row, resultStatus, msg, expected (§7.1)
    ("601", "PENDING", "Refund request was raised for this transaction. But it is pending state",
     E("pending", "in_progress", "poll_later")),
    ("501", "PENDING", "System Error", E("indeterminate", "server_error", "inquire")),
    ("330", "TXN_FAILURE", "Paytm checksum mismatch.", E("failed", "signature_invalid", "fix_configuration")),
    ("335", "TXN_FAILURE", "Mid is invalid", E("failed", "configuration", "fix_configuration")),
    ("600", "TXN_FAILURE", "Invalid refund request or restricted by bank", E("failed", "declined", "nothing")),
    ("607", "TXN_FAILURE", "Refund can not be initiated for a cancelled transaction",
     E("failed", "not_refundable", "nothing")),
    ("617", "TXN_FAILURE", "Refund Already Raised", E("indeterminate", "duplicate_request", "inquire")),
    ("619", "TXN_FAILURE", "Invalid refund amount", E("failed", "validation", "fix_input")),
    ("626", "TXN_FAILURE", "Another Refund on same order is already in Progress, please retry after few minutes",
     E("pending", "another_transaction_in_progress", "retry_later")),
    ("627", "TXN_FAILURE", "Order Details Mismatch", E("failed", "validation", "fix_input")),
    ("628", "TXN_FAILURE", "Refund request was raised to respective bank. But it is in pending state from bank side",
     E("pending", "in_progress", "poll_later")),
    ("629", "TXN_FAILURE", "Refund is already Successful", E("indeterminate", "already_refunded", "inquire")),
    ("635", "TXN_FAILURE", "Partial Refund under Rupee 1 is not allowed", E("failed", "validation", "fix_input")),
    ("674", "TXN_FAILURE", "Refund amount is invalid or greater than transaction amount",
     E("failed", "validation", "fix_input")),
    ("679", "TXN_FAILURE", "Invalid refund request. Kindly retry once original order is successful",
     E("failed", "not_refundable", "nothing")),
]

STATUS_TABLE = [  # §6.2
    ("10", "TXN_SUCCESS", "Refund Successfull", E("succeeded", "refunded", "nothing")),
    ("601", "PENDING", "Refund request was raised for this transaction. But it is pending state",
     E("pending", "in_progress", "poll_later")),
    ("400", "PENDING", "Refund request was raised for this transaction. But it is pending state",
     E("pending", "in_progress", "poll_later")),
    ("501", "PENDING", "System error", E("pending", "in_progress", "poll_later")),
    ("330", "TXN_FAILURE", "Checksum provided is invalid",
     E("indeterminate", "signature_invalid", "fix_configuration")),
    ("335", "TXN_FAILURE", "Mid is invalid", E("indeterminate", "configuration", "fix_configuration")),
    ("624", "TXN_FAILURE", "Parameter illegal", E("indeterminate", "validation", "fix_configuration")),
    ("625", "TXN_FAILURE", "Parameter missing", E("indeterminate", "validation", "fix_configuration")),
    ("631", "TXN_FAILURE", "Record not found",
     E("indeterminate", "transaction_not_found", "resend_same_reference")),
    ("600", "TXN_FAILURE", "Invalid refund request", E("failed", "declined", "nothing")),
    ("602", "TXN_FAILURE", "Bank has declined refund request.", E("failed", "declined", "nothing")),
    ("620", "TXN_FAILURE", "BALANCE_NOT_ENOUGH", E("failed", "insufficient_balance", "nothing")),
    ("627", "TXN_FAILURE", "Order Details Mismatch", E("failed", "validation", "fix_input")),
    ("227", "TXN_FAILURE", "Invalid refund request or restricted by bank.", E("failed", "declined", "nothing")),
    ("247", "TXN_FAILURE", "Your refund cannot be completed. Transaction record not found at bank's end.",
     E("failed", "declined", "nothing")),
    ("698", "TXN_FAILURE", "Please retry the refund.", E("failed", "declined", "nothing")),
]


def interpret():
    cases = []
    for code, st, msg, exp in APPLY_TABLE:
        body = dict(APPLY_ECHO, **ri(st, code, msg))
        if code == "601":
            body["refundId"] = "PAYTM_REFUND_1"
        exp = dict(exp, codes={"resultStatus": st, "resultCode": code, "signature": "valid"}, raw_message=msg)
        if code == "601":
            exp.update(refund_id="PAYTM_REFUND_1", refunded_amount_paise=100, original_id=TXN)
        cases.append(icase(f"apply §6.1 {code} {st}", "refund_apply", signed(body), exp,
                           source="spec §6.1 row " + code + " + §7.1; body " + SOURCE))
    for code, st, msg, exp in STATUS_TABLE:
        body = dict(STATUS_ECHO, **ri(st, code, msg))
        exp = dict(exp, codes={"resultStatus": st, "resultCode": code, "signature": "valid"}, raw_message=msg)
        cases.append(icase(f"status §6.2 {code} {st}", "refund_status", signed(body), exp, prior="unknown",
                           source="spec §6.2 row " + code + " + §7.2; body " + SOURCE))
    # 631 with an accepted apply (§7.2.5)
    body631 = signed(ri("TXN_FAILURE", "631", "Record not found"))
    cases.append(icase("status 631 within the grace period after an accepted apply", "refund_status", body631,
                       E("pending", "transaction_not_found", "poll_later"), prior={"accepted_at_ms": NOW - 600000},
                       source="spec §7.2.5: accepted apply, 10 min ago (< 30 min grace)"))
    cases.append(icase("status 631 after the grace period: indeterminate and escalate", "refund_status", body631,
                       E("indeterminate", "transaction_not_found", "inquire", warnings_contain="escalate"),
                       prior={"accepted_at_ms": NOW - 1860000},
                       source="spec §7.2.5: accepted apply, 31 min ago"))
    # Unknown codes / statuses: never failed.
    cases += [
        icase("apply: unknown TXN_FAILURE code is indeterminate, never failed", "refund_apply",
              signed(ri("TXN_FAILURE", "999", "Something new")), E("indeterminate", "unknown_code", "inquire"),
              source="brief + crate rule: unknown codes never Failed (deliberate deviation from spec §7.1.7)"),
        icase("apply: unknown PENDING code", "refund_apply", signed(ri("PENDING", "402", "Pending")),
              E("indeterminate", "unknown_code", "inquire"), source="spec §7.1.3"),
        icase("apply: TXN_SUCCESS is only acceptance", "refund_apply",
              signed(dict(APPLY_ECHO, **ri("TXN_SUCCESS", "10", "Refund Successfull"))),
              E("pending", "unconfirmed", "poll_later"), source="spec §7.1.4"),
        icase("apply: unknown resultStatus", "refund_apply", signed(ri("SOMETHING", "601", "x")),
              E("indeterminate", "unknown_code", "inquire"), source="spec §7.1.8"),
        icase("status: unknown TXN_FAILURE code is indeterminate, never failed", "refund_status",
              signed(ri("TXN_FAILURE", "777", "New failure")), E("indeterminate", "unknown_code", "inquire"),
              prior="unknown", source="brief + crate rule: unknown codes never Failed"),
        icase("status: 601 as TXN_FAILURE (legacy table) is not read as failed", "refund_status",
              signed(ri("TXN_FAILURE", "601", "Refund request was raised")),
              E("indeterminate", "unknown_code", "inquire"), prior="unknown", source="spec §6.2 [CONFLICT] 601"),
        icase("status: unknown PENDING code", "refund_status", signed(ri("PENDING", "402", "Pending")),
              E("pending", "unknown_code", "poll_later"), prior="unknown", source="spec §7.2.3"),
        icase("status: TXN_SUCCESS with a code other than 10", "refund_status",
              signed(ri("TXN_SUCCESS", "01", "ok")), E("pending", "unconfirmed", "poll_later"), prior="unknown",
              source="[INFERRED] only code 10 is documented as success"),
        icase("status: unknown resultStatus", "refund_status", signed(ri("TXN_PENDING", "601", "x")),
              E("indeterminate", "unknown_code", "inquire"), prior="unknown", source="spec §7.2.7"),
    ]
    # HTTP errors and malformed answers.
    for op, pr in (("refund_apply", None), ("refund_status", "unknown")):
        cases += [
            icase(f"{op}: HTTP 500", op, "Internal Server Error", E("indeterminate", "server_error", "inquire"),
                  status=500, prior=pr, source="spec §7.1.1 / §7.2.1"),
            icase(f"{op}: HTTP 502 with a signed success body is still indeterminate", op,
                  signed(ri("TXN_SUCCESS", "10", "Refund Successfull")),
                  E("indeterminate", "server_error", "inquire"), status=502, prior=pr, source="spec §7 (non-200)"),
            icase(f"{op}: HTTP 429", op, "", E("indeterminate", "rate_limited", "inquire"), status=429, prior=pr,
                  source="spec §7 (non-200)"),
            icase(f"{op}: HTTP 404", op, "<html>Not Found</html>",
                  E("indeterminate", "configuration", "inquire" if op == "refund_apply" else "fix_configuration"),
                  status=404, prior=pr, source="spec §7 (non-200); a wrong URL is a configuration problem"),
            icase(f"{op}: not JSON", op, "<html>oops</html>", E("indeterminate", "unreadable_response", "inquire"),
                  prior=pr, source="spec §7.1.1 / §7.2.1"),
            icase(f"{op}: empty body", op, "", E("indeterminate", "unreadable_response", "inquire"), prior=pr,
                  source="spec §7.1.1"),
            icase(f"{op}: envelope without resultInfo", op, signed({"mid": MID}),
                  E("indeterminate", "unreadable_response", "inquire"), prior=pr, source="spec §7.1.1"),
            icase(f"{op}: resultInfo without an envelope", op, compact(ri("TXN_SUCCESS", "10", "x")),
                  E("indeterminate", "unreadable_response", "inquire"), prior=pr, source="spec §5 envelope"),
            icase(f"{op}: two body members (ambiguous)", op,
                  '{"body":' + compact(ri("TXN_FAILURE", "600", "x")) + ',"body":' +
                  compact(ri("PENDING", "601", "y")) + "}",
                  E("indeterminate", "unreadable_response", "inquire"), prior=pr,
                  source="raw-body rule: parsers disagree on duplicate keys"),
            icase(f"{op}: truncated JSON", op, signed(ri("PENDING", "601", "x"))[:-1],
                  E("indeterminate", "unreadable_response", "inquire"), prior=pr, source="spec §7.1.1"),
        ]
    # Signatures.
    good = dict(STATUS_ECHO, **ri("TXN_SUCCESS", "10", "Refund Successfull"))
    sig_good = signed(good)
    cases += [
        icase("status: signed body first, head last", "refund_status", signed(good, head_first=False),
              E("succeeded", "refunded", "nothing", codes={"signature": "valid"}), prior="unknown",
              source="spec §4 (either order); " + SOURCE),
        icase("status: tampered refundAmount after signing => untrusted", "refund_status",
              sig_good.replace('"refundAmount":"1.00"', '"refundAmount":"9.00"'),
              E("indeterminate", "signature_invalid", "inquire", codes={"signature": "invalid"}, refund_id=None),
              prior="unknown", source="spec §4, §7.2.1"),
        icase("status: re-spaced body (same JSON value, other bytes) => untrusted", "refund_status",
              sig_good.replace('"mid":', '"mid": '),
              E("indeterminate", "signature_invalid", "inquire"), prior="unknown", source="spec §4 / NV1"),
        icase("status: signed with another key => untrusted", "refund_status", signed(good, key="A1b2C3d4E5f6G7h8"),
              E("indeterminate", "signature_invalid", "inquire"), prior="unknown", source="NV3 analogue; " + SOURCE),
        # A 330 ("checksum mismatch") that does not verify with our key: most likely our merchant key is wrong.
        # Still untrusted (Indeterminate), but asking again cannot help: fix the configuration.
        icase("apply: 330 signed with another key => untrusted, fix configuration", "refund_apply",
              signed(dict(APPLY_ECHO, **ri("TXN_FAILURE", "330", "Paytm checksum mismatch.")), key="A1b2C3d4E5f6G7h8"),
              E("indeterminate", "signature_invalid", "fix_configuration", codes={"signature": "invalid"}),
              source="spec §4 + §6.1 row 330: a wrong merchant key fails both ways"),
        icase("status: 330 signed with another key => untrusted, fix configuration", "refund_status",
              signed(dict(STATUS_ECHO, **ri("TXN_FAILURE", "330", "Checksum provided is invalid")),
                     key="A1b2C3d4E5f6G7h8"),
              E("indeterminate", "signature_invalid", "fix_configuration", codes={"signature": "invalid"}),
              prior="unknown", source="spec §4 + §6.2 row 330: a wrong merchant key fails both ways"),
        icase("apply: garbage signature => untrusted", "refund_apply",
              '{"head":{"signature":"not-a-signature"},"body":' + compact(ri("PENDING", "601", "x")) + "}",
              E("indeterminate", "signature_invalid", "inquire"), source="spec §3.2 (total verify)"),
        icase("apply: non-string signature => untrusted", "refund_apply",
              '{"head":{"signature":42},"body":' + compact(ri("PENDING", "601", "x")) + "}",
              E("indeterminate", "signature_invalid", "inquire"), source="spec §3.2"),
        icase("apply: truncated signature (NV4) => untrusted", "refund_apply",
              '{"head":{"signature":"ZRLX7MQ4eFb3ITQi53/f4xfFt7HEiKd/HNPszY3UHLJH"},"body":' +
              compact(ri("PENDING", "601", "x")) + "}",
              E("indeterminate", "signature_invalid", "inquire"), source="NV4"),
        icase("apply: no signature is untrusted (signatures are required), never failed", "refund_apply",
              '{"head":{"responseTimestamp":"1"},"body":' + compact(ri("TXN_FAILURE", "619", "Invalid refund amount")) + "}",
              E("indeterminate", "untrusted_response", "inquire", codes={"signature": "absent"}),
              source=RULE),
    ]
    # Verdict rule (docs/interpretation.md): forged or unprovable verdicts are never final.
    forged_ok = compact(ri("TXN_SUCCESS", "10", "Refund Successfull"))
    forged_fail = compact(ri("TXN_FAILURE", "600", "Invalid refund request or restricted by bank"))
    for op, prior in [("refund_status", "unknown"), ("refund_apply", None)]:
        for label, body in [("TXN_SUCCESS", forged_ok), ("TXN_FAILURE", forged_fail)]:
            for what, head in [
                ("a bad escape", '{"signature":"WRONG","x":"\\q"}'),
                ("a lone surrogate", '{"signature":"WRONG","x":"\\ud800"}'),
                ("200-deep nesting", '{"signature":"WRONG","x":' + "[" * 200 + "]" * 200 + "}"),
                ("a duplicate signature key", '{"signature":"WRONG","signature":""}'),
            ]:
                cases.append(icase(f"{op}: forged {label} with a wrong signature and {what} in head is unreadable",
                                   op, '{"head":' + head + ',"body":' + body + "}",
                                   E("indeterminate", "unreadable_response", "inquire"), prior=prior, source=RULE))
            for what, head in [("an empty head", "{}"), ("an empty signature", '{"signature":""}'),
                               ("a null signature", '{"signature":null}')]:
                cases.append(icase(f"{op}: unsigned {label} with {what} is untrusted", op,
                                   '{"head":' + head + ',"body":' + body + "}",
                                   E("indeterminate", "untrusted_response", "inquire"), prior=prior, source=RULE))
        cases.append(icase(f"{op}: duplicate keys inside a signed body are unreadable", op,
                           signed(dict(STATUS_ECHO, **ri("TXN_SUCCESS", "10", "ok"))).replace(
                               '"resultCode":"10"', '"resultCode":"10","resultCode":"10"'),
                           E("indeterminate", "unreadable_response", "inquire"), prior=prior, source=RULE))
        for st in [100, 199, 201, 204, 300, 302, 304, 400, 401, 403, 422, 600, 999]:
            cases.append(icase(f"{op}: HTTP {st} with a signed TXN_SUCCESS is no verdict", op,
                               signed(dict(STATUS_ECHO, **ri("TXN_SUCCESS", "10", "ok"))),
                               {"status": "indeterminate"}, status=st, prior=prior, source=RULE))
        cases.append(icase(f"{op}: unsigned 330 keeps fix_configuration, no verdict", op,
                           '{"head":{},"body":' + compact(ri("TXN_FAILURE", "330", "Paytm checksum mismatch.")) + "}",
                           E("indeterminate", "signature_invalid", "fix_configuration"), prior=prior, source=RULE))
        cases.append(icase(f"{op}: unsigned 335 (unknown mid, nothing to sign with) keeps fix_configuration", op,
                           '{"head":{},"body":' + compact(ri("TXN_FAILURE", "335", "Mid is invalid")) + "}",
                           E("indeterminate", "configuration", "fix_configuration"), prior=prior, source=RULE))
        cases.append(icase(f"{op}: unknown fields do not change a signed answer", op,
                           signed(dict(STATUS_ECHO, zzNew={"a": [1, 2]}, **ri("TXN_SUCCESS", "10", "ok"))),
                           E("succeeded", "refunded", "nothing") if op == "refund_status"
                           else E("pending", "unconfirmed", "poll_later"), prior=prior, source=RULE))
    cases += [
        icase("status: braces and quotes inside strings do not confuse the raw-body matcher", "refund_status",
              signed(dict(good, refundReason='weird "}{" text \\ {"body":{}}')),
              E("succeeded", "refunded", "nothing", codes={"signature": "valid"}), prior="unknown",
              source="spec §4 string-aware matcher; " + SOURCE),
        icase("status: AI-router answer, totalrefundAmount spelling, refundInfos, cliendId", "refund_status",
              '{"head":{"cliendId":"12345","responseTimeStamps":"1588402269","version":"v1","signature":"' +
              checksum(compact(dict(good, totalrefundAmount="3.00", gatewayResultInfo={"resultCode": "01"})), KEY, "k9Lm") +
              '"},"body":' + compact(dict(good, totalrefundAmount="3.00", gatewayResultInfo={"resultCode": "01"})) + "}",
              E("succeeded", "refunded", "nothing", codes={"totalRefundAmount": "3.00",
                                                            "gatewayResultInfo.resultCode": "01"}),
              prior="unknown", source="spec §5.2 + provider-docs/paytm-refund-status.txt; " + SOURCE),
        icase("status: details and refundDetailInfoList essentials", "refund_status",
              signed(dict(good, refundId="RF1", totalRefundAmount="5.00", acceptRefundStatus="SUCCESS",
                          userCreditInitiateStatus="SUCCESS", userCreditInitiateTimestamp="2020-05-02 12:24:25.0",
                          refundDetailInfoList=[{"refundType": "TO_SOURCE", "payMethod": "UPI", "refundAmount": "1.00",
                                                 "rrn": "123456789012", "userCreditExpectedDate": "2020-05-05"}])),
              E("succeeded", "refunded", "nothing", refund_id="RF1", original_id=TXN, original_amount_paise=1000,
                refunded_amount_paise=100, completed_at="2020-05-02 12:24:25.0", provider_status="TXN_SUCCESS",
                codes={"totalRefundAmount": "5.00", "acceptRefundStatus": "SUCCESS",
                       "userCreditInitiateStatus": "SUCCESS", "refundDetailInfoList[0].refundType": "TO_SOURCE",
                       "refundDetailInfoList[0].payMethod": "UPI", "refundDetailInfoList[0].rrn": "123456789012"}),
              prior="unknown", source="spec §5.2; " + SOURCE),
        icase("status: an inexact amount is left out with a warning", "refund_status",
              signed(dict(good, refundAmount="1.005")),
              E("succeeded", "refunded", "nothing", refunded_amount_paise=None, warnings_contain="refundAmount"),
              prior="unknown", source="crate rule: money is exact or absent"),
    ]
    return {"description": "Paytm response interpretation: operation (+ prior_apply and now_ms for status) + HTTP "
                           "response => outcome. Expected values from spec §6/§7, not from refundkit. The merchant "
                           "key for response signatures is default_config.merchant_key.",
            "default_config": {"environment": "staging", "flavour": "pg", "mid": MID, "merchant_key": KEY},
            "cases": cases}


# ---------------------------------------------------------------------------------------------------- webhooks
def webhooks():
    RULE = "strict JSON (docs/interpretation.md): webhooks are read with the strict parser"
    accept = {"mid": MID, "orderId": "OREDRID_98765", "refId": "REFUNDID_98765", "refundId": "RF1", "txnId": TXN,
              "refundAmount": "1.00", "status": "SUCCESS", "acceptRefundTimestamp": "2024-01-01 10:00:00"}
    reject = dict(accept, status="FAILED", rejectRefundReasonCode="1",
                  rejectRefundReasonMessage="Merchant balance insufficient")
    success = {"source": "MERCHANT", "txnId": TXN, "orderId": "OREDRID_98765", "txnAmount": "10.00", "mid": MID,
               "refundAmount": "1.00", "txnTimestamp": "2024-01-01 09:00:00.0", "totalRefundAmount": "1.00",
               "acceptRefundTimestamp": "2024-01-01 10:00:00.0", "refId": "REFUNDID_98765",
               "merchantRefundRequestTimestamp": "2024-01-01 09:59:59.0",
               "userCreditInitiateTimestamp": "2024-01-01 10:05:00.0", "refundId": "RF1",
               "refundDetailInfoList": [{"refundType": "TO_SOURCE", "payMethod": "UPI", "refundAmount": "1.00",
                                         "rrn": "123456789012", "userCreditExpectedDate": "2024-01-06",
                                         "userMobileNo": "91-******7777"}],
               "agentInfo": {"name": "x"}}
    arn = {"MID": MID, "ORDERID": "OREDRID_98765", "REFID": "REFUNDID_98765", "REFUNDID": "RF1",
           "ARN": "74332744001234567890123", "CUST_ID": "null"}

    def form(params, salt="Pq12", key=KEY):
        p = dict(params)
        p["CHECKSUMHASH"] = checksum(params_string(p), key, salt)
        return urllib.parse.urlencode(p)

    def w(name, kind, body, expect=None, error=None, source=""):
        c = {"name": name, "kind": kind, "body": body}
        if error:
            c["expect_error"] = error
        else:
            c["expect"] = expect
        c["source"] = source
        return c

    arn_form = form(arn)
    return {
        "description": "Paytm refund webhooks: kind + raw body => the verified event's fields, or the error kind. "
                       "Merchant key and mid from default_config.",
        "default_config": {"environment": "staging", "flavour": "pg", "mid": MID, "merchant_key": KEY},
        "cases": [
            w("accept refund SUCCESS", "accept_refund", signed(accept),
              {"order_id": "OREDRID_98765", "ref_id": "REFUNDID_98765", "refund_id": "RF1", "accepted": True,
               "status": "SUCCESS", "refund_amount_paise": 100}, source="spec §9; " + SOURCE),
            w("accept refund FAILED with rejectRefundReasonCode 1", "accept_refund", signed(reject, head_first=False),
              {"accepted": False, "status": "FAILED", "reject_reason_code": "1"}, source="spec §8/§9; " + SOURCE),
            w("accept refund tampered", "accept_refund", signed(accept).replace("1.00", "100.00"),
              error="signature_invalid", source="spec §4"),
            w("accept refund unsigned", "accept_refund", '{"head":{},"body":' + compact(accept) + "}",
              error="signature_missing", source="webhooks must be signed"),
            w("accept refund for another mid", "accept_refund", signed(dict(accept, mid="OTHERMID12345")),
              error="mid_mismatch", source="correctly signed but not ours"),
            w("accept refund without status", "accept_refund",
              signed({k: v for k, v in accept.items() if k != "status"}), error="missing_field", source="spec §9"),
            w("accept refund not JSON", "accept_refund", "status=SUCCESS", error="unreadable", source="spec §9"),
            w("accept refund with a bad escape in head is unreadable", "accept_refund",
              signed(accept).replace('"version":"v1"', '"version":"\\q"'), error="unreadable", source=RULE),
            w("accept refund with duplicate keys in a signed body is unreadable", "accept_refund",
              signed(accept).replace('"status":"SUCCESS"', '"status":"SUCCESS","status":"FAILED"'),
              error="unreadable", source=RULE),
            w("success refund with a lone surrogate in head is unreadable", "success_refund",
              signed(success).replace('"version":"v1"', '"version":"\\ud800"'), error="unreadable", source=RULE),
            w("success refund", "success_refund", signed(success),
              {"order_id": "OREDRID_98765", "ref_id": "REFUNDID_98765", "refund_id": "RF1", "txn_id": TXN,
               "txn_amount_paise": 1000, "refund_amount_paise": 100, "total_refund_amount_paise": 100,
               "source": "MERCHANT", "user_credit_initiate_timestamp": "2024-01-01 10:05:00.0",
               "destinations": [{"refund_type": "TO_SOURCE", "pay_method": "UPI", "refund_amount_paise": 100,
                                 "rrn": "123456789012"}]}, source="spec §9 field list; " + SOURCE),
            w("success refund with AI-router totalrefundAmount spelling", "success_refund",
              signed(dict({k: v for k, v in success.items() if k != "totalRefundAmount"}, totalrefundAmount="2.00")),
              {"total_refund_amount_paise": 200}, source="spec §5.2 spelling; " + SOURCE),
            w("success refund re-serialized by a proxy (spaces)", "success_refund",
              signed(success).replace('"mid":', '"mid": '), error="signature_invalid", source="spec §4"),
            w("success refund with an inexact amount", "success_refund", signed(dict(success, refundAmount="1.001")),
              error="invalid_field", source="crate rule: exact money"),
            w("success refund without refId", "success_refund",
              signed({k: v for k, v in success.items() if k != "refId"}), error="missing_field", source="spec §9"),
            w("refund ARN form post", "refund_arn", arn_form,
              {"order_id": "OREDRID_98765", "ref_id": "REFUNDID_98765", "refund_id": "RF1",
               "arn": "74332744001234567890123"},
              source="spec §3.4 map form (CUST_ID 'null' signs as empty); " + SOURCE),
            w("refund ARN with '+' of the checksum posted unencoded", "refund_arn",
              arn_form.replace("%2B", "+"), {"arn": "74332744001234567890123"},
              source="a space in a base64 value can only be an unencoded '+'; " + SOURCE),
            w("refund ARN tampered", "refund_arn", arn_form.replace("74332744001234567890123", "74332744001234567890124"),
              error="signature_invalid", source="spec §3.4"),
            w("refund ARN without CHECKSUMHASH", "refund_arn", urllib.parse.urlencode(arn),
              error="signature_missing", source="spec §3.4"),
            w("refund ARN signed the Node-1.5.1 way ('null' kept) is rejected", "refund_arn",
              urllib.parse.urlencode(dict(arn, CHECKSUMHASH=checksum(
                  "|".join(arn[k] for k in sorted(arn, key=str.encode)), KEY, "Pq12"))),
              error="signature_invalid", source="spec §3.4 [CONFLICT], V5-node"),
            w("refund ARN with a duplicate key", "refund_arn", arn_form + "&ARN=1", error="unreadable",
              source="ambiguous which value was signed"),
            w("refund ARN for another mid", "refund_arn", form(dict(arn, MID="OTHERMID12345")),
              error="mid_mismatch", source="correctly signed but not ours; " + SOURCE),
        ],
    }


def write(name, obj):
    with open(os.path.join(VECTORS, name), "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    self_check()
    write("paytm_requests.json", requests())
    write("paytm_interpret.json", interpret())
    write("paytm_webhooks.json", webhooks())
    print("ok")
