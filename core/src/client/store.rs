//! Crash-safe attempt records for money-moving calls, and the stores that keep them with claims.
//!
//! The store contract (see `docs/safety.md`):
//! - **S4**: a record is keyed exactly by (provider, account, reference); [`AttemptKey`] escapes, never maps, so two
//!   references can never share a record (`C.1` and `C_1` are two keys; so are `C1` and `c1`, even on a
//!   case-insensitive file system).
//! - **S5**: [`AttemptStore::claim`] is an atomic create-or-claim: at most one worker holds a record's claim at a
//!   time. A claim is a lease: a crashed holder's claim expires, and another worker may then take the record over.
//! - **S1**: only [`Claim::Created`] lets the engine send a money-moving request. A record that already exists means
//!   the reference may have been sent: the engine resolves it by status and never sends it again.
//! - Unreadable or foreign entries are skipped and reported ([`Listing::skipped`]); they never block recovery.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The format version written into every [`AttemptRecord`]. Version 1 records (refundkit 0.1) are still read: their
/// account is empty and their unmasked body hash is dropped.
pub const ATTEMPT_RECORD_VERSION: u32 = 2;

/// Who holds a record, and until when (a lease: it expires unless renewed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimHolder {
    /// The holder's owner id (one per client instance; see [`crate::client::ClientOptions::owner`]).
    pub owner: String,
    /// When the lease ends (Unix ms, the holder's clock).
    pub until_ms: u64,
}

/// What a client is about to send for a money-moving call, saved **before** sending. After a crash, a client's
/// `resume(record)` drives it to a definite outcome by status or inquiry with the same id, never by a new refund.
///
/// Holds no secrets: no keys, no signatures, no OTP. The body is kept only as a fingerprint computed with the OTP
/// masked out, so the OTP cannot be recovered from a record by trying all 10⁶ candidates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptRecord {
    /// [`ATTEMPT_RECORD_VERSION`].
    pub version: u32,
    /// `"eko"`, `"paytm"` or `"upi360"`.
    pub provider: String,
    /// The account the reference belongs to: Eko `initiator_id`, Paytm `mid`, Refund 360 merchant id. Part of the key.
    #[serde(default)]
    pub account: String,
    /// `"initiate_refund"`, `"refund_apply"` or `"refund360"`.
    pub operation: String,
    /// The idempotency id: Eko `tid`, Paytm `refId`, Refund 360 `refundRequestId`.
    pub reference: String,
    /// Paytm `orderId` (needed for the status query).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// Refund 360 original transaction ids (needed for the status query).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_upi_request_id: Option<String>,
    /// Refund 360 original merchant request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_merchant_request_id: Option<String>,
    /// The refund amount in paise, where the call names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_paise: Option<i64>,
    /// When the record was made (Unix ms, local clock).
    pub created_at_ms: u64,
    /// When the money-moving request was last (about to be) sent: the start of the provider's commit window.
    /// Absent in version 1 records (then `created_at_ms` counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at_ms: Option<u64>,
    /// When the provider acknowledged the refund (accepted / pending / deemed). After an acknowledgement, "not
    /// found" is never proof that no money moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_at_ms: Option<u64>,
    /// Consecutive "not found / not refunded" answers seen after the commit window closed.
    #[serde(default)]
    pub absent_answers: u32,
    /// The earliest time asking again can change the outcome (Unix ms), when the last resolution left it open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_check_at_ms: Option<u64>,
    /// The worker holding this record, if any (a lease).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<ClaimHolder>,
    /// When the refund was proven **refunded** (Unix ms). Such a record is a tombstone: it is no longer unresolved,
    /// and it stops the same reference from being sent again (a later `refund` call reports the earlier success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunded_at_ms: Option<u64>,
    /// HTTP method sent.
    pub method: String,
    /// URL sent, without its query.
    pub url: String,
    /// Lower-case hex SHA-256 of the body as first sent, **with the OTP replaced by `******`** (empty in migrated
    /// version 1 records).
    #[serde(default)]
    pub body_fingerprint: String,
}

impl AttemptRecord {
    /// The record as JSON (stable field names; store it as is).
    pub fn to_json(&self) -> String {
        // A struct of strings and integers always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a record written by [`AttemptRecord::to_json`] (version 1 or 2). Fails with a message naming the
    /// problem.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let mut record: AttemptRecord =
            serde_json::from_str(text).map_err(|e| format!("not an attempt record: {}", e.classify_text()))?;
        match record.version {
            ATTEMPT_RECORD_VERSION => {}
            1 => record.version = ATTEMPT_RECORD_VERSION,
            v => return Err(format!("attempt record version {v} is not supported")),
        }
        if !matches!(record.provider.as_str(), "eko" | "paytm" | "upi360") {
            return Err("not an attempt record: unknown provider".into());
        }
        if record.reference.is_empty() {
            return Err("not an attempt record: empty reference".into());
        }
        Ok(record)
    }

    /// The exact key of this record: (provider, account, reference).
    pub fn attempt_key(&self) -> AttemptKey {
        AttemptKey { provider: self.provider.clone(), account: self.account.clone(), reference: self.reference.clone() }
    }

    /// The store key as text ([`AttemptKey::encoded`]): exact, reversible and safe as a file name.
    pub fn key(&self) -> String {
        self.attempt_key().encoded()
    }

    /// The start of the provider's commit window for this record.
    pub fn window_start_ms(&self) -> u64 {
        self.sent_at_ms.unwrap_or(self.created_at_ms)
    }
}

/// The identity of an attempt: (provider, account, reference), compared exactly.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AttemptKey {
    /// `"eko"`, `"paytm"` or `"upi360"`.
    pub provider: String,
    /// The account the reference belongs to.
    pub account: String,
    /// The idempotency id.
    pub reference: String,
}

impl AttemptKey {
    /// `provider.account.reference` with each part escaped: `a`–`z`, `0`–`9` and `-` stand for themselves, every
    /// other byte (upper-case letters, `.`, `_`, `@`, `/`, …) becomes `_` and two lower-case hex digits. Exact and
    /// reversible ([`AttemptKey::decode`]), the same on case-insensitive file systems, and a valid file name.
    pub fn encoded(&self) -> String {
        format!("{}.{}.{}", escape(&self.provider), escape(&self.account), escape(&self.reference))
    }

    /// The key an [`AttemptKey::encoded`] text stands for; `None` if it is not one.
    pub fn decode(text: &str) -> Option<AttemptKey> {
        let mut parts = text.split('.');
        let (p, a, r) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let key = AttemptKey { provider: unescape(p)?, account: unescape(a)?, reference: unescape(r)? };
        (key.encoded() == text).then_some(key)
    }
}

fn escape(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    for b in part.bytes() {
        if b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' {
            out.push(b as char);
        } else {
            out.push_str(&format!("_{b:02x}"));
        }
    }
    out
}

fn unescape(part: &str) -> Option<String> {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'_' {
            let hex = part.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

trait ClassifyText {
    fn classify_text(&self) -> &'static str;
}

impl ClassifyText for serde_json::Error {
    fn classify_text(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "malformed JSON",
            serde_json::error::Category::Data => "missing or mistyped fields",
            serde_json::error::Category::Eof => "truncated JSON",
        }
    }
}

/// Why a store operation failed. The message says what failed and never contains record contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(pub String);

impl StoreError {
    /// A store error with `message`.
    pub fn new(message: impl Into<String>) -> Self {
        StoreError(message.into())
    }
}

/// What [`AttemptStore::claim`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
// One claim per refund call, returned by value once: the record inline is simpler than a box and costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Claim {
    /// No record existed: the given record was saved, claimed by the caller. Only this lets a money-moving request be
    /// sent.
    Created,
    /// A record existed and is now claimed by the caller (it was unclaimed, the caller's own, or its lease had
    /// expired). This is the stored record, claim included.
    Existing(AttemptRecord),
    /// Another worker holds the record's claim until `until_ms`. Nothing was changed.
    Held {
        /// The other worker's owner id.
        owner: String,
        /// When its lease ends (Unix ms).
        until_ms: u64,
    },
    /// No record exists and the caller did not ask to create one (a resume of a record resolved elsewhere).
    Missing,
    /// The reference was already proven refunded (a tombstone, [`AttemptRecord::refunded_at_ms`]). Nothing was
    /// changed; nothing may be sent.
    Refunded(AttemptRecord),
}

/// How to claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimRequest<'a> {
    /// The caller's owner id.
    pub owner: &'a str,
    /// Now (Unix ms): a claim whose lease ends at or before this has expired.
    pub now_ms: u64,
    /// How long the new claim lasts.
    pub lease_ms: u64,
    /// Save the record when none exists (a new refund) rather than answering [`Claim::Missing`] (a resume).
    pub create: bool,
}

/// The records in a store, and the entries that could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    /// Every readable record, oldest first.
    pub records: Vec<AttemptRecord>,
    /// Entries skipped because they are not readable attempt records: (entry name, what is wrong). They are left
    /// in place for a person to look at.
    pub skipped: Vec<(String, String)>,
}

/// Where attempt records live until their refunds are resolved, with per-record claims (leases) so that at most one
/// worker works on a reference at a time. Writes must be durable when they return.
///
/// Implement it over the app's database with an atomic create-or-claim (a transaction, `INSERT … ON CONFLICT`, `SELECT
/// … FOR UPDATE`); [`claim_decision`] and [`check_holder`] hold the rules so every store applies the same ones.
#[async_trait]
pub trait AttemptStore: Send + Sync {
    /// Atomically: when no record has `record`'s key, save `record` (which carries the caller's claim) if
    /// `request.create`, else answer [`Claim::Missing`]; when one exists, claim it for the caller unless another
    /// worker's lease is still running. See [`claim_decision`].
    async fn claim(&self, record: &AttemptRecord, request: ClaimRequest<'_>) -> Result<Claim, StoreError>;
    /// Replaces the stored record with `record` (progress, a renewed lease, or `claim: None` to release it), provided
    /// the caller `owner` still holds the claim (or nobody does). Fails if the record is gone or another worker holds
    /// it.
    async fn update(&self, record: &AttemptRecord, owner: &str, now_ms: u64) -> Result<(), StoreError>;
    /// Deletes the record, provided `owner` holds its claim (or nobody does). Deleting a missing record succeeds.
    async fn remove(&self, record: &AttemptRecord, owner: &str, now_ms: u64) -> Result<(), StoreError>;
    /// Every record (tombstones of refunded references included), and every entry that could not be read.
    async fn list(&self) -> Result<Listing, StoreError>;
    /// Every readable record whose refund is not resolved yet: the calls to `resume` after a restart. Tombstones of
    /// refunded references are left out; unreadable entries are skipped (logged as warnings; see
    /// [`AttemptStore::list`]).
    async fn unresolved(&self) -> Result<Vec<AttemptRecord>, StoreError> {
        let listing = self.list().await?;
        for (name, problem) in &listing.skipped {
            tracing::warn!(target: "refundkit", entry = %name, problem = %problem, "skipped an unreadable attempt-store entry");
        }
        Ok(listing.records.into_iter().filter(|r| r.refunded_at_ms.is_none()).collect())
    }
}

/// The claim rule every store applies, inside its own atomic section: given the stored record (if any), what to
/// answer and what to write.
pub fn claim_decision(
    stored: Option<&AttemptRecord>,
    record: &AttemptRecord,
    request: ClaimRequest<'_>,
) -> (Claim, Option<AttemptRecord>) {
    let holder =
        ClaimHolder { owner: request.owner.to_string(), until_ms: request.now_ms.saturating_add(request.lease_ms) };
    match stored {
        None if request.create => {
            let mut new = record.clone();
            new.claim = Some(holder);
            (Claim::Created, Some(new))
        }
        None => (Claim::Missing, None),
        Some(done) if done.refunded_at_ms.is_some() => (Claim::Refunded(done.clone()), None),
        Some(existing) => match &existing.claim {
            Some(c) if c.owner != request.owner && c.until_ms > request.now_ms => {
                (Claim::Held { owner: c.owner.clone(), until_ms: c.until_ms }, None)
            }
            _ => {
                let mut taken = existing.clone();
                taken.claim = Some(holder);
                (Claim::Existing(taken.clone()), Some(taken))
            }
        },
    }
}

/// The rule for [`AttemptStore::update`] and [`AttemptStore::remove`]: `owner` may write the stored record unless
/// another worker's lease is running.
pub fn check_holder(stored: &AttemptRecord, owner: &str, now_ms: u64) -> Result<(), StoreError> {
    match &stored.claim {
        Some(c) if c.owner != owner && c.until_ms > now_ms => Err(StoreError::new(format!(
            "the attempt record for {} is claimed by another worker until {} (our claim was lost)",
            stored.reference, c.until_ms
        ))),
        _ => Ok(()),
    }
}

/// An in-memory [`AttemptStore`]: survives nothing, for tests and for apps that persist records themselves. Claims
/// work between clients of one process.
#[derive(Debug, Default)]
pub struct MemoryAttemptStore {
    records: Mutex<BTreeMap<String, AttemptRecord>>,
}

impl MemoryAttemptStore {
    /// Deletes the tombstones of references refunded before `before_ms` (Unix ms). Returns how many.
    pub fn purge_refunded(&self, before_ms: u64) -> Result<usize, StoreError> {
        let mut map = self.lock()?;
        let before = map.len();
        map.retain(|_, r| r.refunded_at_ms.is_none_or(|at| at >= before_ms));
        Ok(before - map.len())
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, BTreeMap<String, AttemptRecord>>, StoreError> {
        self.records.lock().map_err(|_| StoreError::new("the in-memory attempt store is poisoned"))
    }
}

#[async_trait]
impl AttemptStore for MemoryAttemptStore {
    async fn claim(&self, record: &AttemptRecord, request: ClaimRequest<'_>) -> Result<Claim, StoreError> {
        let mut map = self.lock()?;
        let key = record.key();
        let (claim, write) = claim_decision(map.get(&key), record, request);
        if let Some(w) = write {
            map.insert(key, w);
        }
        Ok(claim)
    }

    async fn update(&self, record: &AttemptRecord, owner: &str, now_ms: u64) -> Result<(), StoreError> {
        let mut map = self.lock()?;
        let key = record.key();
        let stored = map.get(&key).ok_or_else(|| gone(record))?;
        check_holder(stored, owner, now_ms)?;
        map.insert(key, record.clone());
        Ok(())
    }

    async fn remove(&self, record: &AttemptRecord, owner: &str, now_ms: u64) -> Result<(), StoreError> {
        let mut map = self.lock()?;
        let key = record.key();
        if let Some(stored) = map.get(&key) {
            check_holder(stored, owner, now_ms)?;
            map.remove(&key);
        }
        Ok(())
    }

    async fn list(&self) -> Result<Listing, StoreError> {
        let mut records: Vec<AttemptRecord> = self.lock()?.values().cloned().collect();
        sort(&mut records);
        Ok(Listing { records, skipped: Vec::new() })
    }
}

fn gone(record: &AttemptRecord) -> StoreError {
    StoreError::new(format!("the attempt record for {} is gone (resolved by another worker?)", record.reference))
}

fn sort(records: &mut [AttemptRecord]) {
    records.sort_by(|a, b| a.created_at_ms.cmp(&b.created_at_ms).then_with(|| a.key().cmp(&b.key())));
}

/// An [`AttemptStore`] keeping one JSON file per record in a directory, safe for several processes on one host.
///
/// - File names are [`AttemptKey::encoded`] plus `.json`: exact and reversible.
/// - Every write goes to a temporary file unique to the writer, is `fsync`ed and renamed into place, and the directory
///   is `fsync`ed: a crash leaves the old or the new record, never half of one.
/// - Claims are decided under an exclusive lock on `.refundkit-store.lock` in the directory (an OS file lock: a
///   process that dies releases it), so create-or-claim is atomic across processes.
/// - Files that are not attempt records (foreign files, unreadable or mismatched records) are skipped and reported by
///   [`AttemptStore::list`], never deleted and never a reason to refuse the rest.
/// - File I/O runs on a blocking thread pool, never on the async executor.
#[derive(Debug, Clone)]
pub struct DirAttemptStore {
    dir: Arc<PathBuf>,
}

const LOCK_FILE: &str = ".refundkit-store.lock";

impl DirAttemptStore {
    /// A store in `dir` (created if missing).
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)
            .map_err(|e| StoreError::new(format!("cannot create the attempt directory: {e}")))?;
        Ok(DirAttemptStore { dir: Arc::new(dir) })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Deletes the tombstones of references refunded before `before_ms` (Unix ms). Returns how many. Unresolved
    /// records and foreign files are never touched.
    pub async fn purge_refunded(&self, before_ms: u64) -> Result<usize, StoreError> {
        let listing = self.list().await?;
        let old: Vec<AttemptRecord> =
            listing.records.into_iter().filter(|r| r.refunded_at_ms.is_some_and(|at| at < before_ms)).collect();
        let count = old.len();
        self.locked(move |dir| {
            for r in &old {
                // Re-read under the lock: delete only what is still an old tombstone.
                let path = record_path(dir, &r.key());
                if read_record(&path)?.is_some_and(|now| now.refunded_at_ms.is_some_and(|at| at < before_ms)) {
                    std::fs::remove_file(&path)
                        .map_err(|e| StoreError::new(format!("cannot purge the record for {}: {e}", r.reference)))?;
                }
            }
            Ok(())
        })
        .await?;
        Ok(count)
    }

    async fn locked<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Path) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let dir = self.dir.clone();
        blocking::unblock(move || {
            let lock = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(dir.join(LOCK_FILE))
                .map_err(|e| StoreError::new(format!("cannot open the attempt store's lock file: {e}")))?;
            lock.lock().map_err(|e| StoreError::new(format!("cannot lock the attempt store: {e}")))?;
            let result = f(&dir);
            let _ = lock.unlock();
            result
        })
        .await
    }
}

fn record_path(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("{key}.json"))
}

fn read_record(path: &Path) -> Result<Option<AttemptRecord>, StoreError> {
    match std::fs::read_to_string(path) {
        Ok(text) => AttemptRecord::from_json(&text)
            .map(Some)
            .map_err(|e| StoreError::new(format!("the stored attempt record {} is unreadable: {e}", file_name(path)))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::new(format!("cannot read the attempt record {}: {e}", file_name(path)))),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn write_record(dir: &Path, record: &AttemptRecord) -> Result<(), StoreError> {
    use std::io::Write;
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let key = record.key();
    let path = record_path(dir, &key);
    // Unique per process and write: two writers never share a temporary file.
    let tmp = dir.join(format!(".{key}.{}.{}.tmp", std::process::id(), SEQ.fetch_add(1, Ordering::Relaxed)));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(record.to_json().as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        StoreError::new(format!("cannot save the attempt record for {}: {e}", record.reference))
    })
}

#[async_trait]
impl AttemptStore for DirAttemptStore {
    async fn claim(&self, record: &AttemptRecord, request: ClaimRequest<'_>) -> Result<Claim, StoreError> {
        let record = record.clone();
        let owner = request.owner.to_string();
        let (now_ms, lease_ms, create) = (request.now_ms, request.lease_ms, request.create);
        self.locked(move |dir| {
            let stored = read_record(&record_path(dir, &record.key()))?;
            let request = ClaimRequest { owner: &owner, now_ms, lease_ms, create };
            let (claim, write) = claim_decision(stored.as_ref(), &record, request);
            if let Some(w) = write {
                write_record(dir, &w)?;
            }
            Ok(claim)
        })
        .await
    }

    async fn update(&self, record: &AttemptRecord, owner: &str, now_ms: u64) -> Result<(), StoreError> {
        let record = record.clone();
        let owner = owner.to_string();
        self.locked(move |dir| {
            let stored = read_record(&record_path(dir, &record.key()))?.ok_or_else(|| gone(&record))?;
            check_holder(&stored, &owner, now_ms)?;
            write_record(dir, &record)
        })
        .await
    }

    async fn remove(&self, record: &AttemptRecord, owner: &str, now_ms: u64) -> Result<(), StoreError> {
        let record = record.clone();
        let owner = owner.to_string();
        self.locked(move |dir| {
            let path = record_path(dir, &record.key());
            if let Some(stored) = read_record(&path)? {
                check_holder(&stored, &owner, now_ms)?;
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(StoreError::new(format!(
                            "cannot remove the attempt record for {}: {e}",
                            record.reference
                        )))
                    }
                }
                if let Ok(d) = std::fs::File::open(dir) {
                    let _ = d.sync_all();
                }
            }
            Ok(())
        })
        .await
    }

    async fn list(&self) -> Result<Listing, StoreError> {
        let dir = self.dir.clone();
        blocking::unblock(move || {
            let mut listing = Listing::default();
            let entries = std::fs::read_dir(dir.as_path())
                .map_err(|e| StoreError::new(format!("cannot list the attempt directory: {e}")))?;
            for entry in entries {
                let Ok(entry) = entry else { continue };
                let name = entry.file_name().to_string_lossy().into_owned();
                // Our own lock and temporary files (dot files) are not entries.
                if name.starts_with('.') {
                    continue;
                }
                let Some(stem) = name.strip_suffix(".json") else {
                    listing.skipped.push((name, "not an attempt record file (no .json suffix)".into()));
                    continue;
                };
                let Some(key) = AttemptKey::decode(stem) else {
                    listing.skipped.push((name, "not an attempt record file (the name is not a record key)".into()));
                    continue;
                };
                match read_record(&entry.path()) {
                    Ok(Some(r)) if r.attempt_key() == key => listing.records.push(r),
                    Ok(Some(_)) => {
                        listing.skipped.push((name, "the record inside does not match its file name".into()))
                    }
                    Ok(None) => {} // removed meanwhile
                    Err(e) => listing.skipped.push((name, e.0)),
                }
            }
            sort(&mut listing.records);
            listing.skipped.sort();
            Ok(listing)
        })
        .await
    }
}

/// Lower-case hex SHA-256 of `body` with the OTP `mask` replaced by `******` where the OTP field carries it (`"otp":"…"`,
/// `"otp":…`, `otp=…`), so every candidate OTP gives the same fingerprint. Only the field is masked: masking the OTP's
/// digits wherever they occur would change the fingerprint exactly when they also occur in another field (an
/// `initiator_id` containing them), and so single out the real OTP. A body where no OTP field is found has every
/// occurrence masked instead.
pub(crate) fn body_fingerprint(body: &[u8], mask: Option<&str>) -> String {
    use sha2::Digest;
    let masked;
    let bytes = match mask.filter(|m| !m.is_empty()) {
        Some(m) => {
            masked = mask_otp_field(body, m.as_bytes()).unwrap_or_else(|| replace_bytes(body, m.as_bytes(), b"******"));
            masked.as_slice()
        }
        None => body,
    };
    crate::crypto::hex::encode(&sha2::Sha256::digest(bytes))
}

/// `body` with the value of its OTP field(s) equal to `otp` replaced by `******`; `None` if there is no such field.
fn mask_otp_field(body: &[u8], otp: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    let mut found = false;
    while i < body.len() {
        let rest = &body[i..];
        let key = [&b"\"otp\":\""[..], b"\"otp\":", b"otp="].into_iter().find(|key| {
            let form = *key == b"otp=";
            rest.starts_with(key)
                && rest[key.len()..].starts_with(otp)
                && (!form || i == 0 || body[i - 1] == b'&')
                && match rest.get(key.len() + otp.len()) {
                    None => form,
                    Some(b'"') => key.ends_with(b"\""),
                    Some(b',' | b'}' | b' ') => *key == b"\"otp\":",
                    Some(b'&') => form,
                    Some(_) => false,
                }
        });
        match key {
            Some(key) => {
                out.extend_from_slice(key);
                out.extend_from_slice(b"******");
                i += key.len() + otp.len();
                found = true;
            }
            None => {
                out.push(body[i]);
                i += 1;
            }
        }
    }
    found.then_some(out)
}

fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The contract's sample record, with a real fingerprint.
    pub(crate) fn record(reference: &str) -> AttemptRecord {
        AttemptRecord {
            body_fingerprint: body_fingerprint(b"{}", None),
            ..super::super::contract::sample_record(reference)
        }
    }

    fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
        // The store's futures wait on a blocking pool thread: park until woken.
        struct Unpark(std::thread::Thread);
        impl std::task::Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark()
            }
        }
        let waker = std::task::Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = std::task::Context::from_waker(&waker);
        let mut f = std::pin::pin!(f);
        loop {
            if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
            std::thread::park();
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("refundkit-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    const NOW: u64 = 1_700_000_000_000;

    fn req(owner: &str, now_ms: u64, create: bool) -> ClaimRequest<'_> {
        ClaimRequest { owner, now_ms, lease_ms: 60_000, create }
    }

    #[test]
    fn json_round_trip_and_rejections() {
        let r = record("REF1");
        assert_eq!(AttemptRecord::from_json(&r.to_json()).unwrap(), r);
        assert!(AttemptRecord::from_json("{").unwrap_err().contains("truncated"));
        let mut v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        v["version"] = 3.into();
        assert!(AttemptRecord::from_json(&v.to_string()).unwrap_err().contains("version 3"));
        assert_eq!(body_fingerprint(b"{}", None), "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    }

    #[test]
    fn version_1_records_are_read_without_their_unmasked_hash() {
        let v1 = r#"{"version":1,"provider":"eko","operation":"initiate_refund","reference":"13192443",
            "created_at_ms":5,"method":"POST","url":"https://x/y","body_sha256":"ab"}"#;
        let r = AttemptRecord::from_json(v1).unwrap();
        assert_eq!((r.version, r.account.as_str(), r.body_fingerprint.as_str()), (2, "", ""));
        assert_eq!(r.window_start_ms(), 5);
        assert!(!r.to_json().contains("body_sha256"));
    }

    #[test]
    fn keys_are_exact_reversible_and_case_safe() {
        let keys: Vec<String> =
            ["C.1", "C_1", "c1", "C1", "C@1", "C/1", "C%2e1", "C_2e1"].iter().map(|r| record(r).key()).collect();
        let mut lower: Vec<String> = keys.iter().map(|k| k.to_ascii_lowercase()).collect();
        lower.sort();
        lower.dedup();
        assert_eq!(lower.len(), keys.len(), "distinct even case-insensitively: {keys:?}");
        for (k, r) in keys.iter().zip(["C.1", "C_1", "c1", "C1", "C@1", "C/1", "C%2e1", "C_2e1"]) {
            assert!(k.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-._".contains(&b)), "{k}");
            let back = AttemptKey::decode(k).unwrap();
            assert_eq!((back.provider.as_str(), back.account.as_str(), back.reference.as_str()), ("paytm", "MID1", r));
        }
        assert_eq!(record("C.1").key(), "paytm._4d_49_441._43_2e1");
        for bad in ["notes", "a.b", "a.b.c.d", "paytm.x.C", "paytm.x._zz", "paytm.x._4"] {
            assert_eq!(AttemptKey::decode(bad), None, "{bad}");
        }
        // The account is part of the key.
        let mut other = record("C.1");
        other.account = "MID2".into();
        assert_ne!(other.key(), record("C.1").key());
    }

    #[test]
    fn the_otp_cannot_be_recovered_from_a_fingerprint() {
        // JSON (string or number) and the legacy form; the initiator id contains the digits of one OTP (629817).
        let bodies: [fn(&str) -> String; 3] = [
            |otp| format!(r#"{{"tid":"13192443","otp":"{otp}","initiator_id":"9962981729"}}"#),
            |otp| format!(r#"{{"tid":"13192443","otp":{otp},"initiator_id":"9962981729"}}"#),
            |otp| format!("initiator_id=9962981729&otp={otp}&tid=13192443"),
        ];
        for body in bodies {
            // Every candidate OTP gives the same fingerprint, the one with the field masked: trying all 10^6 learns
            // nothing, even for an OTP whose digits also stand in another field.
            let expected = body_fingerprint(body("******").as_bytes(), None);
            for otp in ["123456", "654321", "629817", "000000"] {
                assert_eq!(body_fingerprint(body(otp).as_bytes(), Some(otp)), expected, "{otp}: {}", body(otp));
            }
            assert_ne!(expected, body_fingerprint(body("123456").as_bytes(), None));
        }
        // Without an OTP field, every occurrence is masked.
        assert_eq!(body_fingerprint(b"x123456y", Some("123456")), body_fingerprint(b"x******y", None));
    }

    fn claims_follow_the_contract(store: &dyn AttemptStore) {
        block_on(super::super::contract::check(store))
    }

    #[test]
    fn refunded_tombstones_can_be_purged() {
        let store = MemoryAttemptStore::default();
        let mut done = record("T1");
        done.refunded_at_ms = Some(NOW + 5);
        block_on(async {
            store.claim(&done, req("A", NOW, true)).await.unwrap();
            store.claim(&record("OPEN"), req("A", NOW, true)).await.unwrap();
        });
        assert_eq!(store.purge_refunded(NOW + 5).unwrap(), 0, "not older than the cut-off");
        assert_eq!(store.purge_refunded(NOW + 6).unwrap(), 1);
        let left = block_on(store.list()).unwrap().records;
        assert_eq!(left.iter().map(|r| r.reference.as_str()).collect::<Vec<_>>(), vec!["OPEN"]);

        let dir = temp_dir("purge");
        let store = DirAttemptStore::new(&dir).unwrap();
        block_on(async {
            store.claim(&done, req("A", NOW, true)).await.unwrap();
            store.claim(&record("OPEN"), req("A", NOW, true)).await.unwrap();
            assert_eq!(store.purge_refunded(NOW + 5).await.unwrap(), 0);
            assert_eq!(store.purge_refunded(NOW + 6).await.unwrap(), 1);
            let left = store.list().await.unwrap().records;
            assert_eq!(left.iter().map(|r| r.reference.as_str()).collect::<Vec<_>>(), vec!["OPEN"]);
        });
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn memory_store_claims() {
        claims_follow_the_contract(&MemoryAttemptStore::default());
    }

    #[test]
    fn dir_store_claims_and_survives_a_new_instance() {
        let dir = temp_dir("claims");
        claims_follow_the_contract(&DirAttemptStore::new(&dir).unwrap());
        // A new instance over the directory (a restarted process) sees what the contract left: T.1's tombstone.
        let reopened = DirAttemptStore::new(&dir).unwrap();
        assert!(block_on(reopened.unresolved()).unwrap().is_empty());
        let left = block_on(reopened.list()).unwrap().records;
        assert_eq!(left.len(), 1);
        assert_eq!((left[0].reference.as_str(), left[0].refunded_at_ms), ("T.1", Some(NOW + 5)));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn dir_store_skips_and_reports_foreign_and_broken_files() {
        let dir = temp_dir("foreign");
        let store = DirAttemptStore::new(&dir).unwrap();
        block_on(store.claim(&record("REF1"), req("A", NOW, true))).unwrap();
        std::fs::write(dir.join("notes.json"), "{}").unwrap();
        std::fs::write(dir.join("README"), "hello").unwrap();
        std::fs::write(dir.join(format!("{}.json", record("REF2").key())), "{ broken").unwrap();
        // A record copied under another record's name.
        std::fs::write(dir.join(format!("{}.json", record("REF3").key())), record("REF1").to_json()).unwrap();
        let listing = block_on(store.list()).unwrap();
        assert_eq!(listing.records.iter().map(|r| r.reference.as_str()).collect::<Vec<_>>(), vec!["REF1"]);
        let names: Vec<&str> = listing.skipped.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names.len(), 4, "{names:?}");
        assert!(names.contains(&"notes.json") && names.contains(&"README"));
        assert!(listing.skipped.iter().any(|(_, p)| p.contains("malformed JSON")));
        assert!(listing.skipped.iter().any(|(_, p)| p.contains("does not match")));
        assert_eq!(block_on(store.unresolved()).unwrap().len(), 1, "one foreign file never blocks recovery");
        // The skipped files are left for a person.
        assert!(dir.join("notes.json").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn dir_store_claims_are_exclusive_across_threads() {
        // Eight workers race to create the same 50 references through separate store instances (separate lock file
        // handles, as separate processes would have): each reference is created exactly once.
        let dir = temp_dir("race");
        let created = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (0..8)
            .map(|w| {
                let store = DirAttemptStore::new(&dir).unwrap();
                let created = created.clone();
                std::thread::spawn(move || {
                    for i in 0..50 {
                        let owner = format!("w{w}");
                        let claim = block_on(store.claim(&record(&format!("R{i}")), req(&owner, NOW, true))).unwrap();
                        if claim == Claim::Created {
                            created.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(created.load(Ordering::SeqCst), 50);
        let listing = block_on(DirAttemptStore::new(&dir).unwrap().list()).unwrap();
        assert_eq!((listing.records.len(), listing.skipped.len()), (50, 0));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
