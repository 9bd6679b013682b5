//! `refundkit settle`: resolves every unresolved attempt record of a store (a back office's backlog after a crash, an
//! outage or a batch of unclear answers), by inquiry/status only, with a progress bar. Never sends a money-moving
//! request: `resume_many` reads the refund's state with the record's own reference.

use std::collections::{BTreeMap, HashMap};
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Instant;

use refundkit::client::{
    AttemptRecord, AttemptStore, BulkOptions, ClientError, ClientOptions, DirAttemptStore, PostgresAttemptStore,
    Report, SqliteAttemptStore,
};
use refundkit::eko::{EkoConfig, EkoRefunds};
use refundkit::paytm::{Environment, Flavour, PaytmConfig, PaytmRefunds};
use refundkit::upi360::{CanonicalForm, PlainStrategy, ResponseVerification, SigningMode, Upi360Config, Upi360Refunds};
use refundkit::Secret;

/// What `settle` prints at the end, and its exit status.
pub(crate) struct Summary {
    /// Records resolved to a final status (refunded, failed, declined...).
    pub final_count: usize,
    /// Records still pending or indeterminate (kept in the store; settle again at `next_check_at_ms`).
    pub open_count: usize,
    /// Records that could not be settled (no credentials for the provider, another account, errors).
    pub error_count: usize,
}

fn env_or(opts: &HashMap<&str, &str>, option: &str, env: &str) -> Option<String> {
    opts.get(option).map(|s| s.to_string()).or_else(|| std::env::var(env).ok().filter(|v| !v.is_empty()))
}

fn read_file(what: &str, path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {what} {path}: {e}"))
}

async fn open_store(spec: &str) -> Result<Arc<dyn AttemptStore>, String> {
    if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
        let store = PostgresAttemptStore::connect(spec).await.map_err(|e| format!("--store: {}", e.0))?;
        Ok(Arc::new(store))
    } else if let Some(path) = spec.strip_prefix("sqlite:") {
        Ok(Arc::new(SqliteAttemptStore::open(path).await.map_err(|e| format!("--store: {}", e.0))?))
    } else {
        if !std::path::Path::new(spec).is_dir() {
            return Err(format!("--store {spec}: not a directory (use sqlite:PATH or postgres://... for those)"));
        }
        Ok(Arc::new(DirAttemptStore::new(spec).map_err(|e| format!("--store: {}", e.0))?))
    }
}

/// The client of one provider, configured from options and the environment; `None` when its credentials are absent.
enum Client {
    Eko(Box<EkoRefunds>),
    Paytm(Box<PaytmRefunds>),
    Upi360(Box<Upi360Refunds>),
}

impl Client {
    async fn resume_many(&self, records: &[AttemptRecord], o: &BulkOptions) -> Vec<Result<Report, ClientError>> {
        match self {
            Client::Eko(c) => c.resume_many(records, o).await,
            Client::Paytm(c) => c.resume_many(records, o).await,
            Client::Upi360(c) => c.resume_many(records, o).await,
        }
    }
}

fn client_options(store: &Arc<dyn AttemptStore>, opts: &HashMap<&str, &str>) -> Result<ClientOptions, String> {
    let mut o = ClientOptions::builtin().map_err(|e| e.to_string())?.store(store.clone());
    if let Some(owner) = opts.get("owner") {
        o = o.owner(owner.to_string());
    }
    Ok(o)
}

fn eko(opts: &HashMap<&str, &str>, o: ClientOptions) -> Result<Option<Client>, String> {
    let (Some(developer_key), Some(access_key), Some(initiator_id)) = (
        env_or(opts, "eko-developer-key", "REFUNDKIT_EKO_DEVELOPER_KEY"),
        std::env::var("REFUNDKIT_EKO_ACCESS_KEY").ok().filter(|k| !k.is_empty()),
        env_or(opts, "eko-initiator-id", "REFUNDKIT_EKO_INITIATOR_ID"),
    ) else {
        return Ok(None);
    };
    let mut config = EkoConfig::uat();
    config.developer_key = developer_key;
    config.access_key = Secret::new(access_key);
    config.initiator_id = initiator_id;
    if let Some(url) = env_or(opts, "eko-base-url", "REFUNDKIT_EKO_BASE_URL") {
        config.base_url = url;
    }
    if let Some(code) = env_or(opts, "eko-user-code", "REFUNDKIT_EKO_USER_CODE") {
        config.user_code = code;
    }
    Ok(Some(Client::Eko(Box::new(EkoRefunds::new(config, o).map_err(|e| format!("eko: {e}"))?))))
}

fn paytm(opts: &HashMap<&str, &str>, o: ClientOptions) -> Result<Option<Client>, String> {
    let (Some(mid), Some(key)) = (
        env_or(opts, "paytm-mid", "REFUNDKIT_PAYTM_MID"),
        std::env::var("REFUNDKIT_PAYTM_KEY").ok().filter(|k| !k.is_empty()),
    ) else {
        return Ok(None);
    };
    let environment = match env_or(opts, "paytm-env", "REFUNDKIT_PAYTM_ENV").as_deref() {
        None | Some("staging") => Environment::Staging,
        Some("production") => Environment::Production,
        Some(other) => return Err(format!("--paytm-env {other}: use staging or production")),
    };
    let flavour = if opts.contains_key("paytm-ai-router") { Flavour::AiRouter } else { Flavour::Pg };
    let mut config = PaytmConfig::new(environment, flavour, mid, key);
    if let Some(url) = env_or(opts, "paytm-base-url", "REFUNDKIT_PAYTM_BASE_URL") {
        config.base_url = url;
    }
    Ok(Some(Client::Paytm(Box::new(PaytmRefunds::new(config, o).map_err(|e| format!("paytm: {e}"))?))))
}

fn upi360(opts: &HashMap<&str, &str>, o: ClientOptions) -> Result<Option<Client>, String> {
    let (Some(host), Some(merchant_id), Some(channel_id), Some(key_file), Some(psp_file)) = (
        env_or(opts, "upi-host", "REFUNDKIT_UPI_HOST"),
        env_or(opts, "upi-merchant-id", "REFUNDKIT_UPI_MERCHANT_ID"),
        env_or(opts, "upi-channel-id", "REFUNDKIT_UPI_CHANNEL_ID"),
        env_or(opts, "upi-private-key-file", "REFUNDKIT_UPI_PRIVATE_KEY_FILE"),
        env_or(opts, "upi-psp-public-key-file", "REFUNDKIT_UPI_PSP_PUBLIC_KEY_FILE"),
    ) else {
        return Ok(None);
    };
    let uri = env_or(opts, "upi-uri", "REFUNDKIT_UPI_URI").unwrap_or_else(|| "n2".into());
    let private_key_pem = Secret::new(read_file("the UPI private key", &key_file)?);
    let psp_public_key_pem = read_file("the PSP public key", &psp_file)?;
    let signing = SigningMode::Plain(PlainStrategy::RsaPssSha256 { private_key_pem });
    let verification = ResponseVerification::Verify { psp_public_key_pem, canonical_form: CanonicalForm::default() };
    let config = Upi360Config::new(host, uri, merchant_id, channel_id, signing, verification);
    Ok(Some(Client::Upi360(Box::new(Upi360Refunds::new(config, o).map_err(|e| format!("upi360: {e}"))?))))
}

/// A progress bar on a terminal; a line every 10% otherwise (logs, CI).
struct Bar {
    label: String,
    tty: bool,
    started: Instant,
    last_tenth: std::sync::atomic::AtomicUsize,
}

impl Bar {
    fn show(&self, done: usize, total: usize) {
        let mut err = std::io::stderr().lock();
        if self.tty {
            let width = 30;
            let filled = (done * width).checked_div(total).unwrap_or(width);
            let rate = done as f64 / self.started.elapsed().as_secs_f64().max(0.001);
            let _ = write!(
                err,
                "\r{:<8} [{}{}] {done}/{total} ({rate:.0}/s)",
                self.label,
                "#".repeat(filled),
                " ".repeat(width - filled)
            );
            if done == total {
                let _ = writeln!(err);
            }
        } else {
            let tenth = (done * 10).checked_div(total).unwrap_or(10);
            let before = self.last_tenth.fetch_max(tenth, std::sync::atomic::Ordering::SeqCst);
            if tenth > before || done == total && before < 10 {
                let _ = writeln!(err, "{}: {done}/{total} settled", self.label);
            }
        }
    }
}

/// `refundkit settle --store STORE [--provider P] [--concurrency N] [--rate R] [--owner ID]`.
pub(crate) fn settle(opts: &HashMap<&str, &str>) -> Result<Summary, String> {
    let spec = opts.get("store").ok_or("--store is required (a directory, sqlite:PATH or postgres://...)")?;
    let concurrency = match opts.get("concurrency") {
        Some(v) => v.parse::<usize>().ok().filter(|n| (1..=1024).contains(n)).ok_or("--concurrency: 1 to 1024")?,
        None => 32,
    };
    let rate = match opts.get("rate") {
        Some(v) => {
            Some(v.parse::<f64>().ok().filter(|r| r.is_finite() && *r > 0.0).ok_or("--rate: a positive number")?)
        }
        None => None,
    };
    let only = opts.get("provider").copied();
    if let Some(p) = only {
        if !["eko", "paytm", "upi360"].contains(&p) {
            return Err(format!("--provider {p}: use eko, paytm or upi360"));
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async {
        let store = open_store(spec).await?;
        let records = store.unresolved().await.map_err(|e| format!("--store: {}", e.0))?;
        let mut by_provider: BTreeMap<String, Vec<AttemptRecord>> = BTreeMap::new();
        for r in records {
            if only.is_none_or(|p| p == r.provider) {
                by_provider.entry(r.provider.clone()).or_default().push(r);
            }
        }
        let total: usize = by_provider.values().map(Vec::len).sum();
        println!("{total} unresolved record(s) in {spec}");
        let mut summary = Summary { final_count: 0, open_count: 0, error_count: 0 };
        let mut statuses: BTreeMap<&'static str, usize> = BTreeMap::new();
        for (provider, records) in &by_provider {
            let o = client_options(&store, opts)?;
            let client = match provider.as_str() {
                "eko" => eko(opts, o)?,
                "paytm" => paytm(opts, o)?,
                "upi360" => upi360(opts, o)?,
                _ => None,
            };
            let Some(client) = client else {
                println!("{provider}: {} record(s) skipped: no credentials for {provider} (see --help)", records.len());
                summary.error_count += records.len();
                continue;
            };
            let bar = Arc::new(Bar {
                label: provider.clone(),
                tty: std::io::stderr().is_terminal(),
                started: Instant::now(),
                last_tenth: 0.into(),
            });
            let mut bulk = BulkOptions::new(concurrency);
            bulk.rate_per_second = rate;
            let progress = bar.clone();
            bulk = bulk.progress(move |done, total| progress.show(done, total));
            let results = client.resume_many(records, &bulk).await;
            for (record, result) in records.iter().zip(results) {
                match result {
                    Ok(report) => {
                        let status = report.outcome.status;
                        *statuses.entry(status.as_str()).or_default() += 1;
                        if report.outcome.is_final() {
                            summary.final_count += 1;
                        } else {
                            summary.open_count += 1;
                            let next = report
                                .next_check_at_ms
                                .map(|ms| format!(", check again at {ms} (Unix ms)"))
                                .unwrap_or_default();
                            println!(
                                "  {provider} {}: {} ({}), next step: {}{next}",
                                record.reference,
                                status.as_str(),
                                report.outcome.reason.as_str(),
                                report.outcome.next_step.as_str()
                            );
                        }
                    }
                    Err(e) => {
                        summary.error_count += 1;
                        println!("  {provider} {}: not settled: {e}", record.reference);
                    }
                }
            }
        }
        let counts: Vec<String> = statuses.iter().map(|(s, n)| format!("{s} {n}")).collect();
        println!(
            "settled: {} final, {} still open, {} not settled{}{}",
            summary.final_count,
            summary.open_count,
            summary.error_count,
            if counts.is_empty() { "" } else { "; by status: " },
            counts.join(", ")
        );
        Ok(summary)
    })
}
