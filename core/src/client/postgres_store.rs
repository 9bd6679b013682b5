//! An [`AttemptStore`] in Postgres (feature `postgres`): for back offices whose workers run on several hosts.
//!
//! - One table (default `refundkit_attempts`, see [`PostgresAttemptStore::with_table`]): the record's JSON
//!   ([`AttemptRecord::to_json`]) plus key columns (the exact key [`AttemptKey::encoded`] as primary key, provider,
//!   account, reference, claim owner and lease end, creation time, next check time). Created if missing. Schema in
//!   the repository's `docs/stores.md`.
//! - Create is `INSERT … ON CONFLICT (key) DO NOTHING`; claims, updates and removals lock the row
//!   (`SELECT … FOR UPDATE`) and decide with [`claim_decision`] / [`check_holder`], the rules every store shares, in
//!   one transaction: at most one worker holds a reference, whatever host it runs on.
//! - [`PostgresAttemptStore::claim_next`] takes the next claimable unresolved records with `FOR UPDATE SKIP LOCKED`,
//!   so N workers split one backlog without waiting on each other.
//! - Pure Rust (`tokio-postgres`, no libpq), **without TLS**: use it over a trusted network, a Unix socket or a TLS
//!   tunnel. Needs a tokio runtime (its connections are driven by tokio tasks); connections are opened lazily and
//!   reopened when lost.
//! - Rows whose JSON is unreadable or does not match their key are skipped and reported by
//!   [`AttemptStore::list`], never deleted.

use super::store::{
    check_holder, claim_decision, AttemptKey, AttemptRecord, AttemptStore, Claim, ClaimRequest, Listing, StoreError,
};
use async_trait::async_trait;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, MutexGuard};
use tokio_postgres::{Client, Config, NoTls, Transaction};

/// An [`AttemptStore`] in a Postgres table, shared by workers on any number of hosts. See the module documentation.
#[derive(Clone)]
pub struct PostgresAttemptStore {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    table: String,
    slots: Vec<Mutex<Option<Client>>>,
    next_slot: AtomicUsize,
    schema_ready: AtomicBool,
}

impl std::fmt::Debug for PostgresAttemptStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the connection string: it may hold a password.
        f.debug_struct("PostgresAttemptStore")
            .field("table", &self.inner.table)
            .field("connections", &self.inner.slots.len())
            .finish_non_exhaustive()
    }
}

fn pg_error(what: &str, e: tokio_postgres::Error) -> StoreError {
    let detail = match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        // "error connecting to server" alone does not say why: add the cause (refused, timed out, ...).
        None => match std::error::Error::source(&e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    };
    StoreError::new(format!("Postgres attempt store: cannot {what}: {detail}"))
}

fn sql_ms(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

fn parse_row(key: &str, json: &str) -> Result<AttemptRecord, String> {
    let record = AttemptRecord::from_json(json)?;
    if record.key() != key {
        return Err("the record inside does not match its key".into());
    }
    Ok(record)
}

fn gone(record: &AttemptRecord) -> StoreError {
    StoreError::new(format!("the attempt record for {} is gone (resolved by another worker?)", record.reference))
}

impl PostgresAttemptStore {
    /// Connections each store instance opens at most (they are shared by its concurrent calls).
    pub const DEFAULT_CONNECTIONS: usize = 4;

    /// A store for the server at `url` (`postgres://user:password@host:port/db` or `host=… user=… dbname=…`), table
    /// `refundkit_attempts`. Parses the URL only: connections open on first use (inside a tokio runtime), and the
    /// table is created then if missing. [`PostgresAttemptStore::connect`] opens one at once.
    pub fn new(url: &str) -> Result<Self, StoreError> {
        let mut config: Config = url.parse().map_err(|e: tokio_postgres::Error| {
            StoreError::new(format!("Postgres attempt store: the connection string is invalid: {e}"))
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.application_name("refundkit");
        Ok(PostgresAttemptStore {
            inner: Arc::new(Inner {
                config,
                table: "refundkit_attempts".into(),
                slots: (0..Self::DEFAULT_CONNECTIONS).map(|_| Mutex::new(None)).collect(),
                next_slot: AtomicUsize::new(0),
                schema_ready: AtomicBool::new(false),
            }),
        })
    }

    /// [`PostgresAttemptStore::new`], then connects and creates the table if missing: fails now if the server cannot
    /// be reached.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let store = Self::new(url)?;
        drop(store.conn().await?);
        Ok(store)
    }

    /// The same store on table `table` (a lower-case SQL identifier: `a`–`z`, `0`–`9`, `_`, not starting with a
    /// digit, at most 48 characters), e.g. one table per environment. Call before first use.
    pub fn with_table(self, table: &str) -> Result<Self, StoreError> {
        let valid = !table.is_empty()
            && table.len() <= 48
            && !table.starts_with(|c: char| c.is_ascii_digit())
            && table.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return Err(StoreError::new(format!(
                "Postgres attempt store: the table name `{table}` is not a lower-case SQL identifier"
            )));
        }
        let inner = &self.inner;
        Ok(PostgresAttemptStore {
            inner: Arc::new(Inner {
                config: inner.config.clone(),
                table: table.to_string(),
                slots: (0..inner.slots.len()).map(|_| Mutex::new(None)).collect(),
                next_slot: AtomicUsize::new(0),
                schema_ready: AtomicBool::new(false),
            }),
        })
    }

    /// The table the records live in.
    pub fn table(&self) -> &str {
        &self.inner.table
    }

    async fn open(&self) -> Result<Client, StoreError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(StoreError::new("Postgres attempt store: it needs a tokio runtime to run its connections"));
        }
        let (mut client, connection) =
            self.inner.config.connect(NoTls).await.map_err(|e| pg_error("connect to the server", e))?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(target: "refundkit", error = %e, "a Postgres attempt store connection ended");
            }
        });
        if !self.inner.schema_ready.load(Ordering::Acquire) {
            let t = &self.inner.table;
            let tx = client.transaction().await.map_err(|e| pg_error("begin creating the table", e))?;
            // Concurrent CREATE TABLE IF NOT EXISTS can collide in the catalog: one creator at a time.
            tx.execute("SELECT pg_advisory_xact_lock(hashtext($1)::bigint)", &[&format!("refundkit:{t}")])
                .await
                .map_err(|e| pg_error("lock the schema", e))?;
            // No DDL on a table in use (it queues behind the workers' row locks, and they behind it: deadlocks). Look
            // first; create the table only when missing, add a column only when missing.
            let columns: Vec<String> = tx
                .query(
                    "SELECT attname::text FROM pg_attribute WHERE attrelid = to_regclass($1::text) AND attnum > 0 \
                     AND NOT attisdropped",
                    &[&t.as_str()],
                )
                .await
                .map_err(|e| pg_error(&format!("read the columns of {t}"), e))?
                .iter()
                .map(|row| row.get(0))
                .collect();
            if columns.is_empty() {
                tx.batch_execute(&format!(
                    "CREATE TABLE IF NOT EXISTS {t} (
                        key TEXT PRIMARY KEY,
                        provider TEXT NOT NULL,
                        account TEXT NOT NULL,
                        reference TEXT NOT NULL,
                        claim_owner TEXT,
                        claim_until_ms BIGINT,
                        created_at_ms BIGINT NOT NULL,
                        next_check_at_ms BIGINT,
                        refunded_at_ms BIGINT,
                        record TEXT NOT NULL
                    );
                    CREATE INDEX IF NOT EXISTS {t}_claimable ON {t} (next_check_at_ms, created_at_ms);"
                ))
                .await
                .map_err(|e| pg_error(&format!("create the table {t}"), e))?;
            } else if !columns.iter().any(|c| c == "refunded_at_ms") {
                // A table made before tombstones existed gains the column.
                tx.batch_execute(&format!("ALTER TABLE {t} ADD COLUMN IF NOT EXISTS refunded_at_ms BIGINT"))
                    .await
                    .map_err(|e| pg_error(&format!("add the refunded_at_ms column to {t}"), e))?;
            }
            tx.commit().await.map_err(|e| pg_error(&format!("create the table {t}"), e))?;
            self.inner.schema_ready.store(true, Ordering::Release);
        }
        Ok(client)
    }

    /// A free connection (or the next one in turn), opened or reopened if needed.
    async fn conn(&self) -> Result<MutexGuard<'_, Option<Client>>, StoreError> {
        let slots = &self.inner.slots;
        let mut guard = match slots.iter().find_map(|s| s.try_lock().ok()) {
            Some(g) => g,
            None => slots[self.inner.next_slot.fetch_add(1, Ordering::Relaxed) % slots.len()].lock().await,
        };
        if guard.as_ref().is_none_or(Client::is_closed) {
            *guard = None;
            *guard = Some(self.open().await?);
        }
        Ok(guard)
    }

    /// Takes up to `limit` claimable unresolved records for `owner` and claims each for `lease_ms`: records nobody
    /// holds or whose lease ended by `now_ms`, and whose [`AttemptRecord::next_check_at_ms`] has come, oldest check
    /// first. Rows another worker is claiming at this moment are skipped (`FOR UPDATE SKIP LOCKED`), so N workers
    /// calling this split the backlog; records `owner` already holds are not returned (it is working on them). Hand
    /// each to the client's `resume` with the same owner id ([`crate::client::ClientOptions::owner`]).
    pub async fn claim_next(
        &self,
        owner: &str,
        now_ms: u64,
        lease_ms: u64,
        limit: usize,
    ) -> Result<Vec<AttemptRecord>, StoreError> {
        let mut guard = self.conn().await?;
        let client = guard.as_mut().ok_or_else(|| StoreError::new("Postgres attempt store: no connection"))?;
        let t = &self.inner.table;
        let tx = client.transaction().await.map_err(|e| pg_error("begin claiming the next records", e))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = tx
            .query(
                &format!(
                    "SELECT key, record FROM {t}
                     WHERE refunded_at_ms IS NULL AND (claim_owner IS NULL OR claim_until_ms <= $1)
                       AND (next_check_at_ms IS NULL OR next_check_at_ms <= $1)
                     ORDER BY next_check_at_ms NULLS FIRST, created_at_ms, key COLLATE \"C\"
                     LIMIT $2 FOR UPDATE SKIP LOCKED"
                ),
                &[&sql_ms(now_ms), &limit],
            )
            .await
            .map_err(|e| pg_error("select the next claimable records", e))?;
        let mut taken = Vec::new();
        for row in rows {
            let (key, json): (String, String) = (row.get(0), row.get(1));
            // Unreadable rows are left for a person (see `list`).
            let Ok(stored) = parse_row(&key, &json) else { continue };
            let request = ClaimRequest { owner, now_ms, lease_ms, create: false };
            if let (Claim::Existing(record), Some(write)) = claim_decision(Some(&stored), &stored, request) {
                write_row(&tx, t, &write, false).await?;
                taken.push(record);
            }
        }
        tx.commit().await.map_err(|e| pg_error("commit the claims on the next records", e))?;
        Ok(taken)
    }

    /// Deletes the tombstones of references refunded before `before_ms` (Unix ms). Returns how many. Unresolved
    /// records and unreadable rows are never touched.
    pub async fn purge_refunded(&self, before_ms: u64) -> Result<usize, StoreError> {
        let mut guard = self.conn().await?;
        let client = guard.as_mut().ok_or_else(|| StoreError::new("Postgres attempt store: no connection"))?;
        let n = client
            .execute(&format!("DELETE FROM {} WHERE refunded_at_ms < $1", self.inner.table), &[&sql_ms(before_ms)])
            .await
            .map_err(|e| pg_error("purge refunded tombstones", e))?;
        Ok(n as usize)
    }

    /// How many rows are not tombstones of refunded references (readable or not): the backlog.
    pub async fn count(&self) -> Result<u64, StoreError> {
        let mut guard = self.conn().await?;
        let client = guard.as_mut().ok_or_else(|| StoreError::new("Postgres attempt store: no connection"))?;
        let row = client
            .query_one(&format!("SELECT count(*) FROM {} WHERE refunded_at_ms IS NULL", self.inner.table), &[])
            .await
            .map_err(|e| pg_error("count the records", e))?;
        Ok(row.get::<_, i64>(0).max(0) as u64)
    }
}

async fn read_row(tx: &Transaction<'_>, table: &str, key: &str) -> Result<Option<AttemptRecord>, StoreError> {
    let row = tx
        .query_opt(&format!("SELECT record FROM {table} WHERE key = $1 FOR UPDATE"), &[&key])
        .await
        .map_err(|e| pg_error(&format!("read the attempt record {key}"), e))?;
    row.map(|r| {
        parse_row(key, &r.get::<_, String>(0))
            .map_err(|p| StoreError::new(format!("the stored attempt record {key} is unreadable: {p}")))
    })
    .transpose()
}

/// Inserts `record` (`create`: only if no row has its key; answers whether it did) or replaces its row.
async fn write_row(
    tx: &Transaction<'_>,
    table: &str,
    record: &AttemptRecord,
    create: bool,
) -> Result<bool, StoreError> {
    let claim = record.claim.as_ref();
    let sql = if create {
        format!(
            "INSERT INTO {table} (key, provider, account, reference, claim_owner, claim_until_ms, created_at_ms,
               next_check_at_ms, refunded_at_ms, record) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (key) DO NOTHING"
        )
    } else {
        format!(
            "UPDATE {table} SET provider = $2, account = $3, reference = $4, claim_owner = $5, claim_until_ms = $6,
               created_at_ms = $7, next_check_at_ms = $8, refunded_at_ms = $9, record = $10 WHERE key = $1"
        )
    };
    let n = tx
        .execute(
            &sql,
            &[
                &record.key(),
                &record.provider,
                &record.account,
                &record.reference,
                &claim.map(|c| c.owner.as_str()),
                &claim.map(|c| sql_ms(c.until_ms)),
                &sql_ms(record.created_at_ms),
                &record.next_check_at_ms.map(sql_ms),
                &record.refunded_at_ms.map(sql_ms),
                &record.to_json(),
            ],
        )
        .await
        .map_err(|e| pg_error(&format!("save the attempt record for {}", record.reference), e))?;
    Ok(n == 1)
}

#[async_trait]
impl AttemptStore for PostgresAttemptStore {
    async fn claim(&self, record: &AttemptRecord, request: ClaimRequest<'_>) -> Result<Claim, StoreError> {
        let mut guard = self.conn().await?;
        let client = guard.as_mut().ok_or_else(|| StoreError::new("Postgres attempt store: no connection"))?;
        let t = &self.inner.table;
        let key = record.key();
        let what = format!("claim the attempt record for {}", record.reference);
        // A row deleted between our insert attempt and our lock is tried again; twice is plenty in practice.
        for _ in 0..8 {
            let tx = client.transaction().await.map_err(|e| pg_error(&what, e))?;
            if request.create {
                if let (Claim::Created, Some(new)) = claim_decision(None, record, request) {
                    if write_row(&tx, t, &new, true).await? {
                        tx.commit().await.map_err(|e| pg_error(&what, e))?;
                        return Ok(Claim::Created);
                    }
                }
            }
            let stored = read_row(&tx, t, &key).await?;
            if stored.is_none() && request.create {
                // Removed since our insert found it: start over.
                continue;
            }
            let (claim, write) = claim_decision(stored.as_ref(), record, request);
            if let Some(w) = write {
                write_row(&tx, t, &w, false).await?;
                tx.commit().await.map_err(|e| pg_error(&what, e))?;
            }
            return Ok(claim);
        }
        Err(StoreError::new(format!(
            "Postgres attempt store: cannot {what}: its row kept appearing and disappearing (other workers)"
        )))
    }

    async fn update(&self, record: &AttemptRecord, owner: &str, now_ms: u64) -> Result<(), StoreError> {
        let mut guard = self.conn().await?;
        let client = guard.as_mut().ok_or_else(|| StoreError::new("Postgres attempt store: no connection"))?;
        let t = &self.inner.table;
        let what = format!("update the attempt record for {}", record.reference);
        let tx = client.transaction().await.map_err(|e| pg_error(&what, e))?;
        let stored = read_row(&tx, t, &record.key()).await?.ok_or_else(|| gone(record))?;
        check_holder(&stored, owner, now_ms)?;
        write_row(&tx, t, record, false).await?;
        tx.commit().await.map_err(|e| pg_error(&what, e))
    }

    async fn remove(&self, record: &AttemptRecord, owner: &str, now_ms: u64) -> Result<(), StoreError> {
        let mut guard = self.conn().await?;
        let client = guard.as_mut().ok_or_else(|| StoreError::new("Postgres attempt store: no connection"))?;
        let t = &self.inner.table;
        let key = record.key();
        let what = format!("remove the attempt record for {}", record.reference);
        let tx = client.transaction().await.map_err(|e| pg_error(&what, e))?;
        if let Some(stored) = read_row(&tx, t, &key).await? {
            check_holder(&stored, owner, now_ms)?;
            tx.execute(&format!("DELETE FROM {t} WHERE key = $1"), &[&key]).await.map_err(|e| pg_error(&what, e))?;
            tx.commit().await.map_err(|e| pg_error(&what, e))?;
        }
        Ok(())
    }

    async fn list(&self) -> Result<Listing, StoreError> {
        let mut guard = self.conn().await?;
        let client = guard.as_mut().ok_or_else(|| StoreError::new("Postgres attempt store: no connection"))?;
        let rows = client
            .query(
                &format!("SELECT key, record FROM {} ORDER BY created_at_ms, key COLLATE \"C\"", self.inner.table),
                &[],
            )
            .await
            .map_err(|e| pg_error("list the records", e))?;
        let mut listing = Listing::default();
        for row in rows {
            let (key, json): (String, String) = (row.get(0), row.get(1));
            if AttemptKey::decode(&key).is_none() {
                listing.skipped.push((key, "not an attempt record key".into()));
                continue;
            }
            match parse_row(&key, &json) {
                Ok(r) => listing.records.push(r),
                Err(problem) => listing.skipped.push((key, problem)),
            }
        }
        listing.skipped.sort();
        Ok(listing)
    }
}
