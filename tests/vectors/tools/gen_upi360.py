#!/usr/bin/env python3
"""Generates tests/vectors/upi360_*.json with Python `cryptography` and openssl, independently of refundkit.

Run from the repository root: python3 tests/vectors/tools/gen_upi360.py
PSS signatures are randomized, so re-running changes them (the cases stay equivalent); JWS and HMAC values are
deterministic known answers. Keys: core/tests/data/upi360_keys/ (TEST-ONLY).
"""
import base64, hashlib, hmac, json, os, subprocess, tempfile
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

ROOT = os.path.join(os.path.dirname(__file__), "..")
KEYS = os.path.join(ROOT, "..", "..", "core", "tests", "data", "upi360_keys")


def key(name):
    with open(os.path.join(KEYS, name), "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


MERCHANT = key("test_only_merchant_private_pkcs8.pem")
PSP = key("test_only_psp_private_pkcs8.pem")
PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


def pss(k, msg: bytes) -> str:
    return k.sign(msg, PSS, hashes.SHA256()).hex()


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jws(k, kid, payload: bytes) -> str:
    protected = b64u(json.dumps({"alg": "RS256", "kid": kid}, separators=(",", ":")).encode())
    pl = b64u(payload)
    sig = b64u(k.sign(f"{protected}.{pl}".encode(), padding.PKCS1v15(), hashes.SHA256()))
    return json.dumps({"protected": protected, "payload": pl, "signature": sig}, separators=(",", ":"))


def compact(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def sorted_json(text: str) -> str:
    return json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def openssl_pss(keyfile, msg: bytes) -> str:
    with tempfile.NamedTemporaryFile() as m:
        m.write(msg)
        m.flush()
        out = subprocess.run(["openssl", "dgst", "-sha256", "-sign", os.path.join(KEYS, keyfile), "-sigopt",
                              "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32", "-sigopt", "rsa_mgf1_md:sha256",
                              m.name], check=True, capture_output=True).stdout
    return out.hex()


def write(name, obj):
    with open(os.path.join(ROOT, name), "w") as f:
        json.dump(obj, f, indent=1, ensure_ascii=False)
        f.write("\n")


# ---------------------------------------------------------------- signing
UPI_ID = "YJP1234567890ABCDEFGHIJKLMNOPQRSTUV"
body1 = compact({"originalUpiRequestId": UPI_ID, "refundRequestId": "RF20250101ABC", "refundAmount": "100.00",
                 "refundType": "ONLINE", "merchantRefundVpa": "refunds@parentbank", "remarks": "Customer refund",
                 "iat": "1735689600000"})
mode_a_input = ("MERCHANT1" + "CHANNEL1" + "SUB1" + "SUBCH1" + "1735689600000" + body1).encode()
sig_ok = pss(MERCHANT, mode_a_input)
tampered_sig = sig_ok[:-2] + ("00" if sig_ok[-2:] != "00" else "01")
signing = {
    "description": "UPI Refund 360 signature known answers. JWS (RS256) and HMAC values are exact; RSA-PSS is randomized, so PSS cases are verify-only: signatures made by Python cryptography or openssl that refundkit must accept (`valid: true`) or reject (`valid: false`).",
    "source": "tests/vectors/tools/gen_upi360.py: Python `cryptography` (PKCS1v15/PSS + SHA-256, salt 32, MGF1-SHA-256), `hmac`/`hashlib`, and `openssl dgst -sigopt rsa_padding_mode:pss`; not refundkit's code. Keys: core/tests/data/upi360_keys/ (TEST-ONLY).",
    "jws": [
        {"name": "RS256 flattened JWS, PKCS#8 key", "private_key": "test_only_merchant_private_pkcs8.pem", "kid": "kid-merchant-1",
         "payload": body1, "expected": jws(MERCHANT, "kid-merchant-1", body1.encode())},
        {"name": "RS256 flattened JWS, PKCS#1 key (same key, same answer)", "private_key": "test_only_merchant_private_pkcs1.pem",
         "kid": "kid-merchant-1", "payload": body1, "expected": jws(MERCHANT, "kid-merchant-1", body1.encode())},
        {"name": "RS256 status payload, other kid", "private_key": "test_only_merchant_private_pkcs8.pem", "kid": "UAT-KEY-2",
         "payload": compact({"merchantRequestId": "RF20250101ABC", "merchantTransactionId": "ORD-1", "iat": "1735689600000"}),
         "expected": jws(MERCHANT, "UAT-KEY-2", compact({"merchantRequestId": "RF20250101ABC", "merchantTransactionId": "ORD-1", "iat": "1735689600000"}).encode())},
    ],
    "signature_input": [
        {"name": "mode A input with sub-merchant ids", "merchant_id": "MERCHANT1", "merchant_channel_id": "CHANNEL1",
         "sub_merchant_id": "SUB1", "sub_merchant_channel_id": "SUBCH1", "timestamp": "1735689600000", "body": body1,
         "expected": mode_a_input.decode()},
        {"name": "mode A input without sub-merchant ids (empty strings)", "merchant_id": "MERCHANT1", "merchant_channel_id": "CHANNEL1",
         "sub_merchant_id": None, "sub_merchant_channel_id": None, "timestamp": "1735689600000", "body": "{}",
         "expected": "MERCHANT1CHANNEL11735689600000{}"},
    ],
    "hmac": [
        {"name": "HMAC-SHA256 hex (unconfirmed strategy)", "api_key": "TEST_ONLY_API_KEY", "message": mode_a_input.decode(),
         "encoding": "hex", "expected": hmac.new(b"TEST_ONLY_API_KEY", mode_a_input, hashlib.sha256).hexdigest()},
        {"name": "HMAC-SHA256 base64 (unconfirmed strategy)", "api_key": "TEST_ONLY_API_KEY", "message": mode_a_input.decode(),
         "encoding": "base64", "expected": base64.b64encode(hmac.new(b"TEST_ONLY_API_KEY", mode_a_input, hashlib.sha256).digest()).decode()},
    ],
    "pss_verify": [
        {"name": "cryptography PSS over the mode A input, SPKI public key", "public_key": "test_only_merchant_public_spki.pem",
         "message": mode_a_input.decode(), "signature_hex": sig_ok, "valid": True},
        {"name": "same, PKCS#1 public key", "public_key": "test_only_merchant_public_pkcs1.pem",
         "message": mode_a_input.decode(), "signature_hex": sig_ok, "valid": True},
        {"name": "uppercase hex is accepted", "public_key": "test_only_merchant_public_spki.pem",
         "message": mode_a_input.decode(), "signature_hex": sig_ok.upper(), "valid": True},
        {"name": "openssl dgst PSS (salt 32, MGF1-SHA256)", "public_key": "test_only_psp_public_spki.pem",
         "message": "psp response body", "signature_hex": openssl_pss("test_only_psp_private_pkcs8.pem", b"psp response body"), "valid": True},
        {"name": "tampered message (amount changed)", "public_key": "test_only_merchant_public_spki.pem",
         "message": mode_a_input.decode().replace("100.00", "900.00"), "signature_hex": sig_ok, "valid": False},
        {"name": "tampered signature (last byte)", "public_key": "test_only_merchant_public_spki.pem",
         "message": mode_a_input.decode(), "signature_hex": tampered_sig, "valid": False},
        {"name": "wrong public key", "public_key": "test_only_psp_public_spki.pem",
         "message": mode_a_input.decode(), "signature_hex": sig_ok, "valid": False},
        {"name": "PKCS#1 v1.5 signature is not PSS", "public_key": "test_only_merchant_public_spki.pem", "message": "x",
         "signature_hex": MERCHANT.sign(b"x", padding.PKCS1v15(), hashes.SHA256()).hex(), "valid": False},
        {"name": "PSS with maximum salt length is rejected (refundkit accepts salt 32 only, spec 5.1)", "public_key": "test_only_merchant_public_spki.pem",
         "message": "x", "signature_hex": MERCHANT.sign(b"x", padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH), hashes.SHA256()).hex(), "valid": False},
    ],
}
write("upi360_signing.json", signing)

# ---------------------------------------------------------------- requests
NOW = 1735689600000
TS = str(NOW)
DEFAULT = {"host": "https://api.beta.yesbank.upi.juspay.in", "uri": "n2", "merchant_id": "MERCHANT1",
           "merchant_channel_id": "CHANNEL1", "signing": {"mode": "pss", "private_key": "test_only_merchant_private_pkcs8.pem"},
           "psp_public_key": "test_only_psp_public_spki.pem"}
ONLINE = {"original_upi_request_id": UPI_ID, "refund_request_id": "RF20250101ABC", "amount_paise": 10000,
          "refund_type": "ONLINE", "merchant_refund_vpa": "refunds@parentbank", "remarks": "Customer refund"}


def business(inp, jws_mode, op="refund"):
    if op == "refund":
        b = {}
        for k_in, k_out in [("original_upi_request_id", "originalUpiRequestId"), ("original_merchant_request_id", "originalMerchantRequestId"),
                            ("original_transaction_timestamp", "originalTransactionTimestamp"), ("refund_request_id", "refundRequestId")]:
            if k_in in inp:
                b[k_out] = inp[k_in]
        p = inp["amount_paise"]
        b["refundAmount"] = f"{p // 100}.{p % 100:02d}"
        b["refundType"] = inp["refund_type"]
        if "merchant_refund_vpa" in inp:
            b["merchantRefundVpa"] = inp["merchant_refund_vpa"]
        b["remarks"] = inp["remarks"]
        if "udf_parameters" in inp:
            b["udfParameters"] = inp["udf_parameters"]
    else:
        b = {"merchantRequestId": inp["refund_request_id"]}
        if "original_merchant_request_id" in inp:
            b["merchantTransactionId"] = inp["original_merchant_request_id"]
        else:
            b["originalUpiRequestId"] = inp["original_upi_request_id"]
    if jws_mode:
        b["iat"] = TS
    return compact(b)


def expect_request(cfg, op, inp):
    c = dict(DEFAULT, **cfg)
    mode = c["signing"]["mode"]
    payload = business(inp, mode == "jws", op)
    path = "merchants/transactions/refund360" if op == "refund" else "merchants/transactions/refund/status"
    h = [["Content-Type", "application/json"], ["Accept", "application/json"], ["x-merchant-id", c["merchant_id"]],
         ["x-merchant-channel-id", c["merchant_channel_id"]]]
    if c.get("sub_merchant_id"):
        h += [["x-sub-merchant-id", c["sub_merchant_id"]], ["x-sub-merchant-channel-id", c["sub_merchant_channel_id"]]]
    h.append(["x-timestamp", TS])
    version = c.get("api_version", "3") if op == "refund" else c.get("status_api_version", "2")
    if version is not None:
        h.append(["x-api-version", version])
    rule = c.get("routing_id", "original_request_id")
    routing = {"original_request_id": inp.get("original_merchant_request_id", inp.get("original_upi_request_id")),
               "refund_request_id": inp["refund_request_id"], "omit": None}[rule]
    if routing is not None:
        h.append(["jpupi-routing-id", routing])
    sig_input = c["merchant_id"] + c["merchant_channel_id"] + (c.get("sub_merchant_id") or "") + (c.get("sub_merchant_channel_id") or "") + TS + payload
    e = {"method": "POST", "url": f'{c["host"]}/api/{c["uri"]}/{path}', "headers": h}
    if mode == "pss":
        h.append(["x-merchant-signature", "<PSS>"])
        e["body"] = payload
        e["signature_input"] = sig_input
        e["signature_public_key"] = "test_only_merchant_public_spki.pem"
    elif mode == "hmac":
        mac = hmac.new(c["signing"]["api_key"].encode(), sig_input.encode(), hashlib.sha256)
        h.append(["x-merchant-signature", mac.hexdigest() if c["signing"].get("encoding", "hex") == "hex" else base64.b64encode(mac.digest()).decode()])
        e["body"] = payload
    else:
        e["body"] = jws(MERCHANT, c["signing"]["kid"], payload.encode())
    return e


JWS_CFG = {"signing": {"mode": "jws", "kid": "kid-merchant-1", "private_key": "test_only_merchant_private_pkcs1.pem"}}
HMAC_CFG = {"signing": {"mode": "hmac", "api_key": "TEST_ONLY_API_KEY", "encoding": "hex"}}
SUB = {"sub_merchant_id": "SUB1", "sub_merchant_channel_id": "SUBCH1"}
req_cases = []


def rq(name, op, inp, cfg=None, error=None):
    cfg = cfg or {}
    case = {"name": name, "operation": op, "now_ms": NOW, "input": inp}
    if cfg:
        case["config"] = cfg
    if error:
        case["expect_error"] = error
    else:
        case["expect"] = expect_request(cfg, op, inp)
    req_cases.append(case)


rq("PSS: ONLINE refund, parent merchant", "refund", ONLINE)
rq("PSS: ONLINE refund, sub-merchant headers in input", "refund", ONLINE, SUB)
rq("PSS: OFFLINE refund by order id, all optional fields", "refund",
   {"original_merchant_request_id": "ORD-2025.01_1", "original_upi_request_id": UPI_ID, "original_transaction_timestamp": "2025-01-01T10:00:00+05:30",
    "refund_request_id": "RF2", "amount_paise": 5, "refund_type": "OFFLINE", "remarks": "Partial refund", "udf_parameters": "{\"udf1\":\"value1\"}"})
rq("PSS: status by order id (x-api-version 2)", "status", {"refund_request_id": "RF20250101ABC", "original_merchant_request_id": "ORD-1"})
rq("JWS: ONLINE refund (exact body)", "refund", ONLINE, JWS_CFG)
rq("JWS: sub-merchant ONLINE refund (exact body)", "refund", ONLINE, dict(JWS_CFG, **SUB))
rq("JWS: status by UPI id (exact body)", "status", {"refund_request_id": "RF20250101ABC", "original_upi_request_id": UPI_ID}, JWS_CFG)
rq("HMAC hex: ONLINE refund", "refund", ONLINE, HMAC_CFG)
rq("HMAC base64, sub-merchant, routing id = refundRequestId, no api version", "refund", ONLINE,
   {"signing": {"mode": "hmac", "api_key": "TEST_ONLY_API_KEY", "encoding": "base64"}, **SUB, "routing_id": "refund_request_id", "api_version": None})
rq("HMAC: Axis-style uri b2, routing omitted", "refund", ONLINE, dict(HMAC_CFG, host="https://upiuatv3.axisbank.com", uri="b2", routing_id="omit"))
bad = lambda field: {"kind": "invalid_input", "field": field}
rq("refundRequestId longer than 35 is rejected, never truncated", "refund", dict(ONLINE, refund_request_id="R" * 36), error=bad("refundRequestId"))
rq("refundRequestId with a hyphen is rejected by default", "refund", dict(ONLINE, refund_request_id="RF-1"), error=bad("refundRequestId"))
rq("zero amount", "refund", dict(ONLINE, amount_paise=0), error=bad("refundAmount"))
rq("unknown refundType", "refund", dict(ONLINE, refund_type="REFUND"), error=bad("refundType"))
rq("lower-case refundType", "refund", dict(ONLINE, refund_type="online"), error=bad("refundType"))
rq("UDIR needs an adjCode (merchant-stack Refund 360 page)", "refund", dict(ONLINE, refund_type="UDIR"), error=bad("adjCode"))
rq("UDIR is merchant level only (sub-merchant page lists ONLINE, OFFLINE)", "refund", dict(ONLINE, refund_type="UDIR"),
   cfg={"sub_merchant_id": "SUB1", "sub_merchant_channel_id": "SUBCH1"}, error=bad("refundType"))
rq("ONLINE without VPA", "refund", {k: v for k, v in ONLINE.items() if k != "merchant_refund_vpa"}, error=bad("merchantRefundVpa"))
rq("malformed VPA", "refund", dict(ONLINE, merchant_refund_vpa="refunds.parentbank"), error=bad("merchantRefundVpa"))
rq("remarks with a hyphen (strict rule)", "refund", dict(ONLINE, remarks="Refund-1"), error=bad("remarks"))
rq("remarks longer than 50", "refund", dict(ONLINE, remarks="a" * 51), error=bad("remarks"))
rq("timestamp without offset", "refund", dict(ONLINE, original_transaction_timestamp="2025-01-01T10:00:00"), error=bad("originalTransactionTimestamp"))
rq("udfParameters with a forbidden character", "refund", dict(ONLINE, udf_parameters="{\"udf1\":\"a/b\"}"), error=bad("udfParameters"))
rq("udfParameters not an object", "refund", dict(ONLINE, udf_parameters="[\"udf1\"]"), error=bad("udfParameters"))
rq("no original id", "refund", {k: v for k, v in ONLINE.items() if k != "original_upi_request_id"}, error=bad("originalUpiRequestId"))
rq("UPI id with a hyphen", "refund", dict(ONLINE, original_upi_request_id="YJP-1"), error=bad("originalUpiRequestId"))
rq("bad uri segment", "refund", ONLINE, {"uri": "n2/x"}, error={"kind": "configuration", "field": "uri"})
rq("plain http host", "refund", ONLINE, {"host": "http://api.example.com"}, error={"kind": "configuration", "field": "host"})
rq("public key given as the merchant private key", "refund", ONLINE, {"signing": {"mode": "pss", "private_key": "test_only_merchant_public_spki.pem"}},
   error={"kind": "configuration", "field": "private_key_pem"})
write("upi360_requests.json", {
    "description": "UPI Refund 360 request building: config (default_config overridden by `config`), fixed clock, operation and input => the exact request or an error naming the field. JWS and HMAC requests are exact; for PSS the x-merchant-signature value is `<PSS>` and must verify against `signature_input` with `signature_public_key`.",
    "source": "tests/vectors/tools/gen_upi360.py (Python json/hmac/cryptography; independent of refundkit), following specs/upi360.md sections 3 to 5 and 9.",
    "default_config": DEFAULT, "cases": req_cases})

# ---------------------------------------------------------------- interpretation
REFUND_REQ = ONLINE
int_cases = []


def envelope(status, code, message, payload=None):
    e = {"status": status, "responseCode": code, "responseMessage": message}
    if payload is not None:
        e["payload"] = payload
    return compact(e)


def payload(gstatus, gcode, gmsg="", **extra):
    p = {"merchantId": "MERCHANT1", "merchantChannelId": "CHANNEL1", "refundRequestId": "RF20250101ABC",
         "originalMerchantRequestId": "ORD-1", "refundAmount": "100.00", "refundType": "ONLINE",
         "refundTimestamp": "2025-01-01T10:00:05+05:30", "gatewayTransactionId": UPI_ID,
         "gatewayRefundReferenceId": "500112345678", "gatewayRefundTransactionId": "YJPREF0001"}
    if gstatus is not None:
        p["gatewayResponseStatus"] = gstatus
    if gcode is not None:
        p["gatewayResponseCode"] = gcode
    p["gatewayResponseMessage"] = gmsg
    p.update(extra)
    return p


def ic(name, body, expect, http=200, sign="raw", op="refund", cfg=None, headers=None, source="specs/upi360.md"):
    hdrs = list(headers or [])
    if sign == "raw":
        hdrs.append(["x-response-signature", pss(PSP, body.encode())])
    elif sign == "sorted":
        hdrs.append(["x-response-signature", pss(PSP, sorted_json(body).encode())])
    elif sign == "wrong_key":
        hdrs.append(["x-response-signature", pss(MERCHANT, body.encode())])
    elif sign == "tampered":
        hdrs.append(["x-response-signature", pss(PSP, body.encode())])
        body = body.replace("100.00", "1.00") if "100.00" in body else body + " "
    elif sign == "jws":
        body = jws(PSP, "psp-kid", body.encode())
    elif sign == "jws_wrong_key":
        body = jws(MERCHANT, "psp-kid", body.encode())
    elif sign == "callback_hex":
        hdrs.append(["x-merchant-payload-signature", pss(PSP, sorted_json(body).encode())])
    elif sign == "callback_base64":
        hdrs.append(["x-merchant-payload-signature", base64.b64encode(bytes.fromhex(pss(PSP, sorted_json(body).encode()))).decode()])
    case = {"name": name, "operation": op, "response": {"status": http, "headers": hdrs, "body": body}, "expect": expect, "source": source}
    if op != "callback":
        case["request"] = REFUND_REQ if op == "refund" else {"refund_request_id": "RF20250101ABC", "original_merchant_request_id": "ORD-1"}
    if cfg:
        case["config"] = cfg
    int_cases.append(case)


F, P, I, S = "failed", "pending", "indeterminate", "succeeded"
RULE = "verdict rule (docs/interpretation.md): documented HTTP status, strict JSON, verified signature, agreeing fields"
rc_rows = [
    ("FAILURE", "Refund failed", F, "declined", "nothing"),
    ("REQUEST_NOT_FOUND", "Original record not found", F, "transaction_not_found", "fix_input"),
    ("REQUEST_EXPIRED", "Request expired", F, "auth_or_clock", "fix_configuration"),
    ("REQUEST_PENDING", "Request pending", P, "in_progress", "poll_later"),
    ("BAD_REQUEST", "amount regex match failed", F, "validation", "fix_input"),
    ("BAD_REQUEST", "Multiple Parallel Refund Request Raised", P, "another_transaction_in_progress", "poll_later"),
    ("INVALID_DATA", "Refund Transaction Id mismatch", F, "validation", "fix_input"),
    ("UNAUTHORIZED", "API NOT ENABLED", F, "auth_or_clock", "fix_configuration"),
    ("INVALID_MERCHANT", "Invalid merchant", F, "configuration", "fix_configuration"),
    ("SERVICE_UNAVAILABLE", "Service unavailable", I, "server_error", "inquire"),
    ("GATEWAY_TIMEOUT", "Gateway timeout", I, "server_error", "inquire"),
    ("DUPLICATE_REQUEST", "Duplicate request", I, "in_progress", "inquire"),
    ("INTERNAL_SERVER_ERROR", "Internal server error", I, "server_error", "inquire"),
    ("INVALID_TRANSACTION_ID", "Invalid transaction ID for refund", F, "validation", "fix_input"),
    ("UNINITIATED_REQUEST", "Original transaction was not successful", F, "not_refundable", "nothing"),
    ("INVALID_REFUND_AMOUNT", "Refund amount exceeds original transaction", F, "validation", "fix_input"),
    ("DROPOUT", "Dropout", F, "declined", "nothing"),
    ("DEVICE_FINGERPRINT_MISMATCH", "Device fingerprint mismatch", F, "declined", "nothing"),
    ("SOMETHING_NEW", "A code nobody documented", I, "unknown_code", "inquire"),
]
for code, msg, st, reason, nxt in rc_rows:
    ic(f"responseCode {code}: {msg}", envelope("FAILURE", code, msg), {"status": st, "reason": reason, "next_step": nxt,
       "codes": {"status": "FAILURE", "responseCode": code}, "raw_message": msg}, source="specs/upi360.md 7.1")

gw_rows = [
    ("SUCCESS", "00", S, "refunded", "nothing"), ("PENDING", "01", P, "in_progress", "poll_later"),
    ("DEEMED", "RB", P, "deemed", "poll_later"), ("DEEMED", "BT", P, "deemed", "poll_later"),
    ("FAILURE", "U30", F, "declined", "nothing"), ("FAILURE", "ZM", F, "declined", "nothing"),
]
for gs, gc, st, reason, nxt in gw_rows:
    ic(f"gatewayResponseStatus {gs} / {gc}", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload(gs, gc, "msg " + gc)),
       {"status": st, "reason": reason, "next_step": nxt, "provider_status": gc, "provider_status_text": "msg " + gc,
        "codes": {"gatewayResponseStatus": gs, "gatewayResponseCode": gc}}, source="specs/upi360.md 7.2, 8")
derive_rows = [("00", S, "refunded", "nothing")] + [(c, P, "in_progress", "poll_later") for c in ["01", "91", "09", "060", "070", "080"]] + \
    [(c, P, "deemed", "poll_later") for c in ["RB", "BT", "96", "JPREFD", "JPRTO"]] + [("U30", I, "unknown_code", "inquire"), ("ZZ9", I, "unknown_code", "inquire")]
for gc, st, reason, nxt in derive_rows:
    ic(f"no gatewayResponseStatus, derived from gatewayResponseCode {gc}", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload(None, gc)),
       {"status": st, "reason": reason, "next_step": nxt}, source="specs/upi360.md 7.2 (union; unknown => indeterminate)")
ic("unknown gatewayResponseStatus INITIATED, pending code 91: derived from the code", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("INITIATED", "91")),
   {"status": P, "reason": "in_progress"})
ic("unknown gatewayResponseStatus and unknown code", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("INITIATED", "X1")),
   {"status": I, "reason": "unknown_code", "next_step": "inquire"})
ic("status says DEEMED although code says 00: status as sent wins", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("DEEMED", "00")),
   {"status": P, "reason": "deemed"})
ic("success keeps ids and exact amounts", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("SUCCESS", "00", "Refund successful", transactionAmount="250.50")),
   {"status": S, "refund_id": "500112345678", "original_id": UPI_ID, "refunded_amount_paise": 10000, "original_amount_paise": 25050,
    "completed_at": "2025-01-01T10:00:05+05:30", "codes": {"gatewayRefundTransactionId": "YJPREF0001", "refundRequestId": "RF20250101ABC"}})
ic("inexact transactionAmount is a warning, not a guess", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("SUCCESS", "00", transactionAmount="250.505")),
   {"status": S, "original_amount_paise": None, "warnings_contain": "transactionAmount"})
ic("refundRequestId mismatch: indeterminate", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("SUCCESS", "00", refundRequestId="RFOTHER")),
   {"status": I, "reason": "unconfirmed", "next_step": "inquire", "warnings_contain": "refundRequestId"})
ic("refundAmount mismatch: indeterminate", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("SUCCESS", "00", refundAmount="1000.00")),
   {"status": I, "reason": "unconfirmed", "warnings_contain": "refundAmount"})
ic("refundType mismatch: indeterminate", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("SUCCESS", "00", refundType="OFFLINE")),
   {"status": I, "reason": "unconfirmed", "warnings_contain": "refundType"})
ic("api v2 payload shape (merchantRequestId, transactionAmount)", envelope("SUCCESS", "SUCCESS", "SUCCESS",
   {"merchantId": "MERCHANT1", "merchantChannelId": "CHANNEL1", "refundRequestId": "RF20250101ABC", "merchantRequestId": "ORD-1",
    "transactionAmount": "500.00", "refundAmount": "100.00", "refundType": "ONLINE", "refundTimestamp": "2025-01-01 10:00:05",
    "gatewayTransactionId": UPI_ID, "gatewayRefundReferenceId": "500112345678", "gatewayResponseStatus": "SUCCESS",
    "gatewayResponseCode": "00", "gatewayResponseMessage": "Success"}), {"status": S, "original_amount_paise": 50000})
ic("SUCCESS without payload", envelope("SUCCESS", "SUCCESS", "SUCCESS"), {"status": I, "reason": "unconfirmed", "next_step": "inquire"})
ic("unknown top-level status", envelope("PROCESSING", "SUCCESS", "x"), {"status": I, "reason": "unknown_code", "next_step": "inquire"})
ic("HTTP 401: signature/credentials", '{"status":"FAILURE","responseCode":"UNAUTHORIZED","responseMessage":"signature validation failed"}',
   {"status": F, "reason": "auth_or_clock", "next_step": "fix_configuration"}, http=401, sign="none")
ic("HTTP 500: indeterminate", "Internal Server Error", {"status": I, "reason": "server_error", "next_step": "inquire"}, http=500, sign="none")
ic("HTTP 502 HTML: indeterminate", "<html>Bad Gateway</html>", {"status": I, "reason": "server_error", "next_step": "inquire"}, http=502, sign="none")
ic("HTTP 429", "", {"status": I, "reason": "rate_limited", "next_step": "inquire"}, http=429, sign="none")
ic("HTTP 404 HTML: wrong path, nothing executed", "<html>Not Found</html>", {"status": I, "reason": "configuration", "next_step": "fix_configuration"}, http=404, sign="none",
   source=RULE)
ic("HTTP 400 unsigned BAD_REQUEST body is read", envelope("FAILURE", "BAD_REQUEST", "Timestamp must be a 13-digit number"),
   {"status": I, "reason": "validation", "next_step": "fix_input", "warnings_contain": "unsigned"}, http=400, sign="none", source=RULE)
ic("HTTP 400 unsigned body claiming success cannot confirm a refund", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("SUCCESS", "00")),
   {"status": I, "reason": "unconfirmed", "next_step": "inquire", "warnings_contain": "unsigned"}, http=400, sign="none")
ic("signed but malformed JSON", "{\"status\":\"SUCC", {"status": I, "reason": "unreadable_response", "next_step": "inquire"})
ic("HTTP 200 without x-response-signature: untrusted", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("FAILURE", "U30")),
   {"status": I, "reason": "untrusted_response", "next_step": "inquire", "warnings_contain": "missing"}, sign="none")
ic("tampered body: untrusted", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("SUCCESS", "00")),
   {"status": I, "reason": "untrusted_response", "next_step": "inquire"}, sign="tampered")
ic("signed with the wrong key: untrusted", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("FAILURE", "U30")),
   {"status": I, "reason": "untrusted_response"}, sign="wrong_key")
ic("signature over sorted-key JSON (KOTAK_BIZ) accepted by default", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("SUCCESS", "00")),
   {"status": S}, sign="sorted")
ic("sorted-key signature rejected when raw_body is configured", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("SUCCESS", "00")),
   {"status": I, "reason": "untrusted_response"}, sign="sorted", cfg={"canonical_form": "raw_body"})
ic("raw signature rejected when sorted_keys is configured", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("SUCCESS", "00")),
   {"status": I, "reason": "untrusted_response"}, sign="raw", cfg={"canonical_form": "sorted_keys"})
ic("status: REQUEST_NOT_FOUND means no refund under this id", envelope("FAILURE", "REQUEST_NOT_FOUND", "Request not found"),
   {"status": F, "reason": "transaction_not_found", "next_step": "retry_later"}, op="status")
ic("status: BAD_REQUEST says nothing about the refund", envelope("FAILURE", "BAD_REQUEST", "bad"),
   {"status": I, "reason": "validation", "next_step": "fix_input"}, op="status")
ic("status: HTTP 401 leaves the refund unknown", "", {"status": I, "reason": "auth_or_clock", "next_step": "fix_configuration"}, op="status", http=401, sign="none")
ic("status: DEEMED with JPRTO", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("DEEMED", "JPRTO")), {"status": P, "reason": "deemed", "next_step": "poll_later"}, op="status")
ic("status: FAILURE of the refund is final", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("FAILURE", "U30", "Debit has failed")),
   {"status": F, "reason": "declined", "next_step": "nothing", "provider_status_text": "Debit has failed"}, op="status")
ic("JWS mode: verified response JWS", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("SUCCESS", "00")), {"status": S, "reason": "refunded"},
   sign="jws", cfg={"signing": JWS_CFG["signing"]})
ic("JWS mode: JWS signed by another key is untrusted", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("SUCCESS", "00")),
   {"status": I, "reason": "untrusted_response"}, sign="jws_wrong_key", cfg={"signing": JWS_CFG["signing"]})
ic("JWS mode: plain JSON on HTTP 200 is untrusted", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("SUCCESS", "00")),
   {"status": I, "reason": "untrusted_response"}, sign="none", cfg={"signing": JWS_CFG["signing"]})
# Verdict rule: only a documented HTTP status (2xx; 401 for auth), strict JSON, a verified signature and fields that
# agree give a verdict.
for http in [100, 199, 300, 302, 304, 400, 402, 403, 404, 409, 410, 422, 451, 600, 999]:
    ic(f"HTTP {http} unsigned FAILURE is no verdict", '{"status":"FAILURE","responseCode":"FAILURE"}', {"status": I},
       http=http, sign="none", source=RULE)
    ic(f"status: HTTP {http} unsigned FAILURE is no verdict", '{"status":"FAILURE","responseCode":"FAILURE"}', {"status": I},
       http=http, sign="none", op="status", source=RULE)
for http in [100, 300, 302, 400, 600, 999]:
    ic(f"HTTP {http} signed SUCCESS is no verdict", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("SUCCESS", "00")),
       {"status": I}, http=http, source=RULE)
    ic(f"HTTP {http} unreadable body is no verdict", "x", {"status": I}, http=http, sign="none", source=RULE)
ic("HTTP 201 signed SUCCESS (2xx) is a verdict", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("SUCCESS", "00")),
   {"status": S, "reason": "refunded"}, http=201, source=RULE)
for code in ["BT", "JPRTO", "RB", "96", "JPREFD"]:
    ic(f"gatewayResponseStatus FAILURE with DEEMED code {code} is deemed, not failed",
       envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("FAILURE", code)),
       {"status": P, "reason": "deemed", "next_step": "poll_later", "warnings_contain": "disagrees"}, source=RULE)
    ic(f"status: gatewayResponseStatus FAILURE with DEEMED code {code} is deemed",
       envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("FAILURE", code)),
       {"status": P, "reason": "deemed", "next_step": "poll_later"}, op="status", source=RULE)
UDIR_REQ = dict(REFUND_REQ, refund_type="UDIR")
UDIR_REQ.pop("merchant_refund_vpa", None)
int_cases_before = len(int_cases)
ic("UDIR: SUCCESS with JPREFD (markUdirDeemedAsSuccess) is deemed, not final",
   envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("SUCCESS", "JPREFD", refundType="UDIR")),
   {"status": P, "reason": "deemed", "next_step": "poll_later"}, source=RULE)
int_cases[int_cases_before]["request"] = UDIR_REQ
ic("UDIR: SUCCESS with 00 is refunded", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("SUCCESS", "00", refundType="UDIR")),
   {"status": S, "reason": "refunded"}, source=RULE)
int_cases[int_cases_before + 1]["request"] = UDIR_REQ
for gs, gc in [("SUCCESS", "01"), ("FAILURE", "00"), ("PENDING", "00"), ("SUCCESS", "91")]:
    ic(f"gatewayResponseStatus {gs} with code {gc} disagree: not final", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload(gs, gc)),
       {"status": I, "reason": "unconfirmed", "next_step": "inquire"}, source=RULE)
ic("status SUCCESS with responseCode FAILURE disagree: not final", envelope("SUCCESS", "FAILURE", "x", payload("SUCCESS", "00")),
   {"status": I, "reason": "unconfirmed", "next_step": "inquire"}, source=RULE)
ic("status FAILURE with responseCode SUCCESS disagree: not final", envelope("FAILURE", "SUCCESS", "x"),
   {"status": I, "reason": "unconfirmed", "next_step": "inquire"}, source=RULE)
good = envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("SUCCESS", "00"))
for what, body in [
    ("duplicate top-level status keys", good.replace('"status":"SUCCESS"', '"status":"FAILURE","status":"SUCCESS"', 1)),
    ("duplicate gatewayResponseStatus keys", good.replace('"gatewayResponseStatus":"SUCCESS"', '"gatewayResponseStatus":"FAILURE","gatewayResponseStatus":"SUCCESS"', 1)),
    ("an invalid escape", good.replace('"responseMessage":"SUCCESS"', '"responseMessage":"\\q"', 1)),
    ("a lone surrogate", good.replace('"responseMessage":"SUCCESS"', '"responseMessage":"\\ud800"', 1)),
    ("200-deep nesting", good[:-1] + ',"x":' + "[" * 200 + "]" * 200 + "}"),
]:
    ic(f"signed answer with {what} is unreadable", body, {"status": I, "reason": "unreadable_response", "next_step": "inquire"},
       sign="raw", source=RULE)
ic("unknown fields do not change a signed verdict", envelope("SUCCESS", "SUCCESS", "SUCCESS", payload("SUCCESS", "00", zzNew={"a": [1]})),
   {"status": S, "reason": "refunded"}, source=RULE)
cb = compact({"type": "MERCHANT_DEBITED_VIA_REFUND", "refundRequestId": "RF20250101ABC", "refundAmount": "100.00",
              "gatewayResponseStatus": "SUCCESS", "gatewayResponseCode": "00", "gatewayRefundReferenceId": "500112345678"})
ic("callback: hex signature over sorted-key JSON", cb, {"status": S, "refund_id": "500112345678"}, op="callback", sign="callback_hex")
ic("callback: base64 signature accepted", cb, {"status": S}, op="callback", sign="callback_base64")
ic("callback: missing signature is untrusted", cb, {"status": I, "reason": "untrusted_response", "next_step": "inquire"}, op="callback", sign="none")
cbd = compact({"type": "MERCHANT_DEBITED_VIA_REFUND", "refundRequestId": "RF20250101ABC", "gatewayResponseStatus": "DEEMED", "gatewayResponseCode": "RB"})
ic("callback: DEEMED is pending", cbd, {"status": P, "reason": "deemed"}, op="callback", sign="callback_hex")
cbf = compact({"type": "MERCHANT_DEBITED_VIA_REFUND", "refundRequestId": "RF20250101ABC", "gatewayResponseStatus": "FAILURE", "gatewayResponseCode": "BT"})
ic("callback: FAILURE with DEEMED code BT is deemed", cbf, {"status": P, "reason": "deemed"}, op="callback", sign="callback_hex", source=RULE)
cbdup = cb.replace('"gatewayResponseStatus":"SUCCESS"', '"gatewayResponseStatus":"FAILURE","gatewayResponseStatus":"SUCCESS"', 1)
ic("callback: duplicate keys are never final", cbdup, {"status": I}, op="callback", sign="callback_hex", source=RULE)
write("upi360_interpret.json", {
    "description": "UPI Refund 360 interpretation: operation (refund | status | callback) + request + HTTP response (signed by the TEST-ONLY PSP key) => outcome. Expected values come from specs/upi360.md sections 6 to 8, not from refundkit.",
    "source": "tests/vectors/tools/gen_upi360.py (Python cryptography signs responses: PSS salt 32 hex, RS256 JWS)",
    "default_config": DEFAULT, "cases": int_cases})
print(len(signing["jws"]) + len(signing["pss_verify"]) + len(signing["hmac"]) + len(signing["signature_input"]), len(req_cases), len(int_cases))
