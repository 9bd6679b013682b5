//! S5 across real processes: two OS processes claim the same references in one `DirAttemptStore` directory at the
//! same time; each reference is created (and so may be sent) by exactly one of them.

use refundkit::client::{AttemptStore, Claim, ClaimRequest, DirAttemptStore};
use std::process::Command;

const REFERENCES: usize = 200;

use refundkit::client::store_contract::sample_record as record;

/// The child's work: claim every reference (alternating `C.n` and `C_n`, which must not collide) and print how many
/// this process created.
#[tokio::test]
async fn child_claims() {
    let Ok(dir) = std::env::var("REFUNDKIT_STORE_CHILD_DIR") else { return };
    let owner = std::env::var("REFUNDKIT_STORE_CHILD_OWNER").unwrap();
    let store = DirAttemptStore::new(dir).unwrap();
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
fn two_processes_create_each_reference_once() {
    let dir = std::env::temp_dir().join(format!("refundkit-store-processes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = ["p1", "p2"]
        .iter()
        .map(|owner| {
            Command::new(&exe)
                .args(["--exact", "child_claims", "--nocapture", "--test-threads=1"])
                .env("REFUNDKIT_STORE_CHILD_DIR", &dir)
                .env("REFUNDKIT_STORE_CHILD_OWNER", owner)
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
    let listing = rt.block_on(DirAttemptStore::new(&dir).unwrap().list()).unwrap();
    assert_eq!((listing.records.len(), listing.skipped.len()), (REFERENCES, 0));
    let _ = std::fs::remove_dir_all(&dir);
}
