//! Bulk calls for Kotlin, Swift and Python: thousands of inquiries, status reads or resumes in **one** FFI call, run
//! inside Rust with bounded concurrency (`refundkit::client::BulkOptions`). One crossing per batch instead of one per
//! item; progress crosses back at most every `max(1, total / 20)` items or 100 ms, and once at the end.
//!
//! Where the batch runs:
//! - **Inside Rust** when the client's transport is `builtin_transport()` and it has no app signer and no app store
//!   (built-in stores are fine): the whole batch runs on refundkit's runtime and the caller's executor is woken once,
//!   when it ends (plus throttled progress calls, which are plain calls from a refundkit thread). This is the fast
//!   path: a Python event loop pays one wake per batch, not one per answer.
//! - **On the caller's executor** (Python asyncio, a Kotlin dispatcher, a Swift task) otherwise, like every other
//!   async call: an app's own async transport, signer or store (Python coroutines) can only be called from there.
//!
//! Dropping the call (a cancelled Python task or Kotlin coroutine) cancels the batch either way: items not started
//! send nothing; items already on the wire finish and keep their attempt records as usual.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use std::future::Future;

use refundkit::client::{self as core_client, BulkOptions, CancelToken, ClientError};
use refundkit::paytm as core_paytm;
use refundkit::upi360 as core_upi;

use crate::{EkoRefunds, PaytmRefunds, RefundReport, RefundkitError, Upi360Refunds, Upi360StatusRequest};

/// Receives the progress of a bulk call: `done` of `total` items finished (errors included). Called at most every
/// `max(1, total / 20)` items or 100 ms, and always once with `done == total` (unless the batch is empty). `done` only
/// grows. Called from a refundkit thread: keep it short, do not block.
#[uniffi::export(with_foreign)]
pub trait BulkProgress: Send + Sync {
    /// `done` of `total` items finished.
    fn on_progress(&self, done: i64, total: i64);
}

/// One item of a bulk call: its report, or why there is none. One failed item never fails the batch.
// Mostly reports: boxing them would only add an allocation per item (uniffi lowers the value either way).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum BulkResult {
    /// The item's report (any outcome: refunded, pending, declined, indeterminate ...).
    Report {
        /// What the call did and where the refund stands.
        report: RefundReport,
    },
    /// The item failed before a report: invalid input, signer or store failure, or a claim held elsewhere (see the
    /// error). Nothing was sent for it.
    Error {
        /// Why.
        error: RefundkitError,
    },
}

/// A Paytm Refund Status query for `status_many`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PaytmStatusQuery {
    /// The original `orderId`.
    pub order_id: String,
    /// Your refund id (`refId`).
    pub ref_id: String,
}

fn result(r: Result<core_client::Report, ClientError>) -> BulkResult {
    match r {
        Ok(report) => BulkResult::Report { report: report.into() },
        // The FFI bulk calls take no cancel token (dropping the call's future cancels it): this cannot occur today.
        Err(ClientError::Cancelled) => BulkResult::Error {
            error: RefundkitError::Internal { reason: "cancelled before it started: nothing was sent".into() },
        },
        Err(e) => BulkResult::Error { error: e.into() },
    }
}

/// Forwards progress to the app at most every `step` items or 100 ms, and at the end.
struct Throttle {
    sink: Arc<dyn BulkProgress>,
    step: usize,
    last_done: AtomicUsize,
    last_at: Mutex<Instant>,
}

impl Throttle {
    fn report(&self, done: usize, total: usize) {
        let last = self.last_done.load(Ordering::SeqCst);
        if done <= last {
            return;
        }
        let due = {
            let mut at = self.last_at.lock().unwrap_or_else(|e| e.into_inner());
            let due = done == total || done - last >= self.step || at.elapsed() >= Duration::from_millis(100);
            if due {
                *at = Instant::now();
            }
            due
        };
        if due && self.last_done.compare_exchange(last, done, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
            self.sink.on_progress(done as i64, total as i64);
        }
    }
}

fn options(
    total: usize,
    concurrency: i32,
    rate_per_second: Option<f64>,
    progress: Option<Arc<dyn BulkProgress>>,
) -> BulkOptions {
    let mut o = BulkOptions::new(concurrency.max(1) as usize);
    o.rate_per_second = rate_per_second;
    if let Some(sink) = progress {
        let step = (total / 20).max(1);
        let throttle = Throttle { sink, step, last_done: AtomicUsize::new(0), last_at: Mutex::new(Instant::now()) };
        o = o.progress(move |done, total| throttle.report(done, total));
    }
    o
}

/// Cancels the batch when the caller's future is dropped before the batch ends.
struct CancelOnDrop(CancelToken);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

type Results = Vec<Result<core_client::Report, ClientError>>;

/// Runs `batch` on refundkit's runtime when `native` (see the module documentation), else on the caller's executor.
/// `None` if the batch's task panicked (its items then report an internal error; their records stay in the store).
async fn run<F, Fut>(native: bool, options: BulkOptions, batch: F) -> Option<Results>
where
    F: FnOnce(BulkOptions) -> Fut,
    Fut: Future<Output = Results> + Send + 'static,
{
    let runtime = if native { crate::client::native_runtime() } else { None };
    let Some(runtime) = runtime else { return Some(batch(options).await) };
    let _cancel_on_drop = CancelOnDrop(options.cancel.clone());
    runtime.spawn(batch(options)).await.ok()
}

/// `results`, or one internal error per item when the batch panicked.
fn finish(results: Option<Results>, total: usize) -> Vec<BulkResult> {
    match results {
        Some(results) => results.into_iter().map(result).collect(),
        None => (0..total).map(|_| panicked()).collect(),
    }
}

fn panicked() -> BulkResult {
    let reason = "the bulk call failed inside refundkit: resume any attempt records it left".to_string();
    BulkResult::Error { error: RefundkitError::Internal { reason } }
}

fn records(record_jsons: &[String]) -> (Vec<core_client::AttemptRecord>, Vec<Option<RefundkitError>>) {
    let mut parsed = Vec::with_capacity(record_jsons.len());
    let mut errors = Vec::with_capacity(record_jsons.len());
    for text in record_jsons {
        match core_client::AttemptRecord::from_json(text) {
            Ok(r) => {
                parsed.push(r);
                errors.push(None);
            }
            Err(reason) => errors.push(Some(RefundkitError::InvalidInput { field: "record_json".into(), reason })),
        }
    }
    (parsed, errors)
}

/// The results of the parsed records, with each unreadable record's error in its place.
fn merge(results: Option<Results>, errors: Vec<Option<RefundkitError>>) -> Vec<BulkResult> {
    let mut results = results.map(|r| r.into_iter());
    errors
        .into_iter()
        .map(|e| match e {
            Some(error) => BulkResult::Error { error },
            None => match results.as_mut() {
                Some(results) => results.next().map(result).unwrap_or(BulkResult::Error {
                    error: RefundkitError::Internal { reason: "a bulk result is missing".into() },
                }),
                None => panicked(),
            },
        })
        .collect()
}

#[uniffi::export(async_runtime = "tokio")]
impl EkoRefunds {
    /// Transaction Inquiry on every `tid`, run inside refundkit with at most `concurrency` in flight and at most
    /// `rate_per_second` started per second (a `429` with `Retry-After` pauses the batch). One result per tid, in input
    /// order.
    #[uniffi::method(default(concurrency = 32, rate_per_second = None, progress = None))]
    pub async fn inquire_many(
        &self,
        tids: Vec<String>,
        concurrency: i32,
        rate_per_second: Option<f64>,
        progress: Option<Arc<dyn BulkProgress>>,
    ) -> Vec<BulkResult> {
        let (total, o) = (tids.len(), options(tids.len(), concurrency, rate_per_second, progress));
        let inner = self.inner.clone();
        finish(run(self.native, o, |o| async move { inner.inquire_many(&tids, &o).await }).await, total)
    }

    /// Resolves every attempt record (JSON, from reports or the store) by inquiry only, as `resume` does for one. One
    /// result per record, in input order; an unreadable record is an `InvalidInput` error in its place.
    #[uniffi::method(default(concurrency = 32, rate_per_second = None, progress = None))]
    pub async fn resume_many(
        &self,
        record_jsons: Vec<String>,
        concurrency: i32,
        rate_per_second: Option<f64>,
        progress: Option<Arc<dyn BulkProgress>>,
    ) -> Vec<BulkResult> {
        let (parsed, errors) = records(&record_jsons);
        let o = options(parsed.len(), concurrency, rate_per_second, progress);
        let inner = self.inner.clone();
        merge(run(self.native, o, |o| async move { inner.resume_many(&parsed, &o).await }).await, errors)
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl PaytmRefunds {
    /// Refund Status for every query, run inside refundkit (see `EkoRefunds.inquire_many`). One result per query, in
    /// input order.
    #[uniffi::method(default(concurrency = 32, rate_per_second = None, progress = None))]
    pub async fn status_many(
        &self,
        queries: Vec<PaytmStatusQuery>,
        concurrency: i32,
        rate_per_second: Option<f64>,
        progress: Option<Arc<dyn BulkProgress>>,
    ) -> Vec<BulkResult> {
        let queries: Vec<_> =
            queries.into_iter().map(|q| core_paytm::RefundStatusQuery::new(q.order_id, q.ref_id)).collect();
        let (total, o) = (queries.len(), options(queries.len(), concurrency, rate_per_second, progress));
        let inner = self.inner.clone();
        finish(run(self.native, o, |o| async move { inner.status_many(&queries, &o).await }).await, total)
    }

    /// Resolves every attempt record by status polls only (see `EkoRefunds.resume_many`).
    #[uniffi::method(default(concurrency = 32, rate_per_second = None, progress = None))]
    pub async fn resume_many(
        &self,
        record_jsons: Vec<String>,
        concurrency: i32,
        rate_per_second: Option<f64>,
        progress: Option<Arc<dyn BulkProgress>>,
    ) -> Vec<BulkResult> {
        let (parsed, errors) = records(&record_jsons);
        let o = options(parsed.len(), concurrency, rate_per_second, progress);
        let inner = self.inner.clone();
        merge(run(self.native, o, |o| async move { inner.resume_many(&parsed, &o).await }).await, errors)
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Upi360Refunds {
    /// Refund Status for every request, run inside refundkit (see `EkoRefunds.inquire_many`). One result per request,
    /// in input order.
    #[uniffi::method(default(concurrency = 32, rate_per_second = None, progress = None))]
    pub async fn status_many(
        &self,
        requests: Vec<Upi360StatusRequest>,
        concurrency: i32,
        rate_per_second: Option<f64>,
        progress: Option<Arc<dyn BulkProgress>>,
    ) -> Vec<BulkResult> {
        let requests: Vec<core_upi::StatusRequest> = requests.into_iter().map(Into::into).collect();
        let (total, o) = (requests.len(), options(requests.len(), concurrency, rate_per_second, progress));
        let inner = self.inner.clone();
        finish(run(self.native, o, |o| async move { inner.status_many(&requests, &o).await }).await, total)
    }

    /// Resolves every attempt record by status polls only (see `EkoRefunds.resume_many`).
    #[uniffi::method(default(concurrency = 32, rate_per_second = None, progress = None))]
    pub async fn resume_many(
        &self,
        record_jsons: Vec<String>,
        concurrency: i32,
        rate_per_second: Option<f64>,
        progress: Option<Arc<dyn BulkProgress>>,
    ) -> Vec<BulkResult> {
        let (parsed, errors) = records(&record_jsons);
        let o = options(parsed.len(), concurrency, rate_per_second, progress);
        let inner = self.inner.clone();
        merge(run(self.native, o, |o| async move { inner.resume_many(&parsed, &o).await }).await, errors)
    }
}
