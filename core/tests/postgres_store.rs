//! The Postgres attempt store: the store contract (the same assertions as the memory and directory stores), claims
//! exclusive across connections, `claim_next` with `SKIP LOCKED`, unreadable rows skipped and reported.
//!
//! Needs a server: `REFUNDKIT_PG_URL` (e.g. `postgres://refundkit:refundkit@127.0.0.1:5432/refundkit`, as
//! `tests/run-all` sets it up). Without `REFUNDKIT_PG_URL` each test prints why and passes; with it set, an unreachable
//! server fails the test (CI must never skip it silently).

use refundkit::client::{AttemptRecord, AttemptStore, Claim, PostgresAttemptStore};
use std::collections::HashSet;

use refundkit::client::store_contract::{request as req, sample_record as record, NOW};

/// The shared store contract (`refundkit::client::store_contract::check`), on an empty store.
async fn claims_follow_the_contract(store: &dyn AttemptStore) {
    refundkit::client::store_contract::check(store).await
}

/// A store on a fresh table of its own, or `None` (printed) when no server is reachable.
async fn fresh_store(name: &str) -> Option<(PostgresAttemptStore, String)> {
    let Ok(url) = std::env::var("REFUNDKIT_PG_URL") else {
        println!("skipped: REFUNDKIT_PG_URL is not set (tests/run-all starts a local Postgres and sets it)");
        return None;
    };
    let table = format!("rk_test_{name}_{}", std::process::id());
    let store = match PostgresAttemptStore::new(&url).and_then(|s| s.with_table(&table)) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    drop_table(&url, &table).await?;
    match store.count().await {
        Ok(0) => Some((store, url)),
        Ok(n) => panic!("a fresh table holds {n} rows"),
        Err(e) => {
            panic!("REFUNDKIT_PG_URL is set but no Postgres is reachable there: {e}");
        }
    }
}

async fn raw(url: &str) -> Option<tokio_postgres::Client> {
    match tokio_postgres::connect(url, tokio_postgres::NoTls).await {
        Ok((client, connection)) => {
            tokio::spawn(connection);
            Some(client)
        }
        Err(e) => {
            panic!("REFUNDKIT_PG_URL is set but no Postgres is reachable there: {e}");
        }
    }
}

async fn drop_table(url: &str, table: &str) -> Option<()> {
    raw(url).await?.batch_execute(&format!("DROP TABLE IF EXISTS {table}")).await.unwrap();
    Some(())
}

#[tokio::test]
async fn postgres_store_follows_the_contract_and_survives_a_new_instance() {
    let Some((store, url)) = fresh_store("contract").await else { return };
    claims_follow_the_contract(&store).await;
    let reopened = PostgresAttemptStore::connect(&url).await.unwrap().with_table(store.table()).unwrap();
    // A new instance sees what the contract left: nothing unresolved, T.1's tombstone.
    assert!(reopened.unresolved().await.unwrap().is_empty());
    let left = reopened.list().await.unwrap().records;
    assert_eq!(
        left.iter().map(|r| (r.reference.as_str(), r.refunded_at_ms)).collect::<Vec<_>>(),
        vec![("T.1", Some(NOW + 5))]
    );
    drop_table(&url, store.table()).await;
}

#[tokio::test]
async fn postgres_claim_next_splits_and_takes_over_expired_claims() {
    let Some((store, url)) = fresh_store("next").await else { return };
    for i in 0..5 {
        let mut r = record(&format!("R{i}"));
        r.created_at_ms = NOW + i;
        assert_eq!(store.claim(&r, req("seed", NOW, true)).await.unwrap(), Claim::Created);
        let mut released = r.clone();
        released.claim = None;
        if i == 4 {
            // Not to be checked before NOW + 100.
            released.next_check_at_ms = Some(NOW + 100);
        }
        store.update(&released, "seed", NOW).await.unwrap();
    }
    let a = store.claim_next("A", NOW + 1, 1_000, 2).await.unwrap();
    let b = store.claim_next("B", NOW + 1, 1_000, 10).await.unwrap();
    let names = |v: &[AttemptRecord]| v.iter().map(|r| r.reference.clone()).collect::<Vec<_>>();
    assert_eq!(names(&a), vec!["R0", "R1"], "oldest first");
    assert_eq!(names(&b), vec!["R2", "R3"], "held records and records not yet due are not taken");
    assert!(a.iter().all(|r| r.claim.as_ref().is_some_and(|c| c.owner == "A" && c.until_ms == NOW + 1_001)));
    // A's own held records are not handed to it again; R4 is due now.
    assert_eq!(names(&store.claim_next("A", NOW + 100, 1_000, 10).await.unwrap()), vec!["R4"]);
    // After the leases, B takes A's records over (and its own expired ones); A still holds R4.
    assert_eq!(names(&store.claim_next("B", NOW + 1_001, 1_000, 10).await.unwrap()), vec!["R0", "R1", "R2", "R3"]);
    // The claims are real: A can no longer write R0.
    assert!(store.update(&a[0], "A", NOW + 1_002).await.is_err());
    drop_table(&url, store.table()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_claims_are_exclusive_across_connections() {
    let Some((store, url)) = fresh_store("race").await else { return };
    // Eight workers (separate store instances, so separate connections) race to create the same 50 references, then
    // to take them with claim_next: each reference is created once and taken once.
    let mut tasks = Vec::new();
    for w in 0..8 {
        let mine = PostgresAttemptStore::new(&url).unwrap().with_table(store.table()).unwrap();
        tasks.push(tokio::spawn(async move {
            let owner = format!("w{w}");
            let mut created = Vec::new();
            for i in 0..50 {
                let reference = format!("R{i}");
                if mine.claim(&record(&reference), req(&owner, NOW, true)).await.unwrap() == Claim::Created {
                    created.push(reference);
                }
            }
            let mut taken = Vec::new();
            loop {
                let batch = mine.claim_next(&owner, NOW + 60_000, 60_000, 3).await.unwrap();
                if batch.is_empty() {
                    break;
                }
                taken.extend(batch.into_iter().map(|r| r.reference));
            }
            (created, taken)
        }));
    }
    let (mut created, mut taken) = (Vec::new(), Vec::new());
    for t in tasks {
        let (c, k) = t.await.unwrap();
        created.extend(c);
        taken.extend(k);
    }
    let all: HashSet<String> = (0..50).map(|i| format!("R{i}")).collect();
    assert_eq!(created.len(), 50);
    assert_eq!(created.iter().cloned().collect::<HashSet<_>>(), all);
    assert_eq!(taken.len(), 50, "each record taken once");
    assert_eq!(taken.into_iter().collect::<HashSet<_>>(), all);
    assert_eq!(store.count().await.unwrap(), 50);
    drop_table(&url, store.table()).await;
}

#[tokio::test]
async fn postgres_unreadable_rows_are_skipped_and_reported() {
    let Some((store, url)) = fresh_store("broken").await else { return };
    store.claim(&record("REF1"), req("A", NOW, true)).await.unwrap();
    let client = raw(&url).await.unwrap();
    let insert = format!(
        "INSERT INTO {} (key, provider, account, reference, created_at_ms, record) VALUES ($1, 'paytm', 'MID1', $2, 0, $3)",
        store.table()
    );
    for (key, reference, json) in [
        (record("REF2").key(), "REF2".to_string(), "{ broken".to_string()),
        (record("REF3").key(), "REF3".into(), record("REF1").to_json()),
        ("notes".into(), "x".into(), "{}".into()),
    ] {
        client.execute(&insert, &[&key, &reference, &json]).await.unwrap();
    }
    let listing = store.list().await.unwrap();
    assert_eq!(listing.records.iter().map(|r| r.reference.as_str()).collect::<Vec<_>>(), vec!["REF1"]);
    assert_eq!(listing.skipped.len(), 3, "{:?}", listing.skipped);
    assert!(listing.skipped.iter().any(|(_, p)| p.contains("malformed JSON")));
    assert!(listing.skipped.iter().any(|(_, p)| p.contains("does not match")));
    let err = store.claim(&record("REF2"), req("A", NOW, true)).await.unwrap_err();
    assert!(err.0.contains("unreadable"), "{err}");
    assert!(store.claim_next("B", NOW + 70_000, 1_000, 10).await.unwrap().iter().all(|r| r.reference == "REF1"));
    drop_table(&url, store.table()).await;
}

#[tokio::test]
async fn postgres_store_errors_are_typed_and_name_what_failed() {
    let err = PostgresAttemptStore::new("postgres://u@127.0.0.1:1/db").unwrap().with_table("Bad-Name").unwrap_err();
    assert!(err.0.contains("table name"), "{err}");
    // Nothing listens on port 1: the error says it could not connect.
    let store = PostgresAttemptStore::new("postgres://u@127.0.0.1:1/db").unwrap();
    let err = store.list().await.unwrap_err();
    assert!(err.0.contains("cannot connect to the server"), "{err}");
    assert!(PostgresAttemptStore::new("postgres://u@[bad").is_err());
}

/// A table made before tombstones existed (no `refunded_at_ms` column) is upgraded on first use.
#[tokio::test]
async fn an_older_postgres_table_gains_the_tombstone_column() {
    let Some((store, url)) = fresh_store("older").await else { return };
    raw(&url)
        .await
        .unwrap()
        .batch_execute(&format!(
            "DROP TABLE {0}; CREATE TABLE {0} (key TEXT PRIMARY KEY, provider TEXT NOT NULL, account TEXT NOT NULL, reference TEXT NOT \
             NULL, claim_owner TEXT, claim_until_ms BIGINT, created_at_ms BIGINT NOT NULL, next_check_at_ms BIGINT, \
             record TEXT NOT NULL)",
            store.table()
        ))
        .await
        .unwrap();
    let reopened = PostgresAttemptStore::connect(&url).await.unwrap().with_table(store.table()).unwrap();
    claims_follow_the_contract(&reopened).await;
    drop_table(&url, store.table()).await;
}
