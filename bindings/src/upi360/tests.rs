//! The UPI exports, exercised only through the FFI surface (as Kotlin, Swift and Python see it): every
//! `tests/vectors/upi360_*.json` case, field-naming errors, secret-free Debug and errors, and sign-then-verify round
//! trips.

use super::*;
use crate::{fixed_clock, HttpMethod, RefundReason, RefundStatus};
use refundkit::upi360 as core_upi;
use serde_json::Value;

const MERCHANT_PKCS8: &str = include_str!("../../../core/tests/data/upi360_keys/test_only_merchant_private_pkcs8.pem");
const MERCHANT_PKCS1: &str = include_str!("../../../core/tests/data/upi360_keys/test_only_merchant_private_pkcs1.pem");
const MERCHANT_PUBLIC: &str = include_str!("../../../core/tests/data/upi360_keys/test_only_merchant_public_spki.pem");
const PSP_PRIVATE: &str = include_str!("../../../core/tests/data/upi360_keys/test_only_psp_private_pkcs8.pem");
const PSP_PUBLIC: &str = include_str!("../../../core/tests/data/upi360_keys/test_only_psp_public_spki.pem");
const NOW: i64 = 1_735_689_600_000;
const UPI_ID: &str = "YJP1234567890ABCDEFGHIJKLMNOPQRSTUV";

fn vectors(name: &str) -> Value {
    let path = format!("{}/../tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn key_file(name: &str) -> String {
    std::fs::read_to_string(format!("{}/../core/tests/data/upi360_keys/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("{k} in {v}"))
}

fn opt(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

fn options(signing: Upi360Signing) -> Upi360Options {
    Upi360Options {
        host: "https://api.beta.yesbank.upi.juspay.in".into(),
        uri: "n2".into(),
        merchant_id: "MERCHANT1".into(),
        merchant_channel_id: "CHANNEL1".into(),
        signing,
        sub_merchant_id: None,
        sub_merchant_channel_id: None,
        api_version: Some("3".into()),
        status_api_version: Some("2".into()),
        routing_id: None,
        canonical_form: None,
        refund_id_charset: None,
        remarks_rule: None,
    }
}

fn online() -> Upi360RefundRequest {
    Upi360RefundRequest {
        refund_request_id: "RF20250101ABC".into(),
        amount_paise: 10_000,
        refund_type: Upi360RefundType::Online,
        remarks: "Customer refund".into(),
        original_upi_request_id: Some(UPI_ID.into()),
        original_merchant_request_id: None,
        original_transaction_timestamp: None,
        merchant_refund_vpa: Some("refunds@parentbank".into()),
        udf_parameters: None,
        adj_code: None,
    }
}

fn header<'a>(r: &'a HttpRequest, name: &str) -> Option<&'a str> {
    r.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
}

fn field(e: RefundkitError) -> (String, String) {
    match e {
        RefundkitError::InvalidInput { field, .. } => ("invalid_input".into(), field),
        RefundkitError::Configuration { field, .. } => ("configuration".into(), field),
        other => ("other".into(), other.to_string()),
    }
}

// ------------------------------------------------------------------------------------------------ vectors

/// Builds a client from a vector config exactly as a foreign suite would: options record + key arguments.
fn client_for(case: &Value) -> Result<Arc<Upi360Client>, RefundkitError> {
    let (defaults, overrides) = (&case["default_config"], case.get("config").unwrap_or(&Value::Null));
    let get = |k: &str| overrides.get(k).or_else(|| defaults.get(k));
    let text = |k: &str| get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let signing = get("signing").unwrap();
    let (mode, key) = match s(signing, "mode") {
        "pss" => (Upi360Signing::Pss, key_file(s(signing, "private_key"))),
        "jws" => (Upi360Signing::Jws { kid: s(signing, "kid").into() }, key_file(s(signing, "private_key"))),
        "hmac" => {
            let encoding = match signing["encoding"].as_str() {
                Some("base64") => Upi360SignatureEncoding::Base64,
                _ => Upi360SignatureEncoding::Hex,
            };
            (Upi360Signing::Hmac { encoding }, s(signing, "api_key").to_string())
        }
        other => panic!("mode {other}"),
    };
    let mut o = options(mode);
    o.host = text("host");
    o.uri = text("uri");
    o.merchant_id = text("merchant_id");
    o.merchant_channel_id = text("merchant_channel_id");
    o.sub_merchant_id = get("sub_merchant_id").and_then(Value::as_str).map(Into::into);
    o.sub_merchant_channel_id = get("sub_merchant_channel_id").and_then(Value::as_str).map(Into::into);
    if let Some(v) = get("api_version") {
        o.api_version = v.as_str().map(Into::into);
    }
    if let Some(v) = get("status_api_version") {
        o.status_api_version = v.as_str().map(Into::into);
    }
    o.routing_id = get("routing_id").and_then(Value::as_str).map(|r| match r {
        "original_request_id" => Upi360RoutingId::OriginalRequestId,
        "refund_request_id" => Upi360RoutingId::RefundRequestId,
        "omit" => Upi360RoutingId::Omit,
        other => panic!("routing_id {other}"),
    });
    o.canonical_form = get("canonical_form").and_then(Value::as_str).map(|c| match c {
        "sorted_keys_or_raw" => Upi360CanonicalForm::SortedKeysOrRaw,
        "sorted_keys" => Upi360CanonicalForm::SortedKeys,
        "raw_body" => Upi360CanonicalForm::RawBody,
        other => panic!("canonical_form {other}"),
    });
    o.refund_id_charset = get("refund_id_charset").and_then(Value::as_str).map(|c| match c {
        "alphanumeric" => Upi360RefundIdCharset::Alphanumeric,
        _ => Upi360RefundIdCharset::AlphanumericDotUnderscoreHyphen,
    });
    o.remarks_rule = get("remarks_rule").and_then(Value::as_str).map(|r| match r {
        "strict" => Upi360RemarksRule::Strict,
        _ => Upi360RemarksRule::Extended,
    });
    let now = case["now_ms"].as_i64().unwrap_or(NOW);
    Upi360Client::new(o, key, key_file(&text("psp_public_key")), Some(fixed_clock(now)))
}

fn refund_input(input: &Value) -> Result<Upi360RefundRequest, RefundkitError> {
    Ok(Upi360RefundRequest {
        refund_request_id: s(input, "refund_request_id").into(),
        amount_paise: input["amount_paise"].as_i64().unwrap(),
        refund_type: upi_refund_type_from_wire(s(input, "refund_type").into())?,
        remarks: s(input, "remarks").into(),
        original_upi_request_id: opt(input, "original_upi_request_id"),
        original_merchant_request_id: opt(input, "original_merchant_request_id"),
        original_transaction_timestamp: opt(input, "original_transaction_timestamp"),
        merchant_refund_vpa: opt(input, "merchant_refund_vpa"),
        udf_parameters: opt(input, "udf_parameters"),
        adj_code: opt(input, "adj_code"),
    })
}

fn status_input(input: &Value) -> Upi360StatusRequest {
    Upi360StatusRequest {
        refund_request_id: s(input, "refund_request_id").into(),
        original_merchant_request_id: opt(input, "original_merchant_request_id"),
        original_upi_request_id: opt(input, "original_upi_request_id"),
    }
}

fn response_of(case: &Value) -> HttpResponse {
    let r = &case["response"];
    HttpResponse {
        status: r["status"].as_i64().unwrap() as i32,
        headers: r["headers"]
            .as_array()
            .map(|hs| hs.iter().map(|h| Header { name: s_idx(h, 0), value: s_idx(h, 1) }).collect())
            .unwrap_or_default(),
        body: s(r, "body").as_bytes().to_vec(),
    }
}

fn s_idx(v: &Value, i: usize) -> String {
    v[i].as_str().unwrap().to_string()
}

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

fn opt_json<T: Into<Value>>(v: Option<T>) -> Value {
    v.map_or(Value::Null, Into::into)
}

fn check_outcome(o: &Outcome, want: &Value) -> Result<(), String> {
    let refund = o.refund.clone();
    let r = |f: fn(&crate::RefundDetails) -> Value| refund.as_ref().map_or(Value::Null, f);
    let mut errors = Vec::new();
    for (key, expected) in want.as_object().unwrap() {
        let got: Value = match key.as_str() {
            "status" => snake(format!("{:?}", o.status)).into(),
            "reason" => snake(format!("{:?}", o.reason)).into(),
            "next_step" => snake(format!("{:?}", o.next_step)).into(),
            "refund_id" => r(|d| opt_json(d.refund_id.clone())),
            "original_id" => r(|d| opt_json(d.original_id.clone())),
            "original_amount_paise" => r(|d| opt_json(d.original_amount_paise)),
            "refunded_amount_paise" => r(|d| opt_json(d.refunded_amount_paise)),
            "completed_at" => r(|d| opt_json(d.completed_at.clone())),
            "provider_status" => r(|d| opt_json(d.provider_status.clone())),
            "provider_status_text" => r(|d| opt_json(d.provider_status_text.clone())),
            "message" => opt_json(o.raw.message.clone()),
            "raw_message" => opt_json(o.raw.raw_message.clone()),
            "codes" => {
                for (name, value) in expected.as_object().unwrap() {
                    let got = o.raw.codes.iter().find(|c| &c.name == name).map(|c| c.value.as_str());
                    if got != value.as_str() {
                        errors.push(format!("code {name}: {got:?}"));
                    }
                }
                continue;
            }
            "warnings_contain" => {
                if !o.warnings.iter().any(|w| w.contains(expected.as_str().unwrap())) {
                    errors.push(format!("warnings {:?}", o.warnings));
                }
                continue;
            }
            other => return Err(format!("unknown expect key {other}")),
        };
        if &got != expected {
            errors.push(format!("{key}: got {got}, want {expected}"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

#[test]
fn every_signing_vector_through_the_exports() {
    let v = vectors("upi360_signing.json");
    for c in v["jws"].as_array().unwrap() {
        let got = upi_jws(s(c, "payload").into(), key_file(s(c, "private_key")), s(c, "kid").into()).unwrap();
        assert_eq!(got, s(c, "expected"), "{}", s(c, "name"));
    }
    for c in v["signature_input"].as_array().unwrap() {
        let got = upi_signature_input(
            s(c, "merchant_id").into(),
            s(c, "merchant_channel_id").into(),
            opt(c, "sub_merchant_id"),
            opt(c, "sub_merchant_channel_id"),
            s(c, "timestamp").parse().unwrap(),
            s(c, "body").as_bytes().to_vec(),
        )
        .unwrap();
        assert_eq!(got, s(c, "expected").as_bytes(), "{}", s(c, "name"));
    }
    for c in v["hmac"].as_array().unwrap() {
        let encoding = match s(c, "encoding") {
            "hex" => Upi360SignatureEncoding::Hex,
            _ => Upi360SignatureEncoding::Base64,
        };
        let got = upi_hmac_sha256(s(c, "message").as_bytes().to_vec(), s(c, "api_key").into(), Some(encoding));
        assert_eq!(got.unwrap(), s(c, "expected"), "{}", s(c, "name"));
    }
    for c in v["pss_verify"].as_array().unwrap() {
        let message = s(c, "message").as_bytes().to_vec();
        let (sig, key) = (s(c, "signature_hex").to_string(), key_file(s(c, "public_key")));
        let want = c["valid"].as_bool().unwrap();
        assert_eq!(upi_verify_pss_signature(message.clone(), sig.clone(), key.clone()), Ok(want), "{}", s(c, "name"));
        // The same answer through the response verifier with the raw-body form.
        let raw = Some(Upi360CanonicalForm::RawBody);
        assert_eq!(upi_verify_response_signature(message, sig, key, raw), Ok(want), "{}", s(c, "name"));
    }
}

#[test]
fn every_request_vector_through_the_client() {
    let v = vectors("upi360_requests.json");
    let mut failures = Vec::new();
    for case in v["cases"].as_array().unwrap() {
        let mut case = case.clone();
        case["default_config"] = v["default_config"].clone();
        let name = s(&case, "name").to_string();
        let input = &case["input"];
        let built = client_for(&case).and_then(|client| match s(&case, "operation") {
            "refund" => client.build_refund360(refund_input(input)?),
            "status" => client.build_refund_status(status_input(input)),
            other => panic!("operation {other}"),
        });
        if let Some(want) = case.get("expect_error") {
            match built {
                Ok(_) => failures.push(format!("{name}: built, expected an error")),
                Err(e) => {
                    let (kind, f) = field(e);
                    if kind != s(want, "kind") || Some(f.as_str()) != want.get("field").and_then(Value::as_str) {
                        failures.push(format!("{name}: got {kind} {f}"));
                    }
                }
            }
            continue;
        }
        let r = match built {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let want = &case["expect"];
        let mut headers: Vec<Header> = want["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| Header { name: s_idx(h, 0), value: s_idx(h, 1) })
            .collect();
        if let Some(input) = want.get("signature_input").and_then(Value::as_str) {
            let sig = header(&r, "x-merchant-signature").unwrap().to_string();
            let ok = sig == sig.to_ascii_lowercase()
                && upi_verify_pss_signature(input.into(), sig.clone(), key_file(s(want, "signature_public_key")))
                    == Ok(true);
            if !ok {
                failures.push(format!("{name}: x-merchant-signature does not verify"));
            }
            for h in headers.iter_mut().filter(|h| h.name == "x-merchant-signature") {
                h.value = sig.clone();
            }
        }
        let method = match r.method {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        };
        if method != s(want, "method")
            || r.url != s(want, "url")
            || r.headers != headers
            || r.body != s(want, "body").as_bytes()
        {
            failures.push(format!("{name}: {method} {} {:?} {}", r.url, r.headers, String::from_utf8_lossy(&r.body)));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_interpretation_vector_through_the_client() {
    let v = vectors("upi360_interpret.json");
    let mut failures = Vec::new();
    let mut seen = 0;
    for case in v["cases"].as_array().unwrap() {
        let mut case = case.clone();
        case["default_config"] = v["default_config"].clone();
        let name = s(&case, "name").to_string();
        let client = client_for(&case).unwrap();
        let response = response_of(&case);
        let outcome = match s(&case, "operation") {
            "refund" => client.interpret_refund360(refund_input(&case["request"]).unwrap(), response),
            "status" => client.interpret_refund_status(status_input(&case["request"]), response),
            "callback" => client.interpret_callback(response.headers, response.body),
            other => panic!("operation {other}"),
        };
        if let Err(e) = check_outcome(&outcome, &case["expect"]) {
            failures.push(format!("{name}: {e}"));
        }
        seen += 1;
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(seen >= 70, "{seen} cases");
}

// ------------------------------------------------------------------------------------------------ errors and secrets

#[test]
fn malformed_keys_raise_configuration_naming_the_field() {
    let cfg = |f: &str| ("configuration".to_string(), f.to_string());
    let body = b"{}".to_vec();
    let m = || ("MERCHANT1".to_string(), "CHANNEL1".to_string());
    let e = upi_header_signature(m().0, m().1, None, None, NOW, body.clone(), MERCHANT_PUBLIC.into()).unwrap_err();
    assert_eq!(field(e), cfg("private_key_pem"));
    assert_eq!(
        field(upi_header_signature(m().0, m().1, None, None, NOW, body.clone(), "".into()).unwrap_err()),
        cfg("private_key_pem")
    );
    assert_eq!(field(upi_jws("{}".into(), "garbage".into(), "kid".into()).unwrap_err()), cfg("private_key_pem"));
    assert_eq!(field(upi_hmac_sha256(body.clone(), "".into(), None).unwrap_err()), cfg("api_key"));
    assert_eq!(
        field(upi_verify_pss_signature(body.clone(), "00".into(), MERCHANT_PKCS8.into()).unwrap_err()),
        cfg("public_key_pem")
    );
    assert_eq!(
        field(upi_verify_response_signature(body.clone(), "00".into(), "".into(), None).unwrap_err()),
        cfg("psp_public_key_pem")
    );
    assert_eq!(
        field(upi_verify_callback_signature(body, "00".into(), "x".into(), None).unwrap_err()),
        cfg("psp_public_key_pem")
    );
    assert_eq!(
        field(upi_refund_type_from_wire("online".into()).unwrap_err()),
        ("invalid_input".into(), "refundType".into())
    );
    assert_eq!(upi_refund_type_from_wire("OFFLINE".into()), Ok(Upi360RefundType::Offline));

    let new = |o: Upi360Options, key: &str, psp: &str| Upi360Client::new(o, key.into(), psp.into(), None).map(|_| ());
    assert_eq!(field(new(options(Upi360Signing::Pss), "nope", PSP_PUBLIC).unwrap_err()), cfg("private_key_pem"));
    assert_eq!(
        field(new(options(Upi360Signing::Jws { kid: "k".into() }), MERCHANT_PUBLIC, PSP_PUBLIC).unwrap_err()),
        cfg("private_key_pem")
    );
    assert_eq!(
        field(new(options(Upi360Signing::Jws { kid: "a\"b".into() }), MERCHANT_PKCS8, PSP_PUBLIC).unwrap_err()),
        cfg("kid")
    );
    let hmac = Upi360Signing::Hmac { encoding: Upi360SignatureEncoding::Hex };
    // An empty key means delegated signing: accepted here; signing in process then names the missing key.
    let keyless = Upi360Client::new(options(hmac.clone()), String::new(), PSP_PUBLIC.into(), None).unwrap();
    assert_eq!(field(keyless.build_refund360(online()).unwrap_err()), cfg("api_key"));
    assert_eq!(
        field(new(options(Upi360Signing::Pss), MERCHANT_PKCS8, MERCHANT_PKCS8).unwrap_err()),
        cfg("psp_public_key_pem")
    );
    let mut sub = options(Upi360Signing::Pss);
    sub.sub_merchant_id = Some("SUB1".into());
    assert_eq!(field(new(sub, MERCHANT_PKCS8, PSP_PUBLIC).unwrap_err()), cfg("sub_merchant_channel_id"));
    let mut version = options(Upi360Signing::Pss);
    version.api_version = Some("v3".into());
    assert_eq!(field(new(version, MERCHANT_PKCS8, PSP_PUBLIC).unwrap_err()), cfg("api_version"));
    // The opt-out needs no PSP key but still checks the signing key.
    assert!(Upi360Client::dangerously_unverified(options(Upi360Signing::Pss), MERCHANT_PKCS8.into(), None).is_ok());
    // An empty key in the opt-out is delegated signing too: accepted, and in-process building names the key.
    let delegated = Upi360Client::dangerously_unverified(options(hmac), "".into(), None).unwrap();
    assert_eq!(field(delegated.build_refund360(online()).unwrap_err()), cfg("api_key"));
}

#[test]
fn input_errors_name_the_wire_field() {
    let client = Upi360Client::new(
        options(Upi360Signing::Pss),
        MERCHANT_PKCS8.into(),
        PSP_PUBLIC.into(),
        Some(fixed_clock(NOW)),
    )
    .unwrap();
    let bad = |f: fn(&mut Upi360RefundRequest)| {
        let mut r = online();
        f(&mut r);
        field(client.build_refund360(r).unwrap_err()).1
    };
    assert_eq!(bad(|r| r.amount_paise = 0), "refundAmount");
    assert_eq!(bad(|r| r.amount_paise = -5), "refundAmount");
    assert_eq!(bad(|r| r.refund_request_id = "R".repeat(36)), "refundRequestId");
    assert_eq!(bad(|r| r.merchant_refund_vpa = None), "merchantRefundVpa");
    assert_eq!(bad(|r| r.original_upi_request_id = None), "originalUpiRequestId");
    assert_eq!(bad(|r| r.udf_parameters = Some("[1]".into())), "udfParameters");
    assert_eq!(
        bad(|r| r.original_transaction_timestamp = Some("2025-01-01T10:00:00Z".into())),
        "originalTransactionTimestamp"
    );
    let status = Upi360StatusRequest {
        refund_request_id: "RF-1".into(),
        original_merchant_request_id: None,
        original_upi_request_id: Some(UPI_ID.into()),
    };
    assert_eq!(field(client.build_refund_status(status).unwrap_err()).1, "refundRequestId");
    // A foreign clock returning seconds instead of milliseconds is refused before signing.
    let seconds = Upi360Client::new(
        options(Upi360Signing::Pss),
        MERCHANT_PKCS8.into(),
        PSP_PUBLIC.into(),
        Some(fixed_clock(NOW / 1000)),
    )
    .unwrap();
    assert_eq!(field(seconds.build_refund360(online()).unwrap_err()), ("configuration".into(), "clock".into()));
}

#[test]
fn keys_never_appear_in_debug_or_errors() {
    let body_of = |pem: &str| {
        pem.lines().filter(|l| !l.starts_with("-----") && l.len() >= 16).map(str::to_string).collect::<Vec<_>>()
    };
    let leaks = |text: &str| {
        text.contains("BEGIN")
            || text.contains("TEST_ONLY_API_KEY")
            || [MERCHANT_PKCS8, MERCHANT_PKCS1, PSP_PUBLIC]
                .iter()
                .flat_map(|p| body_of(p))
                .any(|l| text.contains(&l[..16]))
    };
    let mut texts = Vec::new();
    for (signing, key) in [
        (Upi360Signing::Pss, MERCHANT_PKCS8),
        (Upi360Signing::Jws { kid: "kid-merchant-1".into() }, MERCHANT_PKCS1),
        (Upi360Signing::Hmac { encoding: Upi360SignatureEncoding::Hex }, "TEST_ONLY_API_KEY"),
    ] {
        let client = Upi360Client::new(options(signing.clone()), key.into(), PSP_PUBLIC.into(), None).unwrap();
        texts.push(format!("{client:?}"));
        texts.push(format!("{client:#?}"));
        texts.push(format!("{:?}", options(signing)));
        let mut bad = online();
        bad.remarks = "no-hyphens".into();
        let e = client.build_refund360(bad).unwrap_err();
        texts.push(format!("{e:?} {e}"));
    }
    assert!(texts[0].contains("MERCHANT1") && texts[0].contains("pss"), "{}", texts[0]);
    assert!(texts[4].contains("jws(kid=kid-merchant-1)"), "{}", texts[4]);
    // A private key passed where a public key belongs (or a truncated one) is never echoed.
    let truncated = &MERCHANT_PKCS8[..MERCHANT_PKCS8.len() / 2];
    for e in [
        Upi360Client::new(options(Upi360Signing::Pss), MERCHANT_PKCS8.into(), MERCHANT_PKCS8.into(), None).unwrap_err(),
        Upi360Client::new(options(Upi360Signing::Pss), truncated.into(), PSP_PUBLIC.into(), None).unwrap_err(),
        upi_verify_pss_signature(vec![], "00".into(), MERCHANT_PKCS8.into()).unwrap_err(),
        upi_jws("{}".into(), truncated.into(), "k".into()).unwrap_err(),
        upi_header_signature("M".into(), "C".into(), None, None, NOW, vec![], truncated.into()).unwrap_err(),
    ] {
        texts.push(format!("{e:?} {e}"));
    }
    for t in &texts {
        assert!(!leaks(t), "leak: {t}");
    }
}

// ------------------------------------------------------------------------------------------------ round trips

fn psp_sign(body: &[u8]) -> String {
    let key = core_upi::RsaPrivateKey::from_pem(&Secret::new(PSP_PRIVATE)).unwrap();
    core_upi::SignatureEncoding::Hex.encode(&key.sign_pss_sha256(body).unwrap())
}

#[test]
fn sign_then_verify_through_the_exports() {
    // Free functions: header signature over the mode-A input, verified with the merchant's public key.
    let body = br#"{"refundRequestId":"RF1"}"#.to_vec();
    let sig = upi_header_signature(
        "MERCHANT1".into(),
        "CHANNEL1".into(),
        Some("SUB1".into()),
        Some("SUBCH1".into()),
        NOW,
        body.clone(),
        MERCHANT_PKCS1.into(),
    )
    .unwrap();
    assert_eq!(sig, sig.to_ascii_lowercase());
    let input = upi_signature_input(
        "MERCHANT1".into(),
        "CHANNEL1".into(),
        Some("SUB1".into()),
        Some("SUBCH1".into()),
        NOW,
        body.clone(),
    )
    .unwrap();
    assert_eq!(upi_verify_pss_signature(input.clone(), sig.clone(), MERCHANT_PUBLIC.into()), Ok(true));
    assert_eq!(upi_verify_pss_signature(input.clone(), sig.clone(), PSP_PUBLIC.into()), Ok(false));
    let no_sub = upi_signature_input("MERCHANT1".into(), "CHANNEL1".into(), None, None, NOW, body.clone()).unwrap();
    assert_eq!(upi_verify_pss_signature(no_sub, sig.clone(), MERCHANT_PUBLIC.into()), Ok(false));
    assert_eq!(upi_verify_pss_signature(input, "zz".into(), MERCHANT_PUBLIC.into()), Ok(false));

    // The client's PSS request verifies through the exports.
    let mut o = options(Upi360Signing::Pss);
    o.sub_merchant_id = Some("SUB1".into());
    o.sub_merchant_channel_id = Some("SUBCH1".into());
    let client = Upi360Client::new(o, MERCHANT_PKCS8.into(), PSP_PUBLIC.into(), Some(fixed_clock(NOW))).unwrap();
    let r = client.build_refund360(online()).unwrap();
    assert!(r.url.ends_with("/api/n2/merchants/transactions/refund360"));
    let input = upi_signature_input(
        "MERCHANT1".into(),
        "CHANNEL1".into(),
        Some("SUB1".into()),
        Some("SUBCH1".into()),
        NOW,
        r.body.clone(),
    )
    .unwrap();
    assert_eq!(
        upi_verify_pss_signature(input, header(&r, "x-merchant-signature").unwrap().into(), MERCHANT_PUBLIC.into()),
        Ok(true)
    );
    let status = client.build_refund_status(upi360_status_request_for(online())).unwrap();
    assert!(status.url.ends_with("/merchants/transactions/refund/status"));
    assert_eq!(header(&status, "x-api-version"), Some("2"));

    // HMAC mode equals the free function over the same input.
    let hmac = Upi360Signing::Hmac { encoding: Upi360SignatureEncoding::Base64 };
    let client_h =
        Upi360Client::new(options(hmac), "TEST_ONLY_API_KEY".into(), PSP_PUBLIC.into(), Some(fixed_clock(NOW)))
            .unwrap();
    let r = client_h.build_refund360(online()).unwrap();
    let input = upi_signature_input("MERCHANT1".into(), "CHANNEL1".into(), None, None, NOW, r.body.clone()).unwrap();
    let want = upi_hmac_sha256(input, "TEST_ONLY_API_KEY".into(), Some(Upi360SignatureEncoding::Base64)).unwrap();
    assert_eq!(header(&r, "x-merchant-signature"), Some(want.as_str()));

    // A PSP answer signed over the raw body, and a callback signed over the sorted-key JSON, verify and interpret.
    let answer = br#"{"status":"SUCCESS","responseCode":"SUCCESS","payload":{"refundRequestId":"RF20250101ABC","refundAmount":"100.00","refundType":"ONLINE","gatewayResponseStatus":"DEEMED","gatewayResponseCode":"RB"}}"#;
    let sig = psp_sign(answer);
    assert_eq!(upi_verify_response_signature(answer.to_vec(), sig.clone(), PSP_PUBLIC.into(), None), Ok(true));
    assert_eq!(
        upi_verify_response_signature(
            answer.to_vec(),
            sig.clone(),
            PSP_PUBLIC.into(),
            Some(Upi360CanonicalForm::SortedKeys)
        ),
        Ok(false)
    );
    let signed = |sig: &str| HttpResponse {
        status: 200,
        headers: vec![Header { name: "x-response-signature".into(), value: sig.into() }],
        body: answer.to_vec(),
    };
    let o = client.interpret_refund360(online(), signed(&sig));
    assert_eq!((o.status, o.reason), (RefundStatus::Pending, RefundReason::Deemed));
    let mut tampered = sig.clone().into_bytes();
    tampered[10] = if tampered[10] == b'0' { b'1' } else { b'0' };
    let o = client.interpret_refund360(online(), signed(&String::from_utf8(tampered).unwrap()));
    assert_eq!((o.status, o.reason), (RefundStatus::Indeterminate, RefundReason::UntrustedResponse));

    let callback = br#"{"refundRequestId":"RF1","gatewayResponseStatus":"SUCCESS","gatewayResponseCode":"00"}"#;
    let sorted = psp_sign(br#"{"gatewayResponseCode":"00","gatewayResponseStatus":"SUCCESS","refundRequestId":"RF1"}"#);
    assert_eq!(upi_verify_callback_signature(callback.to_vec(), sorted.clone(), PSP_PUBLIC.into(), None), Ok(true));
    assert_eq!(
        upi_verify_callback_signature(
            callback.to_vec(),
            sorted.clone(),
            PSP_PUBLIC.into(),
            Some(Upi360CanonicalForm::RawBody)
        ),
        Ok(false)
    );
    let headers = vec![Header { name: "X-Merchant-Payload-Signature".into(), value: sorted }];
    assert!(client.verify_callback(headers.clone(), callback.to_vec()));
    assert_eq!(client.interpret_callback(headers, callback.to_vec()).status, RefundStatus::Succeeded);
    assert!(!client.verify_callback(vec![], callback.to_vec()));
    let unverified =
        Upi360Client::dangerously_unverified(options(Upi360Signing::Pss), MERCHANT_PKCS8.into(), None).unwrap();
    assert!(unverified.verify_callback(vec![], callback.to_vec()));
    assert!(format!("{unverified:?}").contains("responses_verified: false"));
}

#[test]
fn jws_mode_round_trip_and_iat() {
    let jws = Upi360Signing::Jws { kid: "kid-merchant-1".into() };
    let client =
        Upi360Client::new(options(jws), MERCHANT_PKCS8.into(), PSP_PUBLIC.into(), Some(fixed_clock(NOW))).unwrap();
    let r = client.build_refund360(online()).unwrap();
    assert_eq!(header(&r, "x-merchant-signature"), None);
    // The client adds iat = the request timestamp; upi_jws over that payload gives the identical body.
    let payload = r#"{"originalUpiRequestId":"YJP1234567890ABCDEFGHIJKLMNOPQRSTUV","refundRequestId":"RF20250101ABC","refundAmount":"100.00","refundType":"ONLINE","merchantRefundVpa":"refunds@parentbank","remarks":"Customer refund","iat":"1735689600000"}"#;
    assert_eq!(
        String::from_utf8(r.body).unwrap(),
        upi_jws(payload.into(), MERCHANT_PKCS1.into(), "kid-merchant-1".into()).unwrap()
    );
    // A response JWS made by the PSP's key is believed; one made by the merchant's key is not.
    let answer = r#"{"status":"SUCCESS","responseCode":"SUCCESS","payload":{"refundRequestId":"RF20250101ABC","refundAmount":"100.00","refundType":"ONLINE","gatewayResponseStatus":"SUCCESS","gatewayResponseCode":"00","gatewayRefundReferenceId":"GRR1"}}"#;
    let respond = |key: &str| HttpResponse {
        status: 200,
        headers: vec![],
        body: upi_jws(answer.into(), key.into(), "psp".into()).unwrap().into_bytes(),
    };
    let o = client.interpret_refund360(online(), respond(PSP_PRIVATE));
    assert_eq!((o.status, o.reason), (RefundStatus::Succeeded, RefundReason::Refunded));
    assert_eq!(o.refund.and_then(|d| d.refund_id).as_deref(), Some("GRR1"));
    assert_eq!(o.raw.provider, "upi360");
    let o = client.interpret_refund360(online(), respond(MERCHANT_PKCS8));
    assert_eq!(o.reason, RefundReason::UntrustedResponse);
}
