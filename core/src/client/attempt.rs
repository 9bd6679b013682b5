//! Crash-safe attempt records for money-moving calls.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

/// The format version written into every [`AttemptRecord`].
pub const ATTEMPT_RECORD_VERSION: u32 = 1;

/// What a client is about to send for a money-moving call, saved **before** sending. After a crash, a client's
/// `resume(record)` drives it to a definite outcome by inquiry with the same id, never by a new refund.
///
/// Holds no secrets: no keys, no signatures, no OTP (the body is kept as a SHA-256 fingerprint only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptRecord {
    /// [`ATTEMPT_RECORD_VERSION`].
    pub version: u32,
    /// `"eko"`, `"paytm"` or `"upi360"`.
    pub provider: String,
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
    /// HTTP method sent.
    pub method: String,
    /// URL sent, without its query.
    pub url: String,
    /// Lower-case hex SHA-256 of the body as first sent (the OTP stays out of the record).
    pub body_sha256: String,
}

impl AttemptRecord {
    /// The record as JSON (stable field names; store it as is).
    pub fn to_json(&self) -> String {
        // A struct of strings and integers always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a record written by [`AttemptRecord::to_json`]. Fails with a message naming the problem.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let record: AttemptRecord =
            serde_json::from_str(text).map_err(|e| format!("not an attempt record: {}", e.classify_text()))?;
        if record.version != ATTEMPT_RECORD_VERSION {
            return Err(format!("attempt record version {} is not supported", record.version));
        }
        Ok(record)
    }

    /// The store key: provider and reference.
    pub fn key(&self) -> String {
        format!("{}-{}", self.provider, self.reference)
    }
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

/// Where attempt records live until their refunds are resolved. Implement it over the app's database; the
/// save must be durable when it returns.
#[async_trait]
pub trait AttemptStore: Send + Sync {
    /// Saves (or replaces) `record`. If this fails, the money-moving call is not sent.
    async fn save(&self, record: &AttemptRecord) -> Result<(), String>;
    /// Forgets `record`: its refund reached a final outcome.
    async fn remove(&self, record: &AttemptRecord) -> Result<(), String>;
    /// Every record not yet removed: the calls to `resume` after a restart.
    async fn unresolved(&self) -> Result<Vec<AttemptRecord>, String>;
}

/// An in-memory [`AttemptStore`]: survives nothing, for tests and for apps that persist records themselves.
#[derive(Debug, Default)]
pub struct MemoryAttemptStore {
    records: Mutex<BTreeMap<String, AttemptRecord>>,
}

#[async_trait]
impl AttemptStore for MemoryAttemptStore {
    async fn save(&self, record: &AttemptRecord) -> Result<(), String> {
        self.records.lock().map_err(|_| "store poisoned".to_string())?.insert(record.key(), record.clone());
        Ok(())
    }

    async fn remove(&self, record: &AttemptRecord) -> Result<(), String> {
        self.records.lock().map_err(|_| "store poisoned".to_string())?.remove(&record.key());
        Ok(())
    }

    async fn unresolved(&self) -> Result<Vec<AttemptRecord>, String> {
        Ok(self.records.lock().map_err(|_| "store poisoned".to_string())?.values().cloned().collect())
    }
}

/// An [`AttemptStore`] keeping one JSON file per record in a directory, written atomically (temporary file,
/// `fsync`, rename) so a crash leaves either the old or the new record, never half of one.
#[derive(Debug, Clone)]
pub struct DirAttemptStore {
    dir: PathBuf,
}

impl DirAttemptStore {
    /// A store in `dir` (created if missing).
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, String> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create the attempt directory: {e}"))?;
        Ok(DirAttemptStore { dir })
    }

    fn path(&self, record: &AttemptRecord) -> PathBuf {
        // References are validated ids (letters, digits, `.`, `_`, `-`, `@`); keep only safe characters anyway.
        let name: String = record
            .key()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
            .collect();
        self.dir.join(format!("{name}.json"))
    }
}

#[async_trait]
impl AttemptStore for DirAttemptStore {
    async fn save(&self, record: &AttemptRecord) -> Result<(), String> {
        use std::io::Write;
        let path = self.path(record);
        let tmp = path.with_extension("json.tmp");
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(record.to_json().as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            if let Ok(d) = std::fs::File::open(&self.dir) {
                let _ = d.sync_all();
            }
            Ok(())
        };
        write().map_err(|e| format!("cannot save the attempt record: {e}"))
    }

    async fn remove(&self, record: &AttemptRecord) -> Result<(), String> {
        match std::fs::remove_file(self.path(record)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(format!("cannot remove the attempt record: {e}")),
        }
    }

    async fn unresolved(&self) -> Result<Vec<AttemptRecord>, String> {
        let mut out = Vec::new();
        let entries = std::fs::read_dir(&self.dir).map_err(|e| format!("cannot list attempt records: {e}"))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read an attempt record: {e}"))?;
            out.push(AttemptRecord::from_json(&text)?);
        }
        out.sort_by(|a, b| a.created_at_ms.cmp(&b.created_at_ms).then_with(|| a.key().cmp(&b.key())));
        Ok(out)
    }
}

/// Lower-case hex SHA-256.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    crate::upi360::hex(&sha2::Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(reference: &str) -> AttemptRecord {
        AttemptRecord {
            version: ATTEMPT_RECORD_VERSION,
            provider: "paytm".into(),
            operation: "refund_apply".into(),
            reference: reference.into(),
            order_id: Some("ORDER1".into()),
            original_upi_request_id: None,
            original_merchant_request_id: None,
            amount_paise: Some(12_345),
            created_at_ms: 1_700_000_000_000,
            method: "POST".into(),
            url: "https://x.invalid/refund/apply".into(),
            body_sha256: sha256_hex(b"{}"),
        }
    }

    #[test]
    fn json_round_trip_and_rejections() {
        let r = record("REF1");
        assert_eq!(AttemptRecord::from_json(&r.to_json()).unwrap(), r);
        assert!(AttemptRecord::from_json("{").unwrap_err().contains("truncated"));
        let mut v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        v["version"] = 2.into();
        assert!(AttemptRecord::from_json(&v.to_string()).unwrap_err().contains("version 2"));
        assert_eq!(sha256_hex(b"{}"), "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    }

    #[test]
    fn dir_store_survives_a_new_instance() {
        let dir = std::env::temp_dir().join(format!("refundkit-attempts-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let rt = |f: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>>| {
            // A tiny executor: these futures never wait.
            let waker = std::task::Waker::noop();
            let mut cx = std::task::Context::from_waker(waker);
            let mut f = f;
            match f.as_mut().poll(&mut cx) {
                std::task::Poll::Ready(()) => {}
                std::task::Poll::Pending => panic!("store futures complete at once"),
            }
        };
        let store = DirAttemptStore::new(&dir).unwrap();
        rt(Box::pin(async {
            store.save(&record("REF1")).await.unwrap();
            store.save(&record("REF/2")).await.unwrap();
        }));
        let reopened = DirAttemptStore::new(&dir).unwrap();
        rt(Box::pin(async {
            let all = reopened.unresolved().await.unwrap();
            assert_eq!(all.len(), 2);
            reopened.remove(&record("REF1")).await.unwrap();
            reopened.remove(&record("REF1")).await.unwrap();
            assert_eq!(reopened.unresolved().await.unwrap(), vec![record("REF/2")]);
        }));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
