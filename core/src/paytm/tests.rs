//! Unit tests of the Paytm client: configuration, validation, wire assembly, interpretation, webhooks.

use super::*;
use crate::clock::FixedClock;
use crate::crypto::json::raw_object_member;
use crate::outcome::{NextStep, Reason, Status};
use crate::random::FixedRandom;

const MID: &str = "INTEGR7769XXXXXX9383";
const KEY: &str = "Test&Key#12345$@";
const TXN: &str = "202005081112128XXXXXX68470101509706";
const V2_SIG: &str =
    "UdhLKPGGK21DhC6RrCWN7IwlJab2jHyjdSPnwsPBMod04Q+AUqadsT5XOQb5o6JO2DI66MTT4ZNr+ZX/Le3fhvzoN0xgCxW3nDbxRTdlxD4=";
/// FixedRandom bytes that map to the salt "Xy9Z" (vector V2).
const SALT_XY9Z: [u8; 4] = [23, 50, 61, 25];

fn client_with(config: PaytmConfig) -> Paytm<FixedClock, FixedRandom> {
    Paytm::with_sources(config, FixedClock(1_700_000_000_000), FixedRandom(SALT_XY9Z.to_vec())).unwrap()
}

fn client() -> Paytm<FixedClock, FixedRandom> {
    client_with(PaytmConfig::staging(MID, KEY))
}

fn apply() -> RefundApply {
    RefundApply::new("OREDRID_98765", "REFUNDID_98765", TXN, Money::from_paise(100))
}

fn err_field(r: Result<HttpRequest, Error>) -> &'static str {
    match r {
        Err(Error::InvalidInput { field, .. }) => field,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn apply_reproduces_vector_v2_and_the_envelope_is_body_first() {
    let r = client().build_refund_apply(&apply()).unwrap();
    assert_eq!(r.method, HttpMethod::Post);
    assert_eq!(r.url, "https://securestage.paytmpayments.com/refund/apply");
    assert_eq!(r.headers, vec![Header::new("content-type", "application/json")]);
    let v2_body = r#"{"mid":"INTEGR7769XXXXXX9383","txnType":"REFUND","orderId":"OREDRID_98765","txnId":"202005081112128XXXXXX68470101509706","refId":"REFUNDID_98765","refundAmount":"1.00"}"#;
    assert_eq!(r.body_text(), format!(r#"{{"body":{v2_body},"head":{{"signature":"{V2_SIG}"}}}}"#));
}

#[test]
fn signature_on_the_wire_verifies_over_the_exact_body_substring() {
    let mut config = PaytmConfig::staging(MID, KEY);
    config.client_id = Some("C11".into());
    config.head = HeadFields {
        version: Some("v1".into()),
        channel_id: Some("WEB".into()),
        request_timestamp: true,
        token_type_checksum: true,
    };
    let paytm = Paytm::with_sources(config, FixedClock(1_700_000_000_123), crate::random::OsRandom).unwrap();
    let a = apply().comments("Refund \"quoted\" {braces} é/\\ ₹").original_amount(Money::from_paise(100));
    for r in [
        paytm.build_refund_apply(&a).unwrap(),
        paytm.build_refund_status(&RefundStatusQuery::new("OREDRID_98765", "REFUNDID_98765")).unwrap(),
    ] {
        let text = r.body_text();
        let body = raw_object_member(text, "body").unwrap();
        assert!(text.starts_with(&format!("{{\"body\":{body},\"head\":")), "{text}");
        let wire: serde_json::Value = serde_json::from_str(text).unwrap();
        let head = &wire["head"];
        assert_eq!(head["clientId"], "C11");
        assert_eq!(head["version"], "v1");
        assert_eq!(head["channelId"], "WEB");
        assert_eq!(head["requestTimestamp"], "1700000000");
        assert_eq!(head["tokenType"], "CHECKSUM");
        let sig = head["signature"].as_str().unwrap();
        assert!(checksum::verify(body, &Secret::new(KEY), sig));
        // Re-serializing the parsed body changes the bytes here (escapes), and the signature no longer holds:
        // the exact substring is what counts.
        let reserialized = serde_json::to_string(&wire["body"]).unwrap();
        assert_eq!(reserialized == body, checksum::verify(&reserialized, &Secret::new(KEY), sig));
    }
}

#[test]
fn status_and_ai_router_paths_and_spelling() {
    let r = client().build_refund_status(&RefundStatusQuery::new("OREDRID_98765", "REFUNDID_98765")).unwrap();
    assert_eq!(r.url, "https://securestage.paytmpayments.com/v2/refund/status");
    assert!(r.body_text().starts_with(r#"{"body":{"mid":"INTEGR7769XXXXXX9383","orderId":"OREDRID_98765","refId":"REFUNDID_98765"},"head":{"signature":""#));
    let mut config = PaytmConfig::new(Environment::Production, Flavour::AiRouter, MID, KEY);
    config.head.request_timestamp = true;
    let ai = client_with(config);
    let r = ai.build_refund_apply(&apply()).unwrap();
    assert_eq!(r.url, "https://router.paytm.in/aoa-refund-service/refund/apply");
    assert!(r.body_text().contains(r#""requestTimeStamp":"1700000000""#));
    assert!(!r.body_text().contains("requestTimestamp"));
    let q = RefundStatusQuery { order_id: "O1".into(), ref_id: Some("R1".into()), refund_id: Some("123455".into()) };
    let r = ai.build_refund_status(&q).unwrap();
    assert_eq!(r.url, "https://router.paytm.in/aoa-refund-service/refund/query");
    assert!(r
        .body_text()
        .starts_with(r#"{"body":{"mid":"INTEGR7769XXXXXX9383","orderId":"O1","refId":"R1","refundId":"123455"}"#));
    assert!(ai.build_refund_status(&RefundStatusQuery::by_refund_id("O1", "123455")).is_ok());
    assert_eq!(PaytmConfig::production(MID, KEY).base_url, PG_PRODUCTION_BASE_URL);
}

#[test]
fn every_validation_rule_rejects_bad_input_naming_the_field() {
    let c = client();
    let with = |f: &dyn Fn(&mut RefundApply)| {
        let mut a = apply();
        f(&mut a);
        c.build_refund_apply(&a)
    };
    // orderId
    assert_eq!(err_field(with(&|a| a.order_id = String::new())), "orderId");
    assert_eq!(err_field(with(&|a| a.order_id = "O".repeat(51))), "orderId");
    assert_eq!(err_field(with(&|a| a.order_id = "ORD 1".into())), "orderId");
    assert_eq!(err_field(with(&|a| a.order_id = "ORD#1".into())), "orderId");
    assert!(with(&|a| a.order_id = format!("{}@-_.", "O".repeat(46))).is_ok());
    // refId
    assert_eq!(err_field(with(&|a| a.ref_id = String::new())), "refId");
    assert_eq!(err_field(with(&|a| a.ref_id = "R".repeat(51))), "refId");
    assert_eq!(err_field(with(&|a| a.ref_id = "REF/1".into())), "refId");
    assert_eq!(err_field(with(&|a| a.ref_id = "REFé".into())), "refId");
    assert!(with(&|a| a.ref_id = "R".repeat(50)).is_ok());
    // txnId
    assert_eq!(err_field(with(&|a| a.txn_id = String::new())), "txnId");
    assert_eq!(err_field(with(&|a| a.txn_id = "1".repeat(65))), "txnId");
    assert_eq!(err_field(with(&|a| a.txn_id = "123-456".into())), "txnId");
    assert!(with(&|a| a.txn_id = "1".repeat(64)).is_ok());
    // refundAmount
    assert_eq!(err_field(with(&|a| a.refund_amount = Money::ZERO)), "refundAmount");
    assert_eq!(err_field(with(&|a| a.refund_amount = Money::from_paise(-100))), "refundAmount");
    assert_eq!(err_field(with(&|a| a.refund_amount = Money::from_paise(99))), "refundAmount");
    assert_eq!(
        err_field(with(&|a| {
            a.refund_amount = Money::from_paise(50);
            a.original_amount = Some(Money::from_paise(80));
        })),
        "refundAmount"
    );
    assert_eq!(
        err_field(with(&|a| {
            a.refund_amount = Money::from_paise(1001);
            a.original_amount = Some(Money::from_paise(1000));
        })),
        "refundAmount"
    );
    assert_eq!(err_field(with(&|a| a.original_amount = Some(Money::ZERO))), "originalAmount");
    // A full refund under ₹1 is fine when the original amount says it is full; ₹1 partial is fine.
    let r = with(&|a| {
        a.refund_amount = Money::from_paise(50);
        a.original_amount = Some(Money::from_paise(50));
    })
    .unwrap();
    assert!(r.body_text().contains(r#""refundAmount":"0.50""#));
    assert!(with(&|a| a.original_amount = Some(Money::from_paise(100_000))).is_ok());
    // comments
    assert_eq!(err_field(with(&|a| a.comments = Some("c".repeat(51)))), "comments");
    assert_eq!(err_field(with(&|a| a.comments = Some(String::new()))), "comments");
    assert_eq!(err_field(with(&|a| a.comments = Some("line\nbreak".into()))), "comments");
    assert!(with(&|a| a.comments = Some("₹".repeat(50))).is_ok());
    let mut config = PaytmConfig::staging(MID, KEY);
    config.comments_max_len = 255;
    let mut long = apply();
    long.comments = Some("c".repeat(255));
    assert!(client_with(config).build_refund_apply(&long).is_ok());
    // status query
    let q = |o: &str, r: Option<&str>, id: Option<&str>| RefundStatusQuery {
        order_id: o.into(),
        ref_id: r.map(Into::into),
        refund_id: id.map(Into::into),
    };
    assert_eq!(err_field(c.build_refund_status(&q("", Some("R"), None))), "orderId");
    assert_eq!(err_field(c.build_refund_status(&q("O", Some("R R"), None))), "refId");
    assert_eq!(err_field(c.build_refund_status(&q("O", None, None))), "refId");
    assert_eq!(err_field(c.build_refund_status(&q("O", None, Some("123")))), "refId");
    assert_eq!(err_field(c.build_refund_status(&q("O", Some("R"), Some("123")))), "refundId");
    let ai = client_with(PaytmConfig::new(Environment::Staging, Flavour::AiRouter, MID, KEY));
    assert_eq!(err_field(ai.build_refund_status(&q("O", None, None))), "refId");
    assert_eq!(err_field(ai.build_refund_status(&q("O", None, Some("12-3")))), "refundId");
    assert_eq!(err_field(ai.build_refund_status(&q("O", None, Some(&"1".repeat(65))))), "refundId");
}

#[test]
fn ids_are_sent_verbatim() {
    let mut a = apply();
    a.order_id = "Order@1-2_3.4".into();
    a.ref_id = "ref.1@x_y-z".into();
    let r = client().build_refund_apply(&a).unwrap();
    assert!(r.body_text().contains(r#""orderId":"Order@1-2_3.4""#));
    assert!(r.body_text().contains(r#""refId":"ref.1@x_y-z""#));
}

fn config_error(config: PaytmConfig) -> &'static str {
    match Paytm::new(config) {
        Err(Error::Configuration { field, .. }) => field,
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn configuration_is_validated_naming_the_field() {
    let base = || PaytmConfig::staging(MID, KEY);
    let mut c = base();
    c.mid = String::new();
    assert_eq!(config_error(c), "mid");
    let mut c = base();
    c.mid = "M".repeat(21);
    assert_eq!(config_error(c), "mid");
    let mut c = base();
    c.mid = "MID-1".into();
    assert_eq!(config_error(c), "mid");
    // An empty key is delegated signing: accepted here, reported by `build_*`.
    let mut c = base();
    c.merchant_key = Secret::new("");
    let delegated = Paytm::new(c).unwrap();
    let e = delegated.build_refund_status(&RefundStatusQuery::new("ORDER1", "REF1")).unwrap_err();
    assert_eq!(e.field(), Some("merchant_key"));
    for bad_key in ["short", "Test&Key#12345$@X", "Test&Key#12345$", &"k".repeat(64)] {
        let mut c = base();
        c.merchant_key = Secret::new(bad_key);
        assert_eq!(config_error(c), "merchant_key", "{bad_key:?}");
    }
    for good_key in ["k".repeat(24), "k".repeat(32)] {
        let mut c = base();
        c.merchant_key = Secret::new(good_key);
        assert!(Paytm::new(c).is_ok());
    }
    let mut c = PaytmConfig::staging("ABCDEFGHIJKLMNOP", "ABCDEFGHIJKLMNOP");
    c.mid = "ABCDEFGHIJKLMNOP".into();
    assert_eq!(config_error(c), "merchant_key");
    let mut c = base();
    c.base_url = "http://securestage.paytmpayments.com".into();
    assert_eq!(config_error(c), "base_url");
    let mut c = base();
    c.client_id = Some("C 11".into());
    assert_eq!(config_error(c), "client_id");
    let mut c = base();
    c.head.version = Some(String::new());
    assert_eq!(config_error(c), "version");
    let mut c = base();
    c.head.channel_id = Some("W\"B".into());
    assert_eq!(config_error(c), "channel_id");
    let mut c = base();
    c.comments_max_len = 0;
    assert_eq!(config_error(c), "comments_max_len");
    let mut c = base();
    c.base_url = format!("{PG_LEGACY_STAGING_BASE_URL}/");
    let r = client_with(c).build_refund_apply(&apply()).unwrap();
    assert_eq!(r.url, "https://securegw-stage.paytm.in/refund/apply");
    // The key never appears in Debug output.
    assert!(!format!("{:?}", client()).contains("Test&Key"));
}

fn signed_envelope(body: &str) -> String {
    let sig = checksum::checksum(body, &Secret::new(KEY), "aB3d").unwrap();
    format!(r#"{{"head":{{"responseTimestamp":"1700000000000","signature":"{sig}","version":"v1"}},"body":{body}}}"#)
}

fn resp(body: &str) -> HttpResponse {
    HttpResponse::new(200, body)
}

#[test]
fn signed_responses_are_trusted_and_tampered_ones_are_not() {
    let body = r#"{"txnTimestamp":"2019-09-02 12:31:49.0","orderId":"OREDRID_98765","mid":"INTEGR7769XXXXXX9383","refId":"REFUNDID_98765","resultInfo":{"resultStatus":"PENDING","resultCode":"601","resultMsg":"Refund request was raised for this transaction. But it is pending state"},"refundId":"PAYTM_REFUND_ID","txnId":"TXN1","refundAmount":"1.00"}"#;
    let good = signed_envelope(body);
    let o = client().interpret_refund_apply(&resp(&good));
    assert_eq!((o.status, o.reason, o.next_step), (Status::Pending, Reason::InProgress, NextStep::PollLater));
    assert_eq!(o.raw.code("signature"), Some("valid"));
    let refund = o.refund.unwrap();
    assert_eq!(refund.refund_id.as_deref(), Some("PAYTM_REFUND_ID"));
    assert_eq!(refund.refunded_amount, Some(Money::from_paise(100)));
    // Tampered amount after signing.
    let o = client().interpret_refund_apply(&resp(&good.replace("\"1.00\"", "\"9.00\"")));
    assert_eq!((o.status, o.reason, o.next_step), (Status::Indeterminate, Reason::SignatureInvalid, NextStep::Inquire));
    assert!(o.refund.is_none(), "untrusted details must not be reported");
    // Re-spaced body: same JSON value, different bytes.
    let o = client().interpret_refund_apply(&resp(&good.replace(r#""mid":"#, r#""mid": "#)));
    assert_eq!(o.reason, Reason::SignatureInvalid);
    // Whitespace around the body object does not matter; its inner bytes do.
    let spaced = good.replace(r#""body":{"#, "\"body\" :\n {");
    assert_eq!(client().interpret_refund_apply(&resp(&spaced)).status, Status::Pending);
    // Unsigned answers are untrusted by default...
    let unsigned = format!(r#"{{"head":{{}},"body":{body}}}"#);
    let o = client().interpret_refund_apply(&resp(&unsigned));
    assert_eq!(
        (o.status, o.reason, o.next_step),
        (Status::Indeterminate, Reason::UntrustedResponse, NextStep::Inquire)
    );
    assert_eq!(o.raw.code("signature"), Some("absent"));
    assert!(o.refund.is_none(), "untrusted details must not be reported");
    // ... and read, with a warning, only when the dangerous option says so.
    let mut config = PaytmConfig::staging(MID, KEY);
    config.dangerously_accept_unsigned_responses = true;
    let o = client_with(config).interpret_refund_apply(&resp(&unsigned));
    assert_eq!(o.status, Status::Pending);
    assert!(o.warnings.iter().any(|w| w.contains("no signature")));
}

const FORGED_SUCCESS: &str =
    r#"{"head":{"signature":"WRONG","x":"\q"},"body":{"resultInfo":{"resultStatus":"TXN_SUCCESS","resultCode":"10"}}}"#;

#[test]
fn forged_verdicts_with_an_unparseable_head_are_never_final() {
    let c = client();
    let deep_head = format!(
        r#"{{"head":{{"signature":"WRONG","x":{}1{}}},"body":{{"resultInfo":{{"resultStatus":"TXN_SUCCESS","resultCode":"10"}}}}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    let surrogate = FORGED_SUCCESS.replace("\\q", "\\ud800");
    let failure = FORGED_SUCCESS.replace("TXN_SUCCESS", "TXN_FAILURE").replace("\"10\"", "\"600\"");
    let dup = r#"{"head":{"signature":"WRONG","signature":""},"body":{"resultInfo":{"resultStatus":"TXN_SUCCESS","resultCode":"10"}}}"#;
    for forged in [FORGED_SUCCESS, &deep_head, &surrogate, &failure, dup] {
        for o in
            [c.interpret_refund_status(&resp(forged), PriorApply::Unknown), c.interpret_refund_apply(&resp(forged))]
        {
            assert_eq!((o.status, o.reason), (Status::Indeterminate, Reason::UnreadableResponse), "{forged}");
        }
        // Even when unsigned answers are accepted, an unreadable one is not read.
        let mut config = PaytmConfig::staging(MID, KEY);
        config.dangerously_accept_unsigned_responses = true;
        let o = client_with(config).interpret_refund_status(&resp(forged), PriorApply::Unknown);
        assert!(!o.is_final(), "{forged}");
    }
    // Unsigned, well-formed verdicts are not final either.
    for body in [
        r#"{"resultInfo":{"resultStatus":"TXN_SUCCESS","resultCode":"10"}}"#,
        r#"{"resultInfo":{"resultStatus":"TXN_FAILURE","resultCode":"600"}}"#,
        r#"{"resultInfo":{"resultStatus":"TXN_FAILURE","resultCode":"620"}}"#,
    ] {
        for head in [r#"{}"#, r#"{"signature":""}"#, r#"{"signature":null}"#] {
            let doc = format!(r#"{{"head":{head},"body":{body}}}"#);
            let o = c.interpret_refund_status(&resp(&doc), PriorApply::Unknown);
            assert_eq!((o.status, o.reason), (Status::Indeterminate, Reason::UntrustedResponse), "{doc}");
        }
        let doc = format!(r#"{{"body":{body}}}"#);
        assert_eq!(c.interpret_refund_apply(&resp(&doc)).status, Status::Indeterminate);
    }
}

#[test]
fn unsigned_330_and_335_keep_their_configuration_hint_without_a_verdict() {
    let c = client();
    let r330 = r#"{"head":{},"body":{"resultInfo":{"resultStatus":"TXN_FAILURE","resultCode":"330","resultMsg":"Paytm checksum mismatch."}}}"#;
    for o in [c.interpret_refund_apply(&resp(r330)), c.interpret_refund_status(&resp(r330), PriorApply::Unknown)] {
        assert_eq!(
            (o.status, o.reason, o.next_step),
            (Status::Indeterminate, Reason::SignatureInvalid, NextStep::FixConfiguration)
        );
    }
    let r335 = r330.replace("330", "335").replace("Paytm checksum mismatch.", "Mid is invalid");
    for o in [c.interpret_refund_apply(&resp(&r335)), c.interpret_refund_status(&resp(&r335), PriorApply::Unknown)] {
        assert_eq!(
            (o.status, o.reason, o.next_step),
            (Status::Indeterminate, Reason::Configuration, NextStep::FixConfiguration)
        );
    }
    // Signed, 330 on apply is the spec's Failed(SignatureInvalid).
    let signed = signed_envelope(r#"{"resultInfo":{"resultStatus":"TXN_FAILURE","resultCode":"330"}}"#);
    assert_eq!(c.interpret_refund_apply(&resp(&signed)).status, Status::Failed);
}

#[test]
fn only_http_200_gives_a_verdict() {
    let signed = signed_envelope(r#"{"resultInfo":{"resultStatus":"TXN_SUCCESS","resultCode":"10"}}"#);
    for status in [100, 199, 201, 204, 299, 300, 302, 304, 400, 401, 403, 404, 422, 499, 500, 600, 999] {
        let o = client().interpret_refund_status(&HttpResponse::new(status, signed.as_str()), PriorApply::Unknown);
        assert_eq!(o.status, Status::Indeterminate, "HTTP {status}");
    }
    let o = client().interpret_refund_status(&resp(&signed), PriorApply::Unknown);
    assert_eq!(o.status, Status::Succeeded);
}

#[test]
fn a_broken_clock_never_signs_a_timestamp_nor_extends_the_631_grace_period() {
    let mut config = PaytmConfig::staging(MID, KEY);
    config.head.request_timestamp = true;
    let broken = Paytm::with_sources(config.clone(), FixedClock(0), FixedRandom(SALT_XY9Z.to_vec())).unwrap();
    assert_eq!(broken.build_refund_apply(&apply()).unwrap_err().field(), Some("clock"));
    let working = client_with(config);
    assert!(working.build_refund_apply(&apply()).unwrap().body_text().contains(r#""requestTimestamp":"1700000000""#));
    // Without the head timestamp the clock is not needed to build.
    let no_ts = Paytm::with_sources(PaytmConfig::staging(MID, KEY), FixedClock(0), FixedRandom(vec![1])).unwrap();
    assert!(no_ts.build_refund_apply(&apply()).is_ok());
    let body = r#"{"resultInfo":{"resultStatus":"TXN_FAILURE","resultCode":"631","resultMsg":"Record not found"}}"#;
    let o = no_ts.interpret_refund_status(&resp(&signed_envelope(body)), PriorApply::AcceptedAt(1_700_000_000_000));
    assert_eq!((o.status, o.next_step), (Status::Indeterminate, NextStep::Inquire), "{o:?}");
}

#[test]
fn status_631_depends_on_what_is_known_about_the_apply() {
    let body = r#"{"resultInfo":{"resultStatus":"TXN_FAILURE","resultCode":"631","resultMsg":"Record not found"}}"#;
    let r = resp(&signed_envelope(body));
    let c = client(); // clock at 1_700_000_000_000
    let o = c.interpret_refund_status(&r, PriorApply::Unknown);
    assert_eq!((o.status, o.next_step), (Status::Indeterminate, NextStep::ResendSameReference));
    let o = c.interpret_refund_status(&r, PriorApply::AcceptedAt(1_700_000_000_000 - 60_000));
    assert_eq!((o.status, o.next_step), (Status::Pending, NextStep::PollLater));
    let o = c.interpret_refund_status(&r, PriorApply::AcceptedAt(1_700_000_000_000 - 31 * 60_000));
    assert_eq!((o.status, o.next_step), (Status::Indeterminate, NextStep::Inquire));
    assert!(o.warnings.iter().any(|w| w.contains("escalate")));
    assert_eq!(c.interpret(Operation::RefundStatus, &r).next_step, NextStep::ResendSameReference);
    assert!(Operation::RefundApply.moves_money() && !Operation::RefundStatus.moves_money());
}

#[test]
fn refund_status_details_and_both_total_spellings() {
    let body = r#"{"orderId":"O1","mid":"INTEGR7769XXXXXX9383","refId":"R1","refundId":"RF1","txnId":"T1","txnAmount":"10.00","refundAmount":"2.50","totalrefundAmount":"5.00","userCreditInitiateTimestamp":"2020-05-02 12:24:25.0","refundDetailInfoList":[{"refundType":"TO_SOURCE","payMethod":"UPI","refundAmount":"2.50","rrn":"123456789012"}],"gatewayResultInfo":{"resultCode":"01"},"resultInfo":{"resultStatus":"TXN_SUCCESS","resultCode":"10","resultMsg":"Refund Successfull"}}"#;
    let o = client().interpret_refund_status(&resp(&signed_envelope(body)), PriorApply::Unknown);
    assert_eq!((o.status, o.reason), (Status::Succeeded, Reason::Refunded));
    assert_eq!(o.raw.code("totalRefundAmount"), Some("5.00"));
    assert_eq!(o.raw.code("refundDetailInfoList[0].payMethod"), Some("UPI"));
    assert_eq!(o.raw.code("refundDetailInfoList[0].rrn"), Some("123456789012"));
    assert_eq!(o.raw.code("gatewayResultInfo.resultCode"), Some("01"));
    let refund = o.refund.unwrap();
    assert_eq!(refund.original_amount, Some(Money::from_paise(1000)));
    assert_eq!(refund.refunded_amount, Some(Money::from_paise(250)));
    assert_eq!(refund.original_id.as_deref(), Some("T1"));
    assert_eq!(refund.completed_at.as_deref(), Some("2020-05-02 12:24:25.0"));
    assert_eq!(o.raw.message.as_deref(), Some("Refund Successfull"));
}

#[test]
fn webhooks_verify_before_parsing() {
    let c = client();
    let body = r#"{"mid":"INTEGR7769XXXXXX9383","orderId":"O1","refId":"R1","refundId":"RF1","txnId":"T1","refundAmount":"2.50","status":"SUCCESS","acceptRefundTimestamp":"2024-01-01 10:00:00"}"#;
    let ev = c.parse_accept_refund_webhook(signed_envelope(body).as_bytes()).unwrap();
    assert!(ev.accepted);
    assert_eq!(ev.refund_amount, Some(Money::from_paise(250)));
    let tampered = signed_envelope(body).replace("2.50", "25.0");
    assert_eq!(c.parse_accept_refund_webhook(tampered.as_bytes()), Err(WebhookError::SignatureInvalid));
    let unsigned = format!(r#"{{"head":{{}},"body":{body}}}"#);
    assert_eq!(c.parse_accept_refund_webhook(unsigned.as_bytes()), Err(WebhookError::SignatureMissing));
    assert_eq!(c.parse_accept_refund_webhook(b"not json"), Err(WebhookError::Unreadable));
    // Strict JSON: a forged head next to a valid signed body, duplicate keys, bad escapes are unreadable.
    let good = signed_envelope(body);
    for broken in [
        good.replacen(r#""version":"v1""#, r#""version":"\q""#, 1),
        good.replacen(r#""version":"v1""#, r#""version":"v1","version":"v2""#, 1),
        good.replacen(r#""status":"SUCCESS""#, r#""status":"SUCCESS","status":"FAILED""#, 1),
        good.replacen(r#""version":"v1""#, r#""version":"\ud800""#, 1),
    ] {
        assert_eq!(c.parse_accept_refund_webhook(broken.as_bytes()), Err(WebhookError::Unreadable), "{broken}");
        assert_eq!(c.parse_success_refund_webhook(broken.as_bytes()).unwrap_err(), WebhookError::Unreadable);
    }
    let other_mid = body.replace(MID, "OTHERMID");
    assert_eq!(c.parse_accept_refund_webhook(signed_envelope(&other_mid).as_bytes()), Err(WebhookError::MidMismatch));
}

#[test]
fn refund_arn_json_form_refuses_duplicate_keys() {
    let c = client();
    let params = r#"{"MID":"INTEGR7769XXXXXX9383","ORDERID":"O1","ARN":"1","ARN":"2","CHECKSUMHASH":"x"}"#;
    assert_eq!(c.parse_refund_arn_webhook(params.as_bytes()).unwrap_err(), WebhookError::Unreadable);
    let form = "MID=INTEGR7769XXXXXX9383&ORDERID=O1&ARN=1&ARN=2&CHECKSUMHASH=x";
    assert_eq!(c.parse_refund_arn_webhook(form.as_bytes()).unwrap_err(), WebhookError::Unreadable);
}
