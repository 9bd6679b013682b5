//! Eko flows against the sandbox: requests built by refundkit's Eko builders, answers read by its interpreters.

mod common;

use common::*;
use refundkit::eko::{self, Eko, RefundRequest, TransactionRef};
use refundkit::{Clock, FixedClock, NextStep, Provider, Reason, Status};
use refundkit_sandbox::{RefundState, SandboxConfig};

async fn get_otp<C: Clock>(c: &reqwest::Client, e: &Eko<C>, tid: &str) -> (String, String) {
    let o = eko::interpret_refund_otp(&roundtrip(c, &e.build_refund_otp(tid).unwrap()).await);
    assert_eq!((o.status, o.reason, o.next_step), (Status::Pending, Reason::OtpSent, NextStep::CollectOtp));
    let otp = o.otp.expect("otp dispatch");
    (otp.test_otp.expect("UAT-style inline OTP"), otp.otp_ref_id.expect("otp_ref_id"))
}

#[tokio::test]
async fn happy_path_otp_refund_inquiry() {
    let sb = start().await;
    let c = client();
    let e = eko(&sb);
    let fixture = sb.fixtures().eko.into_iter().find(|t| t.tx_status == 3).unwrap();
    let tid = fixture.tid.clone();

    // Before: the inquiry says refund-pending (not refunded).
    let before =
        eko::interpret_inquiry(&roundtrip(&c, &e.build_inquiry(&TransactionRef::Tid(tid.clone())).unwrap()).await);
    assert_eq!((before.status, before.reason), (Status::Failed, Reason::NotRefunded));

    let (otp, otp_ref_id) = get_otp(&c, &e, &tid).await;
    assert_eq!(sb.otp_for(&tid).as_deref(), Some(otp.as_str()));
    let refund = e.build_initiate_refund(&RefundRequest::new(&tid, &otp).otp_ref_id(&otp_ref_id)).unwrap();
    let response = roundtrip(&c, &refund).await;
    assert!(response.header("date").is_some_and(|d| d.ends_with(" GMT")));
    let o = eko::interpret_initiate_refund(&response);
    assert_eq!((o.status, o.reason), (Status::Succeeded, Reason::Refunded), "{o:?}");
    let details = o.refund.unwrap();
    assert_eq!(details.original_amount.unwrap().paise(), fixture.amount_paise);
    assert_eq!(details.original_id.as_deref(), Some(tid.as_str()));
    let refund_tid = details.refund_id.unwrap();

    // The inquiry reflects the ledger, by tid and by client_ref_id.
    for r in [TransactionRef::Tid(tid.clone()), TransactionRef::ClientRefId(fixture.client_ref_id.clone())] {
        let i = eko::interpret_inquiry(&roundtrip(&c, &e.build_inquiry(&r).unwrap()).await);
        assert_eq!((i.status, i.reason), (Status::Succeeded, Reason::Refunded), "{r:?}");
    }
    let ledger = sb.ledger();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].provider, Provider::Eko);
    assert_eq!(ledger[0].reference, tid);
    assert_eq!(ledger[0].provider_refund_id, refund_tid);
    assert_eq!(
        (ledger[0].state, ledger[0].money_moved, ledger[0].amount_paise),
        (RefundState::Succeeded, 1, fixture.amount_paise)
    );
    assert_eq!(sb.otp_for(&tid), None, "the OTP is used up");
}

#[tokio::test]
async fn refunding_twice_never_moves_money_twice() {
    let sb = start().await;
    let c = client();
    let e = eko(&sb);
    let t = sb.create_eko_transaction(123_400, None).unwrap();
    let (otp, r) = get_otp(&c, &e, &t.tid).await;
    let req = e.build_initiate_refund(&RefundRequest::new(&t.tid, &otp).otp_ref_id(&r)).unwrap();
    assert_eq!(eko::interpret_initiate_refund(&roundtrip(&c, &req).await).status, Status::Succeeded);
    let again = e.build_initiate_refund(&RefundRequest::new(&t.tid, &otp).otp_ref_id(&r)).unwrap();
    let o = eko::interpret_initiate_refund(&roundtrip(&c, &again).await);
    assert_eq!((o.status, o.reason, o.next_step), (Status::Indeterminate, Reason::AlreadyRefunded, NextStep::Inquire));
    // The OTP call for a refunded tid says so too.
    let otp_again = eko::interpret_refund_otp(&roundtrip(&c, &e.build_refund_otp(&t.tid).unwrap()).await);
    assert_eq!((otp_again.status, otp_again.reason), (Status::Failed, Reason::AlreadyRefunded));
    let ledger = sb.ledger();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].money_moved, 1);
}

#[tokio::test]
async fn wrong_then_right_otp() {
    let sb = start().await;
    let c = client();
    let e = eko(&sb);
    let t = sb.create_eko_transaction(50_000, Some("9876543210")).unwrap();
    let (otp, r) = get_otp(&c, &e, &t.tid).await;
    let wrong = if otp == "111111" { "222222" } else { "111111" };
    let o = eko::interpret_initiate_refund(
        &roundtrip(&c, &e.build_initiate_refund(&RefundRequest::new(&t.tid, wrong).otp_ref_id(&r)).unwrap()).await,
    );
    assert_eq!((o.status, o.reason, o.next_step), (Status::Failed, Reason::OtpInvalid, NextStep::ReenterOtp));
    assert!(sb.ledger().is_empty());
    let o = eko::interpret_initiate_refund(
        &roundtrip(&c, &e.build_initiate_refund(&RefundRequest::new(&t.tid, &otp).otp_ref_id(&r)).unwrap()).await,
    );
    assert_eq!(o.status, Status::Succeeded);
}

#[tokio::test]
async fn expired_otp() {
    let sb = start_with(SandboxConfig { eko_otp_ttl_ms: 1, ..SandboxConfig::default() }).await;
    let c = client();
    let e = eko(&sb);
    let tid = sb.fixtures().eko[0].tid.clone();
    let (otp, r) = get_otp(&c, &e, &tid).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let o = eko::interpret_initiate_refund(
        &roundtrip(&c, &e.build_initiate_refund(&RefundRequest::new(&tid, &otp).otp_ref_id(&r)).unwrap()).await,
    );
    assert_eq!((o.status, o.reason, o.next_step), (Status::Failed, Reason::OtpExpired, NextStep::RequestNewOtp));
    assert!(sb.ledger().is_empty());
}

#[tokio::test]
async fn unknown_tid_and_not_refundable() {
    let sb = start().await;
    let c = client();
    let e = eko(&sb);
    let o = eko::interpret_refund_otp(&roundtrip(&c, &e.build_refund_otp("1234567").unwrap()).await);
    assert_eq!((o.status, o.reason), (Status::Failed, Reason::TransactionNotFound));
    let i =
        eko::interpret_inquiry(&roundtrip(&c, &e.build_inquiry(&TransactionRef::Tid("1234567".into())).unwrap()).await);
    assert_eq!((i.status, i.reason), (Status::Failed, Reason::TransactionNotFound));
    let r = eko::interpret_initiate_refund(
        &roundtrip(&c, &e.build_initiate_refund(&RefundRequest::new("1234567", "123456")).unwrap()).await,
    );
    assert_eq!((r.status, r.reason), (Status::Failed, Reason::TransactionNotFound));
    // The seeded fixture in tx_status 0 (a successful original) cannot be refunded.
    let ok = sb.fixtures().eko.into_iter().find(|t| t.tx_status == 0).unwrap();
    let o = eko::interpret_refund_otp(&roundtrip(&c, &e.build_refund_otp(&ok.tid).unwrap()).await);
    assert_eq!((o.status, o.reason), (Status::Failed, Reason::NotRefundable));
}

#[tokio::test]
async fn authentication_is_enforced_like_eko() {
    let sb = start().await;
    let c = client();
    let tid = sb.fixtures().eko[0].tid.clone();

    // Wrong access key.
    let mut cfg = eko_config(&sb);
    cfg.access_key = refundkit::Secret::new("not-the-access-key");
    let bad = Eko::new(cfg).unwrap();
    let resp = roundtrip(&c, &bad.build_refund_otp(&tid).unwrap()).await;
    assert_eq!(resp.status, 403);
    let o = eko::interpret_refund_otp(&resp);
    assert_eq!((o.status, o.reason), (Status::Failed, Reason::AuthOrClock));

    // Stale timestamp: a signature made 10 minutes ago (beyond the 5-minute window), on a money-moving call.
    let stale = eko_with_clock(&sb, FixedClock(now_ms() - 10 * 60 * 1000));
    let resp = roundtrip(&c, &stale.build_initiate_refund(&RefundRequest::new(&tid, "123456")).unwrap()).await;
    assert_eq!(resp.status, 403);
    let o = eko::interpret_initiate_refund(&resp);
    assert_eq!((o.status, o.reason, o.next_step), (Status::Failed, Reason::AuthOrClock, NextStep::FixConfiguration));

    // A timestamp header changed after signing (the signature no longer matches).
    let mut req = eko(&sb).build_inquiry(&TransactionRef::Tid(tid.clone())).unwrap();
    for h in &mut req.headers {
        if h.name == "secret-key-timestamp" {
            h.value = (h.value.parse::<u64>().unwrap() + 1).to_string();
        }
    }
    let resp = roundtrip(&c, &req).await;
    assert_eq!(resp.status, 403);
    assert_eq!(eko::interpret_inquiry(&resp).reason, Reason::AuthOrClock);

    // Wrong developer_key.
    let mut cfg = eko_config(&sb);
    cfg.developer_key = "0000".into();
    let resp = roundtrip(&c, &Eko::new(cfg).unwrap().build_refund_otp(&tid).unwrap()).await;
    assert_eq!(resp.status, 403);
    assert!(sb.ledger().is_empty());
    assert_eq!(sb.otp_for(&tid), None, "nothing executed");
}

#[tokio::test]
async fn production_prefix_and_pending_refunds() {
    let sb = start().await;
    let c = client();
    let mut cfg = eko_config(&sb);
    cfg.base_url = format!("{}/ekoicici/v3", sb.base_url());
    let e = Eko::new(cfg).unwrap();
    let t = sb.create_eko_transaction(99_900, Some("9123456780")).unwrap();
    let list = eko::interpret_pending_refunds(&roundtrip(&c, &e.build_pending_refunds("9123456780").unwrap()).await);
    assert!(list.listed);
    assert_eq!(list.transactions.len(), 1);
    assert_eq!(list.transactions[0].tid, t.tid);
    assert_eq!(list.transactions[0].amount.unwrap().paise(), 99_900);
    let (otp, r) = get_otp(&c, &e, &t.tid).await;
    let o = eko::interpret_initiate_refund(
        &roundtrip(&c, &e.build_initiate_refund(&RefundRequest::new(&t.tid, &otp).otp_ref_id(&r)).unwrap()).await,
    );
    assert_eq!(o.status, Status::Succeeded);
    let list = eko::interpret_pending_refunds(&roundtrip(&c, &e.build_pending_refunds("9123456780").unwrap()).await);
    assert!(list.transactions.is_empty());
}

#[tokio::test]
async fn legacy_form_api_v1() {
    let sb = start().await;
    let c = client();
    let mut cfg = eko_config(&sb);
    cfg.base_url = format!("{}/ekoapi/v1", sb.base_url());
    cfg.flavour = refundkit::eko::ApiFlavour::LegacyForm;
    let e = Eko::new(cfg).unwrap();
    let t = sb.create_eko_transaction(20_000, None).unwrap();
    let (otp, r) = get_otp(&c, &e, &t.tid).await;
    // The legacy form has no otp_ref_id field: refundkit refuses it rather than dropping it silently.
    let refused = e.build_initiate_refund(&RefundRequest::new(&t.tid, &otp).otp_ref_id(&r)).unwrap_err();
    assert!(matches!(refused, refundkit::Error::InvalidInput { field: "otp_ref_id", .. }), "{refused:?}");
    let req = e.build_initiate_refund(&RefundRequest::new(&t.tid, &otp)).unwrap();
    assert_eq!(req.header("content-type"), Some("application/x-www-form-urlencoded"));
    let o = eko::interpret_initiate_refund(&roundtrip(&c, &req).await);
    assert_eq!((o.status, o.reason), (Status::Succeeded, Reason::Refunded), "{o:?}");
    for r in [TransactionRef::Tid(t.tid.clone()), TransactionRef::ClientRefId(t.client_ref_id.clone())] {
        let i = eko::interpret_inquiry(&roundtrip(&c, &e.build_inquiry(&r).unwrap()).await);
        assert_eq!((i.status, i.reason), (Status::Succeeded, Reason::Refunded), "{r:?}");
    }
    assert_eq!(sb.ledger().len(), 1);
}
