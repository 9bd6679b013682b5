//! UPI Refund 360 exports (Juspay UPI Merchant Stack through a bank PSP, sub-merchant): header signatures, JWS,
//! signature verification, and the `Upi360Client` that builds Refund 360 / Refund Status requests and interprets
//! their answers and the PSP's refund callbacks.
//!
//! Nothing but conversion: every rule lives in `refundkit::upi360`. Secrets (the merchant's RSA private key, the
//! HMAC API key) are function or constructor **arguments**, never fields of records; `Upi360Options` and the request
//! records hold nothing secret. Public keys are not secret but are arguments too, so that verification cannot be
//! switched off by a missing record field: the only way without a PSP key is `Upi360Client.dangerously_unverified`.

use std::sync::Arc;

use refundkit::upi360 as core_upi;
use refundkit::{Money, Secret};

use crate::{Clock, ClockAdapter, Header, HttpRequest, HttpResponse, Outcome, RefundkitError};

// ---------------------------------------------------------------------------------------------------------------
// Types

/// `refundType`: `ONLINE` (instant credit over UPI; needs `merchant_refund_vpa`), `OFFLINE` (NPCI's batch process,
/// about 2 to 3 working days) or `UDIR` (complaint-based, merchant level only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Upi360RefundType {
    /// `ONLINE`.
    Online,
    /// `OFFLINE`.
    Offline,
    /// `UDIR` (complaint-based refund, merchant level only; needs `adj_code`).
    Udir,
}

/// How a signature is written: lowercase hex (the default) or standard padded base64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Upi360SignatureEncoding {
    /// Lowercase hexadecimal (Base16).
    Hex,
    /// Standard base64 with padding.
    Base64,
}

/// Which bytes the PSP's RSA-PSS signatures (`x-response-signature`, `x-merchant-payload-signature`) cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Upi360CanonicalForm {
    /// The sorted-key compact JSON of the body, else the raw body: either is accepted (the default).
    SortedKeysOrRaw,
    /// Only the sorted-key compact JSON of the body (KOTAK_BIZ).
    SortedKeys,
    /// Only the raw body bytes (YES_BIZ).
    RawBody,
}

/// What the `jpupi-routing-id` header carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Upi360RoutingId {
    /// `originalMerchantRequestId` when sent, else `originalUpiRequestId` (the default).
    OriginalRequestId,
    /// `refundRequestId`.
    RefundRequestId,
    /// No header.
    Omit,
}

/// Which characters `refundRequestId` may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Upi360RefundIdCharset {
    /// 1 to 35 ASCII letters or digits (the default).
    Alphanumeric,
    /// 1 to 35 of `[A-Za-z0-9._-]`, for PSPs that confirm it.
    AlphanumericDotUnderscoreHyphen,
}

/// Which `remarks` are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Upi360RemarksRule {
    /// 1 to 50 ASCII letters, digits or spaces (the default).
    Strict,
    /// 1 to 255 ASCII letters, digits, spaces or hyphens.
    Extended,
}

/// The signing mode the PSP assigned at onboarding. Carries no secret: the key is the `signing_key` argument of
/// `Upi360Client`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Upi360Signing {
    /// Mode A: plain JSON + `x-merchant-signature`, RSA-PSS-SHA256 in hex. `signing_key` is the merchant's RSA
    /// private key, PEM (PKCS#8 or PKCS#1).
    Pss,
    /// Mode B: the body is a flattened JWS (RS256) with `kid` in the protected header and `iat` (the request's
    /// timestamp) in the payload. `signing_key` is the merchant's RSA private key, PEM.
    Jws {
        /// The key id Juspay assigned to the merchant's key.
        kid: String,
    },
    /// Mode A with HMAC-SHA256 (**unconfirmed** by Juspay: use only if the PSP confirms it, with its encoding).
    /// `signing_key` is the shared API key.
    Hmac {
        /// How the MAC is written in `x-merchant-signature`.
        encoding: Upi360SignatureEncoding,
    },
}

/// Refund 360 settings other than keys (which are passed to `Upi360Client` separately, so records never hold
/// secrets).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Upi360Options {
    /// Scheme and host before `/api/`, e.g. `https://api.beta.yesbank.upi.juspay.in`.
    pub host: String,
    /// The deployment segment after `/api/` (`n2`; `b2` for Axis).
    pub uri: String,
    /// `x-merchant-id` (the parent merchant).
    pub merchant_id: String,
    /// `x-merchant-channel-id`.
    pub merchant_channel_id: String,
    /// The signing mode (the key itself is a constructor argument).
    pub signing: Upi360Signing,
    /// `x-sub-merchant-id`: set it together with `sub_merchant_channel_id` to call as a sub-merchant.
    #[uniffi(default = None)]
    pub sub_merchant_id: Option<String>,
    /// `x-sub-merchant-channel-id`.
    #[uniffi(default = None)]
    pub sub_merchant_channel_id: Option<String>,
    /// `x-api-version` of Refund 360 (`None` omits the header).
    #[uniffi(default = Some("3"))]
    pub api_version: Option<String>,
    /// `x-api-version` of Refund Status (`None` omits the header).
    #[uniffi(default = Some("2"))]
    pub status_api_version: Option<String>,
    /// What `jpupi-routing-id` carries (`None`: the original request id).
    #[uniffi(default = None)]
    pub routing_id: Option<Upi360RoutingId>,
    /// Which bytes PSP signatures cover (`None`: sorted-key JSON or raw body).
    #[uniffi(default = None)]
    pub canonical_form: Option<Upi360CanonicalForm>,
    /// Accepted `refundRequestId` characters (`None`: letters and digits).
    #[uniffi(default = None)]
    pub refund_id_charset: Option<Upi360RefundIdCharset>,
    /// Accepted `remarks` (`None`: strict).
    #[uniffi(default = None)]
    pub remarks_rule: Option<Upi360RemarksRule>,
}

/// A Refund 360 request. `refund_request_id` is **your idempotency key**: an id the PSP does not know creates a
/// refund; the same id with identical fields never creates a second one.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Upi360RefundRequest {
    /// Your unique refund id (1 to 35 letters/digits by default). Never reuse it for another original or amount.
    pub refund_request_id: String,
    /// The amount to refund, in paise (> 0); sent as rupees with two decimals.
    pub amount_paise: i64,
    /// `ONLINE` or `OFFLINE`.
    pub refund_type: Upi360RefundType,
    /// Reason for the refund.
    pub remarks: String,
    /// The original transaction's UPI request id. At least one original id is required.
    #[uniffi(default = None)]
    pub original_upi_request_id: Option<String>,
    /// Your order id of the original transaction; wins over the UPI id when both are sent.
    #[uniffi(default = None)]
    pub original_merchant_request_id: Option<String>,
    /// `YYYY-MM-DDTHH:MM:SS+05:30`, as the original transaction API returned it.
    #[uniffi(default = None)]
    pub original_transaction_timestamp: Option<String>,
    /// `vpa@handle`, mandatory for ONLINE (for sub-merchants: the **parent** merchant's refund VPA).
    #[uniffi(default = None)]
    pub merchant_refund_vpa: Option<String>,
    /// A stringified JSON object, e.g. `{"udf1":"value1"}`, sent verbatim as a string (so its bytes, and the
    /// signature over them, are exactly what you pass).
    #[uniffi(default = None)]
    pub udf_parameters: Option<String>,
    /// `adjCode` of a `UDIR` refund (required there, refused otherwise); `adjFlag` `REF` is sent with it.
    #[uniffi(default = None)]
    pub adj_code: Option<String>,
}

/// A Refund Status query: your refund id plus one original id.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Upi360StatusRequest {
    /// The `refundRequestId` of the refund.
    pub refund_request_id: String,
    /// The original's order id (preferred when both are set).
    #[uniffi(default = None)]
    pub original_merchant_request_id: Option<String>,
    /// The original's UPI request id.
    #[uniffi(default = None)]
    pub original_upi_request_id: Option<String>,
}

// ---------------------------------------------------------------------------------------------------------------
// Conversions

impl From<Upi360RefundType> for core_upi::RefundType {
    fn from(t: Upi360RefundType) -> Self {
        match t {
            Upi360RefundType::Online => core_upi::RefundType::Online,
            Upi360RefundType::Offline => core_upi::RefundType::Offline,
            Upi360RefundType::Udir => core_upi::RefundType::Udir,
        }
    }
}

impl From<Upi360SignatureEncoding> for core_upi::SignatureEncoding {
    fn from(e: Upi360SignatureEncoding) -> Self {
        match e {
            Upi360SignatureEncoding::Hex => core_upi::SignatureEncoding::Hex,
            Upi360SignatureEncoding::Base64 => core_upi::SignatureEncoding::Base64,
        }
    }
}

pub(crate) fn canonical(form: Option<Upi360CanonicalForm>) -> core_upi::CanonicalForm {
    match form {
        None => core_upi::CanonicalForm::default(),
        Some(Upi360CanonicalForm::SortedKeysOrRaw) => core_upi::CanonicalForm::SortedKeysOrRaw,
        Some(Upi360CanonicalForm::SortedKeys) => core_upi::CanonicalForm::SortedKeys,
        Some(Upi360CanonicalForm::RawBody) => core_upi::CanonicalForm::RawBody,
    }
}

impl From<Upi360RefundRequest> for core_upi::RefundRequest {
    fn from(r: Upi360RefundRequest) -> Self {
        core_upi::RefundRequest {
            original_upi_request_id: r.original_upi_request_id,
            original_merchant_request_id: r.original_merchant_request_id,
            original_transaction_timestamp: r.original_transaction_timestamp,
            refund_request_id: r.refund_request_id,
            amount: Money::from_paise(r.amount_paise),
            refund_type: r.refund_type.into(),
            merchant_refund_vpa: r.merchant_refund_vpa,
            remarks: r.remarks,
            udf_parameters: r.udf_parameters,
            adj_code: r.adj_code,
        }
    }
}

impl From<Upi360StatusRequest> for core_upi::StatusRequest {
    fn from(s: Upi360StatusRequest) -> Self {
        core_upi::StatusRequest {
            refund_request_id: s.refund_request_id,
            original_merchant_request_id: s.original_merchant_request_id,
            original_upi_request_id: s.original_upi_request_id,
        }
    }
}

impl Upi360Options {
    pub(crate) fn into_config(
        self,
        signing_key: String,
        verification: core_upi::ResponseVerification,
    ) -> core_upi::Upi360Config {
        let key = Secret::new(signing_key);
        let signing = match self.signing {
            Upi360Signing::Pss => {
                core_upi::SigningMode::Plain(core_upi::PlainStrategy::RsaPssSha256 { private_key_pem: key })
            }
            Upi360Signing::Jws { kid } => core_upi::SigningMode::Jws { kid, private_key_pem: key },
            Upi360Signing::Hmac { encoding } => core_upi::SigningMode::Plain(core_upi::PlainStrategy::HmacSha256 {
                api_key: key,
                encoding: encoding.into(),
            }),
        };
        let mut c = core_upi::Upi360Config::new(
            self.host,
            self.uri,
            self.merchant_id,
            self.merchant_channel_id,
            signing,
            verification,
        );
        c.sub_merchant_id = self.sub_merchant_id;
        c.sub_merchant_channel_id = self.sub_merchant_channel_id;
        c.api_version = self.api_version;
        c.status_api_version = self.status_api_version;
        c.routing_id = match self.routing_id {
            None => core_upi::RoutingIdRule::default(),
            Some(Upi360RoutingId::OriginalRequestId) => core_upi::RoutingIdRule::OriginalRequestId,
            Some(Upi360RoutingId::RefundRequestId) => core_upi::RoutingIdRule::RefundRequestId,
            Some(Upi360RoutingId::Omit) => core_upi::RoutingIdRule::Omit,
        };
        c.refund_id_charset = match self.refund_id_charset {
            None => core_upi::RefundIdCharset::default(),
            Some(Upi360RefundIdCharset::Alphanumeric) => core_upi::RefundIdCharset::Alphanumeric,
            Some(Upi360RefundIdCharset::AlphanumericDotUnderscoreHyphen) => {
                core_upi::RefundIdCharset::AlphanumericDotUnderscoreHyphen
            }
        };
        c.remarks_rule = match self.remarks_rule {
            None => core_upi::RemarksRule::default(),
            Some(Upi360RemarksRule::Strict) => core_upi::RemarksRule::Strict,
            Some(Upi360RemarksRule::Extended) => core_upi::RemarksRule::Extended,
        };
        c
    }
}

fn private_key(field: &'static str, pem: String) -> Result<core_upi::RsaPrivateKey, RefundkitError> {
    core_upi::RsaPrivateKey::from_pem(&Secret::new(pem))
        .map_err(|problem| refundkit::Error::Configuration { field, problem }.into())
}

fn public_key(field: &'static str, pem: &str) -> Result<core_upi::RsaPublicKey, RefundkitError> {
    core_upi::RsaPublicKey::from_pem(pem).map_err(|problem| refundkit::Error::Configuration { field, problem }.into())
}

fn core_headers(headers: Vec<Header>) -> Vec<refundkit::Header> {
    headers.into_iter().map(Into::into).collect()
}

// ---------------------------------------------------------------------------------------------------------------
// Signing and verification functions

/// The mode-A signing input: `merchant_id + merchant_channel_id + sub_merchant_id + sub_merchant_channel_id +
/// timestamp_ms (decimal) + body`, concatenated without separators; absent sub-merchant ids count as empty.
// No defaults for the sub-merchant ids: a default before a required parameter is a Python syntax error.
#[uniffi::export]
pub fn upi_signature_input(
    merchant_id: String,
    merchant_channel_id: String,
    sub_merchant_id: Option<String>,
    sub_merchant_channel_id: Option<String>,
    timestamp_ms: i64,
    body: Vec<u8>,
) -> Result<Vec<u8>, RefundkitError> {
    Ok(core_upi::signature_input(
        &merchant_id,
        &merchant_channel_id,
        sub_merchant_id.as_deref(),
        sub_merchant_channel_id.as_deref(),
        &crate::timestamp_arg(timestamp_ms)?.to_string(),
        &body,
    ))
}

/// The mode-A `x-merchant-signature` header value: RSA-PSS-SHA256 (MGF1-SHA-256, salt 32) with the merchant's
/// private key over `upi_signature_input(...)`, lowercase hex. Randomized: two calls never agree, both verify.
/// `body` must be the exact bytes sent. A malformed key raises `Configuration` on field `private_key_pem`.
#[allow(clippy::too_many_arguments)]
#[uniffi::export]
pub fn upi_header_signature(
    merchant_id: String,
    merchant_channel_id: String,
    sub_merchant_id: Option<String>,
    sub_merchant_channel_id: Option<String>,
    timestamp_ms: i64,
    body: Vec<u8>,
    private_key_pem: String,
) -> Result<String, RefundkitError> {
    let key = private_key("private_key_pem", private_key_pem)?;
    let input = upi_signature_input(
        merchant_id,
        merchant_channel_id,
        sub_merchant_id,
        sub_merchant_channel_id,
        timestamp_ms,
        body,
    )?;
    Ok(core_upi::SignatureEncoding::Hex.encode(&key.sign_pss_sha256(&input)?))
}

/// HMAC-SHA256 of `message` keyed with the UTF-8 bytes of `api_key` (hex unless `encoding` says otherwise). For the
/// HMAC strategy, `message` is `upi_signature_input(...)`. **Unconfirmed** by Juspay. An empty key raises
/// `Configuration` on field `api_key`.
#[uniffi::export(default(encoding = None))]
pub fn upi_hmac_sha256(
    message: Vec<u8>,
    api_key: String,
    encoding: Option<Upi360SignatureEncoding>,
) -> Result<String, RefundkitError> {
    let key = Secret::new(api_key);
    if key.is_empty() {
        return Err(refundkit::Error::Configuration { field: "api_key", problem: refundkit::Problem::Missing }.into());
    }
    let encoding = encoding.map_or_else(core_upi::SignatureEncoding::default, Into::into);
    Ok(core_upi::hmac_sha256(&key, &message, encoding))
}

/// A mode-B body: the flattened JWS JSON object `{"protected","payload","signature"}` over `payload` exactly as
/// given, RS256, protected header `{"alg":"RS256","kid":kid}`. Deterministic. `payload` is taken as-is: unlike
/// `Upi360Client` (which adds `iat`, the request timestamp), this function adds nothing, so include `"iat"` yourself.
/// A malformed key raises `Configuration` on field `private_key_pem`.
#[uniffi::export]
pub fn upi_jws(payload: String, private_key_pem: String, kid: String) -> Result<String, RefundkitError> {
    let key = private_key("private_key_pem", private_key_pem)?;
    Ok(core_upi::jws_flattened(&key, &kid, payload.as_bytes())?)
}

/// Whether `signature_hex` (hex of either case) is an RSA-PSS-SHA256 signature (MGF1-SHA-256, salt 32) of exactly
/// `message` by `public_key_pem` (SubjectPublicKeyInfo or PKCS#1). E.g. check an `x-merchant-signature` against
/// `upi_signature_input(...)` and the merchant's public key. A malformed key raises `Configuration` on field
/// `public_key_pem`; a malformed signature is just `false`.
#[uniffi::export]
pub fn upi_verify_pss_signature(
    message: Vec<u8>,
    signature_hex: String,
    public_key_pem: String,
) -> Result<bool, RefundkitError> {
    let key = public_key("public_key_pem", &public_key_pem)?;
    Ok(core_upi::verify_response_signature(&key, &message, &signature_hex, core_upi::CanonicalForm::RawBody))
}

/// Whether a mode-A answer's `x-response-signature` (RSA-PSS-SHA256, hex) was made by the PSP over `body` in
/// `canonical_form` (`None`: sorted-key JSON or raw body). `Upi360Client.interpret_*` already check this; use it
/// only to verify answers yourself. A malformed key raises `Configuration` on field `psp_public_key_pem`.
#[uniffi::export(default(canonical_form = None))]
pub fn upi_verify_response_signature(
    body: Vec<u8>,
    signature: String,
    psp_public_key_pem: String,
    canonical_form: Option<Upi360CanonicalForm>,
) -> Result<bool, RefundkitError> {
    let key = public_key("psp_public_key_pem", &psp_public_key_pem)?;
    Ok(core_upi::verify_response_signature(&key, &body, &signature, canonical(canonical_form)))
}

/// Whether a refund callback's `x-merchant-payload-signature` (RSA-PSS-SHA256, hex or base64) was made by the PSP
/// over `body` in `canonical_form` (`None`: sorted-key JSON or raw body). A malformed key raises `Configuration` on
/// field `psp_public_key_pem`.
#[uniffi::export(default(canonical_form = None))]
pub fn upi_verify_callback_signature(
    body: Vec<u8>,
    signature: String,
    psp_public_key_pem: String,
    canonical_form: Option<Upi360CanonicalForm>,
) -> Result<bool, RefundkitError> {
    let key = public_key("psp_public_key_pem", &psp_public_key_pem)?;
    Ok(core_upi::verify_callback_signature(&key, &body, &signature, canonical(canonical_form)))
}

/// Parses a wire `refundType` (`ONLINE` | `OFFLINE` | `UDIR`, exact case); anything else raises `InvalidInput` on field
/// `refundType`.
#[uniffi::export]
pub fn upi_refund_type_from_wire(value: String) -> Result<Upi360RefundType, RefundkitError> {
    Ok(match core_upi::RefundType::from_wire(&value)? {
        core_upi::RefundType::Online => Upi360RefundType::Online,
        core_upi::RefundType::Offline => Upi360RefundType::Offline,
        core_upi::RefundType::Udir => Upi360RefundType::Udir,
    })
}

/// The Refund Status query for a Refund 360 request (same refund id and original ids).
#[uniffi::export]
pub fn upi360_status_request_for(refund: Upi360RefundRequest) -> Upi360StatusRequest {
    Upi360StatusRequest {
        refund_request_id: refund.refund_request_id,
        original_merchant_request_id: refund.original_merchant_request_id,
        original_upi_request_id: refund.original_upi_request_id,
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Client

/// Builds signed Refund 360 / Refund Status requests and interprets their answers and refund callbacks. Holds the
/// parsed keys; its `toString()`/`repr()` show the host, ids and mode, never a key.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct Upi360Client {
    inner: core_upi::Upi360<ClockAdapter>,
}

impl std::fmt::Debug for Upi360Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = self.inner.config();
        let signing = match &c.signing {
            core_upi::SigningMode::Jws { kid, .. } => format!("jws(kid={kid})"),
            core_upi::SigningMode::Plain(core_upi::PlainStrategy::HmacSha256 { .. }) => "hmac".into(),
            _ => "pss".into(),
        };
        let verified = matches!(c.response_verification, core_upi::ResponseVerification::Verify { .. });
        f.debug_struct("Upi360Client")
            .field("host", &c.host)
            .field("uri", &c.uri)
            .field("merchant_id", &c.merchant_id)
            .field("merchant_channel_id", &c.merchant_channel_id)
            .field("sub_merchant_id", &c.sub_merchant_id)
            .field("signing", &signing)
            .field("responses_verified", &verified)
            .finish_non_exhaustive()
    }
}

impl Upi360Client {
    fn create(
        options: Upi360Options,
        signing_key: String,
        verification: core_upi::ResponseVerification,
        clock: Option<Arc<dyn Clock>>,
    ) -> Result<Arc<Self>, RefundkitError> {
        let config = options.into_config(signing_key, verification);
        Ok(Arc::new(Upi360Client { inner: core_upi::Upi360::with_clock(config, ClockAdapter(clock))? }))
    }
}

#[uniffi::export]
impl Upi360Client {
    /// A client for `options`. `signing_key` is the merchant's RSA private key PEM (PKCS#8 or PKCS#1) for
    /// `Upi360Signing.PSS` / `JWS`, or the shared API key for `HMAC`. `psp_public_key_pem` (SubjectPublicKeyInfo or
    /// PKCS#1) verifies every answer and callback. `clock` timestamps requests (`None`: the system clock). Raises
    /// `Configuration` naming the bad setting (`host`, `uri`, `private_key_pem`, `api_key`, `kid`,
    /// `psp_public_key_pem`, ...); never echoes a key.
    #[uniffi::constructor(default(clock = None))]
    pub fn new(
        options: Upi360Options,
        signing_key: String,
        psp_public_key_pem: String,
        clock: Option<Arc<dyn Clock>>,
    ) -> Result<Arc<Self>, RefundkitError> {
        let verification = core_upi::ResponseVerification::Verify {
            psp_public_key_pem,
            canonical_form: canonical(options.canonical_form),
        };
        Self::create(options, signing_key, verification, clock)
    }

    /// **Does not verify** the PSP's answers or callbacks: every answer is read as if signed. Only for a simulator
    /// without keys, **never in production**, where a forged "FAILURE" could lead to a second refund.
    #[uniffi::constructor(default(clock = None))]
    pub fn dangerously_unverified(
        options: Upi360Options,
        signing_key: String,
        clock: Option<Arc<dyn Clock>>,
    ) -> Result<Arc<Self>, RefundkitError> {
        Self::create(options, signing_key, core_upi::ResponseVerification::DangerouslySkip, clock)
    }

    /// Refund 360 (`POST …/merchants/transactions/refund360`). **If the PSP does not know `refund_request_id`, this
    /// CREATES A REFUND and moves money**; if it does, it returns that refund's status. Re-sending the same id with
    /// identical fields never creates a second refund; a new id always creates a new one. For status checks use
    /// `build_refund_status`, which never creates anything. Every field is validated before signing; errors
    /// (`InvalidInput`) name the wire field (`refundRequestId`, `refundAmount`, `merchantRefundVpa`, ...).
    pub fn build_refund360(&self, refund: Upi360RefundRequest) -> Result<HttpRequest, RefundkitError> {
        Ok(self.inner.build_refund(&refund.into())?.into())
    }

    /// Refund Status (`POST …/merchants/transactions/refund/status`): the state of refund `refund_request_id`.
    /// Read-only, never creates a refund: **the default for every status check.**
    pub fn build_refund_status(&self, query: Upi360StatusRequest) -> Result<HttpRequest, RefundkitError> {
        Ok(self.inner.build_refund_status(&query.into())?.into())
    }

    /// Interprets the answer to `build_refund360(refund)`; pass the same `refund` (its id, amount and type are
    /// checked against the answer). The signature is verified first: unsigned or tampered ⇒ `UNTRUSTED_RESPONSE`
    /// (indeterminate), never a failure. `DEEMED` ⇒ `PENDING` + `DEEMED`: re-query the **same** id, never refund
    /// again. `FAILED` is final; `INDETERMINATE` means re-query with the same id.
    pub fn interpret_refund360(&self, refund: Upi360RefundRequest, response: HttpResponse) -> Outcome {
        self.inner.interpret_refund(&refund.into(), &response.into()).into()
    }

    /// Interprets the answer to `build_refund_status(query)`. A failed *query* is indeterminate; `REQUEST_NOT_FOUND`
    /// (`FAILED`, `TRANSACTION_NOT_FOUND`, `RETRY_LATER`) means no refund exists under that id.
    pub fn interpret_refund_status(&self, query: Upi360StatusRequest, response: HttpResponse) -> Outcome {
        self.inner.interpret_refund_status(&query.into(), &response.into()).into()
    }

    /// Whether an incoming refund callback (its headers and raw body) carries a valid `x-merchant-payload-signature`
    /// from the PSP. Always `true` for a `dangerously_unverified` client.
    pub fn verify_callback(&self, headers: Vec<Header>, body: Vec<u8>) -> bool {
        self.inner.verify_callback(&core_headers(headers), &body)
    }

    /// Interprets an incoming refund callback: unverified ⇒ `UNTRUSTED_RESPONSE`; otherwise the refund's state
    /// (`DEEMED` ⇒ `PENDING`).
    pub fn interpret_callback(&self, headers: Vec<Header>, body: Vec<u8>) -> Outcome {
        self.inner.interpret_callback(&core_headers(headers), &body).into()
    }
}

#[cfg(test)]
mod tests;
