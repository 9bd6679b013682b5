#!/usr/bin/env python3
"""Adds (or updates, by name) the verdict-rule regression cases of the Eko vector files.

The Eko files are otherwise hand-written from the spec's tables. Run from the repository root:
    python3 tests/vectors/tools/eko_vectors.py
Expected values follow the verdict rule (docs/interpretation.md): a final verdict only from a documented HTTP status
and a strictly parsed, self-consistent body.
"""
import json

INTERPRET = "tests/vectors/eko_interpret.json"
REQUESTS = "tests/vectors/eko_requests.json"
SRC = "verdict rule (docs/interpretation.md); spec eko.md §6.5, §7"

SUCCESS = ('{"response_status_id":0,"response_type_id":74,"message":"Refund done","status":0,'
           '"data":{"refund_tid":"2147591637","tid":"13192443"}}')


def resp(status, body):
    return {"status": status, "headers": [], "body": body}


def case(name, op, http, body, **expect):
    return {"name": name, "operation": op, "response": resp(http, body), "expect": expect, "source": SRC}


def indet(op, http, body, name, reason, next_step):
    return case(name, op, http, body, status="indeterminate", reason=reason, next_step=next_step)


def interpret_cases():
    out = []
    # Changed rows: an unreadable OTP answer and an undocumented 4xx are no verdicts.
    out.append(indet("refund_otp", 200, "<html>Service Unavailable</html>", "OTP: body is not JSON",
                     "unreadable_response", "retry_later"))
    out.append(indet("initiate_refund", 400, "x", "refund: HTTP 400", "server_error", "inquire"))
    # Duplicate keys, at the top and nested: the last-key-wins reading would be SUCCEEDED.
    out.append(indet("initiate_refund", 200, '{"status":1,"status":0,"response_type_id":74}',
                     "refund: duplicate status keys are unreadable, never succeeded", "unreadable_response",
                     "inquire"))
    out.append(indet("initiate_refund", 200,
                     '{"status":0,"response_type_id":0,"data":{"refund_tid":"","refund_tid":"2147591637"}}',
                     "refund: duplicate keys inside data are unreadable", "unreadable_response", "inquire"))
    out.append(indet("inquiry", 200, '{"status":0,"tx_status":"3","tx_status":"4"}',
                     "inquiry: duplicate tx_status keys are unreadable", "unreadable_response", "inquire"))
    out.append(indet("refund_otp", 200, '{"status":0,"status":0,"data":{"otp_ref_id":"abc"}}',
                     "OTP: duplicate keys are unreadable", "unreadable_response", "retry_later"))
    # Bad escapes, lone surrogates, deep nesting.
    out.append(indet("initiate_refund", 200, SUCCESS[:-2] + ',"note":"\\q"}}',
                     "refund: an invalid escape makes a success unreadable", "unreadable_response", "inquire"))
    out.append(indet("initiate_refund", 200, SUCCESS[:-2] + ',"note":"\\ud800"}}',
                     "refund: a lone surrogate makes a success unreadable", "unreadable_response", "inquire"))
    deep = '{"status":0,"response_type_id":74,"x":' + '[' * 200 + ']' * 200 + '}'
    out.append(indet("initiate_refund", 200, deep, "refund: 200-deep nesting is unreadable",
                     "unreadable_response", "inquire"))
    # Blank refund_tid confirms nothing.
    for blank in [" ", "\\t", "   "]:
        body = '{"status":0,"message":"ok","data":{"refund_tid":"%s","tid":"13192443"}}' % blank
        out.append(indet("initiate_refund", 200, body,
                         "refund: blank refund_tid %r is no confirmation" % blank, "unconfirmed", "inquire"))
    # Fields that disagree.
    out.append(indet("initiate_refund", 200,
                     '{"status":0,"response_type_id":74,"tx_status":"1","data":{"refund_tid":"2147591637"}}',
                     "refund: refund_tid next to tx_status 1 (failed) is not final", "unconfirmed", "inquire"))
    out.append(indet("inquiry", 200, '{"status":0,"tx_status":"4","data":{"tx_status":"3"}}',
                     "inquiry: tx_status and data.tx_status disagree", "unconfirmed", "inquire"))
    # HTTP statuses Eko does not document are no verdicts; 401 is auth, not a refund verdict.
    out.append(indet("initiate_refund", 401, '{"message":"Unauthorized"}',
                     "refund: HTTP 401 is auth_or_clock, not a refund verdict", "auth_or_clock",
                     "fix_configuration"))
    out.append(indet("refund_otp", 401, '', "OTP: HTTP 401 is auth_or_clock, not a verdict", "auth_or_clock",
                     "fix_configuration"))
    for status in [100, 199, 300, 302, 304, 400, 402, 409, 410, 422, 451, 600, 999]:
        out.append(indet("initiate_refund", status, SUCCESS,
                         "refund: HTTP %d with a success body is no verdict" % status, "server_error", "inquire"))
        out.append(indet("refund_otp", status, '{"status":302,"message":"x"}',
                         "OTP: HTTP %d is no verdict" % status, "server_error", "retry_later"))
    # Unknown fields never change a verdict.
    out.append(case("refund: unknown fields do not change a success", "initiate_refund", 200,
                    SUCCESS[:-2] + ',"zz_new":{"a":[1,2]}},"extra":null}',
                    status="succeeded", reason="refunded", next_step="nothing", refund_id="2147591637"))
    return out


def upsert(path, cases):
    raw = open(path, encoding="utf-8").read()
    doc = json.loads(raw)
    by_name = {c["name"]: i for i, c in enumerate(doc["cases"])}
    for c in cases:
        if c["name"] in by_name:
            old = doc["cases"][by_name[c["name"]]]
            c = dict(c)
            if "source" in old and old["source"] != SRC:
                c["source"] = old["source"] + "; " + SRC
            elif "source" not in old:
                c.pop("source", None)
            doc["cases"][by_name[c["name"]]] = c
        else:
            doc["cases"].append(c)
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")


def request_cases():
    legacy = {"flavour": "legacy_form", "base_url": "https://staging.eko.in/ekoapi/v1"}
    return [{
        "name": "legacy refund (form): otp_ref_id cannot be sent and is refused, not dropped",
        "operation": "initiate_refund",
        "input": {"tid": "13192443", "otp": "123456", "otp_ref_id": "zCIS+a/b="},
        "now_ms": 1700000000000,
        "config": legacy,
        "expect_error": {"kind": "invalid_input", "field": "otp_ref_id"},
        "source": "spec eko.md §4.5: the legacy refund form fields are initiator_id, otp, state, user_code",
    }]


def fix_legacy_documented_fields():
    raw = open(REQUESTS, encoding="utf-8").read()
    doc = json.loads(raw)
    for c in doc["cases"]:
        if c["name"] == "legacy refund (form): documented fields only":
            c["input"].pop("otp_ref_id", None)
    with open(REQUESTS, "w", encoding="utf-8") as f:
        f.write(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    upsert(INTERPRET, interpret_cases())
    fix_legacy_documented_fields()
    upsert(REQUESTS, request_cases())
