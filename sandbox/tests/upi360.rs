//! UPI Refund 360 flows against the sandbox: refundkit's Upi360 builders (PSS and JWS modes) and interpreters,
//! including the PSP response signature the interpreter verifies.

mod common;

use common::*;
use refundkit::upi360::{PlainStrategy, RefundRequest, RefundType, SigningMode, StatusRequest, Upi360};
use refundkit::{Clock, FixedClock, Money, NextStep, Reason, Secret, Status, SystemClock};
use refundkit_sandbox::{RefundState, Sandbox, SandboxConfig, TEST_PSP_PRIVATE_KEY_PEM};

fn refund_for(sb: &Sandbox, index: usize, id: &str, paise: i64) -> RefundRequest {
    let t = &sb.fixtures().upi360[index];
    RefundRequest::new(id, Money::from_paise(paise), RefundType::Online, "Customer refund")
        .original_upi_request_id(&t.original_upi_request_id)
        .merchant_refund_vpa("refunds@sandbox")
}

async fn refund<C: Clock>(c: &reqwest::Client, u: &Upi360<C>, r: &RefundRequest) -> refundkit::Outcome {
    u.interpret_refund(r, &roundtrip(c, &u.build_refund(r).unwrap()).await)
}

async fn status<C: Clock>(c: &reqwest::Client, u: &Upi360<C>, r: &RefundRequest) -> refundkit::Outcome {
    let s = StatusRequest::for_refund(r);
    u.interpret_refund_status(&s, &roundtrip(c, &u.build_refund_status(&s).unwrap()).await)
}

async fn happy_path(signing: SigningMode) {
    let sb = start().await;
    let c = client();
    let u = upi_with_clock(&sb, signing, SystemClock);
    let r = refund_for(&sb, 0, "RFHAPPY1", 1_000);
    let o = refund(&c, &u, &r).await;
    assert_eq!(o.status, Status::Pending, "{o:?}");
    assert!(matches!(o.reason, Reason::InProgress | Reason::Deemed), "{o:?}");
    let first_reason = o.reason;
    for _ in 0..2 {
        let s = status(&c, &u, &r).await;
        assert_eq!((s.status, s.reason), (Status::Pending, first_reason), "{s:?}");
    }
    let s = status(&c, &u, &r).await;
    assert_eq!((s.status, s.reason), (Status::Succeeded, Reason::Refunded), "{s:?}");
    let ledger = sb.ledger();
    assert_eq!(ledger.len(), 1);
    assert_eq!((ledger[0].state, ledger[0].money_moved, ledger[0].amount_paise), (RefundState::Succeeded, 1, 1_000));
    assert_eq!(s.refund.unwrap().refund_id.as_deref(), Some(ledger[0].provider_refund_id.as_str()));
}

#[tokio::test]
async fn happy_path_pss_mode() {
    happy_path(pss()).await;
}

#[tokio::test]
async fn happy_path_jws_mode() {
    happy_path(jws()).await;
}

#[tokio::test]
async fn idempotent_on_refund_request_id() {
    let sb = start().await;
    let c = client();
    let u = upi(&sb);
    let r = refund_for(&sb, 1, "RFIDEM1", 2_500);
    let first = refund(&c, &u, &r).await;
    let again = refund(&c, &u, &r).await;
    assert_eq!(first.status, Status::Pending);
    assert_eq!(again.status, Status::Pending);
    assert_eq!(first.refund.unwrap().refund_id, again.refund.unwrap().refund_id);
    let ledger = sb.ledger();
    assert_eq!(ledger.len(), 1, "a repeat never creates a second refund");
    assert_eq!((ledger[0].money_moved, ledger[0].status_polls), (1, 1), "the repeat counts as a status poll");
}

#[tokio::test]
async fn parallel_refund_rejected_and_cumulative_cap() {
    let sb = start().await;
    let c = client();
    let u = upi(&sb);
    let t = sb.create_upi_transaction(10_000).unwrap();
    let make = |id: &str, paise| {
        RefundRequest::new(id, Money::from_paise(paise), RefundType::Offline, "Partial refund")
            .original_merchant_request_id(&t.original_merchant_request_id)
    };
    let a = make("RFPARA", 6_000);
    assert_eq!(refund(&c, &u, &a).await.status, Status::Pending);
    // A second refund on the same original while the first is still open.
    let b = make("RFPARB", 1_000);
    let o = refund(&c, &u, &b).await;
    assert_eq!((o.status, o.reason), (Status::Pending, Reason::AnotherTransactionInProgress), "{o:?}");
    assert_eq!(o.raw.message.as_deref(), Some("Multiple Parallel Refund Request Raised"));
    assert_eq!(sb.ledger().len(), 1);
    // Finish the first one, then exceed the original amount.
    for _ in 0..2 {
        assert_eq!(status(&c, &u, &a).await.status, Status::Pending);
    }
    assert_eq!(status(&c, &u, &a).await.status, Status::Succeeded);
    let over = make("RFOVER", 4_001);
    let o = refund(&c, &u, &over).await;
    assert_eq!((o.status, o.reason), (Status::Failed, Reason::Validation), "{o:?}");
    assert!(o.raw.codes.iter().any(|c| c.value == "FAILURE"));
    let exact = make("RFEXACT", 4_000);
    assert_eq!(refund(&c, &u, &exact).await.status, Status::Pending);
    assert_eq!(sb.ledger().iter().map(|e| e.amount_paise).sum::<i64>(), 10_000);
}

#[tokio::test]
async fn unknown_original_failed_original_and_unknown_refund() {
    let sb = start().await;
    let c = client();
    let u = upi(&sb);
    let r = RefundRequest::new("RFNOORIG", Money::from_paise(100), RefundType::Offline, "x")
        .original_merchant_request_id("NOSUCHORDER");
    let o = refund(&c, &u, &r).await;
    assert_eq!((o.status, o.reason), (Status::Failed, Reason::Validation));
    let failed = sb.fixtures().upi360.into_iter().find(|t| !t.successful).unwrap();
    let r = RefundRequest::new("RFFAILED", Money::from_paise(100), RefundType::Offline, "x")
        .original_upi_request_id(&failed.original_upi_request_id);
    let o = refund(&c, &u, &r).await;
    assert_eq!((o.status, o.reason), (Status::Failed, Reason::NotRefundable));
    let r = refund_for(&sb, 0, "RFNEVER", 100);
    let s = status(&c, &u, &r).await;
    assert_eq!((s.status, s.reason, s.next_step), (Status::Failed, Reason::TransactionNotFound, NextStep::RetryLater));
    assert!(sb.ledger().is_empty());
}

#[tokio::test]
async fn authentication_is_enforced_like_the_psp() {
    let sb = start().await;
    let c = client();
    let r = refund_for(&sb, 0, "RFAUTH", 100);

    // Signed with the wrong private key (PSS).
    let wrong =
        SigningMode::Plain(PlainStrategy::RsaPssSha256 { private_key_pem: Secret::new(TEST_PSP_PRIVATE_KEY_PEM) });
    let u = upi_with_clock(&sb, wrong, SystemClock);
    let resp = roundtrip(&c, &u.build_refund(&r).unwrap()).await;
    assert_eq!(resp.status, 401);
    let o = u.interpret_refund(&r, &resp);
    assert_eq!((o.status, o.reason), (Status::Failed, Reason::AuthOrClock));

    // Wrong key in JWS mode.
    let wrong_jws = SigningMode::Jws { kid: "k".into(), private_key_pem: Secret::new(TEST_PSP_PRIVATE_KEY_PEM) };
    let u = upi_with_clock(&sb, wrong_jws, SystemClock);
    assert_eq!(roundtrip(&c, &u.build_refund(&r).unwrap()).await.status, 401);

    // Stale x-timestamp (31 minutes old): 401 REQUEST_EXPIRED, in both modes.
    for mode in [pss(), jws()] {
        let u = upi_with_clock(&sb, mode, FixedClock(now_ms() - 31 * 60 * 1000));
        let resp = roundtrip(&c, &u.build_refund(&r).unwrap()).await;
        assert_eq!(resp.status, 401);
        assert!(std::str::from_utf8(&resp.body).unwrap().contains("REQUEST_EXPIRED"));
        assert_eq!(u.interpret_refund(&r, &resp).reason, Reason::AuthOrClock);
    }

    // Tampered body: amount changed after signing.
    let u = upi(&sb);
    let mut req = u.build_refund(&r).unwrap();
    req.body = req.body_text().replace("\"1.00\"", "\"9.00\"").into_bytes();
    let resp = roundtrip(&c, &req).await;
    assert_eq!(resp.status, 401);
    assert_eq!(u.interpret_refund(&r, &resp).reason, Reason::AuthOrClock);

    // Unknown merchant.
    let mut cfg = upi_config(&sb, pss());
    cfg.merchant_id = "SOMEONEELSE".into();
    let other = Upi360::new(cfg).unwrap();
    let o = other.interpret_refund(&r, &roundtrip(&c, &other.build_refund(&r).unwrap()).await);
    // An unsigned 400 is never a refund verdict (docs/interpretation.md): it says fix the configuration.
    assert_eq!(
        (o.status, o.reason, o.next_step),
        (Status::Indeterminate, Reason::Configuration, NextStep::FixConfiguration)
    );
    assert!(sb.ledger().is_empty());
}

#[tokio::test]
async fn pending_or_deemed_is_deterministic_by_seed() {
    async fn states(seed: u64) -> Vec<RefundState> {
        let sb = start_with(SandboxConfig { seed, ..SandboxConfig::default() }).await;
        let c = client();
        let u = upi(&sb);
        let mut out = Vec::new();
        for i in 0..9 {
            let t = sb.create_upi_transaction(1_000).unwrap();
            let r = RefundRequest::new(format!("RFDET{i}"), Money::from_paise(100), RefundType::Offline, "x")
                .original_merchant_request_id(&t.original_merchant_request_id);
            let o = refund(&c, &u, &r).await;
            assert_eq!(o.status, Status::Pending);
        }
        for e in sb.ledger() {
            out.push(e.state);
        }
        out
    }
    let a = states(5).await;
    assert_eq!(a, states(5).await);
    assert!(a.contains(&RefundState::Pending) && a.contains(&RefundState::Deemed), "{a:?}");
}

#[tokio::test]
async fn sub_merchant_mode_signs_the_sub_merchant_ids() {
    let sb = start().await;
    let c = client();
    let cfg = upi_config(&sb, pss()).sub_merchant("SUBM1", "SUBCH1");
    let u = Upi360::new(cfg).unwrap();
    let r = refund_for(&sb, 0, "RFSUB1", 300);
    let resp = roundtrip(&c, &u.build_refund(&r).unwrap()).await;
    assert!(std::str::from_utf8(&resp.body).unwrap().contains("\"subMerchantId\":\"SUBM1\""));
    assert_eq!(u.interpret_refund(&r, &resp).status, Status::Pending);
    // The same headers signed as a parent merchant (sub ids left out of the signature input) are refused.
    let parent = upi(&sb);
    let mut req = parent.build_refund(&refund_for(&sb, 1, "RFSUB2", 300)).unwrap();
    req.headers.push(refundkit::Header::new("x-sub-merchant-id", "SUBM1"));
    req.headers.push(refundkit::Header::new("x-sub-merchant-channel-id", "SUBCH1"));
    assert_eq!(roundtrip(&c, &req).await.status, 401);
    assert_eq!(sb.ledger().len(), 1);
}
