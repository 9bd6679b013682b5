//! # refundkit
//!
//! One audited implementation of the refund APIs Indian point-of-sale apps and payment back offices call: signing,
//! request building and status interpretation. The same code runs in Rust, and through uniffi in Kotlin (Android),
//! Swift (iOS) and Python (back offices).
//!
//! ## The model
//!
//! refundkit is **sans-IO**: it never opens a socket and has no async runtime. You give it inputs, it gives you an
//! [`HttpRequest`] value (method, URL, ordered headers, the exact body bytes it signed); you send that with any HTTP
//! client, and give the [`HttpResponse`] back; it tells you what the response means as an [`Outcome`]:
//!
//! ```text
//!   inputs ──build_*──▶ HttpRequest ──(your HTTP client)──▶ HttpResponse ──interpret_*──▶ Outcome
//!                        signed bytes                                                     status, reason, next step
//! ```
//!
//! An [`Outcome`] says where the refund stands ([`Status`]), why ([`Reason`]) and what to do next ([`NextStep`]):
//!
//! - [`Status::Succeeded`]: the refund is done.
//! - [`Status::Failed`]: final; the provider said a decisive no and **this request moved no money**.
//! - [`Status::Pending`]: not finished (processing, or waiting for the customer's OTP): poll or collect the OTP.
//! - [`Status::Indeterminate`]: nobody knows yet. **Inquire before anything else and never re-send a money-moving
//!   request.** Timeouts, 5xx answers, unreadable bodies and unknown codes all land here, never in `Failed`.
//!
//! The provider's raw codes and message are always kept in [`Outcome::raw`] for support and logs.
//!
//! ## Principles
//!
//! - **Proven verdicts only**: `Succeeded`/`Failed` come only from an answer at a documented HTTP status, parsed by
//!   the strict JSON parser ([`crypto::json`]: no duplicate keys, bad escapes, lone surrogates, deep nesting), whose
//!   fields agree and whose signature verifies wherever the provider signs (required by default). Anything else is
//!   `Pending` or `Indeterminate` ([`outcome::Evidence`]; the repository's `docs/interpretation.md`).
//! - **Exact money**: [`Money`] is an integer number of paise. Provider spellings such as `"5000.0"` and
//!   `"2.22263731286E9"` are parsed exactly or rejected; nothing is ever rounded or passed through `f64`.
//! - **Sign the exact bytes you send**: bodies are serialized once; the signature covers those bytes.
//! - **Deterministic**: signing takes an injected [`Clock`] (and [`RandomSource`] where a provider needs salt), so
//!   every request has a known-answer test.
//! - **Secrets stay secret**: keys live in [`Secret`] (redacted `Debug`, zeroized on drop); errors never echo
//!   inputs or keys.
//! - **Bad input is a typed error naming the field** ([`Error::InvalidInput`]), raised before anything is signed.
//!   Ids are never truncated or rewritten.
//!
//! ## Providers
//!
//! | Module | Provider | Operations |
//! |---|---|---|
//! | [`eko`] | Eko (cash-to-digital agents) | Get/Resend Refund OTP, Initiate Refund, Transaction Inquiry, Get Pending Refunds |
//! | [`upi360`] | Juspay UPI Merchant Stack via a bank PSP (sub-merchant) | Refund 360 (create-or-status), Refund Status, refund callbacks |
//! | [`paytm`] | Paytm Payment Gateway (PPSL), regular PG and AI-router | PaytmChecksum, Refund Apply, Refund Status, refund webhooks (Accept Refund, Success Refund, Refund ARN) |
//!
//! ## Example: an Eko refund
//!
//! ```
//! use refundkit::eko::{self, Eko, EkoConfig, RefundRequest, TransactionRef};
//! use refundkit::{FixedClock, HttpResponse, NextStep, Reason, Status};
//!
//! // Eko's public UAT credentials; a fixed clock makes the signature a known answer.
//! let eko = Eko::with_clock(EkoConfig::uat(), FixedClock(1_700_000_000_000))?;
//!
//! // 1. (Re)send the refund OTP to the customer.
//! let otp_request = eko.build_refund_otp("13192443")?;
//! assert_eq!(otp_request.url, "https://staging.eko.in/ekoapi/v3/customer/payment/refund/13192443/otp");
//! let otp = eko::interpret_refund_otp(&HttpResponse::new(
//!     200,
//!     r#"{"response_status_id":1,"data":{"otp_ref_id":"zCIS+a/b="},"response_type_id":2133,"message":"Send OTP","status":2133}"#,
//! ));
//! assert_eq!(otp.next_step, NextStep::CollectOtp);
//! let otp_ref_id = otp.otp.and_then(|o| o.otp_ref_id).unwrap();
//!
//! // 2. Refund with the OTP the customer reads out.
//! let refund = eko.build_initiate_refund(&RefundRequest::new("13192443", "123456").otp_ref_id(otp_ref_id))?;
//! assert_eq!(refund.body_text(), r#"{"initiator_id":"9962981729","user_code":"20810200","otp":123456,"otp_ref_id":"zCIS+a/b=","service_code":80,"state":1}"#);
//!
//! // 3. The connection dropped: the refund may or may not have happened.
//! let lost = eko::interpret_initiate_refund(&HttpResponse::new(502, "Bad Gateway"));
//! assert_eq!((lost.status, lost.next_step), (Status::Indeterminate, NextStep::Inquire));
//!
//! // 4. So inquire the original transaction instead of refunding again.
//! let _inquiry = eko.build_inquiry(&TransactionRef::Tid("13192443".into()))?;
//! let state = eko::interpret_inquiry(&HttpResponse::new(200, r#"{"status":0,"tx_status":"4","txstatus_desc":"Refunded"}"#));
//! assert_eq!((state.status, state.reason), (Status::Succeeded, Reason::Refunded));
//! # Ok::<(), refundkit::Error>(())
//! ```
//!
//! ## The refund engine (feature `client`)
//!
//! `client` adds the refund policy, written once for every provider: claim and save an attempt record, send a
//! money-moving request at most once, resolve unclear answers by status with the same id, believe "not found" only
//! after the provider's commit window, keep the record until a final outcome is proven. Its invariants (S1–S6) and
//! the tests that prove each are in the repository's `docs/safety.md`.
//!
//! ## Non-features
//!
//! No HTTP client, no retries, no persistence in this crate's default build: those belong to the `client` feature or
//! to a transport layer built on top, which must follow the outcomes' next steps.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs, unreachable_pub)]

#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub mod client;
pub mod clock;
pub mod crypto;
pub mod eko;
pub mod error;
pub mod http;
pub mod money;
pub mod outcome;
pub mod paytm;
pub mod random;
pub mod secret;
pub mod sign;
pub mod upi360;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{Error, Problem};
pub use http::{Header, HttpMethod, HttpRequest, HttpResponse};
pub use money::{Money, MoneyError};
pub use outcome::{
    FieldError, NextStep, OtpDispatch, Outcome, Provider, ProviderCode, ProviderRaw, Reason, RefundDetails, Status,
};
pub use random::{FixedRandom, OsRandom, RandomError, RandomSource};
pub use secret::Secret;
