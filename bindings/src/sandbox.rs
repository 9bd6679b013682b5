//! The embedded provider sandbox for Python, Kotlin and Swift test suites (feature `sandbox`; leave it out of
//! mobile app builds). It runs on its own background thread; point any client at `base_url()`.

use std::sync::{Arc, Mutex};

use refundkit_sandbox::{SandboxConfig, SandboxHandle};

use crate::RefundkitError;

/// Credentials the sandbox accepts (all test-only values).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SandboxCredentials {
    /// Eko `developer_key` (Eko's public UAT value).
    pub eko_developer_key: String,
    /// Eko `access_key` (Eko's public UAT value).
    pub eko_access_key: String,
    /// Eko `initiator_id`.
    pub eko_initiator_id: String,
    /// Eko `user_code`.
    pub eko_user_code: String,
    /// Paytm MID.
    pub paytm_mid: String,
    /// Paytm merchant key (sandbox-only).
    pub paytm_merchant_key: String,
    /// Refund 360 `x-merchant-id`.
    pub upi_merchant_id: String,
    /// Refund 360 `x-merchant-channel-id`.
    pub upi_merchant_channel_id: String,
    /// The merchant's test-only RSA private key (PKCS#8 PEM) the sandbox has registered.
    pub upi_merchant_private_key_pem: String,
    /// The PSP's test-only public key (SPKI PEM) that verifies the sandbox's answers.
    pub upi_psp_public_key_pem: String,
}

/// An Eko transaction waiting for its refund (tx_status 3).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SandboxEkoTransaction {
    /// Eko's transaction id.
    pub tid: String,
    /// The customer's mobile number.
    pub customer_mobile: String,
    /// Amount in paise.
    pub amount_paise: i64,
}

/// A paid Paytm order.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SandboxPaytmOrder {
    /// `orderId`.
    pub order_id: String,
    /// Paytm's `txnId` of the payment.
    pub txn_id: String,
    /// Amount in paise.
    pub amount_paise: i64,
}

/// A successful UPI payment that can be refunded.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SandboxUpiTransaction {
    /// The original UPI request id.
    pub original_upi_request_id: String,
    /// The original merchant request id (order id).
    pub original_merchant_request_id: String,
    /// Amount in paise.
    pub amount_paise: i64,
}

/// One refund the sandbox committed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SandboxLedgerEntry {
    /// `eko`, `paytm` or `upi360`.
    pub provider: String,
    /// The client's reference (Eko tid, Paytm refId, UPI refundRequestId).
    pub reference: String,
    /// The original transaction.
    pub original_id: String,
    /// Amount in paise.
    pub amount_paise: i64,
    /// `PENDING`, `DEEMED` or `SUCCESS`.
    pub state: String,
    /// How many times money moved for it (anything but 1 is a double refund).
    pub money_moved: i32,
}

/// An embedded local simulator of the Eko, Paytm and UPI Refund 360 APIs, for test suites and demos.
///
/// `Sandbox.start(port = 0, seed = 42, polls_until_success = 2, faults = "")` serves the providers' real paths on
/// `127.0.0.1` (port 0: any free port) from a background thread, with their authentication (Eko `secret-key`, Paytm
/// checksum, UPI RSA-PSS/JWS) and signed answers. Point the clients at it and nothing else changes: Eko options with
/// `base_url = eko_base_url()`, Paytm options with `base_url = base_url()`, Refund 360 options with
/// `host = base_url()`; the keys of `credentials()` (all test-only values); `builtin_transport()` (plain `http://` is
/// allowed to loopback addresses) or your own transport.
///
/// Set up and inspect: `create_eko_transaction`, `create_paytm_order`, `create_upi_transaction` make refundable
/// originals; `otp_for` is the OTP the Eko customer would read out (after `send_refund_otp`); `ledger` lists every
/// refund the sandbox committed (`money_moved` is 1 unless a refund was paid twice). Paytm and UPI refunds answer
/// PENDING (UPI sometimes DEEMED) for `polls_until_success` status polls, then SUCCESS.
///
/// Faults: `faults` / `set_faults` take `kind[:probability][@route]` rules separated by commas (or the admin API's
/// JSON array), e.g. `drop_after_commit@eko.initiate_refund` (commit the refund, then close the connection without
/// answering) or `server_error:0.5`. Kinds: `latency`, `server_error`, `rate_limited`, `connection_reset`,
/// `truncated_body`, `malformed_body`, `clock_skew`, `drop_after_commit`, and `late_commit:DELAY` (hold a
/// money-moving request `DELAY` ms, e.g. `2500` or a seeded range `500-5000`, then commit the refund and answer;
/// status queries say "not found" until then; `late_commit:DELAY:probability@route` adds the rest). Routes: `*`, `eko`, `paytm`, `upi360`,
/// `eko.refund_otp`, `eko.initiate_refund`, `eko.inquiry`, `eko.pending_refunds`, `paytm.refund_apply`,
/// `paytm.refund_status`, `upi360.refund`, `upi360.refund_status`. Draws are deterministic for a given seed;
/// `set_faults("")` removes them all.
///
/// `stop()` it when done (idempotent; it also stops when garbage-collected); afterwards the methods that reach the
/// server raise a configuration error (`field` `sandbox`). A bad port, seed, poll count or fault spec is an invalid
/// input error naming the field. Needs the `sandbox` feature of the native library (on by default); not for
/// production or mobile builds.
#[derive(uniffi::Object)]
pub struct Sandbox {
    handle: Mutex<Option<SandboxHandle>>,
    base_url: String,
    eko_base_url: String,
    port: u16,
    credentials: SandboxCredentials,
    credentials_text: String,
}

fn sandbox_error(e: impl std::fmt::Display) -> RefundkitError {
    RefundkitError::Configuration { field: "sandbox".into(), reason: e.to_string() }
}

impl Sandbox {
    fn with<T>(&self, f: impl FnOnce(&SandboxHandle) -> T) -> Result<T, RefundkitError> {
        let guard = self.handle.lock().map_err(|_| sandbox_error("sandbox lock poisoned"))?;
        guard.as_ref().map(f).ok_or_else(|| sandbox_error("the sandbox is stopped"))
    }
}

#[uniffi::export]
impl Sandbox {
    /// Starts a sandbox on 127.0.0.1:`port` (0: any free port) with seeded fixtures and faults from `faults`
    /// (`kind[:probability][@route],...` or a JSON array; empty: none). Paytm and UPI refunds stay pending for
    /// `polls_until_success` status answers.
    /// The default seed is 42, as everywhere else (the CLI, `SandboxConfig::default()`): the same fixtures in every
    /// language.
    #[uniffi::constructor(default(port = 0, seed = 42, polls_until_success = 2, faults = ""))]
    pub fn start(port: i32, seed: i64, polls_until_success: i32, faults: String) -> Result<Arc<Self>, RefundkitError> {
        let port = u16::try_from(port)
            .map_err(|_| RefundkitError::InvalidInput { field: "port".into(), reason: "must be 0 to 65535".into() })?;
        let seed = u64::try_from(seed).map_err(|_| RefundkitError::InvalidInput {
            field: "seed".into(),
            reason: "must not be negative".into(),
        })?;
        if polls_until_success < 0 {
            return Err(RefundkitError::InvalidInput {
                field: "polls_until_success".into(),
                reason: "must not be negative".into(),
            });
        }
        let faults = refundkit_sandbox::parse_fault_spec(&faults)
            .map_err(|reason| RefundkitError::InvalidInput { field: "faults".into(), reason })?;
        let config = SandboxConfig {
            port,
            seed,
            polls_until_success: polls_until_success as u32,
            faults,
            ..SandboxConfig::default()
        };
        let handle = SandboxHandle::spawn(config).map_err(sandbox_error)?;
        let c = handle.config();
        let credentials = SandboxCredentials {
            eko_developer_key: c.eko.developer_key.clone(),
            eko_access_key: c.eko.access_key.clone(),
            eko_initiator_id: c.eko.initiator_id.clone(),
            eko_user_code: c.eko.user_code.clone(),
            paytm_mid: c.paytm.mid.clone(),
            paytm_merchant_key: c.paytm.merchant_key.clone(),
            upi_merchant_id: c.upi360.merchant_id.clone(),
            upi_merchant_channel_id: c.upi360.merchant_channel_id.clone(),
            upi_merchant_private_key_pem: refundkit_sandbox::TEST_MERCHANT_PRIVATE_KEY_PEM.to_string(),
            upi_psp_public_key_pem: refundkit_sandbox::TEST_PSP_PUBLIC_KEY_PEM.to_string(),
        };
        Ok(Arc::new(Sandbox {
            base_url: handle.base_url(),
            eko_base_url: handle.eko_base_url(),
            port: handle.port(),
            credentials_text: handle.credentials(),
            credentials,
            handle: Mutex::new(Some(handle)),
        }))
    }

    /// `http://127.0.0.1:PORT`: the base URL for Paytm and the Refund 360 host.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The Eko v3 base URL (`…/ekoapi/v3`).
    pub fn eko_base_url(&self) -> String {
        self.eko_base_url.clone()
    }

    /// The port.
    pub fn port(&self) -> i32 {
        i32::from(self.port)
    }

    /// The credentials it accepts.
    pub fn credentials(&self) -> SandboxCredentials {
        self.credentials.clone()
    }

    /// The credentials as printable text.
    pub fn credentials_text(&self) -> String {
        self.credentials_text.clone()
    }

    /// The OTP last texted for `tid` (what the customer would read out).
    pub fn otp_for(&self, tid: String) -> Result<Option<String>, RefundkitError> {
        self.with(|s| s.otp_for(&tid))
    }

    /// Creates an Eko transaction waiting for its refund.
    pub fn create_eko_transaction(&self, amount_paise: i64) -> Result<SandboxEkoTransaction, RefundkitError> {
        let t = self.with(|s| s.create_eko_transaction(amount_paise, None))?.map_err(sandbox_error)?;
        Ok(SandboxEkoTransaction { tid: t.tid, customer_mobile: t.customer_mobile, amount_paise: t.amount_paise })
    }

    /// Creates a paid Paytm order.
    pub fn create_paytm_order(&self, amount_paise: i64) -> Result<SandboxPaytmOrder, RefundkitError> {
        let o = self.with(|s| s.create_paytm_order(amount_paise))?.map_err(sandbox_error)?;
        Ok(SandboxPaytmOrder { order_id: o.order_id, txn_id: o.txn_id, amount_paise: o.amount_paise })
    }

    /// Creates a successful UPI payment.
    pub fn create_upi_transaction(&self, amount_paise: i64) -> Result<SandboxUpiTransaction, RefundkitError> {
        let u = self.with(|s| s.create_upi_transaction(amount_paise))?.map_err(sandbox_error)?;
        Ok(SandboxUpiTransaction {
            original_upi_request_id: u.original_upi_request_id,
            original_merchant_request_id: u.original_merchant_request_id,
            amount_paise: u.amount_paise,
        })
    }

    /// Every refund committed so far.
    pub fn ledger(&self) -> Result<Vec<SandboxLedgerEntry>, RefundkitError> {
        self.with(|s| {
            s.ledger()
                .into_iter()
                .map(|e| SandboxLedgerEntry {
                    provider: e.provider.as_str().to_string(),
                    reference: e.reference,
                    original_id: e.original_id,
                    amount_paise: e.amount_paise,
                    state: e.state.as_str().to_string(),
                    money_moved: e.money_moved as i32,
                })
                .collect()
        })
    }

    /// Replaces the fault rules (`kind[:probability][@route],...` or a JSON array; empty: none).
    pub fn set_faults(&self, faults: String) -> Result<(), RefundkitError> {
        let rules = refundkit_sandbox::parse_fault_spec(&faults)
            .map_err(|reason| RefundkitError::InvalidInput { field: "faults".into(), reason })?;
        self.with(|s| s.set_faults(rules))
    }

    /// Stops the server (idempotent).
    pub fn stop(&self) {
        if let Ok(mut guard) = self.handle.lock() {
            if let Some(h) = guard.take() {
                h.shutdown();
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_serves_and_stops() {
        let s = Sandbox::start(0, 5, 1, "drop_after_commit:0.5@eko.initiate_refund".into()).unwrap();
        assert!(s.base_url().starts_with("http://127.0.0.1:"));
        assert!(s.eko_base_url().ends_with("/ekoapi/v3"));
        assert_eq!(s.credentials().eko_developer_key, refundkit::eko::UAT_DEVELOPER_KEY);
        let t = s.create_eko_transaction(5_000).unwrap();
        assert_eq!(t.amount_paise, 5_000);
        assert_eq!(s.otp_for(t.tid).unwrap(), None);
        assert!(s.ledger().unwrap().is_empty());
        let e = s.set_faults("nope".into()).unwrap_err();
        assert!(matches!(e, RefundkitError::InvalidInput { ref field, .. } if field == "faults"), "{e:?}");
        s.stop();
        s.stop();
        assert!(s.ledger().is_err());
        let field = |r: Result<Arc<Sandbox>, RefundkitError>| match r.err() {
            Some(RefundkitError::InvalidInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(Sandbox::start(70_000, 0, 1, String::new())), "port");
        assert_eq!(field(Sandbox::start(-1, 0, 1, String::new())), "port");
        assert_eq!(field(Sandbox::start(0, -1, 1, String::new())), "seed");
        assert_eq!(field(Sandbox::start(0, 0, -1, String::new())), "polls_until_success");
    }
}
