//! Bulk operations: thousands of inquiries, status reads or resumes run **inside Rust** with bounded concurrency, an
//! optional rate limit, cancellation and progress.
//!
//! Feature `client`. Every item goes through the client's normal call ([`EkoRefunds::inquiry`],
//! [`PaytmRefunds::status`], [`Upi360Refunds::status`], `resume`), so the refund policy (retries, claims, commit
//! windows) applies to each exactly as it does to a single call; the bulk layer only decides *when* an item starts.
//! Results come back **in input order**, one per input: one failed item never fails the batch.
//!
//! | Option | Effect |
//! |---|---|
//! | [`BulkOptions::concurrency`] | at most this many items in flight at once (at least 1) |
//! | [`BulkOptions::rate_per_second`] | items start no faster than this (a token bucket of one token, per bulk call, so per client) |
//! | a `429` answer with `Retry-After` | no item of *this* bulk call starts before the wait is over (other clients and calls are not slowed) |
//! | [`BulkOptions::cancel`] | checked before each item: a cancelled item reports [`ClientError::Cancelled`] and sends nothing |
//! | [`BulkOptions::progress`] | `(done, total)` after each item; `done` only grows and ends at `total` |
//!
//! Runtime-agnostic like the rest of the clients: the only waits are the rate limiter's, through a [`Sleeper`]
//! ([`BulkOptions::sleeper`]; by default tokio's timer inside a tokio runtime, else a blocking thread).

use super::{AttemptRecord, ClientError, Report, Sleeper};
use crate::clock::{Clock, SystemClock};
use crate::eko::{EkoRefunds, TransactionRef};
use crate::paytm::{PaytmRefunds, PriorApply, RefundStatusQuery};
use crate::upi360::{StatusRequest, Upi360Refunds};
use futures_util::stream::{self, StreamExt};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

/// The default number of items in flight.
pub const DEFAULT_BULK_CONCURRENCY: usize = 32;

/// Called with `(done, total)` after each item of a bulk call.
pub type BulkProgressFn = Arc<dyn Fn(usize, usize) + Send + Sync>;

/// A cancellation flag shared between the code that cancels and the bulk calls that check it. Clones share the flag.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not cancelled yet.
    pub fn new() -> Self {
        CancelToken::default()
    }

    /// Cancels: every item not started yet reports [`ClientError::Cancelled`] and sends nothing. Items already in
    /// flight finish normally (a request on the wire cannot be taken back).
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// How a bulk call runs its items (see the module documentation).
#[derive(Clone)]
pub struct BulkOptions {
    /// Items in flight at once (0 counts as 1). Default [`DEFAULT_BULK_CONCURRENCY`].
    pub concurrency: usize,
    /// Items started per second at most (`None`: no limit). Not finite or ≤ 0 counts as no limit.
    pub rate_per_second: Option<f64>,
    /// Checked before each item.
    pub cancel: CancelToken,
    /// Called with `(done, total)` after each item (cancelled ones included).
    pub progress: Option<BulkProgressFn>,
    /// The rate limiter's time (default: the system clock).
    pub clock: Arc<dyn Clock>,
    /// The rate limiter's waits (default: tokio's timer inside a tokio runtime, else a blocking thread).
    pub sleeper: Option<Arc<dyn Sleeper>>,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            concurrency: DEFAULT_BULK_CONCURRENCY,
            rate_per_second: None,
            cancel: CancelToken::default(),
            progress: None,
            clock: Arc::new(SystemClock),
            sleeper: None,
        }
    }
}

impl std::fmt::Debug for BulkOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkOptions")
            .field("concurrency", &self.concurrency)
            .field("rate_per_second", &self.rate_per_second)
            .field("cancelled", &self.cancel.is_cancelled())
            .field("progress", &self.progress.is_some())
            .finish_non_exhaustive()
    }
}

impl BulkOptions {
    /// The defaults with `concurrency` items in flight.
    pub fn new(concurrency: usize) -> Self {
        BulkOptions { concurrency, ..Default::default() }
    }

    /// Starts at most `per_second` items per second.
    pub fn rate_per_second(mut self, per_second: f64) -> Self {
        self.rate_per_second = Some(per_second);
        self
    }

    /// Checks `cancel` before each item.
    pub fn cancel(mut self, cancel: CancelToken) -> Self {
        self.cancel = cancel;
        self
    }

    /// Calls `progress(done, total)` after each item.
    pub fn progress(mut self, progress: impl Fn(usize, usize) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }

    /// Uses `clock` for the rate limiter.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Uses `sleeper` for the rate limiter's waits.
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = Some(sleeper);
        self
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The limiter: a token bucket of one token (virtual scheduling), plus a pause set by `429 Retry-After`.

struct LimiterState {
    /// When the next item may start (Unix ms, fractional so that high rates stay exact).
    next_at_ms: f64,
    /// No item starts before this (Unix ms): the latest `429 Retry-After` seen by this bulk call.
    paused_until_ms: f64,
}

/// Paces the starts of one bulk call's items.
struct Limiter {
    interval_ms: f64,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    state: Mutex<LimiterState>,
}

impl Limiter {
    fn new(options: &BulkOptions) -> Self {
        let interval_ms = match options.rate_per_second {
            Some(r) if r.is_finite() && r > 0.0 => 1000.0 / r,
            _ => 0.0,
        };
        Limiter {
            interval_ms,
            clock: options.clock.clone(),
            sleeper: options.sleeper.clone().unwrap_or_else(default_sleeper),
            state: Mutex::new(LimiterState { next_at_ms: f64::MIN, paused_until_ms: f64::MIN }),
        }
    }

    fn now(&self) -> f64 {
        self.clock.now_unix_ms() as f64
    }

    /// Waits for this item's slot, then for any pause a `429` asked for.
    async fn acquire(&self) {
        if self.interval_ms > 0.0 {
            let wait = {
                let now = self.now();
                let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
                let slot = s.next_at_ms.max(now);
                s.next_at_ms = slot + self.interval_ms;
                slot - now
            };
            if wait > 0.0 {
                self.sleeper.sleep(Duration::from_secs_f64(wait / 1000.0)).await;
            }
        }
        loop {
            let wait = {
                let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
                s.paused_until_ms - self.now()
            };
            if wait <= 0.0 {
                return;
            }
            self.sleeper.sleep(Duration::from_secs_f64(wait / 1000.0)).await;
        }
    }

    /// No item starts before `after` from now (later pauses extend earlier ones; nothing shortens them).
    fn pause_for(&self, after: Duration) {
        let until = self.now() + after.as_secs_f64() * 1000.0;
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.paused_until_ms = s.paused_until_ms.max(until);
        // The bucket restarts after the pause, so the items held back do not all start at once.
        s.next_at_ms = s.next_at_ms.max(until);
    }
}

/// tokio's timer inside a tokio runtime; otherwise a thread of the `blocking` pool.
fn default_sleeper() -> Arc<dyn Sleeper> {
    #[cfg(feature = "tokio")]
    if tokio::runtime::Handle::try_current().is_ok() {
        return Arc::new(super::TokioSleeper);
    }
    Arc::new(ThreadSleeper)
}

/// Sleeps on a thread of the `blocking` pool (no async runtime needed).
struct ThreadSleeper;

#[async_trait::async_trait]
impl Sleeper for ThreadSleeper {
    async fn sleep(&self, duration: Duration) {
        blocking::unblock(move || std::thread::sleep(duration)).await
    }
}

// The engine's hook: while an item of a bulk call is polled, this thread knows that call's limiter, so a `429` with
// `Retry-After` seen by the engine pauses that call (and only that call). Outside bulk calls, nothing happens.
thread_local! {
    static CURRENT_LIMITER: RefCell<Option<Arc<Limiter>>> = const { RefCell::new(None) };
}

/// Called by the engine when a provider answered `429` with `Retry-After: after`.
pub(crate) fn note_retry_after(after: Duration) {
    let limiter = CURRENT_LIMITER.with(|c| c.borrow().clone());
    if let Some(limiter) = limiter {
        tracing::debug!(target: "refundkit", retry_after_ms = after.as_millis() as u64, "rate limited: pausing the bulk call");
        limiter.pause_for(after);
    }
}

/// A future polled with its bulk call's limiter installed as [`CURRENT_LIMITER`].
struct WithLimiter<'a, T> {
    limiter: Arc<Limiter>,
    inner: Pin<Box<dyn Future<Output = T> + Send + 'a>>,
}

impl<T> Future for WithLimiter<'_, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.get_mut();
        let previous = CURRENT_LIMITER.with(|c| c.replace(Some(this.limiter.clone())));
        let result = this.inner.as_mut().poll(cx);
        CURRENT_LIMITER.with(|c| *c.borrow_mut() = previous);
        result
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The runner

/// Runs `op` on every item with `options` (concurrency, rate, cancellation, progress) and returns the results **in
/// input order**. The building block of the clients' `*_many` methods; use it for other operations (e.g. refunds
/// from a queue) the same way.
pub async fn run_bulk<'a, T, R, F, Fut>(items: &'a [T], options: &BulkOptions, op: F) -> Vec<Result<R, ClientError>>
where
    T: Sync,
    R: Send + 'a,
    F: Fn(&'a T) -> Fut,
    Fut: Future<Output = Result<R, ClientError>> + Send + 'a,
{
    let total = items.len();
    let limiter = Arc::new(Limiter::new(options));
    let done = AtomicUsize::new(0);
    let (limiter, done, op) = (&limiter, &done, &op);
    let mut results: Vec<Option<Result<R, ClientError>>> = std::iter::repeat_with(|| None).take(total).collect();
    // Indices, not `iter().enumerate()`: a closure over `usize` keeps the stream's future `Send` for any caller (a
    // closure taking `&T` trips the compiler's higher-ranked `Send` check in async FFI exports).
    let mut finished = stream::iter(0..total)
        .map(|i| async move {
            let item = &items[i];
            let result = if options.cancel.is_cancelled() {
                Err(ClientError::Cancelled)
            } else {
                limiter.acquire().await;
                // The wait may have been long: check again, so that nothing is sent after a cancel.
                if options.cancel.is_cancelled() {
                    Err(ClientError::Cancelled)
                } else {
                    WithLimiter { limiter: limiter.clone(), inner: Box::pin(op(item)) }.await
                }
            };
            let n = done.fetch_add(1, Ordering::SeqCst) + 1;
            if let Some(progress) = &options.progress {
                progress(n, total);
            }
            (i, result)
        })
        .buffer_unordered(options.concurrency.max(1));
    while let Some((i, result)) = finished.next().await {
        results[i] = Some(result);
    }
    results.into_iter().map(|r| r.unwrap_or(Err(ClientError::Cancelled))).collect()
}

impl EkoRefunds {
    /// Transaction Inquiry on every `tid` (as [`EkoRefunds::inquiry`] does for one), run with `options`. One result
    /// per tid, in input order.
    pub async fn inquire_many(&self, tids: &[String], options: &BulkOptions) -> Vec<Result<Report, ClientError>> {
        run_bulk(tids, options, |tid| async move { self.inquiry(&TransactionRef::Tid(tid.clone())).await }).await
    }

    /// Resumes every record (as [`EkoRefunds::resume`] does: claims, commit windows, status only), run with `options`.
    /// One result per record, in input order.
    pub async fn resume_many(
        &self,
        records: &[AttemptRecord],
        options: &BulkOptions,
    ) -> Vec<Result<Report, ClientError>> {
        run_bulk(records, options, |record| self.resume(record)).await
    }
}

impl PaytmRefunds {
    /// Refund Status for every query (as [`PaytmRefunds::status`] with [`PriorApply::Unknown`]), run with `options`.
    /// One result per query, in input order.
    pub async fn status_many(
        &self,
        queries: &[RefundStatusQuery],
        options: &BulkOptions,
    ) -> Vec<Result<Report, ClientError>> {
        run_bulk(queries, options, |query| self.status(query, PriorApply::Unknown)).await
    }

    /// Resumes every record (as [`PaytmRefunds::resume`]), run with `options`. One result per record, in input order.
    pub async fn resume_many(
        &self,
        records: &[AttemptRecord],
        options: &BulkOptions,
    ) -> Vec<Result<Report, ClientError>> {
        run_bulk(records, options, |record| self.resume(record)).await
    }
}

impl Upi360Refunds {
    /// Refund Status for every request (as [`Upi360Refunds::status`]), run with `options`. One result per request, in
    /// input order.
    pub async fn status_many(
        &self,
        requests: &[StatusRequest],
        options: &BulkOptions,
    ) -> Vec<Result<Report, ClientError>> {
        run_bulk(requests, options, |request| self.status(request)).await
    }

    /// Resumes every record (as [`Upi360Refunds::resume`]), run with `options`. One result per record, in input order.
    pub async fn resume_many(
        &self,
        records: &[AttemptRecord],
        options: &BulkOptions,
    ) -> Vec<Result<Report, ClientError>> {
        run_bulk(records, options, |record| self.resume(record)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    struct ManualClock(AtomicU64);

    impl Clock for ManualClock {
        fn now_unix_ms(&self) -> u64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    /// Virtual time: sleeping advances the clock.
    struct Advance(Arc<ManualClock>);

    #[async_trait::async_trait]
    impl Sleeper for Advance {
        async fn sleep(&self, d: Duration) {
            self.0 .0.fetch_add(d.as_millis() as u64, Ordering::SeqCst);
        }
    }

    fn limiter(rate: Option<f64>) -> (Arc<ManualClock>, Limiter) {
        let clock = Arc::new(ManualClock(AtomicU64::new(1_000_000)));
        let mut options = BulkOptions::new(1).clock(clock.clone()).sleeper(Arc::new(Advance(clock.clone())));
        options.rate_per_second = rate;
        (clock.clone(), Limiter::new(&options))
    }

    fn block_on<F: Future>(f: F) -> F::Output {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(f)
    }

    #[test]
    fn the_bucket_spaces_starts_by_the_rate() {
        let (clock, l) = limiter(Some(50.0));
        block_on(async {
            for _ in 0..100 {
                l.acquire().await;
            }
        });
        // The first start is immediate, then one every 20 ms.
        assert_eq!(clock.now_unix_ms() - 1_000_000, 99 * 20);
    }

    #[test]
    fn no_rate_never_waits_and_a_pause_holds_every_start() {
        let (clock, l) = limiter(None);
        block_on(l.acquire());
        assert_eq!(clock.now_unix_ms(), 1_000_000);
        l.pause_for(Duration::from_secs(3));
        block_on(l.acquire());
        assert_eq!(clock.now_unix_ms(), 1_003_000);
        block_on(l.acquire());
        assert_eq!(clock.now_unix_ms(), 1_003_000, "the pause is over");
    }

    #[test]
    fn a_bad_rate_means_no_limit() {
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let (clock, l) = limiter(Some(rate));
            block_on(async {
                for _ in 0..10 {
                    l.acquire().await;
                }
            });
            assert_eq!(clock.now_unix_ms(), 1_000_000, "{rate}");
        }
    }

    #[test]
    fn retry_after_reaches_only_the_limiter_being_polled() {
        let (_, mine) = limiter(None);
        let mine = Arc::new(mine);
        note_retry_after(Duration::from_secs(9)); // outside any bulk call: ignored
        assert!(mine.state.lock().unwrap().paused_until_ms < 0.0);
        let inner: Pin<Box<dyn Future<Output = ()> + Send>> =
            Box::pin(async { note_retry_after(Duration::from_secs(2)) });
        block_on(WithLimiter { limiter: mine.clone(), inner });
        assert_eq!(mine.state.lock().unwrap().paused_until_ms, 1_002_000.0);
        assert!(CURRENT_LIMITER.with(|c| c.borrow().is_none()), "restored after the poll");
    }
}
