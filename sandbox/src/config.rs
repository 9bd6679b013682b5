//! The sandbox's configuration and default (sandbox-only) credentials.

use crate::fault::FaultRule;

/// The Paytm MID the sandbox registers by default. Sandbox-only; not a real Paytm merchant.
pub const DEFAULT_PAYTM_MID: &str = "RKSANDBOX00000000001";
/// The Paytm merchant key the sandbox registers by default: 32 ASCII characters (AES-256). Sandbox-only; never
/// valid at Paytm.
pub const DEFAULT_PAYTM_MERCHANT_KEY: &str = "rksandbox-ONLY-not-a-real-key-32";
/// The UPI Refund 360 `x-merchant-id` the sandbox registers by default.
pub const DEFAULT_UPI_MERCHANT_ID: &str = "RKSANDBOXMERCHANT";
/// The UPI Refund 360 `x-merchant-channel-id` the sandbox registers by default.
pub const DEFAULT_UPI_MERCHANT_CHANNEL_ID: &str = "RKSANDBOXCHANNEL";
/// The `kid` the sandbox puts in the protected header of its response JWS (mode B).
pub const DEFAULT_UPI_PSP_KID: &str = "rksandbox-psp";
/// refundkit's TEST-ONLY merchant RSA private key (PKCS#8 PEM): what a client signs sandbox requests with.
pub const TEST_MERCHANT_PRIVATE_KEY_PEM: &str =
    include_str!("../../core/tests/data/upi360_keys/test_only_merchant_private_pkcs8.pem");
/// The public half of [`TEST_MERCHANT_PRIVATE_KEY_PEM`] (SPKI PEM): registered with the sandbox by default.
pub const TEST_MERCHANT_PUBLIC_KEY_PEM: &str =
    include_str!("../../core/tests/data/upi360_keys/test_only_merchant_public_spki.pem");
/// refundkit's TEST-ONLY PSP RSA private key (PKCS#8 PEM): the sandbox signs its UPI answers with it by default.
pub const TEST_PSP_PRIVATE_KEY_PEM: &str =
    include_str!("../../core/tests/data/upi360_keys/test_only_psp_private_pkcs8.pem");
/// The public half of [`TEST_PSP_PRIVATE_KEY_PEM`] (SPKI PEM): what a client verifies sandbox answers with.
pub const TEST_PSP_PUBLIC_KEY_PEM: &str =
    include_str!("../../core/tests/data/upi360_keys/test_only_psp_public_spki.pem");

/// Eko credentials the sandbox accepts. Default: Eko's published UAT values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EkoCredentials {
    /// The expected `developer_key` header.
    pub developer_key: String,
    /// The access key `secret-key` signatures are checked against.
    pub access_key: String,
    /// The registered `initiator_id`.
    pub initiator_id: String,
    /// The registered `user_code`.
    pub user_code: String,
}

impl Default for EkoCredentials {
    fn default() -> Self {
        EkoCredentials {
            developer_key: refundkit::eko::UAT_DEVELOPER_KEY.into(),
            access_key: refundkit::eko::UAT_ACCESS_KEY.into(),
            initiator_id: refundkit::eko::UAT_INITIATOR_ID.into(),
            user_code: refundkit::eko::UAT_USER_CODE.into(),
        }
    }
}

/// Paytm credentials the sandbox accepts. Default: [`DEFAULT_PAYTM_MID`] and [`DEFAULT_PAYTM_MERCHANT_KEY`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaytmCredentials {
    /// The registered MID.
    pub mid: String,
    /// The merchant key (16, 24 or 32 bytes) checksums are verified and answers signed with.
    pub merchant_key: String,
}

impl Default for PaytmCredentials {
    fn default() -> Self {
        PaytmCredentials { mid: DEFAULT_PAYTM_MID.into(), merchant_key: DEFAULT_PAYTM_MERCHANT_KEY.into() }
    }
}

/// UPI Refund 360 credentials. Default: the [`DEFAULT_UPI_MERCHANT_ID`] / [`DEFAULT_UPI_MERCHANT_CHANNEL_ID`]
/// merchant, refundkit's test merchant public key, and refundkit's test PSP private key for signing answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upi360Credentials {
    /// The registered `x-merchant-id`.
    pub merchant_id: String,
    /// The registered `x-merchant-channel-id`.
    pub merchant_channel_id: String,
    /// When set, sub-merchant headers must carry these values; when `None`, any sub-merchant ids are accepted.
    pub sub_merchant: Option<(String, String)>,
    /// The merchant's RSA public key (SPKI or PKCS#1 PEM), for `x-merchant-signature` (PSS) and JWS (RS256).
    pub merchant_public_key_pem: String,
    /// When set, a request JWS must carry this `kid`.
    pub merchant_kid: Option<String>,
    /// The PSP's RSA private key (PKCS#8 or PKCS#1 PEM) answers are signed with.
    pub psp_private_key_pem: String,
    /// The `kid` of the sandbox's response JWS.
    pub psp_kid: String,
}

impl Default for Upi360Credentials {
    fn default() -> Self {
        Upi360Credentials {
            merchant_id: DEFAULT_UPI_MERCHANT_ID.into(),
            merchant_channel_id: DEFAULT_UPI_MERCHANT_CHANNEL_ID.into(),
            sub_merchant: None,
            merchant_public_key_pem: TEST_MERCHANT_PUBLIC_KEY_PEM.into(),
            merchant_kid: None,
            psp_private_key_pem: TEST_PSP_PRIVATE_KEY_PEM.into(),
            psp_kid: DEFAULT_UPI_PSP_KID.into(),
        }
    }
}

/// Everything the sandbox needs. [`SandboxConfig::default`] gives a working sandbox on an ephemeral port.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// TCP port on 127.0.0.1; 0 (default) picks a free one.
    pub port: u16,
    /// Seed of every deterministic choice: fixtures, OTPs, ids, PENDING vs DEEMED, fault draws. Default 42.
    pub seed: u64,
    /// Create the seeded fixtures at start and on reset. Default `true`.
    pub fixtures: bool,
    /// Eko credentials.
    pub eko: EkoCredentials,
    /// Paytm credentials.
    pub paytm: PaytmCredentials,
    /// UPI Refund 360 credentials.
    pub upi360: Upi360Credentials,
    /// Paytm and UPI: how many status answers stay PENDING (or DEEMED) before the refund turns SUCCESS. Default 2.
    pub polls_until_success: u32,
    /// Eko: how far `secret-key-timestamp` may be from the server clock. Eko publishes no tolerance; default
    /// 5 minutes.
    pub eko_timestamp_window_ms: u64,
    /// Eko: how long an OTP stays valid. Eko publishes none; default 10 minutes.
    pub eko_otp_ttl_ms: u64,
    /// UPI: how far `x-timestamp` and `iat` may be from the server clock. Default 30 minutes (Juspay's guides).
    pub upi_timestamp_window_ms: u64,
    /// A permanent offset of the server clock (and `Date` header), in milliseconds. Default 0.
    pub clock_offset_ms: i64,
    /// Fault rules active from the start. Default none.
    pub faults: Vec<FaultRule>,
    /// Refuse what the providers' documentation refuses (wrong JSON types, missing documented parameters, ids and
    /// amounts outside the documented formats), with the provider's documented error. Default `true`; `false`
    /// restores the lenient behaviour (e.g. an Eko OTP sent as a JSON string, an inquiry without `user_code`).
    pub strict: bool,
    /// How long a connection may stay idle (no request begun) before the sandbox closes it. Default 10 s.
    pub idle_timeout_ms: u64,
    /// How long one request may take to arrive, from its first byte to its last (and one answer to be written);
    /// a slower request is answered 408 and its connection closed. Default 10 s.
    pub request_timeout_ms: u64,
    /// The largest request head (request line and headers) accepted; larger ones are answered 431. Default 64 KiB.
    pub max_head_bytes: usize,
    /// The largest request body accepted (after chunked decoding); larger ones are answered 413. Default 4 MiB.
    pub max_body_bytes: usize,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            port: 0,
            seed: 42,
            fixtures: true,
            eko: EkoCredentials::default(),
            paytm: PaytmCredentials::default(),
            upi360: Upi360Credentials::default(),
            polls_until_success: 2,
            eko_timestamp_window_ms: 5 * 60 * 1000,
            eko_otp_ttl_ms: 10 * 60 * 1000,
            upi_timestamp_window_ms: 30 * 60 * 1000,
            clock_offset_ms: 0,
            faults: Vec::new(),
            strict: true,
            idle_timeout_ms: 10_000,
            request_timeout_ms: 10_000,
            max_head_bytes: 64 * 1024,
            max_body_bytes: 4 * 1024 * 1024,
        }
    }
}
