//! The sandbox's shared state: configuration and keys, the books (original transactions of every provider and the
//! refund ledger) and the fault engine, behind mutexes. Provider handlers and the admin API read and change it; the
//! server only routes requests to them.

use crate::config::SandboxConfig;
use crate::fault::FaultEngine;
use crate::util::{derive, derive_chars, ALNUM_UPPER};
use refundkit::upi360::{RsaPrivateKey, RsaPublicKey};
use refundkit::{Provider, Secret};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

/// Everything the connection tasks share.
pub(crate) struct Shared {
    pub(crate) config: SandboxConfig,
    pub(crate) paytm_key: Secret,
    pub(crate) merchant_public_key: RsaPublicKey,
    pub(crate) psp_private_key: RsaPrivateKey,
    pub(crate) state: Mutex<State>,
    pub(crate) faults: Mutex<FaultEngine>,
    /// Late commits under way (see [`crate::FaultKind::LateCommit`]).
    pub(crate) commits: Arc<PendingCommits>,
}

/// How many held (late-commit) requests have not committed yet, with a condition variable for synchronous waiters
/// and a notifier for asynchronous ones.
#[derive(Debug)]
pub(crate) struct PendingCommits {
    count: Mutex<usize>,
    changed: Condvar,
    notify: tokio::sync::Notify,
    /// Bumped by [`PendingCommits::release`]: held requests begun before it stop waiting.
    release: tokio::sync::watch::Sender<u64>,
}

impl Default for PendingCommits {
    fn default() -> Self {
        PendingCommits {
            count: Mutex::new(0),
            changed: Condvar::new(),
            notify: tokio::sync::Notify::new(),
            release: tokio::sync::watch::Sender::new(0),
        }
    }
}

impl PendingCommits {
    /// Held requests not committed yet.
    pub(crate) fn count(&self) -> usize {
        *lock(&self.count)
    }

    /// Counts one more held request until the guard is dropped (after its commit, or if its task is cancelled or
    /// panics).
    pub(crate) fn begin(self: &Arc<Self>) -> CommitGuard {
        *lock(&self.count) += 1;
        CommitGuard(self.clone())
    }

    /// Holds for `delay` or until [`PendingCommits::release`] is called, whichever comes first. The release
    /// generation is read when this is called (before the first await), so a release cannot be missed.
    pub(crate) fn hold(&self, delay: std::time::Duration) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.release.subscribe();
        let generation = *rx.borrow_and_update();
        async move {
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = rx.wait_for(|g| *g > generation) => {}
            }
        }
    }

    /// Lets every request held now commit at once.
    pub(crate) fn release(&self) {
        self.release.send_modify(|g| *g = g.wrapping_add(1));
    }

    /// Waits until no held request is left.
    pub(crate) async fn drain(&self) {
        loop {
            // Created before the check, so a notification between the check and the await is not lost.
            let notified = self.notify.notified();
            if self.count() == 0 {
                return;
            }
            notified.await;
        }
    }

    /// Blocks the calling thread until no held request is left.
    pub(crate) fn drain_blocking(&self) {
        let guard = lock(&self.count);
        let _guard = self.changed.wait_while(guard, |n| *n > 0).unwrap_or_else(|e| e.into_inner());
    }
}

/// One held request; dropping it un-counts it and wakes the waiters.
#[derive(Debug)]
pub(crate) struct CommitGuard(Arc<PendingCommits>);

impl Drop for CommitGuard {
    fn drop(&mut self) {
        let mut n = lock(&self.0.count);
        *n = n.saturating_sub(1);
        drop(n);
        self.0.changed.notify_all();
        self.0.notify.notify_waiters();
    }
}

/// Locks a mutex, recovering from poisoning (a panicking handler must not take the sandbox down).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    /// The server clock in Unix milliseconds: system time plus the configured offset plus `skew_ms`.
    pub(crate) fn now_ms(&self, skew_ms: i64) -> u64 {
        let system = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        system.saturating_add(self.config.clock_offset_ms).saturating_add(skew_ms).max(0) as u64
    }

    /// Empties the books and re-creates the seeded fixtures; fault counters restart.
    pub(crate) fn reset(&self) {
        let mut state = State::new(self.config.seed);
        if self.config.fixtures {
            state.seed_fixtures(self.now_ms(0));
        }
        *lock(&self.state) = state;
        lock(&self.faults).reset_counters();
    }

    /// The credentials summary as admin-API JSON.
    pub(crate) fn credentials_json(&self) -> Value {
        let c = &self.config;
        json!({
            "seed": c.seed,
            "polls_until_success": c.polls_until_success,
            "eko": {"developer_key": c.eko.developer_key, "access_key": c.eko.access_key,
                    "initiator_id": c.eko.initiator_id, "user_code": c.eko.user_code,
                    "timestamp_window_ms": c.eko_timestamp_window_ms, "otp_ttl_ms": c.eko_otp_ttl_ms},
            "paytm": {"mid": c.paytm.mid, "merchant_key": c.paytm.merchant_key},
            "upi360": {"merchant_id": c.upi360.merchant_id, "merchant_channel_id": c.upi360.merchant_channel_id,
                       "psp_kid": c.upi360.psp_kid, "timestamp_window_ms": c.upi_timestamp_window_ms,
                       "merchant_public_key_pem": c.upi360.merchant_public_key_pem},
        })
    }
}

/// Where a refund stands in the sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundState {
    /// Accepted, not final yet (Paytm 601, UPI PENDING).
    Pending,
    /// UPI DEEMED: the credit leg timed out; money has moved, the final state comes later.
    Deemed,
    /// Done (Eko Refunded, Paytm TXN_SUCCESS, UPI SUCCESS).
    Succeeded,
}

impl RefundState {
    /// `PENDING`, `DEEMED` or `SUCCESS`.
    pub fn as_str(self) -> &'static str {
        match self {
            RefundState::Pending => "PENDING",
            RefundState::Deemed => "DEEMED",
            RefundState::Succeeded => "SUCCESS",
        }
    }
}

/// One refund the sandbox committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The provider.
    pub provider: Provider,
    /// The client's reference: Eko's original tid, Paytm's `refId`, UPI's `refundRequestId`.
    pub reference: String,
    /// The provider's own refund id: Eko `refund_tid`, Paytm `refundId`, UPI `gatewayRefundReferenceId`.
    pub provider_refund_id: String,
    /// The original transaction: Eko tid, Paytm `orderId`, UPI original request id.
    pub original_id: String,
    /// The refunded amount in paise.
    pub amount_paise: i64,
    /// The refund's state.
    pub state: RefundState,
    /// How many times money moved for this refund. Always 1: anything else is a double refund.
    pub money_moved: u32,
    /// Status answers given for it so far (Paytm status, UPI status and repeated Refund 360 calls).
    pub status_polls: u32,
    /// Server time it was committed, Unix milliseconds.
    pub created_at_ms: u64,
}

impl LedgerEntry {
    /// The entry as admin-API JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "provider": self.provider.as_str(), "reference": self.reference,
            "provider_refund_id": self.provider_refund_id, "original_id": self.original_id,
            "amount_paise": self.amount_paise, "state": self.state.as_str(), "money_moved": self.money_moved,
            "status_polls": self.status_polls, "created_at_ms": self.created_at_ms,
        })
    }
}

/// An Eko cash transaction the sandbox knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EkoTransaction {
    /// Eko's transaction id (digits; beyond 2³¹ like real ones).
    pub tid: String,
    /// The partner's reference, for inquiries by `client_ref_id:`.
    pub client_ref_id: String,
    /// The customer's mobile (for Get Pending Refunds).
    pub customer_mobile: String,
    /// Amount in paise.
    pub amount_paise: i64,
    /// Eko `tx_status`: 3 Refund Pending (refundable), 4 Refunded, 0 Success, 1 Fail.
    pub tx_status: u8,
}

/// A Paytm order (a successful payment that can be refunded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaytmOrder {
    /// `orderId`.
    pub order_id: String,
    /// Paytm's `txnId` of the payment.
    pub txn_id: String,
    /// Amount paid, in paise.
    pub amount_paise: i64,
    /// Sum of the refunds committed on it, in paise.
    pub refunded_paise: i64,
}

/// A UPI original transaction (a payment to the merchant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpiTransaction {
    /// The 35-character UPI request id.
    pub original_upi_request_id: String,
    /// The merchant's order id.
    pub original_merchant_request_id: String,
    /// Amount paid, in paise.
    pub amount_paise: i64,
    /// Whether the payment succeeded (only successful payments can be refunded).
    pub successful: bool,
    /// Sum of the refunds committed on it, in paise.
    pub refunded_paise: i64,
}

/// Every original transaction the sandbox knows, by provider.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fixtures {
    /// Eko transactions.
    pub eko: Vec<EkoTransaction>,
    /// Paytm orders.
    pub paytm: Vec<PaytmOrder>,
    /// UPI original transactions.
    pub upi360: Vec<UpiTransaction>,
}

/// An OTP issued for an Eko tid.
#[derive(Debug, Clone)]
pub(crate) struct IssuedOtp {
    pub(crate) otp: String,
    pub(crate) otp_ref_id: String,
    pub(crate) issued_at_ms: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct EkoRecord {
    pub(crate) txn: EkoTransaction,
    pub(crate) otp: Option<IssuedOtp>,
    pub(crate) refund_tid: Option<String>,
    pub(crate) created_at_ms: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct PaytmRecord {
    pub(crate) order: PaytmOrder,
    pub(crate) created_at_ms: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct UpiRecord {
    pub(crate) txn: UpiTransaction,
}

/// What the sandbox remembers of a UPI refund besides its ledger entry.
#[derive(Debug, Clone)]
pub(crate) struct UpiRefund {
    pub(crate) ledger_index: usize,
    pub(crate) original_index: usize,
    pub(crate) refund_type: String,
    pub(crate) remarks: String,
    pub(crate) merchant_refund_vpa: Option<String>,
    pub(crate) udf_parameters: Option<String>,
    pub(crate) refund_transaction_id: String,
    /// `01` (PENDING) or `RB` (DEEMED) until the refund succeeds.
    pub(crate) open_code: &'static str,
}

/// The mutable books, behind one mutex.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) seed: u64,
    seq: u64,
    pub(crate) eko: BTreeMap<String, EkoRecord>,
    /// Eko wallet balance in paise (refunds credit it).
    pub(crate) eko_balance_paise: i64,
    pub(crate) paytm: BTreeMap<String, PaytmRecord>,
    /// Paytm refId → ledger index.
    pub(crate) paytm_refs: BTreeMap<String, usize>,
    pub(crate) upi: Vec<UpiRecord>,
    /// UPI refundRequestId → the refund's details.
    pub(crate) upi_refs: BTreeMap<String, UpiRefund>,
    pub(crate) ledger: Vec<LedgerEntry>,
}

/// Eko's starting wallet balance in the sandbox: ₹10,00,000.00.
const EKO_START_BALANCE: i64 = 100_000_000;

impl State {
    pub(crate) fn new(seed: u64) -> State {
        State {
            seed,
            seq: 0,
            eko: BTreeMap::new(),
            eko_balance_paise: EKO_START_BALANCE,
            paytm: BTreeMap::new(),
            paytm_refs: BTreeMap::new(),
            upi: Vec::new(),
            upi_refs: BTreeMap::new(),
            ledger: Vec::new(),
        }
    }

    /// The next deterministic value for `label`.
    pub(crate) fn next(&mut self, label: &str) -> u64 {
        self.seq += 1;
        derive(self.seed, label, self.seq)
    }

    /// `len` deterministic digits, the first one non-zero.
    pub(crate) fn digits(&mut self, label: &str, len: usize) -> String {
        let mut out = String::with_capacity(len);
        for i in 0..len {
            let v = self.next(label);
            let d = if i == 0 { 1 + v % 9 } else { v % 10 };
            out.push(char::from(b'0' + d as u8));
        }
        out
    }

    /// `len` deterministic uppercase letters and digits.
    pub(crate) fn alnum(&mut self, label: &str, len: usize) -> String {
        let n = self.next(label);
        derive_chars(self.seed, label, n, len, ALNUM_UPPER)
    }

    pub(crate) fn fixtures(&self) -> Fixtures {
        Fixtures {
            eko: self.eko.values().map(|r| r.txn.clone()).collect(),
            paytm: self.paytm.values().map(|r| r.order.clone()).collect(),
            upi360: self.upi.iter().map(|r| r.txn.clone()).collect(),
        }
    }

    pub(crate) fn find_upi(&self, upi_id: Option<&str>, merchant_id: Option<&str>) -> Option<usize> {
        // If both are sent, the merchant's id wins (Juspay's guide).
        match (merchant_id, upi_id) {
            (Some(m), _) => self.upi.iter().position(|r| r.txn.original_merchant_request_id == m),
            (None, Some(u)) => self.upi.iter().position(|r| r.txn.original_upi_request_id == u),
            (None, None) => None,
        }
    }

    /// Creates the seeded fixtures (see the crate docs): 3 refund-pending Eko tids plus one successful one, 3 Paytm
    /// orders, 3 successful UPI payments plus one failed one.
    pub(crate) fn seed_fixtures(&mut self, now_ms: u64) {
        for i in 0..4u64 {
            let amount = (100 + self.next("eko.amount") % 4900) as i64 * 100;
            let tid = format!("{}", 2_200_000_000u64 + self.next("eko.tid") % 1_000_000_000);
            let mobile = format!("9{}", self.digits("eko.mobile", 9));
            let tx_status = if i == 3 { 0 } else { 3 };
            self.insert_eko(
                EkoTransaction {
                    tid,
                    client_ref_id: format!("SBXEKO{}", i + 1),
                    customer_mobile: mobile,
                    amount_paise: amount,
                    tx_status,
                },
                now_ms,
            );
        }
        for i in 0..3u64 {
            let amount =
                (100 + self.next("paytm.amount") % 9900) as i64 * 100 + (self.next("paytm.paise") % 100) as i64;
            let txn_id = format!("2026{}", self.digits("paytm.txn", 16));
            self.paytm.insert(
                format!("SBXORDER{}", i + 1),
                PaytmRecord {
                    order: PaytmOrder {
                        order_id: format!("SBXORDER{}", i + 1),
                        txn_id,
                        amount_paise: amount,
                        refunded_paise: 0,
                    },
                    created_at_ms: now_ms,
                },
            );
        }
        for i in 0..4u64 {
            let amount = (50 + self.next("upi.amount") % 4950) as i64 * 100;
            let upi_id = format!("SBX{}", self.alnum("upi.id", 32));
            self.upi.push(UpiRecord {
                txn: UpiTransaction {
                    original_upi_request_id: upi_id,
                    original_merchant_request_id: format!("SBXUPI{}", i + 1),
                    amount_paise: amount,
                    successful: i != 3,
                    refunded_paise: 0,
                },
            });
        }
    }

    pub(crate) fn insert_eko(&mut self, txn: EkoTransaction, now_ms: u64) {
        self.eko.insert(txn.tid.clone(), EkoRecord { txn, otp: None, refund_tid: None, created_at_ms: now_ms });
    }
}

/// The fixtures as admin-API JSON.
pub(crate) fn fixtures_json(f: &Fixtures) -> Value {
    json!({
        "eko": f.eko.iter().map(|t| json!({
            "tid": t.tid, "client_ref_id": t.client_ref_id, "customer_mobile": t.customer_mobile,
            "amount_paise": t.amount_paise, "tx_status": t.tx_status,
        })).collect::<Vec<_>>(),
        "paytm": f.paytm.iter().map(|o| json!({
            "order_id": o.order_id, "txn_id": o.txn_id, "amount_paise": o.amount_paise,
            "refunded_paise": o.refunded_paise,
        })).collect::<Vec<_>>(),
        "upi360": f.upi360.iter().map(|t| json!({
            "original_upi_request_id": t.original_upi_request_id,
            "original_merchant_request_id": t.original_merchant_request_id, "amount_paise": t.amount_paise,
            "successful": t.successful, "refunded_paise": t.refunded_paise,
        })).collect::<Vec<_>>(),
    })
}
