//! Tests of the Paytm exports, through the exported API only: known answers, error fields, secret hygiene, and
//! every case of the shared conformance vectors (`tests/vectors/paytm_*.json`), as the Kotlin/Swift/Python suites
//! will run them.

use super::*;
use crate::{fixed_clock, HttpMethod};
use serde_json::{json, Value};

const V1_KEY: &str = "A1b2C3d4E5f6G7h8";
const V1_BODY: &str = r#"{"mid":"YOUR_MID_HERE","orderId":"YOUR_ORDER_ID_HERE"}"#;
const V1_SIG: &str =
    "ZRLX7MQ4eFb3ITQi53/f4xfFt7HEiKd/HNPszY3UHLJHtBF00MWBI4VsZG6B9xOqET0/XKBvOKVEl01TK2SLbcSQOBqcCDHKtHBaacUhK3A=";
const MID: &str = "INTEGR7769XXXXXX9383";
const KEY: &str = "Test&Key#12345$@";
const TXN: &str = "202005081112128XXXXXX68470101509706";
const NOW: i64 = 1_700_000_000_000;

fn s(v: &str) -> String {
    v.to_string()
}

fn params(pairs: &[(&str, Option<&str>)]) -> HashMap<String, Option<String>> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.map(str::to_string))).collect()
}

fn client(random: Vec<u8>) -> Arc<PaytmClient> {
    PaytmClient::staging(s(MID), s(KEY), Some(fixed_clock(NOW)), Some(fixed_random(random))).unwrap()
}

fn config_field(e: RefundkitError) -> String {
    match e {
        RefundkitError::Configuration { field, .. } => field,
        other => panic!("expected Configuration, got {other:?}"),
    }
}

fn input_field(e: RefundkitError) -> String {
    match e {
        RefundkitError::InvalidInput { field, .. } => field,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Checksum functions

#[test]
fn checksum_and_verify_known_answers() {
    assert_eq!(paytm_checksum(s(V1_BODY), s(V1_KEY), Some(s("abcd"))).unwrap(), V1_SIG);
    assert!(paytm_verify(s(V1_BODY), s(V1_KEY), s(V1_SIG)));
    assert!(!paytm_verify(s(V1_BODY), s("A1b2C3d4E5f6G7h9"), s(V1_SIG)));
    // Without a salt: drawn from the CSPRNG, 108 characters, verifies, and differs between calls.
    let a = paytm_checksum(s(V1_BODY), s(V1_KEY), None).unwrap();
    let b = paytm_checksum(s(V1_BODY), s(V1_KEY), None).unwrap();
    assert_eq!(a.len(), 108);
    assert!(paytm_verify(s(V1_BODY), s(V1_KEY), a.clone()));
    assert_ne!(a, b);
}

#[test]
fn verify_is_total() {
    for (key, sig) in [
        (V1_KEY, ""),
        (V1_KEY, "not base64!"),
        (V1_KEY, "ZRLX7MQ4eFb3ITQi53/f4xfFt7HEiKd/HNPszY3UHLJH"),
        ("", V1_SIG),
        ("short", V1_SIG),
        ("A1b2C3d4E5f6G7h8X", V1_SIG),
    ] {
        assert!(!paytm_verify(s(V1_BODY), s(key), s(sig)), "{key:?} {sig:?}");
        assert!(!paytm_verify_params(params(&[("MID", Some("m"))]), s(key), s(sig)));
    }
}

#[test]
fn params_form_ignores_checksumhash_and_maps_null() {
    let v5 =
        "2gTwLY5w37tA10fiyOnXfJYxWctdPK6jvsSpb3DdgLgSw9aEGPEAB7et3pXnvI5x7231FFCpiPHrppxwztSdMwGEgs9v1KDU94bpJTKCdkE=";
    let map = params(&[("MID", Some("m1")), ("ORDERID", Some("o1")), ("CUST_ID", Some("NuLl"))]);
    assert_eq!(paytm_params_string(map.clone()), "|m1|o1");
    assert_eq!(paytm_checksum_params(map.clone(), s(V1_KEY), Some(s("1234"))).unwrap(), v5);
    let mut with_hash = map.clone();
    with_hash.insert(s("CHECKSUMHASH"), Some(s("anything")));
    assert_eq!(paytm_checksum_params(with_hash.clone(), s(V1_KEY), Some(s("1234"))).unwrap(), v5);
    assert!(paytm_verify_params(with_hash, s(V1_KEY), s(v5)));
    let real_null = params(&[("MID", Some("m1")), ("ORDERID", Some("o1")), ("CUST_ID", None)]);
    assert!(paytm_verify_params(real_null, s(V1_KEY), s(v5)));
    let fresh = paytm_checksum_params(map.clone(), s(V1_KEY), None).unwrap();
    assert!(paytm_verify_params(map, s(V1_KEY), fresh));
}

#[test]
fn checksum_errors_name_the_field_and_never_the_key() {
    for key in ["", "short-key", "Test&Key#12345$@X", "Test&Key#12345$"] {
        let e = paytm_checksum(s(V1_BODY), s(key), Some(s("abcd"))).unwrap_err();
        if !key.is_empty() {
            assert!(!format!("{e} {e:?}").contains(key), "{e:?}");
        }
        assert_eq!(config_field(e), "merchant_key");
        let e = paytm_checksum(s(V1_BODY), s(key), None).unwrap_err();
        assert_eq!(config_field(e), "merchant_key");
        let e = paytm_checksum_params(params(&[("MID", Some("m"))]), s(key), None).unwrap_err();
        assert_eq!(config_field(e), "merchant_key");
    }
    for salt in ["abc", "abcde", "ab d", "abç"] {
        let e = paytm_checksum(s(V1_BODY), s(V1_KEY), Some(s(salt))).unwrap_err();
        assert_eq!(input_field(e), "salt");
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Randomness

struct ShortSource;

impl RandomSource for ShortSource {
    fn fill(&self, len: i32) -> Result<Vec<u8>, RefundkitError> {
        Ok(vec![1; len.saturating_sub(1).max(0) as usize])
    }
}

#[test]
fn fixed_random_maps_bytes_to_salts_and_bad_sources_are_errors() {
    assert_eq!(paytm_random_salt(Some(fixed_random(vec![23, 50, 61, 25]))).unwrap(), "Xy9Z");
    // Bytes >= 248 are skipped: 255, 248 skipped; 0 => 'A', 63 => 'B', 247 => 247 % 62 = 61 => '9'.
    assert_eq!(paytm_random_salt(Some(fixed_random(vec![255, 248, 0, 63, 247]))).unwrap(), "AB9A");
    let os = paytm_random_salt(None).unwrap();
    assert!(os.len() == 4 && os.bytes().all(|b| b.is_ascii_alphanumeric()), "{os}");
    for broken in [fixed_random(vec![]), fixed_random(vec![250]), Arc::new(ShortSource) as Arc<dyn RandomSource>] {
        assert!(matches!(paytm_random_salt(Some(broken.clone())), Err(RefundkitError::Internal { .. })));
        let c = PaytmClient::staging(s(MID), s(KEY), None, Some(broken)).unwrap();
        let e = c.build_refund_status(s("O1"), Some(s("R1")), None).unwrap_err();
        assert!(matches!(e, RefundkitError::Internal { .. }), "{e:?}");
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Client

#[test]
fn client_builds_v2_and_hides_the_key() {
    let c = client(vec![23, 50, 61, 25]);
    let debug = format!("{c:?}");
    assert!(debug.contains("securestage.paytmpayments.com") && debug.contains(MID), "{debug}");
    assert!(!debug.contains(KEY), "{debug}");
    let r = c.build_refund_apply(s("OREDRID_98765"), s("REFUNDID_98765"), s(TXN), 100, None, None).unwrap();
    assert_eq!(r.method, HttpMethod::Post);
    assert_eq!(r.url, "https://securestage.paytmpayments.com/refund/apply");
    let body = String::from_utf8(r.body).unwrap();
    assert!(body.ends_with(r#""head":{"signature":"UdhLKPGGK21DhC6RrCWN7IwlJab2jHyjdSPnwsPBMod04Q+AUqadsT5XOQb5o6JO2DI66MTT4ZNr+ZX/Le3fhvzoN0xgCxW3nDbxRTdlxD4="}}"#), "{body}");
    let prod = PaytmClient::production(s(MID), s(KEY), None, None).unwrap();
    assert!(format!("{prod:?}").contains("https://secure.paytmpayments.com"));
}

#[test]
fn configuration_errors_name_the_setting_and_never_the_key() {
    let options = |mid: &str| PaytmOptions {
        mid: s(mid),
        environment: PaytmEnvironment::Staging,
        flavour: None,
        base_url: None,
        client_id: None,
        version: None,
        channel_id: None,
        request_timestamp: false,
        token_type_checksum: false,
        comments_max_len: 50,
        not_found_grace_period_ms: 1_800_000,
        dangerously_accept_unsigned_responses: false,
    };
    for (opts, key, field) in [
        (options(MID), "Test&Key#12345$@X", "merchant_key"),
        (options(MID), "Test&Key#12345$", "merchant_key"),
        (options("MID-1"), KEY, "mid"),
        (PaytmOptions { base_url: Some(s("http://securestage.paytmpayments.com")), ..options(MID) }, KEY, "base_url"),
        (PaytmOptions { client_id: Some(s("C-11")), ..options(MID) }, KEY, "client_id"),
        (PaytmOptions { channel_id: Some(s("")), ..options(MID) }, KEY, "channel_id"),
        (PaytmOptions { comments_max_len: 0, ..options(MID) }, KEY, "comments_max_len"),
    ] {
        let e = PaytmClient::new(opts, s(key), None, None).unwrap_err();
        if !key.is_empty() {
            assert!(!format!("{e} {e:?}").contains(key), "{e:?}");
        }
        assert_eq!(config_field(e), field);
    }
    assert!(PaytmClient::new(options(MID), s(KEY), None, None).is_ok());
    // An empty key means delegated signing: accepted here; signing in process then names the missing key.
    let keyless = PaytmClient::new(options(MID), s(""), None, None).unwrap();
    assert_eq!(
        config_field(keyless.build_refund_status(s("ORDER1"), Some(s("REF1")), None).unwrap_err()),
        "merchant_key"
    );
    // The MID passed as the key is a classic mistake: refused, and neither is echoed.
    let e = PaytmClient::new(options("ABCDEFGHIJ123456"), s("ABCDEFGHIJ123456"), None, None).unwrap_err();
    assert!(!format!("{e} {e:?}").contains("ABCDEFGHIJ123456"));
    assert_eq!(config_field(e), "merchant_key");
}

#[test]
fn input_errors_name_the_wire_field() {
    let c = client(vec![0]);
    let apply = |order: &str, refid: &str, txn: &str, amount: i64, original: Option<i64>, comments: Option<&str>| {
        c.build_refund_apply(s(order), s(refid), s(txn), amount, original, comments.map(s)).unwrap_err()
    };
    assert_eq!(input_field(apply("ORD 1", "R1", TXN, 100, None, None)), "orderId");
    assert_eq!(input_field(apply("O1", "R/1", TXN, 100, None, None)), "refId");
    assert_eq!(input_field(apply("O1", "R1", "", 100, None, None)), "txnId");
    assert_eq!(input_field(apply("O1", "R1", TXN, 0, None, None)), "refundAmount");
    assert_eq!(input_field(apply("O1", "R1", TXN, 99, None, None)), "refundAmount");
    assert_eq!(input_field(apply("O1", "R1", TXN, 100, Some(-1), None)), "originalAmount");
    assert_eq!(input_field(apply("O1", "R1", TXN, 100, None, Some("a\nb"))), "comments");
    assert_eq!(input_field(c.build_refund_status(s("O1"), None, None).unwrap_err()), "refId");
    assert_eq!(input_field(c.build_refund_status(s("O1"), Some(s("R1")), Some(s("1"))).unwrap_err()), "refundId");
}

#[test]
fn tampered_webhooks_never_parse() {
    let c = client(vec![0]);
    for body in
        [&b"{}"[..], b"not json", b"{\"head\":{\"signature\":\"x\"},\"body\":{\"mid\":\"INTEGR7769XXXXXX9383\"}}"]
    {
        assert!(c.parse_accept_refund_webhook(body.to_vec()).is_err());
        assert!(c.parse_success_refund_webhook(body.to_vec()).is_err());
    }
    assert_eq!(
        c.parse_refund_arn_webhook(b"MID=INTEGR7769XXXXXX9383&ORDERID=O1".to_vec()).unwrap_err(),
        PaytmWebhookError::SignatureMissing
    );
    let e = c.parse_refund_arn_webhook(b"MID=INTEGR7769XXXXXX9383&ORDERID=O1&CHECKSUMHASH=abc".to_vec()).unwrap_err();
    assert_eq!(e, PaytmWebhookError::SignatureInvalid);
    assert!(!format!("{e} {e:?}").contains(KEY));
}

// ---------------------------------------------------------------------------------------------------------------
// The shared conformance vectors, through the exported API

fn vectors(name: &str) -> Value {
    let path = format!("{}/../tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// snake_case of a mirror enum's variant name, as the vectors spell it.
fn snake(debug: String) -> String {
    let mut out = String::new();
    for (i, c) in debug.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `default_config` overridden by the case's `config`, as a client; the merchant key stays an argument.
fn vector_client(file: &Value, case: &Value) -> Result<Arc<PaytmClient>, RefundkitError> {
    let mut config = file["default_config"].as_object().unwrap().clone();
    if let Some(over) = case.get("config").and_then(Value::as_object) {
        config.extend(over.clone());
    }
    let c = Value::Object(config);
    let options = PaytmOptions {
        mid: text(&c, "mid").unwrap(),
        environment: match c["environment"].as_str().unwrap() {
            "staging" => PaytmEnvironment::Staging,
            "production" => PaytmEnvironment::Production,
            other => panic!("environment {other}"),
        },
        flavour: text(&c, "flavour").map(|f| match f.as_str() {
            "pg" => PaytmFlavour::Pg,
            "ai_router" => PaytmFlavour::AiRouter,
            other => panic!("flavour {other}"),
        }),
        base_url: text(&c, "base_url"),
        client_id: text(&c, "client_id"),
        version: text(&c, "version"),
        channel_id: text(&c, "channel_id"),
        request_timestamp: c.get("request_timestamp").and_then(Value::as_bool).unwrap_or(false),
        token_type_checksum: c.get("token_type_checksum").and_then(Value::as_bool).unwrap_or(false),
        comments_max_len: c.get("comments_max_len").and_then(Value::as_i64).map_or(50, |n| n as i32),
        not_found_grace_period_ms: 1_800_000,
        dangerously_accept_unsigned_responses: false,
    };
    let clock = case.get("now_ms").and_then(Value::as_i64).map(fixed_clock);
    let random = case
        .get("random_bytes")
        .and_then(Value::as_array)
        .map(|b| fixed_random(b.iter().map(|x| x.as_u64().unwrap() as u8).collect()));
    PaytmClient::new(options, text(&c, "merchant_key").unwrap(), clock, random)
}

fn error_kind_and_field(e: &RefundkitError) -> (&'static str, &str) {
    match e {
        RefundkitError::InvalidInput { field, .. } => ("invalid_input", field),
        RefundkitError::Configuration { field, .. } => ("configuration", field),
        RefundkitError::Unsupported { .. } => ("unsupported", ""),
        RefundkitError::Internal { .. } => ("internal", ""),
        RefundkitError::Signer { .. } => ("signer", ""),
        RefundkitError::Store { .. } => ("store", ""),
        RefundkitError::ClaimedElsewhere { .. } => ("claimed_elsewhere", ""),
    }
}

#[test]
fn vectors_checksum() {
    let cases = vectors("paytm_checksum.json");
    let cases = cases.as_array().unwrap();
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let key = text(c, "key").unwrap();
        let string = text(c, "string_to_sign").unwrap();
        let map = c
            .get("params")
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().map(str::to_string))).collect::<HashMap<_, _>>());
        match c["kind"].as_str().unwrap() {
            "sign" => {
                let expected = text(c, "expected_signature").unwrap();
                let salt = text(c, "salt").unwrap();
                assert_eq!(
                    paytm_checksum(string.clone(), key.clone(), Some(salt.clone())).unwrap(),
                    expected,
                    "{name}"
                );
                assert!(paytm_verify(string.clone(), key.clone(), expected.clone()), "{name}");
                if let Some(map) = map {
                    assert_eq!(paytm_params_string(map.clone()), string, "{name}");
                    let signed = paytm_checksum_params(map.clone(), key.clone(), Some(salt)).unwrap();
                    assert_eq!(signed, expected, "{name}");
                    assert!(paytm_verify_params(map, key, expected), "{name}");
                }
            }
            "variant" => {
                let map = map.unwrap();
                let salt = text(c, "salt").unwrap();
                let correct = text(c, "correct_signature_for_params").unwrap();
                let node = text(c, "expected_signature").unwrap();
                let signed = paytm_checksum_params(map.clone(), key.clone(), Some(salt.clone())).unwrap();
                assert_eq!(signed, correct, "{name}");
                assert_ne!(signed, node, "{name}");
                assert!(!paytm_verify_params(map, key.clone(), node.clone()), "{name}");
                assert_eq!(paytm_checksum(string, key, Some(salt)).unwrap(), node, "{name}");
            }
            "verify_negative" => {
                assert!(!paytm_verify(string, key, text(c, "signature").unwrap()), "{name}");
            }
            other => panic!("{name}: kind {other}"),
        }
    }
    assert!(cases.len() >= 9);
}

#[test]
fn vectors_requests() {
    let file = vectors("paytm_requests.json");
    let cases = file["cases"].as_array().unwrap();
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let input = &c["input"];
        let result = vector_client(&file, c).and_then(|client| match c["operation"].as_str().unwrap() {
            "refund_apply" => client.build_refund_apply(
                text(input, "order_id").unwrap(),
                text(input, "ref_id").unwrap(),
                text(input, "txn_id").unwrap(),
                input["refund_amount_paise"].as_i64().unwrap(),
                input.get("original_amount_paise").and_then(Value::as_i64),
                text(input, "comments"),
            ),
            "refund_status" => client.build_refund_status(
                text(input, "order_id").unwrap(),
                text(input, "ref_id"),
                text(input, "refund_id"),
            ),
            other => panic!("{name}: operation {other}"),
        });
        if let Some(expect) = c.get("expect") {
            let r = result.unwrap_or_else(|e| panic!("{name}: {e:?}"));
            let method = match r.method {
                HttpMethod::Get => "GET",
                HttpMethod::Post => "POST",
            };
            assert_eq!(method, expect["method"], "{name}");
            assert_eq!(r.url, expect["url"].as_str().unwrap(), "{name}");
            let headers: Vec<Value> = r.headers.iter().map(|h| json!([h.name, h.value])).collect();
            assert_eq!(Value::Array(headers), expect["headers"], "{name}");
            assert_eq!(String::from_utf8(r.body).unwrap(), expect["body"].as_str().unwrap(), "{name}");
        } else {
            let expect = &c["expect_error"];
            let e = result.err().unwrap_or_else(|| panic!("{name}: expected an error"));
            let (kind, field) = error_kind_and_field(&e);
            assert_eq!(kind, expect["kind"].as_str().unwrap(), "{name}: {e:?}");
            if let Some(f) = expect.get("field").and_then(Value::as_str) {
                assert_eq!(field, f, "{name}");
            }
        }
    }
    assert!(cases.len() >= 30);
}

fn outcome_value(o: &Outcome, key: &str) -> Value {
    let r = o.refund.as_ref();
    let opt = |v: Option<&String>| v.map_or(Value::Null, |s| json!(s));
    let num = |v: Option<i64>| v.map_or(Value::Null, |n| json!(n));
    match key {
        "status" => json!(snake(format!("{:?}", o.status))),
        "reason" => json!(snake(format!("{:?}", o.reason))),
        "next_step" => json!(snake(format!("{:?}", o.next_step))),
        "refund_id" => opt(r.and_then(|r| r.refund_id.as_ref())),
        "original_id" => opt(r.and_then(|r| r.original_id.as_ref())),
        "original_amount_paise" => num(r.and_then(|r| r.original_amount_paise)),
        "refunded_amount_paise" => num(r.and_then(|r| r.refunded_amount_paise)),
        "completed_at" => opt(r.and_then(|r| r.completed_at.as_ref())),
        "provider_status" => opt(r.and_then(|r| r.provider_status.as_ref())),
        "message" => opt(o.raw.message.as_ref()),
        "raw_message" => opt(o.raw.raw_message.as_ref()),
        other => panic!("unknown expect key {other}"),
    }
}

#[test]
fn vectors_interpret() {
    let file = vectors("paytm_interpret.json");
    let cases = file["cases"].as_array().unwrap();
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let client = vector_client(&file, c).unwrap();
        let resp = &c["response"];
        let response = HttpResponse {
            status: resp["status"].as_i64().unwrap() as i32,
            headers: resp["headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| crate::Header { name: s(h[0].as_str().unwrap()), value: s(h[1].as_str().unwrap()) })
                .collect(),
            body: resp["body"].as_str().unwrap().as_bytes().to_vec(),
        };
        let o = match c["operation"].as_str().unwrap() {
            "refund_apply" => client.interpret_refund_apply(response),
            "refund_status" => {
                let prior = match &c["prior_apply"] {
                    Value::String(u) if u == "unknown" => None,
                    Value::Object(m) => {
                        Some(PaytmPriorApply::AcceptedAt { unix_ms: m["accepted_at_ms"].as_i64().unwrap() })
                    }
                    other => panic!("{name}: prior_apply {other}"),
                };
                client.interpret_refund_status(response, prior)
            }
            other => panic!("{name}: operation {other}"),
        };
        for (key, want) in c["expect"].as_object().unwrap() {
            match key.as_str() {
                "codes" => {
                    for (code, value) in want.as_object().unwrap() {
                        let got = o.raw.codes.iter().find(|p| &p.name == code).map(|p| p.value.as_str());
                        assert_eq!(got, value.as_str(), "{name}: code {code} in {:?}", o.raw.codes);
                    }
                }
                "warnings_contain" => {
                    let needle = want.as_str().unwrap();
                    assert!(o.warnings.iter().any(|w| w.contains(needle)), "{name}: {:?}", o.warnings);
                }
                _ => assert_eq!(&outcome_value(&o, key), want, "{name}: {key} in {o:?}"),
            }
        }
    }
    assert!(cases.len() >= 70);
}

fn event_value(fields: &[(&str, Value)], key: &str) -> Option<Value> {
    fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone())
}

#[test]
fn vectors_webhooks() {
    let file = vectors("paytm_webhooks.json");
    let cases = file["cases"].as_array().unwrap();
    let client = vector_client(&file, &json!({})).unwrap();
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let body = c["body"].as_str().unwrap().as_bytes().to_vec();
        let opt = |v: &Option<String>| v.as_ref().map_or(Value::Null, |s| json!(s));
        let num = |v: Option<i64>| v.map_or(Value::Null, |n| json!(n));
        let result: Result<Vec<(&str, Value)>, PaytmWebhookError> = match c["kind"].as_str().unwrap() {
            "accept_refund" => client.parse_accept_refund_webhook(body).map(|e| {
                vec![
                    ("mid", json!(e.mid)),
                    ("order_id", json!(e.order_id)),
                    ("ref_id", opt(&e.ref_id)),
                    ("refund_id", opt(&e.refund_id)),
                    ("txn_id", opt(&e.txn_id)),
                    ("refund_amount_paise", num(e.refund_amount_paise)),
                    ("status", json!(e.status)),
                    ("accepted", json!(e.accepted)),
                    ("reject_reason_code", opt(&e.reject_reason_code)),
                ]
            }),
            "success_refund" => client.parse_success_refund_webhook(body).map(|e| {
                let destinations: Vec<Value> = e
                    .destinations
                    .iter()
                    .map(|d| {
                        json!({
                            "refund_type": d.refund_type, "pay_method": d.pay_method,
                            "refund_amount_paise": d.refund_amount_paise, "rrn": d.rrn,
                            "user_credit_expected_date": d.user_credit_expected_date,
                            "issuing_bank_name": d.issuing_bank_name,
                        })
                    })
                    .collect();
                vec![
                    ("mid", json!(e.mid)),
                    ("order_id", json!(e.order_id)),
                    ("ref_id", json!(e.ref_id)),
                    ("refund_id", opt(&e.refund_id)),
                    ("txn_id", opt(&e.txn_id)),
                    ("txn_amount_paise", num(e.txn_amount_paise)),
                    ("refund_amount_paise", num(e.refund_amount_paise)),
                    ("total_refund_amount_paise", num(e.total_refund_amount_paise)),
                    ("source", opt(&e.source)),
                    ("user_credit_initiate_timestamp", opt(&e.user_credit_initiate_timestamp)),
                    ("destinations", Value::Array(destinations)),
                ]
            }),
            "refund_arn" => client.parse_refund_arn_webhook(body).map(|e| {
                vec![
                    ("mid", json!(e.mid)),
                    ("order_id", json!(e.order_id)),
                    ("ref_id", opt(&e.ref_id)),
                    ("refund_id", opt(&e.refund_id)),
                    ("arn", opt(&e.arn)),
                ]
            }),
            other => panic!("{name}: kind {other}"),
        };
        if let Some(expect) = c.get("expect") {
            let fields = result.unwrap_or_else(|e| panic!("{name}: {e:?}"));
            for (key, want) in expect.as_object().unwrap() {
                let got = event_value(&fields, key).unwrap_or_else(|| panic!("{name}: no field {key}"));
                if key == "destinations" {
                    let (got, want) = (got.as_array().unwrap(), want.as_array().unwrap());
                    assert_eq!(got.len(), want.len(), "{name}");
                    for (g, w) in got.iter().zip(want) {
                        for (k, v) in w.as_object().unwrap() {
                            assert_eq!(&g[k], v, "{name}: destinations.{k}");
                        }
                    }
                } else {
                    assert_eq!(&got, want, "{name}: {key}");
                }
            }
        } else {
            let e = result.err().unwrap_or_else(|| panic!("{name}: a rejected webhook parsed"));
            let kind = match e {
                PaytmWebhookError::Unreadable => "unreadable",
                PaytmWebhookError::SignatureMissing => "signature_missing",
                PaytmWebhookError::SignatureInvalid => "signature_invalid",
                PaytmWebhookError::MidMismatch => "mid_mismatch",
                PaytmWebhookError::MissingField { .. } => "missing_field",
                PaytmWebhookError::InvalidField { .. } => "invalid_field",
            };
            assert_eq!(kind, c["expect_error"].as_str().unwrap(), "{name}");
        }
    }
    assert!(cases.len() >= 19);
}

#[test]
fn the_zero_copy_checksum_exports_agree_with_the_string_ones() {
    let sig = paytm_checksum_utf8(V1_BODY.as_bytes(), V1_KEY.as_bytes()).unwrap();
    assert!(paytm_verify(s(V1_BODY), s(V1_KEY), sig.clone()));
    assert!(paytm_verify_utf8(V1_BODY.as_bytes(), V1_KEY.as_bytes(), sig.as_bytes()));
    assert!(paytm_verify_utf8(V1_BODY.as_bytes(), V1_KEY.as_bytes(), V1_SIG.as_bytes()));
    assert!(!paytm_verify_utf8(b"{}", V1_KEY.as_bytes(), V1_SIG.as_bytes()));
    // Not UTF-8: false (verify is total) or a typed error naming the argument, never a panic.
    assert!(!paytm_verify_utf8(b"\xff", V1_KEY.as_bytes(), V1_SIG.as_bytes()));
    assert!(!paytm_verify_utf8(V1_BODY.as_bytes(), b"\xffA1b2C3d4E5f6G7h", V1_SIG.as_bytes()));
    assert_eq!(input_field(paytm_checksum_utf8(b"\xff", V1_KEY.as_bytes()).unwrap_err()), "body");
    assert_eq!(config_field(paytm_checksum_utf8(b"{}", b"\xffA1b2C3d4E5f6G7h").unwrap_err()), "merchant_key");
    assert_eq!(config_field(paytm_checksum_utf8(b"{}", b"short").unwrap_err()), "merchant_key");
}
