//! Bulk calls (`inquire_many`, `resume_many`) against an in-process Eko on a manual clock: input order, the
//! concurrency bound, cancellation, progress, the token bucket and `429 Retry-After`. Deterministic: virtual time, no
//! network, no wall-clock assertions.
#![cfg(feature = "client")]

use refundkit::client::{
    AttemptRecord, BulkOptions, CancelToken, ClientError, ClientOptions, MemoryAttemptStore, RecordingSleeper,
    RetryPolicy, Sleeper, Transport, TransportError,
};
use refundkit::eko::{EkoConfig, EkoRefunds};
use refundkit::{Clock, FixedRandom, HttpRequest, HttpResponse, Status};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const T0: u64 = 1_700_000_000_000;

struct ManualClock(AtomicU64);

impl Clock for ManualClock {
    fn now_unix_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Virtual time for the bulk limiter: sleeping advances the clock by the wait, and records it.
struct Advance {
    clock: Arc<ManualClock>,
    waits: Mutex<Vec<Duration>>,
}

#[async_trait::async_trait]
impl Sleeper for Advance {
    async fn sleep(&self, d: Duration) {
        self.waits.lock().unwrap().push(d);
        self.clock.0.fetch_add(d.as_millis() as u64, Ordering::SeqCst);
    }
}

/// An in-process Eko answering inquiries: tids ending in 0 are refunded, others not; the answer comes after a
/// number of scheduler yields that depends on the tid (so completions are out of order). Counts requests and the
/// most requests in flight at once; can cancel a token at the n-th request and answer 429 to chosen tids once.
#[derive(Default)]
struct FakeEko {
    clock: Option<Arc<ManualClock>>,
    sent: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    /// (Request number at which to cancel, the token.)
    cancel_at: Option<(usize, CancelToken)>,
    /// Tids answered `429 Retry-After: <secs>` on their first request.
    throttle: Mutex<Vec<(String, u64)>>,
    /// (tid, clock time) of every request.
    log: Mutex<Vec<(String, u64)>>,
}

fn tid_of(url: &str) -> String {
    url.rsplit('/').next().unwrap_or_default().split('?').next().unwrap_or_default().to_string()
}

#[async_trait::async_trait]
impl Transport for FakeEko {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        assert!(request.url.contains("/tools/reference/transaction/"), "{}", request.url);
        let n = self.sent.fetch_add(1, Ordering::SeqCst) + 1;
        let now = self.clock.as_ref().map(|c| c.now_unix_ms()).unwrap_or(0);
        let tid = tid_of(&request.url);
        self.log.lock().unwrap().push((tid.clone(), now));
        if let Some((at, token)) = &self.cancel_at {
            if n == *at {
                token.cancel();
            }
        }
        let current = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(current, Ordering::SeqCst);
        let yields = tid.bytes().map(|b| b as usize).sum::<usize>() % 7;
        for _ in 0..yields {
            tokio::task::yield_now().await;
        }
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let throttled = {
            let mut t = self.throttle.lock().unwrap();
            t.iter().position(|(x, _)| *x == tid).map(|i| t.remove(i).1)
        };
        if let Some(secs) = throttled {
            return Ok(HttpResponse {
                status: 429,
                headers: vec![refundkit::Header::new("Retry-After", secs.to_string())],
                body: b"{}".to_vec(),
            });
        }
        let body = if tid.ends_with('0') {
            r#"{"status":0,"response_type_id":1472,"tx_status":"4","txstatus_desc":"Refunded"}"#
        } else {
            r#"{"status":0,"tx_status":"3","txstatus_desc":"Refund Pending"}"#
        };
        Ok(HttpResponse { status: 200, headers: vec![], body: body.as_bytes().to_vec() })
    }
}

fn client(eko: Arc<FakeEko>, clock: Arc<ManualClock>) -> EkoRefunds {
    let mut config = EkoConfig::uat();
    config.access_key = refundkit::Secret::new("TEST_ACCESS_KEY_DO_NOT_USE");
    let options = ClientOptions::new(eko, Arc::new(RecordingSleeper::default()))
        .clock(clock)
        .random(Arc::new(FixedRandom(vec![0x80; 8])))
        .store(Arc::new(MemoryAttemptStore::default()))
        .policy(RetryPolicy::default());
    EkoRefunds::new(config, options).unwrap()
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock(AtomicU64::new(T0)))
}

fn tids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{}", 5_000_000 + i)).collect()
}

fn bulk(concurrency: usize, clock: &Arc<ManualClock>) -> (BulkOptions, Arc<Advance>) {
    let sleeper = Arc::new(Advance { clock: clock.clone(), waits: Mutex::new(vec![]) });
    (BulkOptions::new(concurrency).clock(clock.clone()).sleeper(sleeper.clone()), sleeper)
}

/// The bulk futures are `Send` (async FFI exports and multi-threaded runtimes need it).
#[test]
fn bulk_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let clock = clock();
    let c = client(Arc::new(FakeEko::default()), clock.clone());
    let (options, _) = bulk(4, &clock);
    let (tids, records) = (tids(1), Vec::<AttemptRecord>::new());
    assert_send(&c.inquire_many(&tids, &options));
    assert_send(&c.resume_many(&records, &options));
}

#[tokio::test]
async fn results_come_back_in_input_order_with_per_item_errors() {
    let clock = clock();
    let eko = Arc::new(FakeEko::default());
    let c = client(eko.clone(), clock.clone());
    let mut input = tids(200);
    input[17] = "not-a-tid".into();
    input[150] = String::new();
    let (options, _) = bulk(16, &clock);
    let results = c.inquire_many(&input, &options).await;
    assert_eq!(results.len(), input.len());
    for (i, (tid, r)) in input.iter().zip(&results).enumerate() {
        match r {
            Err(ClientError::Invalid(_)) => assert!(i == 17 || i == 150, "{i}: {r:?}"),
            Ok(report) => {
                assert_eq!(&report.reference, tid, "item {i} is in its place");
                let refunded = report.outcome.status == Status::Succeeded;
                assert_eq!(refunded, tid.ends_with('0'), "{tid}: its own answer");
            }
            Err(e) => panic!("{i}: {e}"),
        }
    }
    assert_eq!(eko.sent.load(Ordering::SeqCst), 198, "the two invalid tids were never sent");
}

#[tokio::test]
async fn never_more_in_flight_than_the_concurrency() {
    for concurrency in [1, 3, 8, 32] {
        let clock = clock();
        let eko = Arc::new(FakeEko::default());
        let c = client(eko.clone(), clock.clone());
        let (options, _) = bulk(concurrency, &clock);
        let results = c.inquire_many(&tids(150), &options).await;
        assert!(results.iter().all(|r| r.is_ok()));
        let max = eko.max_in_flight.load(Ordering::SeqCst);
        assert!(max <= concurrency, "{max} in flight with concurrency {concurrency}");
        assert!(max >= concurrency.min(2), "items did run concurrently ({max}, {concurrency})");
    }
}

#[tokio::test]
async fn a_zero_concurrency_runs_one_at_a_time() {
    let clock = clock();
    let eko = Arc::new(FakeEko::default());
    let c = client(eko.clone(), clock.clone());
    let (options, _) = bulk(0, &clock);
    assert!(c.inquire_many(&tids(20), &options).await.iter().all(|r| r.is_ok()));
    assert_eq!(eko.max_in_flight.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn nothing_is_sent_after_a_cancel() {
    let clock = clock();
    let token = CancelToken::new();
    let eko = Arc::new(FakeEko { cancel_at: Some((10, token.clone())), ..Default::default() });
    let c = client(eko.clone(), clock.clone());
    let (options, _) = bulk(1, &clock);
    let results = c.inquire_many(&tids(50), &options.cancel(token)).await;
    assert_eq!(eko.sent.load(Ordering::SeqCst), 10, "the 10th request cancelled: nothing after it");
    assert!(results[..10].iter().all(|r| r.is_ok()), "the item in flight finished normally");
    assert!(results[10..].iter().all(|r| matches!(r, Err(ClientError::Cancelled))));
}

#[tokio::test]
async fn a_cancelled_token_sends_nothing_at_all() {
    let clock = clock();
    let eko = Arc::new(FakeEko::default());
    let c = client(eko.clone(), clock.clone());
    let token = CancelToken::new();
    token.cancel();
    let (options, _) = bulk(8, &clock);
    let results = c.inquire_many(&tids(30), &options.cancel(token)).await;
    assert_eq!(eko.sent.load(Ordering::SeqCst), 0);
    assert_eq!(results.len(), 30);
    assert!(results.iter().all(|r| matches!(r, Err(ClientError::Cancelled))));
}

#[tokio::test]
async fn progress_only_grows_and_ends_at_the_total() {
    let clock = clock();
    let eko = Arc::new(FakeEko::default());
    let c = client(eko, clock.clone());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (options, _) = bulk(8, &clock);
    let record = seen.clone();
    let options = options.progress(move |done, total| record.lock().unwrap().push((done, total)));
    let mut input = tids(120);
    input[3] = "x".into(); // an error counts as done too
    c.inquire_many(&input, &options).await;
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 120);
    assert!(seen.iter().all(|&(_, total)| total == 120));
    assert!(seen.windows(2).all(|w| w[1].0 == w[0].0 + 1), "monotone, one step per item");
    assert_eq!(seen.last(), Some(&(120, 120)));
}

#[tokio::test]
async fn an_empty_batch_is_empty() {
    let clock = clock();
    let c = client(Arc::new(FakeEko::default()), clock.clone());
    let (options, _) = bulk(4, &clock);
    assert!(c.inquire_many(&[], &options).await.is_empty());
}

/// 100 items at 50/s take at least 99 × 20 ms of the injected clock, whatever the concurrency.
#[tokio::test]
async fn the_rate_limit_spaces_requests_on_the_injected_clock() {
    for concurrency in [1, 32] {
        let clock = clock();
        let eko = Arc::new(FakeEko { clock: Some(clock.clone()), ..Default::default() });
        let c = client(eko.clone(), clock.clone());
        let (options, _) = bulk(concurrency, &clock);
        let results = c.inquire_many(&tids(100), &options.rate_per_second(50.0)).await;
        assert!(results.iter().all(|r| r.is_ok()));
        let log = eko.log.lock().unwrap();
        assert_eq!(log.len(), 100);
        let last = log.iter().map(|(_, at)| *at).max().unwrap();
        assert!(last - T0 >= 1_980, "concurrency {concurrency}: 100 requests within {} ms", last - T0);
        if concurrency == 1 {
            let mut times: Vec<u64> = log.iter().map(|(_, at)| *at).collect();
            times.sort();
            assert!(times.windows(2).all(|w| w[1] - w[0] == 20), "one start every 20 ms: {times:?}");
        }
    }
}

/// A 429 with `Retry-After: 3` holds back every later item of that bulk call for 3 s; another client's bulk call
/// running at the same time is not slowed.
#[tokio::test]
async fn retry_after_pauses_only_the_throttled_clients_call() {
    let clock = clock();
    let input = tids(10);
    let throttled = Arc::new(FakeEko {
        clock: Some(clock.clone()),
        throttle: Mutex::new(vec![(input[2].clone(), 3)]),
        ..Default::default()
    });
    let calm = Arc::new(FakeEko { clock: Some(clock.clone()), ..Default::default() });
    let (a, b) = (client(throttled.clone(), clock.clone()), client(calm.clone(), clock.clone()));
    let (options_a, sleeper_a) = bulk(1, &clock);
    let (options_b, sleeper_b) = bulk(1, &clock);
    let (ra, rb) = tokio::join!(a.inquire_many(&input, &options_a), b.inquire_many(&input, &options_b));
    assert!(ra.iter().chain(&rb).all(|r| r.is_ok()));
    assert_eq!(ra[2].as_ref().unwrap().attempts, 2, "the engine retried the throttled inquiry");
    assert_eq!(*sleeper_a.waits.lock().unwrap(), vec![Duration::from_secs(3)], "the call paused once, for 3 s");
    assert!(sleeper_b.waits.lock().unwrap().is_empty(), "the other client's call never waited");
    let log = throttled.log.lock().unwrap();
    let at_429 = log.iter().find(|(t, _)| *t == input[2]).unwrap().1;
    let next = log.iter().find(|(t, _)| *t == input[3]).unwrap().1;
    assert!(next >= at_429 + 3_000, "the next item started {} ms after the 429", next - at_429);
}

#[tokio::test]
async fn resume_many_resumes_each_record_by_status() {
    let clock = clock();
    let eko = Arc::new(FakeEko::default());
    let c = client(eko.clone(), clock.clone());
    let records: Vec<AttemptRecord> = tids(12)
        .into_iter()
        .map(|tid| {
            let mut json: serde_json::Value = serde_json::from_str(&sample_record()).unwrap();
            json["reference"] = tid.into();
            AttemptRecord::from_json(&json.to_string()).unwrap()
        })
        .collect();
    let (options, _) = bulk(4, &clock);
    let results = c.resume_many(&records, &options).await;
    for (record, r) in records.iter().zip(&results) {
        let report = r.as_ref().unwrap();
        assert_eq!(report.reference, record.reference);
        assert_eq!(report.money_moving_sends, 0, "a resume never sends the refund");
    }
    assert!(eko.sent.load(Ordering::SeqCst) >= 12, "every record was asked about");
}

/// An Eko attempt record as the engine writes it (sent long ago, outside any commit window).
fn sample_record() -> String {
    serde_json::json!({
        "version": refundkit::client::ATTEMPT_RECORD_VERSION,
        "provider": "eko",
        "account": "1234567890",
        "operation": "initiate_refund",
        "reference": "1",
        "created_at_ms": T0 - 3_600_000,
        "sent_at_ms": T0 - 3_600_000,
        "absent_answers": 0,
        "method": "POST",
        "url": "https://staging.eko.in/ekoapi/v1/transactions/1/refund",
        "body_fingerprint": "00",
    })
    .to_string()
}
