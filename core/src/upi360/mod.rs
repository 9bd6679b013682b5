//! Juspay UPI Merchant Stack **Refund 360** (sub-merchant): refunds of UPI payments through a bank PSP (Axis, YES,
//! Kotak, ...) running Juspay's switch.
//!
//! Two calls, one idempotency key (`refundRequestId`, chosen by you):
//!
//! - [`Upi360::build_refund`] → `POST {host}/api/{uri}/merchants/transactions/refund360`. **Create-or-status**: if
//!   the PSP does not know the `refundRequestId`, this call **creates a refund and moves money**; if it does, it
//!   returns (and refreshes) that refund's status. Re-sending it with the same id and identical fields never creates
//!   a second refund (Juspay: "This is an idempotent api";
//!   <https://juspay.io/upi-merchant-stack/docs/submerchants/sub-merchant-refund-360>).
//! - [`Upi360::build_refund_status`] → `POST …/merchants/transactions/refund/status`. **Status only**, never
//!   creates anything: use it for every status check.
//!
//! Interpret answers with [`Upi360::interpret_refund`] / [`Upi360::interpret_refund_status`], which first verify the
//! PSP's signature: an unsigned or badly signed answer is [`Reason::UntrustedResponse`](crate::Reason), never a
//! refund failure. **DEEMED** (the credit leg timed out; money has probably moved) is [`Status::Pending`](crate::Status::Pending) with
//! [`Reason::Deemed`](crate::Reason): keep re-querying the **same** `refundRequestId`, never raise a new refund.
//!
//! # Signing modes
//!
//! The PSP fixes one per merchant at onboarding ([`SigningMode`]):
//!
//! - **A**, plain JSON + `x-merchant-signature` over `merchantId + channelId + subMerchantId + subMerchantChannelId +
//!   x-timestamp + body` ([`PlainStrategy::RsaPssSha256`], hex; or the unconfirmed [`PlainStrategy::HmacSha256`]).
//! - **B**, JWS: the body is a flattened JWS JSON object, RS256, `kid` in the protected header, `iat` in the payload.
//! - **C**, JWE around a JWS: not implemented yet; [`SigningMode`] is `#[non_exhaustive]` to make room for it.
//!
//! Sources: the implementer's spec (`specs/upi360.md`), which cites Juspay's docs pages, Juspay's connector code
//! (juspay/connector-service `juspay_upi_stack`) and Juspay's Euler tech specs (YES_BIZ, KOTAK_BIZ).
//!
//! ```
//! use refundkit::upi360::{PlainStrategy, RefundRequest, RefundType, ResponseVerification, SigningMode, Upi360, Upi360Config};
//! use refundkit::{FixedClock, Money, Secret};
//!
//! let merchant_key = Secret::new(include_str!("../../tests/data/upi360_keys/test_only_merchant_private_pkcs8.pem"));
//! let psp_key = include_str!("../../tests/data/upi360_keys/test_only_psp_public_spki.pem");
//! let config = Upi360Config::new(
//!     "https://api.beta.yesbank.upi.juspay.in", "n2", "MERCHANT1", "CHANNEL1",
//!     SigningMode::Plain(PlainStrategy::RsaPssSha256 { private_key_pem: merchant_key }),
//!     ResponseVerification::verify(psp_key),
//! );
//! let upi = Upi360::with_clock(config, FixedClock(1_735_689_600_000))?;
//! let refund = RefundRequest::new("RF20250101ABC", Money::from_paise(10_000), RefundType::Offline, "Customer refund")
//!     .original_upi_request_id("YJP1234567890ABCDEFGHIJKLMNOPQRSTUV");
//! let request = upi.build_refund(&refund)?;
//! assert_eq!(request.url, "https://api.beta.yesbank.upi.juspay.in/api/n2/merchants/transactions/refund360");
//! assert_eq!(request.header("x-timestamp"), Some("1735689600000"));
//! # Ok::<(), refundkit::Error>(())
//! ```

#[cfg(feature = "client")]
mod client;
mod crypto;
mod interpret;

#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub use client::Upi360Refunds;
pub use crypto::{
    hmac_sha256, jws_flattened, signature_input, sorted_key_json, RsaPrivateKey, RsaPublicKey, SignatureEncoding,
};
pub use interpret::{gateway_code_status, verify_callback_signature, verify_response_signature};

use crate::clock::{signing_time, Clock, SystemClock};
use crate::error::{check_header_value, check_text, config, invalid, Error, Problem};
use crate::http::{Header, HttpMethod, HttpRequest};
use crate::money::Money;
use crate::outcome::Provider;
use crate::secret::Secret;
use crate::sign::{sign_locally, SignatureAlgorithm, SignatureRequest, UnsignedRequest};
use serde::Serialize;

/// Path of Refund 360 below `{host}/api/{uri}/`.
pub const REFUND360_PATH: &str = "merchants/transactions/refund360";
/// Path of Refund Status below `{host}/api/{uri}/`.
pub const REFUND_STATUS_PATH: &str = "merchants/transactions/refund/status";

/// How mode-A requests are signed (the "configured signature strategy").
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PlainStrategy {
    /// RSA-PSS-SHA256 (MGF1-SHA-256, salt 32) with the merchant's RSA private key, lowercase hex (YES_BIZ spec:
    /// "signed using RSA-SHA256-PSS", "Base16 (hex) encoded"). The documented strategy.
    RsaPssSha256 {
        /// The merchant's private key, PEM (PKCS#8 or PKCS#1).
        private_key_pem: Secret,
    },
    /// HMAC-SHA256 keyed with a shared API key, over the same input. **Unconfirmed**: no Juspay document specifies
    /// it (only a third-party fixture shows hex output). Use only if the PSP confirms it, with the encoding it names.
    HmacSha256 {
        /// The shared API key; its UTF-8 bytes are the HMAC key.
        api_key: Secret,
        /// How the MAC is written in `x-merchant-signature`. Hex unless the PSP says otherwise.
        encoding: SignatureEncoding,
    },
}

/// The transport mode the PSP assigned to the merchant (spec §5).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SigningMode {
    /// Mode A: plain JSON body plus an `x-merchant-signature` header.
    Plain(PlainStrategy),
    /// Mode B: the body is a flattened JWS JSON object (RS256) whose payload is the business JSON with `iat`.
    Jws {
        /// The key id Juspay assigned to the merchant's key, sent in the protected header.
        kid: String,
        /// The merchant's private key, PEM (PKCS#8 or PKCS#1).
        private_key_pem: Secret,
    },
    // Mode C (JWE around the mode-B JWS, RSA-OAEP-256 + A256GCM) will be a new variant carrying the PSP's
    // encryption key as well.
}

/// Which bytes the PSP's RSA-PSS signatures (`x-response-signature`, `x-merchant-payload-signature`) cover. Sources
/// disagree (spec §5.4, conflict 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CanonicalForm {
    /// Try the sorted-key compact JSON of the body (KOTAK_BIZ), then the raw body bytes (YES_BIZ); accept either.
    /// The default, as the spec recommends until the PSP confirms one.
    #[default]
    SortedKeysOrRaw,
    /// Only the sorted-key compact JSON of the body.
    SortedKeys,
    /// Only the raw body bytes.
    RawBody,
}

/// How responses and callbacks are authenticated.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ResponseVerification {
    /// Verify with the PSP's RSA public key (mode A: `x-response-signature`; mode B: the response JWS).
    Verify {
        /// The PSP's public key, PEM (SubjectPublicKeyInfo or PKCS#1).
        psp_public_key_pem: String,
        /// Which bytes mode-A signatures cover.
        canonical_form: CanonicalForm,
    },
    /// **Do not verify.** Every answer is then read as if it were signed. Only for a simulator without keys; never
    /// in production, where a forged "FAILURE" could lead to a second refund.
    DangerouslySkip,
}

impl ResponseVerification {
    /// Verify with this PSP public key (PEM) and the default [`CanonicalForm`].
    pub fn verify(psp_public_key_pem: impl Into<String>) -> Self {
        ResponseVerification::Verify {
            psp_public_key_pem: psp_public_key_pem.into(),
            canonical_form: CanonicalForm::default(),
        }
    }
}

/// What `jpupi-routing-id` carries (spec §3, conflict 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RoutingIdRule {
    /// `originalMerchantRequestId` when sent, else `originalUpiRequestId` (Juspay TPAP docs: "the same as of
    /// originalMerchantRequestId sent in request body"). The default.
    #[default]
    OriginalRequestId,
    /// `refundRequestId` (what Juspay's connector code sends).
    RefundRequestId,
    /// Do not send the header.
    Omit,
}

/// Which characters `refundRequestId` may use (spec conflict 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RefundIdCharset {
    /// `^[A-Za-z0-9]{1,35}$`: satisfies both the docs page and the guide. The default.
    #[default]
    Alphanumeric,
    /// `^[A-Za-z0-9._-]{1,35}$` (the guide), for PSPs that confirm it.
    AlphanumericDotUnderscoreHyphen,
}

/// Which `remarks` are accepted (spec conflict 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RemarksRule {
    /// `^[A-Za-z0-9 ]{1,50}$`: the strictest reading (docs page: alphanumeric, 1 to 50). The default.
    #[default]
    Strict,
    /// 1 to 255 letters, digits, spaces and hyphens (the guide).
    Extended,
}

/// Everything a Refund 360 client needs. `Debug` redacts keys.
#[derive(Debug, Clone)]
pub struct Upi360Config {
    /// Scheme and host (optionally a port or path prefix) before `/api/`, e.g. `https://api.beta.yesbank.upi.juspay.in`.
    pub host: String,
    /// The deployment segment after `/api/`: `n2` in most docs, `b2` for Axis. Given at onboarding.
    pub uri: String,
    /// `x-merchant-id` (the parent merchant).
    pub merchant_id: String,
    /// `x-merchant-channel-id`.
    pub merchant_channel_id: String,
    /// `x-sub-merchant-id`: set it (with the channel) to call in sub-merchant mode.
    pub sub_merchant_id: Option<String>,
    /// `x-sub-merchant-channel-id`.
    pub sub_merchant_channel_id: Option<String>,
    /// `x-api-version` for Refund 360: `Some("3")` by default (the current payload); `None` omits the header.
    pub api_version: Option<String>,
    /// `x-api-version` for Refund Status: `Some("2")` by default (spec §10: the richer payload there).
    pub status_api_version: Option<String>,
    /// What `jpupi-routing-id` carries.
    pub routing_id: RoutingIdRule,
    /// How requests are signed.
    pub signing: SigningMode,
    /// How responses and callbacks are verified.
    pub response_verification: ResponseVerification,
    /// Accepted `refundRequestId` characters.
    pub refund_id_charset: RefundIdCharset,
    /// Accepted `remarks`.
    pub remarks_rule: RemarksRule,
    /// The `adjCode`s a [`RefundType::Udir`] refund may carry. Default [`DEFAULT_UDIR_ADJ_CODES`] (the merchant-stack
    /// Refund 360 page); Juspay's guide shows `102`, so a PSP may confirm others.
    pub udir_adj_codes: Vec<String>,
}

/// The UDIR `adjCode`s of Juspay's merchant-stack Refund 360 page.
pub const DEFAULT_UDIR_ADJ_CODES: &[&str] = &["1064", "1084", "1063", "1061"];

impl Upi360Config {
    /// A configuration with every option at its default (API version 3, routing id from the original request id,
    /// strict ids and remarks, no sub-merchant).
    pub fn new(
        host: impl Into<String>,
        uri: impl Into<String>,
        merchant_id: impl Into<String>,
        merchant_channel_id: impl Into<String>,
        signing: SigningMode,
        response_verification: ResponseVerification,
    ) -> Self {
        Upi360Config {
            host: host.into(),
            uri: uri.into(),
            merchant_id: merchant_id.into(),
            merchant_channel_id: merchant_channel_id.into(),
            sub_merchant_id: None,
            sub_merchant_channel_id: None,
            api_version: Some("3".into()),
            status_api_version: Some("2".into()),
            routing_id: RoutingIdRule::default(),
            signing,
            response_verification,
            refund_id_charset: RefundIdCharset::default(),
            remarks_rule: RemarksRule::default(),
            udir_adj_codes: DEFAULT_UDIR_ADJ_CODES.iter().map(|c| c.to_string()).collect(),
        }
    }

    /// Calls in sub-merchant mode with these ids.
    pub fn sub_merchant(
        mut self,
        sub_merchant_id: impl Into<String>,
        sub_merchant_channel_id: impl Into<String>,
    ) -> Self {
        self.sub_merchant_id = Some(sub_merchant_id.into());
        self.sub_merchant_channel_id = Some(sub_merchant_channel_id.into());
        self
    }
}

/// Parsed signing keys.
#[derive(Debug)]
enum Signer {
    /// `None`: no key in process; signing is delegated (`prepare_*`).
    Pss(Option<RsaPrivateKey>),
    Hmac(Secret, SignatureEncoding),
    Jws {
        kid: String,
        key: Option<RsaPrivateKey>,
    },
}

/// An empty PEM means signing is delegated; anything else must parse.
fn optional_private_key(pem: &Secret) -> Result<Option<RsaPrivateKey>, Error> {
    if pem.is_empty() {
        return Ok(None);
    }
    crypto::private_key("private_key_pem", pem).map(Some)
}

/// `ONLINE`, `OFFLINE` or `UDIR`. The sub-merchant page lists only the first two; `UDIR` (the complaint-based refund)
/// is accepted by the merchant-level API and Juspay's guides, so refundkit allows it outside sub-merchant mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundType {
    /// Instant credit over UPI; needs `merchantRefundVpa`.
    Online,
    /// NPCI's batch offline process (about 2 to 3 working days; terminal status by a 10 pm callback).
    Offline,
    /// UDIR, the complaint-based refund (merchant level only): sent with `adjFlag` `REF` and an `adjCode` from
    /// [`Upi360Config::udir_adj_codes`] ([`RefundRequest::adj_code`]). Its deemed state is `JPREFD`; Juspay reports
    /// that as `SUCCESS` when the merchant's `markUdirDeemedAsSuccess` is on, which refundkit never takes as final.
    Udir,
}

impl RefundType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            RefundType::Online => "ONLINE",
            RefundType::Offline => "OFFLINE",
            RefundType::Udir => "UDIR",
        }
    }

    /// Parses the wire value (`ONLINE` | `OFFLINE` | `UDIR`, exact case); anything else is an error naming
    /// `refundType`.
    pub fn from_wire(value: &str) -> Result<Self, Error> {
        match value {
            "ONLINE" => Ok(RefundType::Online),
            "OFFLINE" => Ok(RefundType::Offline),
            "UDIR" => Ok(RefundType::Udir),
            "" => Err(invalid("refundType", Problem::Missing)),
            _ => Err(invalid("refundType", Problem::Format { expected: "ONLINE, OFFLINE or UDIR" })),
        }
    }
}

/// A Refund 360 request: the business fields of spec §4. At least one original id is required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// UPI request id of the original transaction (1 to 35 letters/digits), exactly as the original API returned it.
    pub original_upi_request_id: Option<String>,
    /// Your order id of the original transaction (1 to 35 of `[A-Za-z0-9._-]`). Wins over the UPI id if both are sent.
    pub original_merchant_request_id: Option<String>,
    /// `YYYY-MM-DDTHH:MM:SS+05:30`, as the original transaction API returned it. Optional.
    pub original_transaction_timestamp: Option<String>,
    /// Your unique refund id: the idempotency key. Never reuse it for another original, amount or type.
    pub refund_request_id: String,
    /// The amount to refund (> 0), sent as rupees with exactly two decimals.
    pub amount: Money,
    /// `ONLINE` or `OFFLINE`.
    pub refund_type: RefundType,
    /// `vpa@handle`; mandatory for ONLINE. For sub-merchants: the **parent** merchant's refund VPA.
    pub merchant_refund_vpa: Option<String>,
    /// Reason for the refund.
    pub remarks: String,
    /// A stringified JSON object (`{"udf1":"value1"}`), sent verbatim as a string.
    pub udf_parameters: Option<String>,
    /// `adjCode` of a [`RefundType::Udir`] refund (required there, refused for the other types); one of
    /// [`Upi360Config::udir_adj_codes`]. `adjFlag` `REF` is added with it.
    pub adj_code: Option<String>,
}

impl RefundRequest {
    /// A refund with the mandatory fields; add an original id (and the VPA for ONLINE) with the setters.
    pub fn new(
        refund_request_id: impl Into<String>,
        amount: Money,
        refund_type: RefundType,
        remarks: impl Into<String>,
    ) -> Self {
        RefundRequest {
            original_upi_request_id: None,
            original_merchant_request_id: None,
            original_transaction_timestamp: None,
            refund_request_id: refund_request_id.into(),
            amount,
            refund_type,
            merchant_refund_vpa: None,
            remarks: remarks.into(),
            udf_parameters: None,
            adj_code: None,
        }
    }

    /// Sets the `adjCode` of a [`RefundType::Udir`] refund.
    pub fn adj_code(mut self, code: impl Into<String>) -> Self {
        self.adj_code = Some(code.into());
        self
    }

    /// Sets `originalUpiRequestId`.
    pub fn original_upi_request_id(mut self, id: impl Into<String>) -> Self {
        self.original_upi_request_id = Some(id.into());
        self
    }

    /// Sets `originalMerchantRequestId`.
    pub fn original_merchant_request_id(mut self, id: impl Into<String>) -> Self {
        self.original_merchant_request_id = Some(id.into());
        self
    }

    /// Sets `originalTransactionTimestamp`.
    pub fn original_transaction_timestamp(mut self, ts: impl Into<String>) -> Self {
        self.original_transaction_timestamp = Some(ts.into());
        self
    }

    /// Sets `merchantRefundVpa`.
    pub fn merchant_refund_vpa(mut self, vpa: impl Into<String>) -> Self {
        self.merchant_refund_vpa = Some(vpa.into());
        self
    }

    /// Sets `udfParameters` (a stringified JSON object).
    pub fn udf_parameters(mut self, json_object_text: impl Into<String>) -> Self {
        self.udf_parameters = Some(json_object_text.into());
        self
    }
}

/// A Refund Status request: your refund id plus one original id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRequest {
    /// The `refundRequestId` of the refund (sent as `merchantRequestId`).
    pub refund_request_id: String,
    /// The original's order id (sent as `merchantTransactionId`); preferred when both are set.
    pub original_merchant_request_id: Option<String>,
    /// The original's UPI request id (sent as `originalUpiRequestId` when no order id is set).
    pub original_upi_request_id: Option<String>,
}

impl StatusRequest {
    /// The status query matching a refund request.
    pub fn for_refund(refund: &RefundRequest) -> Self {
        StatusRequest {
            refund_request_id: refund.refund_request_id.clone(),
            original_merchant_request_id: refund.original_merchant_request_id.clone(),
            original_upi_request_id: refund.original_upi_request_id.clone(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RefundBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    original_upi_request_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_merchant_request_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_transaction_timestamp: Option<&'a str>,
    refund_request_id: &'a str,
    refund_amount: String,
    refund_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_refund_vpa: Option<&'a str>,
    remarks: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    udf_parameters: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    adj_flag: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    adj_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iat: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusBody<'a> {
    merchant_request_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_transaction_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_upi_request_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iat: Option<String>,
}

/// Builds signed Refund 360 / Refund Status requests and interprets their answers. Holds the validated
/// configuration, the parsed keys and the clock that timestamps requests.
#[derive(Debug)]
pub struct Upi360<C: Clock = SystemClock> {
    config: Upi360Config,
    prefix: String,
    signer: Signer,
    psp_key: Option<RsaPublicKey>,
    clock: C,
}

impl Upi360<SystemClock> {
    /// A client on the system clock. Fails with [`Error::Configuration`] naming the bad field.
    pub fn new(config: Upi360Config) -> Result<Self, Error> {
        Upi360::with_clock(config, SystemClock)
    }
}

const ID_35: &str = "1 to 35 ASCII letters or digits";

fn validate_config(c: &Upi360Config) -> Result<(Signer, Option<RsaPublicKey>), Error> {
    crate::http::validate_base_url(&c.host).map_err(|_| {
        config("host", Problem::Format { expected: "an https:// URL (http:// only for loopback) without query" })
    })?;
    check_text(&c.uri, 16, |ch| ch.is_ascii_alphanumeric(), "1 to 16 ASCII letters or digits (e.g. n2, b2)")
        .map_err(|p| config("uri", p))?;
    check_header_value(&c.merchant_id).map_err(|p| config("merchant_id", p))?;
    check_header_value(&c.merchant_channel_id).map_err(|p| config("merchant_channel_id", p))?;
    match (&c.sub_merchant_id, &c.sub_merchant_channel_id) {
        (Some(id), Some(ch)) => {
            check_header_value(id).map_err(|p| config("sub_merchant_id", p))?;
            check_header_value(ch).map_err(|p| config("sub_merchant_channel_id", p))?;
        }
        (None, None) => {}
        (Some(_), None) => return Err(config("sub_merchant_channel_id", Problem::Missing)),
        (None, Some(_)) => return Err(config("sub_merchant_id", Problem::Missing)),
    }
    for (field, v) in [("api_version", &c.api_version), ("status_api_version", &c.status_api_version)] {
        if let Some(v) = v {
            check_text(v, 4, |ch| ch.is_ascii_digit(), "1 to 4 ASCII digits").map_err(|p| config(field, p))?;
        }
    }
    let signer = match &c.signing {
        SigningMode::Plain(PlainStrategy::RsaPssSha256 { private_key_pem }) => {
            Signer::Pss(optional_private_key(private_key_pem)?)
        }
        SigningMode::Plain(PlainStrategy::HmacSha256 { api_key, encoding }) => {
            // An empty key: signing is delegated (`prepare_*`); `build_*` reports `api_key` missing.
            Signer::Hmac(api_key.clone(), *encoding)
        }
        SigningMode::Jws { kid, private_key_pem } => {
            check_text(
                kid,
                128,
                |ch| ch.is_ascii_graphic() && ch != '"' && ch != '\\',
                "1 to 128 visible ASCII characters without quotes or backslashes",
            )
            .map_err(|p| config("kid", p))?;
            Signer::Jws { kid: kid.clone(), key: optional_private_key(private_key_pem)? }
        }
    };
    let psp_key = match &c.response_verification {
        ResponseVerification::Verify { psp_public_key_pem, .. } => {
            Some(RsaPublicKey::from_pem(psp_public_key_pem).map_err(|p| config("psp_public_key_pem", p))?)
        }
        ResponseVerification::DangerouslySkip => None,
    };
    Ok((signer, psp_key))
}

fn validate_upi_request_id(field: &'static str, v: &str) -> Result<(), Error> {
    check_text(v, 35, |c| c.is_ascii_alphanumeric(), ID_35).map_err(|p| invalid(field, p))
}

fn validate_merchant_request_id(field: &'static str, v: &str) -> Result<(), Error> {
    check_text(v, 35, |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'), "1 to 35 of [A-Za-z0-9._-]")
        .map_err(|p| invalid(field, p))
}

fn validate_originals(upi: Option<&str>, merchant: Option<&str>) -> Result<(), Error> {
    if upi.is_none() && merchant.is_none() {
        return Err(invalid("originalUpiRequestId", Problem::Missing));
    }
    if let Some(v) = upi {
        validate_upi_request_id("originalUpiRequestId", v)?;
    }
    if let Some(v) = merchant {
        validate_merchant_request_id("originalMerchantRequestId", v)?;
    }
    Ok(())
}

/// `YYYY-MM-DDTHH:MM:SS+05:30` with plausible field ranges.
fn validate_timestamp(v: &str) -> Result<(), Error> {
    let fail = || invalid("originalTransactionTimestamp", Problem::Format { expected: "YYYY-MM-DDTHH:MM:SS+05:30" });
    if v.is_empty() {
        return Err(invalid("originalTransactionTimestamp", Problem::Missing));
    }
    let b = v.as_bytes();
    if b.len() != 25 || !v.ends_with("+05:30") {
        return Err(fail());
    }
    let shape_ok = b.iter().enumerate().take(19).all(|(i, &c)| match i {
        4 | 7 => c == b'-',
        10 => c == b'T',
        13 | 16 => c == b':',
        _ => c.is_ascii_digit(),
    });
    if !shape_ok {
        return Err(fail());
    }
    let num = |r: std::ops::Range<usize>| v[r].parse::<u32>().unwrap_or(99);
    let ok = (1..=12).contains(&num(5..7))
        && (1..=31).contains(&num(8..10))
        && num(11..13) <= 23
        && num(14..16) <= 59
        && num(17..19) <= 59;
    if ok {
        Ok(())
    } else {
        Err(fail())
    }
}

/// `local@handle`, 3 to 255 characters: local part `[A-Za-z0-9._-]`, handle `[A-Za-z0-9.-]`, both non-empty.
fn validate_vpa(v: &str) -> Result<(), Error> {
    let expected = "a VPA `local@handle` of 3 to 255 characters ([A-Za-z0-9._-]@[A-Za-z0-9.-])";
    check_text(v, 255, |c| c.is_ascii_graphic(), expected).map_err(|p| invalid("merchantRefundVpa", p))?;
    let ok = match v.split_once('@') {
        Some((local, handle)) => {
            v.len() >= 3
                && !local.is_empty()
                && !handle.is_empty()
                && local.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                && handle.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(invalid("merchantRefundVpa", Problem::Format { expected }))
    }
}

/// Characters the provider's regex `` ^[^/#-()*!%~`]+$ `` forbids: `/`, the range `#`..`(` (`# $ % & ' (`), `)`,
/// `*`, `!`, `%`, `~` and the backtick (spec §9; the range reading is ours, to be confirmed in UAT).
fn udf_forbidden(c: char) -> bool {
    matches!(c, '/' | '#'..='(' | ')' | '*' | '!' | '~' | '`')
}

fn validate_udf(v: &str) -> Result<(), Error> {
    let field = "udfParameters";
    if v.is_empty() {
        return Err(invalid(field, Problem::Missing));
    }
    if v.chars().any(udf_forbidden) {
        return Err(invalid(field, Problem::Format { expected: "free of the characters / # $ % & ' ( ) * ! ~ `" }));
    }
    match serde_json::from_str::<serde_json::Value>(v) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        _ => Err(invalid(field, Problem::Format { expected: "a stringified JSON object, e.g. {\"udf1\":\"value1\"}" })),
    }
}

impl<C: Clock> Upi360<C> {
    /// A client whose requests are timestamped by `clock`. Parses the keys; fails with [`Error::Configuration`]
    /// naming the bad field.
    pub fn with_clock(config: Upi360Config, clock: C) -> Result<Self, Error> {
        let (signer, psp_key) = validate_config(&config)?;
        let prefix = format!("{}/api/{}/", config.host.trim_end_matches('/'), config.uri);
        Ok(Upi360 { config, prefix, signer, psp_key, clock })
    }

    /// The configuration.
    pub fn config(&self) -> &Upi360Config {
        &self.config
    }

    fn validate_refund(&self, r: &RefundRequest) -> Result<(), Error> {
        validate_originals(r.original_upi_request_id.as_deref(), r.original_merchant_request_id.as_deref())?;
        if let Some(ts) = &r.original_transaction_timestamp {
            validate_timestamp(ts)?;
        }
        self.validate_refund_id(&r.refund_request_id)?;
        if !r.amount.is_positive() {
            return Err(invalid("refundAmount", Problem::NotPositive));
        }
        match (&r.merchant_refund_vpa, r.refund_type) {
            (Some(vpa), _) => validate_vpa(vpa)?,
            (None, RefundType::Online) => return Err(invalid("merchantRefundVpa", Problem::Missing)),
            (None, RefundType::Offline | RefundType::Udir) => {}
        }
        match (r.refund_type, &r.adj_code) {
            (RefundType::Udir, _) if self.config.sub_merchant_id.is_some() => {
                return Err(invalid(
                    "refundType",
                    Problem::Format { expected: "ONLINE or OFFLINE: UDIR is a merchant-level refund" },
                ))
            }
            (RefundType::Udir, None) => return Err(invalid("adjCode", Problem::Missing)),
            (RefundType::Udir, Some(code)) => {
                if !self.config.udir_adj_codes.iter().any(|c| c == code) {
                    return Err(invalid(
                        "adjCode",
                        Problem::Format {
                            expected: "one of the configured UDIR adjCodes (Upi360Config::udir_adj_codes)",
                        },
                    ));
                }
            }
            (_, Some(_)) => {
                return Err(invalid("adjCode", Problem::Format { expected: "absent: only UDIR refunds carry adjCode" }))
            }
            (_, None) => {}
        }
        match self.config.remarks_rule {
            RemarksRule::Strict => check_text(
                &r.remarks,
                50,
                |c| c.is_ascii_alphanumeric() || c == ' ',
                "1 to 50 ASCII letters, digits or spaces",
            ),
            RemarksRule::Extended => check_text(
                &r.remarks,
                255,
                |c| c.is_ascii_alphanumeric() || c == ' ' || c == '-',
                "1 to 255 ASCII letters, digits, spaces or hyphens",
            ),
        }
        .map_err(|p| invalid("remarks", p))?;
        if let Some(udf) = &r.udf_parameters {
            validate_udf(udf)?;
        }
        Ok(())
    }

    fn validate_refund_id(&self, id: &str) -> Result<(), Error> {
        match self.config.refund_id_charset {
            RefundIdCharset::Alphanumeric => validate_upi_request_id("refundRequestId", id),
            RefundIdCharset::AlphanumericDotUnderscoreHyphen => validate_merchant_request_id("refundRequestId", id),
        }
    }

    /// Refund 360. **Creates a refund (moves money) when the PSP does not know `refundRequestId`**; otherwise
    /// returns that refund's latest status. Re-sending with the same id and identical fields is safe and never
    /// creates a second refund; a new id always means a new refund. For status checks prefer
    /// [`Upi360::build_refund_status`], which can never create one.
    ///
    /// Every field is validated before anything is signed; errors name the wire field.
    pub fn prepare_refund(&self, r: &RefundRequest) -> Result<UnsignedRequest, Error> {
        self.validate_refund(r)?;
        let routing = self.routing_id(
            r.original_merchant_request_id.as_deref(),
            r.original_upi_request_id.as_deref(),
            &r.refund_request_id,
        );
        let ts = signing_time(&self.clock)?.to_string();
        let body = RefundBody {
            original_upi_request_id: r.original_upi_request_id.as_deref(),
            original_merchant_request_id: r.original_merchant_request_id.as_deref(),
            original_transaction_timestamp: r.original_transaction_timestamp.as_deref(),
            refund_request_id: &r.refund_request_id,
            refund_amount: r.amount.to_rupees_string(),
            refund_type: r.refund_type.as_str(),
            merchant_refund_vpa: r.merchant_refund_vpa.as_deref(),
            remarks: &r.remarks,
            udf_parameters: r.udf_parameters.as_deref(),
            adj_flag: (r.refund_type == RefundType::Udir).then_some("REF"),
            adj_code: r.adj_code.as_deref(),
            iat: self.is_jws().then(|| ts.clone()),
        };
        self.request(REFUND360_PATH, &body, ts, self.config.api_version.as_deref(), routing)
    }

    /// Refund Status: the state of the refund `refundRequestId`. Read-only; never creates a refund. Interpret with
    /// [`Upi360::interpret_refund_status`]; `REQUEST_NOT_FOUND` there means no refund exists under that id.
    pub fn prepare_refund_status(&self, s: &StatusRequest) -> Result<UnsignedRequest, Error> {
        validate_originals(s.original_upi_request_id.as_deref(), s.original_merchant_request_id.as_deref())?;
        self.validate_refund_id(&s.refund_request_id)?;
        let routing = self.routing_id(
            s.original_merchant_request_id.as_deref(),
            s.original_upi_request_id.as_deref(),
            &s.refund_request_id,
        );
        let ts = signing_time(&self.clock)?.to_string();
        let merchant_transaction_id = s.original_merchant_request_id.as_deref();
        let body = StatusBody {
            merchant_request_id: &s.refund_request_id,
            merchant_transaction_id,
            original_upi_request_id: if merchant_transaction_id.is_some() {
                None
            } else {
                s.original_upi_request_id.as_deref()
            },
            iat: self.is_jws().then(|| ts.clone()),
        };
        self.request(REFUND_STATUS_PATH, &body, ts, self.config.status_api_version.as_deref(), routing)
    }

    fn is_jws(&self) -> bool {
        matches!(self.signer, Signer::Jws { .. })
    }

    fn routing_id<'a>(&self, merchant: Option<&'a str>, upi: Option<&'a str>, refund: &'a str) -> Option<&'a str> {
        match self.config.routing_id {
            RoutingIdRule::OriginalRequestId => merchant.or(upi),
            RoutingIdRule::RefundRequestId => Some(refund),
            RoutingIdRule::Omit => None,
        }
    }

    /// Serializes `business` once, signs exactly those bytes (or wraps them in a JWS) and assembles the request.
    fn request(
        &self,
        path: &str,
        business: &impl Serialize,
        ts: String,
        api_version: Option<&str>,
        routing: Option<&str>,
    ) -> Result<UnsignedRequest, Error> {
        let payload = serde_json::to_vec(business).map_err(|_| Error::Unsupported("JSON serialization failed"))?;
        let c = &self.config;
        let mut headers = vec![
            Header::new("Content-Type", "application/json"),
            Header::new("Accept", "application/json"),
            Header::new("x-merchant-id", &c.merchant_id),
            Header::new("x-merchant-channel-id", &c.merchant_channel_id),
        ];
        if let (Some(id), Some(ch)) = (&c.sub_merchant_id, &c.sub_merchant_channel_id) {
            headers.push(Header::new("x-sub-merchant-id", id));
            headers.push(Header::new("x-sub-merchant-channel-id", ch));
        }
        headers.push(Header::new("x-timestamp", &ts));
        if let Some(v) = api_version {
            headers.push(Header::new("x-api-version", v));
        }
        if let Some(r) = routing {
            headers.push(Header::new("jpupi-routing-id", r));
        }
        let url = format!("{}{path}", self.prefix);
        let signature =
            |algorithm, key_id, message| SignatureRequest { provider: Provider::Upi360, algorithm, key_id, message };
        match &self.signer {
            Signer::Pss(_) | Signer::Hmac(..) => {
                let input = signature_input(
                    &c.merchant_id,
                    &c.merchant_channel_id,
                    c.sub_merchant_id.as_deref(),
                    c.sub_merchant_channel_id.as_deref(),
                    &ts,
                    &payload,
                );
                headers.push(Header::new("x-merchant-signature", ""));
                let request = HttpRequest { method: HttpMethod::Post, url, headers, body: payload };
                let unsigned = match &self.signer {
                    Signer::Hmac(_, encoding) => {
                        let u = UnsignedRequest::in_header(
                            request,
                            signature(SignatureAlgorithm::HmacSha256, None, input),
                            "x-merchant-signature",
                        );
                        match encoding {
                            SignatureEncoding::Hex => u,
                            SignatureEncoding::Base64 => u.hmac_base64(),
                        }
                    }
                    _ => UnsignedRequest::in_header(
                        request,
                        signature(SignatureAlgorithm::RsaPssSha256, None, input),
                        "x-merchant-signature",
                    ),
                };
                Ok(unsigned)
            }
            Signer::Jws { kid, .. } => {
                let (body, slot, input) = crypto::jws_unsigned(kid, &payload);
                let request = HttpRequest { method: HttpMethod::Post, url, headers, body: body.into_bytes() };
                Ok(UnsignedRequest::in_body(
                    request,
                    signature(SignatureAlgorithm::RsaPkcs1Sha256, Some(kid.clone()), input),
                    slot,
                ))
            }
        }
    }

    /// Signs `unsigned` with the key from the configuration.
    pub fn sign(&self, unsigned: UnsignedRequest) -> Result<HttpRequest, Error> {
        let message = &unsigned.signature_request().message;
        let signature = match &self.signer {
            Signer::Pss(Some(key)) => key.sign_pss_sha256(message)?,
            Signer::Jws { key: Some(key), .. } => key.sign_pkcs1_sha256(message)?,
            Signer::Pss(None) | Signer::Jws { key: None, .. } => {
                return Err(config("private_key_pem", Problem::Missing));
            }
            Signer::Hmac(key, _) => sign_locally(unsigned.signature_request(), key, None)?,
        };
        unsigned.complete(&signature)
    }

    /// Refund 360 signed with the configured key (see [`Upi360::prepare_refund`]). **May create a refund.**
    pub fn build_refund(&self, r: &RefundRequest) -> Result<HttpRequest, Error> {
        self.sign(self.prepare_refund(r)?)
    }

    /// Refund Status signed with the configured key (see [`Upi360::prepare_refund_status`]).
    pub fn build_refund_status(&self, s: &StatusRequest) -> Result<HttpRequest, Error> {
        self.sign(self.prepare_refund_status(s)?)
    }
}

#[cfg(test)]
mod tests;
