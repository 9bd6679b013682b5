//! Fault injection: every kind, what it commits, the counts, and determinism by seed.

mod common;

use common::*;
use refundkit::eko::{self, RefundRequest, TransactionRef};
use refundkit::paytm::RefundApply;
use refundkit::upi360::RefundRequest as UpiRefund;
use refundkit::upi360::RefundType;
use refundkit::{Money, NextStep, Reason, Status};
use refundkit_sandbox::{FaultKind, FaultRule, Operation, RouteSelector, SandboxConfig, Trigger};

fn every(op: Operation, kind: FaultKind) -> FaultRule {
    FaultRule::new(RouteSelector::Operation(op), kind, Trigger::EveryNth(1))
}

#[tokio::test]
async fn server_error_and_rate_limit_are_not_committed() {
    let sb = start().await;
    let c = client();
    let p = paytm(&sb);
    let order = sb.fixtures().paytm[0].clone();
    let req = || {
        p.build_refund_apply(&RefundApply::new(&order.order_id, "F1", &order.txn_id, Money::from_paise(100))).unwrap()
    };

    sb.set_faults(vec![every(Operation::PaytmRefundApply, FaultKind::ServerError { status: 503 })]);
    let resp = roundtrip(&c, &req()).await;
    assert_eq!(resp.status, 503);
    let o = p.interpret_refund_apply(&resp);
    assert_eq!((o.status, o.reason, o.next_step), (Status::Indeterminate, Reason::ServerError, NextStep::Inquire));

    sb.set_faults(vec![every(Operation::PaytmRefundApply, FaultKind::RateLimited { retry_after_secs: 3 })]);
    let resp = roundtrip(&c, &req()).await;
    assert_eq!(resp.status, 429);
    assert_eq!(resp.header("retry-after"), Some("3"));
    assert_eq!(p.interpret_refund_apply(&resp).reason, Reason::RateLimited);
    assert!(sb.ledger().is_empty(), "neither fault processed the request");

    sb.clear_faults();
    assert_eq!(p.interpret_refund_apply(&roundtrip(&c, &req()).await).status, Status::Pending);
    let counts = sb.fault_counts();
    assert_eq!((counts.server_error, counts.rate_limited, counts.total()), (1, 1, 2));
}

#[tokio::test]
async fn connection_reset_before_processing() {
    let sb = start().await;
    let c = client();
    let u = upi(&sb);
    let t = &sb.fixtures().upi360[0];
    let r = UpiRefund::new("RFRESET", Money::from_paise(100), RefundType::Offline, "x")
        .original_upi_request_id(&t.original_upi_request_id);
    sb.set_faults(vec![every(Operation::Upi360Refund, FaultKind::ConnectionReset)]);
    let err = send(&c, &u.build_refund(&r).unwrap()).await.expect_err("the connection is reset");
    assert!(err.is_request() || err.is_connect() || err.to_string().contains("connection"), "{err:?}");
    assert!(sb.ledger().is_empty(), "not committed");
    assert_eq!(sb.fault_counts().connection_reset, 1);
}

#[tokio::test]
async fn truncated_body_is_committed() {
    let sb = start().await;
    let c = client();
    let p = paytm(&sb);
    let order = sb.fixtures().paytm[1].clone();
    sb.set_faults(vec![every(Operation::PaytmRefundApply, FaultKind::TruncatedBody)]);
    let req =
        p.build_refund_apply(&RefundApply::new(&order.order_id, "TR1", &order.txn_id, Money::from_paise(100))).unwrap();
    assert!(send(&c, &req).await.is_err(), "the body is cut short");
    let ledger = sb.ledger();
    assert_eq!(ledger.len(), 1, "committed");
    assert_eq!(ledger[0].reference, "TR1");
    assert_eq!(sb.fault_counts().truncated_body, 1);
}

#[tokio::test]
async fn malformed_body_is_committed_and_read_as_unknown() {
    let sb = start().await;
    let c = client();
    let e = eko(&sb);
    let tid = sb.fixtures().eko[0].tid.clone();
    let otp = eko::interpret_refund_otp(&roundtrip(&c, &e.build_refund_otp(&tid).unwrap()).await).otp.unwrap();
    sb.set_faults(vec![every(Operation::EkoInitiateRefund, FaultKind::MalformedBody)]);
    let req = e
        .build_initiate_refund(&RefundRequest::new(&tid, otp.test_otp.unwrap()).otp_ref_id(otp.otp_ref_id.unwrap()))
        .unwrap();
    let resp = roundtrip(&c, &req).await;
    assert_eq!(resp.status, 200);
    assert!(serde_json::from_slice::<serde_json::Value>(&resp.body).is_err());
    let o = eko::interpret_initiate_refund(&resp);
    assert_eq!((o.status, o.next_step), (Status::Indeterminate, NextStep::Inquire));
    // The inquiry the interpreter asks for shows the refund happened.
    let i = eko::interpret_inquiry(&roundtrip(&c, &e.build_inquiry(&TransactionRef::Tid(tid)).unwrap()).await);
    assert_eq!((i.status, i.reason), (Status::Succeeded, Reason::Refunded));
    assert_eq!(sb.ledger().len(), 1);
    assert_eq!(sb.fault_counts().malformed_body, 1);
}

#[tokio::test]
async fn commit_then_drop_leaves_the_refund_in_the_ledger() {
    let sb = start().await;
    let c = client();
    let u = upi(&sb);
    let t = sb.fixtures().upi360[2].clone();
    let r = UpiRefund::new("RFDROP", Money::from_paise(500), RefundType::Offline, "x")
        .original_upi_request_id(&t.original_upi_request_id);
    sb.set_faults(vec![every(Operation::Upi360Refund, FaultKind::DropAfterCommit)]);
    assert!(send(&c, &u.build_refund(&r).unwrap()).await.is_err(), "no answer at all");
    let ledger = sb.ledger();
    assert_eq!(ledger.len(), 1, "the refund was committed although the client got no response");
    assert_eq!((ledger[0].reference.as_str(), ledger[0].money_moved), ("RFDROP", 1));
    // Recovery as the spec says: resend the same refundRequestId. It answers the existing refund.
    sb.clear_faults();
    let o = u.interpret_refund(&r, &roundtrip(&c, &u.build_refund(&r).unwrap()).await);
    assert_eq!(o.status, Status::Pending);
    let ledger = sb.ledger();
    assert_eq!((ledger.len(), ledger[0].money_moved), (1, 1));
    assert_eq!(sb.fault_counts().drop_after_commit, 1);
}

#[tokio::test]
async fn clock_skew_makes_timestamp_windows_reject() {
    let sb = start().await;
    let c = client();
    let e = eko(&sb);
    let tid = sb.fixtures().eko[0].tid.clone();
    let year_ms = 366 * 86_400_000;
    sb.set_faults(vec![FaultRule::new(
        RouteSelector::Provider(refundkit::Provider::Eko),
        FaultKind::ClockSkew { offset_ms: year_ms },
        Trigger::EveryNth(1),
    )]);
    let resp = roundtrip(&c, &e.build_inquiry(&TransactionRef::Tid(tid.clone())).unwrap()).await;
    assert_eq!(resp.status, 403);
    assert_eq!(eko::interpret_inquiry(&resp).reason, Reason::AuthOrClock);
    let next_year = (1970 + (now_ms() + year_ms as u64) / 31_556_952_000).to_string();
    assert!(
        resp.header("date").unwrap().contains(&next_year),
        "the Date header is shifted too: {:?}",
        resp.header("date")
    );
    sb.clear_faults();
    assert_eq!(roundtrip(&c, &e.build_inquiry(&TransactionRef::Tid(tid)).unwrap()).await.status, 200);
    assert_eq!(sb.fault_counts().clock_skew, 1);
}

#[tokio::test]
async fn latency_delays_the_answer() {
    let sb = start().await;
    let c = client();
    let e = eko(&sb);
    sb.set_faults(vec![every(Operation::EkoInquiry, FaultKind::Latency { ms: 150 })]);
    let started = std::time::Instant::now();
    let resp = roundtrip(&c, &e.build_inquiry(&TransactionRef::Tid(sb.fixtures().eko[0].tid.clone())).unwrap()).await;
    assert_eq!(resp.status, 200);
    assert!(started.elapsed() >= std::time::Duration::from_millis(150));
    assert_eq!(sb.fault_counts().latency, 1);
}

#[tokio::test]
async fn same_seed_same_fault_sequence() {
    async fn run(seed: u64) -> (Vec<u16>, Vec<(u64, &'static str)>) {
        let rules = vec![
            FaultRule::new(RouteSelector::All, FaultKind::ServerError { status: 500 }, Trigger::Probability(0.4)),
            FaultRule::new(
                RouteSelector::Provider(refundkit::Provider::Eko),
                FaultKind::RateLimited { retry_after_secs: 1 },
                Trigger::Probability(0.2),
            ),
        ];
        let sb = start_with(SandboxConfig { seed, faults: rules, ..SandboxConfig::default() }).await;
        let c = client();
        let e = eko(&sb);
        let tid = sb.fixtures().eko[0].tid.clone();
        let mut statuses = Vec::new();
        for _ in 0..40 {
            statuses.push(roundtrip(&c, &e.build_inquiry(&TransactionRef::Tid(tid.clone())).unwrap()).await.status);
        }
        let log = sb.fault_log().into_iter().map(|f| (f.request_number, f.kind)).collect();
        (statuses, log)
    }
    let a = run(7).await;
    assert_eq!(a, run(7).await);
    assert_ne!(a.0, run(8).await.0);
    assert!(a.0.contains(&500) && a.0.contains(&429) && a.0.contains(&200), "{:?}", a.0);
}

#[tokio::test]
async fn every_nth_on_all_routes() {
    let sb = start().await;
    let c = client();
    let e = eko(&sb);
    sb.set_faults(vec![FaultRule::new(
        RouteSelector::All,
        FaultKind::ServerError { status: 502 },
        Trigger::EveryNth(3),
    )]);
    let tid = sb.fixtures().eko[0].tid.clone();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(roundtrip(&c, &e.build_inquiry(&TransactionRef::Tid(tid.clone())).unwrap()).await.status);
    }
    assert_eq!(statuses, [200, 200, 502, 200, 200, 502]);
    assert_eq!(sb.fault_counts().server_error, 2);
}
