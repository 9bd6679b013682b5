//! The attempt-store contract as executable checks, shared by every store's tests (memory, directory, SQLite,
//! Postgres) and available to anyone implementing [`AttemptStore`] over their own database.
//!
//! ```no_run
//! # async fn demo(my_store: &dyn refundkit::client::AttemptStore) {
//! // On an empty store: panics with the broken rule if the store does not keep the contract.
//! refundkit::client::store_contract::check(my_store).await;
//! # }
//! ```

use super::{AttemptRecord, AttemptStore, Claim, ClaimHolder, ClaimRequest, ATTEMPT_RECORD_VERSION};

/// The time the checks run at (Unix ms).
pub const NOW: u64 = 1_700_000_000_000;

/// A Paytm record for `reference` (account `MID1`), unclaimed and unresolved.
pub fn sample_record(reference: &str) -> AttemptRecord {
    AttemptRecord {
        version: ATTEMPT_RECORD_VERSION,
        provider: "paytm".into(),
        account: "MID1".into(),
        operation: "refund_apply".into(),
        reference: reference.into(),
        order_id: Some("ORDER1".into()),
        original_upi_request_id: None,
        original_merchant_request_id: None,
        amount_paise: Some(12_345),
        created_at_ms: NOW,
        sent_at_ms: Some(NOW),
        acknowledged_at_ms: None,
        absent_answers: 0,
        next_check_at_ms: None,
        claim: None,
        refunded_at_ms: None,
        method: "POST".into(),
        url: "https://x.invalid/refund/apply".into(),
        body_fingerprint: String::new(),
    }
}

/// A claim request with a one-minute lease.
pub fn request(owner: &str, now_ms: u64, create: bool) -> ClaimRequest<'_> {
    ClaimRequest { owner, now_ms, lease_ms: 60_000, create }
}

/// Runs every rule of the store contract against `store`, which must be empty: create-or-claim, leases, refused
/// writes after a lost claim, exact keys (`C.1` is not `C_1`), release, idempotent removal, tombstones, and records
/// coming back exactly as saved. Leaves the store empty but for the tombstone of `T.1`.
pub async fn check(store: &dyn AttemptStore) {
    let r = sample_record("C.1");
    assert_eq!(store.claim(&r, request("A", NOW, true)).await.unwrap(), Claim::Created, "create");
    // B cannot take it while A's lease runs, and cannot write it.
    match store.claim(&r, request("B", NOW + 1, true)).await.unwrap() {
        Claim::Held { owner, until_ms } => assert_eq!((owner.as_str(), until_ms), ("A", NOW + 60_000)),
        other => panic!("held by A: {other:?}"),
    }
    assert!(store.update(&r, "B", NOW + 1).await.is_err(), "B may not write A's record");
    assert!(store.remove(&r, "B", NOW + 1).await.is_err(), "B may not remove A's record");
    // Another reference is independent (C_1 is not C.1).
    assert_eq!(store.claim(&sample_record("C_1"), request("B", NOW, true)).await.unwrap(), Claim::Created);
    // After the lease, B takes the record over and gets the stored one.
    match store.claim(&r, request("B", NOW + 60_001, true)).await.unwrap() {
        Claim::Existing(e) => assert_eq!(e.claim.unwrap().owner, "B"),
        other => panic!("taken over after the lease: {other:?}"),
    }
    // A lost its claim: its writes are refused.
    assert!(store.update(&r, "A", NOW + 60_002).await.unwrap_err().0.contains("claimed by another worker"));
    // B releases; A may claim again (no create needed).
    let mut released = r.clone();
    released.claim = None;
    store.update(&released, "B", NOW + 60_003).await.unwrap();
    assert!(matches!(store.claim(&r, request("A", NOW + 60_004, false)).await.unwrap(), Claim::Existing(_)));
    store.remove(&r, "A", NOW + 60_005).await.unwrap();
    store.remove(&r, "A", NOW + 60_005).await.unwrap();
    assert_eq!(store.claim(&r, request("A", NOW, false)).await.unwrap(), Claim::Missing);
    assert!(store.update(&r, "A", NOW).await.unwrap_err().0.contains("gone"));
    let left = store.unresolved().await.unwrap();
    assert_eq!(left.iter().map(|r| r.reference.as_str()).collect::<Vec<_>>(), vec!["C_1"]);
    // The record comes back exactly as saved.
    let mut expected = sample_record("C_1");
    expected.claim = Some(ClaimHolder { owner: "B".into(), until_ms: NOW + 60_000 });
    assert_eq!(left[0], expected);
    store.remove(&left[0], "B", NOW).await.unwrap();

    // A refunded reference is a tombstone: listed, not unresolved, and never claimable again.
    let t = sample_record("T.1");
    assert_eq!(store.claim(&t, request("A", NOW, true)).await.unwrap(), Claim::Created);
    let mut done = t.clone();
    done.claim = None;
    done.refunded_at_ms = Some(NOW + 5);
    store.update(&done, "A", NOW + 5).await.unwrap();
    assert!(store.unresolved().await.unwrap().is_empty(), "a tombstone is not unresolved");
    assert_eq!(store.list().await.unwrap().records, vec![done.clone()]);
    for create in [true, false] {
        assert_eq!(store.claim(&t, request("B", NOW + 6, create)).await.unwrap(), Claim::Refunded(done.clone()));
    }
}
