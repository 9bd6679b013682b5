//! The adversarial money-safety test (`docs/safety.md`, S1–S6): a seeded, model-based attack on the refund engine.
//!
//! Refunds of all three providers run through refundkit's built-in clients against the sandbox, under random
//! schedules combining: **late commits** (the provider commits after 0.5–5× the client's timeout, so the first status
//! queries say "not found"), commit-then-drop, 5xx, 429 and connection resets, **crashes at each engine step** (before
//! the record is saved, after it is saved, after the refund was sent, while resolving, before the record is closed),
//! **two engines ("processes") sharing one directory store racing the same references**, and an app that calls
//! `refund` again at once and follows every `next_step` literally.
//!
//! A checker then compares every report and the store with the sandbox ledger **after all delayed commits have
//! drained**: money moved at most once per reference; a reference with money moved is reported `Succeeded` or still
//! unresolved (its record in the store), never `Failed`; no unresolved record lost. Finally the app resumes every
//! record in fresh engines and follows each next step: every refund ends refunded exactly once.
//!
//! `REFUNDKIT_SEED` picks the seed (printed; default fixed for CI), `REFUNDKIT_REFUNDS` the number of refunds
//! (default 2,100), `REFUNDKIT_IN_FLIGHT` how many run at once (default 24). Long run:
//! `REFUNDKIT_REFUNDS=51000 REFUNDKIT_IN_FLIGHT=96 REFUNDKIT_SEED=random cargo test --release -p refundkit-sandbox
//! --test adversarial -- --nocapture`.

mod common;

use refundkit::client::{
    AttemptRecord, AttemptStore, Claim, ClaimRequest, ClientError, ClientOptions, CommitWindows, DirAttemptStore,
    Listing, RecordingSleeper, Report, RetryPolicy, StoreError, Transport, TransportError,
};
use refundkit::eko::{EkoRefunds, RefundRequest as EkoRefund};
use refundkit::paytm::{Flavour, PaytmRefunds, RefundApply};
use refundkit::upi360::{RefundRequest as UpiRefund, RefundType, Upi360Refunds};
use refundkit::{Clock, HttpRequest, HttpResponse, Money, NextStep, Status};
use refundkit_sandbox::{FaultKind, FaultRule, Operation, RouteSelector, Sandbox, SandboxConfig, Trigger};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The client's request timeout. Late commits land 0.5–5× after it.
const TIMEOUT_MS: u64 = 150;
/// The commit window the engines use: comfortably longer than the longest late commit (5 × 150 ms), as a real
/// provider's window must be longer than its longest commit delay.
const WINDOW: Duration = Duration::from_secs(10);
const LEASE: Duration = Duration::from_secs(5);

/// A small deterministic generator (SplitMix64) for the schedule.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The wall clock plus an offset the test can advance (past commit windows and leases) without waiting.
#[derive(Default)]
struct TestClock(AtomicU64);

impl Clock for TestClock {
    fn now_unix_ms(&self) -> u64 {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        now.as_millis() as u64 + self.0.load(Ordering::SeqCst)
    }
}

/// Where an engine "crashes" for a given reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum CrashPoint {
    BeforeSave,
    AfterSave,
    AfterSend,
    WhileResolving,
    BeforeClose,
}

const CRASH_POINTS: [CrashPoint; 5] = [
    CrashPoint::BeforeSave,
    CrashPoint::AfterSave,
    CrashPoint::AfterSend,
    CrashPoint::WhileResolving,
    CrashPoint::BeforeClose,
];

/// The crash plan shared by a "process"'s transport and store: reference → (point, signal to the driver).
#[derive(Default)]
struct Crashes(Mutex<HashMap<String, Planned>>);

/// A planned crash: where, and the signal that tells the driver it happened.
type Planned = (CrashPoint, Option<tokio::sync::oneshot::Sender<()>>);

impl Crashes {
    /// If `reference` is to crash at `point`: signal the driver (which drops the refund's future) and never return.
    async fn maybe_crash(&self, reference: &str, point: CrashPoint) {
        let signal = {
            let mut plan = self.0.lock().unwrap();
            match plan.get_mut(reference) {
                Some((p, signal)) if *p == point => signal.take(),
                _ => None,
            }
        };
        if let Some(signal) = signal {
            let _ = signal.send(());
            std::future::pending::<()>().await;
        }
    }

    fn reference_in(&self, request: &HttpRequest) -> Option<String> {
        let body = String::from_utf8_lossy(&request.body);
        let plan = self.0.lock().unwrap();
        plan.keys().find(|r| request.url.contains(r.as_str()) || body.contains(&format!("\"{r}\""))).cloned()
    }
}

fn is_money_moving(request: &HttpRequest) -> bool {
    let url = request.url.as_str();
    (url.contains("/customer/payment/refund/") && !url.ends_with("/otp"))
        || url.contains("/refund/apply")
        || url.ends_with("/refund360")
}

struct CrashingTransport {
    inner: Arc<dyn Transport>,
    crashes: Arc<Crashes>,
}

#[async_trait::async_trait]
impl Transport for CrashingTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let reference = self.crashes.reference_in(&request);
        let money = is_money_moving(&request);
        if let (Some(r), false) = (&reference, money) {
            self.crashes.maybe_crash(r, CrashPoint::WhileResolving).await;
        }
        let answer = self.inner.send(request).await;
        if let (Some(r), true) = (&reference, money) {
            // The request reached the provider; the process dies before it reads the answer.
            self.crashes.maybe_crash(r, CrashPoint::AfterSend).await;
        }
        answer
    }
}

struct CrashingStore {
    inner: DirAttemptStore,
    crashes: Arc<Crashes>,
}

#[async_trait::async_trait]
impl AttemptStore for CrashingStore {
    async fn claim(&self, record: &AttemptRecord, request: ClaimRequest<'_>) -> Result<Claim, StoreError> {
        if request.create {
            self.crashes.maybe_crash(&record.reference, CrashPoint::BeforeSave).await;
        }
        let claim = self.inner.claim(record, request).await?;
        if request.create && claim == Claim::Created {
            self.crashes.maybe_crash(&record.reference, CrashPoint::AfterSave).await;
        }
        Ok(claim)
    }

    async fn update(&self, record: &AttemptRecord, owner: &str, now_ms: u64) -> Result<(), StoreError> {
        if record.refunded_at_ms.is_some() {
            // Closing a refunded record (its tombstone): the answer is in, the record not yet closed.
            self.crashes.maybe_crash(&record.reference, CrashPoint::BeforeClose).await;
        }
        self.inner.update(record, owner, now_ms).await
    }

    async fn remove(&self, record: &AttemptRecord, owner: &str, now_ms: u64) -> Result<(), StoreError> {
        self.crashes.maybe_crash(&record.reference, CrashPoint::BeforeClose).await;
        self.inner.remove(record, owner, now_ms).await
    }

    async fn list(&self) -> Result<Listing, StoreError> {
        self.inner.list().await
    }
}

/// One "process": its own store instance over the shared directory, its own clients (owner ids), its crash plan.
struct Process {
    eko: EkoRefunds,
    paytm: PaytmRefunds,
    upi: Upi360Refunds,
    crashes: Arc<Crashes>,
}

fn process(sandbox: &Sandbox, dir: &std::path::Path, clock: Arc<TestClock>) -> Process {
    let crashes = Arc::new(Crashes::default());
    let builtin = ClientOptions::builtin().unwrap();
    let transport = refundkit::client::ReqwestTransport::new(refundkit::client::TransportOptions {
        request_timeout: Duration::from_millis(TIMEOUT_MS),
        ..Default::default()
    })
    .unwrap();
    let transport: Arc<dyn Transport> =
        Arc::new(CrashingTransport { inner: Arc::new(transport), crashes: crashes.clone() });
    let store = Arc::new(CrashingStore { inner: DirAttemptStore::new(dir).unwrap(), crashes: crashes.clone() });
    let options = || {
        let policy = RetryPolicy {
            max_attempts: 4,
            max_polls: 6,
            commit_windows: CommitWindows::all(WINDOW),
            claim_lease: LEASE,
            ..RetryPolicy::default()
        };
        // Backoff waits are recorded, not slept: the run attacks the policy, not the wall clock.
        ClientOptions {
            transport: transport.clone(),
            sleeper: Arc::new(RecordingSleeper::default()),
            ..builtin.clone()
        }
        .policy(policy)
        .store(store.clone())
        .clock(clock.clone())
    };
    Process {
        eko: EkoRefunds::new(common::eko_config(sandbox), options()).unwrap(),
        paytm: PaytmRefunds::new(common::paytm_config(sandbox, Flavour::Pg), options()).unwrap(),
        upi: Upi360Refunds::new(common::upi_config(sandbox, common::pss()), options()).unwrap(),
        crashes,
    }
}

/// What one refund is.
#[derive(Clone)]
enum Intent {
    Eko { tid: String },
    Paytm(RefundApply),
    Upi(UpiRefund),
}

impl Intent {
    fn reference(&self) -> String {
        match self {
            Intent::Eko { tid } => tid.clone(),
            Intent::Paytm(a) => a.ref_id.clone(),
            Intent::Upi(r) => r.refund_request_id.clone(),
        }
    }
}

/// Runs one refund on `p` as an app would (Eko: OTP first). `None`: the OTP never arrived (nothing money-moving sent).
async fn run(p: &Process, sandbox: &Sandbox, intent: &Intent) -> Option<Result<Report, ClientError>> {
    Some(match intent {
        Intent::Eko { tid } => {
            let mut otp = None;
            for _ in 0..8 {
                let _ = p.eko.send_refund_otp(tid).await;
                otp = sandbox.otp_for(tid);
                if otp.is_some() {
                    break;
                }
            }
            p.eko.refund(&EkoRefund::new(tid.clone(), otp?)).await
        }
        Intent::Paytm(apply) => p.paytm.refund(apply).await,
        Intent::Upi(request) => p.upi.refund(request).await,
    })
}

/// Runs one refund, dropping it (a crash) if the process's plan fires for it.
async fn run_or_crash(
    p: &Process,
    sandbox: &Sandbox,
    intent: &Intent,
    crash: Option<CrashPoint>,
) -> Option<Option<Result<Report, ClientError>>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    if let Some(point) = crash {
        p.crashes.0.lock().unwrap().insert(intent.reference(), (point, Some(tx)));
    }
    let result = tokio::select! {
        r = run(p, sandbox, intent) => Some(r),
        Ok(()) = rx => None,
    };
    p.crashes.0.lock().unwrap().remove(&intent.reference());
    result
}

/// What the app knows of a reference after phase 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Reported(Status, NextStep),
    Crashed(CrashPoint),
    ClaimedElsewhere,
    NoOtp,
}

#[derive(Default, Debug)]
struct Counts {
    crashes: BTreeMap<String, usize>,
    races: usize,
    race_claimed_elsewhere: usize,
    immediate_retries: usize,
    first_pass: BTreeMap<String, usize>,
    resumed: usize,
    followed: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adversarial_schedules_never_lose_or_double_money() {
    let seed = match std::env::var("REFUNDKIT_SEED").as_deref() {
        Ok("random") => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64,
        Ok(s) => s.parse().expect("REFUNDKIT_SEED is a number or 'random'"),
        Err(_) => 20_261_203,
    };
    let refunds: usize = std::env::var("REFUNDKIT_REFUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_100);
    println!("adversarial: seed {seed} (rerun with REFUNDKIT_SEED={seed}), {refunds} refunds");
    let mut rng = Rng(seed);

    let sandbox = Arc::new(
        Sandbox::start(SandboxConfig { seed, polls_until_success: 1, ..SandboxConfig::default() }).await.unwrap(),
    );
    let p = |kind, prob| FaultRule::new(RouteSelector::All, kind, Trigger::Probability(prob));
    let money = |kind, prob| {
        [Operation::EkoInitiateRefund, Operation::PaytmRefundApply, Operation::Upi360Refund]
            .map(|op| FaultRule::new(RouteSelector::Operation(op), kind, Trigger::Probability(prob)))
    };
    let mut faults = vec![
        p(FaultKind::DropAfterCommit, 0.05),
        p(FaultKind::ServerError { status: 503 }, 0.04),
        p(FaultKind::ConnectionReset, 0.03),
        p(FaultKind::RateLimited { retry_after_secs: 1 }, 0.02),
    ];
    faults.extend(money(FaultKind::LateCommit { min_ms: TIMEOUT_MS / 2, max_ms: TIMEOUT_MS * 5 }, 0.12));
    sandbox.set_faults(faults);

    let dir = std::env::temp_dir().join(format!("refundkit-adversarial-{}-{seed}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let clock = Arc::new(TestClock::default());
    let a = Arc::new(process(&sandbox, &dir, clock.clone()));
    let b = Arc::new(process(&sandbox, &dir, clock.clone()));

    // The schedule, drawn up front from the seed.
    let mut intents = Vec::new();
    let mut originals: HashMap<String, (String, i64)> = HashMap::new(); // reference -> (original id, amount)
    for i in 0..refunds {
        let amount = 100 + (rng.below(50) as i64) * 37;
        let intent = match i % 3 {
            0 => {
                let t = sandbox.create_eko_transaction(amount, None).unwrap();
                originals.insert(t.tid.clone(), (t.tid.clone(), amount));
                Intent::Eko { tid: t.tid }
            }
            1 => {
                let o = sandbox.create_paytm_order(amount).unwrap();
                let ref_id = format!("ADV{seed}.{i}");
                originals.insert(ref_id.clone(), (o.order_id.clone(), amount));
                let mut apply = RefundApply::new(o.order_id, ref_id, o.txn_id, Money::from_paise(amount));
                apply.original_amount = Some(Money::from_paise(amount));
                Intent::Paytm(apply)
            }
            _ => {
                let u = sandbox.create_upi_transaction(amount).unwrap();
                let id = format!("ADV{seed}U{i}");
                originals.insert(id.clone(), (u.original_merchant_request_id.clone(), amount));
                Intent::Upi(
                    UpiRefund::new(id, Money::from_paise(amount), RefundType::Online, "adversarial refund")
                        .original_upi_request_id(u.original_upi_request_id)
                        .merchant_refund_vpa("refunds@parentbank"),
                )
            }
        };
        let crash = rng.chance(8).then(|| CRASH_POINTS[rng.below(5) as usize]);
        let race = crash.is_none() && rng.chance(6);
        let retry_at_once = rng.chance(10);
        intents.push((intent, crash, race, retry_at_once, rng.chance(50)));
    }

    // Phase 1: the attack, 24 refunds in flight at a time (REFUNDKIT_IN_FLIGHT for long runs).
    let in_flight: usize = std::env::var("REFUNDKIT_IN_FLIGHT").ok().and_then(|v| v.parse().ok()).unwrap_or(24);
    let mut counts = Counts::default();
    let mut seen: HashMap<String, Seen> = HashMap::new();
    let mut history: HashMap<String, (Vec<Seen>, Vec<&str>)> = HashMap::new();
    for chunk in intents.chunks(in_flight.max(1)) {
        let tasks: Vec<_> = chunk
            .iter()
            .cloned()
            .map(|(intent, crash, race, retry_at_once, on_a)| {
                let (a, b, sandbox) = (a.clone(), b.clone(), sandbox.clone());
                tokio::spawn(async move {
                    let (first, second) = if on_a { (a, b) } else { (b, a) };
                    let reference = intent.reference();
                    let mut log = Vec::new();
                    let outcome = if race {
                        // Two processes, one store, the same reference at the same time.
                        let (x, y) = tokio::join!(
                            run_or_crash(&first, &sandbox, &intent, None),
                            run_or_crash(&second, &sandbox, &intent, None)
                        );
                        log.push("race");
                        [x, y].into_iter().flatten().flatten().collect::<Vec<_>>()
                    } else {
                        match run_or_crash(&first, &sandbox, &intent, crash).await {
                            None => return (reference, vec![Seen::Crashed(crash.unwrap())], log),
                            Some(r) => r.into_iter().collect(),
                        }
                    };
                    let mut seen = Vec::new();
                    for r in outcome {
                        seen.push(match r {
                            Ok(report) => Seen::Reported(report.outcome.status, report.outcome.next_step),
                            Err(ClientError::ClaimedElsewhere { .. }) => Seen::ClaimedElsewhere,
                            Err(e) => panic!("{reference}: {e}"),
                        });
                    }
                    if seen.is_empty() {
                        seen.push(Seen::NoOtp);
                    }
                    // An impatient app calls refund again at once for an open outcome: nothing may be sent again.
                    let open = matches!(seen.last(), Some(Seen::Reported(s, _)) if !matches!(s, Status::Succeeded | Status::Failed));
                    if retry_at_once && open && !matches!(intent, Intent::Eko { .. }) {
                        log.push("retry");
                        let again = match &intent {
                            Intent::Paytm(apply) => first.paytm.refund(apply).await,
                            Intent::Upi(request) => first.upi.refund(request).await,
                            Intent::Eko { .. } => unreachable!(),
                        };
                        match again {
                            Ok(report) => {
                                assert_eq!(report.money_moving_sends, 0, "{reference}: an open reference is never re-sent");
                                seen.push(Seen::Reported(report.outcome.status, report.outcome.next_step));
                            }
                            Err(ClientError::ClaimedElsewhere { .. }) => seen.push(Seen::ClaimedElsewhere),
                            Err(e) => panic!("{reference}: {e}"),
                        }
                    }
                    (reference, seen, log)
                })
            })
            .collect();
        for t in tasks {
            let (reference, s, log) = t.await.unwrap();
            counts.races += log.contains(&"race") as usize;
            counts.immediate_retries += log.contains(&"retry") as usize;
            counts.race_claimed_elsewhere += s.contains(&Seen::ClaimedElsewhere) as usize;
            if let Some(Seen::Crashed(point)) = s.first() {
                *counts.crashes.entry(format!("{point:?}")).or_default() += 1;
            }
            // What the app is left with: a success if any call reported one (two racing calls each report on their own
            // request), else the latest answer it got.
            let last = s
                .iter()
                .find(|x| matches!(x, Seen::Reported(Status::Succeeded, _)))
                .or_else(|| s.iter().rev().find(|x| matches!(x, Seen::Reported(..))))
                .or(s.last())
                .copied()
                .unwrap();
            history.insert(reference.clone(), (s.clone(), log.clone()));
            let key = match last {
                Seen::Reported(status, next) => format!("{status:?}/{next:?}"),
                other => format!("{other:?}"),
            };
            *counts.first_pass.entry(key).or_default() += 1;
            seen.insert(reference, last);
        }
    }

    // Every delayed commit lands before anything is judged.
    sandbox.drain_commits().await;
    let store = DirAttemptStore::new(&dir).unwrap();
    let records = store.unresolved().await.unwrap();
    let in_store: HashSet<String> = records.iter().map(|r| r.reference.clone()).collect();
    let ledger = sandbox.ledger();
    let mut moved: HashMap<String, u32> = HashMap::new();
    for e in &ledger {
        *moved.entry(e.reference.clone()).or_default() += e.money_moved;
    }

    // The checker, phase 1.
    let mut violations = Vec::new();
    for (reference, last) in &seen {
        let m = moved.get(reference).copied().unwrap_or(0);
        if m > 1 {
            violations.push(format!("{reference}: money moved {m} times"));
        }
        match last {
            Seen::Reported(Status::Failed, _) if m > 0 => {
                violations.push(format!("{reference}: reported Failed but money moved"))
            }
            Seen::Reported(Status::Succeeded, _) if m == 0 => {
                violations.push(format!("{reference}: reported Succeeded but no money moved"))
            }
            Seen::Reported(Status::Pending | Status::Indeterminate, _) | Seen::Crashed(_) | Seen::ClaimedElsewhere
                if m > 0 && !in_store.contains(reference) =>
            {
                violations.push(format!(
                    "{reference}: money moved, not reported Succeeded, and its record is lost ({last:?})"
                ))
            }
            Seen::Crashed(CrashPoint::BeforeSave) | Seen::NoOtp if m > 0 => {
                violations.push(format!("{reference}: money moved although nothing was sent ({last:?})"))
            }
            _ => {}
        }
    }
    let violations: Vec<String> = violations
        .into_iter()
        .map(|v| {
            let reference = v.split(':').next().unwrap_or_default();
            format!("{v}; calls {:?}", history.get(reference))
        })
        .collect();
    assert!(violations.is_empty(), "phase 1 violations (seed {seed}):\n{}", violations.join("\n"));

    // Phase 2: the restart. Faults off, commit windows and the crashed processes' leases behind us, fresh engines;
    // every record is resumed, then the app follows each next step literally (same id; Eko: a new OTP first).
    sandbox.clear_faults();
    clock.0.fetch_add((WINDOW + LEASE).as_millis() as u64 * 2, Ordering::SeqCst);
    let fresh = process(&sandbox, &dir, clock.clone());
    let mut finals: HashMap<String, Status> = HashMap::new();
    for record in &records {
        let report = match record.provider.as_str() {
            "eko" => fresh.eko.resume(record).await,
            "paytm" => fresh.paytm.resume(record).await,
            _ => fresh.upi.resume(record).await,
        }
        .unwrap_or_else(|e| panic!("resume {}: {e}", record.reference));
        counts.resumed += 1;
        assert_eq!(report.money_moving_sends, 0, "resume never sends the refund");
        let status = report.outcome.status;
        assert!(matches!(status, Status::Succeeded | Status::Failed), "{}: {:?}", record.reference, report.outcome);
        if status == Status::Failed {
            assert_eq!(
                moved.get(&record.reference).copied().unwrap_or(0),
                0,
                "{}: Failed with money moved",
                record.reference
            );
        }
        finals.insert(record.reference.clone(), status);
    }
    assert!(store.unresolved().await.unwrap().is_empty(), "every record resolved after the restart");
    for (intent, ..) in &intents {
        let reference = intent.reference();
        let done = finals.get(&reference) == Some(&Status::Succeeded)
            || (!finals.contains_key(&reference)
                && matches!(seen.get(&reference), Some(Seen::Reported(Status::Succeeded, _))));
        if done {
            finals.insert(reference, Status::Succeeded);
            continue;
        }
        // Failed (proven), crashed before anything was saved, refused as unprocessed, or the OTP never came: do it
        // again with the same id, as the next step says.
        let report = run(&fresh, &sandbox, intent).await.expect("OTP without faults").unwrap();
        counts.followed += 1;
        assert_eq!(report.reference, reference, "the same id, never a new one");
        finals.insert(reference, report.outcome.status);
    }

    // The checker, at the end: every refund refunded exactly once, for the right original and amount.
    sandbox.drain_commits().await;
    let ledger = sandbox.ledger();
    let mut per_reference: HashMap<&str, u32> = HashMap::new();
    for e in &ledger {
        *per_reference.entry(e.reference.as_str()).or_default() += e.money_moved;
        let (original, amount) = &originals[&e.reference];
        assert_eq!((&e.original_id, e.amount_paise), (original, *amount), "{}", e.reference);
    }
    let doubles = per_reference.values().filter(|m| **m > 1).count();
    let not_refunded: Vec<_> = originals.keys().filter(|r| per_reference.get(r.as_str()) != Some(&1)).collect();
    let not_reported: Vec<_> = originals.keys().filter(|r| finals.get(*r) != Some(&Status::Succeeded)).collect();
    let f = sandbox.fault_counts();
    println!("adversarial: {counts:?}");
    println!("adversarial: faults {f:?}");
    println!(
        "adversarial: ledger {} refunds; doubles {doubles}; lost {}; not reported succeeded {}",
        ledger.len(),
        not_refunded.len(),
        not_reported.len()
    );
    assert_eq!(doubles, 0, "zero double refunds");
    assert!(not_refunded.is_empty(), "zero lost refunds: {not_refunded:?}");
    assert!(not_reported.is_empty(), "every refund reported succeeded in the end: {not_reported:?}");
    assert_eq!(ledger.len(), refunds);
    // The attack happened (bounds far below the expected counts, so no seed can make them flaky).
    assert!(f.late_commit > 0 && f.drop_after_commit > 0, "{f:?}");
    assert!(counts.crashes.len() == CRASH_POINTS.len() || refunds < 1000, "{:?}", counts.crashes);
    assert!(counts.races > 0 || refunds < 1000);
    let _ = std::fs::remove_dir_all(&dir);
}
