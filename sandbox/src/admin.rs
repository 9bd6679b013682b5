//! The admin API under the reserved prefix `/__sandbox/` (JSON), and the operations it shares with the Rust API.

use crate::fault::FaultRule;
use crate::http::{Request, Response};
use crate::state::{fixtures_json, lock, EkoTransaction, PaytmOrder, PaytmRecord, Shared, UpiRecord, UpiTransaction};
use crate::SandboxError;
use serde_json::{json, Value};

/// The largest amount an original transaction may have: ₹1,00,00,00,000.00 (10¹¹ paise). Far above any real
/// payment, and far enough below `i64::MAX` that no sum of refunds or fees can overflow.
pub(crate) const MAX_AMOUNT_PAISE: i64 = 100_000_000_000;

fn check_amount(amount_paise: i64) -> Result<(), SandboxError> {
    if amount_paise <= 0 {
        return Err(SandboxError::Invalid(format!("amount_paise must be positive (got {amount_paise})")));
    }
    if amount_paise > MAX_AMOUNT_PAISE {
        return Err(SandboxError::Invalid(format!(
            "amount_paise is too large (got {amount_paise}; at most {MAX_AMOUNT_PAISE})"
        )));
    }
    Ok(())
}

fn check_id(field: &str, v: &str, max: usize, extra: &[u8]) -> Result<(), SandboxError> {
    if v.is_empty() || v.len() > max || !v.bytes().all(|b| b.is_ascii_alphanumeric() || extra.contains(&b)) {
        return Err(SandboxError::Invalid(format!(
            "{field}: 1 to {max} letters, digits or {}",
            String::from_utf8_lossy(extra)
        )));
    }
    Ok(())
}

/// Creates an Eko transaction in Refund Pending (`tx_status` 3), or with `tx_status` when given.
pub(crate) fn create_eko(
    shared: &Shared,
    amount_paise: i64,
    tid: Option<String>,
    customer_mobile: Option<String>,
    client_ref_id: Option<String>,
    tx_status: Option<u8>,
) -> Result<EkoTransaction, SandboxError> {
    check_amount(amount_paise)?;
    let now = shared.now_ms(0);
    let mut state = lock(&shared.state);
    let tid = match tid {
        Some(t) => t,
        None => format!("{}", 4_000_000_000u64 + state.next("admin.eko.tid") % 1_000_000_000),
    };
    check_id("tid", &tid, 30, b"")?;
    if !tid.bytes().all(|b| b.is_ascii_digit()) || state.eko.contains_key(&tid) {
        return Err(SandboxError::Invalid(format!("tid {tid} is not digits or already exists")));
    }
    let mobile = match customer_mobile {
        Some(m) => m,
        None => format!("8{}", state.digits("admin.eko.mobile", 9)),
    };
    if mobile.len() != 10 || !mobile.bytes().all(|b| b.is_ascii_digit()) || !matches!(mobile.as_bytes()[0], b'6'..=b'9')
    {
        return Err(SandboxError::Invalid("customer_mobile: a 10-digit mobile starting with 6 to 9".into()));
    }
    let client_ref_id = client_ref_id.unwrap_or_else(|| format!("SBXEKO{tid}"));
    check_id("client_ref_id", &client_ref_id, 20, b"_-")?;
    let tx_status = tx_status.unwrap_or(3);
    if !matches!(tx_status, 0..=4) {
        return Err(SandboxError::Invalid("tx_status: 0 to 4".into()));
    }
    let txn = EkoTransaction { tid, client_ref_id, customer_mobile: mobile, amount_paise, tx_status };
    state.insert_eko(txn.clone(), now);
    Ok(txn)
}

/// Creates a Paytm order (a successful payment).
pub(crate) fn create_paytm(
    shared: &Shared,
    amount_paise: i64,
    order_id: Option<String>,
    txn_id: Option<String>,
) -> Result<PaytmOrder, SandboxError> {
    check_amount(amount_paise)?;
    let now = shared.now_ms(0);
    let mut state = lock(&shared.state);
    let order_id = match order_id {
        Some(o) => o,
        None => format!("SBXORDER{}", state.alnum("admin.paytm.order", 10)),
    };
    check_id("order_id", &order_id, 50, b"@-_.")?;
    if state.paytm.contains_key(&order_id) {
        return Err(SandboxError::Invalid(format!("order {order_id} already exists")));
    }
    let txn_id = match txn_id {
        Some(t) => t,
        None => format!("2026{}", state.digits("admin.paytm.txn", 16)),
    };
    check_id("txn_id", &txn_id, 64, b"")?;
    let order = PaytmOrder { order_id: order_id.clone(), txn_id, amount_paise, refunded_paise: 0 };
    state.paytm.insert(order_id, PaytmRecord { order: order.clone(), created_at_ms: now });
    Ok(order)
}

/// Creates a UPI original transaction.
pub(crate) fn create_upi(
    shared: &Shared,
    amount_paise: i64,
    upi_id: Option<String>,
    merchant_id: Option<String>,
    successful: bool,
) -> Result<UpiTransaction, SandboxError> {
    check_amount(amount_paise)?;
    let mut state = lock(&shared.state);
    let upi_id = match upi_id {
        Some(u) => u,
        None => format!("SBX{}", state.alnum("admin.upi.id", 32)),
    };
    check_id("original_upi_request_id", &upi_id, 35, b"")?;
    let merchant_id = match merchant_id {
        Some(m) => m,
        None => format!("SBXUPI{}", state.alnum("admin.upi.order", 10)),
    };
    check_id("original_merchant_request_id", &merchant_id, 35, b"._-")?;
    if state.find_upi(Some(&upi_id), None).is_some() || state.find_upi(None, Some(&merchant_id)).is_some() {
        return Err(SandboxError::Invalid("a UPI transaction with that id already exists".into()));
    }
    let txn = UpiTransaction {
        original_upi_request_id: upi_id,
        original_merchant_request_id: merchant_id,
        amount_paise,
        successful,
        refunded_paise: 0,
    };
    state.upi.push(UpiRecord { txn: txn.clone() });
    Ok(txn)
}

fn ok(v: Value) -> Response {
    Response::value(200, &v)
}

fn error(status: u16, message: &str) -> Response {
    Response::value(status, &json!({"error": message}))
}

fn str_field(v: &Value, name: &str) -> Option<String> {
    v.get(name).and_then(Value::as_str).map(str::to_string)
}

/// An optional whole-number field (a JSON number or a string of digits). Says what is wrong: not a whole number,
/// or too large for the sandbox's 64-bit arithmetic.
fn int_field(v: &Value, name: &str) -> Result<Option<i64>, SandboxError> {
    let Some(x) = v.get(name) else { return Ok(None) };
    if x.is_null() {
        return Ok(None);
    }
    let text = x.as_str().map_or_else(|| x.to_string(), str::to_string);
    let digits = text.strip_prefix('-').unwrap_or(&text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SandboxError::Invalid(format!("{name} must be a whole number (got {text})")));
    }
    match text.parse::<i64>() {
        Ok(n) => Ok(Some(n)),
        Err(_) if text.starts_with('-') => {
            Err(SandboxError::Invalid(format!("{name} must be positive (got {text}, which is also too small)")))
        }
        Err(_) => Err(SandboxError::Invalid(format!("{name} is too large (got {text})"))),
    }
}

/// A required amount field.
fn amount_field(v: &Value) -> Result<i64, SandboxError> {
    int_field(v, "amount_paise")?.ok_or_else(|| SandboxError::Invalid("amount_paise is required".into()))
}

fn eko_json(t: &EkoTransaction) -> Value {
    json!({"tid": t.tid, "client_ref_id": t.client_ref_id, "customer_mobile": t.customer_mobile,
           "amount_paise": t.amount_paise, "tx_status": t.tx_status})
}

/// `POST /__sandbox/commits/drain[?timeout_ms=N]`: waits until every late commit has landed (at most `timeout_ms`,
/// default 60 s), then answers `{"pending": n, "drained": bool}`.
pub(crate) async fn drain_commits(shared: &Shared, req: &Request) -> Response {
    if req.method != "POST" {
        return error(405, "use POST /__sandbox/commits/drain");
    }
    let timeout_ms = match req.query_param("timeout_ms") {
        None => 60_000,
        Some(t) => match t.parse::<u64>() {
            Ok(ms) => ms,
            Err(_) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => {
                return error(400, &format!("timeout_ms is too large (got {t})"))
            }
            Err(_) => return error(400, &format!("timeout_ms must be a whole number of milliseconds (got {t})")),
        },
    };
    let drained =
        tokio::time::timeout(std::time::Duration::from_millis(timeout_ms), shared.commits.drain()).await.is_ok();
    let pending = shared.commits.count();
    Response::value(if drained { 200 } else { 504 }, &json!({"pending": pending, "drained": drained}))
}

/// Handles `/__sandbox/...`.
pub(crate) fn handle(shared: &Shared, req: &Request, _now_ms: u64) -> Response {
    let path = req.path.trim_end_matches('/');
    let body: Value = if req.body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&req.body) {
            Ok(v) => v,
            Err(_) => return error(400, "the body is not JSON"),
        }
    };
    let result = match (req.method.as_str(), path) {
        ("GET", "/__sandbox") | ("GET", "/__sandbox/credentials") => Ok(shared.credentials_json()),
        ("GET", "/__sandbox/fixtures") => Ok(fixtures_json(&lock(&shared.state).fixtures())),
        ("GET", "/__sandbox/ledger") => {
            let state = lock(&shared.state);
            Ok(json!({"refunds": state.ledger.iter().map(|e| e.to_json()).collect::<Vec<_>>()}))
        }
        ("POST", "/__sandbox/eko/transactions") => amount_field(&body)
            .and_then(|amount| {
                let tx_status = match int_field(&body, "tx_status")? {
                    None => None,
                    Some(s @ 0..=4) => Some(s as u8),
                    Some(s) => return Err(SandboxError::Invalid(format!("tx_status: 0 to 4 (got {s})"))),
                };
                create_eko(
                    shared,
                    amount,
                    str_field(&body, "tid"),
                    str_field(&body, "customer_mobile"),
                    str_field(&body, "client_ref_id"),
                    tx_status,
                )
            })
            .map(|t| eko_json(&t)),
        ("POST", "/__sandbox/paytm/orders") => amount_field(&body)
            .and_then(|amount| create_paytm(shared, amount, str_field(&body, "order_id"), str_field(&body, "txn_id")))
            .map(|o| json!({"order_id": o.order_id, "txn_id": o.txn_id, "amount_paise": o.amount_paise})),
        ("POST", "/__sandbox/upi360/transactions") => amount_field(&body)
            .and_then(|amount| {
                create_upi(
                    shared,
                    amount,
                    str_field(&body, "original_upi_request_id"),
                    str_field(&body, "original_merchant_request_id"),
                    body.get("successful").and_then(Value::as_bool).unwrap_or(true),
                )
            })
            .map(|t| {
                json!({"original_upi_request_id": t.original_upi_request_id,
                   "original_merchant_request_id": t.original_merchant_request_id,
                   "amount_paise": t.amount_paise, "successful": t.successful})
            }),
        ("GET", "/__sandbox/faults") => {
            let f = lock(&shared.faults);
            Ok(
                json!({"rules": f.rules().iter().map(FaultRule::to_json).collect::<Vec<_>>(), "counts": f.counts().to_json()}),
            )
        }
        ("PUT", "/__sandbox/faults") | ("POST", "/__sandbox/faults") => {
            let list = body.get("rules").unwrap_or(&body);
            let Some(items) = list.as_array() else { return error(400, "expected {\"rules\":[...]} or an array") };
            match items.iter().map(FaultRule::from_json).collect::<Result<Vec<_>, _>>() {
                Ok(rules) => {
                    let n = rules.len();
                    lock(&shared.faults).set_rules(rules);
                    Ok(json!({"rules": n}))
                }
                Err(e) => Err(SandboxError::Invalid(e)),
            }
        }
        ("DELETE", "/__sandbox/faults") => {
            lock(&shared.faults).set_rules(Vec::new());
            Ok(json!({"rules": 0}))
        }
        ("GET", "/__sandbox/commits") => Ok(json!({"pending": shared.commits.count()})),
        ("POST", "/__sandbox/commits/release") => {
            shared.commits.release();
            Ok(json!({"released": true, "pending": shared.commits.count()}))
        }
        ("POST", "/__sandbox/reset") => {
            shared.reset();
            Ok(json!({"reset": true}))
        }
        ("GET", p) if p.starts_with("/__sandbox/eko/otp/") => {
            let tid = &p["/__sandbox/eko/otp/".len()..];
            match crate::eko::current_otp(&lock(&shared.state), tid) {
                Some((otp, otp_ref_id)) => Ok(json!({"tid": tid, "otp": otp, "otp_ref_id": otp_ref_id})),
                None => return error(404, "no OTP issued for that tid (call Get Refund OTP first)"),
            }
        }
        _ => return error(404, "unknown admin endpoint"),
    };
    match result {
        Ok(v) => ok(v),
        Err(e) => error(400, &e.to_string()),
    }
}
