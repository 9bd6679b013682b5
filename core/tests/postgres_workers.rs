//! N worker **processes** split one backlog of unresolved refunds on one Postgres attempt store, one of them killed
//! (SIGKILL) mid-run: every reference is resolved exactly once, none is lost, no money moves twice, and every
//! outcome agrees with the provider's ledger (S1, S2, S3, S5 of `docs/safety.md`).
//!
//! - The parent starts the refundkit sandbox (Paytm) and **seeds** the backlog the way a crash leaves it: it runs
//!   `PaytmRefunds::refund` for every reference through a transport that loses every answer. Half the applies reach
//!   the sandbox (money moves; the client never hears), half never leave. Every refund stays an unresolved record.
//! - It turns on faults (5xx, resets, malformed and truncated answers) and starts the workers: children of this test
//!   binary, each looping `claim_next` (`FOR UPDATE SKIP LOCKED`) and `PaytmRefunds::resume` with its own owner id,
//!   until the store is empty. Each worker appends what it took and how each resume ended to its own log file.
//! - Once the victim has resolved a share of the backlog, the parent kills it with SIGKILL: its claims stay until
//!   their leases end, then the others take its records over.
//! - Then it checks the workers' logs against the sandbox ledger and the store.
//!
//! Needs `REFUNDKIT_PG_URL` (see `tests/run-all`); without it the test prints why and passes; set but unreachable fails.
//! Size: `REFUNDKIT_PG_WORKERS_REFUNDS` (default 5000: about 50 s in a debug build on 2 cores), `REFUNDKIT_PG_WORKERS`
//! (default 4). Run it alone, with its numbers:
//! `cargo test -p refundkit --features postgres,reqwest --test postgres_workers -- --nocapture`.

use refundkit::client::{
    AttemptStore, ClientOptions, CommitWindows, PostgresAttemptStore, ReqwestTransport, RetryPolicy, Transport,
    TransportError, TransportOptions,
};
use refundkit::paytm::{Flavour, PaytmConfig, PaytmRefunds, RefundApply};
use refundkit::{HttpRequest, HttpResponse, Money};
use refundkit_sandbox::{parse_fault_spec, Sandbox, SandboxConfig, DEFAULT_PAYTM_MERCHANT_KEY, DEFAULT_PAYTM_MID};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A claim lasts this long unrenewed (the engine renews it before every request): far above one resume, which
/// takes milliseconds here, so a live worker never loses a claim; the killed worker's claims end after it.
const LEASE: Duration = Duration::from_secs(10);
/// Short commit window: records seeded without a send are proven absent soon after seeding.
const WINDOW: Duration = Duration::from_secs(2);
const BATCH: usize = 8;

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn paytm_config(base_url: &str) -> PaytmConfig {
    let mut c = PaytmConfig::staging(DEFAULT_PAYTM_MID, DEFAULT_PAYTM_MERCHANT_KEY);
    c.flavour = Flavour::Pg;
    c.base_url = base_url.to_string();
    c
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        max_polls: 4,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        commit_windows: CommitWindows::all(WINDOW),
        absence_confirmations: 2,
        claim_lease: LEASE,
        ..RetryPolicy::default()
    }
}

/// The seeding transport: a crash right after (or right before) each send. Every second apply reaches the sandbox
/// (money moves) and its answer is lost; the others never leave. Status queries get no answer either, so every
/// refund stays unresolved in the store.
struct LosingTransport {
    inner: ReqwestTransport,
    applies: AtomicU64,
}

#[async_trait::async_trait]
impl Transport for LosingTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        if request.url.contains("/refund/apply") && self.applies.fetch_add(1, Ordering::SeqCst).is_multiple_of(2) {
            self.inner.send(request).await.map_err(|e| TransportError::maybe_processed(e.message))?;
            return Err(TransportError::maybe_processed("seeding: the answer was lost"));
        }
        Err(TransportError::maybe_processed("seeding: the request was lost"))
    }
}

/// A worker process (a child of this test binary): takes the next claimable records and resumes them until the
/// store is empty. Log lines: `take REF`, `done REF STATUS SENDS` (final), `open REF STATUS SENDS`, `error REF ...`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_child() {
    let Ok(owner) = std::env::var("REFUNDKIT_PGW_OWNER") else { return };
    let env = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} is set by the parent"));
    let store =
        PostgresAttemptStore::new(&env("REFUNDKIT_PG_URL")).unwrap().with_table(&env("REFUNDKIT_PGW_TABLE")).unwrap();
    let transport =
        ReqwestTransport::new(TransportOptions { request_timeout: Duration::from_secs(5), ..Default::default() })
            .unwrap();
    let options =
        ClientOptions::builtin().unwrap().policy(policy()).store(Arc::new(store.clone())).owner(owner.clone());
    let options = ClientOptions { transport: Arc::new(transport), ..options };
    let paytm = Arc::new(PaytmRefunds::new(paytm_config(&env("REFUNDKIT_PGW_BASE_URL")), options).unwrap());
    let mut log = std::fs::OpenOptions::new().create(true).append(true).open(env("REFUNDKIT_PGW_LOG")).unwrap();
    loop {
        let batch = store.claim_next(&owner, now_ms(), LEASE.as_millis() as u64, BATCH).await.unwrap();
        if batch.is_empty() {
            if store.count().await.unwrap() == 0 {
                break;
            }
            // The rest is held by others, or not due yet (commit windows, backoff, the killed worker's leases).
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        // One write per line, unbuffered: a SIGKILL loses nothing already written.
        for r in &batch {
            log.write_all(format!("take {}\n", r.reference).as_bytes()).unwrap();
        }
        let mut tasks = tokio::task::JoinSet::new();
        for record in batch {
            let paytm = paytm.clone();
            tasks.spawn(async move { (record.reference.clone(), paytm.resume(&record).await) });
        }
        while let Some(done) = tasks.join_next().await {
            let (reference, result) = done.unwrap();
            let line = match result {
                Ok(report) => {
                    let kind = if report.outcome.is_final() { "done" } else { "open" };
                    format!("{kind} {reference} {:?} {}\n", report.outcome.status, report.money_moving_sends)
                }
                Err(e) => format!("error {reference} {}\n", e.to_string().replace('\n', " ")),
            };
            log.write_all(line.as_bytes()).unwrap();
        }
    }
}

#[derive(Default, Debug)]
struct WorkerLog {
    taken: BTreeSet<String>,
    finals: Vec<(String, String, u32)>,
    open: usize,
    errors: Vec<String>,
}

fn read_log(path: &std::path::Path) -> WorkerLog {
    let mut log = WorkerLog::default();
    let text = std::fs::read_to_string(path).unwrap_or_default();
    for line in text.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        match parts.as_slice() {
            ["take", r] => {
                log.taken.insert(r.to_string());
            }
            ["done", r, status, sends] => log.finals.push((r.to_string(), status.to_string(), sends.parse().unwrap())),
            ["open", ..] => log.open += 1,
            _ if line.starts_with("error ") => log.errors.push(line.to_string()),
            // A line cut by the kill.
            _ => {}
        }
    }
    log
}

fn done_lines(path: &std::path::Path) -> usize {
    std::fs::read_to_string(path).unwrap_or_default().lines().filter(|l| l.starts_with("done ")).count()
}

#[test]
fn workers_split_one_backlog_with_one_killed() {
    let Ok(url) = std::env::var("REFUNDKIT_PG_URL") else {
        println!("skipped: REFUNDKIT_PG_URL is not set (tests/run-all starts a local Postgres and sets it)");
        return;
    };
    let refunds = env_usize("REFUNDKIT_PG_WORKERS_REFUNDS", 5000);
    let workers = env_usize("REFUNDKIT_PG_WORKERS", 4).max(2);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let table = format!("rk_workers_{}", std::process::id());
    let store = PostgresAttemptStore::new(&url).unwrap().with_table(&table).unwrap();
    if let Err(e) = rt.block_on(store.count()) {
        panic!("REFUNDKIT_PG_URL is set but no Postgres is reachable there: {e}");
    }
    let started = Instant::now();
    let sandbox = rt.block_on(Sandbox::start(SandboxConfig { seed: 13, ..SandboxConfig::default() })).unwrap();

    // Seed: every refund left unresolved, as a crash leaves it.
    let mut amounts = HashMap::new();
    let seeding = rt.block_on(async {
        let transport = LosingTransport {
            inner: ReqwestTransport::new(TransportOptions::default()).unwrap(),
            applies: AtomicU64::new(0),
        };
        let options = ClientOptions::builtin()
            .unwrap()
            .policy(RetryPolicy { max_polls: 1, max_attempts: 1, ..policy() })
            .store(Arc::new(store.clone()))
            .owner("seeder");
        let options = ClientOptions { transport: Arc::new(transport), ..options };
        let paytm = Arc::new(PaytmRefunds::new(paytm_config(&sandbox.base_url()), options).unwrap());
        let mut applies = Vec::new();
        for i in 0..refunds {
            let amount = 100 + (i as i64 % 50) * 37;
            let order = sandbox.create_paytm_order(amount).unwrap();
            let reference = format!("W{i}");
            amounts.insert(reference.clone(), amount);
            let mut apply = RefundApply::new(order.order_id, reference, order.txn_id, Money::from_paise(amount));
            apply.original_amount = Some(Money::from_paise(amount));
            applies.push(apply);
        }
        let mut sends = 0;
        for chunk in applies.chunks(16) {
            let mut tasks = tokio::task::JoinSet::new();
            for apply in chunk {
                let (paytm, apply) = (paytm.clone(), apply.clone());
                tasks.spawn(async move { paytm.refund(&apply).await.unwrap() });
            }
            while let Some(report) = tasks.join_next().await {
                let report = report.unwrap();
                assert!(!report.outcome.is_final(), "seeding leaves every refund unresolved: {report:?}");
                sends += report.money_moving_sends;
            }
        }
        sends
    });
    let seeded = rt.block_on(store.count()).unwrap() as usize;
    let moved_at_seeding = sandbox.ledger().len();
    let seed_time = started.elapsed();
    println!(
        "seeded {seeded} unresolved records ({seeding} applies sent, {moved_at_seeding} reached the sandbox) in {:.1} s",
        seed_time.as_secs_f64()
    );
    assert_eq!(seeded, refunds);

    // Faults on every answer from now on.
    sandbox.set_faults(
        parse_fault_spec("server_error:0.05,connection_reset:0.03,malformed_body:0.03,truncated_body:0.02").unwrap(),
    );

    let dir = std::env::temp_dir().join(format!("refundkit-pg-workers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let exe = std::env::current_exe().unwrap();
    let logs: Vec<_> = (0..workers).map(|w| dir.join(format!("worker{w}.log"))).collect();
    let work_started = Instant::now();
    let mut children: Vec<Child> = (0..workers)
        .map(|w| {
            Command::new(&exe)
                .args(["--exact", "worker_child", "--nocapture", "--test-threads=1"])
                .env("REFUNDKIT_PGW_OWNER", format!("worker{w}"))
                .env("REFUNDKIT_PGW_TABLE", &table)
                .env("REFUNDKIT_PGW_BASE_URL", sandbox.base_url())
                .env("REFUNDKIT_PGW_LOG", &logs[w])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();

    // Kill the victim (SIGKILL) once it has resolved a share of the backlog, in the middle of whatever it does.
    let victim = 1;
    let kill_after = (refunds / (workers * 3)).max(1) + (now_ms() % 17) as usize;
    let mut killed_at = None;
    let statuses = rt.block_on(async {
        let mut statuses: Vec<Option<std::process::ExitStatus>> = vec![None; workers];
        while statuses.iter().any(Option::is_none) {
            for (w, child) in children.iter_mut().enumerate() {
                if statuses[w].is_none() {
                    statuses[w] = child.try_wait().unwrap();
                }
            }
            if killed_at.is_none() && statuses[victim].is_none() && done_lines(&logs[victim]) >= kill_after {
                children[victim].kill().unwrap();
                killed_at = Some(done_lines(&logs[victim]));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        statuses
    });
    let work_time = work_started.elapsed();
    for (w, status) in statuses.iter().enumerate() {
        let status = status.unwrap();
        if killed_at.is_some() && w == victim {
            continue;
        }
        assert!(status.success(), "worker{w} failed: {status}; log {}", logs[w].display());
    }

    // The checks.
    let worker_logs: Vec<WorkerLog> = logs.iter().map(|p| read_log(p)).collect();
    let mut finals: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
    let mut sends = 0;
    for (w, log) in worker_logs.iter().enumerate() {
        for (r, status, s) in &log.finals {
            finals.entry(r.clone()).or_default().push((w, status.clone()));
            sends += s;
        }
    }
    let ledger: HashMap<String, u32> = sandbox.ledger().into_iter().map(|e| (e.reference, e.money_moved)).collect();
    let left = rt.block_on(store.list()).unwrap();
    // Refunded references stay as tombstones (never sent again); nothing else may be left.
    let tombstones = left.records.iter().filter(|r| r.refunded_at_ms.is_some()).count();
    // Taken by the victim, not reported before the kill: resolved by it (record removed, report lost with it) or
    // taken over by another worker.
    let victim_in_flight: BTreeSet<String> = match killed_at {
        Some(_) => {
            let log = &worker_logs[victim];
            let reported: BTreeSet<&String> = log.finals.iter().map(|(r, _, _)| r).collect();
            log.taken.iter().filter(|r| !reported.contains(r)).cloned().collect()
        }
        None => BTreeSet::new(),
    };

    let doubles: Vec<_> = finals.iter().filter(|(_, v)| v.len() > 1).collect();
    let double_money: Vec<_> = ledger.iter().filter(|(_, n)| **n > 1).collect();
    let mut lost = Vec::new();
    let mut died_with_victim = 0;
    for reference in amounts.keys() {
        if finals.contains_key(reference) {
            continue;
        }
        if victim_in_flight.contains(reference) {
            died_with_victim += 1;
        } else {
            lost.push(reference.clone());
        }
    }
    // S2: every reported outcome agrees with the ledger.
    let mut wrong = Vec::new();
    for (reference, reports) in &finals {
        let moved = ledger.contains_key(reference);
        for (w, status) in reports {
            let agrees = match status.as_str() {
                "Succeeded" => moved,
                "Failed" => !moved,
                _ => false,
            };
            if !agrees {
                wrong.push(format!("{reference}: worker{w} said {status}, money moved: {moved}"));
            }
        }
    }
    let per_worker: Vec<usize> = worker_logs.iter().map(|l| l.finals.len()).collect();
    let errors: usize = worker_logs.iter().map(|l| l.errors.len()).sum();
    let open: usize = worker_logs.iter().map(|l| l.open).sum();
    let succeeded = finals.values().filter(|v| v[0].1 == "Succeeded").count();
    println!(
        "{refunds} refunds, {workers} workers, worker{victim} killed after {} resolved; resolved per worker {per_worker:?} \
         ({succeeded} succeeded, {} proven failed, {died_with_victim} resolved by the killed worker as it died, {open} \
         resumes left open and taken again, {errors} errors); doubles {}, money moved twice {}, lost {}, wrong outcomes \
         {}, money-moving sends by workers {sends}, records left {}; fault answers {}; workers took {:.1} s, total {:.1} s",
        killed_at.map_or("-".to_string(), |n| n.to_string()),
        finals.len() - succeeded,
        doubles.len(),
        double_money.len(),
        lost.len(),
        wrong.len(),
        left.records.len() - tombstones + left.skipped.len(),
        sandbox.fault_counts().total(),
        work_time.as_secs_f64(),
        started.elapsed().as_secs_f64(),
    );
    assert!(doubles.is_empty(), "references resolved twice: {doubles:?}");
    assert!(double_money.is_empty(), "money moved twice: {double_money:?}");
    assert!(lost.is_empty(), "references lost: {lost:?}");
    assert!(wrong.is_empty(), "outcomes contradicting the ledger: {wrong:?}");
    assert_eq!(sends, 0, "a resume never sends the refund again");
    assert_eq!((left.records.len() - tombstones, left.skipped.len()), (0, 0), "the backlog is empty");
    assert_eq!(tombstones, ledger.len(), "each refunded reference is one tombstone");
    assert_eq!(ledger.len(), moved_at_seeding, "no money moved after seeding");

    rt.block_on(async {
        if let Ok((client, connection)) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
            tokio::spawn(connection);
            let _ = client.batch_execute(&format!("DROP TABLE IF EXISTS {table}")).await;
        }
        sandbox.shutdown().await;
    });
    let _ = std::fs::remove_dir_all(&dir);
}
