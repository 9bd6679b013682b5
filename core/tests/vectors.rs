//! Runs the cross-language conformance vectors in `tests/vectors/` against the Rust core, one test per case.
//! The same files are run by the Python, Kotlin and Swift suites.

use libtest_mimic::{Arguments, Failed, Trial};

use refundkit::eko::{self, ApiFlavour, ClientRefStyle, Eko, EkoConfig, Operation, RefundRequest, TransactionRef};
use refundkit::paytm::{self, checksum, Paytm, PaytmConfig, PriorApply, RefundApply, RefundStatusQuery, WebhookError};
use refundkit::upi360;
use refundkit::{Error, FixedClock, FixedRandom, Header, HttpResponse, Money, MoneyError, Outcome, Secret};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The vectors directory: `$REFUNDKIT_VECTORS`, else the repository's `tests/vectors`. `None` only in a packaged copy
/// of this crate (`cargo package`, a crates.io download: `Cargo.toml.orig` beside `Cargo.toml`) with no repository
/// around it; in the repository a missing directory is an error, never a skip.
fn vectors_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("REFUNDKIT_VECTORS") {
        return Some(PathBuf::from(dir));
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = manifest.join("../tests/vectors");
    (dir.is_dir() || !manifest.join("Cargo.toml.orig").is_file()).then_some(dir)
}

fn load(name: &str) -> Value {
    let dir = vectors_dir().expect("conformance vectors directory");
    let text = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} missing in {v}"))
}

/// The `cases` of a vector file, each carrying the file's `default_config`.
fn cases_with_defaults(file: &str) -> Vec<Value> {
    let doc = load(file);
    doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let mut c = c.clone();
            c["default_config"] = doc["default_config"].clone();
            c
        })
        .collect()
}

/// One trial per case, named `file: case name`.
fn trials(file: &str, cases: &[Value], check: fn(&Value) -> Result<(), String>) -> Vec<Trial> {
    assert!(!cases.is_empty(), "{file} has no cases");
    cases
        .iter()
        .enumerate()
        .map(|(i, case)| {
            let name = case["name"].as_str().map_or_else(|| format!("{file} #{i}"), |n| format!("{file}: {n}"));
            let case = case.clone();
            Trial::test(name, move || check(&case).map_err(Failed::from))
        })
        .collect()
}

fn main() {
    let args = Arguments::from_args();
    if vectors_dir().is_none() {
        eprintln!(
            "vectors: SKIPPED: this is a packaged refundkit crate without the repository's tests/vectors; \
             set REFUNDKIT_VECTORS=<refundkit repository>/tests/vectors to run them"
        );
        libtest_mimic::run(&args, Vec::new()).exit();
    }
    let mut tests = Vec::new();
    tests.extend(trials("eko_secret_key.json", load("eko_secret_key.json").as_array().unwrap(), check_secret_key));
    let requests = load("eko_requests.json");
    let defaults = requests["default_config"].clone();
    for (i, case) in requests["cases"].as_array().unwrap().iter().enumerate() {
        let mut case = case.clone();
        case["default_config"] = defaults.clone();
        let name = format!("eko_requests.json: {}", case["name"].as_str().unwrap_or(&i.to_string()));
        tests.push(Trial::test(name, move || check_request(&case).map_err(Failed::from)));
    }
    tests.extend(trials(
        "eko_interpret.json",
        load("eko_interpret.json")["cases"].as_array().unwrap(),
        check_interpretation,
    ));
    tests.extend(trials("paytm_checksum.json", load("paytm_checksum.json").as_array().unwrap(), check_paytm_checksum));
    for (file, check) in [
        ("paytm_requests.json", check_paytm_request as fn(&Value) -> Result<(), String>),
        ("paytm_interpret.json", check_paytm_interpretation),
        ("paytm_webhooks.json", check_paytm_webhook),
    ] {
        tests.extend(trials(file, &cases_with_defaults(file), check));
    }
    let money = load("money.json");
    tests.extend(trials("money.json parse", money["parse"].as_array().unwrap(), check_money_parse));
    tests.extend(trials("money.json format", money["format"].as_array().unwrap(), check_money_format));
    tests.extend(upi_trials());
    libtest_mimic::run(&args, tests).exit();
}

fn check_secret_key(c: &Value) -> Result<(), String> {
    let ts: u64 = s(c, "timestamp").parse().unwrap();
    let key = s(c, "access_key");
    let got = eko::secret_key(key, ts);
    if got != s(c, "expected_secret_key") {
        return Err(format!("secret-key {got}"));
    }
    if let Some(mistaken) = c["mistaken_secret_key"].as_str() {
        if got == mistaken {
            return Err("produced the known-wrong value".into());
        }
    }
    if let Some(expected) = c["expected_request_hash"].as_str() {
        let fields: Vec<&str> = c["request_hash_fields"].as_array().unwrap()[1..] // [0] is the timestamp itself
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        let got = eko::request_hash(key, ts, &fields);
        if got != expected {
            return Err(format!("request_hash {got}"));
        }
    }
    Ok(())
}

fn config_from(defaults: &Value, overrides: &Value) -> EkoConfig {
    let get = |k: &str| overrides.get(k).or_else(|| defaults.get(k));
    let text = |k: &str| get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let mut c = EkoConfig::new(
        text("base_url"),
        text("developer_key"),
        text("access_key"),
        text("initiator_id"),
        text("user_code"),
    );
    if let Some(f) = get("flavour").and_then(Value::as_str) {
        c.flavour = match f {
            "v3_json" => ApiFlavour::V3Json,
            "legacy_form" => ApiFlavour::LegacyForm,
            other => panic!("flavour {other}"),
        };
    }
    if let Some(b) = get("send_user_code_with_otp_request").and_then(Value::as_bool) {
        c.send_user_code_with_otp_request = b;
    }
    if let Some(n) = get("service_code").and_then(Value::as_u64) {
        c.service_code = n as u32;
    }
    if let Some(e) = get("otp_encoding").and_then(Value::as_str) {
        c.otp_encoding = match e {
            "number" => eko::OtpEncoding::Number,
            "string" => eko::OtpEncoding::String,
            other => panic!("otp_encoding {other}"),
        };
    }
    if let Some(e) = get("client_ref_style").and_then(Value::as_str) {
        c.client_ref_style = match e {
            "prefixed" => ClientRefStyle::Prefixed,
            "bare" => ClientRefStyle::Bare,
            other => panic!("client_ref_style {other}"),
        };
    }
    c
}

fn build(case: &Value, defaults: &Value) -> Result<refundkit::HttpRequest, Error> {
    let config = config_from(defaults, case.get("config").unwrap_or(&Value::Null));
    let client = Eko::with_clock(config, FixedClock(case["now_ms"].as_u64().unwrap()))?;
    let input = &case["input"];
    match s(case, "operation") {
        "refund_otp" => client.build_refund_otp(s(input, "tid")),
        "initiate_refund" => {
            let mut r = RefundRequest::new(s(input, "tid"), s(input, "otp"));
            r.otp_ref_id = input.get("otp_ref_id").and_then(Value::as_str).map(str::to_string);
            client.build_initiate_refund(&r)
        }
        "inquiry" => match input.get("tid") {
            Some(tid) => client.build_inquiry(&TransactionRef::Tid(tid.as_str().unwrap().into())),
            None => client.build_inquiry(&TransactionRef::ClientRefId(s(input, "client_ref_id").into())),
        },
        "pending_refunds" => client.build_pending_refunds(s(input, "customer_mobile")),
        other => panic!("operation {other}"),
    }
}

/// For a case with `expect_error`, checks the error's kind and field and returns `None`; otherwise the request.
fn built_or_expected_error(
    case: &Value,
    result: Result<refundkit::HttpRequest, Error>,
) -> Result<Option<refundkit::HttpRequest>, String> {
    let Some(want) = case.get("expect_error") else {
        return result.map(Some).map_err(|e| format!("error {e}"));
    };
    let err = match result {
        Ok(r) => return Err(format!("built {}, expected an error", r.body_text())),
        Err(e) => e,
    };
    let kind = match &err {
        Error::InvalidInput { .. } => "invalid_input",
        Error::Configuration { .. } => "configuration",
        Error::Unsupported(_) => "unsupported",
        _ => "other",
    };
    if kind != s(want, "kind") || want.get("field").and_then(Value::as_str) != err.field() {
        return Err(format!("got {kind} {:?} ({err})", err.field()));
    }
    Ok(None)
}

/// The `[name, value]` pairs of `expect.headers`.
fn expected_headers(want: &Value) -> Vec<Header> {
    want["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| Header::new(h[0].as_str().unwrap(), h[1].as_str().unwrap()))
        .collect()
}

/// Method, URL, ordered headers and body bytes must all be exactly as expected.
fn compare_request(r: &refundkit::HttpRequest, want: &Value, headers: &[Header]) -> Result<(), String> {
    let checks = [
        ("method", r.method.as_str() == s(want, "method")),
        ("url", r.url == s(want, "url")),
        ("headers", r.headers == headers),
        ("body", r.body == s(want, "body").as_bytes()),
    ];
    match checks.iter().find(|(_, ok)| !ok) {
        Some((what, _)) => Err(format!("{what} differs: {} {} {:?} {}", r.method, r.url, r.headers, r.body_text())),
        None => Ok(()),
    }
}

fn check_request(case: &Value) -> Result<(), String> {
    let result = build(case, &case["default_config"]);
    let Some(r) = built_or_expected_error(case, result)? else {
        return Ok(());
    };
    let want = &case["expect"];
    compare_request(&r, want, &expected_headers(want))
}

fn response(case: &Value) -> HttpResponse {
    let r = &case["response"];
    HttpResponse {
        status: r["status"].as_u64().unwrap() as u16,
        headers: r["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| Header::new(h[0].as_str().unwrap(), h[1].as_str().unwrap()))
            .collect(),
        body: s(r, "body").as_bytes().to_vec(),
    }
}

fn opt_money(m: Option<Money>) -> Value {
    m.map_or(Value::Null, |m| Value::from(m.paise()))
}

fn opt_text(t: &Option<String>) -> Value {
    t.as_ref().map_or(Value::Null, |t| Value::from(t.as_str()))
}

/// Compares an outcome with an `expect` object as tests/vectors/README.md defines it.
fn check_outcome(o: &Outcome, want: &Value) -> Result<(), String> {
    let mut errors = Vec::new();
    let otp = o.otp.clone().unwrap_or_default();
    let refund = o.refund.clone().unwrap_or_default();
    for (key, expected) in want.as_object().unwrap() {
        let got: Value = match key.as_str() {
            "status" => o.status.as_str().into(),
            "reason" => o.reason.as_str().into(),
            "next_step" => o.next_step.as_str().into(),
            "otp_ref_id" => opt_text(&otp.otp_ref_id),
            "dispatch_unconfirmed" => otp.dispatch_unconfirmed.into(),
            "test_otp" => opt_text(&otp.test_otp),
            "refund_id" => opt_text(&refund.refund_id),
            "original_id" => opt_text(&refund.original_id),
            "original_amount_paise" => opt_money(refund.original_amount),
            "refunded_amount_paise" => opt_money(refund.refunded_amount),
            "fee_paise" => opt_money(refund.fee),
            "tds_paise" => opt_money(refund.tds),
            "commission_reverse_paise" => opt_money(refund.commission_reverse),
            "balance_paise" => opt_money(refund.balance),
            "currency" => opt_text(&refund.currency),
            "completed_at" => opt_text(&refund.completed_at),
            "provider_status" => opt_text(&refund.provider_status),
            "provider_status_text" => opt_text(&refund.provider_status_text),
            "message" => opt_text(&o.raw.message),
            "raw_message" => opt_text(&o.raw.raw_message),
            "field_errors" => {
                o.field_errors.iter().map(|e| (e.field.clone(), Value::from(e.problem.clone()))).collect()
            }
            "codes" => {
                for (name, value) in expected.as_object().unwrap() {
                    if o.raw.code(name) != value.as_str() {
                        errors.push(format!("code {name}: {:?}", o.raw.code(name)));
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

fn check_interpretation(case: &Value) -> Result<(), String> {
    let resp = response(case);
    let want = &case["expect"];
    let op = match s(case, "operation") {
        "refund_otp" => Operation::RefundOtp,
        "initiate_refund" => Operation::InitiateRefund,
        "inquiry" => Operation::Inquiry,
        "pending_refunds" => {
            let list = eko::interpret_pending_refunds(&resp);
            return match list.listed {
                true if want["listed"] == true => {
                    let want_list = want["transactions"].as_array().unwrap();
                    if list.transactions.len() != want_list.len() {
                        return Err(format!("{} transactions", list.transactions.len()));
                    }
                    for (t, w) in list.transactions.iter().zip(want_list) {
                        let got = serde_json::json!({"tid": t.tid, "amount_paise": opt_money(t.amount),
                                                          "tx_status": opt_text(&t.tx_status)});
                        for (k, v) in w.as_object().unwrap() {
                            if &got[k] != v {
                                return Err(format!("{k}: got {}, want {v}", got[k]));
                            }
                        }
                    }
                    Ok(())
                }
                false if want["listed"] == false => check_outcome(&list.outcome, &want["outcome"]),
                _ => Err(format!("listed mismatch: {list:?}")),
            };
        }
        other => panic!("operation {other}"),
    };
    check_outcome(&eko::interpret(op, &resp), want)
}

fn check_money_parse(c: &Value) -> Result<(), String> {
    let got = Money::parse_rupees(s(c, "text"));
    match (c.get("paise"), c.get("error").and_then(Value::as_str), got) {
        (Some(p), _, Ok(m)) if p.as_i64() == Some(m.paise()) => Ok(()),
        (_, Some("empty"), Err(MoneyError::Empty))
        | (_, Some("malformed"), Err(MoneyError::Malformed(_)))
        | (_, Some("inexact"), Err(MoneyError::Inexact(_)))
        | (_, Some("overflow"), Err(MoneyError::Overflow(_))) => Ok(()),
        (_, _, got) => Err(format!("got {got:?}")),
    }
}

fn check_money_format(c: &Value) -> Result<(), String> {
    let got = Money::from_paise(c["paise"].as_i64().unwrap()).to_rupees_string();
    if got == s(c, "text") {
        Ok(())
    } else {
        Err(got)
    }
}

// ------------------------------------------------------------------------------------------- UPI Refund 360

/// The TEST-ONLY keys the vectors' key fields name: `$REFUNDKIT_KEYS`, else this crate's `tests/data/upi360_keys`.
fn keys_dir() -> PathBuf {
    std::env::var_os("REFUNDKIT_KEYS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/upi360_keys"))
}

fn key_text(file: &str) -> String {
    std::fs::read_to_string(keys_dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn upi_config(defaults: &Value, overrides: &Value) -> upi360::Upi360Config {
    let get = |k: &str| overrides.get(k).or_else(|| defaults.get(k));
    let text = |k: &str| get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let signing = get("signing").unwrap();
    let signing = match s(signing, "mode") {
        "pss" => upi360::SigningMode::Plain(upi360::PlainStrategy::RsaPssSha256 {
            private_key_pem: Secret::new(key_text(s(signing, "private_key"))),
        }),
        "jws" => upi360::SigningMode::Jws {
            kid: s(signing, "kid").into(),
            private_key_pem: Secret::new(key_text(s(signing, "private_key"))),
        },
        "hmac" => upi360::SigningMode::Plain(upi360::PlainStrategy::HmacSha256 {
            api_key: Secret::new(s(signing, "api_key")),
            encoding: match signing["encoding"].as_str() {
                Some("base64") => upi360::SignatureEncoding::Base64,
                _ => upi360::SignatureEncoding::Hex,
            },
        }),
        other => panic!("signing mode {other}"),
    };
    let canonical_form = match get("canonical_form").and_then(Value::as_str) {
        None | Some("sorted_keys_or_raw") => upi360::CanonicalForm::SortedKeysOrRaw,
        Some("sorted_keys") => upi360::CanonicalForm::SortedKeys,
        Some("raw_body") => upi360::CanonicalForm::RawBody,
        Some(other) => panic!("canonical_form {other}"),
    };
    let verification =
        upi360::ResponseVerification::Verify { psp_public_key_pem: key_text(&text("psp_public_key")), canonical_form };
    let mut c = upi360::Upi360Config::new(
        text("host"),
        text("uri"),
        text("merchant_id"),
        text("merchant_channel_id"),
        signing,
        verification,
    );
    let opt = |k: &str| get(k).and_then(Value::as_str).map(str::to_string);
    c.sub_merchant_id = opt("sub_merchant_id");
    c.sub_merchant_channel_id = opt("sub_merchant_channel_id");
    if let Some(v) = get("api_version") {
        c.api_version = v.as_str().map(str::to_string);
    }
    if let Some(v) = get("status_api_version") {
        c.status_api_version = v.as_str().map(str::to_string);
    }
    if let Some(r) = get("routing_id").and_then(Value::as_str) {
        c.routing_id = match r {
            "original_request_id" => upi360::RoutingIdRule::OriginalRequestId,
            "refund_request_id" => upi360::RoutingIdRule::RefundRequestId,
            "omit" => upi360::RoutingIdRule::Omit,
            other => panic!("routing_id {other}"),
        };
    }
    if get("refund_id_charset").and_then(Value::as_str) == Some("alphanumeric_dot_underscore_hyphen") {
        c.refund_id_charset = upi360::RefundIdCharset::AlphanumericDotUnderscoreHyphen;
    }
    if get("remarks_rule").and_then(Value::as_str) == Some("extended") {
        c.remarks_rule = upi360::RemarksRule::Extended;
    }
    c
}

fn upi_refund(input: &Value) -> Result<upi360::RefundRequest, Error> {
    let opt = |k: &str| input.get(k).and_then(Value::as_str).map(str::to_string);
    let mut r = upi360::RefundRequest::new(
        s(input, "refund_request_id"),
        Money::from_paise(input["amount_paise"].as_i64().unwrap()),
        upi360::RefundType::from_wire(s(input, "refund_type"))?,
        s(input, "remarks"),
    );
    r.original_upi_request_id = opt("original_upi_request_id");
    r.original_merchant_request_id = opt("original_merchant_request_id");
    r.original_transaction_timestamp = opt("original_transaction_timestamp");
    r.merchant_refund_vpa = opt("merchant_refund_vpa");
    r.udf_parameters = opt("udf_parameters");
    Ok(r)
}

fn upi_status(input: &Value) -> upi360::StatusRequest {
    let opt = |k: &str| input.get(k).and_then(Value::as_str).map(str::to_string);
    upi360::StatusRequest {
        refund_request_id: s(input, "refund_request_id").into(),
        original_merchant_request_id: opt("original_merchant_request_id"),
        original_upi_request_id: opt("original_upi_request_id"),
    }
}

fn upi_client(case: &Value) -> Result<upi360::Upi360<FixedClock>, Error> {
    let config = upi_config(&case["default_config"], case.get("config").unwrap_or(&Value::Null));
    upi360::Upi360::with_clock(config, FixedClock(case["now_ms"].as_u64().unwrap_or(1_735_689_600_000)))
}

fn hex_decode(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

fn check_upi_jws(c: &Value) -> Result<(), String> {
    let key =
        upi360::RsaPrivateKey::from_pem(&Secret::new(key_text(s(c, "private_key")))).map_err(|e| e.to_string())?;
    let got = upi360::jws_flattened(&key, s(c, "kid"), s(c, "payload").as_bytes()).map_err(|e| e.to_string())?;
    if got == s(c, "expected") {
        Ok(())
    } else {
        Err(got)
    }
}

fn check_upi_signature_input(c: &Value) -> Result<(), String> {
    let got = upi360::signature_input(
        s(c, "merchant_id"),
        s(c, "merchant_channel_id"),
        c["sub_merchant_id"].as_str(),
        c["sub_merchant_channel_id"].as_str(),
        s(c, "timestamp"),
        s(c, "body").as_bytes(),
    );
    if got == s(c, "expected").as_bytes() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&got).into_owned())
    }
}

fn check_upi_hmac(c: &Value) -> Result<(), String> {
    let encoding = match s(c, "encoding") {
        "hex" => upi360::SignatureEncoding::Hex,
        _ => upi360::SignatureEncoding::Base64,
    };
    let got = upi360::hmac_sha256(&Secret::new(s(c, "api_key")), s(c, "message").as_bytes(), encoding);
    if got == s(c, "expected") {
        Ok(())
    } else {
        Err(got)
    }
}

fn check_upi_pss(c: &Value) -> Result<(), String> {
    let key = upi360::RsaPublicKey::from_pem(&key_text(s(c, "public_key"))).map_err(|e| e.to_string())?;
    let got = key.verify_pss_sha256(s(c, "message").as_bytes(), &hex_decode(s(c, "signature_hex")));
    if Some(got) == c["valid"].as_bool() {
        Ok(())
    } else {
        Err(format!("verified: {got}"))
    }
}

fn check_upi_request(case: &Value) -> Result<(), String> {
    let input = &case["input"];
    let result = upi_client(case).and_then(|client| match s(case, "operation") {
        "refund" => client.build_refund(&upi_refund(input)?),
        "status" => client.build_refund_status(&upi_status(input)),
        other => panic!("operation {other}"),
    });
    let Some(r) = built_or_expected_error(case, result)? else {
        return Ok(());
    };
    let want = &case["expect"];
    let mut headers = expected_headers(want);
    if let Some(input) = want.get("signature_input").and_then(Value::as_str) {
        // PSS: randomized, so verify the signature and compare everything else.
        let sig = r.header("x-merchant-signature").ok_or("no x-merchant-signature")?;
        if sig != sig.to_ascii_lowercase() {
            return Err("signature is not lowercase hex".into());
        }
        let key = upi360::RsaPublicKey::from_pem(&key_text(s(want, "signature_public_key"))).unwrap();
        if !key.verify_pss_sha256(input.as_bytes(), &hex_decode(sig)) {
            return Err("x-merchant-signature does not verify over the expected input".into());
        }
        for h in headers.iter_mut().filter(|h| h.name == "x-merchant-signature") {
            h.value = sig.to_string();
        }
    }
    compare_request(&r, want, &headers)
}

fn check_upi_interpretation(case: &Value) -> Result<(), String> {
    let client = upi_client(case).map_err(|e| e.to_string())?;
    let resp = response(case);
    let outcome = match s(case, "operation") {
        "refund" => client.interpret_refund(&upi_refund(&case["request"]).unwrap(), &resp),
        "status" => client.interpret_refund_status(&upi_status(&case["request"]), &resp),
        "callback" => client.interpret_callback(&resp.headers, &resp.body),
        other => panic!("operation {other}"),
    };
    check_outcome(&outcome, &case["expect"])
}

fn upi_trials() -> Vec<Trial> {
    let mut tests = Vec::new();
    let signing = load("upi360_signing.json");
    tests.extend(trials("upi360_signing.json jws", signing["jws"].as_array().unwrap(), check_upi_jws));
    tests.extend(trials(
        "upi360_signing.json signature_input",
        signing["signature_input"].as_array().unwrap(),
        check_upi_signature_input,
    ));
    tests.extend(trials("upi360_signing.json hmac", signing["hmac"].as_array().unwrap(), check_upi_hmac));
    tests.extend(trials("upi360_signing.json pss_verify", signing["pss_verify"].as_array().unwrap(), check_upi_pss));
    for (file, check) in [
        ("upi360_requests.json", check_upi_request as fn(&Value) -> Result<(), String>),
        ("upi360_interpret.json", check_upi_interpretation),
    ] {
        tests.extend(trials(file, &cases_with_defaults(file), check));
    }
    tests
}

// ------------------------------------------------------------------------------------------------------ Paytm

fn paytm_params(v: &Value) -> BTreeMap<String, Option<String>> {
    v.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().map(str::to_string))).collect()
}

/// The FixedRandom bytes that draw `salt` (alphabet index of each character; see README).
fn salt_bytes(salt: &str) -> Vec<u8> {
    salt.bytes().map(|b| checksum::SALT_ALPHABET.iter().position(|&a| a == b).unwrap() as u8).collect()
}

fn check_paytm_checksum(c: &Value) -> Result<(), String> {
    let key = Secret::new(s(c, "key"));
    let text = s(c, "string_to_sign");
    match s(c, "kind") {
        "sign" => {
            if let Some(params) = c.get("params") {
                let built = checksum::params_string(&paytm_params(params));
                if built != text {
                    return Err(format!("params string {built:?}"));
                }
            }
            let salt = s(c, "salt");
            let want = s(c, "expected_signature");
            let got = checksum::checksum(text, &key, salt).map_err(|e| e.to_string())?;
            if got != want {
                return Err(format!("signature {got}"));
            }
            let drawn = checksum::generate(text, &key, &FixedRandom(salt_bytes(salt))).map_err(|e| e.to_string())?;
            if drawn != want {
                return Err(format!("signature with drawn salt {drawn}"));
            }
            if !checksum::verify(text, &key, want) {
                return Err("does not verify".into());
            }
            Ok(())
        }
        "variant" => {
            let params = paytm_params(&c["params"]);
            let salt = FixedRandom(salt_bytes(s(c, "salt")));
            let built = checksum::generate_for_params(&params, &key, &salt).map_err(|e| e.to_string())?;
            if built == s(c, "expected_signature") || built != s(c, "correct_signature_for_params") {
                return Err(format!("map builder produced {built}"));
            }
            let literal = checksum::checksum(text, &key, s(c, "salt")).map_err(|e| e.to_string())?;
            if literal != s(c, "expected_signature") {
                return Err(format!("literal string signed to {literal}"));
            }
            Ok(())
        }
        "verify_negative" => match checksum::verify(text, &key, s(c, "signature")) {
            false => Ok(()),
            true => Err("verified".into()),
        },
        other => Err(format!("kind {other}")),
    }
}

fn paytm_config(case: &Value) -> PaytmConfig {
    let defaults = &case["default_config"];
    let overrides = case.get("config").unwrap_or(&Value::Null);
    let get = |k: &str| overrides.get(k).or_else(|| defaults.get(k));
    let text = |k: &str| get(k).and_then(Value::as_str).map(str::to_string);
    let environment = match text("environment").as_deref() {
        Some("production") => paytm::Environment::Production,
        _ => paytm::Environment::Staging,
    };
    let flavour = match text("flavour").as_deref() {
        Some("ai_router") => paytm::Flavour::AiRouter,
        _ => paytm::Flavour::Pg,
    };
    let mut c = PaytmConfig::new(environment, flavour, text("mid").unwrap(), text("merchant_key").unwrap());
    if let Some(u) = text("base_url") {
        c.base_url = u;
    }
    c.client_id = text("client_id");
    c.head.version = text("version");
    c.head.channel_id = text("channel_id");
    c.head.request_timestamp = get("request_timestamp").and_then(Value::as_bool).unwrap_or(false);
    c.head.token_type_checksum = get("token_type_checksum").and_then(Value::as_bool).unwrap_or(false);
    if let Some(n) = get("comments_max_len").and_then(Value::as_u64) {
        c.comments_max_len = n as usize;
    }
    c
}

fn paytm_client(case: &Value) -> Result<Paytm<FixedClock, FixedRandom>, Error> {
    let random = case["random_bytes"]
        .as_array()
        .map_or_else(|| vec![0], |b| b.iter().map(|x| x.as_u64().unwrap() as u8).collect());
    Paytm::with_sources(paytm_config(case), FixedClock(case["now_ms"].as_u64().unwrap_or(0)), FixedRandom(random))
}

fn opt_str(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn check_paytm_request(case: &Value) -> Result<(), String> {
    let input = &case["input"];
    let result = paytm_client(case).and_then(|client| match s(case, "operation") {
        "refund_apply" => client.build_refund_apply(&RefundApply {
            order_id: s(input, "order_id").into(),
            ref_id: s(input, "ref_id").into(),
            txn_id: s(input, "txn_id").into(),
            refund_amount: Money::from_paise(input["refund_amount_paise"].as_i64().unwrap()),
            original_amount: input.get("original_amount_paise").and_then(Value::as_i64).map(Money::from_paise),
            comments: opt_str(input, "comments"),
        }),
        "refund_status" => client.build_refund_status(&RefundStatusQuery {
            order_id: s(input, "order_id").into(),
            ref_id: opt_str(input, "ref_id"),
            refund_id: opt_str(input, "refund_id"),
        }),
        other => panic!("operation {other}"),
    });
    let Some(r) = built_or_expected_error(case, result)? else {
        return Ok(());
    };
    let want = &case["expect"];
    compare_request(&r, want, &expected_headers(want))
}

fn check_paytm_interpretation(case: &Value) -> Result<(), String> {
    let client = paytm_client(case).map_err(|e| e.to_string())?;
    let resp = response(case);
    let outcome = match s(case, "operation") {
        "refund_apply" => client.interpret_refund_apply(&resp),
        "refund_status" => {
            let prior = match case.get("prior_apply") {
                Some(Value::Object(o)) => PriorApply::AcceptedAt(o["accepted_at_ms"].as_u64().unwrap()),
                _ => PriorApply::Unknown,
            };
            client.interpret_refund_status(&resp, prior)
        }
        other => panic!("operation {other}"),
    };
    if outcome.raw.provider.as_str() != "paytm" {
        return Err("provider".into());
    }
    check_outcome(&outcome, &case["expect"])
}

fn money_json(m: Option<Money>) -> Value {
    opt_money(m)
}

fn check_paytm_webhook(case: &Value) -> Result<(), String> {
    let client = paytm_client(case).map_err(|e| e.to_string())?;
    let body = s(case, "body").as_bytes();
    let result: Result<Value, WebhookError> = match s(case, "kind") {
        "accept_refund" => client.parse_accept_refund_webhook(body).map(|e| {
            serde_json::json!({"mid": e.mid, "order_id": e.order_id, "ref_id": e.ref_id, "refund_id": e.refund_id,
                "txn_id": e.txn_id, "refund_amount_paise": money_json(e.refund_amount), "status": e.status,
                "accepted": e.accepted, "reject_reason_code": e.reject_reason_code,
                "reject_reason_message": e.reject_reason_message})
        }),
        "success_refund" => client.parse_success_refund_webhook(body).map(|e| {
            let destinations: Vec<Value> = e
                .destinations
                .iter()
                .map(|d| {
                    serde_json::json!({"refund_type": d.refund_type, "pay_method": d.pay_method,
                        "refund_amount_paise": money_json(d.refund_amount), "rrn": d.rrn,
                        "user_credit_expected_date": d.user_credit_expected_date})
                })
                .collect();
            serde_json::json!({"mid": e.mid, "order_id": e.order_id, "ref_id": e.ref_id, "refund_id": e.refund_id,
                "txn_id": e.txn_id, "txn_amount_paise": money_json(e.txn_amount),
                "refund_amount_paise": money_json(e.refund_amount),
                "total_refund_amount_paise": money_json(e.total_refund_amount), "status": e.status,
                "source": e.source, "user_credit_initiate_timestamp": e.user_credit_initiate_timestamp,
                "destinations": destinations})
        }),
        "refund_arn" => client.parse_refund_arn_webhook(body).map(|e| {
            serde_json::json!({"mid": e.mid, "order_id": e.order_id, "ref_id": e.ref_id, "refund_id": e.refund_id,
                "arn": e.arn})
        }),
        other => panic!("kind {other}"),
    };
    match (result, case.get("expect_error").and_then(Value::as_str)) {
        (Err(e), Some(want)) => {
            let kind = match e {
                WebhookError::Unreadable => "unreadable",
                WebhookError::SignatureMissing => "signature_missing",
                WebhookError::SignatureInvalid => "signature_invalid",
                WebhookError::MidMismatch => "mid_mismatch",
                WebhookError::MissingField(_) => "missing_field",
                WebhookError::InvalidField(_) => "invalid_field",
                _ => "other",
            };
            if kind == want {
                Ok(())
            } else {
                Err(format!("error {kind}, want {want}"))
            }
        }
        (Err(e), None) => Err(format!("error {e:?}")),
        (Ok(event), Some(want)) => Err(format!("parsed {event}, want error {want}")),
        (Ok(event), None) => {
            let mut errors = Vec::new();
            for (k, want) in case["expect"].as_object().unwrap() {
                if k == "destinations" {
                    let got = event[k].as_array().unwrap();
                    let want = want.as_array().unwrap();
                    if got.len() != want.len() {
                        errors.push(format!("{} destinations", got.len()));
                        continue;
                    }
                    for (g, w) in got.iter().zip(want) {
                        for (dk, dv) in w.as_object().unwrap() {
                            if &g[dk] != dv {
                                errors.push(format!("destination {dk}: got {}, want {dv}", g[dk]));
                            }
                        }
                    }
                } else if event.get(k) != Some(want) {
                    errors.push(format!("{k}: got {:?}, want {want}", event.get(k)));
                }
            }
            if errors.is_empty() {
                Ok(())
            } else {
                Err(errors.join("; "))
            }
        }
    }
}
