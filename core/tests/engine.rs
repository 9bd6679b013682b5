//! The refund engine's invariants (`docs/safety.md`), one test each, against an in-process Eko that can commit late,
//! on a manual clock: deterministic, no network, no sleeping.

use refundkit::client::{
    AttemptStore, ClientError, ClientOptions, CommitWindows, MemoryAttemptStore, RecordingSleeper, RetryPolicy,
    Transport, TransportError,
};
use refundkit::eko::{EkoConfig, EkoRefunds, RefundRequest};
use refundkit::{Clock, FixedRandom, HttpRequest, HttpResponse, NextStep, Reason, Secret, Status};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TID: &str = "13192443";
const OTP: &str = "918273";
const T0: u64 = 1_700_000_000_000;
const MINUTE: u64 = 60_000;

struct ManualClock(AtomicU64);

impl Clock for ManualClock {
    fn now_unix_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl ManualClock {
    fn advance(&self, ms: u64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

/// What the fake Eko does with the next refund request.
#[derive(Clone, Copy, Debug)]
enum OnRefund {
    /// Answers "refunded".
    Refund,
    /// Commits, then the answer is lost (the client sees a timeout).
    CommitThenDrop,
    /// The client times out; the provider commits `after` ms later (a late commit).
    CommitLate { after: u64 },
    /// The client times out; the provider never got it.
    Lost,
    /// Connection refused: provably never sent.
    Refused,
}

/// An in-process Eko: one transaction, refund requests per `script`, inquiries answering from its own state.
struct FakeEko {
    clock: Arc<ManualClock>,
    script: Mutex<Vec<OnRefund>>,
    committed_at: Mutex<Option<u64>>,
    refunds_received: AtomicU64,
    inquiries: AtomicU64,
}

impl FakeEko {
    fn new(clock: Arc<ManualClock>, script: Vec<OnRefund>) -> Arc<Self> {
        Arc::new(FakeEko {
            clock,
            script: Mutex::new(script),
            committed_at: Mutex::new(None),
            refunds_received: AtomicU64::new(0),
            inquiries: AtomicU64::new(0),
        })
    }

    fn money_moved(&self) -> bool {
        self.committed_at.lock().unwrap().is_some_and(|at| at <= self.clock.now_unix_ms())
    }
}

fn json(body: &str) -> HttpResponse {
    HttpResponse { status: 200, headers: vec![], body: body.as_bytes().to_vec() }
}

#[async_trait::async_trait]
impl Transport for FakeEko {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        if request.url.contains("/tools/reference/transaction/") {
            self.inquiries.fetch_add(1, Ordering::SeqCst);
            return Ok(json(if self.money_moved() {
                r#"{"status":0,"response_type_id":1472,"tx_status":"4","txstatus_desc":"Refunded"}"#
            } else {
                r#"{"status":0,"tx_status":"3","txstatus_desc":"Refund Pending"}"#
            }));
        }
        assert!(request.url.contains("/customer/payment/refund/"), "{}", request.url);
        let step = {
            let mut script = self.script.lock().unwrap();
            if script.is_empty() {
                OnRefund::Refund
            } else {
                script.remove(0)
            }
        };
        if !matches!(step, OnRefund::Refused) {
            self.refunds_received.fetch_add(1, Ordering::SeqCst);
        }
        let now = self.clock.now_unix_ms();
        let mut committed = self.committed_at.lock().unwrap();
        match step {
            OnRefund::Refund => {
                committed.get_or_insert(now);
                Ok(json(r#"{"status":0,"response_status_id":0,"message":"Success","data":{"tx_status":4}}"#))
            }
            OnRefund::CommitThenDrop => {
                committed.get_or_insert(now);
                Err(TransportError::maybe_processed("timed out"))
            }
            OnRefund::CommitLate { after } => {
                committed.get_or_insert(now + after);
                Err(TransportError::maybe_processed("timed out"))
            }
            OnRefund::Lost => Err(TransportError::maybe_processed("timed out")),
            OnRefund::Refused => Err(TransportError::not_sent("connection refused")),
        }
    }
}

struct Setup {
    clock: Arc<ManualClock>,
    eko: Arc<FakeEko>,
    store: Arc<MemoryAttemptStore>,
}

impl Setup {
    fn new(script: Vec<OnRefund>) -> Self {
        let clock = Arc::new(ManualClock(AtomicU64::new(T0)));
        let eko = FakeEko::new(clock.clone(), script);
        Setup { clock, eko, store: Arc::new(MemoryAttemptStore::default()) }
    }

    /// A client (a "process") with the default policy: 30-minute commit window, 2 confirmations, 2-minute lease.
    fn client(&self) -> EkoRefunds {
        let mut config = EkoConfig::uat();
        config.access_key = Secret::new("TEST_ACCESS_KEY_DO_NOT_USE");
        let options = ClientOptions::new(self.eko.clone(), Arc::new(RecordingSleeper::default()))
            .clock(self.clock.clone())
            .random(Arc::new(FixedRandom(vec![0x80; 8])))
            .store(self.store.clone())
            .policy(RetryPolicy {
                commit_windows: CommitWindows::all(Duration::from_secs(30 * 60)),
                ..Default::default()
            });
        EkoRefunds::new(config, options).unwrap()
    }
}

fn request() -> RefundRequest {
    RefundRequest::new(TID, OTP)
}

/// S1: a second `refund` for a reference whose record exists sends nothing: it resolves the first by inquiry.
#[tokio::test]
async fn s1_a_reference_with_a_record_is_never_sent_again() {
    let s = Setup::new(vec![OnRefund::Lost]);
    let first = s.client().refund(&request()).await.unwrap();
    assert_eq!(first.outcome.status, Status::Pending);
    let second = s.client().refund(&request()).await.unwrap();
    assert_eq!((second.money_moving_sends, second.outcome.status), (0, Status::Pending));
    assert!(second.outcome.warnings.iter().any(|w| w.contains("did not send the refund again")), "{second:?}");
    assert_eq!(s.eko.refunds_received.load(Ordering::SeqCst), 1);
}

/// S1: a reference proven refunded is never sent again: its record stays as a tombstone, and a later `refund` call
/// (a second process, an app that lost the first report) reports the earlier success without sending.
#[tokio::test]
async fn s1_a_refunded_reference_is_never_sent_again() {
    let s = Setup::new(vec![OnRefund::Refund]);
    let first = s.client().refund(&request()).await.unwrap();
    assert_eq!(first.outcome.status, Status::Succeeded);
    assert!(s.store.unresolved().await.unwrap().is_empty(), "resolved");
    let again = s.client().refund(&RefundRequest::new(TID, "111111")).await.unwrap();
    assert_eq!((again.outcome.status, again.money_moving_sends, again.attempts), (Status::Succeeded, 0, 0));
    assert!(again.outcome.warnings[0].contains("already proven refunded"), "{again:?}");
    assert_eq!(s.eko.refunds_received.load(Ordering::SeqCst), 1);
}

/// S1: a request that provably never left is sent again with the same id, and counts once at the provider.
#[tokio::test]
async fn s1_only_a_provably_unsent_request_is_sent_again() {
    let s = Setup::new(vec![OnRefund::Refused, OnRefund::Refused, OnRefund::Refund]);
    let report = s.client().refund(&request()).await.unwrap();
    assert_eq!((report.outcome.status, report.money_moving_sends), (Status::Succeeded, 3));
    assert_eq!(s.eko.refunds_received.load(Ordering::SeqCst), 1);
    assert!(s.store.unresolved().await.unwrap().is_empty());
}

/// S2: the provider commits 5 minutes after the client gave up. "Not refunded" inside the window is Pending (never
/// Failed), with the window's end as the next check; resumed later, it is Succeeded.
#[tokio::test]
async fn s2_a_late_commit_is_never_reported_failed() {
    let s = Setup::new(vec![OnRefund::CommitLate { after: 5 * MINUTE }]);
    let report = s.client().refund(&request()).await.unwrap();
    assert_eq!((report.outcome.status, report.outcome.reason), (Status::Pending, Reason::NotRefunded));
    assert_eq!(report.outcome.next_step, NextStep::PollLater);
    assert_eq!(report.next_check_at_ms, Some(T0 + 30 * MINUTE));
    assert!(s.eko.inquiries.load(Ordering::SeqCst) >= 2, "it kept asking inside its poll budget");
    s.clock.advance(6 * MINUTE);
    assert!(s.eko.money_moved());
    let record = s.store.unresolved().await.unwrap().remove(0);
    let resumed = s.client().resume(&record).await.unwrap();
    assert_eq!((resumed.outcome.status, resumed.money_moving_sends), (Status::Succeeded, 0));
    assert!(s.store.unresolved().await.unwrap().is_empty());
    assert_eq!(s.eko.refunds_received.load(Ordering::SeqCst), 1);
}

/// S2: after the window, "not refunded" twice in a row is proof: Failed, next step a new OTP, record removed.
/// One answer is not enough.
#[tokio::test]
async fn s2_after_the_window_consistent_answers_prove_absence() {
    let s = Setup::new(vec![OnRefund::Lost]);
    let report = s.client().refund(&request()).await.unwrap();
    assert_eq!(report.outcome.status, Status::Pending);
    s.clock.advance(31 * MINUTE);
    let record = s.store.unresolved().await.unwrap().remove(0);
    let client = s.client();
    let resumed = client.resume(&record).await.unwrap();
    assert_eq!((resumed.outcome.status, resumed.outcome.reason), (Status::Failed, Reason::NotRefunded));
    assert_eq!(resumed.outcome.next_step, NextStep::RequestNewOtp);
    assert_eq!(resumed.attempts, 2, "two confirmations");
    assert!(!s.eko.money_moved());
    assert!(s.store.unresolved().await.unwrap().is_empty());

    // With one confirmation left when the poll budget ends, it stays pending and the count is kept in the record.
    let s = Setup::new(vec![OnRefund::Lost]);
    let _ = s.client().refund(&request()).await.unwrap();
    s.clock.advance(31 * MINUTE);
    let record = s.store.unresolved().await.unwrap().remove(0);
    let mut options_policy = RetryPolicy { max_polls: 1, ..Default::default() };
    options_policy.commit_windows = CommitWindows::all(Duration::from_secs(30 * 60));
    let mut config = EkoConfig::uat();
    config.access_key = Secret::new("TEST_ACCESS_KEY_DO_NOT_USE");
    let one_poll = EkoRefunds::new(
        config,
        ClientOptions::new(s.eko.clone(), Arc::new(RecordingSleeper::default()))
            .clock(s.clock.clone())
            .store(s.store.clone())
            .policy(options_policy),
    )
    .unwrap();
    let once = one_poll.resume(&record).await.unwrap();
    assert_eq!(once.outcome.status, Status::Pending);
    assert_eq!(s.store.unresolved().await.unwrap()[0].absent_answers, 1);
    let twice = one_poll.resume(&record).await.unwrap();
    assert_eq!(twice.outcome.status, Status::Failed);
}

/// S2: a commit that lands after the window opened but before the confirmations finish is found, not denied.
#[tokio::test]
async fn s2_a_commit_seen_between_confirmations_wins() {
    let s = Setup::new(vec![OnRefund::CommitLate { after: 31 * MINUTE }]);
    let _ = s.client().refund(&request()).await.unwrap();
    s.clock.advance(32 * MINUTE);
    let record = s.store.unresolved().await.unwrap().remove(0);
    let resumed = s.client().resume(&record).await.unwrap();
    assert_eq!(resumed.outcome.status, Status::Succeeded);
}

/// S3: the record stays while the outcome is open, is released (no claim) between calls, and leaves only with a
/// final outcome.
#[tokio::test]
async fn s3_records_leave_the_store_only_on_a_final_outcome() {
    let s = Setup::new(vec![OnRefund::CommitThenDrop]);
    let report = s.client().refund(&request()).await.unwrap();
    assert_eq!(report.outcome.status, Status::Succeeded, "resolved by inquiry");
    assert!(report.resolved_by_inquiry);
    assert!(s.store.unresolved().await.unwrap().is_empty());

    let s = Setup::new(vec![OnRefund::Lost]);
    let _ = s.client().refund(&request()).await.unwrap();
    let records = s.store.unresolved().await.unwrap();
    assert_eq!(records.len(), 1);
    assert!(records[0].claim.is_none(), "released for the next worker");
    assert!(!records[0].to_json().contains(OTP), "no OTP in the record");
}

/// S5: while another worker's claim runs, a client neither sends nor resolves; after the lease it takes over.
#[tokio::test]
async fn s5_a_claimed_reference_is_left_to_its_holder_until_the_lease_ends() {
    let s = Setup::new(vec![OnRefund::Lost]);
    let _ = s.client().refund(&request()).await.unwrap();
    let mut record = s.store.unresolved().await.unwrap().remove(0);
    // Another worker claims it (as a crashed process would have).
    let request_claim =
        refundkit::client::ClaimRequest { owner: "other", now_ms: T0, lease_ms: 2 * MINUTE, create: false };
    assert!(matches!(s.store.claim(&record, request_claim).await.unwrap(), refundkit::client::Claim::Existing(_)));
    let before = s.eko.inquiries.load(Ordering::SeqCst);
    let e = s.client().refund(&request()).await.unwrap_err();
    assert!(matches!(e, ClientError::ClaimedElsewhere { until_ms, .. } if until_ms == T0 + 2 * MINUTE), "{e:?}");
    let e = s.client().resume(&record).await.unwrap_err();
    assert!(matches!(e, ClientError::ClaimedElsewhere { .. }));
    assert_eq!(s.eko.inquiries.load(Ordering::SeqCst), before, "nothing sent while claimed elsewhere");
    s.clock.advance(2 * MINUTE + 1);
    record = s.store.unresolved().await.unwrap().remove(0);
    let report = s.client().resume(&record).await.unwrap();
    assert_eq!(report.outcome.status, Status::Pending, "taken over after the lease");
    assert_eq!(s.eko.refunds_received.load(Ordering::SeqCst), 1);
}
