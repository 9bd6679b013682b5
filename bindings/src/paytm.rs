//! Paytm exports (PaytmChecksum, refund apply/status, webhooks).
//!
//! Nothing but conversion: every decision is made by `refundkit::paytm`. The merchant key is always a function or
//! constructor argument, never a record field, so generated `toString()`/`repr()` cannot print it. Money crosses as
//! `i64` paise.
//!
//! Webhooks are verified before they are parsed, and a notification that does not verify is a thrown
//! [`PaytmWebhookError`], never an event: there is no "valid" flag a caller could forget to check.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use refundkit::paytm::{self as core_paytm, checksum};
use refundkit::{OsRandom, RandomSource as CoreRandomSource, Secret};

use crate::{Clock, ClockAdapter, HttpRequest, HttpResponse, Outcome, RefundkitError};

// ---------------------------------------------------------------------------------------------------------------
// Randomness

/// A source of random bytes, implementable in Kotlin, Swift or Python. Paytm checksums need a random 4-character
/// salt; `None` wherever one is accepted means the operating system's CSPRNG. Inject one only for tests and
/// known-answer vectors (see [`fixed_random`]).
#[uniffi::export(with_foreign)]
pub trait RandomSource: Send + Sync {
    /// Exactly `len` random bytes. Any other length, or a thrown error, is reported as an `Internal` error by the
    /// call that asked.
    fn fill(&self, len: i32) -> Result<Vec<u8>, RefundkitError>;
}

/// [`fixed_random`]'s source: repeats its bytes cyclically.
struct FixedBytes(Vec<u8>);

impl RandomSource for FixedBytes {
    fn fill(&self, len: i32) -> Result<Vec<u8>, RefundkitError> {
        // Empty: returns nothing, which the caller reports as a failed random source.
        Ok(self.0.iter().copied().cycle().take(usize::try_from(len).unwrap_or(0)).collect())
    }
}

/// A random source that repeats `bytes` cyclically, for tests and known-answer vectors only. A salt character is
/// drawn from each byte `b < 248` as `[A-Za-z0-9][b % 62]`; bytes `>= 248` are skipped. So `[23, 50, 61, 25]` gives
/// the salt `Xy9Z`.
#[uniffi::export]
pub fn fixed_random(bytes: Vec<u8>) -> Arc<dyn RandomSource> {
    Arc::new(FixedBytes(bytes))
}

/// Adapts a foreign (or Rust) [`RandomSource`] to the core's; `None` is the operating system's CSPRNG.
pub(crate) struct RandomAdapter(pub(crate) Option<Arc<dyn RandomSource>>);

impl CoreRandomSource for RandomAdapter {
    fn fill(&self, dest: &mut [u8]) -> Result<(), refundkit::RandomError> {
        let Some(source) = &self.0 else {
            return OsRandom.fill(dest);
        };
        let len =
            i32::try_from(dest.len()).map_err(|_| refundkit::RandomError("too many random bytes requested".into()))?;
        let bytes =
            source.fill(len).map_err(|e| refundkit::RandomError(format!("the injected random source failed: {e}")))?;
        if bytes.len() != dest.len() {
            return Err(refundkit::RandomError(format!(
                "the injected random source returned {} bytes instead of {}",
                bytes.len(),
                dest.len()
            )));
        }
        dest.copy_from_slice(&bytes);
        Ok(())
    }
}

/// Draws a PaytmChecksum salt (4 characters of `[A-Za-z0-9]`, without modulo bias) from `random` (`None`: the
/// operating system's CSPRNG). For checking an injected source against known answers; signing draws its own.
#[uniffi::export(default(random = None))]
pub fn paytm_random_salt(random: Option<Arc<dyn RandomSource>>) -> Result<String, RefundkitError> {
    Ok(checksum::random_salt(&RandomAdapter(random))?)
}

// ---------------------------------------------------------------------------------------------------------------
// PaytmChecksum

fn sign_text(text: &str, merchant_key: &Secret, salt: Option<String>) -> Result<String, RefundkitError> {
    Ok(match salt {
        Some(salt) => checksum::checksum(text, merchant_key, &salt)?,
        None => checksum::generate(text, merchant_key, &OsRandom)?,
    })
}

fn sorted(params: HashMap<String, Option<String>>) -> BTreeMap<String, Option<String>> {
    params.into_iter().collect()
}

/// The PaytmChecksum of `body` (for JSON APIs: the exact `body` text you send) under `merchant_key`. `salt` (4
/// visible ASCII characters) makes it a known answer for tests; `None` draws it from the operating system's CSPRNG,
/// as production code must. Raises `Configuration` on `merchant_key` unless the key is 16, 24 or 32 bytes of UTF-8
/// (never padded or truncated), `InvalidInput` on `salt` for a bad salt. Errors never contain the key.
#[uniffi::export(default(salt = None))]
pub fn paytm_checksum(body: String, merchant_key: String, salt: Option<String>) -> Result<String, RefundkitError> {
    sign_text(&body, &Secret::new(merchant_key), salt)
}

/// Whether `signature` is a valid PaytmChecksum of `body` under `merchant_key`. Total: a malformed signature, a wrong
/// key and a key of an unusable length all answer `false`; it never raises.
#[uniffi::export]
pub fn paytm_verify(body: String, merchant_key: String, signature: String) -> bool {
    checksum::verify(&body, &Secret::new(merchant_key), &signature)
}

/// The UTF-8 text of a zero-copy `&[u8]` argument; `InvalidInput` on `field` otherwise.
fn utf8_arg<'a>(field: &str, bytes: &'a [u8]) -> Result<&'a str, RefundkitError> {
    std::str::from_utf8(bytes)
        .map_err(|_| RefundkitError::InvalidInput { field: field.into(), reason: "must be UTF-8 text".into() })
}

/// [`paytm_checksum`] with a fresh salt from the operating system's CSPRNG, for hot paths: `body` and `merchant_key`
/// are UTF-8 bytes that cross the FFI without a copy (no buffer allocated per argument, one crossing per call).
/// Raises `Configuration` on `merchant_key` for a key that is not 16, 24 or 32 bytes of UTF-8, `InvalidInput` on
/// `body` for bytes that are not UTF-8. Errors never contain the key.
#[uniffi::export]
pub fn paytm_checksum_utf8(body: &[u8], merchant_key: &[u8]) -> Result<String, RefundkitError> {
    let key = std::str::from_utf8(merchant_key).map_err(|_| RefundkitError::Configuration {
        field: "merchant_key".into(),
        reason: "must be UTF-8 text".into(),
    })?;
    sign_text(utf8_arg("body", body)?, &Secret::new(key), None)
}

/// [`paytm_verify`] for hot paths: every argument is UTF-8 bytes that cross the FFI without a copy. Total: bytes
/// that are not UTF-8 answer `false`, like any malformed input.
#[uniffi::export]
pub fn paytm_verify_utf8(body: &[u8], merchant_key: &[u8], signature: &[u8]) -> bool {
    match (std::str::from_utf8(body), std::str::from_utf8(merchant_key), std::str::from_utf8(signature)) {
        (Ok(body), Ok(key), Ok(signature)) => checksum::verify(body, &Secret::new(key), signature),
        _ => false,
    }
}

/// The string the params-map form signs: `CHECKSUMHASH` removed, keys sorted by byte order, a null value or the
/// string `"null"` (any case) as `""`, values joined with `|`. Holds no secret.
#[uniffi::export]
pub fn paytm_params_string(params: HashMap<String, Option<String>>) -> String {
    checksum::params_string(&sorted(params))
}

/// The PaytmChecksum of a params map (legacy form posts, `CHECKSUMHASH` callbacks): signs
/// [`paytm_params_string`]`(params)`; a `CHECKSUMHASH` entry is ignored. `salt` and errors as in
/// [`paytm_checksum`].
#[uniffi::export(default(salt = None))]
pub fn paytm_checksum_params(
    params: HashMap<String, Option<String>>,
    merchant_key: String,
    salt: Option<String>,
) -> Result<String, RefundkitError> {
    sign_text(&checksum::params_string(&sorted(params)), &Secret::new(merchant_key), salt)
}

/// Whether `signature` is a valid PaytmChecksum of a params map; a `CHECKSUMHASH` entry in `params` is ignored (pass
/// its value as `signature` to check a received map). Total, like [`paytm_verify`].
#[uniffi::export]
pub fn paytm_verify_params(params: HashMap<String, Option<String>>, merchant_key: String, signature: String) -> bool {
    checksum::verify(&checksum::params_string(&sorted(params)), &Secret::new(merchant_key), &signature)
}

// ---------------------------------------------------------------------------------------------------------------
// Options

/// Paytm's environments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PaytmEnvironment {
    /// Test environment (`securestage.paytmpayments.com`, AI-router `stage-router.paytm.in`).
    Staging,
    /// Live environment (`secure.paytmpayments.com`, AI-router `router.paytm.in`).
    Production,
}

/// Which Paytm refund API to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PaytmFlavour {
    /// Regular Payment Gateway: `/refund/apply`, `/v2/refund/status` (the default).
    Pg,
    /// AI-router ("Super Router"): `/aoa-refund-service/refund/apply` and `/refund/query`; only for merchants
    /// onboarded on it.
    AiRouter,
}

/// Paytm settings other than the merchant key (which is passed to `PaytmClient` separately, so records never hold
/// secrets).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PaytmOptions {
    /// Merchant id (`mid`): 1 to 20 ASCII letters or digits.
    pub mid: String,
    /// Staging or production: picks the default host.
    pub environment: PaytmEnvironment,
    /// API flavour (`None`: regular PG).
    #[uniffi(default = None)]
    pub flavour: Option<PaytmFlavour>,
    /// Overrides the environment's host, e.g. the legacy `https://securegw-stage.paytm.in` (`None`: the default host
    /// of the environment and flavour). A trailing `/` is ignored; `https` only.
    #[uniffi(default = None)]
    pub base_url: Option<String>,
    /// `clientId` head field (e.g. `C11`), only when the merchant has more than one key.
    #[uniffi(default = None)]
    pub client_id: Option<String>,
    /// `version` head field (e.g. `v1`); not sent by default.
    #[uniffi(default = None)]
    pub version: Option<String>,
    /// `channelId` head field (e.g. `WEB`); not sent by default.
    #[uniffi(default = None)]
    pub channel_id: Option<String>,
    /// Send `requestTimestamp` (AI-router: `requestTimeStamp`) as Unix seconds from the clock.
    #[uniffi(default = false)]
    pub request_timestamp: bool,
    /// Send `"tokenType":"CHECKSUM"`.
    #[uniffi(default = false)]
    pub token_type_checksum: bool,
    /// Maximum length of `comments`, in characters.
    #[uniffi(default = 50)]
    pub comments_max_len: i32,
    /// How long after an accepted apply a status answer of 631 ("record not found") still reads as pending.
    #[uniffi(default = 1800000)]
    pub not_found_grace_period_ms: i64,
    /// **Dangerous.** Read answers that carry no `head.signature` as if they were signed (default `false`: they are
    /// untrusted and never final). Only for a test double that cannot sign; never in production.
    #[uniffi(default = false)]
    pub dangerously_accept_unsigned_responses: bool,
}

impl PaytmOptions {
    pub(crate) fn into_config(self, merchant_key: String) -> core_paytm::PaytmConfig {
        let environment = match self.environment {
            PaytmEnvironment::Staging => core_paytm::Environment::Staging,
            PaytmEnvironment::Production => core_paytm::Environment::Production,
        };
        let flavour = match self.flavour.unwrap_or(PaytmFlavour::Pg) {
            PaytmFlavour::Pg => core_paytm::Flavour::Pg,
            PaytmFlavour::AiRouter => core_paytm::Flavour::AiRouter,
        };
        let mut c = core_paytm::PaytmConfig::new(environment, flavour, self.mid, merchant_key);
        if let Some(url) = self.base_url {
            c.base_url = url;
        }
        c.client_id = self.client_id;
        c.head = core_paytm::HeadFields {
            version: self.version,
            channel_id: self.channel_id,
            request_timestamp: self.request_timestamp,
            token_type_checksum: self.token_type_checksum,
        };
        // Negative values become 0: no comments allowed / no grace period (the cautious readings).
        c.comments_max_len = usize::try_from(self.comments_max_len).unwrap_or(0);
        c.not_found_grace_period_ms = u64::try_from(self.not_found_grace_period_ms).unwrap_or(0);
        c.dangerously_accept_unsigned_responses = self.dangerously_accept_unsigned_responses;
        c
    }
}

/// What is known about the Refund Apply when its status is queried; decides what a status answer of 631 ("record
/// not found") means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PaytmPriorApply {
    /// The apply's outcome is unknown (timeout, 5xx, unreadable). 631 then means Paytm probably never got it:
    /// `INDETERMINATE` + `RESEND_SAME_REFERENCE` (the same `refId` can never refund twice).
    Unknown,
    /// Paytm accepted the apply (`PENDING 601`) at `unix_ms`. 631 within the grace period is `PENDING`; after it,
    /// `INDETERMINATE` with a warning to escalate to Paytm.
    AcceptedAt {
        /// When the acceptance was received, in Unix milliseconds.
        unix_ms: i64,
    },
}

// ---------------------------------------------------------------------------------------------------------------
// Webhooks

/// Why a webhook was not accepted: answer the sender with an error status and do not act on it. None of these
/// contains the key or echoes the body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum PaytmWebhookError {
    /// Not a readable Paytm notification (not UTF-8, not an envelope with a `body` object, a malformed form body,
    /// duplicate keys).
    #[error("the webhook body is not a readable Paytm notification")]
    Unreadable,
    /// No signature (`head.signature` / `CHECKSUMHASH`).
    #[error("the webhook carries no signature")]
    SignatureMissing,
    /// The signature does not verify with the merchant key: tampered, re-serialized, or signed with another key.
    #[error("the webhook signature does not verify")]
    SignatureInvalid,
    /// Correctly signed, but for another merchant id.
    #[error("the webhook is for another mid")]
    MidMismatch,
    /// A required field is absent (`field` is its wire name).
    #[error("the webhook lacks {field}")]
    MissingField {
        /// The absent field.
        field: String,
    },
    /// A field has an unusable value, e.g. an amount that is not exact money.
    #[error("the webhook's {field} is invalid")]
    InvalidField {
        /// The offending field.
        field: String,
    },
}

impl From<core_paytm::WebhookError> for PaytmWebhookError {
    fn from(e: core_paytm::WebhookError) -> Self {
        use core_paytm::WebhookError as E;
        match e {
            E::Unreadable => PaytmWebhookError::Unreadable,
            E::SignatureMissing => PaytmWebhookError::SignatureMissing,
            E::SignatureInvalid => PaytmWebhookError::SignatureInvalid,
            E::MidMismatch => PaytmWebhookError::MidMismatch,
            E::MissingField(f) => PaytmWebhookError::MissingField { field: f.to_string() },
            E::InvalidField(f) => PaytmWebhookError::InvalidField { field: f.to_string() },
            // A kind added to the core later is still a rejection, never an accepted event.
            _ => PaytmWebhookError::Unreadable,
        }
    }
}

/// Accept Refund: the refund amount was deducted from the merchant's settlement (`accepted`) or not.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PaytmAcceptRefundEvent {
    /// `mid` (equal to the client's).
    pub mid: String,
    /// `orderId`.
    pub order_id: String,
    /// `refId`.
    pub ref_id: Option<String>,
    /// `refundId`.
    pub refund_id: Option<String>,
    /// `txnId`.
    pub txn_id: Option<String>,
    /// `refundAmount`.
    pub refund_amount_paise: Option<i64>,
    /// `status` (or `acceptRefundStatus`) as sent.
    pub status: String,
    /// Whether `status` is `SUCCESS`.
    pub accepted: bool,
    /// `rejectRefundReasonCode` (`"1"`: insufficient payable balance).
    pub reject_reason_code: Option<String>,
    /// `rejectRefundReasonMessage` (or `rejectRefundReason`).
    pub reject_reason_text: Option<String>,
    /// `acceptRefundTimestamp`.
    pub accept_refund_timestamp: Option<String>,
}

/// One destination of a refund (`refundDetailInfoList[]`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PaytmRefundDestination {
    /// `refundType`, e.g. `TO_SOURCE`.
    pub refund_type: Option<String>,
    /// `payMethod`, e.g. `UPI`.
    pub pay_method: Option<String>,
    /// `refundAmount` for this destination.
    pub refund_amount_paise: Option<i64>,
    /// `rrn`.
    pub rrn: Option<String>,
    /// `userCreditExpectedDate`.
    pub user_credit_expected_date: Option<String>,
    /// `issuingBankName`.
    pub issuing_bank_name: Option<String>,
}

/// Success Refund: the refund was submitted to the acquiring bank (the customer's credit can still take days).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PaytmSuccessRefundEvent {
    /// `mid` (equal to the client's).
    pub mid: String,
    /// `orderId`.
    pub order_id: String,
    /// `refId`.
    pub ref_id: String,
    /// `refundId`.
    pub refund_id: Option<String>,
    /// `txnId`.
    pub txn_id: Option<String>,
    /// `txnAmount`: the original payment.
    pub txn_amount_paise: Option<i64>,
    /// `refundAmount`: this refund.
    pub refund_amount_paise: Option<i64>,
    /// `totalRefundAmount` (or `totalrefundAmount`): all refunds on the order so far.
    pub total_refund_amount_paise: Option<i64>,
    /// `status`.
    pub status: Option<String>,
    /// `source`.
    pub source: Option<String>,
    /// `txnTimestamp`.
    pub txn_timestamp: Option<String>,
    /// `acceptRefundTimestamp`.
    pub accept_refund_timestamp: Option<String>,
    /// `merchantRefundRequestTimestamp`.
    pub merchant_refund_request_timestamp: Option<String>,
    /// `userCreditInitiateTimestamp`.
    pub user_credit_initiate_timestamp: Option<String>,
    /// `refundDetailInfoList`.
    pub destinations: Vec<PaytmRefundDestination>,
}

/// Refund ARN notification: the bank's reference for the refund credit.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PaytmRefundArnEvent {
    /// `MID` (equal to the client's).
    pub mid: String,
    /// `ORDERID`.
    pub order_id: String,
    /// `REFID`.
    pub ref_id: Option<String>,
    /// `REFUNDID`.
    pub refund_id: Option<String>,
    /// `ARN`.
    pub arn: Option<String>,
    /// Every field as received, `CHECKSUMHASH` excluded.
    pub params: HashMap<String, String>,
}

fn paise(m: Option<refundkit::Money>) -> Option<i64> {
    m.map(refundkit::Money::paise)
}

impl From<core_paytm::AcceptRefundEvent> for PaytmAcceptRefundEvent {
    fn from(e: core_paytm::AcceptRefundEvent) -> Self {
        PaytmAcceptRefundEvent {
            mid: e.mid,
            order_id: e.order_id,
            ref_id: e.ref_id,
            refund_id: e.refund_id,
            txn_id: e.txn_id,
            refund_amount_paise: paise(e.refund_amount),
            status: e.status,
            accepted: e.accepted,
            reject_reason_code: e.reject_reason_code,
            reject_reason_text: e.reject_reason_message,
            accept_refund_timestamp: e.accept_refund_timestamp,
        }
    }
}

impl From<core_paytm::SuccessRefundEvent> for PaytmSuccessRefundEvent {
    fn from(e: core_paytm::SuccessRefundEvent) -> Self {
        PaytmSuccessRefundEvent {
            mid: e.mid,
            order_id: e.order_id,
            ref_id: e.ref_id,
            refund_id: e.refund_id,
            txn_id: e.txn_id,
            txn_amount_paise: paise(e.txn_amount),
            refund_amount_paise: paise(e.refund_amount),
            total_refund_amount_paise: paise(e.total_refund_amount),
            status: e.status,
            source: e.source,
            txn_timestamp: e.txn_timestamp,
            accept_refund_timestamp: e.accept_refund_timestamp,
            merchant_refund_request_timestamp: e.merchant_refund_request_timestamp,
            user_credit_initiate_timestamp: e.user_credit_initiate_timestamp,
            destinations: e
                .destinations
                .into_iter()
                .map(|d| PaytmRefundDestination {
                    refund_type: d.refund_type,
                    pay_method: d.pay_method,
                    refund_amount_paise: paise(d.refund_amount),
                    rrn: d.rrn,
                    user_credit_expected_date: d.user_credit_expected_date,
                    issuing_bank_name: d.issuing_bank_name,
                })
                .collect(),
        }
    }
}

impl From<core_paytm::RefundArnEvent> for PaytmRefundArnEvent {
    fn from(e: core_paytm::RefundArnEvent) -> Self {
        PaytmRefundArnEvent {
            mid: e.mid,
            order_id: e.order_id,
            ref_id: e.ref_id,
            refund_id: e.refund_id,
            arn: e.arn,
            params: e.params.into_iter().collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Client

/// Builds signed Paytm requests and interprets Paytm's answers and webhooks, verifying their signatures with the
/// merchant key it holds. Its `toString()`/`repr()` show the host, flavour and mid, never the key.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct PaytmClient {
    inner: core_paytm::Paytm<ClockAdapter, RandomAdapter>,
}

impl std::fmt::Debug for PaytmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = self.inner.config();
        f.debug_struct("PaytmClient")
            .field("base_url", &c.base_url)
            .field("flavour", &c.flavour)
            .field("mid", &c.mid)
            .finish_non_exhaustive()
    }
}

impl PaytmClient {
    fn with(
        config: core_paytm::PaytmConfig,
        clock: Option<Arc<dyn Clock>>,
        random: Option<Arc<dyn RandomSource>>,
    ) -> Result<Arc<Self>, RefundkitError> {
        let inner = core_paytm::Paytm::with_sources(config, ClockAdapter(clock), RandomAdapter(random))?;
        Ok(Arc::new(PaytmClient { inner }))
    }
}

#[uniffi::export]
impl PaytmClient {
    /// A client for `options` with your `merchant_key` (16, 24 or 32 bytes, as issued). `clock` stamps requests and
    /// times the 631 grace period (`None`: the system clock); `random` draws checksum salts (`None`: the operating
    /// system's CSPRNG; inject one only in tests). Raises `Configuration` naming the bad setting (`mid`,
    /// `merchant_key`, `base_url`, ...); never echoes the key.
    #[uniffi::constructor(default(clock = None, random = None))]
    pub fn new(
        options: PaytmOptions,
        merchant_key: String,
        clock: Option<Arc<dyn Clock>>,
        random: Option<Arc<dyn RandomSource>>,
    ) -> Result<Arc<Self>, RefundkitError> {
        PaytmClient::with(options.into_config(merchant_key), clock, random)
    }

    /// Regular PG on Paytm's staging host, every option at its default.
    #[uniffi::constructor(default(clock = None, random = None))]
    pub fn staging(
        mid: String,
        merchant_key: String,
        clock: Option<Arc<dyn Clock>>,
        random: Option<Arc<dyn RandomSource>>,
    ) -> Result<Arc<Self>, RefundkitError> {
        PaytmClient::with(core_paytm::PaytmConfig::staging(mid, merchant_key), clock, random)
    }

    /// Regular PG on Paytm's production host, every option at its default.
    #[uniffi::constructor(default(clock = None, random = None))]
    pub fn production(
        mid: String,
        merchant_key: String,
        clock: Option<Arc<dyn Clock>>,
        random: Option<Arc<dyn RandomSource>>,
    ) -> Result<Arc<Self>, RefundkitError> {
        PaytmClient::with(core_paytm::PaytmConfig::production(mid, merchant_key), clock, random)
    }

    /// Refund Apply: refund `refund_amount_paise` of `order_id`/`txn_id` under your unique `ref_id` (persist it
    /// first). **Moves money**: after an outcome that is not final, query the status with the same `ref_id`; never
    /// raise a new `ref_id` for the same refund. `original_amount_paise` enables the full-vs-partial checks (a
    /// partial refund must be at least ₹1). Input errors name the wire field (`orderId`, `refId`, `txnId`,
    /// `refundAmount`, `originalAmount`, `comments`).
    #[uniffi::method(default(original_amount_paise = None, comments = None))]
    pub fn build_refund_apply(
        &self,
        order_id: String,
        ref_id: String,
        txn_id: String,
        refund_amount_paise: i64,
        original_amount_paise: Option<i64>,
        comments: Option<String>,
    ) -> Result<HttpRequest, RefundkitError> {
        let apply = core_paytm::RefundApply {
            order_id,
            ref_id,
            txn_id,
            refund_amount: refundkit::Money::from_paise(refund_amount_paise),
            original_amount: original_amount_paise.map(refundkit::Money::from_paise),
            comments,
        };
        Ok(self.inner.build_refund_apply(&apply)?.into())
    }

    /// Refund Status: read-only, safe to repeat. Regular PG takes `ref_id` only; the AI-router takes `ref_id`,
    /// Paytm's `refund_id`, or both.
    #[uniffi::method(default(ref_id = None, refund_id = None))]
    pub fn build_refund_status(
        &self,
        order_id: String,
        ref_id: Option<String>,
        refund_id: Option<String>,
    ) -> Result<HttpRequest, RefundkitError> {
        let query = core_paytm::RefundStatusQuery { order_id, ref_id, refund_id };
        Ok(self.inner.build_refund_status(&query)?.into())
    }

    /// Interprets the answer to a Refund Apply. The response signature is verified with the client's key: a
    /// failing one makes the answer untrusted (`INDETERMINATE`, reason `SIGNATURE_INVALID`, no refund details).
    pub fn interpret_refund_apply(&self, response: HttpResponse) -> Outcome {
        self.inner.interpret_refund_apply(&response.into()).into()
    }

    /// Interprets the answer to a Refund Status query. `prior_apply` (`None`: `UNKNOWN`, the cautious reading) says
    /// what is known about the apply; it decides what 631 ("record not found") means.
    #[uniffi::method(default(prior_apply = None))]
    pub fn interpret_refund_status(&self, response: HttpResponse, prior_apply: Option<PaytmPriorApply>) -> Outcome {
        let prior = match prior_apply.unwrap_or(PaytmPriorApply::Unknown) {
            PaytmPriorApply::Unknown => core_paytm::PriorApply::Unknown,
            // A negative time is long past: the grace period is over, the cautious reading.
            PaytmPriorApply::AcceptedAt { unix_ms } => {
                core_paytm::PriorApply::AcceptedAt(u64::try_from(unix_ms).unwrap_or(0))
            }
        };
        self.inner.interpret_refund_status(&response.into(), prior).into()
    }

    /// Verifies and parses an Accept Refund webhook (the raw JSON body as received). Raises `PaytmWebhookError`
    /// when it is unsigned, tampered, for another mid or incomplete: never act on it then.
    pub fn parse_accept_refund_webhook(&self, body: Vec<u8>) -> Result<PaytmAcceptRefundEvent, PaytmWebhookError> {
        Ok(self.inner.parse_accept_refund_webhook(&body)?.into())
    }

    /// Verifies and parses a Success Refund webhook (the raw JSON body as received). Raises like
    /// `parse_accept_refund_webhook`.
    pub fn parse_success_refund_webhook(&self, body: Vec<u8>) -> Result<PaytmSuccessRefundEvent, PaytmWebhookError> {
        Ok(self.inner.parse_success_refund_webhook(&body)?.into())
    }

    /// Verifies and parses a Refund ARN notification (the raw `application/x-www-form-urlencoded` body with
    /// `CHECKSUMHASH`). Raises like `parse_accept_refund_webhook`.
    pub fn parse_refund_arn_webhook(&self, body: Vec<u8>) -> Result<PaytmRefundArnEvent, PaytmWebhookError> {
        Ok(self.inner.parse_refund_arn_webhook(&body)?.into())
    }
}

#[cfg(test)]
mod tests;
