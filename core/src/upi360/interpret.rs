//! Interpretation of Refund 360, Refund Status and refund-callback answers into [`Outcome`]s (spec §6 to §8).
//!
//! Order, first match wins:
//!
//! 1. HTTP 401 ⇒ signature or credentials rejected: [`Reason::AuthOrClock`], nothing executed (spec §8.3; the only
//!    non-2xx status the spec gives a verdict). HTTP 5xx, 408, 429 ⇒ [`Status::Indeterminate`].
//! 2. Authenticity. Mode A: `x-response-signature` (RSA-PSS-SHA256, hex) over the sorted-key JSON or the raw body, as
//!    configured. Mode B: the response JWS (RS256). A 2xx answer that is unsigned or badly signed is
//!    [`Reason::UntrustedResponse`] (indeterminate; re-query), never a refund failure. Other answers (1xx, 3xx, 4xx
//!    but 401, 600+) are read even unsigned (Juspay signs only HTTP 200) for their reason and next step, but never
//!    give a verdict: a final reading becomes [`Status::Indeterminate`].
//! 3. The body is parsed strictly ([`crate::crypto::json`]): duplicate keys, bad escapes, lone surrogates, deep
//!    nesting ⇒ [`Reason::UnreadableResponse`].
//! 3. `status` / `responseCode` (§7.1): `FAILURE` ⇒ the table below; `SUCCESS` ⇒ step 4; anything else ⇒
//!    indeterminate.
//! 4. `payload.gatewayResponseStatus` as sent; only when it is missing or unknown, derived from
//!    `gatewayResponseCode` ([`gateway_code_status`]). `DEEMED` ⇒ [`Status::Pending`] + [`Reason::Deemed`].
//!    Unknown ⇒ indeterminate, never failed.
//!    When the status and the code disagree the answer is not final: a `DEEMED` code on either side (e.g.
//!    `FAILURE` + `BT`/`JPRTO`, or `SUCCESS` + `JPREFD`, which Juspay reports as SUCCESS for UDIR only when the
//!    merchant's `markUdirDeemedAsSuccess` is on) ⇒ [`Reason::Deemed`]; any other disagreement ⇒
//!    [`Status::Indeterminate`] / [`Reason::Unconfirmed`]. So does a top-level `status` that disagrees with
//!    `responseCode`.
//! 5. Sanity: a payload whose `refundRequestId`, `refundAmount` or `refundType` differs from the request ⇒
//!    indeterminate with a warning.
//! 6. The verdict rule ([`Evidence::enforce`]) is applied last.
//!
//! For Refund Status a failure *of the query* (e.g. `BAD_REQUEST`) says nothing about the refund, so it is reported
//! as indeterminate with the same reason; only `REQUEST_NOT_FOUND` (no refund under that id) is final there.

use super::crypto::{decode_signature, jws_verify, sorted_key_json, JwsError};
use super::{
    CanonicalForm, RefundRequest, RefundType, ResponseVerification, RsaPublicKey, Signer, StatusRequest, Upi360,
};
use crate::clock::Clock;
use crate::http::{Header, HttpResponse};
use crate::money::Money;
use crate::outcome::{
    clean_message, Authenticity, Evidence, NextStep, Outcome, Provider, ProviderCode, ProviderRaw, Reason,
    RefundDetails, Status,
};
use serde_json::{Map, Value};

/// Codes that make a refund `PENDING`: the union of Juspay's Refund 360 page and the integration guides (§7.2).
const PENDING_CODES: &[&str] = &["01", "91", "09", "060", "070", "080"];
/// Codes that make a refund `DEEMED`: `RB`, `BT` (docs page), `96` (guide, NPCI "deemed success" reversal),
/// `JPREFD` (UDIR), `JPRTO` (Refund Status guide).
const DEEMED_CODES: &[&str] = &["RB", "BT", "96", "JPREFD", "JPRTO"];

/// The `gatewayResponseStatus` a `gatewayResponseCode` implies, for answers that lack the status: `"SUCCESS"` for
/// `00`, `"PENDING"` for `01 91 09 060 070 080`, `"DEEMED"` for `RB BT 96 JPREFD JPRTO`, and `None` for anything
/// else. The tables call every other code a failure, but refundkit derives only from known codes: an unknown code
/// with no status is indeterminate, never failed.
pub fn gateway_code_status(code: &str) -> Option<&'static str> {
    let code = code.trim();
    if code == "00" {
        Some("SUCCESS")
    } else if PENDING_CODES.contains(&code) {
        Some("PENDING")
    } else if DEEMED_CODES.contains(&code) {
        Some("DEEMED")
    } else {
        None
    }
}

/// Whether `sig` (the raw bytes of an RSA-PSS-SHA256 signature) covers `body` in `canonical` form.
fn pss_verifies(key: &RsaPublicKey, body: &[u8], sig: &[u8], canonical: CanonicalForm) -> bool {
    let sorted = || sorted_key_json(body).is_some_and(|s| key.verify_pss_sha256(s.as_bytes(), sig));
    let raw = || key.verify_pss_sha256(body, sig);
    match canonical {
        CanonicalForm::SortedKeysOrRaw => sorted() || raw(),
        CanonicalForm::SortedKeys => sorted(),
        CanonicalForm::RawBody => raw(),
    }
}

/// Whether `signature` (the `x-response-signature` header value: RSA-PSS-SHA256, hex of either case) was made by
/// `psp_key` over `body` in `canonical` form. What [`Upi360::interpret_refund`] checks in mode A; exposed for callers
/// (and bindings) that verify answers themselves. A signature that is not hex is simply invalid.
pub fn verify_response_signature(
    psp_key: &RsaPublicKey,
    body: &[u8],
    signature: &str,
    canonical: CanonicalForm,
) -> bool {
    decode_signature(signature, false).is_some_and(|sig| pss_verifies(psp_key, body, &sig, canonical))
}

/// Whether `signature` (the `x-merchant-payload-signature` header value of a refund callback: RSA-PSS-SHA256, hex or
/// base64, spec §5.4 conflict 7) was made by `psp_key` over `body` in `canonical` form. What
/// [`Upi360::verify_callback`] checks.
pub fn verify_callback_signature(
    psp_key: &RsaPublicKey,
    body: &[u8],
    signature: &str,
    canonical: CanonicalForm,
) -> bool {
    decode_signature(signature, true).is_some_and(|sig| pss_verifies(psp_key, body, &sig, canonical))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Refund,
    Status,
    Callback,
}

/// What the answer must agree with.
struct Expected<'a> {
    refund_request_id: Option<&'a str>,
    amount: Option<Money>,
    refund_type: Option<RefundType>,
}

/// The result of the authenticity check.
enum Trust {
    /// Signed and verified (or verification switched off): the envelope bytes.
    Verified(Vec<u8>),
    /// No signature at all: the body as received.
    Unsigned(Vec<u8>),
    /// A signature that does not verify (or an undecodable JWS).
    Bad(&'static str),
}

struct Envelope {
    json: Option<Map<String, Value>>,
    payload: Option<Map<String, Value>>,
    raw: ProviderRaw,
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Envelope {
    fn parse(http_status: u16, bytes: Option<&[u8]>, op: Op) -> Envelope {
        let json = bytes.and_then(|b| crate::crypto::json::parse_object(b).ok());
        let payload = match json.as_ref().and_then(|m| m.get("payload")) {
            Some(Value::Object(p)) => Some(p.clone()),
            // Callbacks may carry the refund fields at the top level.
            _ if op == Op::Callback => json.clone(),
            _ => None,
        };
        let top = |n: &str| text(json.as_ref().and_then(|m| m.get(n)));
        let inner = |n: &str| text(payload.as_ref().and_then(|m| m.get(n)));
        let mut codes = Vec::new();
        for (name, value) in [
            ("status", top("status")),
            ("responseCode", top("responseCode")),
            ("gatewayResponseStatus", inner("gatewayResponseStatus")),
            ("gatewayResponseCode", inner("gatewayResponseCode")),
            ("refundRequestId", inner("refundRequestId")),
            ("gatewayRefundTransactionId", inner("gatewayRefundTransactionId")),
        ] {
            if let Some(value) = value {
                codes.push(ProviderCode { name: name.into(), value });
            }
        }
        let message = top("responseMessage");
        let raw = ProviderRaw {
            provider: Provider::Upi360,
            http_status,
            codes,
            message: message.as_deref().map(clean_message),
            raw_message: message,
        };
        Envelope { json, payload, raw }
    }

    fn conflicting(&self, why: &str) -> Outcome {
        let mut o = self.outcome(Status::Indeterminate, Reason::Unconfirmed, NextStep::Inquire);
        o.warnings.push(format!("{why}: the answer disagrees with itself and is not final"));
        o
    }

    fn top(&self, name: &str) -> Option<String> {
        text(self.json.as_ref()?.get(name))
    }

    fn inner(&self, name: &str) -> Option<String> {
        text(self.payload.as_ref()?.get(name)).filter(|s| !s.is_empty())
    }

    fn outcome(&self, status: Status, reason: Reason, next: NextStep) -> Outcome {
        let mut o = Outcome::new(status, reason, next, self.raw.clone());
        if self.payload.is_some() {
            let mut warnings = Vec::new();
            let mut amount = |name: &str| {
                let t = self.inner(name)?;
                Money::parse_rupees(&t).map_err(|e| warnings.push(format!("payload.{name}: {e}"))).ok()
            };
            let details = RefundDetails {
                original_amount: amount("transactionAmount"),
                refunded_amount: amount("refundAmount"),
                refund_id: self.inner("gatewayRefundReferenceId"),
                original_id: self.inner("gatewayTransactionId"),
                completed_at: self.inner("refundTimestamp"),
                provider_status: self.inner("gatewayResponseCode"),
                provider_status_text: self.inner("gatewayResponseMessage"),
                ..RefundDetails::default()
            };
            o.refund = Some(details);
            o.warnings.extend(warnings);
        }
        o
    }

    /// The outcome of a `status: FAILURE` answer (or one with a non-SUCCESS `responseCode` and no `status`).
    fn response_code_outcome(&self, op: Op) -> Outcome {
        use NextStep as N;
        use Reason as R;
        use Status as S;
        let code = self.top("responseCode").unwrap_or_default();
        let message = self.top("responseMessage").unwrap_or_default().to_ascii_lowercase();
        let (status, reason, next) = match code.as_str() {
            "FAILURE" => (S::Failed, R::Declined, N::Nothing),
            "REQUEST_NOT_FOUND" if op == Op::Status => {
                // No refund exists under this refundRequestId: Refund 360 with the same id would create it.
                return self.outcome(S::Failed, R::TransactionNotFound, N::RetryLater);
            }
            "REQUEST_NOT_FOUND" => (S::Failed, R::TransactionNotFound, N::FixInput),
            "REQUEST_EXPIRED" => (S::Failed, R::AuthOrClock, N::FixConfiguration),
            "REQUEST_PENDING" => (S::Pending, R::InProgress, N::PollLater),
            "BAD_REQUEST" if message.contains("multiple parallel refund") => {
                (S::Pending, R::AnotherTransactionInProgress, N::PollLater)
            }
            "BAD_REQUEST" | "INVALID_DATA" | "INVALID_TRANSACTION_ID" | "INVALID_REFUND_AMOUNT" => {
                (S::Failed, R::Validation, N::FixInput)
            }
            "UNAUTHORIZED" => (S::Failed, R::AuthOrClock, N::FixConfiguration),
            "INVALID_MERCHANT" => (S::Failed, R::Configuration, N::FixConfiguration),
            "UNINITIATED_REQUEST" => (S::Failed, R::NotRefundable, N::Nothing),
            "DROPOUT" | "DEVICE_FINGERPRINT_MISMATCH" => (S::Failed, R::Declined, N::Nothing),
            "SERVICE_UNAVAILABLE" | "GATEWAY_TIMEOUT" | "INTERNAL_SERVER_ERROR" => {
                (S::Indeterminate, R::ServerError, N::Inquire)
            }
            "DUPLICATE_REQUEST" => (S::Indeterminate, R::InProgress, N::Inquire),
            _ => (S::Indeterminate, R::UnknownCode, N::Inquire),
        };
        // A failed status query says nothing about the refund itself.
        let status = if op != Op::Refund && status == S::Failed { S::Indeterminate } else { status };
        self.outcome(status, reason, next)
    }

    /// The outcome of a `status: SUCCESS` answer: the refund's own state.
    fn gateway_outcome(&self, expected: &Expected<'_>) -> Outcome {
        if self.payload.is_none() {
            return self.outcome(Status::Indeterminate, Reason::Unconfirmed, NextStep::Inquire);
        }
        let sent = self.inner("gatewayResponseStatus");
        let sent = match sent.as_deref() {
            Some(s @ ("SUCCESS" | "PENDING" | "DEEMED" | "FAILURE")) => Some(s),
            _ => None,
        };
        let implied = self.inner("gatewayResponseCode").as_deref().and_then(gateway_code_status);
        let state = match (sent, implied) {
            // The fields disagree: never final. DEEMED on either side wins (money has probably moved).
            (Some(s), Some(i)) if s != i => {
                let mut o = if s == "DEEMED" || i == "DEEMED" {
                    self.outcome(Status::Pending, Reason::Deemed, NextStep::PollLater)
                } else {
                    self.outcome(Status::Indeterminate, Reason::Unconfirmed, NextStep::Inquire)
                };
                o.warnings.push(format!(
                    "gatewayResponseStatus {s} disagrees with gatewayResponseCode (which means {i}): not final"
                ));
                return o;
            }
            (Some(s), _) => Some(s),
            (None, i) => i,
        };
        let mut o = match state {
            Some("SUCCESS") => self.outcome(Status::Succeeded, Reason::Refunded, NextStep::Nothing),
            Some("PENDING") => self.outcome(Status::Pending, Reason::InProgress, NextStep::PollLater),
            Some("DEEMED") => self.outcome(Status::Pending, Reason::Deemed, NextStep::PollLater),
            Some(_) => self.outcome(Status::Failed, Reason::Declined, NextStep::Nothing),
            None => return self.outcome(Status::Indeterminate, Reason::UnknownCode, NextStep::Inquire),
        };
        let mut mismatches = Vec::new();
        if let (Some(want), Some(got)) = (expected.refund_request_id, self.inner("refundRequestId")) {
            if want != got {
                mismatches.push("refundRequestId");
            }
        }
        if let (Some(want), Some(got)) = (expected.amount, o.refund.as_ref().and_then(|r| r.refunded_amount)) {
            if want != got {
                mismatches.push("refundAmount");
            }
        }
        if let (Some(want), Some(got)) = (expected.refund_type, self.inner("refundType")) {
            if want.as_str() != got {
                mismatches.push("refundType");
            }
        }
        if !mismatches.is_empty() {
            o.status = Status::Indeterminate;
            o.reason = Reason::Unconfirmed;
            o.next_step = NextStep::Inquire;
            o.warnings.push(format!("the answer does not match the request: {}", mismatches.join(", ")));
        }
        o
    }
}

impl<C: Clock> Upi360<C> {
    /// Interprets the answer to [`Upi360::build_refund`] for `request` (the same request: its id, amount and type are
    /// checked against the answer).
    ///
    /// - [`Status::Succeeded`]: refunded; [`RefundDetails::refund_id`] is `gatewayRefundReferenceId`.
    /// - [`Status::Pending`]: keep polling **the same** `refundRequestId` (prefer [`Upi360::build_refund_status`]);
    ///   with [`Reason::Deemed`] money has probably moved: never raise a new refund for it.
    /// - [`Status::Failed`]: final; nothing was refunded by this id. A new attempt needs a **new** `refundRequestId`,
    ///   except for [`Reason::AuthOrClock`] and [`Reason::Configuration`]: fix, then resend the same id.
    /// - [`Status::Indeterminate`]: unknown; re-query with the same id, never a new one.
    pub fn interpret_refund(&self, request: &RefundRequest, response: &HttpResponse) -> Outcome {
        let expected = Expected {
            refund_request_id: Some(&request.refund_request_id),
            amount: Some(request.amount),
            refund_type: Some(request.refund_type),
        };
        self.interpret(Op::Refund, &expected, response)
    }

    /// Interprets the answer to [`Upi360::build_refund_status`]. As [`Upi360::interpret_refund`], except that a failed
    /// *query* is indeterminate, and [`Reason::TransactionNotFound`] (`REQUEST_NOT_FOUND`, [`Status::Failed`],
    /// [`NextStep::RetryLater`]) means no refund exists under that id: sending Refund 360 with the **same** id
    /// creates it.
    pub fn interpret_refund_status(&self, request: &StatusRequest, response: &HttpResponse) -> Outcome {
        let expected =
            Expected { refund_request_id: Some(&request.refund_request_id), amount: None, refund_type: None };
        self.interpret(Op::Status, &expected, response)
    }

    /// Whether a refund callback (`x-merchant-payload-signature`, RSA-PSS-SHA256 over the sorted-key JSON body, hex
    /// or base64: spec §5.4, conflict 7) was signed by the PSP. `true` when verification is switched off.
    pub fn verify_callback(&self, headers: &[Header], body: &[u8]) -> bool {
        let Some(key) = &self.psp_key else { return true };
        let sig = headers.iter().find(|h| h.name.eq_ignore_ascii_case("x-merchant-payload-signature"));
        sig.is_some_and(|h| verify_callback_signature(key, body, &h.value, self.canonical_form()))
    }

    /// Interprets a refund callback (`MERCHANT_DEBITED_VIA_REFUND`): unverified ⇒ [`Reason::UntrustedResponse`];
    /// otherwise the refund state from `gatewayResponseStatus` / `gatewayResponseCode` (top level or in `payload`).
    pub fn interpret_callback(&self, headers: &[Header], body: &[u8]) -> Outcome {
        let env = Envelope::parse(200, Some(body), Op::Callback);
        if !self.verify_callback(headers, body) {
            return untrusted(env, "callback signature missing or invalid");
        }
        let evidence = Evidence {
            documented_status: true,
            readable: env.json.is_some(),
            authenticity: if self.verification_skipped() {
                Authenticity::SkippedByConfiguration
            } else {
                Authenticity::Verified
            },
            unknown_next: NextStep::Inquire,
        };
        if env.json.is_none() {
            // Signed but not strict JSON (duplicate keys, bad escapes, deep nesting): nothing in it is read.
            return env.outcome(Status::Indeterminate, Reason::UnreadableResponse, NextStep::Inquire);
        }
        evidence.enforce(env.gateway_outcome(&Expected { refund_request_id: None, amount: None, refund_type: None }))
    }

    fn canonical_form(&self) -> CanonicalForm {
        match &self.config.response_verification {
            ResponseVerification::Verify { canonical_form, .. } => *canonical_form,
            ResponseVerification::DangerouslySkip => CanonicalForm::default(),
        }
    }

    fn authenticate(&self, response: &HttpResponse) -> Trust {
        let body = &response.body;
        if let Signer::Jws { .. } = self.signer {
            return match jws_verify(self.psp_key.as_ref(), body) {
                Ok(payload) => Trust::Verified(payload),
                Err(JwsError::NotJws) => Trust::Unsigned(body.clone()),
                Err(JwsError::BadSignature) => Trust::Bad("response JWS signature does not verify"),
            };
        }
        let Some(key) = &self.psp_key else { return Trust::Verified(body.clone()) };
        match response.header("x-response-signature") {
            None => Trust::Unsigned(body.clone()),
            Some(sig) if verify_response_signature(key, body, sig, self.canonical_form()) => {
                Trust::Verified(body.clone())
            }
            Some(_) => Trust::Bad("x-response-signature does not verify"),
        }
    }

    fn interpret(&self, op: Op, expected: &Expected<'_>, response: &HttpResponse) -> Outcome {
        let (outcome, evidence) = self.interpret_rules(op, expected, response);
        evidence.enforce(outcome)
    }

    fn verification_skipped(&self) -> bool {
        matches!(self.config.response_verification, ResponseVerification::DangerouslySkip)
    }

    fn interpret_rules(&self, op: Op, expected: &Expected<'_>, response: &HttpResponse) -> (Outcome, Evidence) {
        let http = response.status;
        let unknown_next = NextStep::Inquire;
        let mut evidence = Evidence {
            // Juspay documents 200 (and 2xx) for answers and 401 for a refused signature or credentials.
            documented_status: (200..=299).contains(&http) || http == 401,
            readable: true,
            authenticity: Authenticity::NotSigned,
            unknown_next,
        };
        let read_only = op != Op::Refund;
        let early = match http {
            401 => Some((
                if read_only { Status::Indeterminate } else { Status::Failed },
                Reason::AuthOrClock,
                NextStep::FixConfiguration,
            )),
            429 => Some((Status::Indeterminate, Reason::RateLimited, NextStep::Inquire)),
            408 | 500..=599 => Some((Status::Indeterminate, Reason::ServerError, NextStep::Inquire)),
            _ => None,
        };
        let success = (200..=299).contains(&http);
        if let Some((s, r, n)) = early {
            // Keep whatever codes an unsigned error body carries, for support.
            let env = Envelope::parse(http, Some(&response.body), op);
            return (env.outcome(s, r, n), evidence);
        }
        let (bytes, signed) = match self.authenticate(response) {
            Trust::Verified(bytes) => {
                evidence.authenticity = if self.verification_skipped() {
                    Authenticity::SkippedByConfiguration
                } else {
                    Authenticity::Verified
                };
                (bytes, true)
            }
            // Juspay signs only HTTP 200: other answers are read for their reason, and never give a verdict.
            Trust::Unsigned(bytes) if !success => (bytes, false),
            Trust::Unsigned(_) => {
                evidence.authenticity = Authenticity::Missing;
                return (untrusted(Envelope::parse(http, None, op), "response signature missing"), evidence);
            }
            Trust::Bad(why) => {
                evidence.authenticity = Authenticity::Invalid;
                return (untrusted(Envelope::parse(http, None, op), why), evidence);
            }
        };
        let env = Envelope::parse(http, Some(&bytes), op);
        if env.json.is_none() {
            evidence.readable = false;
            let o = match http {
                // A wrong path, method or content type: a configuration problem; the refund's fate is learned by
                // inquiring once it is fixed.
                404 | 405 | 415 => {
                    env.outcome(Status::Indeterminate, Reason::Configuration, NextStep::FixConfiguration)
                }
                _ => env.outcome(Status::Indeterminate, Reason::UnreadableResponse, unknown_next),
            };
            return (o, evidence);
        }
        let status = env.top("status");
        let code = env.top("responseCode");
        let mut o = match (status.as_deref(), code.as_deref()) {
            // The two top-level fields disagree: the answer proves nothing.
            (Some("SUCCESS"), Some(c)) if c != "SUCCESS" => env.conflicting("status SUCCESS with another responseCode"),
            (Some("FAILURE"), Some("SUCCESS")) => env.conflicting("status FAILURE with responseCode SUCCESS"),
            (Some("SUCCESS"), _) => env.gateway_outcome(expected),
            (Some("FAILURE"), _) => env.response_code_outcome(op),
            (None, Some(c)) if c != "SUCCESS" => env.response_code_outcome(op),
            _ => env.outcome(Status::Indeterminate, Reason::UnknownCode, NextStep::Inquire),
        };
        if !signed && o.is_final() {
            // An unsigned, non-2xx answer (Juspay signs only 200): keep its reason, withhold the verdict. A hint to
            // fix the input or the configuration is kept, since asking again would get the same answer.
            o.warnings.push(format!(
                "HTTP {http}: an unsigned answer outside 2xx gives no verdict (it said {})",
                o.status.as_str()
            ));
            if o.status == Status::Succeeded {
                o.reason = Reason::Unconfirmed;
            }
            o.status = Status::Indeterminate;
            if !matches!(o.next_step, NextStep::FixInput | NextStep::FixConfiguration) {
                o.next_step = unknown_next;
            }
        }
        if !success {
            // Never a verdict from a status the provider does not document (a signed SUCCESS at HTTP 600 included).
            evidence.documented_status = false;
        }
        (o, evidence)
    }
}

fn untrusted(env: Envelope, why: &str) -> Outcome {
    let mut o = Outcome::new(Status::Indeterminate, Reason::UntrustedResponse, NextStep::Inquire, env.raw);
    o.warnings.push(why.to_string());
    o
}
