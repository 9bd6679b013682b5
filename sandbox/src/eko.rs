//! Eko v3 simulation: Get/Resend Refund OTP, Initiate Refund, Transaction Inquiry, Get Pending Refunds, under both
//! `/ekoapi/v3` (UAT) and `/ekoicici/v3` (production) prefixes; plus the legacy v1/v2 form API
//! (`/transactions/{tid}/refund/otp`, `/transactions/{tid}/refund`, `/transactions/{tid}`) under `/ekoapi/v1`,
//! `/ekoapi/v2`, `/ekoicici/v1` and `/ekoicici/v2`, with the same answers.
//!
//! Authentication as Eko: `developer_key` must match, and `secret-key` must equal
//! `refundkit::eko::secret_key(access_key, secret-key-timestamp)` with the timestamp within
//! [`SandboxConfig::eko_timestamp_window_ms`](crate::SandboxConfig) of the server clock; otherwise HTTP 403 and
//! nothing is executed. Answers follow the shapes of Eko's samples (spec `eko.md` §4 to §6).

use crate::fault::Operation;
use crate::http::{Request, Response};
use crate::state::{lock, EkoTransaction, IssuedOtp, LedgerEntry, RefundState, Shared, State};
use crate::util::{parse_query, percent_decode, rupees, utc_iso_millis};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use refundkit::Provider;
use serde_json::{json, Map, Value};

/// v3 JSON prefixes (UAT, production) and legacy v1/v2 form prefixes.
const PREFIXES: [(&str, bool); 6] = [
    ("/ekoapi/v3", false),
    ("/ekoicici/v3", false),
    ("/ekoapi/v1", true),
    ("/ekoapi/v2", true),
    ("/ekoicici/v1", true),
    ("/ekoicici/v2", true),
];

/// The path after the prefix (starting with `/`) and whether it is the legacy form API.
fn strip_prefix(path: &str) -> Option<(&str, bool)> {
    PREFIXES
        .iter()
        .find_map(|(p, legacy)| path.strip_prefix(p).map(|rest| (rest, *legacy)))
        .filter(|(rest, _)| rest.starts_with('/'))
}

/// The Eko operation a request is for.
pub(crate) fn classify(req: &Request) -> Option<Operation> {
    let (rest, legacy) = strip_prefix(&req.path)?;
    let segments: Vec<&str> = rest[1..].split('/').collect();
    match (req.method.as_str(), segments.as_slice(), legacy) {
        ("POST", ["customer", "payment", "refund", _, "otp"], false) => Some(Operation::EkoRefundOtp),
        ("POST", ["customer", "payment", "refund", _], false) => Some(Operation::EkoInitiateRefund),
        ("GET", ["tools", "reference", "transaction", _], false) => Some(Operation::EkoInquiry),
        // The query form Eko's official Python SDK sends: `?tid=…&initiator_id=…&user_code=…`.
        ("GET", ["tools", "reference", "transaction"], false) => Some(Operation::EkoInquiry),
        ("GET", ["customer", "payment", "refunds"], false) => Some(Operation::EkoPendingRefunds),
        ("POST", ["transactions", _, "refund", "otp"], true) => Some(Operation::EkoRefundOtp),
        ("POST", ["transactions", _, "refund"], true) => Some(Operation::EkoInitiateRefund),
        ("GET", ["transactions", _], true) => Some(Operation::EkoInquiry),
        _ => None,
    }
}

/// The decoded tid (or inquiry reference) in the path.
fn path_id(req: &Request) -> String {
    let (rest, legacy) = strip_prefix(&req.path).unwrap_or(("/", false));
    let index = if legacy { 1 } else { 3 };
    percent_decode(rest.get(1..).unwrap_or("").split('/').nth(index).unwrap_or(""), false)
}

/// The inquiry reference: the path segment, or the `tid` query parameter of the query form
/// (`/tools/reference/transaction?tid=…`). `None` when the query form has no `tid`.
fn inquiry_ref(req: &Request) -> Option<String> {
    let (rest, legacy) = strip_prefix(&req.path)?;
    if !legacy && rest.trim_end_matches('/') == "/tools/reference/transaction" {
        return req.query_param("tid").filter(|t| !t.is_empty());
    }
    Some(path_id(req))
}

/// The documented v3 body fields (spec `eko.md` §4.1, §4.2). Eko answers anything else with
/// `{"message":"No key for Response"}` [FIELD].
const OTP_FIELDS: [&str; 2] = ["initiator_id", "user_code"];
const REFUND_FIELDS: [&str; 6] = ["initiator_id", "user_code", "otp", "otp_ref_id", "service_code", "state"];

/// Strict checks of a v3 JSON body against Eko's request tables: only documented fields; `user_code` and
/// `otp_ref_id` strings; `otp` an integer (int32 in Eko's docs, so a JSON number, not a string); `service_code` an
/// integer; `state` the integer 1. `initiator_id` may be a string or a number (Eko's sources disagree).
fn strict_v3_body(op: Operation, body: &Map<String, Value>) -> bool {
    let allowed: &[&str] = if op == Operation::EkoRefundOtp { &OTP_FIELDS } else { &REFUND_FIELDS };
    if body.keys().any(|k| !allowed.contains(&k.as_str())) {
        return false;
    }
    let is_int = |v: &Value| v.as_u64().is_some() || v.as_i64().is_some();
    body.iter().all(|(k, v)| match k.as_str() {
        "initiator_id" => v.is_string() || is_int(v),
        "user_code" | "otp_ref_id" => v.is_string(),
        "otp" | "service_code" => is_int(v),
        "state" => v.as_u64() == Some(1),
        _ => true,
    })
}

fn envelope(status: i64, response_status_id: i64, response_type_id: i64, message: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("status".into(), json!(status));
    m.insert("response_status_id".into(), json!(response_status_id));
    m.insert("response_type_id".into(), json!(response_type_id));
    m.insert("message".into(), json!(message));
    m
}

fn answer(m: Map<String, Value>) -> Response {
    Response::value(200, &Value::Object(m))
}

fn forbidden(why: &str) -> Response {
    Response::value(
        403,
        &json!({"status": 403, "message": format!("Forbidden: {why}. Use your access_key (not the developer_key) and a fresh secret-key-timestamp.")}),
    )
}

/// Eko's authentication: `developer_key`, `secret-key`, `secret-key-timestamp`.
fn authenticate(shared: &Shared, req: &Request, now_ms: u64) -> Result<(), Response> {
    let creds = &shared.config.eko;
    if req.header("developer_key") != Some(creds.developer_key.as_str()) {
        return Err(forbidden("invalid developer_key"));
    }
    let Some(ts_text) = req.header("secret-key-timestamp") else {
        return Err(forbidden("missing secret-key-timestamp"));
    };
    let Ok(ts) = ts_text.parse::<u64>() else { return Err(forbidden("malformed secret-key-timestamp")) };
    if ts.to_string() != ts_text {
        return Err(forbidden("malformed secret-key-timestamp"));
    }
    if ts.abs_diff(now_ms) > shared.config.eko_timestamp_window_ms {
        return Err(forbidden("secret-key-timestamp does not match the current time"));
    }
    let expected = refundkit::eko::secret_key(&creds.access_key, ts);
    let given = req.header("secret-key").unwrap_or("");
    if !refundkit::secret::constant_time_eq(expected.as_bytes(), given.as_bytes()) {
        return Err(forbidden("invalid secret-key"));
    }
    Ok(())
}

fn no_key() -> Response {
    Response::value(200, &json!({"message": "No key for Response"}))
}

fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Handles one authenticated-or-not Eko request.
pub(crate) fn handle(shared: &Shared, op: Operation, req: &Request, now_ms: u64) -> Response {
    if let Err(r) = authenticate(shared, req, now_ms) {
        return r;
    }
    let legacy = strip_prefix(&req.path).is_some_and(|(_, legacy)| legacy);
    let body = if req.method == "POST" {
        let ct = req.header("content-type").unwrap_or("").to_ascii_lowercase();
        if legacy {
            if !ct.starts_with("application/x-www-form-urlencoded") {
                return Response::text(415, "Unsupported Media Type: send application/x-www-form-urlencoded");
            }
            let text = String::from_utf8_lossy(&req.body);
            parse_query(&text).into_iter().map(|(k, v)| (k, Value::String(v))).collect()
        } else {
            if !ct.starts_with("application/json") {
                return Response::text(415, "Unsupported Media Type: send application/json");
            }
            match serde_json::from_slice::<Value>(&req.body) {
                Ok(Value::Object(m)) if !shared.config.strict || strict_v3_body(op, &m) => m,
                _ => return no_key(),
            }
        }
    } else {
        Map::new()
    };
    let creds = &shared.config.eko;
    let initiator =
        if req.method == "POST" { text_of(body.get("initiator_id")) } else { req.query_param("initiator_id") };
    match initiator {
        None => return no_key(),
        Some(i) if i != creds.initiator_id => {
            return answer(envelope(319, -1, -1, "Invalid initiator_id / user does not exist"));
        }
        Some(_) => {}
    }
    let user_code = if req.method == "POST" { text_of(body.get("user_code")) } else { req.query_param("user_code") };
    if let Some(u) = &user_code {
        if *u != creds.user_code {
            return answer(envelope(346, -1, -1, "User/Agent not onboarded or wrong user_code"));
        }
    }
    // v3 Inquiry and Get Pending Refunds document `user_code` as a query parameter (spec §4.3, §4.4); the legacy
    // inquiry does not ("+ user_code in some clients").
    if shared.config.strict && req.method == "GET" && !legacy && user_code.is_none() {
        return no_key();
    }
    let mut state = lock(&shared.state);
    match op {
        Operation::EkoRefundOtp => refund_otp(&mut state, &path_id(req), now_ms),
        Operation::EkoInitiateRefund => {
            if user_code.is_none() {
                return no_key();
            }
            initiate_refund(&mut state, &path_id(req), &body, now_ms, shared.config.eko_otp_ttl_ms)
        }
        Operation::EkoInquiry => match inquiry_ref(req) {
            Some(reference) => inquiry(&state, &reference),
            None => no_key(),
        },
        _ => pending_refunds(&state, req.query_param("customer_id")),
    }
}

fn tid_not_found() -> Response {
    answer(envelope(168, -1, -1, "TID does not exist"))
}

fn invalid_tid(tid: &str) -> Option<Response> {
    if tid.is_empty() || !tid.bytes().all(|b| b.is_ascii_digit()) {
        let mut m = envelope(0, -1, -1, "Invalid TID {2} {3}");
        m.insert("invalid_params".into(), json!({"tid": "Invalid_tid_Format {2} {3}"}));
        return Some(answer(m));
    }
    None
}

fn already_refunded() -> Response {
    answer(envelope(1, -1, -1, "Transaction is already in refunded state."))
}

fn not_refundable() -> Response {
    answer(envelope(1, -1, -1, "Transaction is not in a refundable state."))
}

fn refund_otp(state: &mut State, tid: &str, now_ms: u64) -> Response {
    if let Some(r) = invalid_tid(tid) {
        return r;
    }
    let Some(tx_status) = state.eko.get(tid).map(|r| r.txn.tx_status) else { return tid_not_found() };
    match tx_status {
        3 => {}
        4 => return already_refunded(),
        _ => return not_refundable(),
    }
    let otp = state.digits("eko.otp", 6);
    let ref_bytes: Vec<u8> = (0..45).map(|_| state.next("eko.otp_ref") as u8).collect();
    let otp_ref_id = STANDARD.encode(ref_bytes);
    if let Some(record) = state.eko.get_mut(tid) {
        record.otp = Some(IssuedOtp { otp: otp.clone(), otp_ref_id: otp_ref_id.clone(), issued_at_ms: now_ms });
    }
    // Eko's documented sample (status 2133, response_status_id 1) plus `data.otp` inline, as Eko's UAT does.
    let mut m = envelope(2133, 1, 2133, "Send OTP");
    m.insert("data".into(), json!({"otp_ref_id": otp_ref_id, "otp": otp, "tid": tid}));
    answer(m)
}

fn initiate_refund(state: &mut State, tid: &str, body: &Map<String, Value>, now_ms: u64, ttl_ms: u64) -> Response {
    if let Some(r) = invalid_tid(tid) {
        return r;
    }
    let otp = text_of(body.get("otp")).filter(|o| (4..=8).contains(&o.len()) && o.bytes().all(|b| b.is_ascii_digit()));
    let Some(otp) = otp else {
        let mut m = envelope(0, 1, -1, "Wrong TID or OTP {2} {3}");
        m.insert("invalid_params".into(), json!({"otp": "Please enter a valid OTP"}));
        return answer(m);
    };
    let otp_ref_id = text_of(body.get("otp_ref_id"));
    let Some(record) = state.eko.get(tid) else { return tid_not_found() };
    match record.txn.tx_status {
        3 => {}
        4 => return already_refunded(),
        _ => return not_refundable(),
    }
    let wrong = || answer(envelope(1, 302, -1, "Wrong OTP. Please enter the correct OTP."));
    let Some(issued) = &record.otp else { return wrong() };
    if issued.otp != otp || otp_ref_id.as_ref().is_some_and(|r| *r != issued.otp_ref_id) {
        return wrong();
    }
    if now_ms.saturating_sub(issued.issued_at_ms) > ttl_ms {
        return answer(envelope(303, 303, -1, "OTP expired. Please generate a new OTP."));
    }
    // Commit: the original becomes Refunded, the e-value (amount + 1% fee) goes back to the wallet.
    let amount = record.txn.amount_paise;
    let fee = amount / 100;
    let refund_tid = format!("{}", 3_000_000_000u64 + state.next("eko.refund_tid") % 1_000_000_000);
    state.eko_balance_paise = state.eko_balance_paise.saturating_add(amount.saturating_add(fee));
    let balance = state.eko_balance_paise;
    if let Some(record) = state.eko.get_mut(tid) {
        record.txn.tx_status = 4;
        record.otp = None;
        record.refund_tid = Some(refund_tid.clone());
    }
    state.ledger.push(LedgerEntry {
        provider: Provider::Eko,
        reference: tid.to_string(),
        provider_refund_id: refund_tid.clone(),
        original_id: tid.to_string(),
        amount_paise: amount,
        state: RefundState::Succeeded,
        money_moved: 1,
        status_polls: 0,
        created_at_ms: now_ms,
    });
    let mut m = envelope(0, 0, 74, "Refund done");
    m.insert(
        "data".into(),
        json!({
            "refund_tid": refund_tid, "amount": rupees(amount), "tds": "0.00", "balance": rupees(balance),
            "fee": rupees(fee), "currency": "INR", "commission_reverse": "0.00", "tid": tid,
            "timestamp": utc_iso_millis(now_ms), "refunded_amount": rupees(amount.saturating_add(fee)),
        }),
    );
    answer(m)
}

fn tx_status_desc(tx_status: u8) -> &'static str {
    match tx_status {
        0 => "Success",
        1 => "Fail",
        2 => "Initiated",
        3 => "Refund Pending",
        4 => "Refunded",
        _ => "Hold",
    }
}

fn inquiry(state: &State, reference: &str) -> Response {
    let record = match reference.strip_prefix("client_ref_id:") {
        Some(r) => state.eko.values().find(|x| x.txn.client_ref_id == r),
        None if reference.bytes().all(|b| b.is_ascii_digit()) && !reference.is_empty() => state.eko.get(reference),
        // The bare by-reference form some of Eko's v3 pages show.
        None => state.eko.values().find(|x| x.txn.client_ref_id == reference),
    };
    let Some(record) = record else { return tid_not_found() };
    let t: &EkoTransaction = &record.txn;
    let mut m = envelope(0, -1, 1472, "Sucess! Enquiry success.");
    m.insert("tx_status".into(), json!(t.tx_status.to_string()));
    m.insert("txstatus_desc".into(), json!(tx_status_desc(t.tx_status)));
    let mut data = json!({
        "tid": t.tid, "client_ref_id": t.client_ref_id, "amount": rupees(t.amount_paise),
        "tx_status": t.tx_status.to_string(), "txstatus_desc": tx_status_desc(t.tx_status),
        "timestamp": utc_iso_millis(record.created_at_ms),
    });
    if let Some(r) = &record.refund_tid {
        data["refund_tid"] = json!(r);
    }
    m.insert("data".into(), data);
    answer(m)
}

fn pending_refunds(state: &State, customer: Option<String>) -> Response {
    let Some(customer) = customer else { return no_key() };
    let list: Vec<Value> = state
        .eko
        .values()
        .filter(|r| r.txn.customer_mobile == customer && r.txn.tx_status == 3)
        .map(|r| {
            json!({
                "tid": r.txn.tid, "amount": rupees(r.txn.amount_paise), "tx_status": "3",
                "timestamp": utc_iso_millis(r.created_at_ms), "client_ref_id": r.txn.client_ref_id,
            })
        })
        .collect();
    let mut m = envelope(0, -1, 1472, "Success");
    m.insert("data".into(), json!({ "transactions": list }));
    answer(m)
}

/// The current OTP for `tid`, for the admin API: `(otp, otp_ref_id)`.
pub(crate) fn current_otp(state: &State, tid: &str) -> Option<(String, String)> {
    state.eko.get(tid)?.otp.as_ref().map(|o| (o.otp.clone(), o.otp_ref_id.clone()))
}
