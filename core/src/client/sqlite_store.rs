//! An [`AttemptStore`] in one SQLite file (feature `sqlite`): the default for a single server.
//!
//! - One table, `refundkit_attempts`: the record's JSON ([`AttemptRecord::to_json`]) plus key columns (the exact key
//!   [`AttemptKey::encoded`] as primary key, provider, account, reference, claim owner and lease end, creation time,
//!   next check time). Schema in the repository's `docs/stores.md`.
//! - Every claim, update and removal runs in a `BEGIN IMMEDIATE` transaction (SQLite's write lock, taken before the
//!   record is read), waiting up to [`SqliteAttemptStore::BUSY_TIMEOUT`] for another writer: create-or-claim is
//!   atomic across the processes of one host. The decision itself is [`claim_decision`] / [`check_holder`], the
//!   rules every store shares.
//! - WAL journal with `synchronous=FULL`: a write is durable when it returns.
//! - File I/O runs on a blocking thread pool, never on the async executor.
//! - Rows whose JSON is unreadable or does not match their key are skipped and reported by
//!   [`AttemptStore::list`], never deleted.

use super::store::{
    check_holder, claim_decision, AttemptKey, AttemptRecord, AttemptStore, Claim, ClaimRequest, Listing, StoreError,
};
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An [`AttemptStore`] in one SQLite database file, safe for several processes on one host (not on a network file
/// system: SQLite's locks need a local disk). See the module documentation.
#[derive(Debug, Clone)]
pub struct SqliteAttemptStore {
    path: Arc<PathBuf>,
    conn: Arc<Mutex<Connection>>,
}

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS refundkit_attempts (
    key TEXT PRIMARY KEY NOT NULL,
    provider TEXT NOT NULL,
    account TEXT NOT NULL,
    reference TEXT NOT NULL,
    claim_owner TEXT,
    claim_until_ms INTEGER,
    created_at_ms INTEGER NOT NULL,
    next_check_at_ms INTEGER,
    refunded_at_ms INTEGER,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS refundkit_attempts_claimable ON refundkit_attempts (next_check_at_ms, created_at_ms);";

fn sql_error(what: &str, e: rusqlite::Error) -> StoreError {
    StoreError::new(format!("SQLite attempt store: cannot {what}: {e}"))
}

/// A Unix-ms time as an SQL integer (times past `i64::MAX` ms do not occur; they saturate).
pub(crate) fn sql_ms(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

fn unreadable(key: &str, problem: &str) -> StoreError {
    StoreError::new(format!("the stored attempt record {key} is unreadable: {problem}"))
}

/// Parses a stored row, checking that the record inside belongs to the row's key.
pub(crate) fn parse_row(key: &str, json: &str) -> Result<AttemptRecord, String> {
    let record = AttemptRecord::from_json(json)?;
    if record.key() != key {
        return Err("the record inside does not match its key".into());
    }
    Ok(record)
}

/// Runs `step` again while it fails with `SQLITE_BUSY` / `SQLITE_LOCKED`, for up to
/// [`SqliteAttemptStore::BUSY_TIMEOUT`] (5 ms, doubling to 200 ms, between tries).
fn retry_busy<T>(mut step: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let deadline = std::time::Instant::now() + SqliteAttemptStore::BUSY_TIMEOUT;
    let mut pause = Duration::from_millis(5);
    loop {
        match step() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(200));
            }
            other => return other,
        }
    }
}

impl SqliteAttemptStore {
    /// How long a claim waits for another process's write transaction before failing.
    pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

    /// Opens (creating if missing) the database at `path` and its table. Blocks while it opens the file: call it at
    /// start-up, or through [`SqliteAttemptStore::open`] from async code.
    pub fn new(path: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let path = path.into();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError::new(format!("SQLite attempt store: cannot create its directory: {e}")))?;
        }
        let conn = Connection::open(&path).map_err(|e| sql_error("open the database file", e))?;
        conn.busy_timeout(Self::BUSY_TIMEOUT).map_err(|e| sql_error("set the busy timeout", e))?;
        // Several processes opening a new file at once: switching to WAL (and creating the table) can answer
        // SQLITE_BUSY at once, without the busy handler (SQLite refuses to wait where waiting could deadlock).
        // Retry those two steps until the busy timeout.
        retry_busy(|| conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(())))
            .map_err(|e| sql_error("switch to the WAL journal", e))?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(|e| sql_error("set synchronous=FULL", e))?;
        retry_busy(|| conn.execute_batch(SCHEMA)).map_err(|e| sql_error("create the refundkit_attempts table", e))?;
        // A file made before tombstones existed gains the column (SQLite has no ADD COLUMN IF NOT EXISTS).
        let has_tombstones = conn
            .prepare("SELECT 1 FROM pragma_table_info('refundkit_attempts') WHERE name = 'refunded_at_ms'")
            .and_then(|mut q| q.exists([]))
            .map_err(|e| sql_error("read the table's columns", e))?;
        if !has_tombstones {
            match conn.execute_batch("ALTER TABLE refundkit_attempts ADD COLUMN refunded_at_ms INTEGER") {
                // Another process added it first.
                Err(e) if e.to_string().contains("duplicate column") => {}
                other => other.map_err(|e| sql_error("add the refunded_at_ms column", e))?,
            }
        }
        Ok(SqliteAttemptStore { path: Arc::new(path), conn: Arc::new(Mutex::new(conn)) })
    }

    /// [`SqliteAttemptStore::new`] on a blocking thread.
    pub async fn open(path: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let path = path.into();
        blocking::unblock(move || Self::new(path)).await
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn with_conn<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = self.conn.clone();
        blocking::unblock(move || {
            let mut conn =
                conn.lock().map_err(|_| StoreError::new("SQLite attempt store: its connection is poisoned"))?;
            f(&mut conn)
        })
        .await
    }

    /// Takes up to `limit` claimable unresolved records for `owner` and claims each for `lease_ms` (atomically, under
    /// SQLite's write lock): records nobody holds or whose lease ended by `now_ms`, and whose
    /// [`AttemptRecord::next_check_at_ms`] has come. Records `owner` already holds are not returned (it is working on
    /// them). Oldest check first. Hand each to the client's `resume` with the same owner id.
    pub async fn claim_next(
        &self,
        owner: &str,
        now_ms: u64,
        lease_ms: u64,
        limit: usize,
    ) -> Result<Vec<AttemptRecord>, StoreError> {
        let owner = owner.to_string();
        self.with_conn(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| sql_error("begin a claim transaction", e))?;
            let rows: Vec<(String, String)> = {
                let mut stmt = tx
                    .prepare(
                        "SELECT key, record FROM refundkit_attempts
                         WHERE refunded_at_ms IS NULL AND (claim_owner IS NULL OR claim_until_ms <= ?1)
                           AND (next_check_at_ms IS NULL OR next_check_at_ms <= ?1)
                         ORDER BY next_check_at_ms IS NOT NULL, next_check_at_ms, created_at_ms, key LIMIT ?2",
                    )
                    .map_err(|e| sql_error("select claimable records", e))?;
                let limit = i64::try_from(limit).unwrap_or(i64::MAX);
                let rows = stmt
                    .query_map(params![sql_ms(now_ms), limit], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map_err(|e| sql_error("select claimable records", e))?;
                rows.collect::<Result<_, _>>().map_err(|e| sql_error("read claimable records", e))?
            };
            let mut taken = Vec::new();
            for (key, json) in rows {
                // Unreadable rows are left for a person (see `list`).
                let Ok(stored) = parse_row(&key, &json) else { continue };
                let request = ClaimRequest { owner: &owner, now_ms, lease_ms, create: false };
                if let (Claim::Existing(record), Some(write)) = claim_decision(Some(&stored), &stored, request) {
                    write_row(&tx, &write)?;
                    taken.push(record);
                }
            }
            tx.commit().map_err(|e| sql_error("commit the claims", e))?;
            Ok(taken)
        })
        .await
    }

    /// How many rows are not tombstones of refunded references (readable or not): the backlog.
    pub async fn count(&self) -> Result<u64, StoreError> {
        self.with_conn(|conn| {
            conn.query_row("SELECT count(*) FROM refundkit_attempts WHERE refunded_at_ms IS NULL", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n.max(0) as u64)
            .map_err(|e| sql_error("count the records", e))
        })
        .await
    }
}

impl SqliteAttemptStore {
    /// Deletes the tombstones of references refunded before `before_ms` (Unix ms). Returns how many. Unresolved
    /// records and unreadable rows are never touched.
    pub async fn purge_refunded(&self, before_ms: u64) -> Result<usize, StoreError> {
        self.with_conn(move |conn| {
            conn.execute("DELETE FROM refundkit_attempts WHERE refunded_at_ms < ?1", [sql_ms(before_ms)])
                .map_err(|e| sql_error("purge refunded tombstones", e))
        })
        .await
    }
}

fn read_row(tx: &rusqlite::Transaction<'_>, key: &str) -> Result<Option<AttemptRecord>, StoreError> {
    let json: Option<String> = tx
        .query_row("SELECT record FROM refundkit_attempts WHERE key = ?1", [key], |r| r.get(0))
        .optional()
        .map_err(|e| sql_error(&format!("read the attempt record {key}"), e))?;
    json.map(|j| parse_row(key, &j).map_err(|p| unreadable(key, &p))).transpose()
}

fn write_row(tx: &rusqlite::Transaction<'_>, record: &AttemptRecord) -> Result<(), StoreError> {
    let claim = record.claim.as_ref();
    tx.execute(
        "INSERT INTO refundkit_attempts
           (key, provider, account, reference, claim_owner, claim_until_ms, created_at_ms, next_check_at_ms,
            refunded_at_ms, record)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (key) DO UPDATE SET provider = excluded.provider, account = excluded.account,
           reference = excluded.reference, claim_owner = excluded.claim_owner,
           claim_until_ms = excluded.claim_until_ms, created_at_ms = excluded.created_at_ms,
           next_check_at_ms = excluded.next_check_at_ms, refunded_at_ms = excluded.refunded_at_ms,
           record = excluded.record",
        params![
            record.key(),
            record.provider,
            record.account,
            record.reference,
            claim.map(|c| c.owner.as_str()),
            claim.map(|c| sql_ms(c.until_ms)),
            sql_ms(record.created_at_ms),
            record.next_check_at_ms.map(sql_ms),
            record.refunded_at_ms.map(sql_ms),
            record.to_json(),
        ],
    )
    .map_err(|e| sql_error(&format!("save the attempt record for {}", record.reference), e))?;
    Ok(())
}

fn begin(conn: &mut Connection) -> Result<rusqlite::Transaction<'_>, StoreError> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| sql_error("begin a transaction", e))
}

fn gone(record: &AttemptRecord) -> StoreError {
    StoreError::new(format!("the attempt record for {} is gone (resolved by another worker?)", record.reference))
}

#[async_trait]
impl AttemptStore for SqliteAttemptStore {
    async fn claim(&self, record: &AttemptRecord, request: ClaimRequest<'_>) -> Result<Claim, StoreError> {
        let record = record.clone();
        let owner = request.owner.to_string();
        let (now_ms, lease_ms, create) = (request.now_ms, request.lease_ms, request.create);
        self.with_conn(move |conn| {
            let tx = begin(conn)?;
            let stored = read_row(&tx, &record.key())?;
            let request = ClaimRequest { owner: &owner, now_ms, lease_ms, create };
            let (claim, write) = claim_decision(stored.as_ref(), &record, request);
            if let Some(w) = write {
                write_row(&tx, &w)?;
                tx.commit().map_err(|e| sql_error(&format!("commit the claim on {}", record.reference), e))?;
            }
            Ok(claim)
        })
        .await
    }

    async fn update(&self, record: &AttemptRecord, owner: &str, now_ms: u64) -> Result<(), StoreError> {
        let record = record.clone();
        let owner = owner.to_string();
        self.with_conn(move |conn| {
            let tx = begin(conn)?;
            let stored = read_row(&tx, &record.key())?.ok_or_else(|| gone(&record))?;
            check_holder(&stored, &owner, now_ms)?;
            write_row(&tx, &record)?;
            tx.commit().map_err(|e| sql_error(&format!("commit the update of {}", record.reference), e))
        })
        .await
    }

    async fn remove(&self, record: &AttemptRecord, owner: &str, now_ms: u64) -> Result<(), StoreError> {
        let record = record.clone();
        let owner = owner.to_string();
        self.with_conn(move |conn| {
            let tx = begin(conn)?;
            let key = record.key();
            if let Some(stored) = read_row(&tx, &key)? {
                check_holder(&stored, &owner, now_ms)?;
                tx.execute("DELETE FROM refundkit_attempts WHERE key = ?1", [&key])
                    .map_err(|e| sql_error(&format!("remove the attempt record for {}", record.reference), e))?;
                tx.commit().map_err(|e| sql_error(&format!("commit the removal of {}", record.reference), e))?;
            }
            Ok(())
        })
        .await
    }

    async fn list(&self) -> Result<Listing, StoreError> {
        self.with_conn(|conn| {
            let mut stmt = conn
                .prepare("SELECT key, record FROM refundkit_attempts ORDER BY created_at_ms, key")
                .map_err(|e| sql_error("list the records", e))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .map_err(|e| sql_error("list the records", e))?;
            let mut listing = Listing::default();
            for row in rows {
                let (key, json) = row.map_err(|e| sql_error("read a listed record", e))?;
                if AttemptKey::decode(&key).is_none() {
                    listing.skipped.push((key, "not an attempt record key".into()));
                    continue;
                }
                match parse_row(&key, &json) {
                    Ok(r) => listing.records.push(r),
                    Err(problem) => listing.skipped.push((key, problem)),
                }
            }
            // Already oldest first (then by key, byte order), as every store lists.
            listing.skipped.sort();
            Ok(listing)
        })
        .await
    }
}
