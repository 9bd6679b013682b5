//! Juspay UPI Merchant Stack Refund 360 simulation: `POST /api/{uri}/merchants/transactions/refund360`
//! (create-or-status, idempotent on `refundRequestId`) and `POST /api/{uri}/merchants/transactions/refund/status`.
//!
//! Authentication (spec `upi360.md` §3, §5): registered `x-merchant-id` / `x-merchant-channel-id`; `x-timestamp`
//! of 13 digits within [`SandboxConfig::upi_timestamp_window_ms`](crate::SandboxConfig) (else HTTP 401
//! `REQUEST_EXPIRED`); then either mode A, `x-merchant-signature` = hex RSA-PSS-SHA256 over
//! `refundkit::upi360::signature_input(...)` with the registered merchant public key, or mode B, a flattened JWS
//! (RS256) body whose payload carries a fresh `iat`. A bad signature is HTTP 401 `UNAUTHORIZED`; nothing is executed.
//!
//! HTTP 200 answers are signed as PSPs do: mode A answers carry `X-Response-Signature` (hex RSA-PSS-SHA256 with
//! the PSP key over the body, whose keys are sorted, so the raw and sorted-key forms are the same bytes); mode B
//! answers are a flattened JWS signed RS256 by the PSP key. Non-200 answers are unsigned, as Juspay's.

use crate::fault::Operation;
use crate::http::{Request, Response};
use crate::state::{lock, LedgerEntry, RefundState, Shared, State, UpiRefund};
use crate::util::{derive, ist_iso, rupees};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use refundkit::upi360::{jws_flattened, signature_input};
use refundkit::Provider;
use serde_json::{json, Map, Value};

/// The UPI operation a request is for.
pub(crate) fn classify(req: &Request) -> Option<Operation> {
    if req.method != "POST" {
        return None;
    }
    let rest = req.path.strip_prefix("/api/")?;
    let (uri, tail) = rest.split_once('/')?;
    if uri.is_empty() || !uri.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    match tail {
        "merchants/transactions/refund360" => Some(Operation::Upi360Refund),
        "merchants/transactions/refund/status" => Some(Operation::Upi360RefundStatus),
        _ => None,
    }
}

fn failure(code: &str, message: &str) -> Value {
    json!({"status": "FAILURE", "responseCode": code, "responseMessage": message})
}

/// An unsigned error answer with another HTTP status.
fn unsigned(http: u16, code: &str, message: &str) -> Response {
    Response::value(http, &failure(code, message))
}

/// How the request was signed, and so how the answer must be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plain,
    Jws,
}

struct Verified {
    mode: Mode,
    business: Map<String, Value>,
}

use refundkit::crypto::hex::{decode as unhex, encode as hex};

/// Checks merchant, timestamp and signature. `Err` is the answer to send (nothing executed).
fn authenticate(shared: &Shared, req: &Request, now_ms: u64) -> Result<Verified, Response> {
    let creds = &shared.config.upi360;
    let window = shared.config.upi_timestamp_window_ms;
    let merchant = req.header("x-merchant-id").unwrap_or("");
    let channel = req.header("x-merchant-channel-id").unwrap_or("");
    if merchant != creds.merchant_id || channel != creds.merchant_channel_id {
        return Err(unsigned(400, "INVALID_MERCHANT", "Invalid merchant or channel id"));
    }
    let sub = req.header("x-sub-merchant-id");
    let sub_channel = req.header("x-sub-merchant-channel-id");
    match (sub, sub_channel, &creds.sub_merchant) {
        (Some(_), None, _) | (None, Some(_), _) => {
            return Err(unsigned(400, "BAD_REQUEST", "Both sub merchant headers are required in sub merchant mode"))
        }
        (Some(s), Some(c), Some((rs, rc))) if s != rs || c != rc => {
            return Err(unsigned(400, "INVALID_MERCHANT", "Invalid sub merchant or channel id"));
        }
        _ => {}
    }
    let ts_text = req.header("x-timestamp").unwrap_or("");
    if ts_text.len() != 13 || !ts_text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(unsigned(400, "BAD_REQUEST", "Timestamp must be a 13-digit number"));
    }
    let fresh = |t: u64| t.abs_diff(now_ms) <= window;
    if !fresh(ts_text.parse().unwrap_or(0)) {
        return Err(unsigned(401, "REQUEST_EXPIRED", "Request expired"));
    }
    let unauthorized = || unsigned(401, "UNAUTHORIZED", "signature validation failed");
    let body: Option<Map<String, Value>> = match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    };
    let is_jws = body.as_ref().is_some_and(|m| {
        m.len() == 3 && ["protected", "payload", "signature"].iter().all(|k| m.get(*k).is_some_and(Value::is_string))
    });
    if is_jws {
        let m = body.unwrap_or_default();
        let field = |n: &str| m.get(n).and_then(Value::as_str).unwrap_or("");
        let (protected, payload, sig) = (field("protected"), field("payload"), field("signature"));
        let decode = |s: &str| URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok();
        let header =
            decode(protected).and_then(|h| serde_json::from_slice::<Value>(&h).ok()).ok_or_else(unauthorized)?;
        if header.get("alg").and_then(Value::as_str) != Some("RS256") {
            return Err(unauthorized());
        }
        if let Some(kid) = &creds.merchant_kid {
            if header.get("kid").and_then(Value::as_str) != Some(kid.as_str()) {
                return Err(unauthorized());
            }
        }
        let sig = decode(sig).ok_or_else(unauthorized)?;
        let input = format!("{protected}.{payload}");
        if !shared.merchant_public_key.verify_pkcs1_sha256(input.as_bytes(), &sig) {
            return Err(unauthorized());
        }
        let business = match decode(payload).and_then(|p| serde_json::from_slice::<Value>(&p).ok()) {
            Some(Value::Object(b)) => b,
            _ => return Err(unsigned(400, "BAD_REQUEST", "JWS payload is not a JSON object")),
        };
        let iat = business.get("iat").and_then(|v| v.as_str().map(str::to_string).or_else(|| Some(v.to_string())));
        match iat.and_then(|t| t.parse::<u64>().ok()) {
            Some(t) if fresh(t) => {}
            _ => return Err(unsigned(401, "REQUEST_EXPIRED", "Request expired (iat)")),
        }
        return Ok(Verified { mode: Mode::Jws, business });
    }
    let sig = req.header("x-merchant-signature").and_then(unhex).ok_or_else(unauthorized)?;
    let input = signature_input(merchant, channel, sub, sub_channel, ts_text, &req.body);
    if !shared.merchant_public_key.verify_pss_sha256(&input, &sig) {
        return Err(unauthorized());
    }
    match body {
        Some(business) => Ok(Verified { mode: Mode::Plain, business }),
        None => Err(unsigned(400, "BAD_REQUEST", "Body is not a JSON object")),
    }
}

/// Signs an HTTP 200 answer the way the request was signed.
fn signed(shared: &Shared, mode: Mode, envelope: &Value) -> Response {
    let text = envelope.to_string();
    match mode {
        Mode::Plain => {
            let r = Response::json(200, text.clone());
            match shared.psp_private_key.sign_pss_sha256(text.as_bytes()) {
                Ok(sig) => r.with_header("X-Response-Signature", hex(&sig)),
                Err(_) => r,
            }
        }
        Mode::Jws => match jws_flattened(&shared.psp_private_key, &shared.config.upi360.psp_kid, text.as_bytes()) {
            Ok(jws) => Response::json(200, jws).with_header("x-juspay-kid", shared.config.upi360.psp_kid.clone()),
            Err(_) => Response::text(500, "signing failed"),
        },
    }
}

fn text_field(m: &Map<String, Value>, name: &str) -> Option<String> {
    match m.get(name)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Handles one Refund 360 / Refund Status request.
pub(crate) fn handle(shared: &Shared, op: Operation, req: &Request, now_ms: u64) -> Response {
    let verified = match authenticate(shared, req, now_ms) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let api_version = req.header("x-api-version").and_then(|v| v.trim().parse::<u32>().ok()).unwrap_or(0);
    let ctx = Ctx {
        merchant_id: shared.config.upi360.merchant_id.clone(),
        channel_id: shared.config.upi360.merchant_channel_id.clone(),
        sub: req
            .header("x-sub-merchant-id")
            .zip(req.header("x-sub-merchant-channel-id"))
            .map(|(a, b)| (a.to_string(), b.to_string())),
        api_version,
        polls: shared.config.polls_until_success,
        now_ms,
    };
    if shared.config.strict {
        let check = if op == Operation::Upi360Refund {
            strict_refund(&verified.business)
        } else {
            strict_status(&verified.business)
        };
        if let Err(message) = check {
            return signed(shared, verified.mode, &failure("BAD_REQUEST", message));
        }
    }
    let envelope = {
        let mut state = lock(&shared.state);
        if op == Operation::Upi360Refund {
            refund360(&mut state, &ctx, &verified.business)
        } else {
            refund_status(&mut state, &ctx, &verified.business)
        }
    };
    signed(shared, verified.mode, &envelope)
}

struct Ctx {
    merchant_id: String,
    channel_id: String,
    sub: Option<(String, String)>,
    api_version: u32,
    polls: u32,
    now_ms: u64,
}

/// A strict string field: absent is fine, present must be a JSON string matching `ok`.
fn strict_str(b: &Map<String, Value>, name: &str, ok: impl Fn(&str) -> bool) -> bool {
    match b.get(name) {
        None => true,
        Some(Value::String(v)) => ok(v),
        Some(_) => false,
    }
}

fn alnum_1_35(v: &str) -> bool {
    (1..=35).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Strict checks of a Refund 360 body against Juspay's request table (spec `upi360.md` §4, §9): every field a JSON
/// string; `originalUpiRequestId` 1–35 alphanumerics; `originalMerchantRequestId` and `refundRequestId` 1–35 of
/// `[A-Za-z0-9._-]`; `refundAmount` a string with two decimals; `remarks` 1–255 letters, digits, spaces or hyphens
/// (the guide's rule, the more permissive); `merchantRefundVpa` `local@handle`; `udfParameters` a stringified JSON
/// object. Refused with `BAD_REQUEST` ("missing mandatory parameter or regex mismatch").
fn strict_refund(b: &Map<String, Value>) -> Result<(), &'static str> {
    if !strict_str(b, "originalUpiRequestId", alnum_1_35) {
        return Err("originalUpiRequestId regex mismatch");
    }
    if !strict_str(b, "originalMerchantRequestId", valid_id) {
        return Err("originalMerchantRequestId regex mismatch");
    }
    if !strict_str(b, "refundRequestId", valid_id) {
        return Err("refundRequestId is missing or regex mismatch");
    }
    if !strict_str(b, "refundAmount", |_| true) {
        return Err("amount regex match failed");
    }
    let remarks_ok = |v: &str| {
        (1..=255).contains(&v.len()) && v.bytes().all(|c| c.is_ascii_alphanumeric() || c == b' ' || c == b'-')
    };
    if !strict_str(b, "remarks", remarks_ok) {
        return Err("remarks regex mismatch");
    }
    let vpa_ok = |v: &str| {
        (3..=255).contains(&v.len())
            && v.split_once('@').is_some_and(|(local, handle)| {
                !local.is_empty()
                    && !handle.is_empty()
                    && !handle.contains('@')
                    && v.bytes().all(|c| c.is_ascii_alphanumeric() || b".-_@".contains(&c))
            })
    };
    if !strict_str(b, "merchantRefundVpa", vpa_ok) {
        return Err("merchantRefundVpa regex mismatch");
    }
    let udf_ok = |v: &str| matches!(serde_json::from_str::<Value>(v), Ok(Value::Object(_)));
    if !strict_str(b, "udfParameters", udf_ok) {
        return Err("udfParameters must be a stringified JSON object");
    }
    let others = ["refundType", "originalTransactionTimestamp", "iat", "adjFlag", "adjCode"];
    if !others.iter().all(|name| strict_str(b, name, |_| true)) {
        return Err("request parameters must be strings");
    }
    Ok(())
}

/// Strict checks of a Refund Status body: the ids are JSON strings in their formats.
fn strict_status(b: &Map<String, Value>) -> Result<(), &'static str> {
    if !strict_str(b, "merchantRequestId", valid_id) {
        return Err("merchantRequestId is missing or regex mismatch");
    }
    if !strict_str(b, "merchantTransactionId", valid_id) || !strict_str(b, "originalUpiRequestId", alnum_1_35) {
        return Err("transaction id regex mismatch");
    }
    if !strict_str(b, "iat", |_| true) {
        return Err("request parameters must be strings");
    }
    Ok(())
}

fn valid_id(id: &str) -> bool {
    (1..=35).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

fn refund360(state: &mut State, ctx: &Ctx, b: &Map<String, Value>) -> Value {
    let Some(refund_id) = text_field(b, "refundRequestId").filter(|id| valid_id(id)) else {
        return failure("BAD_REQUEST", "refundRequestId is missing or regex mismatch");
    };
    let upi_id = text_field(b, "originalUpiRequestId");
    let merchant_req = text_field(b, "originalMerchantRequestId");
    if upi_id.is_none() && merchant_req.is_none() {
        return failure("BAD_REQUEST", "originalUpiRequestId or originalMerchantRequestId is required");
    }
    let original = state.find_upi(upi_id.as_deref(), merchant_req.as_deref());
    if let Some(existing) = state.upi_refs.get(&refund_id).cloned() {
        // Idempotent: the existing refund's (refreshed) state, never a second refund.
        if original != Some(existing.original_index) {
            return failure("INVALID_DATA", "Refund Transaction Id mismatch");
        }
        poll(state, &existing, ctx.polls);
        return success(state, ctx, &refund_id);
    }
    let amount_text = text_field(b, "refundAmount").unwrap_or_default();
    let amount_ok = amount_text.split_once('.').is_some_and(|(r, p)| {
        !r.is_empty() && r.bytes().all(|c| c.is_ascii_digit()) && p.len() == 2 && p.bytes().all(|c| c.is_ascii_digit())
    });
    let amount = match refundkit::Money::parse_rupees(&amount_text) {
        Ok(m) if amount_ok && m.is_positive() => m.paise(),
        _ => return failure("BAD_REQUEST", "amount regex match failed"),
    };
    let refund_type = text_field(b, "refundType").unwrap_or_default();
    if !matches!(refund_type.as_str(), "ONLINE" | "OFFLINE") {
        return failure("BAD_REQUEST", "refundType must be ONLINE or OFFLINE");
    }
    let vpa = text_field(b, "merchantRefundVpa");
    if refund_type == "ONLINE" && vpa.is_none() && ctx.sub.is_none() {
        return failure("BAD_REQUEST", "MerchantRefundVpa and subMerchant both Not Present for Online Refund");
    }
    let Some(remarks) = text_field(b, "remarks") else { return failure("BAD_REQUEST", "remarks is missing") };
    let Some(original) = original else { return failure("INVALID_DATA", "Original record not found") };
    let txn = state.upi[original].txn.clone();
    if !txn.successful {
        return failure("UNINITIATED_REQUEST", "Original transaction was not successful");
    }
    let open = state
        .upi_refs
        .values()
        .any(|r| r.original_index == original && state.ledger[r.ledger_index].state != RefundState::Succeeded);
    if open {
        return failure("BAD_REQUEST", "Multiple Parallel Refund Request Raised");
    }
    if txn.refunded_paise.checked_add(amount).is_none_or(|total| total > txn.amount_paise) {
        return failure("INVALID_REFUND_AMOUNT", "Refund amount exceeds original transaction");
    }
    // Commit. PENDING or DEEMED is a deterministic function of the seed and the refundRequestId.
    let deemed = derive(state.seed, &refund_id, 0).is_multiple_of(3);
    let rrn = state.digits("upi.rrn", 12);
    let refund_txn = format!("SBXR{}", state.alnum("upi.refund_txn", 31));
    state.upi[original].txn.refunded_paise = txn.refunded_paise.saturating_add(amount);
    state.ledger.push(LedgerEntry {
        provider: Provider::Upi360,
        reference: refund_id.clone(),
        provider_refund_id: rrn,
        original_id: txn.original_merchant_request_id.clone(),
        amount_paise: amount,
        state: if deemed { RefundState::Deemed } else { RefundState::Pending },
        money_moved: 1,
        status_polls: 0,
        created_at_ms: ctx.now_ms,
    });
    state.upi_refs.insert(
        refund_id.clone(),
        UpiRefund {
            ledger_index: state.ledger.len() - 1,
            original_index: original,
            refund_type,
            remarks,
            merchant_refund_vpa: vpa,
            udf_parameters: text_field(b, "udfParameters"),
            refund_transaction_id: refund_txn,
            open_code: if deemed { "RB" } else { "01" },
        },
    );
    success(state, ctx, &refund_id)
}

/// One more status answer for `refund`: after `polls` of them it is SUCCESS.
fn poll(state: &mut State, refund: &UpiRefund, polls: u32) {
    let entry = &mut state.ledger[refund.ledger_index];
    entry.status_polls += 1;
    if entry.status_polls > polls {
        entry.state = RefundState::Succeeded;
    }
}

fn refund_status(state: &mut State, ctx: &Ctx, b: &Map<String, Value>) -> Value {
    let Some(refund_id) = text_field(b, "merchantRequestId") else {
        return failure("BAD_REQUEST", "merchantRequestId is missing");
    };
    let Some(refund) = state.upi_refs.get(&refund_id).cloned() else {
        return failure("REQUEST_NOT_FOUND", "Refund request not found");
    };
    let given_merchant = text_field(b, "merchantTransactionId");
    let given_upi = text_field(b, "originalUpiRequestId");
    let given = given_merchant.is_some() || given_upi.is_some();
    if given && state.find_upi(given_upi.as_deref(), given_merchant.as_deref()) != Some(refund.original_index) {
        return failure("INVALID_DATA", "Refund Transaction Id mismatch");
    }
    poll(state, &refund, ctx.polls);
    success(state, ctx, &refund_id)
}

/// The `status: SUCCESS` envelope describing refund `refund_id`.
fn success(state: &State, ctx: &Ctx, refund_id: &str) -> Value {
    let Some(refund) = state.upi_refs.get(refund_id) else {
        return failure("REQUEST_NOT_FOUND", "Refund request not found");
    };
    let entry = &state.ledger[refund.ledger_index];
    let txn = &state.upi[refund.original_index].txn;
    let (status, code, message) = match entry.state {
        RefundState::Succeeded => ("SUCCESS", "00", "Refund successful"),
        RefundState::Deemed => ("DEEMED", refund.open_code, "Transaction went into deemed state"),
        RefundState::Pending => ("PENDING", refund.open_code, "Refund is pending"),
    };
    let mut p = json!({
        "merchantId": ctx.merchant_id, "merchantChannelId": ctx.channel_id, "refundRequestId": refund_id,
        "refundAmount": rupees(entry.amount_paise), "refundType": refund.refund_type, "remarks": refund.remarks,
        "refundTimestamp": ist_iso(entry.created_at_ms), "gatewayTransactionId": txn.original_upi_request_id,
        "gatewayRefundReferenceId": entry.provider_refund_id, "gatewayResponseStatus": status,
        "gatewayResponseCode": code, "gatewayResponseMessage": message,
    });
    if ctx.api_version >= 3 {
        p["originalMerchantRequestId"] = json!(txn.original_merchant_request_id);
        if let Some(v) = &refund.merchant_refund_vpa {
            p["merchantRefundVpa"] = json!(v);
        }
    } else {
        p["merchantRequestId"] = json!(txn.original_merchant_request_id);
        p["transactionAmount"] = json!(rupees(txn.amount_paise));
    }
    if ctx.api_version != 1 {
        p["gatewayRefundTransactionId"] = json!(refund.refund_transaction_id);
    }
    if let Some((s, c)) = &ctx.sub {
        p["subMerchantId"] = json!(s);
        p["subMerchantChannelId"] = json!(c);
    }
    let mut envelope =
        json!({"status": "SUCCESS", "responseCode": "SUCCESS", "responseMessage": "SUCCESS", "payload": p});
    if let Some(u) = &refund.udf_parameters {
        envelope["udfParameters"] = json!(u);
    }
    envelope
}
