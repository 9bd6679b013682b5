//! Paytm flows against the sandbox: refundkit's Paytm builders and interpreters, PG and AI-router.

mod common;

use common::*;
use refundkit::paytm::{Flavour, Paytm, PaytmConfig, PriorApply, RefundApply, RefundStatusQuery};
use refundkit::{Money, NextStep, Provider, Reason, Status};
use refundkit_sandbox::{RefundState, SandboxConfig, DEFAULT_PAYTM_MERCHANT_KEY, DEFAULT_PAYTM_MID};

async fn apply(c: &reqwest::Client, p: &Paytm, order: &str, txn: &str, ref_id: &str, paise: i64) -> refundkit::Outcome {
    let req = p.build_refund_apply(&RefundApply::new(order, ref_id, txn, Money::from_paise(paise))).unwrap();
    p.interpret_refund_apply(&roundtrip(c, &req).await)
}

async fn status(c: &reqwest::Client, p: &Paytm, order: &str, ref_id: &str) -> refundkit::Outcome {
    let req = p.build_refund_status(&RefundStatusQuery::new(order, ref_id)).unwrap();
    p.interpret_refund_status(&roundtrip(c, &req).await, PriorApply::AcceptedAt(now_ms()))
}

#[tokio::test]
async fn apply_then_pending_then_success_pg_and_ai_router() {
    let sb = start().await;
    let c = client();
    for (i, flavour) in [Flavour::Pg, Flavour::AiRouter].into_iter().enumerate() {
        let p = Paytm::new(paytm_config(&sb, flavour)).unwrap();
        let order = sb.fixtures().paytm[i].clone();
        let ref_id = format!("REF{i}");
        let o = apply(&c, &p, &order.order_id, &order.txn_id, &ref_id, 1_000).await;
        assert_eq!(
            (o.status, o.reason, o.next_step),
            (Status::Pending, Reason::InProgress, NextStep::PollLater),
            "{o:?}"
        );
        assert!(o.warnings.iter().all(|w| !w.contains("signature")), "answers are signed: {:?}", o.warnings);
        // polls_until_success = 2: two PENDING answers, then TXN_SUCCESS.
        for _ in 0..2 {
            let s = status(&c, &p, &order.order_id, &ref_id).await;
            assert_eq!((s.status, s.reason), (Status::Pending, Reason::InProgress));
        }
        let s = status(&c, &p, &order.order_id, &ref_id).await;
        assert_eq!((s.status, s.reason), (Status::Succeeded, Reason::Refunded), "{s:?}");
        assert_eq!(s.refund.unwrap().refunded_amount, Some(Money::from_paise(1_000)));
    }
    let ledger = sb.ledger();
    assert_eq!(ledger.len(), 2);
    assert!(ledger
        .iter()
        .all(|e| e.provider == Provider::Paytm && e.state == RefundState::Succeeded && e.money_moved == 1));
    assert_eq!(ledger[0].status_polls, 3);
}

#[tokio::test]
async fn polls_until_success_is_configurable() {
    let sb = start_with(SandboxConfig { polls_until_success: 0, ..SandboxConfig::default() }).await;
    let c = client();
    let p = paytm(&sb);
    let order = sb.create_paytm_order(10_000).unwrap();
    assert_eq!(apply(&c, &p, &order.order_id, &order.txn_id, "R0", 10_000).await.status, Status::Pending);
    assert_eq!(status(&c, &p, &order.order_id, "R0").await.status, Status::Succeeded);
}

#[tokio::test]
async fn duplicate_ref_id_is_617_without_a_second_refund() {
    let sb = start().await;
    let c = client();
    let p = paytm(&sb);
    let order = sb.create_paytm_order(50_000).unwrap();
    assert_eq!(apply(&c, &p, &order.order_id, &order.txn_id, "DUP1", 2_000).await.status, Status::Pending);
    let req = p
        .build_refund_apply(&RefundApply::new(&order.order_id, "DUP1", &order.txn_id, Money::from_paise(2_000)))
        .unwrap();
    let resp = roundtrip(&c, &req).await;
    assert!(std::str::from_utf8(&resp.body).unwrap().contains("\"resultCode\":\"617\""));
    let o = p.interpret_refund_apply(&resp);
    assert_eq!((o.status, o.reason, o.next_step), (Status::Indeterminate, Reason::DuplicateRequest, NextStep::Inquire));
    let ledger = sb.ledger();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].money_moved, 1);
    assert_eq!(sb.fixtures().paytm.iter().find(|o| o.order_id == order.order_id).unwrap().refunded_paise, 2_000);
}

#[tokio::test]
async fn partial_refunds_accumulate_up_to_the_order_amount() {
    let sb = start().await;
    let c = client();
    let p = paytm(&sb);
    let order = sb.create_paytm_order(10_000).unwrap();
    assert_eq!(apply(&c, &p, &order.order_id, &order.txn_id, "P1", 6_000).await.status, Status::Pending);
    assert_eq!(apply(&c, &p, &order.order_id, &order.txn_id, "P2", 4_000).await.status, Status::Pending);
    let over = apply(&c, &p, &order.order_id, &order.txn_id, "P3", 100).await;
    assert_eq!((over.status, over.reason), (Status::Failed, Reason::Validation));
    assert_eq!(over.raw.codes.iter().find(|c| c.name == "resultCode").unwrap().value, "619");
    // A partial refund under one rupee is 635 (refundkit refuses to build one, so sign it by hand).
    let small = sb.create_paytm_order(10_000).unwrap();
    let body = format!(
        r#"{{"mid":"{}","txnType":"REFUND","orderId":"{}","txnId":"{}","refId":"P4","refundAmount":"0.50"}}"#,
        DEFAULT_PAYTM_MID, small.order_id, small.txn_id
    );
    let key = refundkit::Secret::new(DEFAULT_PAYTM_MERCHANT_KEY);
    let sig = refundkit::paytm::checksum::generate(&body, &key, &refundkit::OsRandom).unwrap();
    let req = refundkit::HttpRequest {
        method: refundkit::HttpMethod::Post,
        url: format!("{}/refund/apply", sb.base_url()),
        headers: vec![refundkit::Header::new("content-type", "application/json")],
        body: format!(r#"{{"body":{body},"head":{{"signature":"{sig}"}}}}"#).into_bytes(),
    };
    let o = p.interpret_refund_apply(&roundtrip(&c, &req).await);
    assert_eq!(o.raw.codes.iter().find(|c| c.name == "resultCode").unwrap().value, "635");
    assert_eq!(o.status, Status::Failed);
    // Wrong order id: 627.
    let o = apply(&c, &p, "NOSUCHORDER", &order.txn_id, "P5", 100).await;
    assert_eq!((o.status, o.reason), (Status::Failed, Reason::Validation));
    assert_eq!(sb.ledger().iter().map(|e| e.amount_paise).sum::<i64>(), 10_000);
}

#[tokio::test]
async fn unknown_ref_id_status_is_631() {
    let sb = start().await;
    let c = client();
    let p = paytm(&sb);
    let order = &sb.fixtures().paytm[0];
    let req = p.build_refund_status(&RefundStatusQuery::new(&order.order_id, "NEVERSENT")).unwrap();
    let o = p.interpret_refund_status(&roundtrip(&c, &req).await, PriorApply::Unknown);
    assert_eq!(
        (o.status, o.reason, o.next_step),
        (Status::Indeterminate, Reason::TransactionNotFound, NextStep::ResendSameReference)
    );
}

#[tokio::test]
async fn checksum_is_verified_over_the_raw_body() {
    let sb = start().await;
    let c = client();
    let order = sb.fixtures().paytm[0].clone();

    // Wrong merchant key: 330.
    let mut cfg = paytm_config(&sb, Flavour::Pg);
    cfg.merchant_key = refundkit::Secret::new("0123456789abcdef");
    let wrong = Paytm::new(cfg).unwrap();
    let req = wrong
        .build_refund_apply(&RefundApply::new(&order.order_id, "W1", &order.txn_id, Money::from_paise(100)))
        .unwrap();
    let resp = roundtrip(&c, &req).await;
    // Read with the right key (the sandbox signs its answer with the registered key).
    let o = paytm(&sb).interpret_refund_apply(&resp);
    assert_eq!((o.status, o.reason), (Status::Failed, Reason::SignatureInvalid), "{o:?}");

    // Tampered body: the amount changed after signing.
    let p = paytm(&sb);
    let mut req =
        p.build_refund_apply(&RefundApply::new(&order.order_id, "T1", &order.txn_id, Money::from_paise(100))).unwrap();
    let text = req.body_text().replace("\"refundAmount\":\"1.00\"", "\"refundAmount\":\"9.00\"");
    assert_ne!(text, req.body_text());
    req.body = text.into_bytes();
    let o = p.interpret_refund_apply(&roundtrip(&c, &req).await);
    assert_eq!((o.status, o.reason), (Status::Failed, Reason::SignatureInvalid));

    // Same JSON, different bytes (re-serialised with spaces): the signature no longer covers the raw text.
    let mut req =
        p.build_refund_apply(&RefundApply::new(&order.order_id, "S1", &order.txn_id, Money::from_paise(100))).unwrap();
    req.body = req.body_text().replacen("\"mid\":", "\"mid\": ", 1).into_bytes();
    assert_eq!(p.interpret_refund_apply(&roundtrip(&c, &req).await).reason, Reason::SignatureInvalid);

    // Unknown MID: 335.
    let cfg = PaytmConfig { mid: "OTHERMID0000000001".into(), ..paytm_config(&sb, Flavour::Pg) };
    let other = Paytm::new(cfg).unwrap();
    let req = other.build_refund_status(&RefundStatusQuery::new(&order.order_id, "X")).unwrap();
    let o = other.interpret_refund_status(&roundtrip(&c, &req).await, PriorApply::Unknown);
    assert_eq!((o.status, o.reason), (Status::Indeterminate, Reason::Configuration));
    assert!(sb.ledger().is_empty());
}

/// What an app with a wrong merchant key sees through the client: the 330 answer cannot be verified with its key, so
/// the refund's fate stays unknown (never "failed"), but the client stops at once and says to fix the configuration
/// instead of polling with requests that cannot succeed.
#[tokio::test]
async fn client_with_a_wrong_merchant_key_stops_and_says_fix_configuration() {
    use refundkit::client::{AttemptStore, ClientOptions, MemoryAttemptStore, RecordingSleeper};
    use refundkit::paytm::PaytmRefunds;
    use std::sync::Arc;
    let sb = start().await;
    let order = sb.fixtures().paytm[0].clone();
    let mut cfg = paytm_config(&sb, Flavour::Pg);
    cfg.merchant_key = refundkit::Secret::new("0123456789abcdef");
    let store = Arc::new(MemoryAttemptStore::default());
    let sleeper = Arc::new(RecordingSleeper::default());
    let mut options = ClientOptions::builtin().unwrap().store(store.clone());
    options.sleeper = sleeper.clone();
    let client = PaytmRefunds::new(cfg, options).unwrap();
    let apply = RefundApply::new(&order.order_id, "WRONGKEY1", &order.txn_id, Money::from_paise(100));
    let report = client.refund(&apply).await.unwrap();
    let o = &report.outcome;
    assert_eq!(
        (o.status, o.reason, o.next_step),
        (Status::Indeterminate, Reason::SignatureInvalid, NextStep::FixConfiguration)
    );
    assert!(o.warnings.iter().any(|w| w.contains("probably wrong")), "{:?}", o.warnings);
    // The apply once, one status call that cannot be trusted either, then stop: no backoff, no more polls.
    assert_eq!((report.attempts, report.money_moving_sends), (2, 1));
    assert!(sleeper.waits().is_empty());
    assert!(!report.resolved_by_inquiry, "nothing was settled");
    // Unsettled: the record stays for a resume once the key is fixed; nothing moved.
    assert_eq!(store.unresolved().await.unwrap().len(), 1);
    assert!(sb.ledger().is_empty());
}

#[tokio::test]
async fn ai_router_status_by_paytm_refund_id() {
    let sb = start().await;
    let c = client();
    let p = Paytm::new(paytm_config(&sb, Flavour::AiRouter)).unwrap();
    let order = sb.create_paytm_order(5_000).unwrap();
    let o = apply(&c, &p, &order.order_id, &order.txn_id, "AIR1", 5_000).await;
    let refund_id = o.refund.unwrap().refund_id.unwrap();
    assert_eq!(refund_id, sb.ledger()[0].provider_refund_id);
    let req = p.build_refund_status(&RefundStatusQuery::by_refund_id(&order.order_id, &refund_id)).unwrap();
    assert!(req.url.ends_with("/aoa-refund-service/refund/query"));
    let resp = roundtrip(&c, &req).await;
    assert!(std::str::from_utf8(&resp.body).unwrap().contains("\"responseTimeStamps\""));
    let s = p.interpret_refund_status(&resp, PriorApply::AcceptedAt(now_ms()));
    assert_eq!((s.status, s.reason), (Status::Pending, Reason::InProgress));
}
