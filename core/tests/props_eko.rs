//! Property tests: the verdict rule over the Eko interpreters and the Eko builders.
//!
//! Cases per property: `PROPTEST_CASES` (default 10,000). Long run:
//! `PROPTEST_CASES=1000000 cargo test --release -p refundkit --test props_eko`.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use refundkit::crypto::json;
use refundkit::eko::{self, ApiFlavour, Eko, EkoConfig, Operation, RefundRequest, TransactionRef};
use refundkit::{Error, FixedClock, HttpRequest, HttpResponse, Outcome, Status};
use serde_json::{json, Map, Value};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000)
}

fn run<S: Strategy>(strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let config = Config { cases: cases(), failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{e}");
    }
}

const OPS: [Operation; 4] =
    [Operation::RefundOtp, Operation::InitiateRefund, Operation::Inquiry, Operation::PendingRefunds];

/// The HTTP statuses Eko documents a verdict for (spec §6.5): 2xx, and 403/404/405/415 as decisive refusals.
fn documented(status: u16) -> bool {
    matches!(status, 200..=299 | 403 | 404 | 405 | 415)
}

fn http_status() -> impl Strategy<Value = u16> {
    prop_oneof![
        6 => Just(200u16),
        1 => prop::sample::select(vec![100u16, 199, 201, 204, 300, 302, 304, 400, 401, 402, 403, 404, 405, 408, 409,
                                       415, 418, 422, 429, 451, 500, 502, 503, 504, 600, 999]),
        1 => 0u16..=1000,
    ]
}

fn code() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![0i64, 1, 2133, 302, 303, 168, 347, -2, -1, 74, 319, 463, 55, 544, 17, 945])
            .prop_map(Value::from),
        any::<i32>().prop_map(Value::from),
        prop::sample::select(vec!["0", "1", " 0 ", "302", "x", ""]).prop_map(Value::from),
        Just(Value::Null),
    ]
}

fn tx_status() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0i64..=7).prop_map(Value::from),
        (0i64..=7).prop_map(|v| Value::from(v.to_string())),
        Just(Value::from(" 4 ")),
        Just(Value::from("")),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), Just(" ".to_string()), Just("\t\n".to_string()), "[0-9]{1,12}", "[ -~]{0,12}",]
}

fn message() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "Refund done",
        "Transaction is already in refunded state.",
        "Transaction is not in a refundable state",
        "No key for Response",
        "OTP for failed transaction has been sent to customers mobile {2} {3}",
        "Wrong TID or OTP {2} {3}",
        "",
    ])
    .prop_map(str::to_string)
}

/// A realistic Eko envelope: any subset of the fields the rules read, with values from Eko's tables and noise.
fn envelope() -> impl Strategy<Value = Map<String, Value>> {
    (
        prop::option::of(code()),
        prop::option::of(code()),
        prop::option::of(code()),
        prop::option::of(tx_status()),
        prop::option::of(message()),
        prop::option::of((
            prop::option::of(text()),
            prop::option::of(text()),
            prop::option::of(tx_status()),
            prop::option::of(prop::sample::select(vec!["5000.00", "2.22263731286E9", "1.005", "x", "50.0"])),
        )),
        prop::option::of(prop::sample::select(vec!["otp", "tid", "user_code"])),
    )
        .prop_map(|(status, rsid, rtid, tx, msg, data, invalid)| {
            let mut m = Map::new();
            let mut put = |k: &str, v: Option<Value>| {
                if let Some(v) = v {
                    m.insert(k.to_string(), v);
                }
            };
            put("status", status);
            put("response_status_id", rsid);
            put("response_type_id", rtid);
            put("tx_status", tx);
            put("message", msg.map(Value::from));
            if let Some((refund_tid, otp_ref_id, dtx, amount)) = data {
                let mut d = Map::new();
                if let Some(v) = refund_tid {
                    d.insert("refund_tid".into(), v.into());
                }
                if let Some(v) = otp_ref_id {
                    d.insert("otp_ref_id".into(), v.into());
                }
                if let Some(v) = dtx {
                    d.insert("tx_status".into(), v);
                }
                if let Some(v) = amount {
                    d.insert("amount".into(), v.into());
                }
                d.insert("tid".into(), "13192443".into());
                put("data", Some(Value::Object(d)));
            }
            if let Some(field) = invalid {
                put("invalid_params", Some(json!({ field: "Invalid {2} {3}" })));
            }
            m
        })
}

/// How the body text is damaged before it is sent.
#[derive(Debug, Clone)]
enum Damage {
    None,
    /// A second copy of a member (any member, any value).
    DuplicateKey(String, Value),
    /// A byte replaced.
    Byte(usize, u8),
    /// Cut short.
    Truncate(usize),
    /// A bad escape, a lone surrogate or deep nesting appended as a member.
    Hostile(usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        4 => Just(Damage::None),
        1 => (prop::sample::select(vec!["status", "response_type_id", "tx_status", "data", "message"]), code())
            .prop_map(|(k, v)| Damage::DuplicateKey(k.to_string(), v)),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Damage::Byte(i, b)),
        1 => any::<usize>().prop_map(Damage::Truncate),
        1 => (0usize..3).prop_map(Damage::Hostile),
    ]
}

fn apply_damage(body: &str, d: &Damage) -> Vec<u8> {
    let close = body.rfind('}').unwrap_or(0);
    let insert = |member: &str| {
        let sep = if body.len() > 2 { "," } else { "" };
        format!("{}{sep}{member}{}", &body[..close], &body[close..]).into_bytes()
    };
    match d {
        Damage::None => body.as_bytes().to_vec(),
        Damage::DuplicateKey(k, v) => {
            if body.contains(&format!("\"{k}\":")) {
                insert(&format!("\"{k}\":{v}"))
            } else {
                insert(&format!("\"{k}\":{v},\"{k}\":{v}"))
            }
        }
        Damage::Byte(i, b) => {
            let mut bytes = body.as_bytes().to_vec();
            if !bytes.is_empty() {
                let i = i % bytes.len();
                bytes[i] = *b;
            }
            bytes
        }
        Damage::Truncate(i) => body.as_bytes()[..i % (body.len().max(1))].to_vec(),
        Damage::Hostile(k) => match k {
            0 => insert(r#""zz":"\q""#),
            1 => insert(r#""zz":"\ud800""#),
            _ => insert(&format!(r#""zz":{}{}"#, "[".repeat(100), "]".repeat(100))),
        },
    }
}

fn outcome_of(op: Operation, response: &HttpResponse) -> Outcome {
    eko::interpret(op, response)
}

fn verdict(o: &Outcome) -> (Status, &'static str, &'static str) {
    (o.status, o.reason.as_str(), o.next_step.as_str())
}

#[test]
fn interpreters_never_give_an_unproven_verdict() {
    let strategy = (prop::sample::select(OPS.to_vec()), http_status(), envelope(), damage());
    run(strategy, |(op, status, env, damage)| {
        let text = Value::Object(env).to_string();
        let body = apply_damage(&text, &damage);
        let response = HttpResponse::new(status, body.clone());
        let o = outcome_of(op, &response);
        // Deterministic: the same answer always means the same thing.
        prop_assert_eq!(&o, &outcome_of(op, &response));
        if o.is_final() {
            prop_assert!(documented(status), "verdict {:?} at undocumented HTTP {}", o.status, status);
            let needs_body = (200..=299).contains(&status);
            if needs_body {
                prop_assert!(
                    json::parse_object(&body).is_ok(),
                    "verdict {:?} from a body that is not strict JSON: {}",
                    o.status,
                    String::from_utf8_lossy(&body)
                );
            }
        }
        if o.status == Status::Succeeded {
            if let Some(id) = o.refund.as_ref().and_then(|r| r.refund_id.as_deref()) {
                prop_assert!(!id.trim().is_empty(), "a blank refund_tid is no confirmation");
            }
        }
        // The pending-refunds list only comes from a readable 2xx answer.
        if op == Operation::PendingRefunds {
            let p = eko::interpret_pending_refunds(&response);
            if p.listed {
                prop_assert!((200..=299).contains(&status) && json::parse_object(&body).is_ok());
            }
        }
        Ok(())
    });
}

#[test]
fn unknown_fields_never_change_a_verdict() {
    let unknown =
        ("zz_[a-z_]{1,12}", prop_oneof![code(), text().prop_map(Value::from), Just(json!({"a":[1,{"b":null}]}))]);
    let strategy = (prop::sample::select(OPS.to_vec()), http_status(), envelope(), unknown, any::<bool>());
    run(strategy, |(op, status, env, (name, value), in_data)| {
        let before = outcome_of(op, &HttpResponse::new(status, Value::Object(env.clone()).to_string()));
        let mut env2 = env;
        match env2.get_mut("data") {
            Some(Value::Object(d)) if in_data => {
                d.insert(name, value);
            }
            _ => {
                env2.insert(name, value);
            }
        }
        let after = outcome_of(op, &HttpResponse::new(status, Value::Object(env2).to_string()));
        prop_assert_eq!(verdict(&before), verdict(&after));
        Ok(())
    });
}

fn check_request(r: &HttpRequest, base: &str) -> Result<(), TestCaseError> {
    for h in &r.headers {
        for s in [&h.name, &h.value] {
            prop_assert!(!s.contains(['\r', '\n', '\0']), "header {:?}", h);
        }
    }
    prop_assert!(r.url.starts_with(base), "{}", r.url);
    let rest = &r.url[base.len()..];
    let path = rest.split('?').next().unwrap_or("");
    prop_assert!(!path.contains([' ', '#', '\\']), "{}", r.url);
    prop_assert!(!rest.contains(['#', ' ']), "{}", r.url);
    let b = path.as_bytes();
    for (i, c) in b.iter().enumerate() {
        if *c == b'%' {
            prop_assert!(
                b.len() > i + 2 && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit(),
                "unencoded % in {}",
                r.url
            );
        }
    }
    Ok(())
}

/// Ids within the documented constraints, and hostile ones.
fn id() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,30}",
        "[A-Za-z0-9_-]{1,20}",
        "[ -~]{0,40}",
        "[0-9]{0,5}[/?#% \r\n\0][0-9]{0,5}",
        ".{0,10}",
        Just("../../admin".to_string()),
        Just("1%2F2".to_string()),
    ]
}

fn eko_client(legacy: bool) -> Eko<FixedClock> {
    let mut c = EkoConfig::uat();
    if legacy {
        c.flavour = ApiFlavour::LegacyForm;
        c.base_url = "https://staging.eko.in/ekoapi/v1".into();
    }
    Eko::with_clock(c, FixedClock(1_700_000_000_000)).unwrap()
}

#[test]
fn builders_reject_with_typed_errors_or_build_clean_requests() {
    let strategy = (any::<bool>(), id(), id(), prop::option::of(id()), 0u8..5);
    run(strategy, |(legacy, a, b, c, which)| {
        let eko = eko_client(legacy);
        let base = eko.config().base_url.trim_end_matches('/').to_string();
        let built: Result<HttpRequest, Error> = match which {
            0 => eko.build_refund_otp(&a),
            1 => {
                let mut r = RefundRequest::new(a.clone(), b.clone());
                r.otp_ref_id = c.clone();
                eko.build_initiate_refund(&r)
            }
            2 => eko.build_inquiry(&TransactionRef::Tid(a.clone())),
            3 => eko.build_inquiry(&TransactionRef::ClientRefId(a.clone())),
            _ => eko.build_pending_refunds(&a),
        };
        match built {
            Ok(r) => {
                check_request(&r, &base)?;
                // The id is in the URL exactly once, encoded, and never changes the path's shape.
                if which <= 3 {
                    prop_assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-'), "{a:?}");
                }
            }
            Err(Error::InvalidInput { .. }) | Err(Error::Unsupported(_)) => {}
            Err(e) => prop_assert!(false, "unexpected error kind: {e:?}"),
        }
        Ok(())
    });
}
