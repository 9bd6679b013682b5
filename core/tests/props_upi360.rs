//! Property tests: the verdict rule over the UPI Refund 360 interpreters (refund, status, callbacks) and builders.
//! Answers are realistic: a pool of bodies from Juspay's code tables signed once (RSA-PSS is slow in a debug build)
//! with the TEST-ONLY PSP key, then damaged per case.
//!
//! Cases per property: `PROPTEST_CASES` (default 10,000). Long run:
//! `PROPTEST_CASES=1000000 cargo test --release -p refundkit --test props_upi360`.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use refundkit::crypto::json;
use refundkit::upi360::{
    sorted_key_json, verify_callback_signature, verify_response_signature, CanonicalForm, PlainStrategy, RefundRequest,
    RefundType, ResponseVerification, RsaPrivateKey, RsaPublicKey, SigningMode, StatusRequest, Upi360, Upi360Config,
};
use refundkit::{Error, FixedClock, Header, HttpResponse, Money, Outcome, Reason, Secret, Status};
use serde_json::{json, Value};
use std::sync::OnceLock;

const MERCHANT_PKCS8: &str = include_str!("../tests/data/upi360_keys/test_only_merchant_private_pkcs8.pem");
const PSP_PRIVATE: &str = include_str!("../tests/data/upi360_keys/test_only_psp_private_pkcs8.pem");
const PSP_PUBLIC: &str = include_str!("../tests/data/upi360_keys/test_only_psp_public_spki.pem");
const UPI_ID: &str = "YJP1234567890ABCDEFGHIJKLMNOPQRSTUV";

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000)
}

fn run<S: Strategy>(strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let config = Config { cases: cases(), failure_persistence: None, ..Config::default() };
    if let Err(e) = TestRunner::new(config).run(&strategy, test) {
        panic!("{e}");
    }
}

fn config(verification: ResponseVerification) -> Upi360Config {
    Upi360Config::new(
        "https://api.beta.yesbank.upi.juspay.in",
        "n2",
        "MERCHANT1",
        "CHANNEL1",
        SigningMode::Plain(PlainStrategy::RsaPssSha256 { private_key_pem: Secret::new(MERCHANT_PKCS8) }),
        verification,
    )
}

fn verifying() -> &'static Upi360<FixedClock> {
    static C: OnceLock<Upi360<FixedClock>> = OnceLock::new();
    C.get_or_init(|| {
        Upi360::with_clock(config(ResponseVerification::verify(PSP_PUBLIC)), FixedClock(1_735_689_600_000)).unwrap()
    })
}

fn skipping() -> &'static Upi360<FixedClock> {
    static C: OnceLock<Upi360<FixedClock>> = OnceLock::new();
    C.get_or_init(|| {
        Upi360::with_clock(config(ResponseVerification::DangerouslySkip), FixedClock(1_735_689_600_000)).unwrap()
    })
}

fn psp_key() -> &'static RsaPublicKey {
    static K: OnceLock<RsaPublicKey> = OnceLock::new();
    K.get_or_init(|| RsaPublicKey::from_pem(PSP_PUBLIC).unwrap())
}

fn refund() -> RefundRequest {
    RefundRequest::new("RF20250101ABC", Money::from_paise(10_000), RefundType::Online, "Customer refund")
        .original_upi_request_id(UPI_ID)
        .merchant_refund_vpa("refunds@parentbank")
}

const TOP: &[(&str, &str)] = &[
    ("SUCCESS", "SUCCESS"),
    ("FAILURE", "FAILURE"),
    ("FAILURE", "BAD_REQUEST"),
    ("FAILURE", "REQUEST_NOT_FOUND"),
    ("FAILURE", "REQUEST_PENDING"),
    ("FAILURE", "GATEWAY_TIMEOUT"),
    ("FAILURE", "SUCCESS"),
    ("SUCCESS", "FAILURE"),
];
const GATEWAY: &[(&str, &str)] = &[
    ("SUCCESS", "00"),
    ("PENDING", "01"),
    ("DEEMED", "RB"),
    ("FAILURE", "U30"),
    ("FAILURE", "BT"),
    ("FAILURE", "JPRTO"),
    ("SUCCESS", "JPREFD"),
    ("SUCCESS", "01"),
    ("INITIATED", "91"),
    ("FAILURE", "00"),
];

/// A Refund 360 answer body from the tables.
fn answer_body(top: usize, gateway: Option<usize>, amount: &str) -> String {
    let (status, code) = TOP[top % TOP.len()];
    let mut v = json!({"status": status, "responseCode": code, "responseMessage": "msg"});
    if let Some(g) = gateway {
        let (gs, gc) = GATEWAY[g % GATEWAY.len()];
        v["payload"] = json!({"refundRequestId": "RF20250101ABC", "refundAmount": amount, "refundType": "ONLINE",
                              "gatewayResponseStatus": gs, "gatewayResponseCode": gc,
                              "gatewayRefundReferenceId": "500112345678", "transactionAmount": "250.50"});
    }
    v.to_string()
}

/// The signed pool: (body, hex PSS signature over the raw body).
fn pool() -> &'static Vec<(String, String)> {
    static P: OnceLock<Vec<(String, String)>> = OnceLock::new();
    P.get_or_init(|| {
        let key = RsaPrivateKey::from_pem(&Secret::new(PSP_PRIVATE)).unwrap();
        let mut out = Vec::new();
        for top in 0..TOP.len() {
            let gateways: Vec<Option<usize>> =
                if top == 0 { (0..GATEWAY.len()).map(Some).chain([None]).collect() } else { vec![None, Some(0)] };
            for g in gateways {
                for amount in ["100.00", "1.00"] {
                    let body = answer_body(top, g, amount);
                    let sig = refundkit::crypto::hex::encode(&key.sign_pss_sha256(body.as_bytes()).unwrap());
                    out.push((body, sig));
                }
            }
        }
        out
    })
}

#[derive(Debug, Clone)]
enum Damage {
    None,
    Byte(usize, u8),
    /// White space after the opening brace: the sorted-key form is unchanged, the raw bytes are not.
    Space,
    /// An unknown member appended without re-signing.
    Unknown,
    /// A duplicate member.
    Duplicate,
    /// A hostile member (bad escape, lone surrogate, deep nesting).
    Hostile(usize),
    NoSignature,
    GarbageSignature,
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        4 => Just(Damage::None),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Damage::Byte(i, b)),
        1 => Just(Damage::Space),
        1 => Just(Damage::Unknown),
        1 => Just(Damage::Duplicate),
        1 => (0usize..3).prop_map(Damage::Hostile),
        1 => Just(Damage::NoSignature),
        1 => Just(Damage::GarbageSignature),
    ]
}

fn append(body: &str, member: &str) -> String {
    format!("{},{member}}}", &body[..body.len() - 1])
}

fn damaged(body: &str, sig: &str, d: &Damage, header: &str) -> (Vec<u8>, Vec<Header>) {
    let mut headers = vec![Header::new(header, sig)];
    let bytes = match d {
        Damage::None | Damage::NoSignature | Damage::GarbageSignature => body.as_bytes().to_vec(),
        Damage::Byte(i, b) => {
            let mut v = body.as_bytes().to_vec();
            let i = i % v.len();
            v[i] = *b;
            v
        }
        Damage::Space => body.replacen('{', "{ ", 1).into_bytes(),
        Damage::Unknown => append(body, r#""zzUnknown":{"a":[1]}"#).into_bytes(),
        Damage::Duplicate => append(body, r#""status":"SUCCESS""#).into_bytes(),
        Damage::Hostile(0) => append(body, r#""zz":"\q""#).into_bytes(),
        Damage::Hostile(1) => append(body, r#""zz":"\ud800""#).into_bytes(),
        Damage::Hostile(_) => append(body, &format!(r#""zz":{}{}"#, "[".repeat(100), "]".repeat(100))).into_bytes(),
    };
    match d {
        Damage::NoSignature => headers.clear(),
        Damage::GarbageSignature => headers[0].value = "00ff".into(),
        _ => {}
    }
    (bytes, headers)
}

fn interpret(c: &Upi360<FixedClock>, status_op: bool, r: &HttpResponse) -> Outcome {
    if status_op {
        c.interpret_refund_status(&StatusRequest::for_refund(&refund()), r)
    } else {
        c.interpret_refund(&refund(), r)
    }
}

fn http_status() -> impl Strategy<Value = u16> {
    prop_oneof![8 => Just(200u16), 1 => prop::sample::select(vec![100u16, 199, 201, 300, 302, 304, 400, 401, 403, 404, 409, 422, 429, 500, 600, 999]),
                1 => 0u16..=1000]
}

#[test]
fn interpreters_never_give_an_unproven_verdict() {
    let strategy = (any::<prop::sample::Index>(), damage(), http_status(), any::<bool>());
    run(strategy, |(pick, damage, status, status_op)| {
        let (body, sig) = pick.get(pool());
        let (bytes, headers) = damaged(body, sig, &damage, "x-response-signature");
        let response = HttpResponse { status, headers, body: bytes.clone() };
        let c = verifying();
        let o = interpret(c, status_op, &response);
        prop_assert_eq!(&o, &interpret(c, status_op, &response), "deterministic");
        if o.is_final() {
            if status == 401 {
                prop_assert_eq!((o.status, o.reason), (Status::Failed, Reason::AuthOrClock));
                prop_assert!(!status_op, "a failed status query is no verdict on the refund");
            } else {
                prop_assert!((200..=299).contains(&status), "a verdict at HTTP {}", status);
                prop_assert!(json::parse_object(&bytes).is_ok(), "a verdict from non-strict JSON");
                let sig = response.header("x-response-signature");
                prop_assert!(
                    sig.is_some_and(|s| verify_response_signature(psp_key(), &bytes, s, CanonicalForm::default())),
                    "a verdict without a verified signature"
                );
                // Whatever was changed, the signed meaning is the original's, and so is the verdict.
                prop_assert_eq!(sorted_key_json(&bytes), sorted_key_json(body.as_bytes()));
                let original = interpret(
                    c,
                    status_op,
                    &HttpResponse {
                        status: 200,
                        headers: vec![Header::new("x-response-signature", sig.unwrap_or_default())],
                        body: body.as_bytes().to_vec(),
                    },
                );
                prop_assert_eq!((o.status, o.reason), (original.status, original.reason));
            }
        }
        Ok(())
    });
}

#[test]
fn unknown_fields_never_change_a_verdict() {
    // Verification switched off (so the unknown member needs no new signature): only the reading is compared.
    let unknown = (
        "zz[A-Za-z]{1,10}",
        prop_oneof![
            Just(json!(null)),
            Just(json!("x")),
            Just(json!([1, {"a": 2}])),
            any::<i64>().prop_map(Value::from)
        ],
    );
    let strategy = (0usize..TOP.len(), prop::option::of(0usize..GATEWAY.len()), unknown, any::<bool>(), any::<bool>());
    run(strategy, |(top, gateway, (name, value), in_payload, status_op)| {
        let body = answer_body(top, gateway, "100.00");
        let mut v: Value = serde_json::from_str(&body).unwrap();
        match v.get_mut("payload") {
            Some(Value::Object(p)) if in_payload => {
                p.insert(name, value);
            }
            _ => {
                v.as_object_mut().unwrap().insert(name, value);
            }
        }
        let c = skipping();
        let before = interpret(c, status_op, &HttpResponse::new(200, body));
        let after = interpret(c, status_op, &HttpResponse::new(200, v.to_string()));
        prop_assert_eq!(
            (before.status, before.reason, before.next_step),
            (after.status, after.reason, after.next_step)
        );
        Ok(())
    });
}

fn callback_pool() -> &'static Vec<(String, String)> {
    static P: OnceLock<Vec<(String, String)>> = OnceLock::new();
    P.get_or_init(|| {
        let key = RsaPrivateKey::from_pem(&Secret::new(PSP_PRIVATE)).unwrap();
        GATEWAY
            .iter()
            .map(|(gs, gc)| {
                let body = json!({"type": "MERCHANT_DEBITED_VIA_REFUND", "refundRequestId": "RF20250101ABC",
                                  "refundAmount": "100.00", "gatewayResponseStatus": gs, "gatewayResponseCode": gc})
                .to_string();
                let sorted = sorted_key_json(body.as_bytes()).unwrap();
                let sig = refundkit::crypto::hex::encode(&key.sign_pss_sha256(sorted.as_bytes()).unwrap());
                (body, sig)
            })
            .collect()
    })
}

#[test]
fn callbacks_are_final_only_when_signed_and_strict() {
    let strategy = (any::<prop::sample::Index>(), damage());
    run(strategy, |(pick, damage)| {
        let (body, sig) = pick.get(callback_pool());
        let (bytes, headers) = damaged(body, sig, &damage, "x-merchant-payload-signature");
        let c = verifying();
        let o = c.interpret_callback(&headers, &bytes);
        prop_assert_eq!(&o, &c.interpret_callback(&headers, &bytes));
        if o.is_final() {
            prop_assert!(json::parse_object(&bytes).is_ok());
            let s = headers.first().map(|h| h.value.as_str()).unwrap_or("");
            prop_assert!(verify_callback_signature(psp_key(), &bytes, s, CanonicalForm::default()));
            prop_assert_eq!(sorted_key_json(&bytes), sorted_key_json(body.as_bytes()));
        }
        Ok(())
    });
}

fn id() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9]{1,35}",
        "[A-Za-z0-9._-]{1,35}",
        "[ -~]{0,40}",
        ".{0,8}",
        "[A-Za-z0-9]{0,4}[\"\\\\/?#% \r\n\0][A-Za-z0-9]{0,4}"
    ]
}

#[test]
fn builders_reject_with_typed_errors_or_build_clean_requests() {
    let vpa = prop_oneof!["[a-z0-9.]{1,20}@[a-z]{2,10}", "[ -~]{0,30}"];
    let kind = prop::sample::select(vec![RefundType::Online, RefundType::Offline, RefundType::Udir]);
    let strategy = (
        id(),
        id(),
        id(),
        prop::option::of(vpa),
        "[ -~]{0,60}",
        kind,
        prop::option::of(prop::sample::select(vec!["1064", "102", "x"])),
        any::<bool>(),
    );
    run(strategy, |(rid, upi_id, order_id, vpa, remarks, kind, adj, status)| {
        let c = verifying();
        let mut r = RefundRequest::new(rid.clone(), Money::from_paise(10_000), kind, remarks.clone())
            .original_upi_request_id(upi_id.clone())
            .original_merchant_request_id(order_id.clone());
        r.merchant_refund_vpa = vpa.clone();
        r.adj_code = adj.map(str::to_string);
        let built = if status { c.prepare_refund_status(&StatusRequest::for_refund(&r)) } else { c.prepare_refund(&r) };
        match built {
            Ok(u) => {
                let req = u.unsigned();
                for h in &req.headers {
                    let text = format!("{}{}", h.name, h.value);
                    prop_assert!(!text.contains(['\r', '\n', '\0']), "header {:?}", h);
                }
                prop_assert!(req
                    .url
                    .starts_with("https://api.beta.yesbank.upi.juspay.in/api/n2/merchants/transactions/"));
                prop_assert!(!req.url.contains([' ', '?', '#', '%']), "{}", req.url);
                let body = json::parse_object(&req.body).map_err(|e| TestCaseError::fail(format!("{e}")))?;
                let id_field = if status { "merchantRequestId" } else { "refundRequestId" };
                prop_assert_eq!(body[id_field].as_str(), Some(rid.as_str()));
                if !status {
                    prop_assert_eq!(body["remarks"].as_str(), Some(remarks.as_str()));
                    prop_assert_eq!(body["refundType"].as_str(), Some(kind.as_str()));
                }
            }
            Err(Error::InvalidInput { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected error kind: {e:?}"),
        }
        Ok(())
    });
}
