//! Paytm Payment Gateway (PPSL): Refund Apply, Refund Status, their AI-router variants, PaytmChecksum and refund
//! webhooks.
//!
//! The flow (Paytm, paytmpayments.com/docs/refund-api and /docs/api/refund-status-api): persist your `refId`, then
//! [`Paytm::build_refund_apply`]. Apply only *registers* the refund (normal answer: `PENDING 601`); the refund's
//! fate is learned from [`Paytm::build_refund_status`] polls (or the Success Refund webhook). The `refId` is the
//! idempotency key: "Duplicate REFID will be rejected by the Paytm gateway", so re-sending an apply with the **same**
//! `refId` can never refund twice, while a new `refId` can.
//!
//! Every request body is serialized once; those exact bytes are signed with [`checksum`] (PaytmChecksum) and sent
//! as `{"body":<those bytes>,"head":{...}}` (spec §4). Responses and webhooks are verified over the raw `body` text
//! as received.
//!
//! ```
//! use refundkit::paytm::{Environment, Flavour, Paytm, PaytmConfig, RefundApply};
//! use refundkit::{FixedClock, FixedRandom, HttpResponse, Money, NextStep, Status};
//!
//! let config = PaytmConfig::new(Environment::Staging, Flavour::Pg, "INTEGR7769XXXXXX9383", "Test&Key#12345$@");
//! // A fixed clock and salt make the request a known answer (salt bytes 23,50,61,25 = "Xy9Z").
//! let paytm = Paytm::with_sources(config, FixedClock(1_700_000_000_000), FixedRandom(vec![23, 50, 61, 25]))?;
//! let apply = RefundApply::new("OREDRID_98765", "REFUNDID_98765", "202005081112128XXXXXX68470101509706",
//!                              Money::from_paise(100));
//! let request = paytm.build_refund_apply(&apply)?;
//! assert_eq!(request.url, "https://securestage.paytmpayments.com/refund/apply");
//! assert!(request.body_text().starts_with(r#"{"body":{"mid":"INTEGR7769XXXXXX9383","txnType":"REFUND","#));
//!
//! // The connection dropped: the refund may or may not be registered. Query its status; never use a new refId.
//! let outcome = paytm.interpret_refund_apply(&HttpResponse::new(504, "Gateway Timeout"));
//! assert_eq!((outcome.status, outcome.next_step), (Status::Indeterminate, NextStep::Inquire));
//! # Ok::<(), refundkit::Error>(())
//! ```

/// PaytmChecksum (it lives in the crypto leaf, [`crate::crypto::paytm_checksum`]).
pub use crate::crypto::paytm_checksum as checksum;
#[cfg(feature = "client")]
mod client;
mod interpret;
mod webhook;

#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub use client::PaytmRefunds;
pub use interpret::PriorApply;
pub use webhook::{AcceptRefundEvent, RefundArnEvent, RefundDestination, SuccessRefundEvent, WebhookError};

use crate::clock::{signing_time, Clock, SystemClock};
use crate::error::{check_text, config, invalid, Error, Problem};
use crate::http::validate_base_url;
use crate::http::{Header, HttpMethod, HttpRequest, HttpResponse};
use crate::money::Money;
use crate::outcome::{Outcome, Provider};
use crate::random::{OsRandom, RandomSource};
use crate::secret::Secret;
use crate::sign::{sign_locally, SignatureAlgorithm, SignatureRequest, UnsignedRequest};
use serde::Serialize;

/// PG staging host (PPSL domain since the January 2025 SDK update).
pub const PG_STAGING_BASE_URL: &str = "https://securestage.paytmpayments.com";
/// PG production host.
pub const PG_PRODUCTION_BASE_URL: &str = "https://secure.paytmpayments.com";
/// Older PG staging host, still used by many integrations ([`PaytmConfig::base_url`] can be set to it).
pub const PG_LEGACY_STAGING_BASE_URL: &str = "https://securegw-stage.paytm.in";
/// Older PG production host.
pub const PG_LEGACY_PRODUCTION_BASE_URL: &str = "https://securegw.paytm.in";
/// AI-router ("Super Router") staging host, from Paytm's AI-router Refund Status page.
pub const AI_ROUTER_STAGING_BASE_URL: &str = "https://stage-router.paytm.in";
/// AI-router production host (inferred from the apply URL; unconfirmed for status, spec §11 #7).
pub const AI_ROUTER_PRODUCTION_BASE_URL: &str = "https://router.paytm.in";

/// Default maximum length of `comments` (the legacy limit, the strictest of 50/255/500 in Paytm's documents).
pub const DEFAULT_COMMENTS_MAX_LEN: usize = 50;
/// Default grace period after an accepted apply during which a status answer of 631 (record not found) is still
/// read as "pending" (30 minutes, spec §7.2.5, inferred).
pub const DEFAULT_NOT_FOUND_GRACE_PERIOD_MS: u64 = 30 * 60 * 1000;

/// Paytm's environments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// Test environment (`securestage.paytmpayments.com`, `stage-router.paytm.in`).
    Staging,
    /// Live environment (`secure.paytmpayments.com`, `router.paytm.in`).
    Production,
}

/// Which Paytm refund API to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flavour {
    /// Regular Payment Gateway: `POST /refund/apply`, `POST /v2/refund/status`. The default.
    #[default]
    Pg,
    /// AI-router ("Super Router"): `POST /aoa-refund-service/refund/apply`, `POST /aoa-refund-service/refund/query`.
    /// Only for merchants onboarded on that product.
    AiRouter,
}

impl Flavour {
    fn apply_path(self) -> &'static str {
        match self {
            Flavour::Pg => "/refund/apply",
            Flavour::AiRouter => "/aoa-refund-service/refund/apply",
        }
    }

    fn status_path(self) -> &'static str {
        match self {
            Flavour::Pg => "/v2/refund/status",
            Flavour::AiRouter => "/aoa-refund-service/refund/query",
        }
    }

    /// The default base URL of this flavour in `environment`.
    pub fn default_base_url(self, environment: Environment) -> &'static str {
        match (self, environment) {
            (Flavour::Pg, Environment::Staging) => PG_STAGING_BASE_URL,
            (Flavour::Pg, Environment::Production) => PG_PRODUCTION_BASE_URL,
            (Flavour::AiRouter, Environment::Staging) => AI_ROUTER_STAGING_BASE_URL,
            (Flavour::AiRouter, Environment::Production) => AI_ROUTER_PRODUCTION_BASE_URL,
        }
    }
}

/// Optional `head` fields besides `signature` and `clientId` (spec §2.1). None is sent by default: Paytm's own
/// refund guide sends `signature` only and warns that extra head fields cause checksum mismatches, while the
/// official PG SDKs send `version`, `channelId` and `requestTimestamp`. Head fields are never signed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HeadFields {
    /// `version`, e.g. `v1`.
    pub version: Option<String>,
    /// `channelId`, e.g. `WEB` or `WAP`.
    pub channel_id: Option<String>,
    /// Send `requestTimestamp` (AI-router: `requestTimeStamp`) as Unix **seconds** from the injected clock, as in
    /// Paytm's AI-router example (`1588402269`).
    pub request_timestamp: bool,
    /// Send `"tokenType":"CHECKSUM"` (never `JWT`: the server would then skip the checksum).
    pub token_type_checksum: bool,
}

/// Everything a Paytm client needs to know. [`Debug`] redacts the merchant key.
#[derive(Debug, Clone)]
pub struct PaytmConfig {
    /// Scheme and host (and optional port/prefix), e.g. [`PG_STAGING_BASE_URL`]. A trailing `/` is ignored.
    pub base_url: String,
    /// Regular PG (default) or AI-router.
    pub flavour: Flavour,
    /// Merchant id (`mid`): 1 to 20 ASCII letters or digits.
    pub mid: String,
    /// The merchant key that signs requests and verifies responses: 16, 24 or 32 bytes. Secret.
    pub merchant_key: Secret,
    /// `clientId` head field (e.g. `C11`), needed only when the merchant has more than one key.
    pub client_id: Option<String>,
    /// Optional head fields, none by default.
    pub head: HeadFields,
    /// Maximum length (in characters) of `comments`. Default [`DEFAULT_COMMENTS_MAX_LEN`] (50).
    pub comments_max_len: usize,
    /// See [`DEFAULT_NOT_FOUND_GRACE_PERIOD_MS`].
    pub not_found_grace_period_ms: u64,
    /// **Dangerous.** `false` (the default): an answer without `head.signature` is untrusted
    /// ([`crate::Reason::UntrustedResponse`], never final), because anyone on the path could have written it.
    /// `true`: unsigned answers are read as if signed (a wrong signature is still never believed). Only for a test
    /// double that cannot sign; never in production, where a forged `TXN_FAILURE` invites a second refund.
    pub dangerously_accept_unsigned_responses: bool,
}

impl PaytmConfig {
    /// A configuration for `environment` and `flavour` with the default host and every option at its default.
    pub fn new(
        environment: Environment,
        flavour: Flavour,
        mid: impl Into<String>,
        merchant_key: impl Into<Secret>,
    ) -> Self {
        PaytmConfig {
            base_url: flavour.default_base_url(environment).to_string(),
            flavour,
            mid: mid.into(),
            merchant_key: merchant_key.into(),
            client_id: None,
            head: HeadFields::default(),
            comments_max_len: DEFAULT_COMMENTS_MAX_LEN,
            not_found_grace_period_ms: DEFAULT_NOT_FOUND_GRACE_PERIOD_MS,
            dangerously_accept_unsigned_responses: false,
        }
    }

    /// Regular PG on the staging host.
    pub fn staging(mid: impl Into<String>, merchant_key: impl Into<Secret>) -> Self {
        PaytmConfig::new(Environment::Staging, Flavour::Pg, mid, merchant_key)
    }

    /// Regular PG on the production host.
    pub fn production(mid: impl Into<String>, merchant_key: impl Into<Secret>) -> Self {
        PaytmConfig::new(Environment::Production, Flavour::Pg, mid, merchant_key)
    }

    fn validate(&self) -> Result<(), Error> {
        validate_base_url(&self.base_url)?;
        validate_mid(&self.mid).map_err(|p| config("mid", p))?;
        // An empty key means signing is delegated (`prepare_*` plus a signer); `build_*` then reports it missing.
        if !self.merchant_key.is_empty() {
            checksum::validate_merchant_key(&self.merchant_key)?;
        }
        if self.merchant_key.expose() == self.mid {
            return Err(config(
                "merchant_key",
                Problem::Format { expected: "the merchant key from the dashboard, not the MID" },
            ));
        }
        if let Some(c) = &self.client_id {
            check_text(c, 20, |c| c.is_ascii_alphanumeric(), "1 to 20 ASCII letters or digits (e.g. C11)")
                .map_err(|p| config("client_id", p))?;
        }
        if let Some(v) = &self.head.version {
            check_text(v, 10, |c| c.is_ascii_graphic(), "1 to 10 visible ASCII characters (e.g. v1)")
                .map_err(|p| config("version", p))?;
        }
        if let Some(c) = &self.head.channel_id {
            check_text(c, 10, |c| c.is_ascii_alphanumeric(), "1 to 10 ASCII letters or digits (e.g. WEB)")
                .map_err(|p| config("channel_id", p))?;
        }
        if self.comments_max_len == 0 {
            return Err(config("comments_max_len", Problem::NotPositive));
        }
        Ok(())
    }
}

fn validate_mid(mid: &str) -> Result<(), Problem> {
    check_text(mid, 20, |c| c.is_ascii_alphanumeric(), "1 to 20 ASCII letters or digits")
}

fn validate_order_id(v: &str) -> Result<(), Error> {
    check_text(v, 50, |c| c.is_ascii_alphanumeric() || "@-_.".contains(c), "1 to 50 of [A-Za-z0-9@-_.]")
        .map_err(|p| invalid("orderId", p))
}

fn validate_ref_id(v: &str) -> Result<(), Error> {
    check_text(v, 50, |c| c.is_ascii_alphanumeric() || "@._-".contains(c), "1 to 50 of [A-Za-z0-9@._-]")
        .map_err(|p| invalid("refId", p))
}

fn validate_txn_id(v: &str) -> Result<(), Error> {
    check_text(v, 64, |c| c.is_ascii_alphanumeric(), "Paytm's TXNID: 1 to 64 ASCII letters or digits")
        .map_err(|p| invalid("txnId", p))
}

fn validate_refund_id(v: &str) -> Result<(), Error> {
    check_text(v, 64, |c| c.is_ascii_alphanumeric(), "Paytm's refund id: 1 to 64 ASCII letters or digits")
        .map_err(|p| invalid("refundId", p))
}

/// A Refund Apply: refund `refund_amount` of the original order/transaction under your unique `ref_id`.
///
/// Persist `ref_id` durably **before** sending: it is the only handle for recovery after a timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundApply {
    /// The original order id (`orderId`): 1 to 50 of `[A-Za-z0-9@-_.]`.
    pub order_id: String,
    /// Your unique refund id (`refId`): 1 to 50 of `[A-Za-z0-9@._-]`. Never reuse it for another refund.
    pub ref_id: String,
    /// Paytm's id of the original payment (`txnId`, Paytm's TXNID): 1 to 64 ASCII letters or digits.
    pub txn_id: String,
    /// The amount to refund; must be positive. Sent as rupees with two decimals.
    pub refund_amount: Money,
    /// The original transaction's amount, when known. Lets refundkit tell a full refund from a partial one:
    /// Paytm rejects partial refunds under ₹1 (635), and a refund above the original (619/674).
    pub original_amount: Option<Money>,
    /// Free-text `comments`, at most [`PaytmConfig::comments_max_len`] characters, no control characters.
    pub comments: Option<String>,
}

impl RefundApply {
    /// A refund of `refund_amount` against `order_id` / `txn_id` under `ref_id`.
    pub fn new(
        order_id: impl Into<String>,
        ref_id: impl Into<String>,
        txn_id: impl Into<String>,
        refund_amount: Money,
    ) -> Self {
        RefundApply {
            order_id: order_id.into(),
            ref_id: ref_id.into(),
            txn_id: txn_id.into(),
            refund_amount,
            original_amount: None,
            comments: None,
        }
    }

    /// Adds the original transaction's amount (enables the full-vs-partial checks).
    pub fn original_amount(mut self, amount: Money) -> Self {
        self.original_amount = Some(amount);
        self
    }

    /// Adds `comments`.
    pub fn comments(mut self, comments: impl Into<String>) -> Self {
        self.comments = Some(comments.into());
        self
    }
}

/// Which refund a Refund Status query is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundStatusQuery {
    /// The original order id.
    pub order_id: String,
    /// Your `refId`. Required for the regular PG API; for the AI-router, `ref_id` or `refund_id` (or both).
    pub ref_id: Option<String>,
    /// Paytm's `refundId` from the apply answer. AI-router only.
    pub refund_id: Option<String>,
}

impl RefundStatusQuery {
    /// The status of the refund `ref_id` of `order_id`.
    pub fn new(order_id: impl Into<String>, ref_id: impl Into<String>) -> Self {
        RefundStatusQuery { order_id: order_id.into(), ref_id: Some(ref_id.into()), refund_id: None }
    }

    /// AI-router: the status of the refund with Paytm's `refund_id` (no `refId`).
    pub fn by_refund_id(order_id: impl Into<String>, refund_id: impl Into<String>) -> Self {
        RefundStatusQuery { order_id: order_id.into(), ref_id: None, refund_id: Some(refund_id.into()) }
    }
}

/// The operations refundkit builds and interprets for Paytm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Refund Apply. **Moves money** (registers a refund).
    RefundApply,
    /// Refund Status. Read-only.
    RefundStatus,
}

impl Operation {
    /// Whether the operation moves money.
    pub fn moves_money(self) -> bool {
        matches!(self, Operation::RefundApply)
    }
}

// Field order matters only in that it is fixed: it is the order of Paytm's documentation and of vector V2.
#[derive(Serialize)]
struct ApplyBody<'a> {
    mid: &'a str,
    #[serde(rename = "txnType")]
    txn_type: &'a str,
    #[serde(rename = "orderId")]
    order_id: &'a str,
    #[serde(rename = "txnId")]
    txn_id: &'a str,
    #[serde(rename = "refId")]
    ref_id: &'a str,
    #[serde(rename = "refundAmount")]
    refund_amount: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    comments: Option<&'a str>,
}

#[derive(Serialize)]
struct StatusBody<'a> {
    mid: &'a str,
    #[serde(rename = "orderId")]
    order_id: &'a str,
    #[serde(rename = "refId", skip_serializing_if = "Option::is_none")]
    ref_id: Option<&'a str>,
    #[serde(rename = "refundId", skip_serializing_if = "Option::is_none")]
    refund_id: Option<&'a str>,
}

#[derive(Serialize)]
struct Head<'a> {
    #[serde(rename = "clientId", skip_serializing_if = "Option::is_none")]
    client_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    #[serde(rename = "channelId", skip_serializing_if = "Option::is_none")]
    channel_id: Option<&'a str>,
    #[serde(rename = "requestTimestamp", skip_serializing_if = "Option::is_none")]
    request_timestamp: Option<String>,
    #[serde(rename = "requestTimeStamp", skip_serializing_if = "Option::is_none")]
    request_time_stamp: Option<String>,
    #[serde(rename = "tokenType", skip_serializing_if = "Option::is_none")]
    token_type: Option<&'a str>,
    signature: &'a str,
}

/// Builds signed Paytm requests and interprets Paytm's answers and webhooks. Holds a validated [`PaytmConfig`], the
/// clock (head timestamps, the 631 grace period) and the random source for checksum salts.
#[derive(Debug, Clone)]
pub struct Paytm<C: Clock = SystemClock, R: RandomSource = OsRandom> {
    config: PaytmConfig,
    base_url: String,
    clock: C,
    random: R,
}

impl Paytm<SystemClock, OsRandom> {
    /// A client on the system clock and the operating system's CSPRNG. Fails with [`Error::Configuration`] naming
    /// the bad field.
    pub fn new(config: PaytmConfig) -> Result<Self, Error> {
        Paytm::with_sources(config, SystemClock, OsRandom)
    }
}

impl<C: Clock, R: RandomSource> Paytm<C, R> {
    /// A client with an injected clock and random source (tests use [`crate::FixedClock`] and
    /// [`crate::FixedRandom`]).
    pub fn with_sources(config: PaytmConfig, clock: C, random: R) -> Result<Self, Error> {
        config.validate()?;
        let base_url = config.base_url.trim_end_matches('/').to_string();
        Ok(Paytm { config, base_url, clock, random })
    }

    /// The configuration.
    pub fn config(&self) -> &PaytmConfig {
        &self.config
    }

    /// Refund Apply: registers the refund of `apply.refund_amount` under `apply.ref_id`. **Moves money**: interpret
    /// the answer with [`Paytm::interpret_refund_apply`]; after anything but a decisive answer, query the status
    /// with the same `refId` and never raise a new `refId` for the same refund.
    pub fn prepare_refund_apply(&self, apply: &RefundApply) -> Result<UnsignedRequest, Error> {
        validate_order_id(&apply.order_id)?;
        validate_ref_id(&apply.ref_id)?;
        validate_txn_id(&apply.txn_id)?;
        validate_refund_amount(apply.refund_amount, apply.original_amount)?;
        let comments = match &apply.comments {
            Some(c) => {
                check_text(c, self.config.comments_max_len, |c| !c.is_control(), "text without control characters")
                    .map_err(|p| invalid("comments", p))?;
                Some(c.as_str())
            }
            None => None,
        };
        let body = ApplyBody {
            mid: &self.config.mid,
            txn_type: "REFUND",
            order_id: &apply.order_id,
            txn_id: &apply.txn_id,
            ref_id: &apply.ref_id,
            refund_amount: apply.refund_amount.to_rupees_string(),
            comments,
        };
        self.signed(self.config.flavour.apply_path(), &body)
    }

    /// Refund Status: where the refund stands. Read-only, safe to repeat; interpret with
    /// [`Paytm::interpret_refund_status`].
    pub fn prepare_refund_status(&self, query: &RefundStatusQuery) -> Result<UnsignedRequest, Error> {
        validate_order_id(&query.order_id)?;
        if let Some(r) = &query.ref_id {
            validate_ref_id(r)?;
        }
        if let Some(r) = &query.refund_id {
            validate_refund_id(r)?;
        }
        match self.config.flavour {
            Flavour::Pg => {
                if query.ref_id.is_none() {
                    return Err(invalid("refId", Problem::Missing));
                }
                if query.refund_id.is_some() {
                    return Err(invalid(
                        "refundId",
                        Problem::Format { expected: "absent: the regular PG status API takes refId only" },
                    ));
                }
            }
            Flavour::AiRouter => {
                if query.ref_id.is_none() && query.refund_id.is_none() {
                    return Err(invalid("refId", Problem::Missing));
                }
            }
        }
        let body = StatusBody {
            mid: &self.config.mid,
            order_id: &query.order_id,
            ref_id: query.ref_id.as_deref(),
            refund_id: query.refund_id.as_deref(),
        };
        self.signed(self.config.flavour.status_path(), &body)
    }

    /// Serializes `body` once and lays out `{"body":<those bytes>,"head":{...,"signature":""}}` (spec §4), with the
    /// signature slot inside the head's empty `signature` string.
    fn signed(&self, path: &str, body: &impl Serialize) -> Result<UnsignedRequest, Error> {
        // Serializing these plain structs cannot fail; report rather than panic if it ever did.
        let body = serde_json::to_string(body).map_err(|_| Error::Unsupported("JSON serialization failed"))?;
        let timestamp = match self.config.head.request_timestamp {
            true => Some((signing_time(&self.clock)? / 1000).to_string()),
            false => None,
        };
        let (request_timestamp, request_time_stamp) = match self.config.flavour {
            Flavour::Pg => (timestamp, None),
            Flavour::AiRouter => (None, timestamp),
        };
        let head = Head {
            client_id: self.config.client_id.as_deref(),
            version: self.config.head.version.as_deref(),
            channel_id: self.config.head.channel_id.as_deref(),
            request_timestamp,
            request_time_stamp,
            token_type: self.config.head.token_type_checksum.then_some("CHECKSUM"),
            signature: "",
        };
        let head = serde_json::to_string(&head).map_err(|_| Error::Unsupported("JSON serialization failed"))?;
        // `signature` is the head's last member, so the head ends with `"signature":""}`.
        if !head.ends_with("\"signature\":\"\"}") {
            return Err(Error::Unsupported("Paytm head layout"));
        }
        let mut envelope = String::with_capacity(body.len() + head.len() + 20 + 128);
        envelope.push_str("{\"body\":");
        envelope.push_str(&body);
        envelope.push_str(",\"head\":");
        envelope.push_str(&head);
        let slot = envelope.len() - 2;
        envelope.push('}');
        let request = HttpRequest {
            method: HttpMethod::Post,
            url: format!("{}{path}", self.base_url),
            headers: vec![Header::new("content-type", "application/json")],
            body: envelope.into_bytes(),
        };
        let signature = SignatureRequest {
            provider: Provider::Paytm,
            algorithm: SignatureAlgorithm::PaytmChecksum,
            key_id: None,
            message: body.into_bytes(),
        };
        Ok(UnsignedRequest::in_body(request, signature, slot))
    }

    /// Signs `unsigned` with the configured merchant key and random source.
    pub fn sign(&self, unsigned: UnsignedRequest) -> Result<HttpRequest, Error> {
        let signature = sign_locally(unsigned.signature_request(), &self.config.merchant_key, Some(&self.random))?;
        unsigned.complete(&signature)
    }

    /// Refund Apply signed with the configured merchant key (see [`Paytm::prepare_refund_apply`]). **Moves money.**
    pub fn build_refund_apply(&self, apply: &RefundApply) -> Result<HttpRequest, Error> {
        self.sign(self.prepare_refund_apply(apply)?)
    }

    /// Refund Status signed with the configured merchant key (see [`Paytm::prepare_refund_status`]).
    pub fn build_refund_status(&self, query: &RefundStatusQuery) -> Result<HttpRequest, Error> {
        self.sign(self.prepare_refund_status(query)?)
    }

    /// The `(raw body, signature)` pair of a signed Paytm answer, for verifying it elsewhere (delegated signing):
    /// the exact `body` substring of the response and its `head.signature`. `None` when the answer has no signature.
    pub fn response_signature_parts(response: &HttpResponse) -> Option<(String, String)> {
        interpret::signature_parts(&response.body)
    }

    /// Like [`Paytm::interpret_refund_apply`], with the response signature verified elsewhere: `signature_valid`
    /// is the verdict on [`Paytm::response_signature_parts`] (ignored when the answer is unsigned).
    pub fn interpret_refund_apply_verified(&self, response: &HttpResponse, signature_valid: bool) -> Outcome {
        interpret::interpret_refund_apply(
            response,
            &|_: &str, _: &str| signature_valid,
            self.config.dangerously_accept_unsigned_responses,
        )
    }

    /// Like [`Paytm::interpret_refund_status`], with the response signature verified elsewhere.
    pub fn interpret_refund_status_verified(
        &self,
        response: &HttpResponse,
        prior_apply: PriorApply,
        signature_valid: bool,
    ) -> Outcome {
        interpret::interpret_refund_status(
            response,
            &|_: &str, _: &str| signature_valid,
            self.config.dangerously_accept_unsigned_responses,
            prior_apply,
            signing_time(&self.clock).ok(),
            self.config.not_found_grace_period_ms,
        )
    }

    fn verifier(&self) -> impl Fn(&str, &str) -> bool + '_ {
        move |raw: &str, sig: &str| checksum::verify(raw, &self.config.merchant_key, sig)
    }

    /// Interprets the answer to a Refund Apply (spec §7.1).
    pub fn interpret_refund_apply(&self, response: &HttpResponse) -> Outcome {
        interpret::interpret_refund_apply(response, &self.verifier(), self.config.dangerously_accept_unsigned_responses)
    }

    /// Interprets the answer to a Refund Status query (spec §7.2). `prior_apply` says what is known about the apply
    /// call; it decides what "record not found" (631) means.
    pub fn interpret_refund_status(&self, response: &HttpResponse, prior_apply: PriorApply) -> Outcome {
        interpret::interpret_refund_status(
            response,
            &self.verifier(),
            self.config.dangerously_accept_unsigned_responses,
            prior_apply,
            // A broken clock cannot prove the grace period is still running: it reads as over (the cautious side).
            signing_time(&self.clock).ok(),
            self.config.not_found_grace_period_ms,
        )
    }

    /// Interprets the answer to `operation`; for [`Operation::RefundStatus`] the apply is taken as
    /// [`PriorApply::Unknown`] (the cautious reading of 631).
    pub fn interpret(&self, operation: Operation, response: &HttpResponse) -> Outcome {
        match operation {
            Operation::RefundApply => self.interpret_refund_apply(response),
            Operation::RefundStatus => self.interpret_refund_status(response, PriorApply::Unknown),
        }
    }

    /// Verifies and parses an Accept Refund webhook (JSON; signature over the raw `body`).
    pub fn parse_accept_refund_webhook(&self, body: &[u8]) -> Result<AcceptRefundEvent, WebhookError> {
        webhook::accept_refund(body, &self.config.merchant_key, &self.config.mid)
    }

    /// Verifies and parses a Success Refund webhook (JSON; signature over the raw `body`).
    pub fn parse_success_refund_webhook(&self, body: &[u8]) -> Result<SuccessRefundEvent, WebhookError> {
        webhook::success_refund(body, &self.config.merchant_key, &self.config.mid)
    }

    /// Verifies and parses a Refund ARN notification (an `application/x-www-form-urlencoded` body with
    /// `CHECKSUMHASH`, signed in the params-map form).
    pub fn parse_refund_arn_webhook(&self, body: &[u8]) -> Result<RefundArnEvent, WebhookError> {
        webhook::refund_arn(body, &self.config.merchant_key, &self.config.mid)
    }
}

/// `refundAmount` rules: positive; a partial refund is at least ₹1.00 (Paytm 635); never above the original.
///
/// Without the original amount refundkit cannot tell a full refund from a partial one, so an amount under ₹1.00
/// is accepted only together with `original_amount` equal to it (a full refund of a small payment).
fn validate_refund_amount(amount: Money, original: Option<Money>) -> Result<(), Error> {
    if !amount.is_positive() {
        return Err(invalid("refundAmount", Problem::NotPositive));
    }
    if let Some(original) = original {
        if !original.is_positive() {
            return Err(invalid("originalAmount", Problem::NotPositive));
        }
        if amount > original {
            return Err(invalid(
                "refundAmount",
                Problem::Format { expected: "at most the original transaction's amount" },
            ));
        }
    }
    let full = original == Some(amount);
    if amount < Money::from_paise(100) && !full {
        return Err(invalid(
            "refundAmount",
            Problem::Format {
                expected: "at least 1.00 for a partial refund (Paytm rejects partial refunds under ₹1 with 635); \
                           to refund a whole payment under ₹1, give its original amount",
            },
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
