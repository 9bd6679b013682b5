//! The unified refund outcome every provider's responses are interpreted into.
//!
//! An [`Outcome`] answers three questions: where does the refund stand ([`Status`]), why ([`Reason`]), and what must
//! the caller do next ([`NextStep`]). It always keeps the provider's raw codes and message ([`ProviderRaw`]) for
//! support and logs.
//!
//! The four statuses carry a promise about money:
//!
//! | Status | Promise | Typical next step |
//! |---|---|---|
//! | [`Status::Succeeded`] | the refund is done | [`NextStep::Nothing`] |
//! | [`Status::Failed`] | final: this request moved no money (the provider said a decisive no) | fix, re-enter the OTP, or stop |
//! | [`Status::Pending`] | the provider has it and has not finished, or nothing ran yet and it may be retried later | [`NextStep::PollLater`] |
//! | [`Status::Indeterminate`] | nobody knows yet whether money moved | [`NextStep::Inquire`]: **never re-send a money-moving call** |

use crate::money::Money;

/// The payment provider a response came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Provider {
    /// Eko India Financial Services.
    Eko,
    /// Juspay UPI Merchant Stack, Refund 360 (through a bank PSP).
    Upi360,
    /// Paytm Payment Gateway (Paytm Payments Services Ltd).
    Paytm,
}

impl Provider {
    /// The provider's short name (`"eko"`, `"paytm"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Eko => "eko",
            Provider::Upi360 => "upi360",
            Provider::Paytm => "paytm",
        }
    }
}

/// Where a refund stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// The refund is done.
    Succeeded,
    /// Final: the request moved no money and the provider said why ([`Outcome::reason`]).
    Failed,
    /// Not finished: the provider is processing it, or it is waiting for the customer (an OTP) or for another
    /// transaction; see [`Outcome::next_step`].
    Pending,
    /// Unknown: money may or may not have moved. Inquire before anything else; never re-send a money-moving call.
    Indeterminate,
}

impl Status {
    /// Lower-case name (`"succeeded"`, `"failed"`, `"pending"`, `"indeterminate"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::Pending => "pending",
            Status::Indeterminate => "indeterminate",
        }
    }
}

/// Why the outcome is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// The refund was made (or an inquiry shows it was).
    Refunded,
    /// The refund OTP was sent to the customer (see [`Outcome::otp`]).
    OtpSent,
    /// The OTP the customer gave is wrong.
    OtpInvalid,
    /// The OTP has expired: request a new one.
    OtpExpired,
    /// The transaction was refunded already.
    AlreadyRefunded,
    /// The transaction is not in a refundable state (e.g. the original succeeded).
    NotRefundable,
    /// An inquiry shows the refund has not happened: the original is still waiting to be refunded.
    NotRefunded,
    /// The partner's wallet balance is insufficient.
    InsufficientBalance,
    /// Another transaction of the same user is in progress; nothing was executed.
    AnotherTransactionInProgress,
    /// The provider does not know the transaction id.
    TransactionNotFound,
    /// The provider rejected request fields (see [`Outcome::field_errors`]).
    Validation,
    /// Authentication failed or the request's timestamp was not accepted (clock skew); nothing was executed.
    AuthOrClock,
    /// Wrong URL, method or content type (HTTP 404/405/415): a configuration problem; nothing was executed.
    Configuration,
    /// The provider declined with a documented code (see [`Outcome::raw`]).
    Declined,
    /// The provider reports the transaction as initiated, on hold or awaiting a response.
    InProgress,
    /// HTTP 429: rate limited.
    RateLimited,
    /// HTTP 5xx, or another status that says nothing about the refund.
    ServerError,
    /// The response body could not be understood.
    UnreadableResponse,
    /// A code or status refundkit does not know. Never treated as a failure.
    UnknownCode,
    /// The provider answered "success" without saying the refund is done.
    Unconfirmed,
    /// UPI **DEEMED**: the credit to the customer timed out without a confirmed result; money has probably moved and
    /// NPCI/bank reconciliation settles the final state later. Always [`Status::Pending`]: not final and **not
    /// failed**. Re-query with the same refund id (and wait for callbacks); never raise a new refund for it.
    Deemed,
    /// The answer's signature is missing or does not verify: it may have been tampered with, so nothing in it is
    /// believed. Always [`Status::Indeterminate`]: re-query; this is not a refund failure.
    UntrustedResponse,
    /// A signature did not verify: a response's signature failed (its contents are untrusted), or the provider
    /// rejected the request's signature (Paytm 330: wrong merchant key, or the body was changed after signing).
    SignatureInvalid,
    /// The provider already has a request under this reference (Paytm 617 "Refund Already Raised"): query its
    /// status; never raise it again under a new reference.
    DuplicateRequest,
    /// No (complete) answer arrived although the request may have been processed: a timeout after sending, a
    /// connection reset, a truncated response. Always [`Status::Indeterminate`] for a money-moving call.
    NoResponse,
    /// The request provably never left this machine (connection refused, DNS failure): nothing happened at the
    /// provider. [`Status::Pending`] with [`NextStep::RetryLater`]; sending the same request again is safe.
    NotSent,
    /// The provider refused the request's timestamp and the offset measured from its `Date` headers is large: the
    /// device clock is wrong. The refund clients report the offset and can correct timestamps by it.
    ClockSkew,
}

impl Reason {
    /// Every reason, in declaration order.
    pub const ALL: &'static [Reason] = &[
        Reason::Refunded,
        Reason::OtpSent,
        Reason::OtpInvalid,
        Reason::OtpExpired,
        Reason::AlreadyRefunded,
        Reason::NotRefundable,
        Reason::NotRefunded,
        Reason::InsufficientBalance,
        Reason::AnotherTransactionInProgress,
        Reason::TransactionNotFound,
        Reason::Validation,
        Reason::AuthOrClock,
        Reason::Configuration,
        Reason::Declined,
        Reason::InProgress,
        Reason::RateLimited,
        Reason::ServerError,
        Reason::UnreadableResponse,
        Reason::UnknownCode,
        Reason::Unconfirmed,
        Reason::Deemed,
        Reason::UntrustedResponse,
        Reason::SignatureInvalid,
        Reason::DuplicateRequest,
        Reason::NoResponse,
        Reason::NotSent,
        Reason::ClockSkew,
    ];

    /// snake_case name, as used in the conformance vectors (`"otp_invalid"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Refunded => "refunded",
            Reason::OtpSent => "otp_sent",
            Reason::OtpInvalid => "otp_invalid",
            Reason::OtpExpired => "otp_expired",
            Reason::AlreadyRefunded => "already_refunded",
            Reason::NotRefundable => "not_refundable",
            Reason::NotRefunded => "not_refunded",
            Reason::InsufficientBalance => "insufficient_balance",
            Reason::AnotherTransactionInProgress => "another_transaction_in_progress",
            Reason::TransactionNotFound => "transaction_not_found",
            Reason::Validation => "validation",
            Reason::AuthOrClock => "auth_or_clock",
            Reason::Configuration => "configuration",
            Reason::Declined => "declined",
            Reason::InProgress => "in_progress",
            Reason::RateLimited => "rate_limited",
            Reason::ServerError => "server_error",
            Reason::UnreadableResponse => "unreadable_response",
            Reason::UnknownCode => "unknown_code",
            Reason::Unconfirmed => "unconfirmed",
            Reason::Deemed => "deemed",
            Reason::UntrustedResponse => "untrusted_response",
            Reason::SignatureInvalid => "signature_invalid",
            Reason::DuplicateRequest => "duplicate_request",
            Reason::NoResponse => "no_response",
            Reason::NotSent => "not_sent",
            Reason::ClockSkew => "clock_skew",
        }
    }
}

/// What the caller must do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NextStep {
    /// Nothing: the outcome is final.
    Nothing,
    /// Ask the customer for the OTP, then initiate the refund with it.
    CollectOtp,
    /// The provider said the OTP was sent but gave no reference: the SMS may not have gone out. Collect the OTP if
    /// the customer has one; otherwise offer a resend after at least 60 seconds.
    CollectOtpOrResendLater,
    /// The OTP was wrong: ask the customer to enter it again.
    ReenterOtp,
    /// The OTP expired: request a new one, then initiate the refund with it.
    RequestNewOtp,
    /// The outcome is unknown: inquire (transaction inquiry / status) before anything else, and never re-send the
    /// money-moving request.
    Inquire,
    /// The provider is still processing: ask for the status again later.
    PollLater,
    /// Nothing was executed: the same request may be made again later (with a fresh signature).
    RetryLater,
    /// Credentials, URL, clock or another setting is wrong: fix the configuration.
    FixConfiguration,
    /// The request's fields were rejected: fix the input.
    FixInput,
    /// The provider has no record of the money-moving request: send it again with the **same** idempotency
    /// reference (Paytm `refId`), which the provider rejects as a duplicate if the first one did arrive, so it cannot
    /// pay twice. Never use a new reference.
    ResendSameReference,
}

impl NextStep {
    /// Every next step, in declaration order.
    pub const ALL: &'static [NextStep] = &[
        NextStep::Nothing,
        NextStep::CollectOtp,
        NextStep::CollectOtpOrResendLater,
        NextStep::ReenterOtp,
        NextStep::RequestNewOtp,
        NextStep::Inquire,
        NextStep::PollLater,
        NextStep::RetryLater,
        NextStep::FixConfiguration,
        NextStep::FixInput,
        NextStep::ResendSameReference,
    ];

    /// snake_case name, as used in the conformance vectors (`"inquire"`).
    pub fn as_str(self) -> &'static str {
        match self {
            NextStep::Nothing => "nothing",
            NextStep::CollectOtp => "collect_otp",
            NextStep::CollectOtpOrResendLater => "collect_otp_or_resend_later",
            NextStep::ReenterOtp => "reenter_otp",
            NextStep::RequestNewOtp => "request_new_otp",
            NextStep::Inquire => "inquire",
            NextStep::PollLater => "poll_later",
            NextStep::RetryLater => "retry_later",
            NextStep::FixConfiguration => "fix_configuration",
            NextStep::FixInput => "fix_input",
            NextStep::ResendSameReference => "resend_same_reference",
        }
    }
}

/// Details of a refund OTP dispatch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OtpDispatch {
    /// The reference to send with the OTP when initiating the refund. Opaque: store it verbatim.
    pub otp_ref_id: Option<String>,
    /// `true` when the provider answered success without a reference: the SMS may not have been sent.
    pub dispatch_unconfirmed: bool,
    /// The OTP itself, when a test environment returns it inline (Eko UAT does). Never expect it in production.
    pub test_otp: Option<String>,
}

/// What the provider reported about a refund. Amounts the provider sent that are not exact money are left out and
/// named in [`Outcome::warnings`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RefundDetails {
    /// The provider's id of the refund transaction (Eko `refund_tid`).
    pub refund_id: Option<String>,
    /// The id of the original transaction (Eko `tid`).
    pub original_id: Option<String>,
    /// The original transaction's amount.
    pub original_amount: Option<Money>,
    /// The total refunded (Eko: amount plus fee).
    pub refunded_amount: Option<Money>,
    /// Fee reversed.
    pub fee: Option<Money>,
    /// TDS reversed.
    pub tds: Option<Money>,
    /// Commission reversed.
    pub commission_reverse: Option<Money>,
    /// The partner's wallet balance after the refund.
    pub balance: Option<Money>,
    /// Currency code (`INR`).
    pub currency: Option<String>,
    /// When the provider made the refund, as it wrote it (ISO-8601).
    pub completed_at: Option<String>,
    /// The provider's transaction status code (Eko `tx_status`), as text.
    pub provider_status: Option<String>,
    /// The provider's description of that status (Eko `txstatus_desc`).
    pub provider_status_text: Option<String>,
}

/// A field the provider rejected, with its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field as the provider named it (`otp`, `tid`).
    pub field: String,
    /// The provider's message, with template tokens such as `{2}` removed.
    pub problem: String,
}

/// One raw code from the provider's response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderCode {
    /// The field it came from (`status`, `response_status_id`, `response_type_id`, `tx_status`).
    pub name: String,
    /// Its value, as text.
    pub value: String,
}

/// The provider's raw answer, kept for support and logs. Never contains credentials or OTPs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRaw {
    /// Which provider answered.
    pub provider: Provider,
    /// The HTTP status.
    pub http_status: u16,
    /// The codes found in the body, in a fixed order.
    pub codes: Vec<ProviderCode>,
    /// The provider's message with template tokens (`{2} {3}`) removed and white space collapsed.
    pub message: Option<String>,
    /// The message exactly as received.
    pub raw_message: Option<String>,
}

impl ProviderRaw {
    /// The value of the raw code with this name.
    pub fn code(&self, name: &str) -> Option<&str> {
        self.codes.iter().find(|c| c.name == name).map(|c| c.value.as_str())
    }
}

/// The interpretation of one provider response.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "an outcome says what to do next; ignoring it can lose or double a refund"]
#[non_exhaustive]
pub struct Outcome {
    /// Where the refund stands.
    pub status: Status,
    /// Why.
    pub reason: Reason,
    /// What to do next.
    pub next_step: NextStep,
    /// OTP dispatch details (Eko Get Refund OTP).
    pub otp: Option<OtpDispatch>,
    /// Refund details the provider reported.
    pub refund: Option<RefundDetails>,
    /// Fields the provider rejected.
    pub field_errors: Vec<FieldError>,
    /// The provider's raw codes and message.
    pub raw: ProviderRaw,
    /// Things refundkit noticed but could not use, e.g. an amount that is not exact money.
    pub warnings: Vec<String>,
}

impl Outcome {
    pub(crate) fn new(status: Status, reason: Reason, next_step: NextStep, raw: ProviderRaw) -> Self {
        Outcome {
            status,
            reason,
            next_step,
            otp: None,
            refund: None,
            field_errors: Vec::new(),
            raw,
            warnings: Vec::new(),
        }
    }

    /// The outcome of a request that got no answer (`sent == true`: it may have been processed) or provably never
    /// left (`sent == false`). `moves_money` picks the cautious reading: a money-moving call that may have been
    /// processed is [`Status::Indeterminate`] / [`NextStep::Inquire`]; a read is retried.
    pub fn no_answer(provider: Provider, sent: bool, moves_money: bool, detail: &str) -> Outcome {
        let raw = ProviderRaw { provider, http_status: 0, codes: Vec::new(), message: None, raw_message: None };
        let mut o = match (sent, moves_money) {
            (false, _) => Outcome::new(Status::Pending, Reason::NotSent, NextStep::RetryLater, raw),
            (true, true) => Outcome::new(Status::Indeterminate, Reason::NoResponse, NextStep::Inquire, raw),
            (true, false) => Outcome::new(Status::Indeterminate, Reason::NoResponse, NextStep::RetryLater, raw),
        };
        o.warnings.push(format!("transport: {}", clean_message(detail)));
        o
    }

    /// Whether the outcome is final (succeeded or failed).
    pub fn is_final(&self) -> bool {
        matches!(self.status, Status::Succeeded | Status::Failed)
    }
}

/// Whether an answer's signature was checked, for the verdict rule ([`Evidence`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authenticity {
    /// The provider does not sign this kind of answer (Eko; documented unsigned error answers).
    NotSigned,
    /// Signed, and the signature verifies with the configured key.
    Verified,
    /// A signature is required and there is none (or it is empty, or the part it covers cannot be found).
    Missing,
    /// A signature is present and does not verify.
    Invalid,
    /// Verification was switched off by a `dangerously_*` configuration option: read as if verified.
    SkippedByConfiguration,
}

/// What one answer proves: the inputs of the **verdict rule** every interpreter applies last.
///
/// The rule: a final verdict ([`Status::Succeeded`] or [`Status::Failed`]) only from an answer that
///
/// 1. came with an HTTP status the provider documents for that verdict (2xx unless documented otherwise),
/// 2. was parsed strictly ([`crate::crypto::json::parse`]: no duplicate keys, bad escapes, lone surrogates,
///    excessive nesting or size) and whose fields agree with each other,
/// 3. is authenticated wherever the provider signs ([`Authenticity::Verified`], [`Authenticity::NotSigned`], or
///    verification explicitly switched off).
///
/// Anything else is at most [`Status::Pending`] / [`Status::Indeterminate`]. The interpreters already decide every
/// documented case this way; [`Evidence::enforce`] is the single backstop that makes a slip impossible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evidence {
    /// The HTTP status is one the provider documents for a final verdict on this call.
    pub documented_status: bool,
    /// The body was read with the strict parser (or needed no body) and its fields agree.
    pub readable: bool,
    /// Whether the answer is authentic.
    pub authenticity: Authenticity,
    /// The next step when the verdict is withdrawn: [`NextStep::Inquire`] after a money-moving call,
    /// [`NextStep::RetryLater`] or [`NextStep::Inquire`] after a read.
    pub unknown_next: NextStep,
}

impl Evidence {
    /// Applies the verdict rule: a final `outcome` that this evidence does not prove becomes
    /// [`Status::Indeterminate`] (unreadable ⇒ [`Reason::UnreadableResponse`], unsigned ⇒
    /// [`Reason::UntrustedResponse`], badly signed ⇒ [`Reason::SignatureInvalid`], undocumented HTTP status ⇒
    /// [`Reason::ServerError`]), with a warning saying why. Non-final outcomes pass unchanged.
    pub fn enforce(self, mut outcome: Outcome) -> Outcome {
        if !outcome.is_final() {
            return outcome;
        }
        let withdrawn = if !self.readable {
            Some((Reason::UnreadableResponse, "the answer is not strictly readable or its fields disagree"))
        } else if self.authenticity == Authenticity::Missing {
            Some((Reason::UntrustedResponse, "the answer carries no signature"))
        } else if self.authenticity == Authenticity::Invalid {
            Some((Reason::SignatureInvalid, "the answer's signature does not verify"))
        } else if !self.documented_status {
            Some((Reason::ServerError, "the HTTP status is not one the provider documents for this verdict"))
        } else {
            None
        };
        if let Some((reason, why)) = withdrawn {
            outcome
                .warnings
                .push(format!("verdict {} withheld: {why}; nothing in this answer is final", outcome.status.as_str()));
            outcome.status = Status::Indeterminate;
            outcome.reason = reason;
            outcome.next_step = self.unknown_next;
        }
        outcome
    }
}

/// Removes template tokens such as `{2} {3}` that some provider messages carry, and collapses white space.
pub fn clean_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if end > 0 && after[..end].bytes().all(|b| b.is_ascii_digit()) => {
                out.push_str(&rest[..start]);
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str(&rest[..=start]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn all_lists_are_complete_and_names_unique() {
        // `as_str` matches exhaustively, so a new variant must get a name; this checks it is also in `ALL`.
        let names: HashSet<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(names.len(), Reason::ALL.len());
        let steps: HashSet<&str> = NextStep::ALL.iter().map(|n| n.as_str()).collect();
        assert_eq!(steps.len(), NextStep::ALL.len());
        // Every variant is in `ALL`: this exhaustive match stops compiling when a variant is added, which sends the
        // author here to add it to `ALL` too.
        let last_reason = |r: Reason| match r {
            Reason::ClockSkew => true,
            Reason::DuplicateRequest
            | Reason::NoResponse
            | Reason::NotSent
            | Reason::Refunded
            | Reason::OtpSent
            | Reason::OtpInvalid
            | Reason::OtpExpired
            | Reason::AlreadyRefunded
            | Reason::NotRefundable
            | Reason::NotRefunded
            | Reason::InsufficientBalance
            | Reason::AnotherTransactionInProgress
            | Reason::TransactionNotFound
            | Reason::Validation
            | Reason::AuthOrClock
            | Reason::Configuration
            | Reason::Declined
            | Reason::InProgress
            | Reason::RateLimited
            | Reason::ServerError
            | Reason::UnreadableResponse
            | Reason::UnknownCode
            | Reason::Unconfirmed
            | Reason::Deemed
            | Reason::UntrustedResponse
            | Reason::SignatureInvalid => false,
        };
        assert!(last_reason(*Reason::ALL.last().unwrap()));
        let last_step = |n: NextStep| match n {
            NextStep::ResendSameReference => true,
            NextStep::Nothing
            | NextStep::CollectOtp
            | NextStep::CollectOtpOrResendLater
            | NextStep::ReenterOtp
            | NextStep::RequestNewOtp
            | NextStep::Inquire
            | NextStep::PollLater
            | NextStep::RetryLater
            | NextStep::FixConfiguration
            | NextStep::FixInput => false,
        };
        assert!(last_step(*NextStep::ALL.last().unwrap()));
        // Declaration order = discriminant order, and the last declared variant is last in `ALL`: nothing is missing.
        assert_eq!(
            Reason::ALL.iter().map(|r| *r as usize).collect::<Vec<_>>(),
            (0..Reason::ALL.len()).collect::<Vec<_>>()
        );
        assert_eq!(
            NextStep::ALL.iter().map(|n| *n as usize).collect::<Vec<_>>(),
            (0..NextStep::ALL.len()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_verdict_rule_withdraws_unproven_verdicts_only() {
        let raw = ProviderRaw {
            provider: Provider::Paytm,
            http_status: 200,
            codes: vec![],
            message: None,
            raw_message: None,
        };
        let final_ok = Outcome::new(Status::Succeeded, Reason::Refunded, NextStep::Nothing, raw.clone());
        let final_no = Outcome::new(Status::Failed, Reason::Declined, NextStep::Nothing, raw.clone());
        let pending = Outcome::new(Status::Pending, Reason::InProgress, NextStep::PollLater, raw);
        let proven = Evidence {
            documented_status: true,
            readable: true,
            authenticity: Authenticity::Verified,
            unknown_next: NextStep::Inquire,
        };
        for auth in [Authenticity::Verified, Authenticity::NotSigned, Authenticity::SkippedByConfiguration] {
            let e = Evidence { authenticity: auth, ..proven };
            assert_eq!(e.enforce(final_ok.clone()), final_ok);
            assert_eq!(e.enforce(final_no.clone()), final_no);
        }
        for (e, reason) in [
            (Evidence { readable: false, ..proven }, Reason::UnreadableResponse),
            (Evidence { authenticity: Authenticity::Missing, ..proven }, Reason::UntrustedResponse),
            (Evidence { authenticity: Authenticity::Invalid, ..proven }, Reason::SignatureInvalid),
            (Evidence { documented_status: false, ..proven }, Reason::ServerError),
            (Evidence { documented_status: false, readable: false, ..proven }, Reason::UnreadableResponse),
        ] {
            for o in [final_ok.clone(), final_no.clone()] {
                let got = e.enforce(o);
                assert_eq!((got.status, got.reason, got.next_step), (Status::Indeterminate, reason, NextStep::Inquire));
                assert!(got.warnings.iter().any(|w| w.contains("withheld")));
            }
            // Non-final outcomes pass unchanged.
            assert_eq!(e.enforce(pending.clone()), pending);
        }
    }

    #[test]
    fn template_tokens_are_removed() {
        assert_eq!(
            clean_message("OTP for failed transaction has been sent to customers mobile {2} {3}"),
            "OTP for failed transaction has been sent to customers mobile"
        );
        assert_eq!(clean_message("Wrong TID or OTP {2} {3}"), "Wrong TID or OTP");
        assert_eq!(clean_message("Invalid_tid_Format {2} {3}"), "Invalid_tid_Format");
        assert_eq!(clean_message("keep {name} and {} and {12"), "keep {name} and {} and {12");
        assert_eq!(clean_message("  a\n b  "), "a b");
    }
}
