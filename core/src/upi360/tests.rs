use super::*;
use crate::clock::FixedClock;
use crate::http::HttpResponse;
use crate::outcome::{NextStep, Reason, Status};

const MERCHANT_PKCS8: &str = include_str!("../../tests/data/upi360_keys/test_only_merchant_private_pkcs8.pem");
const MERCHANT_PKCS1: &str = include_str!("../../tests/data/upi360_keys/test_only_merchant_private_pkcs1.pem");
const MERCHANT_PUBLIC: &str = include_str!("../../tests/data/upi360_keys/test_only_merchant_public_spki.pem");
const MERCHANT_PUBLIC_PKCS1: &str = include_str!("../../tests/data/upi360_keys/test_only_merchant_public_pkcs1.pem");
const PSP_PRIVATE: &str = include_str!("../../tests/data/upi360_keys/test_only_psp_private_pkcs8.pem");
const PSP_PUBLIC: &str = include_str!("../../tests/data/upi360_keys/test_only_psp_public_spki.pem");

const UPI_ID: &str = "YJP1234567890ABCDEFGHIJKLMNOPQRSTUV";

fn pss_config() -> Upi360Config {
    Upi360Config::new(
        "https://api.beta.yesbank.upi.juspay.in",
        "n2",
        "MERCHANT1",
        "CHANNEL1",
        SigningMode::Plain(PlainStrategy::RsaPssSha256 { private_key_pem: Secret::new(MERCHANT_PKCS8) }),
        ResponseVerification::verify(PSP_PUBLIC),
    )
}

fn client(config: Upi360Config) -> Upi360<FixedClock> {
    Upi360::with_clock(config, FixedClock(1_735_689_600_000)).unwrap()
}

fn online() -> RefundRequest {
    RefundRequest::new("RF20250101ABC", Money::from_paise(10_000), RefundType::Online, "Customer refund")
        .original_upi_request_id(UPI_ID)
        .merchant_refund_vpa("refunds@parentbank")
}

fn field_of(r: Result<HttpRequest, Error>) -> Option<&'static str> {
    r.unwrap_err().field()
}

#[test]
fn pss_request_signs_exactly_the_sent_bytes() {
    let upi = client(pss_config().sub_merchant("SUB1", "SUBCH1"));
    let r = upi.build_refund(&online()).unwrap();
    assert_eq!(
        r.body_text(),
        r#"{"originalUpiRequestId":"YJP1234567890ABCDEFGHIJKLMNOPQRSTUV","refundRequestId":"RF20250101ABC","refundAmount":"100.00","refundType":"ONLINE","merchantRefundVpa":"refunds@parentbank","remarks":"Customer refund"}"#
    );
    assert_eq!(r.header("jpupi-routing-id"), Some(UPI_ID));
    assert_eq!(r.header("x-api-version"), Some("3"));
    let sig = crypto::unhex(r.header("x-merchant-signature").unwrap()).unwrap();
    assert_eq!(r.header("x-merchant-signature").unwrap(), r.header("x-merchant-signature").unwrap().to_lowercase());
    let merchant = RsaPublicKey::from_pem(MERCHANT_PUBLIC).unwrap();
    let input = signature_input("MERCHANT1", "CHANNEL1", Some("SUB1"), Some("SUBCH1"), "1735689600000", &r.body);
    assert!(merchant.verify_pss_sha256(&input, &sig));
    // Without the sub-merchant ids in the input it must not verify.
    let wrong = signature_input("MERCHANT1", "CHANNEL1", None, None, "1735689600000", &r.body);
    assert!(!merchant.verify_pss_sha256(&wrong, &sig));
    // Tampered body, wrong key.
    let mut tampered = input.clone();
    *tampered.last_mut().unwrap() ^= 1;
    assert!(!merchant.verify_pss_sha256(&tampered, &sig));
    assert!(!RsaPublicKey::from_pem(PSP_PUBLIC).unwrap().verify_pss_sha256(&input, &sig));
}

#[test]
fn pkcs1_keys_sign_and_verify_like_pkcs8() {
    let key = RsaPrivateKey::from_pem(&Secret::new(MERCHANT_PKCS1)).unwrap();
    let public = RsaPublicKey::from_pem(MERCHANT_PUBLIC_PKCS1).unwrap();
    assert_eq!(public, RsaPublicKey::from_pem(MERCHANT_PUBLIC).unwrap());
    let sig = key.sign_pss_sha256(b"message").unwrap();
    assert!(public.verify_pss_sha256(b"message", &sig));
    assert!(!public.verify_pss_sha256(b"messagE", &sig));
    // PSS is randomized; RS256 is deterministic and identical for both key encodings.
    assert_ne!(sig, key.sign_pss_sha256(b"message").unwrap());
    let pkcs8 = RsaPrivateKey::from_pem(&Secret::new(MERCHANT_PKCS8)).unwrap();
    assert_eq!(key.sign_pkcs1_sha256(b"m").unwrap(), pkcs8.sign_pkcs1_sha256(b"m").unwrap());
    assert!(public.verify_pkcs1_sha256(b"m", &key.sign_pkcs1_sha256(b"m").unwrap()));
    assert_eq!(format!("{key:?}"), "RsaPrivateKey(***)");
}

#[test]
fn jws_request_embeds_iat_and_verifies() {
    let mut c = pss_config();
    c.signing = SigningMode::Jws { kid: "kid-1".into(), private_key_pem: Secret::new(MERCHANT_PKCS1) };
    let upi = client(c);
    let r = upi.build_refund(&online()).unwrap();
    assert_eq!(r.header("x-merchant-signature"), None);
    let public = RsaPublicKey::from_pem(MERCHANT_PUBLIC).unwrap();
    let payload = crypto::jws_verify(Some(&public), &r.body).unwrap();
    assert!(std::str::from_utf8(&payload).unwrap().ends_with(r#","remarks":"Customer refund","iat":"1735689600000"}"#));
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert!(!body["protected"].as_str().unwrap().contains('='));
    // Deterministic: the same request twice is byte-identical.
    assert_eq!(r.body, upi.build_refund(&online()).unwrap().body);
    // A different key does not verify it.
    let psp = RsaPublicKey::from_pem(PSP_PUBLIC).unwrap();
    assert_eq!(crypto::jws_verify(Some(&psp), &r.body), Err(crypto::JwsError::BadSignature));
}

#[test]
fn hmac_strategy_is_hex_by_default_and_base64_on_request() {
    let mut c = pss_config();
    c.signing = SigningMode::Plain(PlainStrategy::HmacSha256 {
        api_key: Secret::new("TEST_ONLY_KEY"),
        encoding: SignatureEncoding::Hex,
    });
    let r = client(c.clone()).build_refund(&online()).unwrap();
    let sig = r.header("x-merchant-signature").unwrap();
    assert_eq!(sig.len(), 64);
    c.signing = SigningMode::Plain(PlainStrategy::HmacSha256 {
        api_key: Secret::new("TEST_ONLY_KEY"),
        encoding: SignatureEncoding::Base64,
    });
    let r2 = client(c).build_refund(&online()).unwrap();
    assert_eq!(
        crypto::unhex(sig).unwrap(),
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, r2.header("x-merchant-signature").unwrap())
            .unwrap()
    );
}

#[test]
fn config_errors_name_the_field() {
    let check = |f: fn(&mut Upi360Config), field: &str| {
        let mut c = pss_config();
        f(&mut c);
        assert_eq!(Upi360::new(c).unwrap_err().field(), Some(field));
    };
    check(|c| c.host = "http://example.com".into(), "host");
    check(|c| c.uri = "n2/../x".into(), "uri");
    check(|c| c.uri = String::new(), "uri");
    check(|c| c.merchant_id = String::new(), "merchant_id");
    check(|c| c.merchant_channel_id = "a b".into(), "merchant_channel_id");
    check(|c| c.sub_merchant_id = Some("S".into()), "sub_merchant_channel_id");
    check(|c| c.sub_merchant_channel_id = Some("S".into()), "sub_merchant_id");
    check(|c| c.api_version = Some("v3".into()), "api_version");
    check(|c| c.status_api_version = Some(String::new()), "status_api_version");
    check(
        |c| c.signing = SigningMode::Plain(PlainStrategy::RsaPssSha256 { private_key_pem: Secret::new(PSP_PUBLIC) }),
        "private_key_pem",
    );
    // Empty keys mean delegated signing: accepted by the constructor, reported by `build_*`.
    let build_error = |signing: SigningMode, field: &str| {
        let mut c = pss_config();
        c.signing = signing;
        let upi = Upi360::with_clock(c, crate::FixedClock(1_735_689_600_000)).unwrap();
        assert_eq!(upi.build_refund(&online()).unwrap_err().field(), Some(field));
        assert!(upi.prepare_refund(&online()).is_ok());
    };
    build_error(
        SigningMode::Plain(PlainStrategy::HmacSha256 { api_key: Secret::new(""), encoding: SignatureEncoding::Hex }),
        "api_key",
    );
    build_error(
        SigningMode::Plain(PlainStrategy::RsaPssSha256 { private_key_pem: Secret::new("") }),
        "private_key_pem",
    );
    build_error(SigningMode::Jws { kid: "k1".into(), private_key_pem: Secret::new("") }, "private_key_pem");
    check(|c| c.signing = SigningMode::Jws { kid: "a\"b".into(), private_key_pem: Secret::new(MERCHANT_PKCS8) }, "kid");
    check(|c| c.response_verification = ResponseVerification::verify(MERCHANT_PKCS8), "psp_public_key_pem");
    check(|c| c.response_verification = ResponseVerification::verify(""), "psp_public_key_pem");
    let mut c = pss_config();
    c.response_verification = ResponseVerification::DangerouslySkip;
    assert!(Upi360::new(c).is_ok());
}

#[test]
fn every_validation_rule_rejects_bad_input_naming_the_field() {
    let upi = client(pss_config());
    let bad = |r: RefundRequest| field_of(upi.build_refund(&r));
    // Original ids.
    let mut r = online();
    r.original_upi_request_id = None;
    assert_eq!(bad(r), Some("originalUpiRequestId"));
    assert_eq!(bad(online().original_upi_request_id("A".repeat(36))), Some("originalUpiRequestId"));
    assert_eq!(bad(online().original_upi_request_id("YJP-123")), Some("originalUpiRequestId"));
    assert_eq!(bad(online().original_merchant_request_id("ord/1")), Some("originalMerchantRequestId"));
    assert_eq!(bad(online().original_merchant_request_id("")), Some("originalMerchantRequestId"));
    // Refund id: alphanumeric, 1 to 35, never truncated.
    for id in ["", "RF-1", "RF_1", "RF.1", &"R".repeat(36), "RF 1", "RFé"] {
        let mut r = online();
        r.refund_request_id = id.into();
        assert_eq!(bad(r), Some("refundRequestId"), "{id}");
    }
    let err = {
        let mut r = online();
        r.refund_request_id = "R".repeat(36);
        upi.build_refund(&r).unwrap_err()
    };
    assert!(err.to_string().contains("never truncated"), "{err}");
    // Amount.
    for paise in [0, -1] {
        let mut r = online();
        r.amount = Money::from_paise(paise);
        assert_eq!(bad(r), Some("refundAmount"));
    }
    // Type.
    assert_eq!(RefundType::from_wire("UDIR"), Ok(RefundType::Udir));
    assert_eq!(RefundType::from_wire("udir").unwrap_err().field(), Some("refundType"));
    assert_eq!(RefundType::from_wire("online").unwrap_err().field(), Some("refundType"));
    assert_eq!(RefundType::from_wire("").unwrap_err().field(), Some("refundType"));
    assert_eq!(RefundType::from_wire("OFFLINE"), Ok(RefundType::Offline));
    // VPA: required for ONLINE, well-formed whenever given.
    let mut r = online();
    r.merchant_refund_vpa = None;
    assert_eq!(bad(r.clone()), Some("merchantRefundVpa"));
    r.refund_type = RefundType::Offline;
    assert!(upi.build_refund(&r).is_ok());
    for vpa in ["refunds", "@bank", "a@", "a@b@c", "a b@bank", "ab@ba_nk", &format!("{}@bank", "a".repeat(252))] {
        assert_eq!(bad(online().merchant_refund_vpa(vpa)), Some("merchantRefundVpa"), "{vpa}");
    }
    // Remarks (strict default; extended on request).
    for remarks in ["", "Refund-1", "Refund!", &"a".repeat(51), "naïve"] {
        let mut r = online();
        r.remarks = remarks.into();
        assert_eq!(bad(r), Some("remarks"), "{remarks}");
    }
    let mut c = pss_config();
    c.remarks_rule = RemarksRule::Extended;
    let extended = client(c);
    let mut r = online();
    r.remarks = format!("Refund-1 {}", "a".repeat(200));
    assert!(extended.build_refund(&r).is_ok());
    r.remarks = "a".repeat(256);
    assert_eq!(field_of(extended.build_refund(&r)), Some("remarks"));
    // Timestamp.
    for ts in [
        "",
        "2025-01-01 10:00:00+05:30",
        "2025-01-01T10:00:00Z",
        "2025-13-01T10:00:00+05:30",
        "2025-01-01T24:00:00+05:30",
        "2025-1-01T10:00:00+05:30",
    ] {
        assert_eq!(bad(online().original_transaction_timestamp(ts)), Some("originalTransactionTimestamp"), "{ts}");
    }
    assert!(upi.build_refund(&online().original_transaction_timestamp("2025-01-01T10:00:00+05:30")).is_ok());
    // udfParameters.
    for udf in [
        "",
        "[1]",
        "not json",
        r#"{"udf1":"a/b"}"#,
        r#"{"udf1":"50%"}"#,
        r#"{"udf1":"a&b"}"#,
        r#"{"udf1":"it's"}"#,
        r#"{"udf1":"(x)"}"#,
        r#"{"udf1":"~"}"#,
        r#"{"udf1":"`"}"#,
        r##"{"udf1":"#"}"##,
        r#"{"udf1":"$"}"#,
        r#"{"udf1":"*!"}"#,
    ] {
        assert_eq!(bad(online().udf_parameters(udf)), Some("udfParameters"), "{udf}");
    }
    assert!(upi.build_refund(&online().udf_parameters(r#"{"udf1":"value1","udf2":"a-b.c"}"#)).is_ok());
    // Status request.
    let status = |s: StatusRequest| field_of(upi.build_refund_status(&s));
    let mut s = StatusRequest::for_refund(&online());
    s.original_upi_request_id = None;
    assert_eq!(status(s.clone()), Some("originalUpiRequestId"));
    s.original_upi_request_id = Some(UPI_ID.into());
    s.refund_request_id = "RF-1".into();
    assert_eq!(status(s), Some("refundRequestId"));
}

#[test]
fn refund_id_charset_is_configurable() {
    let mut c = pss_config();
    c.refund_id_charset = RefundIdCharset::AlphanumericDotUnderscoreHyphen;
    let mut r = online();
    r.refund_request_id = "RF-2025_01.A".into();
    assert!(client(c).build_refund(&r).is_ok());
}

#[test]
fn routing_rules_and_status_body() {
    let r = online().original_merchant_request_id("ORD-1");
    let upi = client(pss_config());
    assert_eq!(upi.build_refund(&r).unwrap().header("jpupi-routing-id"), Some("ORD-1"));
    let s = upi.build_refund_status(&StatusRequest::for_refund(&r)).unwrap();
    assert_eq!(s.url, "https://api.beta.yesbank.upi.juspay.in/api/n2/merchants/transactions/refund/status");
    assert_eq!(s.body_text(), r#"{"merchantRequestId":"RF20250101ABC","merchantTransactionId":"ORD-1"}"#);
    assert_eq!(s.header("x-api-version"), Some("2"));
    let mut c = pss_config();
    c.routing_id = RoutingIdRule::RefundRequestId;
    assert_eq!(client(c).build_refund(&r).unwrap().header("jpupi-routing-id"), Some("RF20250101ABC"));
    let mut c = pss_config();
    c.routing_id = RoutingIdRule::Omit;
    c.api_version = None;
    let built = client(c).build_refund(&r).unwrap();
    assert_eq!(built.header("jpupi-routing-id"), None);
    assert_eq!(built.header("x-api-version"), None);
}

fn psp_sign(body: &[u8]) -> String {
    crypto::hex(&RsaPrivateKey::from_pem(&Secret::new(PSP_PRIVATE)).unwrap().sign_pss_sha256(body).unwrap())
}

fn signed(status: u16, body: &str) -> HttpResponse {
    let mut r = HttpResponse::new(status, body);
    r.headers.push(Header::new("x-response-signature", psp_sign(body.as_bytes())));
    r
}

const SUCCESS_BODY: &str = r#"{"status":"SUCCESS","responseCode":"SUCCESS","responseMessage":"SUCCESS","payload":{"refundRequestId":"RF20250101ABC","refundAmount":"100.00","refundType":"ONLINE","gatewayResponseStatus":"SUCCESS","gatewayResponseCode":"00","gatewayRefundReferenceId":"412345678901","transactionAmount":"250.50"}}"#;

#[test]
fn response_signatures_decide_trust() {
    let upi = client(pss_config());
    let o = upi.interpret_refund(&online(), &signed(200, SUCCESS_BODY));
    assert_eq!((o.status, o.reason), (Status::Succeeded, Reason::Refunded));
    let details = o.refund.unwrap();
    assert_eq!(details.refund_id.as_deref(), Some("412345678901"));
    assert_eq!(details.original_amount, Some(Money::from_paise(25_050)));
    // Missing signature, tampered body, wrong signer: untrusted, never failed.
    let unsigned = HttpResponse::new(200, SUCCESS_BODY);
    let mut tampered = signed(200, SUCCESS_BODY);
    tampered.body = SUCCESS_BODY.replace("100.00", "900.00").into_bytes();
    let mut wrong_key = HttpResponse::new(200, SUCCESS_BODY);
    let merchant = RsaPrivateKey::from_pem(&Secret::new(MERCHANT_PKCS8)).unwrap();
    wrong_key.headers.push(Header::new(
        "x-response-signature",
        crypto::hex(&merchant.sign_pss_sha256(SUCCESS_BODY.as_bytes()).unwrap()),
    ));
    for r in [unsigned, tampered, wrong_key] {
        let o = upi.interpret_refund(&online(), &r);
        assert_eq!(
            (o.status, o.reason, o.next_step),
            (Status::Indeterminate, Reason::UntrustedResponse, NextStep::Inquire)
        );
    }
    // Sorted-key signatures verify too, unless only the raw form is configured.
    let sorted = sorted_key_json(SUCCESS_BODY.as_bytes()).unwrap();
    let mut r = HttpResponse::new(200, SUCCESS_BODY);
    r.headers.push(Header::new("x-response-signature", psp_sign(sorted.as_bytes())));
    assert_eq!(upi.interpret_refund(&online(), &r).status, Status::Succeeded);
    let mut c = pss_config();
    c.response_verification =
        ResponseVerification::Verify { psp_public_key_pem: PSP_PUBLIC.into(), canonical_form: CanonicalForm::RawBody };
    assert_eq!(client(c).interpret_refund(&online(), &r).reason, Reason::UntrustedResponse);
}

#[test]
fn deemed_is_pending_and_mismatches_are_indeterminate() {
    let upi = client(pss_config());
    let deemed = SUCCESS_BODY.replace(
        r#""gatewayResponseStatus":"SUCCESS","gatewayResponseCode":"00""#,
        r#""gatewayResponseStatus":"DEEMED","gatewayResponseCode":"RB""#,
    );
    let o = upi.interpret_refund(&online(), &signed(200, &deemed));
    assert_eq!((o.status, o.reason, o.next_step), (Status::Pending, Reason::Deemed, NextStep::PollLater));
    assert!(!o.is_final());
    let mut other = online();
    other.amount = Money::from_paise(10_001);
    let o = upi.interpret_refund(&other, &signed(200, SUCCESS_BODY));
    assert_eq!((o.status, o.reason), (Status::Indeterminate, Reason::Unconfirmed));
    assert!(o.warnings.iter().any(|w| w.contains("refundAmount")));
}

#[test]
fn callbacks_accept_hex_or_base64_over_sorted_json() {
    let upi = client(pss_config());
    let body = br#"{"type":"MERCHANT_DEBITED_VIA_REFUND","gatewayResponseStatus":"SUCCESS","gatewayResponseCode":"00","refundRequestId":"RF1"}"#;
    let sorted = sorted_key_json(body).unwrap();
    let key = RsaPrivateKey::from_pem(&Secret::new(PSP_PRIVATE)).unwrap();
    let sig = key.sign_pss_sha256(sorted.as_bytes()).unwrap();
    for encoded in [crypto::hex(&sig), base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &sig)] {
        let headers = [Header::new("X-Merchant-Payload-Signature", encoded)];
        assert!(upi.verify_callback(&headers, body));
        assert_eq!(upi.interpret_callback(&headers, body).status, Status::Succeeded);
    }
    assert!(!upi.verify_callback(&[], body));
    let o = upi.interpret_callback(&[], body);
    assert_eq!((o.status, o.reason), (Status::Indeterminate, Reason::UntrustedResponse));
}

#[test]
fn standalone_verifiers_match_the_client() {
    let psp = RsaPublicKey::from_pem(PSP_PUBLIC).unwrap();
    let body = br#"{"status":"SUCCESS","b":1,"a":2}"#;
    let raw_sig = psp_sign(body);
    let sorted_sig = psp_sign(sorted_key_json(body).unwrap().as_bytes());
    for (sig, form, want) in [
        (&raw_sig, CanonicalForm::SortedKeysOrRaw, true),
        (&raw_sig, CanonicalForm::RawBody, true),
        (&raw_sig, CanonicalForm::SortedKeys, false),
        (&sorted_sig, CanonicalForm::SortedKeysOrRaw, true),
        (&sorted_sig, CanonicalForm::SortedKeys, true),
        (&sorted_sig, CanonicalForm::RawBody, false),
    ] {
        assert_eq!(verify_response_signature(&psp, body, sig, form), want, "{form:?}");
        assert_eq!(verify_callback_signature(&psp, body, sig, form), want, "{form:?}");
    }
    assert!(verify_response_signature(&psp, body, &raw_sig.to_uppercase(), CanonicalForm::RawBody));
    assert!(!verify_response_signature(&psp, b"{}", &raw_sig, CanonicalForm::default()));
    assert!(!verify_response_signature(&psp, body, "not hex", CanonicalForm::default()));
    // Base64 is accepted for callbacks only.
    let b64 = SignatureEncoding::Base64.encode(&crypto::unhex(&raw_sig).unwrap());
    assert!(verify_callback_signature(&psp, body, &b64, CanonicalForm::default()));
    assert!(!verify_response_signature(&psp, body, &b64, CanonicalForm::default()));
}

#[test]
fn implausible_clocks_are_refused_before_signing() {
    let upi = Upi360::with_clock(pss_config(), FixedClock(1_735_689_600)).unwrap();
    assert_eq!(field_of(upi.build_refund(&online())), Some("clock"));
    assert_eq!(field_of(upi.build_refund_status(&StatusRequest::for_refund(&online()))), Some("clock"));
}

#[test]
fn udir_refunds_are_accepted_with_a_documented_adj_code() {
    let upi = Upi360::with_clock(pss_config(), FixedClock(1_735_689_600_000)).unwrap();
    let mut r = online();
    r.refund_type = RefundType::Udir;
    r.merchant_refund_vpa = None;
    let bad = |r: RefundRequest| upi.build_refund(&r).unwrap_err().field();
    assert_eq!(bad(r.clone()), Some("adjCode"), "UDIR needs an adjCode");
    assert_eq!(bad(r.clone().adj_code("102")), Some("adjCode"), "not in the default allow-list");
    let ok = upi.build_refund(&r.clone().adj_code("1064")).unwrap();
    assert!(ok.body_text().contains(r#""refundType":"UDIR""#), "{}", ok.body_text());
    assert!(ok.body_text().contains(r#""adjFlag":"REF","adjCode":"1064""#), "{}", ok.body_text());
    // Other types never carry adjCode.
    assert_eq!(bad(online().adj_code("1064")), Some("adjCode"));
    // A PSP may confirm other codes.
    let mut config = pss_config();
    config.udir_adj_codes.push("102".into());
    let upi102 = Upi360::with_clock(config, FixedClock(1_735_689_600_000)).unwrap();
    assert!(upi102.build_refund(&r.clone().adj_code("102")).is_ok());
    // UDIR is merchant level only.
    let sub = Upi360::with_clock(pss_config().sub_merchant("SUB1", "SUBCH1"), FixedClock(1_735_689_600_000)).unwrap();
    assert_eq!(sub.build_refund(&r.adj_code("1064")).unwrap_err().field(), Some("refundType"));
}

const FAILURE_BODY: &str = r#"{"status":"FAILURE","responseCode":"FAILURE"}"#;

#[test]
fn unsigned_or_undocumented_status_answers_give_no_verdict() {
    let upi = client(pss_config());
    for http in [100, 199, 300, 302, 304, 400, 402, 403, 404, 409, 410, 418, 422, 451, 499, 600, 999] {
        for body in [FAILURE_BODY, "x", "", SUCCESS_BODY] {
            let o = upi.interpret_refund(&online(), &HttpResponse::new(http, body));
            assert!(!o.is_final(), "HTTP {http} {body}: {o:?}");
            let o = upi.interpret_refund_status(&StatusRequest::for_refund(&online()), &HttpResponse::new(http, body));
            assert!(!o.is_final(), "status: HTTP {http} {body}: {o:?}");
        }
        // Even signed: Juspay documents 2xx (and 401) only.
        let o = upi.interpret_refund(&online(), &signed(http, SUCCESS_BODY));
        assert_eq!(o.status, Status::Indeterminate, "signed SUCCESS at HTTP {http}");
    }
    // The documented 401 keeps its meaning (spec §8.3: not executed, fix the configuration).
    let o = upi.interpret_refund(&online(), &HttpResponse::new(401, FAILURE_BODY));
    assert_eq!((o.status, o.reason, o.next_step), (Status::Failed, Reason::AuthOrClock, NextStep::FixConfiguration));
    // An unsigned validation answer keeps its hint but is no verdict.
    let o = upi.interpret_refund(
        &online(),
        &HttpResponse::new(400, r#"{"status":"FAILURE","responseCode":"BAD_REQUEST","responseMessage":"x"}"#),
    );
    assert_eq!((o.status, o.reason, o.next_step), (Status::Indeterminate, Reason::Validation, NextStep::FixInput));
    // 2xx other than 200 with a valid signature is still a verdict.
    assert_eq!(upi.interpret_refund(&online(), &signed(201, SUCCESS_BODY)).status, Status::Succeeded);
}

fn with_gateway(status: &str, code: &str, refund_type: &str) -> String {
    SUCCESS_BODY
        .replace(r#""gatewayResponseStatus":"SUCCESS""#, &format!(r#""gatewayResponseStatus":"{status}""#))
        .replace(r#""gatewayResponseCode":"00""#, &format!(r#""gatewayResponseCode":"{code}""#))
        .replace(r#""refundType":"ONLINE""#, &format!(r#""refundType":"{refund_type}""#))
}

#[test]
fn conflicting_fields_are_not_final() {
    let upi = client(pss_config());
    let status = StatusRequest::for_refund(&online());
    for code in ["BT", "JPRTO", "RB", "96", "JPREFD"] {
        let body = with_gateway("FAILURE", code, "ONLINE");
        let o = upi.interpret_refund(&online(), &signed(200, &body));
        assert_eq!((o.status, o.reason, o.next_step), (Status::Pending, Reason::Deemed, NextStep::PollLater), "{code}");
        let o = upi.interpret_refund_status(&status, &signed(200, &body));
        assert_eq!((o.status, o.reason), (Status::Pending, Reason::Deemed), "{code}");
    }
    // UDIR deemed shown as SUCCESS (markUdirDeemedAsSuccess) is not final.
    let mut udir = online();
    udir.refund_type = RefundType::Udir;
    let o = upi.interpret_refund(&udir, &signed(200, &with_gateway("SUCCESS", "JPREFD", "UDIR")));
    assert_eq!((o.status, o.reason), (Status::Pending, Reason::Deemed));
    // Other disagreements: indeterminate.
    for (s, c) in [("SUCCESS", "01"), ("FAILURE", "00"), ("PENDING", "00"), ("SUCCESS", "91")] {
        let o = upi.interpret_refund(&online(), &signed(200, &with_gateway(s, c, "ONLINE")));
        assert_eq!((o.status, o.reason), (Status::Indeterminate, Reason::Unconfirmed), "{s} {c}");
    }
    // Top-level status vs responseCode.
    let body = SUCCESS_BODY.replacen(r#""responseCode":"SUCCESS""#, r#""responseCode":"FAILURE""#, 1);
    assert_eq!(upi.interpret_refund(&online(), &signed(200, &body)).status, Status::Indeterminate);
    // Agreeing fields stay final.
    assert_eq!(
        upi.interpret_refund(&online(), &signed(200, &with_gateway("FAILURE", "U30", "ONLINE"))).status,
        Status::Failed
    );
}

#[test]
fn signed_but_not_strict_json_is_unreadable() {
    let upi = client(pss_config());
    let deep = format!(r#"{{"status":"SUCCESS","x":{}1{}}}"#, "[".repeat(100), "]".repeat(100));
    for body in [
        SUCCESS_BODY.replacen(r#""status":"SUCCESS""#, r#""status":"FAILURE","status":"SUCCESS""#, 1),
        SUCCESS_BODY.replacen(
            r#""gatewayResponseStatus":"SUCCESS""#,
            r#""gatewayResponseStatus":"FAILURE","gatewayResponseStatus":"SUCCESS""#,
            1,
        ),
        SUCCESS_BODY.replacen(r#""responseMessage":"SUCCESS""#, r#""responseMessage":"\q""#, 1),
        SUCCESS_BODY.replacen(r#""responseMessage":"SUCCESS""#, r#""responseMessage":"\ud800""#, 1),
        deep,
    ] {
        // Signed over the raw bytes (the sorted form does not exist for such a document).
        let o = upi.interpret_refund(&online(), &signed(200, &body));
        assert_eq!((o.status, o.reason), (Status::Indeterminate, Reason::UnreadableResponse), "{body}");
        let mut cb_headers = vec![Header::new("x-merchant-payload-signature", psp_sign(body.as_bytes()))];
        let o = upi.interpret_callback(&cb_headers, body.as_bytes());
        assert!(!o.is_final(), "callback {body}");
        cb_headers.clear();
        assert_eq!(upi.interpret_callback(&cb_headers, body.as_bytes()).reason, Reason::UntrustedResponse);
    }
}
