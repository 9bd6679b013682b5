//! uniffi exports of refundkit for Kotlin, Swift and Python.
//!
//! Nothing but conversion lives here: every decision is made by the `refundkit` core. Types are mirrored as uniffi
//! records (money as `i64` paise) so the core stays free of FFI concerns. Secrets (the Eko access key) are passed as
//! constructor arguments of objects, never as fields of records, so generated `toString()`/`repr()` cannot print
//! them.

#![deny(missing_docs)]

use std::sync::Arc;

use refundkit::eko as core_eko;
use refundkit::Clock as CoreClock;

mod convert;
pub use convert::*;
mod paytm;
pub use paytm::*;
mod upi360;
pub use upi360::*;
mod bulk;
mod client;
pub use client::*;
#[cfg(feature = "sandbox")]
mod sandbox;
mod stores;
#[cfg(feature = "sandbox")]
pub use sandbox::*;

uniffi::setup_scaffolding!("refundkit");

/// Errors raised before anything is signed or sent. Input errors name the field; none contains a secret or echoes
/// the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum RefundkitError {
    /// A request input is missing or malformed (`field` is its wire name, e.g. `otp`).
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The offending field.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The client configuration is unusable (`field` is e.g. `base_url`).
    #[error("invalid configuration {field}: {reason}")]
    Configuration {
        /// The offending setting.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The operation does not exist in the configured API flavour.
    #[error("unsupported operation: {reason}")]
    Unsupported {
        /// Why.
        reason: String,
    },
    /// The app's delegated signer failed; nothing was sent.
    #[error("signer failed: {reason}")]
    Signer {
        /// What the signer reported.
        reason: String,
    },
    /// The attempt store could not save the record of a money-moving call, so the call was not sent.
    #[error("attempt store failed: {reason}")]
    Store {
        /// What the store reported.
        reason: String,
    },
    /// Another worker (another process, or another client in this one) holds the claim on this reference's attempt
    /// record until `until_ms`: it is working on the refund. Nothing was sent; ask again after `until_ms`.
    #[error("the refund {reference} is being worked on by another worker until {until_ms}")]
    ClaimedElsewhere {
        /// The refund's reference (Eko `tid`, Paytm `refId`, Refund 360 `refundRequestId`).
        reference: String,
        /// When the other worker's claim expires (Unix ms) unless it renews it.
        until_ms: i64,
    },
    /// Something failed inside refundkit (e.g. the random number generator).
    #[error("internal error: {reason}")]
    Internal {
        /// What failed.
        reason: String,
    },
}

impl From<refundkit::Error> for RefundkitError {
    fn from(e: refundkit::Error) -> Self {
        match e {
            refundkit::Error::InvalidInput { field, problem } => {
                RefundkitError::InvalidInput { field: field.to_string(), reason: problem.to_string() }
            }
            refundkit::Error::Configuration { field, problem } => {
                RefundkitError::Configuration { field: field.to_string(), reason: problem.to_string() }
            }
            refundkit::Error::Unsupported(reason) => RefundkitError::Unsupported { reason: reason.to_string() },
            other => RefundkitError::Internal { reason: other.to_string() },
        }
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for RefundkitError {
    /// A foreign callback (a `Clock` written in Kotlin, Swift or Python) threw something other than a
    /// `RefundkitError`.
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        RefundkitError::Internal { reason: format!("a callback failed: {}", e.reason) }
    }
}

/// A source of the current time, implementable in Kotlin, Swift or Python. Everything that signs takes one, so tests
/// can fix the time; `None` means the system clock.
///
/// A clock that throws, or returns a time before 2020 or from 2100 on, makes the request fail with `Configuration`
/// on field `clock` before anything is signed. Times are signed 64-bit milliseconds (a Java `long`).
#[uniffi::export(with_foreign)]
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_unix_ms(&self) -> Result<i64, RefundkitError>;
}

struct Fixed(i64);

impl Clock for Fixed {
    fn now_unix_ms(&self) -> Result<i64, RefundkitError> {
        Ok(self.0)
    }
}

/// A clock stuck at `unix_ms`, for tests and known-answer vectors.
#[uniffi::export]
pub fn fixed_clock(unix_ms: i64) -> Arc<dyn Clock> {
    Arc::new(Fixed(unix_ms))
}

/// Adapts a foreign (or Rust) [`Clock`] to the core's clock trait. A clock that fails or returns a negative time
/// reads as 0, which the core's plausibility check turns into `Configuration { field: "clock" }`: nothing is signed
/// with a broken time and nothing panics across the boundary.
pub(crate) struct ClockAdapter(pub(crate) Option<Arc<dyn Clock>>);

impl CoreClock for ClockAdapter {
    fn now_unix_ms(&self) -> u64 {
        match &self.0 {
            Some(clock) => clock.now_unix_ms().ok().and_then(|ms| u64::try_from(ms).ok()).unwrap_or(0),
            None => refundkit::SystemClock.now_unix_ms(),
        }
    }
}

/// A timestamp argument as the core's unsigned milliseconds; negative values name the field.
pub(crate) fn timestamp_arg(timestamp_ms: i64) -> Result<u64, RefundkitError> {
    u64::try_from(timestamp_ms).map_err(|_| RefundkitError::InvalidInput {
        field: "timestamp_ms".into(),
        reason: "must not be negative".into(),
    })
}

// ---------------------------------------------------------------------------------------------------------------
// Money

/// Parses a rupee amount exactly (`"5000.0"`, `"2.22263731286E9"`) into paise; anything inexact or malformed raises
/// `InvalidInput` with field `amount`.
#[uniffi::export]
pub fn parse_rupees(text: String) -> Result<i64, RefundkitError> {
    use refundkit::MoneyError as E;
    refundkit::Money::parse_rupees(&text).map(|m| m.paise()).map_err(|e| {
        // Fixed texts: errors never echo the input.
        let reason = match e {
            E::Empty => "is empty",
            E::Malformed(_) => "is not a decimal number",
            E::Inexact(_) => "is not a whole number of paise (refundkit never rounds money)",
            E::Overflow(_) => "is too large",
            _ => "is not an exact amount",
        };
        RefundkitError::InvalidInput { field: "amount".into(), reason: reason.into() }
    })
}

/// Formats paise as rupees with exactly two decimals: `12345` ⇒ `"123.45"`.
#[uniffi::export]
pub fn format_rupees(paise: i64) -> String {
    refundkit::Money::from_paise(paise).to_rupees_string()
}

// ---------------------------------------------------------------------------------------------------------------
// Eko

/// Eko's `secret-key` header for a request signed at `timestamp_ms` (Unix milliseconds; negative values are
/// `InvalidInput`).
#[uniffi::export]
pub fn eko_secret_key(access_key: String, timestamp_ms: i64) -> Result<String, RefundkitError> {
    Ok(core_eko::secret_key(&access_key, timestamp_arg(timestamp_ms)?))
}

/// [`eko_secret_key`] for hot paths: `access_key` is UTF-8 bytes that cross the FFI without a copy (no buffer
/// allocated for it). `InvalidInput` on `access_key` for bytes that are not UTF-8, on `timestamp_ms` if negative.
#[uniffi::export]
pub fn eko_secret_key_utf8(access_key: &[u8], timestamp_ms: i64) -> Result<String, RefundkitError> {
    let access_key = std::str::from_utf8(access_key).map_err(|_| RefundkitError::InvalidInput {
        field: "access_key".into(),
        reason: "must be UTF-8 text".into(),
    })?;
    Ok(core_eko::secret_key(access_key, timestamp_arg(timestamp_ms)?))
}

/// Eko's `request_hash` (not used by refund calls): the timestamp followed by `fields`, signed like `secret-key`.
#[uniffi::export]
pub fn eko_request_hash(access_key: String, timestamp_ms: i64, fields: Vec<String>) -> Result<String, RefundkitError> {
    let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
    Ok(core_eko::request_hash(&access_key, timestamp_arg(timestamp_ms)?, &fields))
}

/// Eko's UAT host and public UAT account (initiator_id, user_code), every option at its default.
#[uniffi::export]
pub fn eko_uat_options() -> EkoOptions {
    EkoOptions::from(&core_eko::EkoConfig::uat())
}

/// Eko's production host with your account, every option at its default.
#[uniffi::export]
pub fn eko_production_options(initiator_id: String, user_code: String) -> EkoOptions {
    EkoOptions::from(&core_eko::EkoConfig::production("", "", initiator_id, user_code))
}

/// Builds signed Eko requests. Holds the credentials; its `toString()`/`repr()` show the base URL and no secrets.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct EkoClient {
    inner: core_eko::Eko<ClockAdapter>,
}

impl std::fmt::Debug for EkoClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EkoClient").field("base_url", &self.inner.config().base_url).finish_non_exhaustive()
    }
}

#[uniffi::export]
impl EkoClient {
    /// A client for `options` with your `developer_key` and `access_key`. `clock` timestamps signatures (`None`: the
    /// system clock). Raises `Configuration` naming the bad setting.
    #[uniffi::constructor(default(clock = None))]
    pub fn new(
        options: EkoOptions,
        developer_key: String,
        access_key: String,
        clock: Option<Arc<dyn Clock>>,
    ) -> Result<Arc<Self>, RefundkitError> {
        let config = options.into_config(developer_key, access_key);
        Ok(Arc::new(EkoClient { inner: core_eko::Eko::with_clock(config, ClockAdapter(clock))? }))
    }

    /// A client for Eko's UAT with Eko's published test credentials.
    #[uniffi::constructor(default(clock = None))]
    pub fn uat(clock: Option<Arc<dyn Clock>>) -> Result<Arc<Self>, RefundkitError> {
        Ok(Arc::new(EkoClient { inner: core_eko::Eko::with_clock(core_eko::EkoConfig::uat(), ClockAdapter(clock))? }))
    }

    /// Get / Resend Refund OTP for the original transaction `tid`. Moves no money.
    pub fn build_refund_otp(&self, tid: String) -> Result<HttpRequest, RefundkitError> {
        Ok(self.inner.build_refund_otp(&tid)?.into())
    }

    /// Initiate Refund with the customer's `otp` (and the `otp_ref_id` from Get Refund OTP). **Moves money**: after an
    /// outcome that is not final, inquire; never send it again.
    #[uniffi::method(default(otp_ref_id = None))]
    pub fn build_initiate_refund(
        &self,
        tid: String,
        otp: String,
        otp_ref_id: Option<String>,
    ) -> Result<HttpRequest, RefundkitError> {
        let request = core_eko::RefundRequest { tid, otp, otp_ref_id };
        Ok(self.inner.build_initiate_refund(&request)?.into())
    }

    /// Transaction Inquiry by Eko's transaction id (inquire the *original* tid after a refund).
    pub fn build_inquiry_by_tid(&self, tid: String) -> Result<HttpRequest, RefundkitError> {
        Ok(self.inner.build_inquiry(&core_eko::TransactionRef::Tid(tid))?.into())
    }

    /// Transaction Inquiry by your own `client_ref_id` (when no tid was received).
    pub fn build_inquiry_by_client_ref_id(&self, client_ref_id: String) -> Result<HttpRequest, RefundkitError> {
        Ok(self.inner.build_inquiry(&core_eko::TransactionRef::ClientRefId(client_ref_id))?.into())
    }

    /// Get Pending Refunds for a customer's mobile number (v3 only).
    pub fn build_pending_refunds(&self, customer_mobile: String) -> Result<HttpRequest, RefundkitError> {
        Ok(self.inner.build_pending_refunds(&customer_mobile)?.into())
    }
}

/// Interprets the answer to Get / Resend Refund OTP.
#[uniffi::export]
pub fn eko_interpret_refund_otp(response: HttpResponse) -> Outcome {
    core_eko::interpret_refund_otp(&response.into()).into()
}

/// Interprets the answer to Initiate Refund (money-moving: anything unclear is `INDETERMINATE` ⇒ inquire).
#[uniffi::export]
pub fn eko_interpret_initiate_refund(response: HttpResponse) -> Outcome {
    core_eko::interpret_initiate_refund(&response.into()).into()
}

/// Interprets a Transaction Inquiry of the original transaction as the state of its refund.
#[uniffi::export]
pub fn eko_interpret_inquiry(response: HttpResponse) -> Outcome {
    core_eko::interpret_inquiry(&response.into()).into()
}

/// Interprets the answer to Get Pending Refunds.
#[uniffi::export]
pub fn eko_interpret_pending_refunds(response: HttpResponse) -> EkoPendingRefunds {
    let list = core_eko::interpret_pending_refunds(&response.into());
    EkoPendingRefunds {
        listed: list.listed,
        transactions: list.transactions.into_iter().map(Into::into).collect(),
        outcome: list.outcome.into(),
    }
}

/// The version of the refundkit library.
#[uniffi::export]
pub fn refundkit_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Failing;
    impl Clock for Failing {
        fn now_unix_ms(&self) -> Result<i64, RefundkitError> {
            Err(RefundkitError::Internal { reason: "clock unavailable".into() })
        }
    }

    fn field_of(e: RefundkitError) -> String {
        match e {
            RefundkitError::InvalidInput { field, .. } | RefundkitError::Configuration { field, .. } => field,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_failing_or_negative_clock_is_a_configuration_error_not_a_panic() {
        let failing = EkoClient::uat(Some(Arc::new(Failing))).unwrap();
        assert_eq!(field_of(failing.build_refund_otp("13192443".into()).unwrap_err()), "clock");
        let negative = EkoClient::uat(Some(fixed_clock(-1))).unwrap();
        assert_eq!(field_of(negative.build_inquiry_by_tid("1".into()).unwrap_err()), "clock");
        let good = EkoClient::uat(Some(fixed_clock(1_700_000_000_000))).unwrap();
        let request = good.build_refund_otp("13192443".into()).unwrap();
        assert!(request.headers.iter().any(|h| h.name == "secret-key-timestamp" && h.value == "1700000000000"));
    }

    #[test]
    fn the_zero_copy_secret_key_agrees_with_the_string_one() {
        let key = "TEST_ACCESS_KEY_DO_NOT_USE";
        assert_eq!(
            eko_secret_key_utf8(key.as_bytes(), 1_700_000_000_000).unwrap(),
            eko_secret_key(key.into(), 1_700_000_000_000).unwrap()
        );
        assert_eq!(field_of(eko_secret_key_utf8(b"k", -1).unwrap_err()), "timestamp_ms");
        assert_eq!(field_of(eko_secret_key_utf8(b"\xff", 1).unwrap_err()), "access_key");
    }

    #[test]
    fn negative_numbers_from_foreign_code_are_typed_errors() {
        assert_eq!(field_of(eko_secret_key("k".into(), -1).unwrap_err()), "timestamp_ms");
        assert_eq!(
            eko_secret_key("TEST_ACCESS_KEY_DO_NOT_USE".into(), 1_700_000_000_000).unwrap(),
            "u30ak/iOGwKCaspqCeiYng8fd98QDx7kF3DBBOadQHk="
        );
        let mut options = eko_uat_options();
        options.service_code = -80;
        let err = EkoClient::new(options, "dk".into(), "ak".into(), None).unwrap_err();
        assert_eq!(field_of(err), "service_code");
        let outcome =
            eko_interpret_initiate_refund(HttpResponse { status: -200, headers: vec![], body: b"{}".to_vec() });
        assert_eq!(outcome.status, RefundStatus::Indeterminate);
        assert_eq!(outcome.raw.http_status, 0);
    }

    #[test]
    fn errors_display_their_message_and_never_the_access_key() {
        let mut options = eko_uat_options();
        options.base_url = "http://example.com".into();
        let err = EkoClient::new(options, "dk".into(), "SECRET-ACCESS-KEY".into(), None).unwrap_err();
        assert!(err.to_string().starts_with("invalid configuration base_url"), "{err}");
        assert!(!format!("{err:?}{err}").contains("SECRET-ACCESS-KEY"));
        let client = EkoClient::new(eko_uat_options(), "dk".into(), "SECRET-ACCESS-KEY".into(), None).unwrap();
        assert!(!format!("{client:?}").contains("SECRET-ACCESS-KEY"));
    }
}
