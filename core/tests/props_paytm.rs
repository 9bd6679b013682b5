//! Property tests: the verdict rule over the Paytm interpreters (apply, status), the refund webhooks and the
//! builders. Answers are realistic: bodies from Paytm's code tables, signed with the test merchant key, then damaged.
//!
//! Cases per property: `PROPTEST_CASES` (default 10,000). Long run:
//! `PROPTEST_CASES=1000000 cargo test --release -p refundkit --test props_paytm`.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use refundkit::crypto::json;
use refundkit::paytm::{checksum, Paytm, PaytmConfig, PriorApply, RefundApply, RefundStatusQuery};
use refundkit::{Error, FixedClock, FixedRandom, HttpResponse, Money, Outcome, Secret};
use serde_json::{json, Map, Value};

const MID: &str = "INTEGR7769XXXXXX9383";
const KEY: &str = "Test&Key#12345$@";

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

fn client(accept_unsigned: bool) -> Paytm<FixedClock, FixedRandom> {
    let mut c = PaytmConfig::staging(MID, KEY);
    c.dangerously_accept_unsigned_responses = accept_unsigned;
    Paytm::with_sources(c, FixedClock(1_700_000_000_000), FixedRandom(vec![23, 50, 61, 25])).unwrap()
}

fn result_info() -> impl Strategy<Value = Value> {
    let status = prop::sample::select(vec!["TXN_SUCCESS", "PENDING", "TXN_FAILURE", "SUCCESS", "", "txn_success"]);
    let code = prop_oneof![
        prop::sample::select(vec![
            "10", "601", "400", "501", "330", "335", "600", "602", "607", "617", "619", "620", "624", "625", "626",
            "627", "628", "629", "631", "635", "674", "679", "227", "247", "698",
        ])
        .prop_map(str::to_string),
        "[0-9]{1,4}",
    ];
    (status, code, any::<bool>()).prop_map(|(s, c, numeric)| {
        let code = if numeric { c.parse::<i64>().map(Value::from).unwrap_or(Value::from(c)) } else { Value::from(c) };
        json!({"resultStatus": s, "resultCode": code, "resultMsg": "msg {2}"})
    })
}

fn money_text() -> impl Strategy<Value = String> {
    prop_oneof![(0i64..10_000_000).prop_map(|p| Money::from_paise(p).to_rupees_string()), "[0-9.eE-]{1,8}"]
}

/// A body as Paytm writes it: resultInfo plus the usual echo fields, in a random order.
fn body() -> impl Strategy<Value = Map<String, Value>> {
    (result_info(), money_text(), money_text(), any::<bool>(), any::<bool>()).prop_map(
        |(ri, amount, total, rid, det)| {
            let mut m = Map::new();
            m.insert("orderId".into(), "OREDRID_98765".into());
            m.insert("mid".into(), MID.into());
            m.insert("refId".into(), "REFUNDID_98765".into());
            m.insert("txnId".into(), "TXN1".into());
            m.insert("refundAmount".into(), amount.into());
            m.insert("totalRefundAmount".into(), total.into());
            if rid {
                m.insert("refundId".into(), "PAYTMREFUND1".into());
            }
            if det {
                m.insert(
                    "refundDetailInfoList".into(),
                    json!([{"refundType": "TO_SOURCE", "payMethod": "UPI", "refundAmount": "1.00", "rrn": "1"}]),
                );
            }
            m.insert("resultInfo".into(), ri);
            m
        },
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sig {
    Valid,
    Absent,
    Empty,
    Wrong,
    OtherKey,
}

fn sig() -> impl Strategy<Value = Sig> {
    prop_oneof![6 => Just(Sig::Valid), 1 => Just(Sig::Absent), 1 => Just(Sig::Empty), 1 => Just(Sig::Wrong),
                1 => Just(Sig::OtherKey)]
}

fn envelope(body_text: &str, sig: Sig, salt: &str, head_first: bool, head_extra: &str) -> String {
    let signature = match sig {
        Sig::Valid => Some(checksum::checksum(body_text, &Secret::new(KEY), salt).unwrap()),
        Sig::OtherKey => Some(checksum::checksum(body_text, &Secret::new("A1b2C3d4E5f6G7h8"), salt).unwrap()),
        Sig::Wrong => Some("WRONG".to_string()),
        Sig::Empty => Some(String::new()),
        Sig::Absent => None,
    };
    let mut head = String::from(r#"{"responseTimestamp":"1700000000000","version":"v1""#);
    head.push_str(head_extra);
    if let Some(s) = signature {
        head.push_str(&format!(r#","signature":"{s}""#));
    }
    head.push('}');
    if head_first {
        format!(r#"{{"head":{head},"body":{body_text}}}"#)
    } else {
        format!(r#"{{"body":{body_text},"head":{head}}}"#)
    }
}

#[derive(Debug, Clone)]
enum Damage {
    None,
    /// A byte of the whole document replaced.
    Byte(usize, u8),
    /// A hostile member added to head (bad escape, lone surrogate, deep nesting, a second signature).
    Head(usize),
    /// A second resultInfo / resultCode inside the body (after signing).
    DuplicateInBody,
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        5 => Just(Damage::None),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Damage::Byte(i, b)),
        1 => (0usize..4).prop_map(Damage::Head),
        1 => Just(Damage::DuplicateInBody),
    ]
}

fn head_extra(d: &Damage) -> String {
    match d {
        Damage::Head(0) => r#","x":"\q""#.into(),
        Damage::Head(1) => r#","x":"\ud800""#.into(),
        Damage::Head(2) => format!(r#","x":{}{}"#, "[".repeat(100), "]".repeat(100)),
        Damage::Head(_) => r#","signature":"","x":1"#.into(),
        _ => String::new(),
    }
}

fn interpret(c: &Paytm<FixedClock, FixedRandom>, apply: bool, r: &HttpResponse) -> Outcome {
    if apply {
        c.interpret_refund_apply(r)
    } else {
        c.interpret_refund_status(r, PriorApply::Unknown)
    }
}

fn http_status() -> impl Strategy<Value = u16> {
    prop_oneof![8 => Just(200u16), 1 => prop::sample::select(vec![100u16, 201, 204, 302, 400, 401, 404, 429, 500, 600, 999]),
                1 => 0u16..=1000]
}

#[test]
fn interpreters_never_give_an_unproven_verdict() {
    let strategy =
        (any::<bool>(), http_status(), body(), sig(), "[A-Za-z0-9]{4}", any::<bool>(), damage(), any::<bool>());
    run(strategy, |(apply, status, body, sig, salt, head_first, damage, accept_unsigned)| {
        let body_text = Value::Object(body).to_string();
        let mut doc = envelope(&body_text, sig, &salt, head_first, &head_extra(&damage)).into_bytes();
        match &damage {
            Damage::Byte(i, b) => {
                let i = i % doc.len();
                doc[i] = *b;
            }
            Damage::DuplicateInBody => {
                let text = String::from_utf8(doc).unwrap_or_default();
                doc = text.replacen(r#""resultInfo":"#, r#""resultInfo":{},"resultInfo":"#, 1).into_bytes();
            }
            _ => {}
        }
        let response = HttpResponse::new(status, doc.clone());
        let c = client(accept_unsigned);
        let o = interpret(&c, apply, &response);
        prop_assert_eq!(&o, &interpret(&c, apply, &response), "deterministic");
        if o.is_final() {
            prop_assert_eq!(status, 200, "a verdict at HTTP {}", status);
            prop_assert!(json::parse_object(&doc).is_ok(), "a verdict from non-strict JSON");
            let parts = Paytm::<FixedClock, FixedRandom>::response_signature_parts(&response);
            match parts {
                Some((raw, s)) => {
                    prop_assert!(checksum::verify(&raw, &Secret::new(KEY), &s), "a verdict with a bad signature")
                }
                None => prop_assert!(accept_unsigned, "a verdict from an unsigned answer"),
            }
        }
        // A changed byte inside the signed body never keeps a verdict the original did not have.
        if let Damage::Byte(..) = damage {
            let original = envelope(&body_text, sig, &salt, head_first, "");
            if o.is_final() && !accept_unsigned {
                let (raw, _) = Paytm::<FixedClock, FixedRandom>::response_signature_parts(&response).unwrap();
                prop_assert_eq!(raw.as_str(), body_text.as_str(), "the signed body is intact");
                let before = interpret(&c, apply, &HttpResponse::new(status, original));
                prop_assert_eq!((o.status, o.reason), (before.status, before.reason));
            }
        }
        Ok(())
    });
}

#[test]
fn unknown_fields_never_change_a_verdict() {
    let unknown = (
        "zz[A-Za-z_]{1,10}",
        prop_oneof![Just(json!(null)), Just(json!("x")), Just(json!({"a": [1]})), any::<i32>().prop_map(Value::from)],
    );
    let strategy = (any::<bool>(), body(), unknown, any::<bool>());
    run(strategy, |(apply, body, (name, value), in_body)| {
        let c = client(false);
        let text = Value::Object(body.clone()).to_string();
        let before = interpret(&c, apply, &HttpResponse::new(200, envelope(&text, Sig::Valid, "aB3d", true, "")));
        let after = if in_body {
            let mut b = body;
            b.insert(name, value);
            let t = Value::Object(b).to_string();
            interpret(&c, apply, &HttpResponse::new(200, envelope(&t, Sig::Valid, "aB3d", true, "")))
        } else {
            let extra = format!(",\"{name}\":{value}");
            interpret(&c, apply, &HttpResponse::new(200, envelope(&text, Sig::Valid, "aB3d", true, &extra)))
        };
        prop_assert_eq!(
            (before.status, before.reason, before.next_step),
            (after.status, after.reason, after.next_step)
        );
        Ok(())
    });
}

#[test]
fn webhooks_are_events_only_when_signed_and_strict() {
    let webhook_body = (prop::sample::select(vec!["SUCCESS", "FAILED"]), money_text(), any::<bool>()).prop_map(
        |(status, amount, other_mid)| {
            json!({"mid": if other_mid { "OTHERMID" } else { MID }, "orderId": "O1", "refId": "R1", "refundId": "RF1",
                   "txnId": "T1", "txnAmount": "10.00", "refundAmount": amount, "status": status,
                   "source": "MERCHANT", "acceptRefundTimestamp": "2024-01-01 10:00:00"})
        },
    );
    let strategy = (webhook_body, sig(), damage(), any::<bool>());
    run(strategy, |(body, sig, damage, accept)| {
        let text = body.to_string();
        let mut doc = envelope(&text, sig, "aB3d", true, &head_extra(&damage)).into_bytes();
        if let Damage::Byte(i, b) = damage {
            let i = i % doc.len();
            doc[i] = b;
        }
        let c = client(true); // webhooks ignore the dangerous flag: they are always verified
        let ok = if accept {
            c.parse_accept_refund_webhook(&doc).is_ok()
        } else {
            c.parse_success_refund_webhook(&doc).is_ok()
        };
        if ok {
            prop_assert!(json::parse_object(&doc).is_ok(), "an event from non-strict JSON");
            let response = HttpResponse::new(200, doc.clone());
            let (raw, s) = Paytm::<FixedClock, FixedRandom>::response_signature_parts(&response).expect("signed");
            prop_assert!(checksum::verify(&raw, &Secret::new(KEY), &s));
            let inner = json::parse(raw.as_bytes()).unwrap();
            prop_assert_eq!(inner["mid"].as_str(), Some(MID));
        }
        Ok(())
    });
}

fn id() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9@._-]{1,50}",
        "[A-Za-z0-9]{1,64}",
        "[ -~]{0,60}",
        ".{0,8}",
        "[A-Za-z0-9]{0,4}[\"\\\\/{}\r\n\0][A-Za-z0-9]{0,4}"
    ]
}

#[test]
fn builders_reject_with_typed_errors_or_sign_exactly_what_they_send() {
    let strategy = (id(), id(), id(), 1i64..100_000_000, any::<bool>(), prop::option::of("[ -~]{0,60}"));
    run(strategy, |(order, ref_id, txn, paise, status, comments)| {
        let c = client(false);
        let built = if status {
            c.build_refund_status(&RefundStatusQuery::new(order.clone(), ref_id.clone()))
        } else {
            let mut a = RefundApply::new(order.clone(), ref_id.clone(), txn.clone(), Money::from_paise(paise));
            a.comments = comments.clone();
            c.build_refund_apply(&a)
        };
        match built {
            Ok(r) => {
                for h in &r.headers {
                    let text = format!("{}{}", h.name, h.value);
                    prop_assert!(!text.contains(['\r', '\n', '\0']), "header {:?}", h);
                }
                prop_assert!(
                    r.url == "https://securestage.paytmpayments.com/refund/apply"
                        || r.url == "https://securestage.paytmpayments.com/v2/refund/status"
                );
                // Strict JSON, ids verbatim, and the signature covers exactly the body bytes sent.
                let doc =
                    json::parse_object(&r.body).map_err(|e| TestCaseError::fail(format!("{e}: {}", r.body_text())))?;
                prop_assert_eq!(doc["body"]["orderId"].as_str(), Some(order.as_str()));
                prop_assert_eq!(doc["body"]["refId"].as_str(), Some(ref_id.as_str()));
                let raw = json::raw_object_member(r.body_text(), "body").unwrap();
                let sig = doc["head"]["signature"].as_str().unwrap();
                prop_assert!(checksum::verify(raw, &Secret::new(KEY), sig));
            }
            Err(Error::InvalidInput { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected error kind: {e:?}"),
        }
        Ok(())
    });
}
