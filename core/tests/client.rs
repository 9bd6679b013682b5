//! The refund policy, rule by rule, against a loopback server that replays provider answers and injects faults.
//! Every money-moving test counts the money-moving requests the server received: a re-send fails the test.

mod support;

use refundkit::client::{
    AttemptStore, ClientError, ClientOptions, DirAttemptStore, MemoryAttemptStore, RecordingSleeper, ReqwestTransport,
    RetryPolicy, Signer, StoreError, Transport, TransportError, TransportOptions,
};
use refundkit::eko::{EkoConfig, EkoRefunds, RefundRequest as EkoRefund, TransactionRef};
use refundkit::paytm::{PaytmConfig, PaytmRefunds, RefundApply};
use refundkit::sign::SignatureRequest;
use refundkit::upi360::{
    PlainStrategy, RefundRequest as UpiRefund, RefundType, ResponseVerification, SigningMode, Upi360Config,
    Upi360Refunds,
};
use refundkit::{Clock, FixedRandom, HttpRequest, HttpResponse, Money, NextStep, Reason, Secret, Status};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{vector_response, Action, Server};

const ACCESS_KEY: &str = "TEST_ACCESS_KEY_DO_NOT_USE";
const OTP: &str = "918273";
const REFUND_OK: &str = r#"{"status":0,"response_status_id":0,"message":"Success","data":{"tx_status":4}}"#;
const NOT_REFUNDED: &str = r#"{"status":0,"tx_status":"3","txstatus_desc":"Refund Pending"}"#;

fn inquiry_refunded() -> Action {
    vector_response("eko_interpret.json", "inquiry: refunded (tx_status 4, response_type_id 1472)")
}

/// A clock that advances one second per reading, so every signature gets a fresh timestamp.
struct SteppingClock(AtomicU64);

impl SteppingClock {
    fn new() -> Arc<Self> {
        Self::at(1_700_000_000_000)
    }

    fn at(ms: u64) -> Arc<Self> {
        Arc::new(SteppingClock(AtomicU64::new(ms)))
    }
}

impl Clock for SteppingClock {
    fn now_unix_ms(&self) -> u64 {
        self.0.fetch_add(1000, Ordering::SeqCst)
    }
}

fn transport(timeout_ms: u64) -> Arc<ReqwestTransport> {
    Arc::new(
        ReqwestTransport::new(TransportOptions {
            request_timeout: Duration::from_millis(timeout_ms),
            ..TransportOptions::default()
        })
        .unwrap(),
    )
}

fn options(transport: Arc<dyn Transport>, sleeper: Arc<RecordingSleeper>) -> ClientOptions {
    ClientOptions::new(transport, sleeper).clock(SteppingClock::new()).random(Arc::new(FixedRandom(vec![0x80; 8])))
}

fn eko_config(server: &Server) -> EkoConfig {
    let mut c = EkoConfig::uat();
    c.base_url = format!("{}/ekoapi/v3", server.base);
    c.access_key = Secret::new(ACCESS_KEY);
    c
}

fn eko(server: &Server) -> (EkoRefunds, Arc<RecordingSleeper>) {
    let sleeper = Arc::new(RecordingSleeper::default());
    (EkoRefunds::new(eko_config(server), options(transport(2000), sleeper.clone())).unwrap(), sleeper)
}

fn is_refund_post(r: &support::Seen) -> bool {
    r.method == "POST" && r.path.contains("/customer/payment/refund/") && !r.path.ends_with("/otp")
}

fn refund_posts(server: &Server) -> usize {
    server.requests().iter().filter(|r| is_refund_post(r)).count()
}

/// Eko: the refund's answer is lost in each way a network can lose it; the refund is never re-sent and the
/// inquiry on the same tid settles it.
#[tokio::test]
async fn eko_refund_without_an_answer_is_resolved_by_inquiry_never_resent() {
    let faults: Vec<(&str, Action)> = vec![
        ("lost after processing", Action::Drop),
        ("timeout after sending", Action::Delay(Duration::from_secs(5), Box::new(Action::json(200, REFUND_OK)))),
        ("HTTP 502", Action::json(502, "Bad Gateway")),
        ("HTTP 500 with a success body", Action::json(500, REFUND_OK)),
        ("malformed body", Action::json(200, "<html>oops</html>")),
        ("truncated body", Action::Truncate { status: 200, body: br#"{"status":0,"da"#.to_vec() }),
    ];
    for (name, fault) in faults {
        let server =
            Server::start(move |r, _| if is_refund_post(r) { fault.clone() } else { inquiry_refunded() }).await;
        let sleeper = Arc::new(RecordingSleeper::default());
        let client = EkoRefunds::new(eko_config(&server), options(transport(500), sleeper)).unwrap();
        let report = client.refund(&EkoRefund::new("13192443", OTP)).await.unwrap();
        assert_eq!(refund_posts(&server), 1, "{name}: the refund must be sent exactly once");
        assert_eq!(report.money_moving_sends, 1, "{name}");
        assert_eq!((report.outcome.status, report.outcome.reason), (Status::Succeeded, Reason::Refunded), "{name}");
        assert!(report.resolved_by_inquiry, "{name}");
        assert_eq!(report.attempts, 2, "{name}");
        let inquiry = &server.requests()[1];
        assert_eq!(inquiry.method, "GET", "{name}");
        assert!(inquiry.path.contains("/tools/reference/transaction/13192443?"), "{name}: {}", inquiry.path);
        assert_eq!(report.record.as_ref().unwrap().reference, "13192443");
    }
}

/// The inquiry says the refund did not happen right after an unclear send: that proves nothing while the provider may
/// still commit it (S2). Pending with the window's end as the next check, the record kept; after the window, two
/// consistent answers make it final, and still nothing is re-sent.
#[tokio::test]
async fn eko_inquiry_showing_no_refund_is_pending_inside_the_commit_window_and_final_after_it() {
    let server =
        Server::start(|r, _| if is_refund_post(r) { Action::Drop } else { Action::json(200, NOT_REFUNDED) }).await;
    let store = Arc::new(MemoryAttemptStore::default());
    let o = options(transport(2000), Arc::new(RecordingSleeper::default())).store(store.clone());
    let client = EkoRefunds::new(eko_config(&server), o).unwrap();
    let report = client.refund(&EkoRefund::new("13192443", OTP)).await.unwrap();
    assert_eq!((report.outcome.status, report.outcome.reason), (Status::Pending, Reason::NotRefunded));
    assert_eq!(report.outcome.next_step, NextStep::PollLater);
    let record = report.record.clone().unwrap();
    let window_end = record.sent_at_ms.unwrap() + 30 * 60 * 1000;
    assert_eq!(report.next_check_at_ms, Some(window_end));
    assert_eq!(store.unresolved().await.unwrap(), vec![record.clone()], "the record stays, released");
    assert!(record.claim.is_none());
    assert_eq!(refund_posts(&server), 1);

    // After the window: a new process resumes the record; two consistent answers prove the refund absent.
    let o = options(transport(2000), Arc::new(RecordingSleeper::default()))
        .store(store.clone())
        .clock(SteppingClock::at(window_end + 1));
    let client = EkoRefunds::new(eko_config(&server), o).unwrap();
    let report = client.resume(&record).await.unwrap();
    assert_eq!((report.outcome.status, report.outcome.reason), (Status::Failed, Reason::NotRefunded));
    assert_eq!(report.outcome.next_step, NextStep::RequestNewOtp);
    assert_eq!(report.attempts, 2, "two confirmations");
    assert!(store.unresolved().await.unwrap().is_empty(), "a proven outcome removes the record");
    assert_eq!(refund_posts(&server), 1, "never re-sent");
}

/// A transport that fails with `NotSent` a given number of times, then answers.
struct Flaky {
    failures: AtomicUsize,
    answer: HttpResponse,
    sent: Mutex<Vec<HttpRequest>>,
}

#[async_trait::async_trait]
impl Transport for Flaky {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.lock().unwrap().push(request);
        if self.failures.load(Ordering::SeqCst) > 0 {
            self.failures.fetch_sub(1, Ordering::SeqCst);
            return Err(TransportError::not_sent("connection refused"));
        }
        Ok(self.answer.clone())
    }
}

/// Provably never sent: the same refund (same tid) is sent again, re-signed with a fresh timestamp.
#[tokio::test]
async fn a_refund_that_never_left_is_sent_again_with_the_same_id() {
    let flaky = Arc::new(Flaky {
        failures: AtomicUsize::new(2),
        answer: HttpResponse::new(200, REFUND_OK),
        sent: Mutex::default(),
    });
    let sleeper = Arc::new(RecordingSleeper::default());
    let mut config = EkoConfig::uat();
    config.access_key = Secret::new(ACCESS_KEY);
    let client = EkoRefunds::new(config, options(flaky.clone(), sleeper.clone())).unwrap();
    let report = client.refund(&EkoRefund::new("13192443", OTP)).await.unwrap();
    assert_eq!(report.outcome.status, Status::Succeeded);
    assert_eq!(report.money_moving_sends, 3);
    let sent = flaky.sent.lock().unwrap();
    assert!(sent.iter().all(|r| r.url.ends_with("/customer/payment/refund/13192443")));
    let stamps: std::collections::HashSet<_> =
        sent.iter().map(|r| r.header("secret-key-timestamp").unwrap().to_string()).collect();
    assert_eq!(stamps.len(), 3, "each try is signed afresh");
    assert_eq!(sleeper.waits().len(), 2);
}

/// Nothing listens: the refund never left; the outcome says so and the record is dropped.
#[tokio::test]
async fn connection_refused_is_not_sent_and_nothing_is_pending() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut config = EkoConfig::uat();
    config.base_url = format!("http://127.0.0.1:{port}/ekoapi/v3");
    config.access_key = Secret::new(ACCESS_KEY);
    let store = Arc::new(MemoryAttemptStore::default());
    let o = options(transport(500), Arc::new(RecordingSleeper::default())).store(store.clone());
    let client = EkoRefunds::new(config, o).unwrap();
    let report = client.refund(&EkoRefund::new("13192443", OTP)).await.unwrap();
    assert_eq!((report.outcome.status, report.outcome.reason), (Status::Pending, Reason::NotSent));
    assert_eq!(report.outcome.next_step, NextStep::RetryLater);
    assert_eq!(report.money_moving_sends, RetryPolicy::default().max_attempts);
    assert!(store.unresolved().await.unwrap().is_empty());
}

/// Reads retry on indeterminate answers with bounded, jittered backoff, and are re-signed each time.
#[tokio::test]
async fn reads_retry_with_backoff_and_fresh_signatures() {
    let server = Server::start(|_, n| if n < 2 { Action::json(503, "busy") } else { inquiry_refunded() }).await;
    let (client, sleeper) = eko(&server);
    let report = client.inquiry(&TransactionRef::Tid("13192443".into())).await.unwrap();
    assert_eq!(report.outcome.status, Status::Succeeded);
    assert_eq!(report.attempts, 3);
    let waits = sleeper.waits();
    assert_eq!(waits.len(), 2);
    // FixedRandom(0x80…) draws 0x8080…/2^64 ≈ 0.50196 of each full-jitter range: ⌊0.50196·501⌋ = 251 ms under the
    // first 500 ms ceiling, ⌊0.50196·1001⌋ = 502 ms under the doubled one.
    assert_eq!(waits, vec![Duration::from_millis(251), Duration::from_millis(502)]);
    let seen = server.requests();
    let keys: std::collections::HashSet<_> = seen.iter().map(|r| r.header("secret-key").unwrap().to_string()).collect();
    assert_eq!(keys.len(), 3, "every attempt is signed with a fresh timestamp");
    for r in &seen {
        let ts: u64 = r.header("secret-key-timestamp").unwrap().parse().unwrap();
        assert_eq!(r.header("secret-key").unwrap(), refundkit::eko::secret_key(ACCESS_KEY, ts));
    }
}

#[tokio::test]
async fn reads_give_up_after_the_budget_and_stay_indeterminate() {
    let server = Server::start(|_, _| Action::json(503, "busy")).await;
    let (client, sleeper) = eko(&server);
    let report = client.inquiry(&TransactionRef::Tid("13192443".into())).await.unwrap();
    assert_eq!(report.outcome.status, Status::Indeterminate);
    assert_eq!(report.attempts, 4);
    assert_eq!(server.requests().len(), 4);
    assert_eq!(sleeper.waits().len(), 3);
}

#[tokio::test]
async fn retry_after_is_honoured_and_a_long_one_stops_retrying() {
    let server = Server::start(|_, n| {
        if n == 0 {
            Action::json(429, "slow down").with_header("retry-after", "3")
        } else {
            inquiry_refunded()
        }
    })
    .await;
    let (client, sleeper) = eko(&server);
    let report = client.inquiry(&TransactionRef::Tid("13192443".into())).await.unwrap();
    assert_eq!(report.outcome.status, Status::Succeeded);
    assert_eq!(sleeper.waits(), vec![Duration::from_secs(3)]);

    let server = Server::start(|_, _| Action::json(429, "slow down").with_header("retry-after", "600")).await;
    let (client, sleeper) = eko(&server);
    let report = client.inquiry(&TransactionRef::Tid("13192443".into())).await.unwrap();
    assert_eq!((report.outcome.status, report.outcome.reason), (Status::Indeterminate, Reason::RateLimited));
    assert_eq!(report.attempts, 1);
    assert!(sleeper.waits().is_empty());
}

/// Eko 403 with the provider's clock ten minutes ahead: a clock problem, with the offset; with correction on, the
/// next request is signed on the provider's time.
#[tokio::test]
async fn auth_refusal_with_a_large_measured_offset_is_clock_skew() {
    let ahead = Duration::from_secs(600);
    let server = Server::start(move |r, _| {
        let date = support::http_date(std::time::SystemTime::now() + ahead);
        if is_refund_post(r) {
            Action::json(403, "Forbidden").with_header("date", &date)
        } else {
            inquiry_refunded().with_header("date", &date)
        }
    })
    .await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let policy = RetryPolicy { correct_clock: true, ..RetryPolicy::default() };
    let o = ClientOptions::new(transport(2000), sleeper).policy(policy);
    let client = EkoRefunds::new(eko_config(&server), o).unwrap();
    let report = client.refund(&EkoRefund::new("13192443", OTP)).await.unwrap();
    assert_eq!((report.outcome.status, report.outcome.reason), (Status::Failed, Reason::ClockSkew));
    let offset = report.clock_offset_ms.unwrap();
    assert!((598_000..=602_000).contains(&offset), "{offset}");
    assert!(report.outcome.warnings.iter().any(|w| w.contains("ahead of")), "{:?}", report.outcome.warnings);
    assert_eq!(refund_posts(&server), 1, "a refused refund is not re-sent automatically");

    let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    client.inquiry(&TransactionRef::Tid("13192443".into())).await.unwrap();
    let ts: u64 = server.requests().last().unwrap().header("secret-key-timestamp").unwrap().parse().unwrap();
    assert!(ts >= before + 590_000, "signed on the provider's time: {ts} vs {before}");
}

#[tokio::test]
async fn auth_refusal_with_a_good_clock_stays_auth_or_clock() {
    let server = Server::start(|_, _| Action::json(403, "Forbidden")).await;
    let o = ClientOptions::new(transport(2000), Arc::new(RecordingSleeper::default()));
    let client = EkoRefunds::new(eko_config(&server), o).unwrap();
    let report = client.refund(&EkoRefund::new("13192443", OTP)).await.unwrap();
    assert_eq!(report.outcome.reason, Reason::AuthOrClock);
    assert!(report.clock_offset_ms.unwrap().abs() < 5_000);
}

/// The process dies after the refund was sent and before its answer arrived. A new process finds the attempt
/// record in the store and resolves it by inquiry; the refund is never sent again.
#[tokio::test]
async fn crash_between_send_and_answer_then_resume() {
    let dir = std::env::temp_dir().join(format!("refundkit-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let server = Server::start(|r, _| {
        if is_refund_post(r) {
            Action::Delay(Duration::from_secs(30), Box::new(Action::json(200, REFUND_OK)))
        } else {
            inquiry_refunded()
        }
    })
    .await;
    let store = Arc::new(DirAttemptStore::new(&dir).unwrap());
    let o = options(transport(60_000), Arc::new(RecordingSleeper::default())).store(store.clone());
    let client = Arc::new(EkoRefunds::new(eko_config(&server), o).unwrap());
    let task = {
        let client = client.clone();
        tokio::spawn(async move { client.refund(&EkoRefund::new("13192443", OTP)).await })
    };
    while refund_posts(&server) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    task.abort(); // the crash
    assert!(task.await.unwrap_err().is_cancelled());
    drop(client);

    // A new process: a new store instance over the same directory, a new client.
    let store = Arc::new(DirAttemptStore::new(&dir).unwrap());
    let records = store.unresolved().await.unwrap();
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!((record.provider.as_str(), record.reference.as_str()), ("eko", "13192443"));
    assert!(!record.to_json().contains(OTP), "the record holds no OTP");
    // While the crashed client's claim (a lease) runs, nobody else works on the record (S5)...
    let o = options(transport(2000), Arc::new(RecordingSleeper::default())).store(store.clone());
    let client = EkoRefunds::new(eko_config(&server), o).unwrap();
    let e = client.resume(record).await.unwrap_err();
    assert!(matches!(e, ClientError::ClaimedElsewhere { ref reference, .. } if reference == "13192443"), "{e:?}");
    // ...and once it has expired, the new process takes the record over.
    let after_lease = record.claim.as_ref().unwrap().until_ms + 1;
    let o = options(transport(2000), Arc::new(RecordingSleeper::default()))
        .store(store.clone())
        .clock(SteppingClock::at(after_lease));
    let client = EkoRefunds::new(eko_config(&server), o).unwrap();
    let report = client.resume(record).await.unwrap();
    assert_eq!((report.outcome.status, report.outcome.reason), (Status::Succeeded, Reason::Refunded));
    assert_eq!(report.money_moving_sends, 0);
    assert_eq!(refund_posts(&server), 1, "resume never re-sends the refund");
    assert!(store.unresolved().await.unwrap().is_empty(), "a resolved record is removed");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------------------------------
// Paytm

const PAYTM_MID: &str = "INTEGR7769XXXXXX9383";
const PAYTM_KEY: &str = "Test&Key#12345$@";

fn paytm_config(server: &Server) -> PaytmConfig {
    let mut c = PaytmConfig::staging(PAYTM_MID, PAYTM_KEY);
    c.base_url = server.base.clone();
    c
}

fn apply() -> RefundApply {
    RefundApply::new("OREDRID_98765", "REFUNDID_98765", "202005081112128XXXXXX68470101509706", Money::from_paise(100))
}

#[tokio::test]
async fn paytm_pending_apply_is_polled_by_status_with_the_same_ref_id() {
    for apply_answer in [vector_response("paytm_interpret.json", "apply §6.1 601 PENDING"), Action::Drop] {
        let server = Server::start(move |r, n| match r.path.as_str() {
            "/refund/apply" => apply_answer.clone(),
            _ if n < 2 => vector_response("paytm_interpret.json", "status §6.2 601 PENDING"),
            _ => vector_response("paytm_interpret.json", "status §6.2 10 TXN_SUCCESS"),
        })
        .await;
        let sleeper = Arc::new(RecordingSleeper::default());
        let client = PaytmRefunds::new(paytm_config(&server), options(transport(2000), sleeper)).unwrap();
        let report = client.refund(&apply()).await.unwrap();
        assert_eq!((report.outcome.status, report.outcome.reason), (Status::Succeeded, Reason::Refunded));
        assert_eq!(server.posts_to("/refund/apply"), 1, "the apply is sent once");
        assert_eq!(server.posts_to("/v2/refund/status"), 2);
        for status in server.requests().iter().filter(|r| r.path == "/v2/refund/status") {
            let body = String::from_utf8_lossy(&status.body);
            assert!(body.contains(r#""refId":"REFUNDID_98765""#), "{body}");
        }
        let record = report.record.unwrap();
        assert_eq!((record.order_id.as_deref(), record.amount_paise), (Some("OREDRID_98765"), Some(100)));
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Refund 360

fn keys(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/upi360_keys/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn upi_config(server: &Server) -> Upi360Config {
    Upi360Config::new(
        server.base.clone(),
        "n2",
        "MERCHANT1",
        "CHANNEL1",
        SigningMode::Plain(PlainStrategy::RsaPssSha256 {
            private_key_pem: Secret::new(keys("test_only_merchant_private_pkcs8.pem")),
        }),
        ResponseVerification::verify(keys("test_only_psp_public_spki.pem")),
    )
}

fn upi_refund() -> UpiRefund {
    UpiRefund::new("RF20250101ABC", Money::from_paise(10_000), RefundType::Online, "Customer refund")
        .original_upi_request_id("YJP1234567890ABCDEFGHIJKLMNOPQRSTUV")
        .merchant_refund_vpa("refunds@parentbank")
}

#[tokio::test]
async fn upi_deemed_is_polled_by_status_never_refunded_again() {
    for first in [vector_response("upi360_interpret.json", "gatewayResponseStatus DEEMED / RB"), Action::Drop] {
        let server = Server::start(move |r, n| {
            if r.path.ends_with("/refund360") {
                first.clone()
            } else if n < 2 {
                vector_response("upi360_interpret.json", "status: DEEMED with JPRTO")
            } else {
                vector_response("upi360_interpret.json", "success keeps ids and exact amounts")
            }
        })
        .await;
        let sleeper = Arc::new(RecordingSleeper::default());
        let client = Upi360Refunds::new(upi_config(&server), options(transport(2000), sleeper)).unwrap();
        let report = client.refund(&upi_refund()).await.unwrap();
        assert_eq!(report.outcome.status, Status::Succeeded, "{:?}", report.outcome);
        assert_eq!(server.posts_to("/refund360"), 1, "Refund 360 is sent once");
        assert_eq!(server.posts_to("/refund/status"), 2);
        assert!(report.resolved_by_inquiry);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Delegated signing, stores

/// A "back office" signer: holds the keys the app does not.
struct BackOffice {
    calls: AtomicUsize,
    fail: bool,
}

#[async_trait::async_trait]
impl Signer for BackOffice {
    async fn sign(&self, request: SignatureRequest) -> Result<Vec<u8>, String> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.fail {
            return Err("back office unreachable".into());
        }
        let key = match request.provider {
            refundkit::Provider::Eko => Secret::new(ACCESS_KEY),
            refundkit::Provider::Paytm => Secret::new(PAYTM_KEY),
            _ => Secret::new(keys("test_only_merchant_private_pkcs8.pem")),
        };
        refundkit::sign::sign_locally(&request, &key, Some(&FixedRandom(vec![0x80; 8]))).map_err(|e| e.to_string())
    }

    async fn verify_paytm(&self, raw_body: String, signature: String) -> Result<bool, String> {
        Ok(refundkit::paytm::checksum::verify(&raw_body, &Secret::new(PAYTM_KEY), &signature))
    }
}

#[tokio::test]
async fn a_delegated_signer_produces_the_same_requests_as_local_keys() {
    let server =
        Server::start(|r, _| if is_refund_post(r) { Action::json(200, REFUND_OK) } else { inquiry_refunded() }).await;
    let signer = Arc::new(BackOffice { calls: AtomicUsize::new(0), fail: false });
    let mut keyless = eko_config(&server);
    keyless.access_key = Secret::new("");
    let delegated = EkoRefunds::new(keyless, options(transport(2000), Arc::default()).signer(signer.clone())).unwrap();
    let local = EkoRefunds::new(eko_config(&server), options(transport(2000), Arc::default())).unwrap();
    delegated.refund(&EkoRefund::new("13192443", OTP)).await.unwrap();
    local.refund(&EkoRefund::new("13192443", OTP)).await.unwrap();
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].headers, seen[1].headers, "same clock, same signature");
    assert_eq!(seen[0].body, seen[1].body);
    assert_eq!(signer.calls.load(Ordering::SeqCst), 1);

    // Paytm: the signer signs and also verifies the answers (the app holds no merchant key).
    let server = Server::start(|r, _| match r.path.as_str() {
        "/refund/apply" => vector_response("paytm_interpret.json", "apply §6.1 601 PENDING"),
        _ => vector_response("paytm_interpret.json", "status §6.2 10 TXN_SUCCESS"),
    })
    .await;
    let mut keyless = paytm_config(&server);
    keyless.merchant_key = Secret::new("");
    let client = PaytmRefunds::new(keyless, options(transport(2000), Arc::default()).signer(signer.clone())).unwrap();
    let report = client.refund(&apply()).await.unwrap();
    assert_eq!(report.outcome.status, Status::Succeeded, "{:?}", report.outcome);
    let apply_req = &server.requests()[0];
    let text = String::from_utf8(apply_req.body.clone()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let body_start = text.find("{\"mid\"").unwrap();
    let body_end = text.find(",\"head\":").unwrap();
    assert!(refundkit::paytm::checksum::verify(
        &text[body_start..body_end],
        &Secret::new(PAYTM_KEY),
        v["head"]["signature"].as_str().unwrap()
    ));

    // Refund 360 with the key elsewhere.
    let server = Server::start(|r, _| {
        if r.path.ends_with("/refund360") {
            vector_response("upi360_interpret.json", "success keeps ids and exact amounts")
        } else {
            Action::json(500, "")
        }
    })
    .await;
    let mut keyless = upi_config(&server);
    keyless.signing = SigningMode::Plain(PlainStrategy::RsaPssSha256 { private_key_pem: Secret::new("") });
    let client = Upi360Refunds::new(keyless, options(transport(2000), Arc::default()).signer(signer)).unwrap();
    let report = client.refund(&upi_refund()).await.unwrap();
    assert_eq!(report.outcome.status, Status::Succeeded);
    let req = &server.requests()[0];
    let sig = refundkit::upi360::RsaPublicKey::from_pem(&keys("test_only_merchant_public_spki.pem")).unwrap();
    let input = refundkit::upi360::signature_input(
        "MERCHANT1",
        "CHANNEL1",
        None,
        None,
        req.header("x-timestamp").unwrap(),
        &req.body,
    );
    let hex = req.header("x-merchant-signature").unwrap();
    let bytes: Vec<u8> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
    assert!(sig.verify_pss_sha256(&input, &bytes), "the delegated PSS signature verifies with the merchant key");
}

#[tokio::test]
async fn a_failing_signer_or_store_stops_the_call_before_anything_is_sent() {
    let server = Server::start(|_, _| Action::json(200, REFUND_OK)).await;
    let mut keyless = eko_config(&server);
    keyless.access_key = Secret::new("");
    let signer = Arc::new(BackOffice { calls: AtomicUsize::new(0), fail: true });
    let client = EkoRefunds::new(keyless, options(transport(2000), Arc::default()).signer(signer)).unwrap();
    let e = client.refund(&EkoRefund::new("13192443", OTP)).await.unwrap_err();
    assert_eq!(e, ClientError::Signer("back office unreachable".into()));

    struct Full;
    #[async_trait::async_trait]
    impl AttemptStore for Full {
        async fn claim(
            &self,
            _: &refundkit::client::AttemptRecord,
            _: refundkit::client::ClaimRequest<'_>,
        ) -> Result<refundkit::client::Claim, StoreError> {
            Err(StoreError::new("disk full"))
        }
        async fn update(&self, _: &refundkit::client::AttemptRecord, _: &str, _: u64) -> Result<(), StoreError> {
            Ok(())
        }
        async fn remove(&self, _: &refundkit::client::AttemptRecord, _: &str, _: u64) -> Result<(), StoreError> {
            Ok(())
        }
        async fn list(&self) -> Result<refundkit::client::Listing, StoreError> {
            Ok(Default::default())
        }
    }
    let client =
        EkoRefunds::new(eko_config(&server), options(transport(2000), Arc::default()).store(Arc::new(Full))).unwrap();
    let e = client.refund(&EkoRefund::new("13192443", OTP)).await.unwrap_err();
    assert_eq!(e, ClientError::Store("disk full".into()));
    assert!(server.requests().is_empty(), "nothing was sent");

    // Bad input is refused before the store or the network is touched.
    let e = client.refund(&EkoRefund::new("13192443", "12")).await.unwrap_err();
    assert!(matches!(e, ClientError::Invalid(refundkit::Error::InvalidInput { field: "otp", .. })), "{e:?}");
}

// ---------------------------------------------------------------------------------------------------------------
// Logs

/// Captures every tracing event with all its fields.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<String>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct V<'a>(&'a mut String);
        impl tracing::field::Visit for V<'_> {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                self.0.push_str(&format!("{}={v:?} ", f.name()));
            }
        }
        let mut out = self.0.lock().unwrap();
        out.push_str(event.metadata().target());
        out.push(' ');
        event.record(&mut V(&mut out));
        out.push('\n');
    }
}

/// Runs refunds of all three providers, with faults and errors, at TRACE level, and scans every log line, error
/// message and report for keys, signatures and OTPs.
#[tokio::test(flavor = "current_thread")]
async fn logs_errors_and_reports_never_contain_secrets() {
    use tracing_subscriber::layer::SubscriberExt;
    // A process-wide subscriber, not a thread-local one: with a thread-local default, another test thread that hits a
    // callsite first can cache its interest as "never" and this test then misses its own events (a CI flake seen on a
    // loaded machine). Globally, every callsite is always of interest. Lines of other tests running at the same time
    // land in the capture too; they are held to the same no-secrets rule.
    let capture = Capture::default();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(capture.clone()))
        .expect("no other test of this binary installs a global subscriber");
    let mut texts = Vec::new();

    let server = Server::start(|r, n| {
        if r.path.ends_with("/otp") {
            vector_response(
                "eko_interpret.json",
                "OTP sent: Eko's documented sample (status 2133, response_status_id 1)",
            )
        } else if is_refund_post(r) {
            Action::Drop
        } else if r.path == "/refund/apply" {
            Action::json(502, "")
        } else if r.path.contains("/refund/status") && r.path.starts_with("/v2") {
            vector_response("paytm_interpret.json", "status §6.2 10 TXN_SUCCESS")
        } else if r.path.ends_with("/refund360") {
            Action::Truncate { status: 200, body: b"{".to_vec() }
        } else if r.path.ends_with("/refund/status") {
            vector_response("upi360_interpret.json", "success keeps ids and exact amounts")
        } else if n % 2 == 0 {
            Action::json(503, "")
        } else {
            inquiry_refunded()
        }
    })
    .await;
    let (eko, _) = eko(&server);
    texts.push(format!("{:?}", eko.send_refund_otp("13192443").await.unwrap()));
    texts.push(format!("{:?}", eko.refund(&EkoRefund::new("13192443", OTP)).await.unwrap()));
    texts.push(format!("{:?}", eko.refund(&EkoRefund::new("13192443", "1")).await.unwrap_err()));
    texts.push(format!("{}", eko.refund(&EkoRefund::new("13192443", "1")).await.unwrap_err()));
    texts.push(format!("{eko:?}"));
    let paytm = PaytmRefunds::new(paytm_config(&server), options(transport(2000), Arc::default())).unwrap();
    texts.push(format!("{:?}", paytm.refund(&apply()).await.unwrap()));
    texts.push(format!("{paytm:?}"));
    let upi = Upi360Refunds::new(upi_config(&server), options(transport(2000), Arc::default())).unwrap();
    texts.push(format!("{:?}", upi.refund(&upi_refund()).await.unwrap()));
    texts.push(format!("{upi:?}"));

    // The secrets that were in play: keys, every signature actually sent, the OTP.
    let mut secrets: Vec<String> = vec![ACCESS_KEY.into(), PAYTM_KEY.into(), OTP.into()];
    let pem = keys("test_only_merchant_private_pkcs8.pem");
    secrets.extend(pem.lines().filter(|l| !l.starts_with("-----")).map(str::to_string));
    for r in server.requests() {
        for name in ["secret-key", "x-merchant-signature", "developer_key"] {
            if let Some(v) = r.header(name) {
                secrets.push(v.to_string());
            }
        }
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&r.body) {
            if let Some(sig) = v["head"]["signature"].as_str() {
                secrets.push(sig.to_string());
            }
        }
    }
    let logs = capture.0.lock().unwrap().clone();
    assert!(logs.lines().count() >= 10, "the run logged: {logs}");
    assert!(logs.contains("status=\"succeeded\"") || logs.contains("status=succeeded"), "{logs}");
    let all = format!("{logs}\n{}", texts.join("\n"));
    for s in &secrets {
        assert!(s.len() >= 6);
        assert!(!all.contains(s.as_str()), "secret leaked: {s}\n{all}");
    }
    assert!(secrets.len() > 10, "signatures were collected: {}", secrets.len());
}
