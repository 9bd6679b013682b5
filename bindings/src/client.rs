//! The refund clients for Kotlin, Swift and Python: async methods (Kotlin `suspend`, Swift `async`, Python
//! `async def`) over a transport the app provides (OkHttp, URLSession, aiohttp/httpx ...) or the built-in one.
//! Every policy decision is the core's (`refundkit::client`); this module only converts.

use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use refundkit::client::{self as core_client, ClientError, ClientOptions};
use refundkit::eko as core_eko;
use refundkit::paytm as core_paytm;
use refundkit::sign as core_sign;
use refundkit::upi360 as core_upi;

use crate::paytm::RandomAdapter;
use crate::{
    canonical, Clock, ClockAdapter, EkoOptions, HttpRequest, HttpResponse, Outcome, PaytmOptions, RandomSource,
    RefundkitError, Upi360Options, Upi360RefundRequest, Upi360StatusRequest,
};

// ---------------------------------------------------------------------------------------------------------------
// Transport

/// Why a transport could not deliver an answer. Raise `NotSent` only when the request provably never left (connection
/// refused, DNS failure); anything else (timeouts, resets, any other exception) counts as "may have been processed".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum TransportFailure {
    /// The request never left this device: nothing happened at the provider.
    #[error("not sent: {reason}")]
    NotSent {
        /// What happened.
        reason: String,
    },
    /// The request may have reached the provider (timeout after sending, reset, cut-off answer).
    #[error("may have been processed: {reason}")]
    MaybeProcessed {
        /// What happened.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for TransportFailure {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        // An unexpected exception from the app's transport: assume the worst (it may have been sent).
        TransportFailure::MaybeProcessed { reason: format!("transport raised: {}", e.reason) }
    }
}

/// Sends one HTTP request exactly as given (method, URL, headers in order, body bytes) and returns the answer.
/// Must not retry or follow redirects: refundkit decides what may be repeated.
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait HttpTransport: Send + Sync {
    /// Sends `request`.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportFailure>;
}

struct TransportAdapter(Arc<dyn HttpTransport>);

#[async_trait::async_trait]
impl core_client::Transport for TransportAdapter {
    async fn send(
        &self,
        request: refundkit::HttpRequest,
    ) -> Result<refundkit::HttpResponse, core_client::TransportError> {
        match self.0.send(request.into()).await {
            Ok(r) => Ok(r.into()),
            Err(TransportFailure::NotSent { reason }) => Err(core_client::TransportError::not_sent(reason)),
            Err(TransportFailure::MaybeProcessed { reason }) => {
                Err(core_client::TransportError::maybe_processed(reason))
            }
        }
    }
}

#[cfg(feature = "builtin-transport")]
struct BuiltinTransport(Arc<core_client::ReqwestTransport>);

/// The runtime the built-in transport's requests run on. A foreign caller (a Python coroutine awaiting
/// `transport.send(...)` directly, a Kotlin coroutine, a Swift task) polls the future outside any tokio context, where
/// reqwest would panic ("there is no reactor running"); the request runs here and only its result crosses back.
#[cfg(feature = "builtin-transport")]
fn transport_runtime() -> Result<&'static tokio::runtime::Runtime, TransportFailure> {
    static RUNTIME: OnceLock<Option<tokio::runtime::Runtime>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("refundkit-transport")
                .on_thread_start(|| ON_TRANSPORT_RUNTIME.with(|on| on.set(true)))
                .enable_all()
                .build()
                .ok()
        })
        .as_ref()
        .ok_or_else(|| TransportFailure::NotSent { reason: "the transport runtime could not start".into() })
}

#[cfg(feature = "builtin-transport")]
thread_local! {
    /// Whether this thread is one of [`transport_runtime`]'s workers.
    static ON_TRANSPORT_RUNTIME: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(feature = "builtin-transport")]
#[async_trait::async_trait]
impl HttpTransport for BuiltinTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportFailure> {
        use core_client::Transport;
        let answer = if ON_TRANSPORT_RUNTIME.with(|on| on.get()) {
            // Already on the transport's runtime (a bulk call running inside Rust): no hop needed.
            Ok(self.0.send(request.into()).await)
        } else {
            let inner = self.0.clone();
            transport_runtime()?.spawn(async move { inner.send(request.into()).await }).await
        };
        match answer {
            Ok(Ok(r)) => Ok(r.into()),
            Ok(Err(e)) if e.kind == core_client::TransportErrorKind::NotSent => {
                Err(TransportFailure::NotSent { reason: e.message })
            }
            Ok(Err(e)) => Err(TransportFailure::MaybeProcessed { reason: e.message }),
            // The task panicked or was cancelled after it may have sent: assume the worst.
            Err(_) => Err(TransportFailure::MaybeProcessed { reason: "the transport task failed".into() }),
        }
    }
}

/// The built-in transport: reqwest with rustls (no OpenSSL), pooled connections, no redirects, HTTPS only (plain
/// HTTP to loopback addresses only). `connect_timeout_ms` / `request_timeout_ms` ≤ 0 take the defaults (10 s, 30 s).
#[cfg(feature = "builtin-transport")]
#[uniffi::export(default(connect_timeout_ms = 0, request_timeout_ms = 0))]
pub fn builtin_transport(
    connect_timeout_ms: i64,
    request_timeout_ms: i64,
) -> Result<Arc<dyn HttpTransport>, RefundkitError> {
    let mut options = core_client::TransportOptions::default();
    if connect_timeout_ms > 0 {
        options.connect_timeout = Duration::from_millis(connect_timeout_ms as u64);
    }
    if request_timeout_ms > 0 {
        options.request_timeout = Duration::from_millis(request_timeout_ms as u64);
    }
    let transport = Arc::new(BuiltinTransport(Arc::new(core_client::ReqwestTransport::new(options)?)));
    if let Ok(mut all) = BUILTIN_TRANSPORTS.lock() {
        all.retain(|(_, weak)| weak.strong_count() > 0);
        all.push((Arc::as_ptr(&transport) as *const () as usize, Arc::downgrade(&transport)));
    }
    Ok(transport)
}

/// The built-in transports handed out, by address (uniffi hands a Rust object back as the same allocation).
#[cfg(feature = "builtin-transport")]
static BUILTIN_TRANSPORTS: std::sync::Mutex<Vec<(usize, std::sync::Weak<BuiltinTransport>)>> =
    std::sync::Mutex::new(Vec::new());

/// Whether `transport` is one of [`builtin_transport`]'s (so it needs no foreign executor).
fn is_builtin_transport(transport: &Arc<dyn HttpTransport>) -> bool {
    #[cfg(feature = "builtin-transport")]
    {
        let address = Arc::as_ptr(transport) as *const () as usize;
        BUILTIN_TRANSPORTS
            .lock()
            .map(|all| all.iter().any(|(a, weak)| *a == address && weak.strong_count() > 0))
            .unwrap_or(false)
    }
    #[cfg(not(feature = "builtin-transport"))]
    {
        let _ = transport;
        false
    }
}

/// The runtime a client's whole bulk call runs on when nothing in the client is the app's async code (see
/// [`ClientOptionsFfi::native`]); `None` without the built-in transport.
pub(crate) fn native_runtime() -> Option<&'static tokio::runtime::Runtime> {
    #[cfg(feature = "builtin-transport")]
    {
        transport_runtime().ok()
    }
    #[cfg(not(feature = "builtin-transport"))]
    {
        None
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Delegated signing

/// What a signature is computed with (see the core's `SignatureAlgorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SignatureAlgorithm {
    /// Eko: HMAC-SHA256 keyed with the base64 text of the access key; return the raw 32-byte MAC.
    EkoSecretKey,
    /// Paytm checksum over the message; return the checksum text as UTF-8 bytes.
    PaytmChecksum,
    /// RSA-PSS SHA-256 (MGF1-SHA-256, salt 32); return the raw signature.
    RsaPssSha256,
    /// RSASSA-PKCS1-v1_5 SHA-256 (JWS RS256); return the raw signature.
    RsaPkcs1Sha256,
    /// HMAC-SHA256 keyed with the API key bytes; return the raw 32-byte MAC.
    HmacSha256,
}

/// The bytes to sign and how.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignatureInput {
    /// `"eko"`, `"paytm"` or `"upi360"`.
    pub provider: String,
    /// The algorithm.
    pub algorithm: SignatureAlgorithm,
    /// The JWS `kid` (Refund 360 JWS mode).
    pub key_id: Option<String>,
    /// The exact bytes to sign.
    pub message: Vec<u8>,
}

impl From<core_sign::SignatureRequest> for SignatureInput {
    fn from(r: core_sign::SignatureRequest) -> Self {
        let algorithm = match r.algorithm {
            core_sign::SignatureAlgorithm::EkoSecretKey => SignatureAlgorithm::EkoSecretKey,
            core_sign::SignatureAlgorithm::PaytmChecksum => SignatureAlgorithm::PaytmChecksum,
            core_sign::SignatureAlgorithm::RsaPssSha256 => SignatureAlgorithm::RsaPssSha256,
            core_sign::SignatureAlgorithm::RsaPkcs1Sha256 => SignatureAlgorithm::RsaPkcs1Sha256,
            _ => SignatureAlgorithm::HmacSha256,
        };
        SignatureInput { provider: r.provider.as_str().to_string(), algorithm, key_id: r.key_id, message: r.message }
    }
}

fn core_request(input: SignatureInput) -> Result<core_sign::SignatureRequest, RefundkitError> {
    let provider = match input.provider.as_str() {
        "eko" => refundkit::Provider::Eko,
        "paytm" => refundkit::Provider::Paytm,
        "upi360" => refundkit::Provider::Upi360,
        _ => {
            return Err(RefundkitError::InvalidInput {
                field: "provider".into(),
                reason: "must be eko, paytm or upi360".into(),
            })
        }
    };
    let algorithm = match input.algorithm {
        SignatureAlgorithm::EkoSecretKey => core_sign::SignatureAlgorithm::EkoSecretKey,
        SignatureAlgorithm::PaytmChecksum => core_sign::SignatureAlgorithm::PaytmChecksum,
        SignatureAlgorithm::RsaPssSha256 => core_sign::SignatureAlgorithm::RsaPssSha256,
        SignatureAlgorithm::RsaPkcs1Sha256 => core_sign::SignatureAlgorithm::RsaPkcs1Sha256,
        SignatureAlgorithm::HmacSha256 => core_sign::SignatureAlgorithm::HmacSha256,
    };
    Ok(core_sign::SignatureRequest { provider, algorithm, key_id: input.key_id, message: input.message })
}

/// Signs for a client that holds no key: the app forwards `input` to its back office or keystore. Called once per
/// request sent (retries are signed afresh).
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait RequestSigner: Send + Sync {
    /// Returns the signature of `input.message` (see [`SignatureAlgorithm`] for the expected form).
    async fn sign(&self, input: SignatureInput) -> Result<Vec<u8>, RefundkitError>;
    /// Paytm only: whether `signature` is the merchant key's checksum of `raw_body` (answers are verified with
    /// the merchant key). Return `false` (or raise) when you cannot verify: the answer then reads as untrusted.
    async fn verify_paytm(&self, raw_body: String, signature: String) -> Result<bool, RefundkitError>;
}

struct SignerAdapter(Arc<dyn RequestSigner>);

#[async_trait::async_trait]
impl core_client::Signer for SignerAdapter {
    async fn sign(&self, request: core_sign::SignatureRequest) -> Result<Vec<u8>, String> {
        self.0.sign(request.into()).await.map_err(|e| e.to_string())
    }

    async fn verify_paytm(&self, raw_body: String, signature: String) -> Result<bool, String> {
        self.0.verify_paytm(raw_body, signature).await.map_err(|e| e.to_string())
    }
}

/// The reference signer, for back offices that sign for their apps: signs `input` with `key` (the Eko access
/// key, the Paytm merchant key, the UPI private key PEM or HMAC API key).
#[uniffi::export]
pub fn sign_with_key(input: SignatureInput, key: String) -> Result<Vec<u8>, RefundkitError> {
    let request = core_request(input)?;
    Ok(core_sign::sign_locally(&request, &refundkit::Secret::new(key), None)?)
}

/// The reference Paytm verifier for [`RequestSigner::verify_paytm`].
#[uniffi::export]
pub fn verify_paytm_with_key(raw_body: String, signature: String, merchant_key: String) -> bool {
    core_paytm::checksum::verify(&raw_body, &refundkit::Secret::new(merchant_key), &signature)
}

// ---------------------------------------------------------------------------------------------------------------
// Attempt records

/// Where attempt records of money-moving calls are kept until resolved. Records are JSON text without secrets; `key`
/// is exact and unique per (provider, account, reference) and safe as a file name. `save` must be durable when it
/// returns: if it raises, the money-moving call is not sent.
///
/// refundkit serializes claims on records within this process (one worker per reference at a time). Several
/// processes sharing one store need a store with atomic claims: use `directory_attempt_store` (one host).
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait AttemptStore: Send + Sync {
    /// Saves (or replaces) the record under `key`.
    async fn save(&self, key: String, record_json: String) -> Result<(), RefundkitError>;
    /// Forgets the record under `key`: its refund is resolved.
    async fn remove(&self, key: String) -> Result<(), RefundkitError>;
    /// Every record not yet removed (resume each after a restart).
    async fn unresolved(&self) -> Result<Vec<String>, RefundkitError>;
}

/// The core's store contract over an app's store: claims decided in this process under one lock, with the same rules
/// as every store (`claim_decision`, `check_holder`); unreadable entries skipped and reported.
struct StoreAdapter {
    store: Arc<dyn AttemptStore>,
    lock: tokio::sync::Mutex<()>,
}

impl StoreAdapter {
    async fn find(&self, key: &str) -> Result<Option<core_client::AttemptRecord>, core_client::StoreError> {
        Ok(self.listing().await?.records.into_iter().find(|r| r.key() == key))
    }

    async fn listing(&self) -> Result<core_client::Listing, core_client::StoreError> {
        let texts = self.store.unresolved().await.map_err(store_error)?;
        let mut listing = core_client::Listing::default();
        for (i, text) in texts.iter().enumerate() {
            match core_client::AttemptRecord::from_json(text) {
                Ok(r) => listing.records.push(r),
                Err(problem) => listing.skipped.push((format!("entry {i}"), problem)),
            }
        }
        Ok(listing)
    }
}

fn store_error(e: RefundkitError) -> core_client::StoreError {
    core_client::StoreError::new(format!("the app's attempt store failed: {e}"))
}

#[async_trait::async_trait]
impl core_client::AttemptStore for StoreAdapter {
    async fn claim(
        &self,
        record: &core_client::AttemptRecord,
        request: core_client::ClaimRequest<'_>,
    ) -> Result<core_client::Claim, core_client::StoreError> {
        let _guard = self.lock.lock().await;
        let stored = self.find(&record.key()).await?;
        let (claim, write) = core_client::claim_decision(stored.as_ref(), record, request);
        if let Some(w) = write {
            self.store.save(w.key(), w.to_json()).await.map_err(store_error)?;
        }
        Ok(claim)
    }

    async fn update(
        &self,
        record: &core_client::AttemptRecord,
        owner: &str,
        now_ms: u64,
    ) -> Result<(), core_client::StoreError> {
        let _guard = self.lock.lock().await;
        let stored = self.find(&record.key()).await?.ok_or_else(|| {
            core_client::StoreError::new(format!("the attempt record for {} is gone", record.reference))
        })?;
        core_client::check_holder(&stored, owner, now_ms)?;
        if record.refunded_at_ms.is_some() {
            // The app's store keeps its contract ("remove: its refund is resolved"): no tombstones there.
            return self.store.remove(record.key()).await.map_err(store_error);
        }
        self.store.save(record.key(), record.to_json()).await.map_err(store_error)
    }

    async fn remove(
        &self,
        record: &core_client::AttemptRecord,
        owner: &str,
        now_ms: u64,
    ) -> Result<(), core_client::StoreError> {
        let _guard = self.lock.lock().await;
        if let Some(stored) = self.find(&record.key()).await? {
            core_client::check_holder(&stored, owner, now_ms)?;
        }
        self.store.remove(record.key()).await.map_err(store_error)
    }

    async fn list(&self) -> Result<core_client::Listing, core_client::StoreError> {
        self.listing().await
    }
}

/// A store keeping one JSON file per record in `directory`: atomic writes (a unique temporary file, fsync, rename),
/// exact file names, claims that are atomic across processes on this host (an OS file lock), foreign files skipped.
#[uniffi::export]
pub fn directory_attempt_store(directory: String) -> Result<Arc<dyn AttemptStore>, RefundkitError> {
    let store = core_client::DirAttemptStore::new(directory)
        .map_err(|e| RefundkitError::Configuration { field: "directory".into(), reason: e.0 })?;
    Ok(builtin_store(Arc::new(store)))
}

/// Deletes the tombstones that a built-in store (`directory_attempt_store`, `memory_attempt_store`) keeps for references
/// refunded before `before_ms` (Unix ms); returns how many. A tombstone makes a later `refund` of the same reference
/// report the earlier success instead of sending; purge only what no one will refund again. An app's own store keeps
/// no tombstones (refundkit calls its `remove`): nothing to purge there, and 0 is returned.
#[uniffi::export]
pub async fn purge_refunded_attempts(store: Arc<dyn AttemptStore>, before_ms: i64) -> Result<i64, RefundkitError> {
    let before = before_ms.max(0) as u64;
    let core = core_store(store);
    let listing = core.list().await.map_err(|e| RefundkitError::Store { reason: e.0 })?;
    let mut purged = 0;
    for r in listing.records.iter().filter(|r| r.refunded_at_ms.is_some_and(|at| at < before)) {
        let mut stale = r.clone();
        stale.claim = None;
        core.remove(&stale, APP_OWNER, 0).await.map_err(|e| RefundkitError::Store { reason: e.0 })?;
        purged += 1;
    }
    Ok(purged)
}

/// An in-memory store (lost on restart; for tests).
#[uniffi::export]
pub fn memory_attempt_store() -> Arc<dyn AttemptStore> {
    builtin_store(Arc::new(core_client::MemoryAttemptStore::default()))
}

/// A core store seen from the app (its records readable as JSON), and handed back to a client as is.
struct CoreStore(Arc<dyn core_client::AttemptStore>);

/// The owner id the app acts as when it calls a built-in store's methods directly (never a client's).
const APP_OWNER: &str = "app";

#[async_trait::async_trait]
impl AttemptStore for CoreStore {
    async fn save(&self, key: String, record_json: String) -> Result<(), RefundkitError> {
        let record = parse_record(&record_json)?;
        if record.key() != key {
            let reason = "the key is not the record's key".to_string();
            return Err(RefundkitError::InvalidInput { field: "key".into(), reason });
        }
        let request = core_client::ClaimRequest { owner: APP_OWNER, now_ms: 0, lease_ms: 0, create: true };
        // Create it if missing; otherwise replace it unless a client holds it.
        match self.0.claim(&record, request).await.map_err(|e| RefundkitError::Store { reason: e.0 })? {
            core_client::Claim::Held { owner, until_ms } => {
                Err(RefundkitError::Store { reason: format!("the record is claimed by {owner} until {until_ms}") })
            }
            _ => self.0.update(&record, APP_OWNER, 0).await.map_err(|e| RefundkitError::Store { reason: e.0 }),
        }
    }

    async fn remove(&self, key: String) -> Result<(), RefundkitError> {
        let all = self.0.unresolved().await.map_err(|e| RefundkitError::Store { reason: e.0 })?;
        for r in all.iter().filter(|r| r.key() == key) {
            self.0.remove(r, APP_OWNER, 0).await.map_err(|e| RefundkitError::Store { reason: e.0 })?;
        }
        Ok(())
    }

    async fn unresolved(&self) -> Result<Vec<String>, RefundkitError> {
        let all = self.0.unresolved().await.map_err(|e| RefundkitError::Store { reason: e.0 })?;
        Ok(all.iter().map(|r| r.to_json()).collect())
    }
}

fn parse_record(text: &str) -> Result<core_client::AttemptRecord, RefundkitError> {
    core_client::AttemptRecord::from_json(text)
        .map_err(|reason| RefundkitError::InvalidInput { field: "record_json".into(), reason })
}

// ---------------------------------------------------------------------------------------------------------------
// Policy, reports

/// Retry, backoff and polling limits (see the README's policy table). Defaults suit a point-of-sale app.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RetryPolicy {
    /// Requests per read while its answer is indeterminate (also tries of a money-moving call that never left).
    #[uniffi(default = 4)]
    pub max_attempts: i32,
    /// Status polls after a money-moving call while the refund is pending or indeterminate.
    #[uniffi(default = 5)]
    pub max_polls: i32,
    /// First backoff ceiling in ms (doubles per retry, full jitter).
    #[uniffi(default = 500)]
    pub base_delay_ms: i64,
    /// Largest backoff ceiling in ms.
    #[uniffi(default = 8000)]
    pub max_delay_ms: i64,
    /// Longest `Retry-After` honoured, in ms.
    #[uniffi(default = 30000)]
    pub max_retry_after_ms: i64,
    /// Offsets to the provider's clock beyond this (ms) turn an authentication refusal into `ClockSkew`.
    #[uniffi(default = 30000)]
    pub clock_skew_threshold_ms: i64,
    /// Sign on the provider's time once an offset is measured.
    #[uniffi(default = false)]
    pub correct_clock: bool,
    /// Eko's commit window in ms: after an unclear send, "not refunded" is not believed before it ends.
    #[uniffi(default = 1800000)]
    pub eko_commit_window_ms: i64,
    /// Paytm's commit window in ms.
    #[uniffi(default = 1800000)]
    pub paytm_commit_window_ms: i64,
    /// Refund 360's commit window in ms.
    #[uniffi(default = 1800000)]
    pub upi360_commit_window_ms: i64,
    /// Consecutive "not found" answers after the window that prove a refund absent.
    #[uniffi(default = 2)]
    pub absence_confirmations: i32,
    /// How long a claim on an attempt record lasts without renewal, in ms (a crashed worker's claim expires).
    #[uniffi(default = 120000)]
    pub claim_lease_ms: i64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::from(core_client::RetryPolicy::default())
    }
}

impl From<core_client::RetryPolicy> for RetryPolicy {
    fn from(p: core_client::RetryPolicy) -> Self {
        RetryPolicy {
            max_attempts: p.max_attempts as i32,
            max_polls: p.max_polls as i32,
            base_delay_ms: p.base_delay.as_millis() as i64,
            max_delay_ms: p.max_delay.as_millis() as i64,
            max_retry_after_ms: p.max_retry_after.as_millis() as i64,
            clock_skew_threshold_ms: p.clock_skew_threshold.as_millis() as i64,
            correct_clock: p.correct_clock,
            eko_commit_window_ms: p.commit_windows.eko.as_millis() as i64,
            paytm_commit_window_ms: p.commit_windows.paytm.as_millis() as i64,
            upi360_commit_window_ms: p.commit_windows.upi360.as_millis() as i64,
            absence_confirmations: p.absence_confirmations as i32,
            claim_lease_ms: p.claim_lease.as_millis() as i64,
        }
    }
}

fn ms(v: i64) -> Duration {
    Duration::from_millis(v.max(0) as u64)
}

impl From<RetryPolicy> for core_client::RetryPolicy {
    fn from(p: RetryPolicy) -> Self {
        core_client::RetryPolicy {
            max_attempts: p.max_attempts.max(1) as u32,
            max_polls: p.max_polls.max(1) as u32,
            base_delay: ms(p.base_delay_ms),
            max_delay: ms(p.max_delay_ms),
            max_retry_after: ms(p.max_retry_after_ms),
            clock_skew_threshold: ms(p.clock_skew_threshold_ms),
            correct_clock: p.correct_clock,
            commit_windows: core_client::CommitWindows {
                eko: ms(p.eko_commit_window_ms),
                paytm: ms(p.paytm_commit_window_ms),
                upi360: ms(p.upi360_commit_window_ms),
            },
            absence_confirmations: p.absence_confirmations.max(1) as u32,
            claim_lease: ms(p.claim_lease_ms),
        }
    }
}

/// What a client call did and where the refund stands.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RefundReport {
    /// The final interpretation, with the provider's raw codes.
    pub outcome: Outcome,
    /// The id used: Eko `tid`, Paytm `refId`, Refund 360 `refundRequestId`.
    pub reference: String,
    /// HTTP requests made by this call.
    pub attempts: i32,
    /// Times the money-moving request itself was sent.
    pub money_moving_sends: i32,
    /// Whether an inquiry/status call, made because the first answer was unclear, settled it (only with a final outcome).
    pub resolved_by_inquiry: bool,
    /// Provider clock minus device clock in ms, from `Date` headers.
    pub clock_offset_ms: Option<i64>,
    /// When the outcome is not final: the earliest time (Unix ms) asking again can settle it; `resume` then.
    pub next_check_at_ms: Option<i64>,
    /// The attempt record (JSON) of a money-moving call; pass it to `resume` after a crash.
    pub record_json: Option<String>,
}

impl From<core_client::Report> for RefundReport {
    fn from(r: core_client::Report) -> Self {
        RefundReport {
            outcome: r.outcome.into(),
            reference: r.reference,
            attempts: r.attempts as i32,
            money_moving_sends: r.money_moving_sends as i32,
            resolved_by_inquiry: r.resolved_by_inquiry,
            clock_offset_ms: r.clock_offset_ms,
            next_check_at_ms: r.next_check_at_ms.map(|v| v as i64),
            record_json: r.record.map(|r| r.to_json()),
        }
    }
}

impl From<ClientError> for RefundkitError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Invalid(e) => e.into(),
            ClientError::Signer(reason) => RefundkitError::Signer { reason },
            ClientError::Store(reason) => RefundkitError::Store { reason },
            ClientError::ClaimedElsewhere { reference, until_ms } => {
                RefundkitError::ClaimedElsewhere { reference, until_ms: until_ms as i64 }
            }
            other => RefundkitError::Internal { reason: other.to_string() },
        }
    }
}

struct TokioSleeper;

#[async_trait::async_trait]
impl core_client::Sleeper for TokioSleeper {
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await
    }
}

/// Whether `store` is one of refundkit's own stores (see [`core_store`]).
fn is_builtin_store(store: &Arc<dyn AttemptStore>) -> bool {
    let address = Arc::as_ptr(store) as *const () as usize;
    BUILTIN_STORES
        .lock()
        .map(|stores| stores.iter().any(|(a, weak)| *a == address && weak.strong_count() > 0))
        .unwrap_or(false)
}

/// The core store behind `store`: a built-in store is used directly (its claims stay atomic across processes); an
/// app's store gets the in-process claim adapter.
fn core_store(store: Arc<dyn AttemptStore>) -> Arc<dyn core_client::AttemptStore> {
    // uniffi hands a built-in store back as the same Rust object (the same address); anything else is the app's.
    let address = Arc::as_ptr(&store) as *const () as usize;
    let builtin = BUILTIN_STORES.lock().ok().and_then(|mut stores| {
        stores.retain(|(_, weak)| weak.strong_count() > 0);
        stores.iter().find(|(a, _)| *a == address).and_then(|(_, weak)| weak.upgrade())
    });
    match builtin {
        Some(core) => core.0.clone(),
        None => Arc::new(StoreAdapter { store, lock: tokio::sync::Mutex::new(()) }),
    }
}

/// The built-in stores handed out, by address.
static BUILTIN_STORES: std::sync::Mutex<Vec<(usize, std::sync::Weak<CoreStore>)>> = std::sync::Mutex::new(Vec::new());

pub(crate) fn builtin_store(store: Arc<dyn core_client::AttemptStore>) -> Arc<dyn AttemptStore> {
    let core = Arc::new(CoreStore(store));
    if let Ok(mut stores) = BUILTIN_STORES.lock() {
        stores.push((Arc::as_ptr(&core) as *const () as usize, Arc::downgrade(&core)));
    }
    core
}

/// A client's core options, and whether the client can run a whole bulk call on refundkit's own runtime.
struct ClientOptionsFfi {
    options: ClientOptions,
    /// True when the transport is the built-in one and there is no app signer and no app store: nothing in the client
    /// is the app's *async* code (a Python coroutine can only run on its caller's event loop; the app's clock, random
    /// source and progress sink are plain calls, safe from any thread). Then a bulk call runs entirely inside Rust
    /// and wakes the caller once, at the end, instead of once per answer.
    native: bool,
}

#[allow(clippy::too_many_arguments)]
fn options(
    transport: Arc<dyn HttpTransport>,
    policy: Option<RetryPolicy>,
    signer: Option<Arc<dyn RequestSigner>>,
    store: Option<Arc<dyn AttemptStore>>,
    clock: Option<Arc<dyn Clock>>,
    random: Option<Arc<dyn RandomSource>>,
    owner: Option<String>,
) -> ClientOptionsFfi {
    let native = is_builtin_transport(&transport)
        && signer.is_none()
        && store.as_ref().is_none_or(is_builtin_store)
        && native_runtime().is_some();
    let mut o = ClientOptions::new(Arc::new(TransportAdapter(transport)), Arc::new(TokioSleeper))
        .policy(policy.unwrap_or_default().into())
        .clock(Arc::new(ClockAdapter(clock)))
        .random(Arc::new(RandomAdapter(random)));
    if let Some(s) = signer {
        o = o.signer(Arc::new(SignerAdapter(s)));
    }
    if let Some(s) = store {
        o = o.store(core_store(s));
    }
    if let Some(owner) = owner.filter(|o| !o.is_empty()) {
        o = o.owner(owner);
    }
    ClientOptionsFfi { options: o, native }
}

// ---------------------------------------------------------------------------------------------------------------
// Eko

/// Eko refunds under refundkit's refund policy. Methods are async (Kotlin `suspend`, Swift `async`, Python
/// coroutines).
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct EkoRefunds {
    pub(crate) inner: Arc<core_eko::EkoRefunds>,
    /// Bulk calls run on refundkit's runtime (see `ClientOptionsFfi::native`).
    pub(crate) native: bool,
}

impl std::fmt::Debug for EkoRefunds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl EkoRefunds {
    /// A client. `access_key` may be empty when `signer` signs (the app then never holds the key). `store` keeps
    /// attempt records (default: in memory). `clock` is the device clock (default: the system clock). `owner` is this
    /// worker's id in store claims (default: fresh per client); give a restarted worker its old id to take back its
    /// own claims at once instead of after their lease, and never give two live workers the same id.
    #[uniffi::constructor(default(policy = None, signer = None, store = None, clock = None, owner = None))]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        options: EkoOptions,
        developer_key: String,
        access_key: String,
        transport: Arc<dyn HttpTransport>,
        policy: Option<RetryPolicy>,
        signer: Option<Arc<dyn RequestSigner>>,
        store: Option<Arc<dyn AttemptStore>>,
        clock: Option<Arc<dyn Clock>>,
        owner: Option<String>,
    ) -> Result<Arc<Self>, RefundkitError> {
        let config = options.into_config(developer_key, access_key);
        let o = self::options(transport, policy, signer, store, clock, None, owner);
        Ok(Arc::new(EkoRefunds { inner: Arc::new(core_eko::EkoRefunds::new(config, o.options)?), native: o.native }))
    }

    /// Get / Resend Refund OTP (sent once; moves no money).
    pub async fn send_refund_otp(&self, tid: String) -> Result<RefundReport, RefundkitError> {
        Ok(self.inner.send_refund_otp(&tid).await?.into())
    }

    /// Initiate Refund with the customer's OTP. **Moves money**: sent once; resolved by inquiry if unclear.
    #[uniffi::method(default(otp_ref_id = None))]
    pub async fn refund(
        &self,
        tid: String,
        otp: String,
        otp_ref_id: Option<String>,
    ) -> Result<RefundReport, RefundkitError> {
        let mut request = core_eko::RefundRequest::new(tid, otp);
        request.otp_ref_id = otp_ref_id;
        Ok(self.inner.refund(&request).await?.into())
    }

    /// Transaction Inquiry on `tid`, retried while indeterminate.
    pub async fn inquiry(&self, tid: String) -> Result<RefundReport, RefundkitError> {
        Ok(self.inner.inquiry(&core_eko::TransactionRef::Tid(tid)).await?.into())
    }

    /// Resolves an attempt record (from a report or the store) by inquiry only.
    pub async fn resume(&self, record_json: String) -> Result<RefundReport, RefundkitError> {
        Ok(self.inner.resume(&parse_record(&record_json)?).await?.into())
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Paytm

/// Paytm refunds (PG or AI-router) under refundkit's refund policy.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct PaytmRefunds {
    pub(crate) inner: Arc<core_paytm::PaytmRefunds>,
    /// Bulk calls run on refundkit's runtime (see `ClientOptionsFfi::native`).
    pub(crate) native: bool,
}

impl std::fmt::Debug for PaytmRefunds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

/// A Paytm Refund Apply.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PaytmRefundApply {
    /// The original `orderId`.
    pub order_id: String,
    /// Your unique refund id (`refId`); persist it before calling.
    pub ref_id: String,
    /// Paytm's id of the original payment (`txnId`).
    pub txn_id: String,
    /// The amount to refund, in paise.
    pub refund_amount_paise: i64,
    /// The original amount in paise, when known (enables the full-vs-partial checks).
    #[uniffi(default = None)]
    pub original_amount_paise: Option<i64>,
    /// Free-text comments.
    #[uniffi(default = None)]
    pub comments: Option<String>,
}

#[uniffi::export(async_runtime = "tokio")]
impl PaytmRefunds {
    /// A client. `merchant_key` may be empty when `signer` signs and verifies. `owner`: as for `EkoRefunds`.
    #[uniffi::constructor(default(policy = None, signer = None, store = None, clock = None, random = None, owner = None))]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        options: PaytmOptions,
        merchant_key: String,
        transport: Arc<dyn HttpTransport>,
        policy: Option<RetryPolicy>,
        signer: Option<Arc<dyn RequestSigner>>,
        store: Option<Arc<dyn AttemptStore>>,
        clock: Option<Arc<dyn Clock>>,
        random: Option<Arc<dyn RandomSource>>,
        owner: Option<String>,
    ) -> Result<Arc<Self>, RefundkitError> {
        let config = options.into_config(merchant_key);
        let o = self::options(transport, policy, signer, store, clock, random, owner);
        Ok(Arc::new(PaytmRefunds {
            inner: Arc::new(core_paytm::PaytmRefunds::new(config, o.options)?),
            native: o.native,
        }))
    }

    /// Refund Apply. **Moves money**: sent once; then Refund Status polls with the same `refId`.
    pub async fn refund(&self, apply: PaytmRefundApply) -> Result<RefundReport, RefundkitError> {
        let mut a = core_paytm::RefundApply::new(
            apply.order_id,
            apply.ref_id,
            apply.txn_id,
            refundkit::Money::from_paise(apply.refund_amount_paise),
        );
        a.original_amount = apply.original_amount_paise.map(refundkit::Money::from_paise);
        a.comments = apply.comments;
        Ok(self.inner.refund(&a).await?.into())
    }

    /// Refund Status by `order_id` and `ref_id`, retried while indeterminate.
    pub async fn status(&self, order_id: String, ref_id: String) -> Result<RefundReport, RefundkitError> {
        let q = core_paytm::RefundStatusQuery::new(order_id, ref_id);
        Ok(self.inner.status(&q, core_paytm::PriorApply::Unknown).await?.into())
    }

    /// Resolves an attempt record by status polls only.
    pub async fn resume(&self, record_json: String) -> Result<RefundReport, RefundkitError> {
        Ok(self.inner.resume(&parse_record(&record_json)?).await?.into())
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Refund 360

/// UPI Refund 360 under refundkit's refund policy.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct Upi360Refunds {
    pub(crate) inner: Arc<core_upi::Upi360Refunds>,
    /// Bulk calls run on refundkit's runtime (see `ClientOptionsFfi::native`).
    pub(crate) native: bool,
}

impl std::fmt::Debug for Upi360Refunds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Upi360Refunds {
    /// A client. `signing_key` (private key PEM or HMAC API key) may be empty when `signer` signs.
    /// `psp_public_key_pem` verifies every answer. `owner`: as for `EkoRefunds`.
    #[uniffi::constructor(default(policy = None, signer = None, store = None, clock = None, owner = None))]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        options: Upi360Options,
        signing_key: String,
        psp_public_key_pem: String,
        transport: Arc<dyn HttpTransport>,
        policy: Option<RetryPolicy>,
        signer: Option<Arc<dyn RequestSigner>>,
        store: Option<Arc<dyn AttemptStore>>,
        clock: Option<Arc<dyn Clock>>,
        owner: Option<String>,
    ) -> Result<Arc<Self>, RefundkitError> {
        let verification = core_upi::ResponseVerification::Verify {
            psp_public_key_pem,
            canonical_form: canonical(options.canonical_form),
        };
        let config = options.into_config(signing_key, verification);
        let o = self::options(transport, policy, signer, store, clock, None, owner);
        Ok(Arc::new(Upi360Refunds {
            inner: Arc::new(core_upi::Upi360Refunds::new(config, o.options)?),
            native: o.native,
        }))
    }

    /// Refund 360. **Moves money**: sent once; PENDING / DEEMED / no answer are polled by status, same id.
    pub async fn refund(&self, request: Upi360RefundRequest) -> Result<RefundReport, RefundkitError> {
        let r: core_upi::RefundRequest = request.into();
        Ok(self.inner.refund(&r).await?.into())
    }

    /// Refund Status, retried while indeterminate. Never creates a refund.
    pub async fn status(&self, request: Upi360StatusRequest) -> Result<RefundReport, RefundkitError> {
        let r: core_upi::StatusRequest = request.into();
        Ok(self.inner.status(&r).await?.into())
    }

    /// Resolves an attempt record by status polls only.
    pub async fn resume(&self, record_json: String) -> Result<RefundReport, RefundkitError> {
        Ok(self.inner.resume(&parse_record(&record_json)?).await?.into())
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Logging

/// Log levels forwarded to [`LogSink`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    /// Very detailed.
    Trace,
    /// Each request sent and answer received.
    Debug,
    /// Each outcome.
    Info,
    /// Transport failures.
    Warn,
    /// Errors.
    Error,
}

/// Receives refundkit's log lines (forward them to Logcat, os_log or Python `logging`). Lines never contain keys,
/// signatures, OTPs, headers or bodies.
#[uniffi::export(with_foreign)]
pub trait LogSink: Send + Sync {
    /// One log line.
    fn log(&self, level: LogLevel, target: String, message: String);
}

static SINK: RwLock<Option<(Arc<dyn LogSink>, LogLevel)>> = RwLock::new(None);

/// Sends refundkit's log lines at `min_level` and above to `sink` (replacing any earlier sink). Call once at start.
#[uniffi::export]
pub fn set_log_sink(sink: Arc<dyn LogSink>, min_level: LogLevel) {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    if let Ok(mut s) = SINK.write() {
        *s = Some((sink, min_level));
    }
    INSTALLED.get_or_init(|| {
        use tracing_subscriber::layer::SubscriberExt;
        let subscriber = tracing_subscriber::registry().with(ForwardLayer);
        // Fails only if the host process installed its own global subscriber first; then events go there.
        tracing::subscriber::set_global_default(subscriber).is_ok()
    });
}

/// Stops forwarding log lines.
#[uniffi::export]
pub fn clear_log_sink() {
    if let Ok(mut s) = SINK.write() {
        *s = None;
    }
}

struct ForwardLayer;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for ForwardLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: tracing_subscriber::layer::Context<'_, S>) {
        let level = match *event.metadata().level() {
            tracing::Level::TRACE => LogLevel::Trace,
            tracing::Level::DEBUG => LogLevel::Debug,
            tracing::Level::INFO => LogLevel::Info,
            tracing::Level::WARN => LogLevel::Warn,
            tracing::Level::ERROR => LogLevel::Error,
        };
        // Take the sink out of the lock before calling it: a sink that logs or swaps sinks must not deadlock.
        let Some((sink, min)) = SINK.read().ok().and_then(|g| g.clone()) else { return };
        if level < min {
            return;
        }
        let mut line = LineVisitor(String::new());
        event.record(&mut line);
        sink.log(level, event.metadata().target().to_string(), line.0.trim().to_string());
    }
}

struct LineVisitor(String);

impl tracing::field::Visit for LineVisitor {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write;
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?} ");
        } else {
            let _ = write!(self.0, "{}={value:?} ", field.name());
        }
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        use std::fmt::Write;
        if field.name() == "message" {
            let _ = write!(self.0, "{value} ");
        } else {
            let _ = write!(self.0, "{}={value} ", field.name());
        }
    }
}
