//! Interpretation of Eko responses into [`Outcome`]s.
//!
//! Eko's envelope is `{status, message, response_status_id, response_type_id, tx_status, txstatus_desc, data,
//! invalid_params}`, and none of its fields is sufficient alone: the OTP-sent answer carries `status 2133`, a wrong
//! OTP can come with `status 0` plus `invalid_params`, `tx_status` arrives as a number or a string, at the top level
//! or inside `data`. The rules below are applied in order and the first match wins (spec §7, after Eko's own rules at
//! developers.eko.in/docs/transaction-initiaton-and-information).
//!
//! Deliberate deviation from a literal reading of Eko's "non-zero status is a failure": a non-zero `status` that is
//! in none of Eko's code tables is [`Reason::UnknownCode`] and never [`Status::Failed`]. For a refund that means
//! "inquire"; an inquiry is cheap, a wrongly assumed failure can pay a customer twice.

use super::Operation;
use crate::http::HttpResponse;
use crate::money::Money;
use crate::outcome::{
    clean_message, Authenticity, Evidence, FieldError, NextStep, OtpDispatch, Outcome, Provider, ProviderCode,
    ProviderRaw, Reason, RefundDetails, Status,
};
use serde_json::{Map, Value};

/// Codes from Eko's official `status` table (developers.eko.in/v3/docs/error-codes) that mean a decisive no for a
/// refund, with the reason refundkit reports. Codes 168, 302, 303 and 347 are handled by the rules themselves.
const DECLINE_CODES: &[(i64, Reason)] = &[
    (319, Reason::Configuration),  // invalid initiator_id / user does not exist
    (463, Reason::Configuration),  // user not found
    (346, Reason::Configuration),  // agent not onboarded / wrong user_code
    (1297, Reason::Configuration), // user/agent not onboarded
    (460, Reason::Configuration),  // invalid channel
    (55, Reason::Declined),        // error from NPCI
    (544, Reason::Declined),       // bank not available
    // Documented DMT/onboarding codes, not expected on refund calls.
    (17, Reason::Declined),
    (31, Reason::Declined),
    (39, Reason::Declined),
    (41, Reason::Declined),
    (44, Reason::Declined),
    (45, Reason::Declined),
    (46, Reason::Declined),
    (48, Reason::Declined),
    (53, Reason::Declined),
    (102, Reason::Declined),
    (122, Reason::Declined),
    (131, Reason::Declined),
    (132, Reason::Declined),
    (136, Reason::Declined),
    (140, Reason::Declined),
    (145, Reason::Declined),
    (313, Reason::Declined),
    (314, Reason::Declined),
    (317, Reason::Declined),
    (327, Reason::Declined),
    (342, Reason::Declined),
    (344, Reason::Declined),
    (350, Reason::Declined),
    (508, Reason::Declined),
    (521, Reason::Declined),
    (536, Reason::Declined),
    (537, Reason::Declined),
    (585, Reason::Declined),
    (945, Reason::Declined),
    (1237, Reason::Declined),
];

/// Interprets the answer to an Eko request of the given kind.
pub fn interpret(operation: Operation, response: &HttpResponse) -> Outcome {
    match operation {
        Operation::RefundOtp => interpret_refund_otp(response),
        Operation::InitiateRefund => interpret_initiate_refund(response),
        Operation::Inquiry => interpret_inquiry(response),
        Operation::PendingRefunds => interpret_pending_refunds(response).outcome,
    }
}

/// The parsed envelope. Only what the rules need.
struct Envelope {
    /// The body, strictly parsed ([`crate::crypto::json`]); `None` when it is not a strict JSON object.
    json: Option<Map<String, Value>>,
    /// Why the body's fields disagree with each other, if they do (the answer then proves nothing).
    conflict: Option<&'static str>,
    status: Option<i64>,
    response_status_id: Option<i64>,
    response_type_id: Option<i64>,
    tx_status: Option<String>,
    message: Option<String>,
    raw: ProviderRaw,
}

impl Envelope {
    fn parse(response: &HttpResponse) -> Envelope {
        // Strict: duplicate keys (`{"status":1,"status":0}`), bad escapes, lone surrogates, deep nesting and huge
        // bodies make the whole answer unreadable rather than read one way or the other.
        let json = crate::crypto::json::parse_object(&response.body).ok();
        let top = |name: &str| json.as_ref().and_then(|m| m.get(name));
        let data_field = |name: &str| json.as_ref().and_then(|m| m.get("data")).and_then(|d| d.get(name));
        let status = top("status").and_then(as_int);
        let response_status_id = top("response_status_id").and_then(as_int);
        let response_type_id = top("response_type_id").and_then(as_int);
        let top_tx = top("tx_status").and_then(as_text);
        let data_tx = data_field("tx_status").and_then(as_text);
        let conflict = match (&top_tx, &data_tx) {
            (Some(a), Some(b)) if a.trim() != b.trim() => Some("tx_status and data.tx_status disagree"),
            _ => None,
        };
        let tx_status = top_tx.or(data_tx);
        let message = top("message").and_then(|v| v.as_str()).map(str::to_string);
        let mut codes = Vec::new();
        for (name, value) in [
            ("status", top("status").and_then(as_text)),
            ("response_status_id", top("response_status_id").and_then(as_text)),
            ("response_type_id", top("response_type_id").and_then(as_text)),
            ("tx_status", tx_status.clone()),
        ] {
            if let Some(value) = value {
                codes.push(ProviderCode { name: name.into(), value });
            }
        }
        let raw = ProviderRaw {
            provider: Provider::Eko,
            http_status: response.status,
            codes,
            message: message.as_deref().map(clean_message),
            raw_message: message.clone(),
        };
        Envelope { json, conflict, status, response_status_id, response_type_id, tx_status, message, raw }
    }

    fn data(&self) -> Option<&Map<String, Value>> {
        self.json.as_ref()?.get("data")?.as_object()
    }

    /// A `data` field as text; blank (empty or white space only) counts as absent: `"refund_tid":" "` confirms
    /// nothing.
    fn data_text(&self, name: &str) -> Option<String> {
        self.data()?.get(name).and_then(as_text).filter(|s| !s.trim().is_empty())
    }

    /// The evidence this answer gives, for the verdict rule ([`Evidence::enforce`]).
    fn evidence(&self, http_status: u16, operation: Operation) -> Evidence {
        let http_decided = matches!(http_verdict(http_status, operation), HttpVerdict::Outcome(..));
        Evidence {
            // Eko documents 200 for answers with a body, and 403/404/405/415 as decisive refusals (spec §6.5).
            documented_status: matches!(http_status, 200..=299 | 403 | 404 | 405 | 415),
            readable: http_decided || (self.json.is_some() && self.conflict.is_none()),
            authenticity: Authenticity::NotSigned,
            unknown_next: unknown_next(operation),
        }
    }

    fn has_code(&self, code: i64) -> bool {
        self.status == Some(code) || self.response_status_id == Some(code)
    }

    fn message_contains(&self, phrase: &str) -> bool {
        self.message.as_deref().is_some_and(|m| m.to_ascii_lowercase().contains(phrase))
    }

    fn field_errors(&self) -> Vec<FieldError> {
        let Some(Value::Object(params)) = self.json.as_ref().and_then(|m| m.get("invalid_params")) else {
            return Vec::new();
        };
        params
            .iter()
            .map(|(field, v)| FieldError {
                field: field.clone(),
                problem: clean_message(&as_text(v).unwrap_or_else(|| v.to_string())),
            })
            .collect()
    }

    fn outcome(&self, status: Status, reason: Reason, next: NextStep) -> Outcome {
        Outcome::new(status, reason, next, self.raw.clone())
    }

    fn refund_details(&self, warnings: &mut Vec<String>) -> RefundDetails {
        let mut amount = |name: &str| {
            let text = self.data_text(name)?;
            match Money::parse_rupees(&text) {
                Ok(m) => Some(m),
                Err(e) => {
                    warnings.push(format!("data.{name}: {e}"));
                    None
                }
            }
        };
        RefundDetails {
            original_amount: amount("amount"),
            refunded_amount: amount("refunded_amount"),
            fee: amount("fee"),
            tds: amount("tds"),
            commission_reverse: amount("commission_reverse"),
            balance: amount("balance"),
            refund_id: self.data_text("refund_tid"),
            original_id: self.data_text("tid"),
            currency: self.data_text("currency"),
            completed_at: self.data_text("timestamp"),
            provider_status: self.tx_status.clone(),
            provider_status_text: self
                .json
                .as_ref()
                .and_then(|m| m.get("txstatus_desc"))
                .and_then(as_text)
                .or_else(|| self.data_text("txstatus_desc")),
        }
    }

    fn with_refund_details(&self, mut outcome: Outcome) -> Outcome {
        let mut warnings = Vec::new();
        outcome.refund = Some(self.refund_details(&mut warnings));
        outcome.warnings.extend(warnings);
        outcome
    }

    /// A known decline code from Eko's table, if `status` (or `response_status_id`) carries one.
    fn decline_reason(&self) -> Option<Reason> {
        DECLINE_CODES.iter().find(|(code, _)| self.has_code(*code)).map(|(_, reason)| *reason)
    }
}

fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What an HTTP status other than 2xx means, before any body is read.
enum HttpVerdict {
    Body,
    Outcome(Status, Reason, NextStep),
}

/// What to do when an answer to `operation` says nothing certain.
fn unknown_next(operation: Operation) -> NextStep {
    match operation {
        Operation::InitiateRefund | Operation::Inquiry => NextStep::Inquire,
        Operation::RefundOtp | Operation::PendingRefunds => NextStep::RetryLater,
    }
}

/// The HTTP statuses Eko documents (spec §6.5): 2xx carries the answer; 403 (wrong `secret-key` or timestamp) and
/// 404/405/415 (wrong URL, method, content type) are decisive refusals of a request that was not executed; 401 (the
/// newer code table's authentication failure) is reported as [`Reason::AuthOrClock`] but is no verdict on the
/// refund. Every other status (1xx, 3xx, other 4xx, 5xx, 600+) says nothing about the refund.
fn http_verdict(status: u16, operation: Operation) -> HttpVerdict {
    use HttpVerdict::Outcome as O;
    let unknown_next = unknown_next(operation);
    // For read operations an HTTP error says nothing about the refund: its status stays unknown.
    let decisive = if operation == Operation::Inquiry || operation == Operation::PendingRefunds {
        Status::Indeterminate
    } else {
        Status::Failed
    };
    match status {
        200..=299 => HttpVerdict::Body,
        403 => O(decisive, Reason::AuthOrClock, NextStep::FixConfiguration),
        401 => O(Status::Indeterminate, Reason::AuthOrClock, NextStep::FixConfiguration),
        404 | 405 | 415 => O(decisive, Reason::Configuration, NextStep::FixConfiguration),
        429 => O(Status::Indeterminate, Reason::RateLimited, unknown_next),
        _ => O(Status::Indeterminate, Reason::ServerError, unknown_next),
    }
}

/// Interprets Get / Resend Refund OTP. No money moves on this call, so "unknown" means "safe to ask again later".
pub fn interpret_refund_otp(response: &HttpResponse) -> Outcome {
    let env = Envelope::parse(response);
    let outcome = interpret_refund_otp_rules(&env, response);
    env.evidence(response.status, Operation::RefundOtp).enforce(outcome)
}

fn interpret_refund_otp_rules(env: &Envelope, response: &HttpResponse) -> Outcome {
    if let HttpVerdict::Outcome(s, r, n) = http_verdict(response.status, Operation::RefundOtp) {
        return env.outcome(s, r, n);
    }
    if env.json.is_none() {
        // Not strict JSON: nothing in it can be believed; asking again is safe (no money moves on this call).
        return env.outcome(Status::Indeterminate, Reason::UnreadableResponse, NextStep::RetryLater);
    }
    let Some(status) = env.status else {
        // JSON without `status`: Eko's "No key for Response" (a missing or malformed parameter).
        return env.outcome(Status::Failed, Reason::Validation, NextStep::FixInput);
    };
    let field_errors = env.field_errors();
    if !field_errors.is_empty() {
        let mut o = env.outcome(Status::Failed, Reason::Validation, NextStep::FixInput);
        o.field_errors = field_errors;
        return o;
    }
    if env.has_code(168) {
        return env.outcome(Status::Failed, Reason::TransactionNotFound, NextStep::Nothing);
    }
    let otp_ref_id = env.data_text("otp_ref_id");
    let test_otp = env.data_text("otp");
    if env.response_type_id == Some(2133) || otp_ref_id.is_some() {
        let mut o = env.outcome(Status::Pending, Reason::OtpSent, NextStep::CollectOtp);
        o.otp = Some(OtpDispatch { otp_ref_id, dispatch_unconfirmed: false, test_otp });
        return o;
    }
    if status == 0 {
        let mut o = env.outcome(Status::Pending, Reason::OtpSent, NextStep::CollectOtpOrResendLater);
        o.otp = Some(OtpDispatch { otp_ref_id: None, dispatch_unconfirmed: true, test_otp });
        return o;
    }
    if env.message_contains("already in refunded state") {
        return env.outcome(Status::Failed, Reason::AlreadyRefunded, NextStep::Nothing);
    }
    if env.message_contains("not in a refundable state") {
        return env.outcome(Status::Failed, Reason::NotRefundable, NextStep::Nothing);
    }
    match env.decline_reason() {
        Some(Reason::Configuration) => env.outcome(Status::Failed, Reason::Configuration, NextStep::FixConfiguration),
        Some(reason) => env.outcome(Status::Failed, reason, NextStep::Nothing),
        None => env.outcome(Status::Indeterminate, Reason::UnknownCode, NextStep::RetryLater),
    }
}

/// Interprets Initiate Refund, the money-moving call. Anything short of a decisive answer is
/// [`Status::Indeterminate`] with [`NextStep::Inquire`].
pub fn interpret_initiate_refund(response: &HttpResponse) -> Outcome {
    let env = Envelope::parse(response);
    let outcome = interpret_initiate_refund_rules(&env, response);
    env.evidence(response.status, Operation::InitiateRefund).enforce(outcome)
}

fn interpret_initiate_refund_rules(env: &Envelope, response: &HttpResponse) -> Outcome {
    if let HttpVerdict::Outcome(s, r, n) = http_verdict(response.status, Operation::InitiateRefund) {
        return env.outcome(s, r, n);
    }
    let Some(status) = env.status else {
        if env.json.is_some() && env.message_contains("no key for response") {
            // Eko's answer to a missing, malformed or undocumented parameter: nothing was executed.
            return env.outcome(Status::Failed, Reason::Validation, NextStep::FixInput);
        }
        return env.outcome(Status::Indeterminate, Reason::UnreadableResponse, NextStep::Inquire);
    };
    let field_errors = env.field_errors();
    if !field_errors.is_empty() {
        let otp = field_errors.iter().any(|e| e.field == "otp");
        let mut o = if otp {
            env.outcome(Status::Failed, Reason::OtpInvalid, NextStep::ReenterOtp)
        } else {
            env.outcome(Status::Failed, Reason::Validation, NextStep::FixInput)
        };
        o.field_errors = field_errors;
        return o;
    }
    if env.has_code(302) {
        return env.outcome(Status::Failed, Reason::OtpInvalid, NextStep::ReenterOtp);
    }
    if env.has_code(303) {
        return env.outcome(Status::Failed, Reason::OtpExpired, NextStep::RequestNewOtp);
    }
    if status == 0 {
        let tx = env.tx_status.as_deref().map(str::trim);
        let refunded = env.response_type_id == Some(74) || env.data_text("refund_tid").is_some() || tx == Some("4");
        // A success signal next to a tx_status that says otherwise: the answer disagrees with itself.
        let conflicting = refunded && tx.is_some_and(|t| t != "4");
        let o = if conflicting || env.conflict.is_some() {
            let mut o = env.outcome(Status::Indeterminate, Reason::Unconfirmed, NextStep::Inquire);
            o.warnings.push("the answer's fields disagree (refund confirmation vs tx_status): inquire".into());
            o
        } else if refunded {
            env.outcome(Status::Succeeded, Reason::Refunded, NextStep::Nothing)
        } else if tx == Some("1") {
            env.outcome(Status::Failed, Reason::Declined, NextStep::Nothing)
        } else {
            env.outcome(Status::Indeterminate, Reason::Unconfirmed, NextStep::Inquire)
        };
        return env.with_refund_details(o);
    }
    if env.response_status_id == Some(-2) {
        return env.outcome(Status::Pending, Reason::AnotherTransactionInProgress, NextStep::RetryLater);
    }
    if env.message_contains("already in refunded state") {
        return env.outcome(Status::Indeterminate, Reason::AlreadyRefunded, NextStep::Inquire);
    }
    if env.message_contains("not in a refundable state") {
        return env.outcome(Status::Failed, Reason::NotRefundable, NextStep::Nothing);
    }
    if env.has_code(347) {
        return env.outcome(Status::Failed, Reason::InsufficientBalance, NextStep::Nothing);
    }
    if env.has_code(168) {
        return env.outcome(Status::Failed, Reason::TransactionNotFound, NextStep::Nothing);
    }
    match env.decline_reason() {
        Some(Reason::Configuration) => env.outcome(Status::Failed, Reason::Configuration, NextStep::FixConfiguration),
        Some(reason) => env.outcome(Status::Failed, reason, NextStep::Nothing),
        None => env.outcome(Status::Indeterminate, Reason::UnknownCode, NextStep::Inquire),
    }
}

/// Interprets a Transaction Inquiry of the **original** transaction, as the state of its refund.
pub fn interpret_inquiry(response: &HttpResponse) -> Outcome {
    let env = Envelope::parse(response);
    let outcome = interpret_inquiry_rules(&env, response);
    env.evidence(response.status, Operation::Inquiry).enforce(outcome)
}

fn interpret_inquiry_rules(env: &Envelope, response: &HttpResponse) -> Outcome {
    if let HttpVerdict::Outcome(s, r, n) = http_verdict(response.status, Operation::Inquiry) {
        return env.outcome(s, r, n);
    }
    let Some(status) = env.status else {
        return env.outcome(Status::Indeterminate, Reason::UnreadableResponse, NextStep::Inquire);
    };
    let field_errors = env.field_errors();
    if !field_errors.is_empty() {
        let mut o = env.outcome(Status::Indeterminate, Reason::Validation, NextStep::FixInput);
        o.field_errors = field_errors;
        return o;
    }
    if status != 0 {
        if env.has_code(168) {
            return env.outcome(Status::Failed, Reason::TransactionNotFound, NextStep::Nothing);
        }
        // The inquiry itself failed: the refund's state is still unknown.
        return env.outcome(Status::Indeterminate, Reason::UnknownCode, NextStep::Inquire);
    }
    if let Some(why) = env.conflict {
        let mut o = env.outcome(Status::Indeterminate, Reason::Unconfirmed, NextStep::Inquire);
        o.warnings.push(format!("{why}: inquire again"));
        return o;
    }
    let o = match env.tx_status.as_deref().map(str::trim) {
        Some("4") => env.outcome(Status::Succeeded, Reason::Refunded, NextStep::Nothing),
        // Still refund-pending: the refund did not happen; a new OTP and refund are safe.
        Some("3") => env.outcome(Status::Failed, Reason::NotRefunded, NextStep::RequestNewOtp),
        Some("0") | Some("1") => env.outcome(Status::Failed, Reason::NotRefundable, NextStep::Nothing),
        Some("2") | Some("5") | Some("6") => env.outcome(Status::Pending, Reason::InProgress, NextStep::PollLater),
        // Eko: "any other value ... should be treated as initiated and transaction inquiry should be done".
        _ => env.outcome(Status::Pending, Reason::UnknownCode, NextStep::PollLater),
    };
    env.with_refund_details(o)
}

/// One transaction waiting to be refunded, from Get Pending Refunds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRefund {
    /// Eko's transaction id.
    pub tid: String,
    /// The transaction's amount, when Eko gave an exact one.
    pub amount: Option<Money>,
    /// When the transaction was made, as Eko wrote it.
    pub timestamp: Option<String>,
    /// Eko's `tx_status`, as text (expected `3`).
    pub tx_status: Option<String>,
}

/// The answer to Get Pending Refunds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRefunds {
    /// Whether Eko returned a list. When `false`, [`PendingRefunds::outcome`] says why (HTTP error, non-zero
    /// `status`, unreadable body) and what to do.
    pub listed: bool,
    /// The transactions found (possibly none).
    pub transactions: Vec<PendingRefund>,
    /// The interpretation of the envelope (raw codes, warnings).
    pub outcome: Outcome,
}

impl PendingRefunds {
    fn unlisted(outcome: Outcome) -> Self {
        PendingRefunds { listed: false, transactions: Vec::new(), outcome }
    }
}

/// Interprets Get Pending Refunds. Eko does not document the list's exact shape: refundkit reads an array found at
/// `data`, or the first array inside `data`, and takes each element's `tid`, `amount`, `timestamp` and `tx_status`.
pub fn interpret_pending_refunds(response: &HttpResponse) -> PendingRefunds {
    let env = Envelope::parse(response);
    let mut answer = pending_refunds_rules(&env, response);
    answer.outcome = env.evidence(response.status, Operation::PendingRefunds).enforce(answer.outcome);
    answer
}

fn pending_refunds_rules(env: &Envelope, response: &HttpResponse) -> PendingRefunds {
    if let HttpVerdict::Outcome(s, r, n) = http_verdict(response.status, Operation::PendingRefunds) {
        return PendingRefunds::unlisted(env.outcome(s, r, n));
    }
    let failure = match env.status {
        None => Some((Status::Indeterminate, Reason::UnreadableResponse, NextStep::RetryLater)),
        Some(0) => None,
        Some(_) if env.decline_reason() == Some(Reason::Configuration) => {
            Some((Status::Failed, Reason::Configuration, NextStep::FixConfiguration))
        }
        Some(_) => Some((Status::Indeterminate, Reason::UnknownCode, NextStep::RetryLater)),
    };
    if let Some((s, r, n)) = failure {
        return PendingRefunds::unlisted(env.outcome(s, r, n));
    }
    let data = env.json.as_ref().and_then(|m| m.get("data"));
    let list = match data {
        Some(Value::Array(items)) => Some(items),
        Some(Value::Object(map)) => map.values().find_map(|v| v.as_array()),
        _ => None,
    };
    let mut outcome = env.outcome(Status::Pending, Reason::InProgress, NextStep::Nothing);
    let mut transactions = Vec::new();
    for item in list.into_iter().flatten() {
        let Some(tid) = item.get("tid").and_then(as_text).filter(|t| !t.is_empty()) else {
            outcome.warnings.push("a pending refund without a tid was skipped".into());
            continue;
        };
        let amount = match item.get("amount").and_then(as_text).map(|t| Money::parse_rupees(&t)) {
            Some(Ok(m)) => Some(m),
            Some(Err(e)) => {
                outcome.warnings.push(format!("pending refund {tid}: amount: {e}"));
                None
            }
            None => None,
        };
        transactions.push(PendingRefund {
            tid,
            amount,
            timestamp: item.get("timestamp").and_then(as_text),
            tx_status: item.get("tx_status").and_then(as_text),
        });
    }
    PendingRefunds { listed: true, transactions, outcome }
}

#[cfg(test)]
mod verdict_rule_tests {
    use super::*;

    fn r(status: u16, body: &str) -> HttpResponse {
        HttpResponse::new(status, body)
    }

    #[test]
    fn duplicate_keys_never_yield_a_verdict() {
        // Last-key-wins would read this as status 0 + response_type_id 74: SUCCEEDED.
        let o = interpret_initiate_refund(&r(200, r#"{"status":1,"status":0,"response_type_id":74}"#));
        assert_eq!(
            (o.status, o.reason, o.next_step),
            (Status::Indeterminate, Reason::UnreadableResponse, NextStep::Inquire)
        );
        let o = interpret_inquiry(&r(200, r#"{"status":0,"data":{"x":1,"x":2},"tx_status":"4"}"#));
        assert_eq!((o.status, o.reason), (Status::Indeterminate, Reason::UnreadableResponse));
        let o = interpret_refund_otp(&r(200, r#"{"status":0,"status":0}"#));
        assert_eq!(
            (o.status, o.reason, o.next_step),
            (Status::Indeterminate, Reason::UnreadableResponse, NextStep::RetryLater)
        );
        let p = interpret_pending_refunds(&r(200, r#"{"status":0,"status":0,"data":[]}"#));
        assert!(!p.listed);
        assert_eq!(p.outcome.reason, Reason::UnreadableResponse);
    }

    #[test]
    fn blank_refund_tid_is_no_confirmation() {
        for blank in ["", " ", "\\t", " \\n "] {
            let body = format!(r#"{{"status":0,"data":{{"refund_tid":"{blank}"}}}}"#);
            let o = interpret_initiate_refund(&r(200, &body));
            assert_eq!((o.status, o.reason), (Status::Indeterminate, Reason::Unconfirmed), "{body}");
            assert_eq!(o.refund.and_then(|d| d.refund_id), None);
        }
    }

    #[test]
    fn conflicting_fields_are_not_final() {
        let o = interpret_initiate_refund(&r(200, r#"{"status":0,"response_type_id":74,"tx_status":"1"}"#));
        assert_eq!((o.status, o.reason), (Status::Indeterminate, Reason::Unconfirmed));
        let o = interpret_inquiry(&r(200, r#"{"status":0,"tx_status":"4","data":{"tx_status":"3"}}"#));
        assert_eq!((o.status, o.reason), (Status::Indeterminate, Reason::Unconfirmed));
        // Agreeing copies are fine.
        let o = interpret_inquiry(&r(200, r#"{"status":0,"tx_status":"4","data":{"tx_status":4}}"#));
        assert_eq!(o.status, Status::Succeeded);
    }

    #[test]
    fn only_documented_http_statuses_give_verdicts() {
        let success = r#"{"status":0,"response_type_id":74,"data":{"refund_tid":"1"}}"#;
        for status in [100, 199, 300, 302, 304, 400, 401, 402, 409, 418, 422, 600, 999] {
            for o in [interpret_initiate_refund(&r(status, success)), interpret_refund_otp(&r(status, "{}"))] {
                assert_eq!(o.status, Status::Indeterminate, "HTTP {status}");
            }
        }
        let o = interpret_initiate_refund(&r(401, ""));
        assert_eq!(
            (o.status, o.reason, o.next_step),
            (Status::Indeterminate, Reason::AuthOrClock, NextStep::FixConfiguration)
        );
        // Documented refusals keep their spec verdicts.
        assert_eq!(interpret_initiate_refund(&r(403, "")).status, Status::Failed);
        assert_eq!(interpret_initiate_refund(&r(415, "")).reason, Reason::Configuration);
        assert_eq!(interpret_initiate_refund(&r(201, success)).status, Status::Succeeded);
    }

    #[test]
    fn hostile_json_is_unreadable() {
        let deep = format!(r#"{{"status":0,"response_type_id":74,"x":{}{}}}"#, "[".repeat(200), "]".repeat(200));
        for body in [
            r#"{"status":0,"response_type_id":74,"x":"\q"}"#.to_string(),
            r#"{"status":0,"response_type_id":74,"x":"\ud800"}"#.to_string(),
            deep,
            format!(r#"{{"status":0,"response_type_id":74,"x":"{}"}}"#, "a".repeat(crate::crypto::json::MAX_LEN)),
        ] {
            let o = interpret_initiate_refund(&r(200, &body));
            assert_eq!((o.status, o.reason), (Status::Indeterminate, Reason::UnreadableResponse));
        }
    }
}
