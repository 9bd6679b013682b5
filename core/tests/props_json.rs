//! Property tests for the strict JSON parser every interpreter reads answers with.
//!
//! Cases per property: `PROPTEST_CASES` (default 10,000). Long run:
//! `PROPTEST_CASES=1000000 cargo test --release -p refundkit --test props_json`.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use refundkit::crypto::json::{self, JsonError};
use serde_json::{Map, Value};

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

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "-?[1-9][0-9]{0,25}(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?"
            .prop_map(|t| serde_json::from_str::<Value>(&t).unwrap_or(Value::Null)),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

#[test]
fn every_serialized_value_parses_back_exactly() {
    run(value(), |v| {
        let text = v.to_string();
        let parsed = json::parse(text.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
        prop_assert_eq!(&parsed, &v);
        // Pretty printing (white space everywhere) changes nothing.
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        prop_assert_eq!(json::parse(pretty.as_bytes()).ok(), Some(v));
        Ok(())
    });
}

fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(m) => m.values().map(count).sum(),
        _ => 0,
    }
}

/// Replaces the `n`-th node (pre-order) with `with`.
fn replace_nth(v: &mut Value, n: &mut usize, with: &Value) -> bool {
    if *n == 0 {
        *v = with.clone();
        return true;
    }
    *n -= 1;
    match v {
        Value::Array(a) => a.iter_mut().any(|x| replace_nth(x, n, with)),
        Value::Object(m) => m.values_mut().any(|x| replace_nth(x, n, with)),
        _ => false,
    }
}

#[test]
fn a_duplicate_member_anywhere_is_refused() {
    run((value(), ".{0,6}", any::<prop::sample::Index>()), |(mut v, key, at)| {
        // Replace a random node with a marker, then the marker's text with an object holding `key` twice.
        const MARK: &str = "\u{1}dup-marker\u{1}";
        let mut n = at.index(count(&v));
        replace_nth(&mut v, &mut n, &Value::from(MARK));
        let dup = format!("{{{k}:1,{k}:2}}", k = Value::from(key));
        let doc = v.to_string().replacen(&Value::from(MARK).to_string(), &dup, 1);
        prop_assert_eq!(json::parse(doc.as_bytes()).err(), Some(JsonError::DuplicateKey), "{}", doc);
        Ok(())
    });
}

#[test]
fn strict_acceptance_implies_serde_acceptance_and_never_panics() {
    let bytes = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        ".{0,64}".prop_map(String::into_bytes),
        "[\\[\\]{}\",:0-9a-z\\\\ .eE+-]{0,64}".prop_map(String::into_bytes),
    ];
    run(bytes, |b| {
        if let Ok(v) = json::parse(&b) {
            let serde: Value = serde_json::from_slice(&b).map_err(|e| TestCaseError::fail(format!("{e}")))?;
            prop_assert_eq!(v, serde);
        }
        Ok(())
    });
}
