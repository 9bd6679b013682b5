//! The SQLite attempt store: the store contract (the same assertions as the memory and directory stores), claims
//! that are exclusive across OS processes, `claim_next`, and unreadable rows skipped and reported.

use refundkit::client::{AttemptRecord, AttemptStore, Claim, ClaimRequest, SqliteAttemptStore};
use std::path::PathBuf;
use std::process::Command;

use refundkit::client::store_contract::{request as req, sample_record as record, NOW};

/// The shared store contract (`refundkit::client::store_contract::check`), on an empty store.
async fn claims_follow_the_contract(store: &dyn AttemptStore) {
    refundkit::client::store_contract::check(store).await
}

fn temp_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("refundkit-sqlite-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("attempts.db")
}

#[tokio::test]
async fn sqlite_store_follows_the_contract_and_survives_a_new_instance() {
    let path = temp_db("contract");
    claims_follow_the_contract(&SqliteAttemptStore::open(&path).await.unwrap()).await;
    let reopened = SqliteAttemptStore::open(&path).await.unwrap();
    // A new instance sees what the contract left: nothing unresolved, T.1's tombstone.
    assert!(reopened.unresolved().await.unwrap().is_empty());
    let left = reopened.list().await.unwrap().records;
    assert_eq!(
        left.iter().map(|r| (r.reference.as_str(), r.refunded_at_ms)).collect::<Vec<_>>(),
        vec![("T.1", Some(NOW + 5))]
    );
    assert_eq!(reopened.count().await.unwrap(), 0, "count() is the backlog: tombstones are not in it");
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[tokio::test]
async fn sqlite_claim_next_splits_and_takes_over_expired_claims() {
    let path = temp_db("next");
    let store = SqliteAttemptStore::open(&path).await.unwrap();
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
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[tokio::test]
async fn sqlite_unreadable_rows_are_skipped_and_reported() {
    let path = temp_db("broken");
    let store = SqliteAttemptStore::open(&path).await.unwrap();
    store.claim(&record("REF1"), req("A", NOW, true)).await.unwrap();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let insert = "INSERT INTO refundkit_attempts (key, provider, account, reference, created_at_ms, record)
                      VALUES (?1, 'paytm', 'MID1', ?2, 0, ?3)";
        conn.execute(insert, [record("REF2").key(), "REF2".into(), "{ broken".into()]).unwrap();
        conn.execute(insert, [record("REF3").key(), "REF3".into(), record("REF1").to_json()]).unwrap();
        conn.execute(insert, ["notes".to_string(), "x".into(), "{}".into()]).unwrap();
    }
    let listing = store.list().await.unwrap();
    assert_eq!(listing.records.iter().map(|r| r.reference.as_str()).collect::<Vec<_>>(), vec!["REF1"]);
    assert_eq!(listing.skipped.len(), 3, "{:?}", listing.skipped);
    assert!(listing.skipped.iter().any(|(_, p)| p.contains("malformed JSON")));
    assert!(listing.skipped.iter().any(|(_, p)| p.contains("does not match")));
    // A claim on an unreadable record fails with a message naming it; claim_next skips it.
    let err = store.claim(&record("REF2"), req("A", NOW, true)).await.unwrap_err();
    assert!(err.0.contains("unreadable"), "{err}");
    assert!(store.claim_next("B", NOW + 70_000, 1_000, 10).await.unwrap().iter().all(|r| r.reference == "REF1"));
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

const REFERENCES: usize = 200;

/// The child's work: claim every reference and print how many this process created.
#[tokio::test]
async fn child_claims() {
    let Ok(path) = std::env::var("REFUNDKIT_SQLITE_CHILD_DB") else { return };
    let owner = std::env::var("REFUNDKIT_SQLITE_CHILD_OWNER").unwrap();
    let store = SqliteAttemptStore::open(path).await.unwrap();
    let mut created = 0;
    for i in 0..REFERENCES {
        let reference = if i % 2 == 0 { format!("C.{i}") } else { format!("C_{}", i - 1) };
        let request = ClaimRequest { owner: &owner, now_ms: 1_000, lease_ms: 1_000_000, create: true };
        match store.claim(&record(&reference), request).await.unwrap() {
            Claim::Created => created += 1,
            Claim::Held { .. } => {}
            other => panic!("{reference}: {other:?}"),
        }
    }
    println!("CREATED={created}");
}

#[test]
fn three_processes_create_each_reference_once() {
    let path = temp_db("processes");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = ["p1", "p2", "p3"]
        .iter()
        .map(|owner| {
            Command::new(&exe)
                .args(["--exact", "child_claims", "--nocapture", "--test-threads=1"])
                .env("REFUNDKIT_SQLITE_CHILD_DB", &path)
                .env("REFUNDKIT_SQLITE_CHILD_OWNER", owner)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut total = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        let after = text.split("CREATED=").nth(1).expect("the child reports");
        let n: usize = after.chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap();
        total += n;
    }
    assert_eq!(total, REFERENCES, "every reference created by exactly one process");
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let listing = rt.block_on(async { SqliteAttemptStore::open(&path).await.unwrap().list().await }).unwrap();
    assert_eq!((listing.records.len(), listing.skipped.len()), (REFERENCES, 0));
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// A database file made before tombstones existed (no `refunded_at_ms` column) is upgraded when opened.
#[tokio::test]
async fn an_older_sqlite_file_gains_the_tombstone_column() {
    let path = temp_db("older");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE refundkit_attempts (key TEXT PRIMARY KEY NOT NULL, provider TEXT NOT NULL, account TEXT NOT \
             NULL, reference TEXT NOT NULL, claim_owner TEXT, claim_until_ms INTEGER, created_at_ms INTEGER NOT NULL, \
             next_check_at_ms INTEGER, record TEXT NOT NULL);",
        )
        .unwrap();
    }
    claims_follow_the_contract(&SqliteAttemptStore::open(&path).await.unwrap()).await;
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}
