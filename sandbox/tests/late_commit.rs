//! The late-commit fault: a money-moving request is held, status queries answer "never arrived" until it commits,
//! the commit lands although the client gave up, and a reference committed meanwhile by a retry is not committed
//! twice.
//!
//! No assertion depends on timing: requests are held for 10 minutes (far beyond any test) and let go with
//! `release_commits`, or held briefly and awaited with `drain_commits`. Client timeouts are only ever *shorter*
//! than the hold, which is the direction that cannot flake.

mod common;

use common::*;
use refundkit::eko::{self, RefundRequest, TransactionRef};
use refundkit::paytm::{PriorApply, RefundApply, RefundStatusQuery};
use refundkit::upi360::{RefundRequest as UpiRefund, RefundType, StatusRequest};
use refundkit::{Money, Provider, Reason, Status};
use refundkit_sandbox::{
    parse_fault_spec, FaultKind, FaultRule, Operation, RouteSelector, Sandbox, SandboxConfig, SandboxHandle, Trigger,
};
use std::time::Duration;

/// Ten minutes: the hold never ends by itself during a test.
const HOLD_MS: u64 = 600_000;

fn hold(op: Operation) -> FaultRule {
    FaultRule::new(
        RouteSelector::Operation(op),
        FaultKind::LateCommit { min_ms: HOLD_MS, max_ms: HOLD_MS },
        Trigger::EveryNth(1),
    )
}

/// A client that gives up long before the hold ends.
fn impatient() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_millis(300)).build().expect("client")
}

/// Waits (bounded, not timed) until the sandbox holds `n` requests.
async fn until_pending(sb: &Sandbox, n: usize) {
    tokio::time::timeout(Duration::from_secs(60), async {
        while sb.pending_commits() != n {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the request is held");
}

async fn drained(sb: &Sandbox) {
    tokio::time::timeout(Duration::from_secs(60), sb.drain_commits()).await.expect("every held request commits");
    assert_eq!(sb.pending_commits(), 0);
}

#[tokio::test]
async fn eko_refund_held_then_committed_once_after_the_client_gave_up() {
    let sb = start().await;
    let c = client();
    let e = eko(&sb);
    let tid = sb.fixtures().eko.into_iter().find(|t| t.tx_status == 3).unwrap().tid;
    let otp_answer = eko::interpret_refund_otp(&roundtrip(&c, &e.build_refund_otp(&tid).unwrap()).await);
    let otp = otp_answer.otp.unwrap().test_otp.unwrap();
    sb.set_faults(vec![hold(Operation::EkoInitiateRefund)]);

    let refund = e.build_initiate_refund(&RefundRequest::new(&tid, &otp)).unwrap();
    assert!(send(&impatient(), &refund).await.is_err(), "the client times out first");
    until_pending(&sb, 1).await;
    assert!(sb.ledger().is_empty(), "nothing committed while held");
    let inquiry = |c: reqwest::Client| {
        let req = e.build_inquiry(&TransactionRef::Tid(tid.clone())).unwrap();
        async move { eko::interpret_inquiry(&roundtrip(&c, &req).await) }
    };
    let before = inquiry(c.clone()).await;
    assert_eq!((before.status, before.reason), (Status::Failed, Reason::NotRefunded), "inquiry: tx_status 3");

    sb.release_commits();
    drained(&sb).await;
    let ledger = sb.ledger();
    assert_eq!(ledger.len(), 1, "committed although the client had gone");
    assert_eq!(
        (ledger[0].provider, ledger[0].reference.as_str(), ledger[0].money_moved),
        (Provider::Eko, tid.as_str(), 1)
    );
    let after = inquiry(c.clone()).await;
    assert_eq!((after.status, after.reason), (Status::Succeeded, Reason::Refunded));
    let counts = sb.fault_counts();
    assert_eq!((counts.late_commit, counts.total()), (1, 1));
}

#[tokio::test]
async fn paytm_status_is_631_until_the_late_commit_and_a_retry_is_not_committed_twice() {
    let sb = start().await;
    let c = client();
    let p = paytm(&sb);
    let order = sb.fixtures().paytm[0].clone();
    let apply = p
        .build_refund_apply(&RefundApply::new(&order.order_id, "LATE1", &order.txn_id, Money::from_paise(500)))
        .unwrap();
    let status = || {
        let req = p.build_refund_status(&RefundStatusQuery::new(&order.order_id, "LATE1")).unwrap();
        let c = c.clone();
        async move { roundtrip(&c, &req).await }
    };

    sb.set_faults(vec![hold(Operation::PaytmRefundApply)]);
    assert!(send(&impatient(), &apply).await.is_err());
    until_pending(&sb, 1).await;
    let s = status().await;
    assert!(String::from_utf8_lossy(&s.body).contains("\"631\""), "never arrived: 631");
    assert_eq!(p.interpret_refund_status(&s, PriorApply::Unknown).reason, Reason::TransactionNotFound);

    // The client retries the same refId while the first is held: this one commits at once.
    sb.clear_faults();
    let retry = p.interpret_refund_apply(&roundtrip(&c, &apply).await);
    assert_eq!(retry.status, Status::Pending);
    assert_eq!(sb.ledger().len(), 1);

    // The held one lands late: the duplicate refId is refused (617), not a second refund.
    sb.release_commits();
    drained(&sb).await;
    let ledger = sb.ledger();
    assert_eq!(ledger.len(), 1, "one refund per refId");
    assert_eq!((ledger[0].reference.as_str(), ledger[0].money_moved), ("LATE1", 1));
    assert_eq!(sb.fixtures().paytm[0].refunded_paise, 500);
}

#[tokio::test]
async fn upi_status_is_request_not_found_until_the_late_commit() {
    let sb = start().await;
    let c = client();
    let u = upi(&sb);
    let t = sb.fixtures().upi360[0].clone();
    let r = UpiRefund::new("RFLATE1", Money::from_paise(700), RefundType::Offline, "late")
        .original_upi_request_id(&t.original_upi_request_id);
    let status = || {
        let s = StatusRequest::for_refund(&r);
        let req = u.build_refund_status(&s).unwrap();
        let c = c.clone();
        async move { roundtrip(&c, &req).await }
    };
    sb.set_faults(vec![hold(Operation::Upi360Refund)]);
    assert!(send(&impatient(), &u.build_refund(&r).unwrap()).await.is_err());
    until_pending(&sb, 1).await;
    let s = status().await;
    assert!(String::from_utf8_lossy(&s.body).contains("REQUEST_NOT_FOUND"), "{}", String::from_utf8_lossy(&s.body));
    // A second held attempt with the same refundRequestId (a retry) is held too.
    assert!(send(&impatient(), &u.build_refund(&r).unwrap()).await.is_err());
    until_pending(&sb, 2).await;
    assert!(sb.ledger().is_empty());

    sb.release_commits();
    drained(&sb).await;
    let ledger = sb.ledger();
    assert_eq!(ledger.len(), 1, "two held attempts, one refund");
    assert_eq!((ledger[0].reference.as_str(), ledger[0].money_moved, ledger[0].amount_paise), ("RFLATE1", 1, 700));
    let s = status().await;
    assert!(String::from_utf8_lossy(&s.body).contains("\"SUCCESS\""));
    assert_eq!(sb.fault_counts().late_commit, 2);
}

#[tokio::test]
async fn a_patient_client_gets_the_answer_after_the_delay() {
    let sb = start().await;
    let c = client();
    let p = paytm(&sb);
    let order = sb.fixtures().paytm[1].clone();
    sb.set_faults(parse_fault_spec("late_commit:50-150@paytm.refund_apply").unwrap());
    let apply = p
        .build_refund_apply(&RefundApply::new(&order.order_id, "PATIENT", &order.txn_id, Money::from_paise(300)))
        .unwrap();
    let o = p.interpret_refund_apply(&roundtrip(&c, &apply).await);
    assert_eq!(o.status, Status::Pending, "{o:?}");
    assert_eq!(sb.ledger().len(), 1);
    assert_eq!(sb.pending_commits(), 0);
    drained(&sb).await;
}

#[tokio::test]
async fn late_commit_never_holds_queries_and_the_admin_api_drains() {
    let sb = start().await;
    let c = client();
    // A rule on every route: only money-moving operations are held.
    sb.set_faults(parse_fault_spec(&format!("late_commit:{HOLD_MS}")).unwrap());
    let e = eko(&sb);
    let tid = sb.fixtures().eko.into_iter().find(|t| t.tx_status == 3).unwrap().tid;
    let q = eko::interpret_inquiry(&roundtrip(&c, &e.build_inquiry(&TransactionRef::Tid(tid.clone())).unwrap()).await);
    assert_eq!(q.reason, Reason::NotRefunded);
    assert_eq!(sb.fault_counts().late_commit, 0);

    let p = paytm(&sb);
    let order = sb.fixtures().paytm[2].clone();
    let apply = p
        .build_refund_apply(&RefundApply::new(&order.order_id, "ADMIN1", &order.txn_id, Money::from_paise(100)))
        .unwrap();
    assert!(send(&impatient(), &apply).await.is_err());
    until_pending(&sb, 1).await;
    let (status, v) = admin(&c, &sb, "GET", "commits", None).await;
    assert_eq!((status, v["pending"].as_u64()), (200, Some(1)));
    let (status, v) = admin(&c, &sb, "POST", "commits/drain?timeout_ms=1", None).await;
    assert_eq!((status, v["drained"].as_bool()), (504, Some(false)), "still held: the drain gives up at its timeout");
    let (status, _) = admin(&c, &sb, "POST", "commits/release", None).await;
    assert_eq!(status, 200);
    let (status, v) = admin(&c, &sb, "POST", "commits/drain", None).await;
    assert_eq!((status, v["pending"].as_u64(), v["drained"].as_bool()), (200, Some(0), Some(true)));
    assert_eq!(sb.ledger().len(), 1);
    let (_, v) = admin(&c, &sb, "GET", "faults", None).await;
    assert_eq!(v["counts"]["late_commit"], 1);
}

#[test]
fn the_background_handle_drains_synchronously() {
    let sb = SandboxHandle::spawn(SandboxConfig {
        faults: parse_fault_spec("late_commit:20-80@paytm.refund_apply").unwrap(),
        ..SandboxConfig::default()
    })
    .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let p = paytm(&sb);
    let order = sb.fixtures().paytm[0].clone();
    let apply = p
        .build_refund_apply(&RefundApply::new(&order.order_id, "SYNC1", &order.txn_id, Money::from_paise(100)))
        .unwrap();
    let c = client();
    let answered = rt.block_on(async { send(&c, &apply).await.is_ok() });
    assert!(answered);
    sb.drain_commits();
    assert_eq!(sb.pending_commits(), 0);
    assert_eq!(sb.ledger().len(), 1);
    sb.shutdown();
}

#[test]
fn late_commit_specs_parse_and_draw_within_the_range() {
    let rules = parse_fault_spec("late_commit:2500, late_commit:500-5000:0.5@eko.initiate_refund").unwrap();
    assert_eq!(rules[0].kind, FaultKind::LateCommit { min_ms: 2500, max_ms: 2500 });
    assert_eq!(rules[1].kind, FaultKind::LateCommit { min_ms: 500, max_ms: 5000 });
    assert_eq!(rules[1].trigger, Trigger::Probability(0.5));
    assert_eq!(rules[1].route, RouteSelector::Operation(Operation::EkoInitiateRefund));
    for r in &rules {
        assert_eq!(FaultRule::from_json(&r.to_json()).as_ref(), Ok(r));
    }
    let json = parse_fault_spec(r#"[{"kind":"late_commit","delay_ms":"10-20","every_nth":2}]"#).unwrap();
    assert_eq!(json[0].kind, FaultKind::LateCommit { min_ms: 10, max_ms: 20 });
    for bad in
        ["late_commit", "late_commit:", "late_commit:abc", "late_commit:5-1", "late_commit:600001", "late_commit:-5"]
    {
        assert!(parse_fault_spec(bad).is_err(), "{bad}");
    }
    let e = parse_fault_spec("late_commit:99999999999999999999999").unwrap_err();
    assert!(e.contains("too large"), "{e}");
}
