//! # refundkit-sandbox
//!
//! An embedded local simulator of the three refund APIs refundkit speaks — **Eko** (v3), **Paytm** (PG and
//! AI-router) and **Juspay UPI Refund 360** — so that tests and CI can run complete refund flows without a network.
//! It is one HTTP/1.1 server on `127.0.0.1` serving the providers' **real paths**: point a refundkit client's base
//! URL at [`Sandbox::base_url`] instead of the provider's host and nothing else changes.
//!
//! It authenticates like the providers (Eko `secret-key`, Paytm checksum over the raw `body`, UPI RSA-PSS or JWS with
//! timestamp windows), keeps a ledger with each provider's state machine (Eko OTP → Refunded, Paytm 601 PENDING →
//! TXN_SUCCESS after N polls, UPI PENDING/DEEMED → SUCCESS, idempotency and amount caps), and injects faults
//! deterministically from a seed (latency, 5xx, 429, reset, truncated or malformed bodies, a shifted clock, and
//! "commit the refund, then drop the response", or hold a refund and commit it late: [`FaultKind::LateCommit`] with
//! [`Sandbox::drain_commits`]). It is strict by default ([`SandboxConfig::strict`]): what the providers' request
//! tables refuse is refused with their documented errors. The HTTP layer bounds heads, bodies and time
//! ([`SandboxConfig::max_head_bytes`], [`SandboxConfig::request_timeout_ms`], ...).
//!
//! ```no_run
//! use refundkit::eko::{Eko, EkoConfig};
//! use refundkit_sandbox::{FaultKind, FaultRule, Operation, RouteSelector, Sandbox, SandboxConfig, Trigger};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::start(SandboxConfig { seed: 7, ..SandboxConfig::default() }).await?; // port 0 = ephemeral
//! println!("{}", sandbox.credentials());
//!
//! let mut config = EkoConfig::uat();
//! config.base_url = sandbox.eko_base_url(); // http://127.0.0.1:PORT/ekoapi/v3
//! let eko = Eko::new(config)?;
//! let tid = sandbox.fixtures().eko[0].tid.clone();
//! // ... send eko.build_refund_otp(&tid)? with any HTTP client; the OTP is then:
//! let otp = sandbox.otp_for(&tid);
//!
//! // Commit the next refund, then drop its answer.
//! sandbox.set_faults(vec![FaultRule::new(
//!     RouteSelector::Operation(Operation::EkoInitiateRefund),
//!     FaultKind::DropAfterCommit,
//!     Trigger::EveryNth(1),
//! )]);
//! // ... after sending the refund: the ledger has it although the client got nothing.
//! let ledger = sandbox.ledger();
//! let counts = sandbox.fault_counts();
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! For synchronous callers (a CLI, FFI), [`SandboxHandle::spawn`] runs the same server on its own background
//! runtime thread. See the crate's README for the paths, credentials, fixtures, admin API and fault kinds.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod admin;
mod config;
mod eko;
mod fault;
mod http;
mod paytm;
mod server;
mod state;
mod upi360;
mod util;

pub use config::{
    EkoCredentials, PaytmCredentials, SandboxConfig, Upi360Credentials, DEFAULT_PAYTM_MERCHANT_KEY, DEFAULT_PAYTM_MID,
    DEFAULT_UPI_MERCHANT_CHANNEL_ID, DEFAULT_UPI_MERCHANT_ID, DEFAULT_UPI_PSP_KID, TEST_MERCHANT_PRIVATE_KEY_PEM,
    TEST_MERCHANT_PUBLIC_KEY_PEM, TEST_PSP_PRIVATE_KEY_PEM, TEST_PSP_PUBLIC_KEY_PEM,
};
pub use fault::{
    parse_fault_spec, FaultCounts, FaultEvent, FaultKind, FaultRule, Operation, RouteSelector, Trigger,
    MAX_LATE_COMMIT_MS,
};
pub use state::{EkoTransaction, Fixtures, LedgerEntry, PaytmOrder, RefundState, UpiTransaction};

use fault::FaultEngine;
use refundkit::upi360::{RsaPrivateKey, RsaPublicKey};
use refundkit::Secret;
use state::{lock, Shared, State};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Why the sandbox could not start or refused an admin operation.
#[derive(Debug)]
#[non_exhaustive]
pub enum SandboxError {
    /// The port could not be bound.
    Bind(std::io::Error),
    /// A configuration value is unusable (named in the message).
    Config(String),
    /// An admin operation's input is invalid.
    Invalid(String),
    /// The background runtime could not be started.
    Runtime(String),
}

impl std::fmt::Display for SandboxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SandboxError::Bind(e) => write!(f, "cannot bind 127.0.0.1: {e}"),
            SandboxError::Config(m) => write!(f, "invalid sandbox configuration: {m}"),
            SandboxError::Invalid(m) => write!(f, "invalid input: {m}"),
            SandboxError::Runtime(m) => write!(f, "sandbox runtime: {m}"),
        }
    }
}

impl std::error::Error for SandboxError {}

/// A running sandbox. Dropping it stops the server (without waiting); [`Sandbox::shutdown`] stops and waits.
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("addr", &self.addr).field("seed", &self.shared.config.seed).finish()
    }
}

impl Sandbox {
    /// Binds `127.0.0.1:config.port` and starts serving on the current tokio runtime.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        refundkit::paytm::checksum::validate_merchant_key(&Secret::new(config.paytm.merchant_key.clone()))
            .map_err(|e| SandboxError::Config(format!("paytm.merchant_key: {e}")))?;
        let merchant_public_key = RsaPublicKey::from_pem(&config.upi360.merchant_public_key_pem)
            .map_err(|e| SandboxError::Config(format!("upi360.merchant_public_key_pem: {e}")))?;
        let psp_private_key = RsaPrivateKey::from_pem(&Secret::new(config.upi360.psp_private_key_pem.clone()))
            .map_err(|e| SandboxError::Config(format!("upi360.psp_private_key_pem: {e}")))?;
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, config.port)))
            .await
            .map_err(SandboxError::Bind)?;
        let addr = listener.local_addr().map_err(SandboxError::Bind)?;
        let shared = Arc::new(Shared {
            paytm_key: Secret::new(config.paytm.merchant_key.clone()),
            merchant_public_key,
            psp_private_key,
            state: Mutex::new(State::new(config.seed)),
            faults: Mutex::new(FaultEngine::new(config.seed, config.faults.clone())),
            commits: Arc::default(),
            config,
        });
        shared.reset();
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(server::accept_loop(listener, shared.clone(), stop_rx));
        Ok(Sandbox { shared, addr, stop, task: Some(task) })
    }

    /// `http://127.0.0.1:PORT`: the base for Paytm paths and the UPI host. Eko's base URL is
    /// [`Sandbox::eko_base_url`].
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/ekoapi/v3`: what to put in `EkoConfig::base_url`.
    pub fn eko_base_url(&self) -> String {
        format!("{}/ekoapi/v3", self.base_url())
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &SandboxConfig {
        &self.shared.config
    }

    /// A human-readable summary of the URLs and credentials, for a CLI to print at start. Contains only
    /// sandbox-only and public test credentials.
    pub fn credentials(&self) -> String {
        let c = &self.shared.config;
        let base = self.base_url();
        format!(
            "refundkit sandbox on {base} (seed {seed}; admin API under {base}/__sandbox/)\n\
             Eko      base_url {base}/ekoapi/v3 (or /ekoicici/v3)  developer_key {ek_dev}  access_key {ek_acc}  \
             initiator_id {ek_init}  user_code {ek_user}\n\
             Paytm    base_url {base} (PG and /aoa-refund-service AI-router paths)  mid {pt_mid}  merchant_key {pt_key}\n\
             UPI 360  host {base} (any /api/{{uri}}/)  x-merchant-id {up_mid}  x-merchant-channel-id {up_ch}  \
             keys: refundkit's TEST-ONLY PEMs (sign with the merchant private key, verify with the PSP public key)",
            seed = c.seed,
            ek_dev = c.eko.developer_key,
            ek_acc = c.eko.access_key,
            ek_init = c.eko.initiator_id,
            ek_user = c.eko.user_code,
            pt_mid = c.paytm.mid,
            pt_key = c.paytm.merchant_key,
            up_mid = c.upi360.merchant_id,
            up_ch = c.upi360.merchant_channel_id,
        )
    }

    /// Every original transaction the sandbox knows (seeded fixtures and created ones).
    pub fn fixtures(&self) -> Fixtures {
        lock(&self.shared.state).fixtures()
    }

    /// Every refund committed, in order.
    pub fn ledger(&self) -> Vec<LedgerEntry> {
        lock(&self.shared.state).ledger.clone()
    }

    /// The OTP currently valid for Eko `tid` (issued by Get Refund OTP), if any.
    pub fn otp_for(&self, tid: &str) -> Option<String> {
        eko::current_otp(&lock(&self.shared.state), tid).map(|(otp, _)| otp)
    }

    /// Creates an Eko transaction in Refund Pending (`tx_status` 3) for `amount_paise`, with a generated tid and,
    /// unless given, a generated customer mobile.
    pub fn create_eko_transaction(
        &self,
        amount_paise: i64,
        customer_mobile: Option<&str>,
    ) -> Result<EkoTransaction, SandboxError> {
        admin::create_eko(&self.shared, amount_paise, None, customer_mobile.map(str::to_string), None, None)
    }

    /// Creates a Paytm order (a successful payment) of `amount_paise` with generated `orderId` and `txnId`.
    pub fn create_paytm_order(&self, amount_paise: i64) -> Result<PaytmOrder, SandboxError> {
        admin::create_paytm(&self.shared, amount_paise, None, None)
    }

    /// Creates a successful UPI original transaction of `amount_paise` with generated ids.
    pub fn create_upi_transaction(&self, amount_paise: i64) -> Result<UpiTransaction, SandboxError> {
        admin::create_upi(&self.shared, amount_paise, None, None, true)
    }

    /// Replaces the fault rules (and restarts the per-operation counters, so a rule set replays identically).
    pub fn set_faults(&self, rules: Vec<FaultRule>) {
        lock(&self.shared.faults).set_rules(rules);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.set_faults(Vec::new());
    }

    /// The active fault rules.
    pub fn faults(&self) -> Vec<FaultRule> {
        lock(&self.shared.faults).rules().to_vec()
    }

    /// How many faults of each kind were injected.
    pub fn fault_counts(&self) -> FaultCounts {
        lock(&self.shared.faults).counts()
    }

    /// The injected faults in order (the most recent 10,000).
    pub fn fault_log(&self) -> Vec<FaultEvent> {
        lock(&self.shared.faults).log()
    }

    /// How many money-moving requests held by a [`FaultKind::LateCommit`] fault have not committed yet.
    pub fn pending_commits(&self) -> usize {
        self.shared.commits.count()
    }

    /// Waits until every request held by a [`FaultKind::LateCommit`] fault has committed (or been refused) and
    /// answered, so the ledger is final. Returns at once when none is held. The held requests run on the
    /// sandbox's runtime: do not call this after the runtime stops.
    pub async fn drain_commits(&self) {
        self.shared.commits.drain().await;
    }

    /// Lets every request held by a [`FaultKind::LateCommit`] fault commit now instead of at the end of its delay
    /// (for tests that must not depend on timing: hold with a long delay, check, release, drain).
    pub fn release_commits(&self) {
        self.shared.commits.release();
    }

    /// Empties the ledger, re-creates the seeded fixtures and zeroes the fault counts (rules stay). A late commit
    /// still held lands in the new books.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Stops accepting, closes idle connections and waits for the accept loop to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// A sandbox running on its own background thread and tokio runtime, for synchronous callers (CLI, FFI). It
/// dereferences to [`Sandbox`] for every accessor.
pub struct SandboxHandle {
    sandbox: Option<Sandbox>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for SandboxHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxHandle").field("sandbox", &self.sandbox).finish()
    }
}

impl SandboxHandle {
    /// Starts a sandbox on a new background thread and returns once it is listening.
    pub fn spawn(config: SandboxConfig) -> Result<SandboxHandle, SandboxError> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("refundkit-sandbox".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(SandboxError::Runtime(e.to_string())));
                        return;
                    }
                };
                let started = runtime.block_on(Sandbox::start(config));
                if ready_tx.send(started).is_err() {
                    return;
                }
                let _ = runtime.block_on(stop_rx);
            })
            .map_err(|e| SandboxError::Runtime(e.to_string()))?;
        match ready_rx.recv() {
            Ok(Ok(sandbox)) => Ok(SandboxHandle { sandbox: Some(sandbox), stop: Some(stop_tx), thread: Some(thread) }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => Err(SandboxError::Runtime("the sandbox thread ended before starting".into())),
        }
    }

    /// Blocks until every request held by a [`FaultKind::LateCommit`] fault has committed: the synchronous
    /// [`Sandbox::drain_commits`] (it shadows the async one through `Deref`). Safe from any thread, including a tokio
    /// runtime's, since the sandbox runs on its own.
    pub fn drain_commits(&self) {
        self.shared.commits.drain_blocking();
    }

    /// Stops the server and joins the background thread.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            let _ = sandbox.stop.send(true);
            drop(sandbox);
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::ops::Deref for SandboxHandle {
    type Target = Sandbox;

    fn deref(&self) -> &Sandbox {
        match &self.sandbox {
            Some(s) => s,
            None => unreachable!("the sandbox is only taken by shutdown, which consumes the handle"),
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        self.stop_now();
    }
}
