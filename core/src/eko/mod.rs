//! Eko (cash-to-digital agents): Get/Resend Refund OTP, Initiate Refund, Transaction Inquiry, Get Pending Refunds.
//!
//! The flow (Eko, developers.eko.in/reference/refund): a cash transaction fails; Eko marks it *Refund Pending*
//! (`tx_status 3`) and texts the customer an OTP. The agent hands the cash back, asks for the OTP (or has it resent
//! with [`Eko::build_refund_otp`]), and calls [`Eko::build_initiate_refund`] with it: the OTP is the customer's
//! consent, and Eko credits the e-value back. When the answer is unclear, [`Eko::build_inquiry`] on the *original*
//! tid says whether the refund happened (`tx_status 4`) or not (`3`).
//!
//! Initiate Refund moves money. Its interpretation never answers "failed" unless Eko said a decisive no, and after
//! an unknown outcome the next step is always an inquiry, never a second refund request.
//!
//! ```
//! use refundkit::eko::{Eko, EkoConfig, RefundRequest};
//! use refundkit::{FixedClock, HttpResponse, Status, NextStep};
//!
//! let eko = Eko::with_clock(EkoConfig::uat(), FixedClock(1_700_000_000_000))?;
//! let request = eko.build_initiate_refund(&RefundRequest::new("13192443", "123456").otp_ref_id("zCIS/ab+c="))?;
//! assert_eq!(request.url, "https://staging.eko.in/ekoapi/v3/customer/payment/refund/13192443");
//! assert_eq!(request.header("secret-key"), Some("qIir8tILHtqxO1Mu3/fC3pVElIa0oIxXMRDUP0463Bc="));
//!
//! // ... send it with any HTTP client, then:
//! let outcome = refundkit::eko::interpret_initiate_refund(&HttpResponse::new(504, "Gateway Timeout"));
//! assert_eq!(outcome.status, Status::Indeterminate);
//! assert_eq!(outcome.next_step, NextStep::Inquire); // never re-send the refund
//! # Ok::<(), refundkit::Error>(())
//! ```

#[cfg(feature = "client")]
mod client;
mod interpret;
mod sign;

#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub use client::EkoRefunds;
pub use interpret::{
    interpret, interpret_initiate_refund, interpret_inquiry, interpret_pending_refunds, interpret_refund_otp,
    PendingRefund, PendingRefunds,
};
pub use sign::{request_hash, secret_key};

use crate::clock::{signing_time, Clock, SystemClock};
use crate::error::{check_header_value, check_text, config, invalid, Error, Problem};
use crate::http::{encode_pairs, encode_path_segment, validate_base_url, Header, HttpMethod, HttpRequest};
use crate::outcome::Provider;
use crate::secret::Secret;
use crate::sign::{sign_locally, SignatureAlgorithm, SignatureRequest, UnsignedRequest};
use serde::Serialize;

/// Eko's UAT (staging) base URL for the v3 JSON API.
pub const UAT_BASE_URL: &str = "https://staging.eko.in/ekoapi/v3";
/// Eko's production base URL for the v3 JSON API (the portless host Eko's platform uses since 2026; some older
/// documents show `https://api.eko.in:25002/ekoicici/v3`, which [`EkoConfig::base_url`] can be set to).
pub const PRODUCTION_BASE_URL: &str = "https://api.eko.in/ekoicici/v3";
/// Eko's UAT base URL for the legacy v1 form API (some routes exist only under `/v2`: Eko's "No mapping rule
/// matched" error means "swap v1 with v2").
pub const UAT_LEGACY_BASE_URL: &str = "https://staging.eko.in/ekoapi/v1";
/// Eko's production base URL for the legacy v1 form API.
pub const PRODUCTION_LEGACY_BASE_URL: &str = "https://api.eko.in:25002/ekoicici/v1";

/// Eko's published UAT `developer_key` (public test credential, developers.eko.in/v3/docs/auth).
pub const UAT_DEVELOPER_KEY: &str = "becbbce45f79c6f5109f848acd540567";
/// Eko's published UAT `access_key` (public test credential).
pub const UAT_ACCESS_KEY: &str = "d2fe1d99-6298-4af2-8cc5-d97dcf46df30";
/// Eko's published UAT `initiator_id`.
pub const UAT_INITIATOR_ID: &str = "9962981729";
/// Eko's published UAT `user_code`.
pub const UAT_USER_CODE: &str = "20810200";

/// Which of Eko's API generations to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApiFlavour {
    /// v3: JSON bodies, `/customer/payment/refund/...` and `/tools/reference/transaction/...` paths. The default.
    #[default]
    V3Json,
    /// v1/v2: `application/x-www-form-urlencoded` bodies, `/transactions/...` paths. Opt-in, for older accounts.
    LegacyForm,
}

/// How the OTP is written in a v3 JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OtpEncoding {
    /// A JSON number (`"otp":123456`), as Eko documents. An OTP with a leading zero cannot be sent this way and is
    /// rejected rather than altered.
    #[default]
    Number,
    /// A JSON string (`"otp":"012345"`), for accounts whose OTPs can start with zero.
    String,
}

/// How an inquiry by your own reference is written in the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientRefStyle {
    /// `/tools/reference/transaction/client_ref_id:<ref>`, as Eko's EPS SDKs and platform docs do. The default.
    #[default]
    Prefixed,
    /// `/tools/reference/transaction/<ref>`, as some of Eko's v3 reference pages show.
    Bare,
}

/// Everything an Eko client needs to know. [`Debug`] redacts the access key.
#[derive(Debug, Clone)]
pub struct EkoConfig {
    /// Scheme, host, optional port, prefix and version, e.g. [`UAT_BASE_URL`]. A trailing `/` is ignored.
    pub base_url: String,
    /// JSON v3 (default) or the legacy form API.
    pub flavour: ApiFlavour,
    /// The static `developer_key`.
    pub developer_key: String,
    /// The `access_key` that signs requests. Secret.
    pub access_key: Secret,
    /// The partner's registered mobile number.
    pub initiator_id: String,
    /// The retailer/agent code the service runs for.
    pub user_code: String,
    /// Also send `user_code` in the Get Refund OTP body (undocumented for that call; Eko's EPS SDKs send it).
    /// Default `false`.
    pub send_user_code_with_otp_request: bool,
    /// `service_code` sent with Initiate Refund. Default 80 (PayPoint).
    pub service_code: u32,
    /// How the OTP is encoded in v3 bodies. Default [`OtpEncoding::Number`].
    pub otp_encoding: OtpEncoding,
    /// How inquiries by `client_ref_id` are written. Default [`ClientRefStyle::Prefixed`].
    pub client_ref_style: ClientRefStyle,
}

impl EkoConfig {
    /// A configuration with the given credentials and every option at its default.
    pub fn new(
        base_url: impl Into<String>,
        developer_key: impl Into<String>,
        access_key: impl Into<Secret>,
        initiator_id: impl Into<String>,
        user_code: impl Into<String>,
    ) -> Self {
        EkoConfig {
            base_url: base_url.into(),
            flavour: ApiFlavour::V3Json,
            developer_key: developer_key.into(),
            access_key: access_key.into(),
            initiator_id: initiator_id.into(),
            user_code: user_code.into(),
            send_user_code_with_otp_request: false,
            service_code: 80,
            otp_encoding: OtpEncoding::Number,
            client_ref_style: ClientRefStyle::Prefixed,
        }
    }

    /// Eko's UAT host with Eko's published UAT test credentials.
    pub fn uat() -> Self {
        EkoConfig::new(UAT_BASE_URL, UAT_DEVELOPER_KEY, UAT_ACCESS_KEY, UAT_INITIATOR_ID, UAT_USER_CODE)
    }

    /// Eko's production host with your credentials.
    pub fn production(
        developer_key: impl Into<String>,
        access_key: impl Into<Secret>,
        initiator_id: impl Into<String>,
        user_code: impl Into<String>,
    ) -> Self {
        EkoConfig::new(PRODUCTION_BASE_URL, developer_key, access_key, initiator_id, user_code)
    }

    fn validate(&self) -> Result<(), Error> {
        validate_base_url(&self.base_url)?;
        check_header_value(&self.developer_key).map_err(|p| config("developer_key", p))?;
        validate_mobile(&self.initiator_id).map_err(|p| config("initiator_id", p))?;
        check_text(&self.user_code, 20, |c| c.is_ascii_alphanumeric(), "1 to 20 ASCII letters or digits")
            .map_err(|p| config("user_code", p))?;
        if !(1..=9999).contains(&self.service_code) {
            return Err(config("service_code", Problem::Format { expected: "a number from 1 to 9999 (Eko: 80)" }));
        }
        Ok(())
    }
}

fn validate_mobile(value: &str) -> Result<(), Problem> {
    let expected = "a 10-digit Indian mobile number starting with 6, 7, 8 or 9";
    if value.is_empty() {
        return Err(Problem::Missing);
    }
    let ok =
        value.len() == 10 && value.bytes().all(|b| b.is_ascii_digit()) && matches!(value.as_bytes()[0], b'6'..=b'9');
    if ok {
        Ok(())
    } else {
        Err(Problem::Format { expected })
    }
}

fn validate_tid(tid: &str) -> Result<(), Error> {
    check_text(tid, 30, |c| c.is_ascii_digit(), "Eko's transaction id: 1 to 30 ASCII digits")
        .map_err(|p| invalid("tid", p))
}

fn validate_otp(otp: &str) -> Result<(), Error> {
    let expected = "4 to 8 ASCII digits";
    if otp.is_empty() {
        return Err(invalid("otp", Problem::Missing));
    }
    if !(4..=8).contains(&otp.len()) || !otp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("otp", Problem::Format { expected }));
    }
    Ok(())
}

fn validate_client_ref_id(value: &str) -> Result<(), Error> {
    check_text(value, 20, |c| c.is_ascii_alphanumeric() || c == '_' || c == '-', "1 to 20 of [A-Za-z0-9_-]")
        .map_err(|p| invalid("client_ref_id", p))
}

fn validate_otp_ref_id(value: &str) -> Result<(), Error> {
    check_text(value, 512, |c| c.is_ascii_graphic(), "visible ASCII characters without spaces, as Eko returned it")
        .map_err(|p| invalid("otp_ref_id", p))
}

/// An Initiate Refund request: the original transaction, the customer's OTP and the OTP's reference.
#[derive(Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// Eko's id of the original, failed transaction. Kept as text: TIDs exceed 2³¹.
    pub tid: String,
    /// The OTP the customer received (4 to 8 digits).
    pub otp: String,
    /// The `otp_ref_id` from Get Refund OTP, when there was one. Sent verbatim ([`ApiFlavour::V3Json`]); the legacy
    /// form has no such field, so [`ApiFlavour::LegacyForm`] refuses a request carrying one ([`Error::InvalidInput`]
    /// naming `otp_ref_id`) instead of dropping it.
    pub otp_ref_id: Option<String>,
}

impl RefundRequest {
    /// A refund of `tid` with the customer's `otp`.
    pub fn new(tid: impl Into<String>, otp: impl Into<String>) -> Self {
        RefundRequest { tid: tid.into(), otp: otp.into(), otp_ref_id: None }
    }

    /// Adds the `otp_ref_id` from Get Refund OTP.
    pub fn otp_ref_id(mut self, otp_ref_id: impl Into<String>) -> Self {
        self.otp_ref_id = Some(otp_ref_id.into());
        self
    }
}

impl std::fmt::Debug for RefundRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefundRequest")
            .field("tid", &self.tid)
            .field("otp", &"***")
            .field("otp_ref_id", &self.otp_ref_id)
            .finish()
    }
}

/// Which transaction to inquire about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransactionRef {
    /// Eko's transaction id (preferred: Eko advises inquiring by TID).
    Tid(String),
    /// Your own `client_ref_id` (1 to 20 of `[A-Za-z0-9_-]`), when no TID was received.
    ClientRefId(String),
}

/// The operations refundkit builds and interprets for Eko.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Get / Resend Refund OTP. Moves no money.
    RefundOtp,
    /// Initiate Refund. **Moves money.**
    InitiateRefund,
    /// Transaction Inquiry. Read-only.
    Inquiry,
    /// Get Pending Refunds. Read-only.
    PendingRefunds,
}

impl Operation {
    /// Whether the operation moves money (and so must never be re-sent after an unknown outcome).
    pub fn moves_money(self) -> bool {
        matches!(self, Operation::InitiateRefund)
    }
}

#[derive(Serialize)]
struct OtpBody<'a> {
    initiator_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_code: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum OtpValue<'a> {
    Number(u64),
    Text(&'a str),
}

#[derive(Serialize)]
struct RefundBody<'a> {
    initiator_id: &'a str,
    user_code: &'a str,
    otp: OtpValue<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    otp_ref_id: Option<&'a str>,
    service_code: u32,
    state: u8,
}

/// Builds signed Eko requests. Holds a validated [`EkoConfig`] and the clock that timestamps signatures.
#[derive(Debug, Clone)]
pub struct Eko<C: Clock = SystemClock> {
    config: EkoConfig,
    base_url: String,
    clock: C,
}

impl Eko<SystemClock> {
    /// A client on the system clock. Fails with [`Error::Configuration`] naming the bad field.
    pub fn new(config: EkoConfig) -> Result<Self, Error> {
        Eko::with_clock(config, SystemClock)
    }
}

impl<C: Clock> Eko<C> {
    /// A client whose signatures are timestamped by `clock`.
    pub fn with_clock(config: EkoConfig, clock: C) -> Result<Self, Error> {
        config.validate()?;
        let base_url = config.base_url.trim_end_matches('/').to_string();
        Ok(Eko { config, base_url, clock })
    }

    /// The configuration.
    pub fn config(&self) -> &EkoConfig {
        &self.config
    }

    /// Get / Resend Refund OTP for the original transaction `tid`: Eko texts the customer an OTP and answers with
    /// an `otp_ref_id` (interpret with [`interpret_refund_otp`]). Moves no money; safe to repeat, but Eko's resend
    /// limits are unpublished: leave at least 60 seconds between sends.
    pub fn prepare_refund_otp(&self, tid: &str) -> Result<UnsignedRequest, Error> {
        validate_tid(tid)?;
        let tid = encode_path_segment(tid);
        match self.config.flavour {
            ApiFlavour::V3Json => {
                let body = OtpBody {
                    initiator_id: &self.config.initiator_id,
                    user_code: self.config.send_user_code_with_otp_request.then_some(self.config.user_code.as_str()),
                };
                self.json(HttpMethod::Post, format!("/customer/payment/refund/{tid}/otp"), &body)
            }
            ApiFlavour::LegacyForm => {
                let mut fields = vec![("initiator_id", self.config.initiator_id.as_str())];
                if self.config.send_user_code_with_otp_request {
                    fields.push(("user_code", &self.config.user_code));
                }
                self.form(format!("/transactions/{tid}/refund/otp"), &fields)
            }
        }
    }

    /// Initiate Refund: the customer's OTP consents to the refund of `request.tid`. **Moves money**: interpret the
    /// answer with [`interpret_initiate_refund`] and, if it is not final, inquire — never send this again blindly.
    pub fn prepare_initiate_refund(&self, request: &RefundRequest) -> Result<UnsignedRequest, Error> {
        validate_tid(&request.tid)?;
        validate_otp(&request.otp)?;
        if let Some(r) = &request.otp_ref_id {
            validate_otp_ref_id(r)?;
        }
        let tid = encode_path_segment(&request.tid);
        match self.config.flavour {
            ApiFlavour::V3Json => {
                let otp = match self.config.otp_encoding {
                    OtpEncoding::String => OtpValue::Text(&request.otp),
                    OtpEncoding::Number if request.otp.starts_with('0') => {
                        return Err(invalid(
                            "otp",
                            Problem::Format {
                                expected: "without a leading zero when sent as a JSON number \
                                           (set otp_encoding to String for such OTPs)",
                            },
                        ))
                    }
                    OtpEncoding::Number => match request.otp.parse() {
                        Ok(n) => OtpValue::Number(n),
                        Err(_) => return Err(invalid("otp", Problem::Format { expected: "4 to 8 ASCII digits" })),
                    },
                };
                let body = RefundBody {
                    initiator_id: &self.config.initiator_id,
                    user_code: &self.config.user_code,
                    otp,
                    otp_ref_id: request.otp_ref_id.as_deref(),
                    service_code: self.config.service_code,
                    state: 1,
                };
                self.json(HttpMethod::Post, format!("/customer/payment/refund/{tid}"), &body)
            }
            ApiFlavour::LegacyForm => {
                // The legacy refund form has no `otp_ref_id` field (spec §4.5: initiator_id, otp, state, user_code),
                // and Eko answers undocumented parameters with "No key for Response": refuse it rather than drop it
                // silently.
                if request.otp_ref_id.is_some() {
                    return Err(invalid(
                        "otp_ref_id",
                        Problem::Format { expected: "absent: the legacy refund form (v1/v2) has no otp_ref_id field" },
                    ));
                }
                let fields = [
                    ("initiator_id", self.config.initiator_id.as_str()),
                    ("otp", request.otp.as_str()),
                    ("state", "1"),
                    ("user_code", self.config.user_code.as_str()),
                ];
                self.form(format!("/transactions/{tid}/refund"), &fields)
            }
        }
    }

    /// Transaction Inquiry. In a refund context inquire the **original** tid: `tx_status 4` means refunded, `3`
    /// means still waiting for the refund (interpret with [`interpret_inquiry`]). Read-only; safe to retry.
    pub fn prepare_inquiry(&self, reference: &TransactionRef) -> Result<UnsignedRequest, Error> {
        let segment = match reference {
            TransactionRef::Tid(tid) => {
                validate_tid(tid)?;
                encode_path_segment(tid)
            }
            TransactionRef::ClientRefId(r) => {
                validate_client_ref_id(r)?;
                match self.config.client_ref_style {
                    ClientRefStyle::Prefixed => encode_path_segment(&format!("client_ref_id:{r}")),
                    ClientRefStyle::Bare => encode_path_segment(r),
                }
            }
        };
        match self.config.flavour {
            ApiFlavour::V3Json => {
                let query =
                    encode_pairs(&[("initiator_id", &self.config.initiator_id), ("user_code", &self.config.user_code)]);
                self.get(format!("/tools/reference/transaction/{segment}?{query}"), "application/json")
            }
            ApiFlavour::LegacyForm => {
                let query = encode_pairs(&[("initiator_id", &self.config.initiator_id)]);
                self.get(format!("/transactions/{segment}?{query}"), "application/x-www-form-urlencoded")
            }
        }
    }

    /// Get Pending Refunds: the customer's failed transactions still waiting to be refunded (interpret with
    /// [`interpret_pending_refunds`]). Useful for reconciliation. v3 only.
    pub fn prepare_pending_refunds(&self, customer_mobile: &str) -> Result<UnsignedRequest, Error> {
        validate_mobile(customer_mobile).map_err(|p| invalid("customer_id", p))?;
        match self.config.flavour {
            ApiFlavour::V3Json => {
                let query = encode_pairs(&[
                    ("initiator_id", &self.config.initiator_id),
                    ("user_code", &self.config.user_code),
                    ("customer_id", customer_mobile),
                ]);
                self.get(format!("/customer/payment/refunds?{query}"), "application/json")
            }
            ApiFlavour::LegacyForm => Err(Error::Unsupported("Get Pending Refunds exists only in Eko's v3 API")),
        }
    }

    /// The four authentication headers, with an empty `secret-key` for the signer to fill.
    fn unsigned(
        &self,
        method: HttpMethod,
        url: String,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<UnsignedRequest, Error> {
        let ts = signing_time(&self.clock)?;
        let request = HttpRequest {
            method,
            url,
            headers: vec![
                Header::new("developer_key", &self.config.developer_key),
                Header::new("secret-key", ""),
                Header::new("secret-key-timestamp", ts.to_string()),
                Header::new("content-type", content_type),
            ],
            body,
        };
        let signature = SignatureRequest {
            provider: Provider::Eko,
            algorithm: SignatureAlgorithm::EkoSecretKey,
            key_id: None,
            message: ts.to_string().into_bytes(),
        };
        Ok(UnsignedRequest::in_header(request, signature, "secret-key"))
    }

    fn json(&self, method: HttpMethod, path: String, body: &impl Serialize) -> Result<UnsignedRequest, Error> {
        // Serializing these plain structs cannot fail; report rather than panic if it ever did.
        let body = serde_json::to_vec(body).map_err(|_| Error::Unsupported("JSON serialization failed"))?;
        self.unsigned(method, format!("{}{path}", self.base_url), "application/json", body)
    }

    fn form(&self, path: String, fields: &[(&str, &str)]) -> Result<UnsignedRequest, Error> {
        let body = encode_pairs(fields).into_bytes();
        self.unsigned(HttpMethod::Post, format!("{}{path}", self.base_url), "application/x-www-form-urlencoded", body)
    }

    fn get(&self, path_and_query: String, content_type: &str) -> Result<UnsignedRequest, Error> {
        self.unsigned(HttpMethod::Get, format!("{}{path_and_query}", self.base_url), content_type, Vec::new())
    }

    /// Signs `unsigned` with the configured `access_key`.
    pub fn sign(&self, unsigned: UnsignedRequest) -> Result<HttpRequest, Error> {
        let mac = sign_locally(unsigned.signature_request(), &self.config.access_key, None)?;
        unsigned.complete(&mac)
    }

    /// Get / Resend Refund OTP, signed with the configured `access_key` (see [`Eko::prepare_refund_otp`]).
    pub fn build_refund_otp(&self, tid: &str) -> Result<HttpRequest, Error> {
        self.sign(self.prepare_refund_otp(tid)?)
    }

    /// Initiate Refund, signed with the configured `access_key` (see [`Eko::prepare_initiate_refund`]).
    /// **Moves money.**
    pub fn build_initiate_refund(&self, request: &RefundRequest) -> Result<HttpRequest, Error> {
        self.sign(self.prepare_initiate_refund(request)?)
    }

    /// Transaction Inquiry, signed with the configured `access_key` (see [`Eko::prepare_inquiry`]).
    pub fn build_inquiry(&self, reference: &TransactionRef) -> Result<HttpRequest, Error> {
        self.sign(self.prepare_inquiry(reference)?)
    }

    /// Get Pending Refunds, signed with the configured `access_key` (see [`Eko::prepare_pending_refunds`]).
    pub fn build_pending_refunds(&self, customer_mobile: &str) -> Result<HttpRequest, Error> {
        self.sign(self.prepare_pending_refunds(customer_mobile)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;

    fn eko() -> Eko<FixedClock> {
        Eko::with_clock(EkoConfig::uat(), FixedClock(1_700_000_000_000)).unwrap()
    }

    #[test]
    fn refund_body_has_all_six_fields_in_order() {
        let r = eko().build_initiate_refund(&RefundRequest::new("13192443", "123456").otp_ref_id("a/b+c=")).unwrap();
        assert_eq!(
            r.body_text(),
            r#"{"initiator_id":"9962981729","user_code":"20810200","otp":123456,"otp_ref_id":"a/b+c=","service_code":80,"state":1}"#
        );
        assert_eq!(r.method, HttpMethod::Post);
    }

    #[test]
    fn legacy_form_refuses_otp_ref_id_instead_of_dropping_it() {
        let mut c = EkoConfig::uat();
        c.flavour = ApiFlavour::LegacyForm;
        c.base_url = "https://staging.eko.in/ekoapi/v1".into();
        let eko = Eko::with_clock(c, FixedClock(1_700_000_000_000)).unwrap();
        let e = eko.build_initiate_refund(&RefundRequest::new("13192443", "123456").otp_ref_id("a/b+c=")).unwrap_err();
        assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
        assert_eq!(e.field(), Some("otp_ref_id"));
        assert!(!e.to_string().contains("a/b+c="), "errors never echo inputs: {e}");
        let ok = eko.build_initiate_refund(&RefundRequest::new("13192443", "123456")).unwrap();
        assert_eq!(ok.body_text(), "initiator_id=9962981729&otp=123456&state=1&user_code=20810200");
    }

    #[test]
    fn config_errors_name_the_field() {
        let mut c = EkoConfig::uat();
        c.base_url = "http://example.com/x".into();
        assert_eq!(Eko::new(c).unwrap_err().field(), Some("base_url"));
        let mut c = EkoConfig::uat();
        c.access_key = Secret::new("");
        // No access key: the client is for delegated signing; in-process signing reports the missing key.
        let delegated = Eko::with_clock(c, crate::FixedClock(1_700_000_000_000)).unwrap();
        assert_eq!(delegated.build_refund_otp("1").unwrap_err().field(), Some("access_key"));
        assert!(delegated.prepare_refund_otp("1").is_ok());
        let mut c = EkoConfig::uat();
        c.base_url = "http://127.0.0.1:8080/ekoapi/v3/".into();
        assert!(Eko::new(c).is_ok());
    }
}
