//! Refund clients: send, wait, retry and recover, following one refund policy for every provider.
//!
//! Feature `client`. The sans-IO builders and interpreters decide *what* to send and what an answer means; the
//! clients here decide *when* to send and what to do when the answer does not come. They are runtime-agnostic:
//! the network is a [`Transport`] (the built-in one is `ReqwestTransport` behind
//! feature `reqwest`; apps can bring OkHttp, URLSession or their own), time passes through a [`Sleeper`], and keys
//! either sit in the provider configuration or stay with a delegated [`Signer`].
//!
//! ## The refund policy
//!
//! | Situation | What the client does |
//! |---|---|
//! | Money-moving call (Eko refund, Paytm apply, Refund 360) | an [`AttemptRecord`] is saved to the [`AttemptStore`] **before** anything is sent, then the call is sent **once** |
//! | …it provably never left (connection refused, DNS) | re-sent with the **same** id (it cannot have been processed), up to [`RetryPolicy::max_attempts`] |
//! | …an unresolved record for the reference exists, or another worker holds its claim | **nothing is sent**: the earlier attempt is resolved by status, or [`ClientError::ClaimedElsewhere`] |
//! | …timeout, reset, 5xx, unreadable or unknown answer | **never re-sent**: resolved by inquiry with the same id (Eko inquiry on the `tid`, Paytm status with the `refId`, Refund 360 status with the `refundRequestId`) |
//! | …"not found" / "not refunded" after an unclear send | **not proof inside the provider's commit window** ([`RetryPolicy::commit_windows`]): `Pending`, [`Report::next_check_at_ms`] = the window's end; after it, [`RetryPolicy::absence_confirmations`] consecutive answers make it `Failed` |
//! | …pending / DEEMED answer | polled by status with the same id until final or the poll budget ends |
//! | Read (inquiry, status, pending refunds) with an indeterminate answer | retried with exponential backoff and full jitter, honouring `Retry-After`, **re-signed with a fresh timestamp** each time |
//! | Authentication refused and the provider's `Date` is far from ours | [`crate::Reason::ClockSkew`] with the measured offset ([`Report::clock_offset_ms`]); [`RetryPolicy::correct_clock`] signs later requests on the provider's time |
//! | Crash at any step | [`AttemptStore::unresolved`] lists the records; `resume(record)` resolves each **by status only** |
//!
//! The engine that applies this table is written once (`engine.rs`); its invariants and their tests are in the
//! repository's `docs/safety.md`.
//!
//! Every [`Report`] carries the outcome (with the provider's raw codes), the id used, and how many HTTP requests
//! were made. Logging goes through `tracing` (target `refundkit`) and never includes keys, signatures, OTPs,
//! headers or bodies.

mod bulk;
#[doc(hidden)]
pub mod contract;
mod engine;
#[cfg(feature = "postgres")]
mod postgres_store;
#[cfg(feature = "reqwest")]
mod reqwest_transport;
mod skew;
#[cfg(feature = "sqlite")]
mod sqlite_store;
mod store;

pub use bulk::{run_bulk, BulkOptions, BulkProgressFn, CancelToken, DEFAULT_BULK_CONCURRENCY};
pub use contract as store_contract;
pub(crate) use engine::{record_for, Engine, Exchange, RefundAdapter, Tally};
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use postgres_store::PostgresAttemptStore;
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub use reqwest_transport::{ReqwestTransport, TransportOptions};
pub use skew::{parse_http_date, ClockOffset};
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sqlite_store::SqliteAttemptStore;
pub use store::{
    check_holder, claim_decision, AttemptKey, AttemptRecord, AttemptStore, Claim, ClaimHolder, ClaimRequest,
    DirAttemptStore, Listing, MemoryAttemptStore, StoreError, ATTEMPT_RECORD_VERSION,
};

use crate::clock::Clock;
use crate::error::Error;
use crate::http::{HttpRequest, HttpResponse};
use crate::outcome::{Outcome, Provider};
use crate::random::RandomSource;
use crate::sign::SignatureRequest;
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

/// Whether a failed request may have reached the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportErrorKind {
    /// The request provably never left: connection refused, DNS failure, an invalid URL. Nothing happened at the
    /// provider; the same request may be sent again.
    NotSent,
    /// The request may have been processed: a timeout after sending, a connection reset, a truncated answer.
    MaybeProcessed,
}

/// A request that got no usable HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind:?}: {message}")]
pub struct TransportError {
    /// Whether it may have been processed.
    pub kind: TransportErrorKind,
    /// What happened (never contains request headers or bodies).
    pub message: String,
}

impl TransportError {
    /// The request never left.
    pub fn not_sent(message: impl Into<String>) -> Self {
        TransportError { kind: TransportErrorKind::NotSent, message: message.into() }
    }

    /// The request may have been processed.
    pub fn maybe_processed(message: impl Into<String>) -> Self {
        TransportError { kind: TransportErrorKind::MaybeProcessed, message: message.into() }
    }
}

/// Sends one HTTP request and returns the answer. Implementations must not retry or follow redirects: the client
/// decides what may be repeated.
#[async_trait]
pub trait Transport: Send + Sync {
    /// Sends `request` exactly as given (method, URL, headers in order, body bytes).
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
}

/// Waits. Injected so that backoff is instant and deterministic in tests.
#[async_trait]
pub trait Sleeper: Send + Sync {
    /// Returns after `duration`.
    async fn sleep(&self, duration: Duration);
}

/// A [`Sleeper`] on tokio's timer (feature `tokio`).
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

#[cfg(feature = "tokio")]
#[async_trait]
impl Sleeper for TokioSleeper {
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await
    }
}

/// A [`Sleeper`] that returns at once and remembers what it was asked to wait (for tests).
#[derive(Debug, Default)]
pub struct RecordingSleeper {
    slept: std::sync::Mutex<Vec<Duration>>,
}

impl RecordingSleeper {
    /// Every wait requested so far.
    pub fn waits(&self) -> Vec<Duration> {
        self.slept.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl Sleeper for RecordingSleeper {
    async fn sleep(&self, duration: Duration) {
        if let Ok(mut v) = self.slept.lock() {
            v.push(duration);
        }
    }
}

/// Signs for a client whose configuration holds no key: a back office, a hardware keystore. Called once per
/// request sent (every retry is signed afresh).
#[async_trait]
pub trait Signer: Send + Sync {
    /// Signs `request.message` with `request.algorithm` (see [`crate::sign::SignatureAlgorithm`] for what each
    /// returns).
    async fn sign(&self, request: SignatureRequest) -> Result<Vec<u8>, String>;

    /// Verifies a Paytm response signature over `raw_body` (Paytm clients only; the merchant key verifies
    /// answers). The default cannot verify, so signed Paytm answers read as untrusted (indeterminate).
    async fn verify_paytm(&self, raw_body: String, signature: String) -> Result<bool, String> {
        let _ = (raw_body, signature);
        Err("this signer cannot verify Paytm response signatures".into())
    }
}

/// Retry, backoff and polling limits. The defaults suit a point-of-sale app waiting for an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Requests per read (inquiry, status) while its answer is indeterminate; also how often a money-moving call
    /// that provably never left is tried. At least 1.
    pub max_attempts: u32,
    /// Status polls after a money-moving call while the refund is pending or indeterminate.
    pub max_polls: u32,
    /// First backoff ceiling; doubles each retry (full jitter: the wait is uniform in `[0, ceiling]`).
    pub base_delay: Duration,
    /// Largest backoff ceiling.
    pub max_delay: Duration,
    /// Longest `Retry-After` honoured; a longer one ends the retries (the outcome says to retry later).
    pub max_retry_after: Duration,
    /// An authentication refusal is reported as [`crate::Reason::ClockSkew`] when the measured offset exceeds this.
    pub clock_skew_threshold: Duration,
    /// Sign with the provider's time (local time plus the measured offset) once an offset is known.
    pub correct_clock: bool,
    /// How long after a money-moving request was sent (or acknowledged) the provider may still commit it. Until then a
    /// "not found" / "not refunded" status proves nothing (S2 in `docs/safety.md`). Per provider.
    pub commit_windows: CommitWindows,
    /// After the commit window, how many consecutive "not found" answers make the refund provably absent (final
    /// `Failed`). At least 1.
    pub absence_confirmations: u32,
    /// How long a claim on an attempt record lasts without renewal (the engine renews it before every request). A
    /// crashed worker's claim expires after this; it must exceed the longest single request plus backoff wait.
    pub claim_lease: Duration,
}

/// The providers' commit windows (see [`RetryPolicy::commit_windows`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitWindows {
    /// Eko: 30 minutes (Eko publishes no bound).
    pub eko: Duration,
    /// Paytm: 30 minutes (Paytm's own "record not found" grace period).
    pub paytm: Duration,
    /// Refund 360: 30 minutes (the PSP accepts a request up to 30 minutes after its `x-timestamp`).
    pub upi360: Duration,
}

impl Default for CommitWindows {
    fn default() -> Self {
        CommitWindows { eko: DEFAULT_COMMIT_WINDOW, paytm: DEFAULT_COMMIT_WINDOW, upi360: DEFAULT_COMMIT_WINDOW }
    }
}

impl CommitWindows {
    /// The same window for every provider.
    pub fn all(window: Duration) -> Self {
        CommitWindows { eko: window, paytm: window, upi360: window }
    }
}

/// The default commit window of every provider: 30 minutes.
pub const DEFAULT_COMMIT_WINDOW: Duration = Duration::from_secs(30 * 60);

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            max_polls: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(30),
            clock_skew_threshold: Duration::from_secs(30),
            correct_clock: false,
            commit_windows: CommitWindows::default(),
            absence_confirmations: 2,
            claim_lease: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// The commit window of `provider`.
    pub fn commit_window_for(&self, provider: Provider) -> Duration {
        match provider {
            Provider::Eko => self.commit_windows.eko,
            Provider::Paytm => self.commit_windows.paytm,
            Provider::Upi360 => self.commit_windows.upi360,
        }
    }

    /// The wait before retry number `retry` (1-based): full jitter over `min(max_delay, base_delay · 2^(retry-1))`,
    /// or the server's `Retry-After` when that is longer. `None`: the server asked for a longer wait than
    /// [`RetryPolicy::max_retry_after`], so stop now.
    pub fn backoff(&self, retry: u32, retry_after: Option<Duration>, random: &dyn RandomSource) -> Option<Duration> {
        let shift = retry.saturating_sub(1).min(20);
        let ceiling = self.base_delay.saturating_mul(1u32 << shift).min(self.max_delay);
        let mut bytes = [0u8; 8];
        let jitter = match random.fill(&mut bytes) {
            Ok(()) => {
                let unit = u64::from_be_bytes(bytes) >> 11; // 53 bits
                let millis = ceiling.as_millis() as u64;
                Duration::from_millis(((unit as u128 * (millis as u128 + 1)) >> 53) as u64)
            }
            Err(_) => ceiling / 2,
        };
        match retry_after {
            Some(after) if after > self.max_retry_after => None,
            Some(after) => Some(jitter.max(after)),
            None => Some(jitter),
        }
    }
}

/// Why a client call returned no [`Report`]. Nothing was sent in any of these cases, except
/// [`ClientError::Store`] after a resolution (see there).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// Bad input or configuration, named by field. Nothing was signed or sent.
    #[error(transparent)]
    Invalid(#[from] Error),
    /// The delegated [`Signer`] failed. Nothing was sent.
    #[error("signer failed: {0}")]
    Signer(String),
    /// The [`AttemptStore`] failed before anything was sent (the attempt record could not be saved or claimed), so the
    /// money-moving call was not sent.
    #[error("attempt store failed: {0}")]
    Store(String),
    /// Another worker holds the claim on this reference's attempt record until `until_ms` (Unix ms): it is working on
    /// it. Nothing was sent; ask again after `until_ms` or leave the reference to that worker.
    #[error("the refund {reference} is being worked on by another worker until {until_ms}")]
    ClaimedElsewhere {
        /// The reference.
        reference: String,
        /// When the other worker's lease ends.
        until_ms: u64,
    },
    /// A bulk call was cancelled ([`CancelToken::cancel`]) before this item started: nothing was sent for it.
    #[error("cancelled before it started: nothing was sent")]
    Cancelled,
}

/// What a client call did and where the refund stands.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// The final interpretation (status, reason, next step, the provider's raw codes).
    pub outcome: Outcome,
    /// The id the call used: Eko `tid`, Paytm `refId`, Refund 360 `refundRequestId`.
    pub reference: String,
    /// HTTP requests made by this call, all operations included.
    pub attempts: u32,
    /// How many times the money-moving request itself was sent (0 for reads and resumes; more than 1 only when
    /// earlier tries provably never left).
    pub money_moving_sends: u32,
    /// Whether an inquiry or status call, made because the first answer was unclear, settled the outcome (only ever
    /// `true` with a final outcome; an inquiry that could not settle it leaves this `false` and the record stored).
    pub resolved_by_inquiry: bool,
    /// The latest offset between the provider's clock and ours, from its `Date` headers (provider minus local,
    /// milliseconds; ±1 s resolution).
    pub clock_offset_ms: Option<i64>,
    /// When the outcome is not final: the earliest time (Unix ms) asking again can settle it (for a "not found" inside
    /// the commit window, the window's end). `resume` the record then.
    pub next_check_at_ms: Option<u64>,
    /// The attempt record of a money-moving call (persisted in the store until resolved).
    pub record: Option<AttemptRecord>,
}

/// Common construction options of the three provider clients.
#[derive(Clone)]
pub struct ClientOptions {
    /// The network.
    pub transport: Arc<dyn Transport>,
    /// Backoff waits.
    pub sleeper: Arc<dyn Sleeper>,
    /// Randomness for backoff jitter (and Paytm salts).
    pub random: Arc<dyn RandomSource>,
    /// Signs when the configuration holds no key.
    pub signer: Option<Arc<dyn Signer>>,
    /// Where attempt records of money-moving calls are kept until resolved.
    pub store: Arc<dyn AttemptStore>,
    /// Retry and polling limits.
    pub policy: RetryPolicy,
    /// The local clock (signing timestamps; corrected by the measured offset when the policy says so).
    pub clock: Arc<dyn Clock>,
    /// This client's owner id in attempt-store claims (default: fresh and unique per client). Set it to a stable id
    /// (a worker name) only if a restarted worker should take back its own claims at once instead of after their
    /// lease; never give two live workers the same id.
    pub owner: Option<String>,
}

impl ClientOptions {
    /// Options with `transport` and `sleeper`, the system clock, the operating system's random source, no
    /// delegated signer, an in-memory attempt store and the default policy.
    pub fn new(transport: Arc<dyn Transport>, sleeper: Arc<dyn Sleeper>) -> Self {
        ClientOptions {
            transport,
            sleeper,
            random: Arc::new(crate::random::OsRandom),
            signer: None,
            store: Arc::new(MemoryAttemptStore::default()),
            policy: RetryPolicy::default(),
            clock: Arc::new(crate::clock::SystemClock),
            owner: None,
        }
    }

    /// The built-in transport (reqwest, rustls) with default timeouts and the tokio sleeper.
    #[cfg(feature = "reqwest")]
    #[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
    pub fn builtin() -> Result<Self, Error> {
        Ok(ClientOptions::new(Arc::new(ReqwestTransport::new(TransportOptions::default())?), Arc::new(TokioSleeper)))
    }

    /// Uses `signer` for every signature (the configuration then needs no key).
    pub fn signer(mut self, signer: Arc<dyn Signer>) -> Self {
        self.signer = Some(signer);
        self
    }

    /// Keeps attempt records in `store`.
    pub fn store(mut self, store: Arc<dyn AttemptStore>) -> Self {
        self.store = store;
        self
    }

    /// Uses `policy`.
    pub fn policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Uses `clock` for timestamps.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Uses `owner` as this client's owner id in attempt-store claims (see [`ClientOptions::owner`]).
    pub fn owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = Some(owner.into());
        self
    }

    /// Uses `random` for jitter and salts.
    pub fn random(mut self, random: Arc<dyn RandomSource>) -> Self {
        self.random = random;
        self
    }

    pub(crate) fn engine(&self, provider: Provider) -> Engine {
        Engine {
            transport: self.transport.clone(),
            sleeper: self.sleeper.clone(),
            random: self.random.clone(),
            signer: self.signer.clone(),
            store: self.store.clone(),
            policy: self.policy.clone(),
            clock: Arc::new(ClockOffset::new(self.clock.clone(), self.policy.correct_clock)),
            provider,
            owner: self.owner.clone().unwrap_or_else(|| new_owner_id(self.random.as_ref())),
        }
    }
}

/// A fresh owner id: process id, a per-process counter and 8 random bytes (unique even with a fixed test random
/// source, since the counter differs).
fn new_owner_id(random: &dyn RandomSource) -> String {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut bytes = [0u8; 8];
    let _ = random.fill(&mut bytes);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}-{seq}-{}", std::process::id(), crate::crypto::hex::encode(&bytes))
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("policy", &self.policy)
            .field("delegated_signer", &self.signer.is_some())
            .finish_non_exhaustive()
    }
}

/// The path of `url` without scheme, host or query (queries can carry customer numbers).
pub(crate) fn url_path(url: &str) -> &str {
    let after_scheme = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    let path = after_scheme.find('/').map(|i| &after_scheme[i..]).unwrap_or("/");
    path.split('?').next().unwrap_or(path)
}

/// A transport error's text with every URL's query and fragment removed, control characters replaced and the length
/// capped at 200 characters.
pub(crate) fn scrub_transport_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(220));
    let mut rest = message;
    while let Some(i) = rest.find("://") {
        // Keep everything up to the URL's query; skip the query to the end of the URL token.
        let (before, url) = rest.split_at(i);
        out.push_str(before);
        let end =
            url.find(|c: char| c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '>' | ',')).unwrap_or(url.len());
        let token = &url[..end];
        out.push_str(token.split(['?', '#']).next().unwrap_or(token));
        rest = &url[end..];
    }
    out.push_str(rest);
    let mut clean: String = out.chars().map(|c| if c.is_control() { ' ' } else { c }).take(200).collect();
    if out.chars().count() > 200 {
        clean.push('…');
    }
    clean
}

/// `Retry-After` as delta-seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str, now_ms: u64) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs.min(86_400)));
    }
    let at = parse_http_date(v)?;
    Some(Duration::from_millis(at.saturating_sub(now_ms)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn transport_messages_lose_url_queries_and_stay_short() {
        use super::scrub_transport_message as scrub;
        assert_eq!(
            scrub("error sending request for url (https://api.eko.in/x/1?initiator_id=9&user_code=2): reset"),
            "error sending request for url (https://api.eko.in/x/1): reset"
        );
        assert_eq!(
            scrub("GET http://127.0.0.1:1/a?b=c#d failed; then https://h/p?q"),
            "GET http://127.0.0.1:1/a failed; then https://h/p"
        );
        assert_eq!(scrub("timed out\nafter 30 s"), "timed out after 30 s");
        assert_eq!(scrub("plain"), "plain");
        let long = scrub(&"x".repeat(500));
        assert_eq!(long.chars().count(), 201);
        assert!(long.ends_with('…'));
    }

    use super::*;
    use crate::random::FixedRandom;

    #[test]
    fn backoff_is_full_jitter_bounded_and_honours_retry_after() {
        let p = RetryPolicy::default();
        let max = FixedRandom(vec![0xff; 64]);
        let min = FixedRandom(vec![0x00; 64]);
        assert_eq!(p.backoff(1, None, &max), Some(Duration::from_millis(500)));
        assert_eq!(p.backoff(2, None, &max), Some(Duration::from_millis(1000)));
        assert_eq!(p.backoff(30, None, &max), Some(Duration::from_secs(8)));
        assert_eq!(p.backoff(3, None, &min), Some(Duration::ZERO));
        assert_eq!(p.backoff(1, Some(Duration::from_secs(3)), &min), Some(Duration::from_secs(3)));
        assert_eq!(p.backoff(1, Some(Duration::from_secs(31)), &min), None);
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("7", 0), Some(Duration::from_secs(7)));
        let now = 1_700_000_000_000;
        assert_eq!(parse_retry_after("Tue, 14 Nov 2023 22:13:25 GMT", now), Some(Duration::from_secs(5)));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn paths_drop_host_and_query() {
        assert_eq!(url_path("https://a.b/x/y?customer_id=9876543210"), "/x/y");
        assert_eq!(url_path("http://127.0.0.1:1"), "/");
    }
}
