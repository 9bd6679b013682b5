//! Paytm simulation: Refund Apply and Refund Status, regular PG (`/refund/apply`, `/v2/refund/status`) and AI-router
//! (`/aoa-refund-service/refund/apply`, `/aoa-refund-service/refund/query`).
//!
//! Authentication as Paytm's server does it (spec `paytm.md` §4): the `head.signature` checksum is verified over the
//! **raw `body` substring** of the received text, never over a re-serialisation; a mismatch answers
//! `TXN_FAILURE 330 "Paytm checksum mismatch."` and nothing is executed. Answers are signed the same way with the
//! merchant key (`head.signature` over the raw `body` text), with deterministic salts.

use crate::fault::Operation;
use crate::http::{Request, Response};
use crate::state::{lock, LedgerEntry, RefundState, Shared, State};
use crate::util::{derive_chars, ist_paytm, raw_object_member, rupees, ALNUM};
use refundkit::paytm::checksum;
use refundkit::{Money, Provider};
use serde_json::{json, Map, Value};

/// The Paytm operation a request is for.
pub(crate) fn classify(req: &Request) -> Option<Operation> {
    if req.method != "POST" {
        return None;
    }
    match req.path.as_str() {
        "/refund/apply" | "/aoa-refund-service/refund/apply" => Some(Operation::PaytmRefundApply),
        "/v2/refund/status" | "/aoa-refund-service/refund/query" => Some(Operation::PaytmRefundStatus),
        _ => None,
    }
}

fn result_info(status: &str, code: &str, msg: &str) -> Value {
    json!({"resultStatus": status, "resultCode": code, "resultMsg": msg})
}

/// Writes `{"head":{...},"body":<body>}` with `head.signature` over exactly the body text written.
fn envelope(shared: &Shared, state: &mut State, ai_router: bool, body: Value, sign: bool, now_ms: u64) -> Response {
    let body_text = body.to_string();
    let mut head = Map::new();
    let ts_name = if ai_router { "responseTimeStamps" } else { "responseTimestamp" };
    head.insert(ts_name.into(), json!(now_ms.to_string()));
    head.insert("version".into(), json!("v1"));
    if sign {
        let n = state.next("paytm.salt");
        let salt = derive_chars(state.seed, "paytm.salt", n, 4, ALNUM);
        if let Ok(sig) = checksum::checksum(&body_text, &shared.paytm_key, &salt) {
            head.insert("signature".into(), json!(sig));
        }
    }
    let text = format!("{{\"head\":{},\"body\":{}}}", Value::Object(head), body_text);
    Response::json(200, text)
}

fn text_field(m: &Map<String, Value>, name: &str) -> Option<String> {
    match m.get(name)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Handles one Paytm request.
pub(crate) fn handle(shared: &Shared, op: Operation, req: &Request, now_ms: u64) -> Response {
    let ai_router = req.path.starts_with("/aoa-refund-service/");
    let apply = op == Operation::PaytmRefundApply;
    let missing_code = if apply { ("600", "Invalid refund request") } else { ("625", "Parameter missing") };
    let text = std::str::from_utf8(&req.body).unwrap_or("");
    let parsed = serde_json::from_str::<Value>(text).ok();
    let raw_body = raw_object_member(text, "body");
    let body = parsed.as_ref().and_then(|v| v.get("body")).and_then(Value::as_object).cloned();
    let signature =
        parsed.as_ref().and_then(|v| v.get("head")).and_then(|h| h.get("signature")).and_then(Value::as_str);
    let mut state = lock(&shared.state);
    let (Some(raw_body), Some(body)) = (raw_body, body) else {
        let b = json!({"resultInfo": result_info("TXN_FAILURE", missing_code.0, missing_code.1)});
        return envelope(shared, &mut state, ai_router, b, false, now_ms);
    };
    let mid = text_field(&body, "mid");
    if mid.as_deref() != Some(shared.config.paytm.mid.as_str()) {
        // An unknown MID has no key to sign with: the answer is unsigned.
        let b = json!({"resultInfo": result_info("TXN_FAILURE", "335", "Mid is invalid")});
        return envelope(shared, &mut state, ai_router, b, false, now_ms);
    }
    let verified = signature.is_some_and(|sig| checksum::verify(raw_body, &shared.paytm_key, sig));
    if !verified {
        let b = json!({"resultInfo": result_info("TXN_FAILURE", "330", "Paytm checksum mismatch.")});
        return envelope(shared, &mut state, ai_router, b, true, now_ms);
    }
    if shared.config.strict {
        if let Err(code) = strict_body(&body, apply, ai_router) {
            let b = json!({"resultInfo": result_info("TXN_FAILURE", code.0, code.1)});
            return envelope(shared, &mut state, ai_router, b, true, now_ms);
        }
    }
    let answer = if apply {
        refund_apply(&mut state, &body, now_ms)
    } else {
        refund_status(&mut state, &body, ai_router, shared.config.polls_until_success, shared.config.paytm.mid.as_str())
    };
    envelope(shared, &mut state, ai_router, answer, true, now_ms)
}

/// Strict checks against Paytm's request tables (spec `paytm.md` §2.2, §2.3): every documented field is a JSON
/// string (`refundAmount` too: "upto two decimal places. The only special character allowed is '.'"), within its
/// documented length; `orderId` in `[A-Za-z0-9@\-_.]`; `comments` at most 500 characters (the most permissive of
/// Paytm's 50/255/500). Apply answers `600 Invalid refund request`, status `624 Parameter illegal`.
fn strict_body(body: &Map<String, Value>, apply: bool, ai_router: bool) -> Result<(), (&'static str, &'static str)> {
    let code = if apply { ("600", "Invalid refund request") } else { ("624", "Parameter illegal") };
    let limits: &[(&str, usize)] = if apply {
        &[
            ("mid", 20),
            ("txnType", 10),
            ("orderId", 50),
            ("refId", 50),
            ("txnId", 64),
            ("refundAmount", 20),
            ("comments", 500),
        ]
    } else if ai_router {
        &[("mid", 20), ("orderId", 50), ("refId", 50), ("refundId", 64)]
    } else {
        &[("mid", 20), ("orderId", 50), ("refId", 50)]
    };
    for (name, max) in limits {
        match body.get(*name) {
            None => {}
            Some(Value::String(v)) if v.chars().count() <= *max => {}
            Some(_) => return Err(code),
        }
    }
    let order_charset = |v: &str| v.bytes().all(|b| b.is_ascii_alphanumeric() || b"@-_.".contains(&b));
    if body.get("orderId").and_then(Value::as_str).is_some_and(|o| !order_charset(o)) {
        return Err(code);
    }
    Ok(())
}

fn refund_apply(state: &mut State, body: &Map<String, Value>, now_ms: u64) -> Value {
    let fail = |code: &str, msg: &str| json!({"resultInfo": result_info("TXN_FAILURE", code, msg)});
    let (Some(mid), Some(order_id), Some(ref_id), Some(txn_id), Some(amount_text)) = (
        text_field(body, "mid"),
        text_field(body, "orderId"),
        text_field(body, "refId"),
        text_field(body, "txnId"),
        text_field(body, "refundAmount"),
    ) else {
        return fail("600", "Invalid refund request");
    };
    if text_field(body, "txnType").as_deref() != Some("REFUND") {
        return fail("600", "Invalid refund request");
    }
    if state.paytm_refs.contains_key(&ref_id) {
        // Duplicate refId: rejected, no second refund.
        return fail("617", "Refund Already Raised");
    }
    let Some(record) = state.paytm.get(&order_id) else { return fail("627", "Order Details Mismatch") };
    if record.order.txn_id != txn_id {
        return fail("627", "Order Details Mismatch");
    }
    let two_decimals = amount_text.split_once('.').is_some_and(|(r, p)| {
        !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()) && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit())
    }) || amount_text.bytes().all(|b| b.is_ascii_digit());
    let amount = match Money::parse_rupees(&amount_text) {
        Ok(m) if two_decimals && m.is_positive() => m.paise(),
        _ => return fail("619", "Invalid refund amount"),
    };
    let order = record.order.clone();
    if amount < order.amount_paise && amount < 100 {
        return fail("635", "Partial Refund under Rupee 1 is not allowed");
    }
    if order.refunded_paise.checked_add(amount).is_none_or(|total| total > order.amount_paise) {
        return fail("619", "Invalid refund amount");
    }
    // Commit.
    let refund_id = format!("2026{}", state.digits("paytm.refund_id", 26));
    if let Some(r) = state.paytm.get_mut(&order_id) {
        r.order.refunded_paise = r.order.refunded_paise.saturating_add(amount);
    }
    state.ledger.push(LedgerEntry {
        provider: Provider::Paytm,
        reference: ref_id.clone(),
        provider_refund_id: refund_id.clone(),
        original_id: order_id.clone(),
        amount_paise: amount,
        state: RefundState::Pending,
        money_moved: 1,
        status_polls: 0,
        created_at_ms: now_ms,
    });
    let index = state.ledger.len() - 1;
    state.paytm_refs.insert(ref_id.clone(), index);
    let txn_time = state.paytm.get(&order_id).map_or(now_ms, |r| r.created_at_ms);
    json!({
        "txnTimestamp": ist_paytm(txn_time), "orderId": order_id, "mid": mid, "refId": ref_id,
        "resultInfo": result_info("PENDING", "601", "Refund request was raised for this transaction. But it is pending state"),
        "refundId": refund_id, "txnId": txn_id, "refundAmount": rupees(amount),
    })
}

fn refund_status(state: &mut State, body: &Map<String, Value>, ai_router: bool, polls: u32, mid: &str) -> Value {
    let fail = |code: &str, msg: &str| json!({"resultInfo": result_info("TXN_FAILURE", code, msg)});
    let Some(order_id) = text_field(body, "orderId") else { return fail("625", "Parameter missing") };
    let ref_id = text_field(body, "refId");
    let refund_id = if ai_router { text_field(body, "refundId") } else { None };
    let index = match (&ref_id, &refund_id) {
        (Some(r), _) => state.paytm_refs.get(r).copied(),
        (None, Some(id)) => {
            state.ledger.iter().position(|e| e.provider == Provider::Paytm && e.provider_refund_id == *id)
        }
        (None, None) => return fail("625", "Parameter missing"),
    };
    let Some(index) = index else { return fail("631", "Record not found") };
    if state.ledger[index].original_id != order_id {
        return fail("627", "Order Details Mismatch");
    }
    let entry = &mut state.ledger[index];
    entry.status_polls += 1;
    if entry.status_polls > polls {
        entry.state = RefundState::Succeeded;
    }
    let entry = entry.clone();
    let Some(order) = state.paytm.get(&order_id).map(|r| (r.order.clone(), r.created_at_ms)) else {
        return fail("631", "Record not found");
    };
    let (order, created) = order;
    let success = entry.state == RefundState::Succeeded;
    let info = if success {
        result_info("TXN_SUCCESS", "10", "Refund Successfull")
    } else {
        result_info("PENDING", "601", "Refund request was raised for this transaction. But it is pending state")
    };
    let total_name = if ai_router { "totalrefundAmount" } else { "totalRefundAmount" };
    let mut b = json!({
        "orderId": order.order_id, "mid": mid, "refId": entry.reference, "refundId": entry.provider_refund_id,
        "txnId": order.txn_id, "txnAmount": rupees(order.amount_paise), "refundAmount": rupees(entry.amount_paise),
        "txnTimestamp": ist_paytm(created), "merchantRefundRequestTimestamp": ist_paytm(entry.created_at_ms),
        "resultInfo": info, "source": "MERCHANT",
        "refundDetailInfoList": [{
            "refundType": "TO_SOURCE", "payMethod": "UPI", "refundAmount": rupees(entry.amount_paise),
            "userMobileNo": "91-******7890",
        }],
    });
    b[total_name] = json!(rupees(order.refunded_paise));
    if success {
        b["acceptRefundStatus"] = json!("SUCCESS");
        b["acceptRefundTimestamp"] = json!(ist_paytm(entry.created_at_ms));
        b["userCreditInitiateStatus"] = json!("SUCCESS");
        b["userCreditInitiateTimestamp"] = json!(ist_paytm(entry.created_at_ms));
    }
    b
}
