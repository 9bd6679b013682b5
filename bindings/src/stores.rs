//! Shared attempt stores for apps on servers: SQLite (one host) and Postgres (several hosts). Each is handed out like
//! `directory_attempt_store`: an `AttemptStore` whose records the app can read as JSON and that a client uses with
//! the core's claims as they are.
#![cfg(any(feature = "sqlite-store", feature = "postgres-store"))]

use std::sync::Arc;

use crate::client::{builtin_store, AttemptStore};
use crate::RefundkitError;

/// A store in one SQLite database file at `path` (created if missing): claims atomic across the processes of this
/// host (`BEGIN IMMEDIATE` transactions), durable writes (WAL, `synchronous=FULL`), unreadable rows skipped and
/// reported. The default for a single server. Not on a network file system.
#[cfg(feature = "sqlite-store")]
#[uniffi::export]
pub fn sqlite_attempt_store(path: String) -> Result<Arc<dyn AttemptStore>, RefundkitError> {
    let store = refundkit::client::SqliteAttemptStore::new(path)
        .map_err(|e| RefundkitError::Configuration { field: "path".into(), reason: e.0 })?;
    Ok(builtin_store(Arc::new(store)))
}

/// A store in Postgres at `url` (`postgres://user:password@host:port/db`), table `refundkit_attempts` (created if
/// missing): row claims with leases, so workers on several hosts never work on one reference at once. Connects on
/// first use (a server that cannot be reached fails that call with `RefundkitError::Store`); no TLS (use a trusted
/// network, a Unix socket or a tunnel). Only the URL's syntax is checked here.
#[cfg(feature = "postgres-store")]
#[uniffi::export]
pub fn postgres_attempt_store(url: String) -> Result<Arc<dyn AttemptStore>, RefundkitError> {
    let store = refundkit::client::PostgresAttemptStore::new(&url)
        .map_err(|e| RefundkitError::Configuration { field: "url".into(), reason: e.0 })?;
    Ok(builtin_store(Arc::new(postgres::OnRuntime(Arc::new(store)))))
}

#[cfg(feature = "postgres-store")]
mod postgres {
    use refundkit::client::{
        AttemptRecord, AttemptStore, Claim, ClaimRequest, Listing, PostgresAttemptStore, StoreError,
    };
    use std::future::Future;
    use std::sync::{Arc, OnceLock};

    /// The Postgres store's connections are tokio tasks; an app may call the store from its own executor (a Python
    /// coroutine calling `unresolved()`), so every call runs on this runtime, which lives as long as the process.
    pub(super) struct OnRuntime(pub(super) Arc<PostgresAttemptStore>);

    fn runtime() -> Result<&'static tokio::runtime::Runtime, StoreError> {
        static RUNTIME: OnceLock<Option<tokio::runtime::Runtime>> = OnceLock::new();
        RUNTIME
            .get_or_init(|| {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .thread_name("refundkit-postgres")
                    .enable_all()
                    .build()
                    .ok()
            })
            .as_ref()
            .ok_or_else(|| StoreError::new("Postgres attempt store: its runtime could not start"))
    }

    async fn on_runtime<T: Send + 'static>(
        f: impl Future<Output = Result<T, StoreError>> + Send + 'static,
    ) -> Result<T, StoreError> {
        runtime()?
            .spawn(f)
            .await
            .map_err(|e| StoreError::new(format!("Postgres attempt store: the call was cancelled: {e}")))?
    }

    #[async_trait::async_trait]
    impl AttemptStore for OnRuntime {
        async fn claim(&self, record: &AttemptRecord, request: ClaimRequest<'_>) -> Result<Claim, StoreError> {
            let (store, record, owner) = (self.0.clone(), record.clone(), request.owner.to_string());
            let (now_ms, lease_ms, create) = (request.now_ms, request.lease_ms, request.create);
            on_runtime(
                async move { store.claim(&record, ClaimRequest { owner: &owner, now_ms, lease_ms, create }).await },
            )
            .await
        }

        async fn update(&self, record: &AttemptRecord, owner: &str, now_ms: u64) -> Result<(), StoreError> {
            let (store, record, owner) = (self.0.clone(), record.clone(), owner.to_string());
            on_runtime(async move { store.update(&record, &owner, now_ms).await }).await
        }

        async fn remove(&self, record: &AttemptRecord, owner: &str, now_ms: u64) -> Result<(), StoreError> {
            let (store, record, owner) = (self.0.clone(), record.clone(), owner.to_string());
            on_runtime(async move { store.remove(&record, &owner, now_ms).await }).await
        }

        async fn list(&self) -> Result<Listing, StoreError> {
            let store = self.0.clone();
            on_runtime(async move { store.list().await }).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_json(reference: &str) -> (String, String) {
        let r = refundkit::client::store_contract::sample_record(reference);
        (r.key(), r.to_json())
    }

    /// What the app sees: save, list as JSON, remove.
    async fn round_trip(store: Arc<dyn AttemptStore>, reference: &str) {
        let (key, json) = record_json(reference);
        store.save(key.clone(), json.clone()).await.unwrap();
        let listed = store.unresolved().await.unwrap();
        assert!(listed.contains(&json), "{listed:?}");
        store.remove(key).await.unwrap();
        assert!(!store.unresolved().await.unwrap().contains(&json));
    }

    #[cfg(feature = "sqlite-store")]
    #[tokio::test]
    async fn sqlite_attempt_store_round_trips() {
        let dir = std::env::temp_dir().join(format!("refundkit-ffi-sqlite-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = sqlite_attempt_store(dir.join("a.db").to_string_lossy().into_owned()).unwrap();
        round_trip(store, "FFI.1").await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(feature = "postgres-store")]
    #[test]
    fn postgres_attempt_store_round_trips_on_any_executor() {
        assert!(matches!(
            postgres_attempt_store("postgres://u@[bad".into()),
            Err(RefundkitError::Configuration { field, .. }) if field == "url"
        ));
        let Ok(url) = std::env::var("REFUNDKIT_PG_URL") else {
            println!("skipped: REFUNDKIT_PG_URL is not set");
            return;
        };
        let store = postgres_attempt_store(url).unwrap();
        // An executor without I/O (as a foreign caller's would be): the store runs its calls on its own runtime.
        let reference = format!("FFI.{}", std::process::id());
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        if let Err(e) = rt.block_on(store.unresolved()) {
            println!("skipped: no Postgres reachable at REFUNDKIT_PG_URL: {e}");
            return;
        }
        rt.block_on(round_trip(store, &reference));
    }
}
