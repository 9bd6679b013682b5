//! Interpretation of Paytm Refund Apply and Refund Status answers into [`Outcome`]s (spec §6, §7).
//!
//! Order of the rules: HTTP status (Paytm documents only 200), then the envelope (the whole document parsed strictly
//! with [`crate::crypto::json`], the `body` cut out of the received text, spec §4), then the response signature
//! (**required**: a missing one makes the answer untrusted unless
//! [`super::PaytmConfig::dangerously_accept_unsigned_responses`] is set; a failing one always does), then
//! `resultInfo.resultStatus`, then `resultInfo.resultCode`. The verdict rule ([`Evidence::enforce`]) is applied last.
//!
//! An answer whose signature is missing or does not verify is never final. Two documented shapes keep a useful
//! next step: `TXN_FAILURE 330` (Paytm could not verify *our* checksum: the merchant key is probably wrong, and its
//! answer cannot verify with that key either) is [`Reason::SignatureInvalid`] + [`NextStep::FixConfiguration`], and
//! an unsigned `TXN_FAILURE 335` (unknown MID: Paytm has no key to sign with) is [`Reason::Configuration`] +
//! [`NextStep::FixConfiguration`]; both [`Status::Indeterminate`].
//!
//! Deliberate deviation from spec §7.1.7/§7.2.6 ("TXN_FAILURE + any other code → Failed"): a `TXN_FAILURE` code in
//! none of Paytm's tables is [`Reason::UnknownCode`] and [`Status::Indeterminate`], never [`Status::Failed`]: a
//! wrongly assumed failure invites a second refund under a new `refId`, a status query costs nothing.

use crate::crypto::json::raw_object_member;
use crate::http::HttpResponse;
use crate::money::Money;
use crate::outcome::{
    clean_message, Authenticity, Evidence, NextStep, Outcome, Provider, ProviderCode, ProviderRaw, Reason,
    RefundDetails, Status,
};
use serde_json::{Map, Value};

/// What is known about the Refund Apply when its status is queried. It decides what a status answer of 631
/// ("Record not found") means (spec §7.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PriorApply {
    /// The apply's outcome is unknown (timeout, 5xx, unreadable answer) or was never learned. 631 then means Paytm
    /// probably never received it: [`Status::Indeterminate`] with [`NextStep::ResendSameReference`] (re-send the
    /// apply with the **same** `refId`, which Paytm rejects as a duplicate if it did arrive).
    #[default]
    Unknown,
    /// Paytm accepted the apply (`PENDING 601`) at this instant (Unix milliseconds). 631 within the grace period
    /// ([`super::PaytmConfig::not_found_grace_period_ms`]) is [`Status::Pending`]; after it,
    /// [`Status::Indeterminate`] with a warning to escalate to Paytm.
    AcceptedAt(u64),
}

/// Whether the answer's `head.signature` checked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Signature {
    Absent,
    Valid,
    Invalid,
}

impl Signature {
    fn as_str(self) -> &'static str {
        match self {
            Signature::Absent => "absent",
            Signature::Valid => "valid",
            Signature::Invalid => "invalid",
        }
    }
}

/// The parsed answer: only what the rules need.
struct Answer {
    /// The `body` object, parsed from exactly the bytes the signature covers.
    body: Option<Map<String, Value>>,
    signature: Signature,
    /// [`super::PaytmConfig::dangerously_accept_unsigned_responses`].
    accept_unsigned: bool,
    result_status: Option<String>,
    result_code: Option<String>,
    raw: ProviderRaw,
    warnings: Vec<String>,
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn text_field(map: &Map<String, Value>, name: &str) -> Option<String> {
    map.get(name).and_then(as_text).filter(|s| !s.is_empty())
}

/// The raw `body` of a signed Paytm envelope and whether its signature verifies. Shared with the webhooks.
/// Whether a signature verifies over a raw body: `verify(raw_body, signature)`.
pub(super) type Verify<'a> = &'a dyn Fn(&str, &str) -> bool;

/// The raw `body` substring and the `head.signature` of a signed envelope. `None` unless the whole document is
/// strict JSON ([`crate::crypto::json::parse`]) with a `body` object and a non-empty string signature.
pub(super) fn signature_parts(bytes: &[u8]) -> Option<(String, String)> {
    let doc = crate::crypto::json::parse_object(bytes).ok()?;
    let text = std::str::from_utf8(bytes).ok()?;
    let raw_body = raw_object_member(text, "body")?;
    match doc.get("head").and_then(|h| h.get("signature")) {
        Some(Value::String(sig)) if !sig.is_empty() => Some((raw_body.to_string(), sig.clone())),
        _ => None,
    }
}

/// A received envelope: `None` when the document is not strict JSON (duplicate keys at any depth, a bad escape such
/// as `"\q"`, a lone surrogate, nesting deeper than 64, more than 1 MiB). Then nothing in it is read, not even
/// its signature: a wrong signature next to an unparseable `head` must never pass for an absent one.
pub(super) fn open_envelope(bytes: &[u8], verify: Verify<'_>) -> Option<(Option<Map<String, Value>>, Signature)> {
    let doc = crate::crypto::json::parse_object(bytes).ok()?;
    let text = std::str::from_utf8(bytes).ok()?;
    // The strict parse guarantees one `body` member; the scanner finds its exact bytes.
    let raw_body = raw_object_member(text, "body");
    let body = match (raw_body, doc.get("body")) {
        (Some(_), Some(Value::Object(m))) => Some(m.clone()),
        _ => None,
    };
    let signature = match doc.get("head") {
        None | Some(Value::Null) => Signature::Absent,
        Some(Value::Object(head)) => match head.get("signature") {
            None | Some(Value::Null) => Signature::Absent,
            Some(Value::String(s)) if s.is_empty() => Signature::Absent,
            Some(Value::String(sig)) => match raw_body {
                Some(raw) if verify(raw, sig) => Signature::Valid,
                _ => Signature::Invalid,
            },
            Some(_) => Signature::Invalid,
        },
        // A head that is not an object cannot carry a signature we could check.
        Some(_) => Signature::Invalid,
    };
    Some((body, signature))
}

impl Answer {
    fn parse(response: &HttpResponse, verify: Verify<'_>, accept_unsigned: bool) -> Answer {
        let (body, signature) = open_envelope(&response.body, verify).unwrap_or((None, Signature::Absent));
        let result_info = body.as_ref().and_then(|b| b.get("resultInfo")).and_then(Value::as_object);
        let result_status = result_info.and_then(|r| text_field(r, "resultStatus"));
        let result_code = result_info.and_then(|r| text_field(r, "resultCode"));
        let message = result_info.and_then(|r| r.get("resultMsg")).and_then(Value::as_str).map(str::to_string);
        let mut codes = Vec::new();
        let mut push = |name: String, value: Option<String>| {
            if let Some(value) = value {
                codes.push(ProviderCode { name, value });
            }
        };
        push("resultStatus".into(), result_status.clone());
        push("resultCode".into(), result_code.clone());
        if body.is_some() {
            push("signature".into(), Some(signature.as_str().into()));
        }
        let mut warnings = Vec::new();
        if let Some(b) = &body {
            // Both spellings: `totalRefundAmount` (PG) and `totalrefundAmount` (AI-router).
            let total = text_field(b, "totalRefundAmount").or_else(|| text_field(b, "totalrefundAmount"));
            if let Some(t) = &total {
                if let Err(e) = Money::parse_rupees(t) {
                    warnings.push(format!("totalRefundAmount: {e}"));
                }
            }
            push("totalRefundAmount".into(), total);
            for name in ["acceptRefundStatus", "userCreditInitiateStatus", "refundType", "source"] {
                push(name.into(), text_field(b, name));
            }
            if let Some(g) = b.get("gatewayResultInfo").and_then(Value::as_object) {
                for name in ["resultStatus", "resultCode", "resultMsg"] {
                    push(format!("gatewayResultInfo.{name}"), text_field(g, name));
                }
            }
            if let Some(list) = b.get("refundDetailInfoList").and_then(Value::as_array) {
                for (i, item) in list.iter().enumerate() {
                    let Some(item) = item.as_object() else { continue };
                    for name in
                        ["refundType", "payMethod", "refundAmount", "rrn", "userCreditExpectedDate", "issuingBankName"]
                    {
                        push(format!("refundDetailInfoList[{i}].{name}"), text_field(item, name));
                    }
                }
            }
        }
        if body.is_some() && signature == Signature::Absent && accept_unsigned {
            warnings.push(
                "the response carries no signature; read anyway because dangerously_accept_unsigned_responses is set"
                    .into(),
            );
        }
        let raw = ProviderRaw {
            provider: Provider::Paytm,
            http_status: response.status,
            codes,
            message: message.as_deref().map(clean_message),
            raw_message: message,
        };
        Answer { body, signature, accept_unsigned, result_status, result_code, raw, warnings }
    }

    /// What this answer proves, for [`Evidence::enforce`].
    fn evidence(&self, http_status: u16) -> Evidence {
        Evidence {
            // Paytm documents HTTP 200 for every answer it means (spec §7: "non-200 HTTP → Indeterminate").
            documented_status: http_status == 200,
            readable: self.body.is_some() && self.result_status.is_some(),
            authenticity: match (self.signature, self.accept_unsigned) {
                (Signature::Valid, _) => Authenticity::Verified,
                (Signature::Invalid, _) => Authenticity::Invalid,
                (Signature::Absent, true) => Authenticity::SkippedByConfiguration,
                (Signature::Absent, false) => Authenticity::Missing,
            },
            unknown_next: NextStep::Inquire,
        }
    }

    fn outcome(&self, status: Status, reason: Reason, next: NextStep) -> Outcome {
        let mut o = Outcome::new(status, reason, next, self.raw.clone());
        o.warnings = self.warnings.clone();
        let believed = match self.signature {
            Signature::Valid => true,
            Signature::Absent => self.accept_unsigned,
            Signature::Invalid => false,
        };
        if let (Some(b), true) = (&self.body, believed) {
            let mut amount = |name: &str| {
                let text = text_field(b, name)?;
                match Money::parse_rupees(&text) {
                    Ok(m) => Some(m),
                    Err(e) => {
                        o.warnings.push(format!("{name}: {e}"));
                        None
                    }
                }
            };
            let details = RefundDetails {
                refund_id: text_field(b, "refundId"),
                original_id: text_field(b, "txnId"),
                original_amount: amount("txnAmount"),
                refunded_amount: amount("refundAmount"),
                completed_at: text_field(b, "userCreditInitiateTimestamp"),
                provider_status: self.result_status.clone(),
                provider_status_text: self.raw.raw_message.clone(),
                ..RefundDetails::default()
            };
            o.refund = Some(details);
        }
        o
    }

    /// The outcome for what comes before `resultStatus`: HTTP status, envelope, signature.
    fn precheck(&self, status: u16, is_apply: bool) -> Option<Outcome> {
        if status != 200 {
            let (reason, next) = match status {
                429 => (Reason::RateLimited, NextStep::Inquire),
                408 | 500..=599 => (Reason::ServerError, NextStep::Inquire),
                // A wrong URL or content type on the read-only call is a configuration problem; after an apply the
                // refund's fate is still to be learned through status.
                400..=499 if !is_apply => (Reason::Configuration, NextStep::FixConfiguration),
                400..=499 => (Reason::Configuration, NextStep::Inquire),
                _ => (Reason::ServerError, NextStep::Inquire),
            };
            return Some(self.outcome(Status::Indeterminate, reason, next));
        }
        if self.body.is_none() || self.result_status.is_none() {
            return Some(self.outcome(Status::Indeterminate, Reason::UnreadableResponse, NextStep::Inquire));
        }
        if self.signature == Signature::Invalid {
            // An unverifiable 330 ("checksum mismatch") is what a wrong merchant key looks like from both sides:
            // still untrusted (the refund's fate is unknown), but asking again cannot help.
            let key_suspect = self.result_code.as_deref() == Some("330");
            let next = if key_suspect { NextStep::FixConfiguration } else { NextStep::Inquire };
            let mut o = self.outcome(Status::Indeterminate, Reason::SignatureInvalid, next);
            o.warnings.push("the response signature does not verify: its contents are untrusted".into());
            if key_suspect {
                o.warnings.push(
                    "the answer says 330 (checksum mismatch) and its own signature does not verify with the configured \
                     merchant key: the key is probably wrong"
                        .into(),
                );
            }
            return Some(o);
        }
        if self.signature == Signature::Absent && !self.accept_unsigned {
            let failure = self.result_status.as_deref() == Some("TXN_FAILURE");
            let (reason, next, why) = match self.result_code.as_deref() {
                Some("330") if failure => (
                    Reason::SignatureInvalid,
                    NextStep::FixConfiguration,
                    "the answer says 330 (checksum mismatch) and is unsigned: the merchant key is probably wrong",
                ),
                Some("335") if failure => (
                    Reason::Configuration,
                    NextStep::FixConfiguration,
                    "the answer says 335 (invalid MID) and is unsigned (Paytm has no key for an unknown MID): check \
                     the mid",
                ),
                _ => (Reason::UntrustedResponse, NextStep::Inquire, "the response carries no signature"),
            };
            let mut o = self.outcome(Status::Indeterminate, reason, next);
            o.warnings.push(format!("{why}; its contents are untrusted"));
            return Some(o);
        }
        None
    }
}

/// Interprets the answer to a Refund Apply (spec §7.1).
pub(super) fn interpret_refund_apply(response: &HttpResponse, verify: Verify<'_>, accept_unsigned: bool) -> Outcome {
    let a = Answer::parse(response, verify, accept_unsigned);
    let o = refund_apply_rules(&a, response);
    a.evidence(response.status).enforce(o)
}

fn refund_apply_rules(a: &Answer, response: &HttpResponse) -> Outcome {
    if let Some(o) = a.precheck(response.status, true) {
        return o;
    }
    use NextStep as N;
    use Reason as R;
    use Status as S;
    let code = a.result_code.as_deref().unwrap_or("");
    let (status, reason, next) = match a.result_status.as_deref().unwrap_or("") {
        // The normal answer: registered with the PG; the refund's fate comes from status polls.
        "PENDING" if code == "601" => (S::Pending, R::InProgress, N::PollLater),
        "PENDING" if code == "501" => (S::Indeterminate, R::ServerError, N::Inquire),
        "PENDING" => (S::Indeterminate, R::UnknownCode, N::Inquire),
        // Apply is asynchronous: success here is only acceptance; status confirms.
        "TXN_SUCCESS" => (S::Pending, R::Unconfirmed, N::PollLater),
        "TXN_FAILURE" => match code {
            "617" => (S::Indeterminate, R::DuplicateRequest, N::Inquire),
            "629" => (S::Indeterminate, R::AlreadyRefunded, N::Inquire),
            "626" => (S::Pending, R::AnotherTransactionInProgress, N::RetryLater),
            "628" => (S::Pending, R::InProgress, N::PollLater),
            "330" => (S::Failed, R::SignatureInvalid, N::FixConfiguration),
            "335" => (S::Failed, R::Configuration, N::FixConfiguration),
            "600" => (S::Failed, R::Declined, N::Nothing),
            "607" | "679" => (S::Failed, R::NotRefundable, N::Nothing),
            "619" | "627" | "635" | "674" => (S::Failed, R::Validation, N::FixInput),
            _ => (S::Indeterminate, R::UnknownCode, N::Inquire),
        },
        _ => (S::Indeterminate, R::UnknownCode, N::Inquire),
    };
    let mut o = a.outcome(status, reason, next);
    if code == "330" && a.result_status.as_deref() == Some("TXN_FAILURE") {
        o.warnings.push(
            "Paytm rejected the request signature (330): check the merchant key (exact bytes, 16/24/32 long, not \
             the MID) and that the body was sent byte-for-byte as signed"
                .into(),
        );
    }
    o
}

/// Interprets the answer to a Refund Status query (spec §7.2).
pub(super) fn interpret_refund_status(
    response: &HttpResponse,
    verify: Verify<'_>,
    accept_unsigned: bool,
    prior_apply: PriorApply,
    now_ms: Option<u64>,
    grace_period_ms: u64,
) -> Outcome {
    let a = Answer::parse(response, verify, accept_unsigned);
    let o = refund_status_rules(&a, response, prior_apply, now_ms, grace_period_ms);
    a.evidence(response.status).enforce(o)
}

fn refund_status_rules(
    a: &Answer,
    response: &HttpResponse,
    prior_apply: PriorApply,
    now_ms: Option<u64>,
    grace_period_ms: u64,
) -> Outcome {
    if let Some(o) = a.precheck(response.status, false) {
        return o;
    }
    use NextStep as N;
    use Reason as R;
    use Status as S;
    let code = a.result_code.as_deref().unwrap_or("");
    let mut warning = None;
    let (status, reason, next) = match a.result_status.as_deref().unwrap_or("") {
        "TXN_SUCCESS" if code == "10" => (S::Succeeded, R::Refunded, N::Nothing),
        "TXN_SUCCESS" => (S::Pending, R::Unconfirmed, N::PollLater),
        "PENDING" if matches!(code, "601" | "400" | "501") => (S::Pending, R::InProgress, N::PollLater),
        "PENDING" => (S::Pending, R::UnknownCode, N::PollLater),
        "TXN_FAILURE" => match code {
            // These describe the status request, not the refund.
            "330" => {
                warning = Some(
                    "Paytm rejected the status request's signature (330): check the merchant key and that the body \
                     was sent byte-for-byte as signed",
                );
                (S::Indeterminate, R::SignatureInvalid, N::FixConfiguration)
            }
            "335" => (S::Indeterminate, R::Configuration, N::FixConfiguration),
            "624" | "625" => (S::Indeterminate, R::Validation, N::FixConfiguration),
            "631" => match prior_apply {
                PriorApply::Unknown => (S::Indeterminate, R::TransactionNotFound, N::ResendSameReference),
                PriorApply::AcceptedAt(at) if now_ms.is_some_and(|now| now.saturating_sub(at) <= grace_period_ms) => {
                    (S::Pending, R::TransactionNotFound, N::PollLater)
                }
                PriorApply::AcceptedAt(_) => {
                    warning = Some(
                        "Paytm accepted this refund but has no record of it after the grace period: escalate to \
                         Paytm; do not raise a new refId",
                    );
                    (S::Indeterminate, R::TransactionNotFound, N::Inquire)
                }
            },
            "600" | "602" | "227" | "247" | "698" => (S::Failed, R::Declined, N::Nothing),
            "620" => (S::Failed, R::InsufficientBalance, N::Nothing),
            "627" => (S::Failed, R::Validation, N::FixInput),
            _ => (S::Indeterminate, R::UnknownCode, N::Inquire),
        },
        _ => (S::Indeterminate, R::UnknownCode, N::Inquire),
    };
    let mut o = a.outcome(status, reason, next);
    o.warnings.extend(warning.map(str::to_string));
    o
}
