//! Strict by default: what the providers' documents refuse is refused with the provider's documented error, and
//! `SandboxConfig { strict: false }` restores the lenient answers. Also Eko's query-form inquiry.
//!
//! The requests here are hand-made (refundkit's builders never send these mistakes) but correctly authenticated:
//! Eko's `secret-key` covers only the timestamp, Paytm bodies are checksummed, UPI bodies are signed (mode A).

mod common;

use common::*;
use refundkit::eko::{self, TransactionRef};
use refundkit::upi360::{signature_input, RsaPrivateKey};
use refundkit::{Header, HttpMethod, HttpRequest, Reason, Secret, Status};
use refundkit_sandbox::{
    Sandbox, SandboxConfig, DEFAULT_PAYTM_MERCHANT_KEY, DEFAULT_PAYTM_MID, DEFAULT_UPI_MERCHANT_CHANNEL_ID,
    DEFAULT_UPI_MERCHANT_ID, TEST_MERCHANT_PRIVATE_KEY_PEM,
};
use serde_json::{json, Value};

async fn both() -> (Sandbox, Sandbox) {
    (start().await, start_with(SandboxConfig { strict: false, ..SandboxConfig::default() }).await)
}

fn body_json(r: &refundkit::HttpResponse) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

/// An Eko request with valid authentication headers and the given body (or query) as is.
fn eko_raw(sb: &Sandbox, method: HttpMethod, path_and_query: &str, body: Option<Value>) -> HttpRequest {
    let ts = now_ms();
    let creds = &sb.config().eko;
    let mut headers = vec![
        Header::new("developer_key", creds.developer_key.as_str()),
        Header::new("secret-key", refundkit::eko::secret_key(&creds.access_key, ts).as_str()),
        Header::new("secret-key-timestamp", ts.to_string().as_str()),
    ];
    if body.is_some() {
        headers.push(Header::new("content-type", "application/json"));
    }
    HttpRequest {
        method,
        url: format!("{}{path_and_query}", sb.eko_base_url()),
        headers,
        body: body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
    }
}

async fn eko_otp(sb: &Sandbox, tid: &str) -> String {
    let c = client();
    let o = eko::interpret_refund_otp(&roundtrip(&c, &eko(sb).build_refund_otp(tid).unwrap()).await);
    o.otp.and_then(|o| o.test_otp).expect("otp")
}

fn refundable_tid(sb: &Sandbox) -> String {
    sb.fixtures().eko.into_iter().find(|t| t.tx_status == 3).expect("fixture").tid
}

/// A JSON number exactly as written (`1.00` stays `1.00`: serde_json's arbitrary precision).
fn number(text: &str) -> Value {
    serde_json::from_str(text).expect("a JSON number")
}

fn no_key(r: &refundkit::HttpResponse) -> bool {
    body_json(r) == json!({"message": "No key for Response"})
}

#[tokio::test]
async fn eko_otp_must_be_a_json_number() {
    let (strict, lenient) = both().await;
    let c = client();
    for (sb, refused) in [(&strict, true), (&lenient, false)] {
        let tid = refundable_tid(sb);
        let otp = eko_otp(sb, &tid).await;
        let creds = &sb.config().eko;
        let body = json!({"initiator_id": creds.initiator_id, "user_code": creds.user_code, "otp": otp,
                          "service_code": 80, "state": 1});
        let r =
            roundtrip(&c, &eko_raw(sb, HttpMethod::Post, &format!("/customer/payment/refund/{tid}"), Some(body))).await;
        assert_eq!(no_key(&r), refused, "{}", String::from_utf8_lossy(&r.body));
        let o = eko::interpret_initiate_refund(&r);
        if refused {
            assert_eq!(o.status, Status::Failed, "{o:?}");
            assert!(sb.ledger().is_empty());
        } else {
            assert_eq!((o.status, o.reason), (Status::Succeeded, Reason::Refunded), "{o:?}");
        }
    }
}

#[tokio::test]
async fn eko_refund_bodies_follow_the_request_table() {
    let sb = start().await;
    let c = client();
    let tid = refundable_tid(&sb);
    let otp: u64 = eko_otp(&sb, &tid).await.parse().unwrap();
    let creds = sb.config().eko.clone();
    let base = json!({"initiator_id": creds.initiator_id, "user_code": creds.user_code, "otp": otp,
                      "service_code": 80, "state": 1});
    let path = format!("/customer/payment/refund/{tid}");
    for (field, value) in [
        ("client_ref_id", json!("ABC")),
        ("state", json!(2)),
        ("state", json!("1")),
        ("service_code", json!("80")),
        ("user_code", json!(20810200)),
    ] {
        let mut body = base.clone();
        body[field] = value.clone();
        let r = roundtrip(&c, &eko_raw(&sb, HttpMethod::Post, &path, Some(body))).await;
        assert!(no_key(&r), "{field}={value}: {}", String::from_utf8_lossy(&r.body));
    }
    // initiator_id as a number is accepted (Eko's sources disagree on its type); the documented body refunds.
    let mut body = base.clone();
    body["initiator_id"] = json!(creds.initiator_id.parse::<u64>().unwrap());
    let r = roundtrip(&c, &eko_raw(&sb, HttpMethod::Post, &path, Some(body))).await;
    assert_eq!(eko::interpret_initiate_refund(&r).status, Status::Succeeded, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(sb.ledger().len(), 1);
}

#[tokio::test]
async fn eko_inquiry_and_pending_refunds_need_user_code() {
    let (strict, lenient) = both().await;
    let c = client();
    for (sb, refused) in [(&strict, true), (&lenient, false)] {
        let tid = refundable_tid(sb);
        let initiator = &sb.config().eko.initiator_id;
        let r = roundtrip(
            &c,
            &eko_raw(
                sb,
                HttpMethod::Get,
                &format!("/tools/reference/transaction/{tid}?initiator_id={initiator}"),
                None,
            ),
        )
        .await;
        assert_eq!(no_key(&r), refused, "{}", String::from_utf8_lossy(&r.body));
        if !refused {
            assert_eq!(eko::interpret_inquiry(&r).reason, Reason::NotRefunded);
        }
        let mobile = &sb.fixtures().eko[0].customer_mobile;
        let r = roundtrip(
            &c,
            &eko_raw(
                sb,
                HttpMethod::Get,
                &format!("/customer/payment/refunds?initiator_id={initiator}&customer_id={mobile}"),
                None,
            ),
        )
        .await;
        assert_eq!(no_key(&r), refused, "{}", String::from_utf8_lossy(&r.body));
    }
}

#[tokio::test]
async fn eko_query_form_inquiry_answers_like_the_path_form() {
    let sb = start().await;
    let c = client();
    let e = eko(&sb);
    let tid = refundable_tid(&sb);
    let creds = sb.config().eko.clone();
    let path_form = roundtrip(&c, &e.build_inquiry(&TransactionRef::Tid(tid.clone())).unwrap()).await;
    let query = format!("tid={tid}&initiator_id={}&user_code={}", creds.initiator_id, creds.user_code);
    for base in [sb.eko_base_url(), format!("{}/ekoicici/v3", sb.base_url())] {
        let mut req = eko_raw(&sb, HttpMethod::Get, "", None);
        req.url = format!("{base}/tools/reference/transaction?{query}");
        let query_form = roundtrip(&c, &req).await;
        assert_eq!(query_form.status, 200);
        assert_eq!(body_json(&query_form), body_json(&path_form), "{}", req.url);
        let o = eko::interpret_inquiry(&query_form);
        assert_eq!((o.status, o.reason), (Status::Failed, Reason::NotRefunded));
    }
    // Unknown tid: the same "TID does not exist" as the path form.
    let unknown = format!("tid=1234567&initiator_id={}&user_code={}", creds.initiator_id, creds.user_code);
    let r =
        roundtrip(&c, &eko_raw(&sb, HttpMethod::Get, &format!("/tools/reference/transaction?{unknown}"), None)).await;
    assert_eq!(body_json(&r)["status"], 168);
    // Without tid: a missing parameter.
    let no_tid = format!("initiator_id={}&user_code={}", creds.initiator_id, creds.user_code);
    let r =
        roundtrip(&c, &eko_raw(&sb, HttpMethod::Get, &format!("/tools/reference/transaction?{no_tid}"), None)).await;
    assert!(no_key(&r));
}

/// A checksummed Paytm request with `body` as is.
fn paytm_raw(sb: &Sandbox, path: &str, body: &Value) -> HttpRequest {
    let text = body.to_string();
    let sig = refundkit::paytm::checksum::checksum(&text, &Secret::new(DEFAULT_PAYTM_MERCHANT_KEY), "abcd").unwrap();
    HttpRequest {
        method: HttpMethod::Post,
        url: format!("{}{path}", sb.base_url()),
        headers: vec![Header::new("content-type", "application/json")],
        body: format!("{{\"head\":{{\"signature\":\"{sig}\"}},\"body\":{text}}}").into_bytes(),
    }
}

fn result_code(r: &refundkit::HttpResponse) -> String {
    body_json(r)["body"]["resultInfo"]["resultCode"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn paytm_fields_are_strings_within_their_formats() {
    let (strict, lenient) = both().await;
    let c = client();
    for (sb, strict_mode) in [(&strict, true), (&lenient, false)] {
        let o = sb.fixtures().paytm[0].clone();
        let apply = |ref_id: &str| {
            json!({"mid": DEFAULT_PAYTM_MID, "txnType": "REFUND", "orderId": o.order_id, "refId": ref_id,
                   "txnId": o.txn_id, "refundAmount": "1.00"})
        };
        let cases: [(Value, &str, &str); 4] = [
            (
                {
                    let mut b = apply("S1");
                    b["refundAmount"] = number("1.00");
                    b
                },
                "600",
                "601",
            ),
            (
                {
                    let mut b = apply("S2");
                    b["orderId"] = json!("SBX ORDER1");
                    b
                },
                "600",
                "627",
            ),
            (
                {
                    let mut b = apply("S3");
                    b["comments"] = json!("x".repeat(501));
                    b
                },
                "600",
                "601",
            ),
            (
                {
                    let mut b = apply("S4");
                    b["refId"] = json!(12345);
                    b
                },
                "600",
                "601",
            ),
        ];
        for (body, strict_code, lenient_code) in cases {
            let r = roundtrip(&c, &paytm_raw(sb, "/refund/apply", &body)).await;
            let expected = if strict_mode { strict_code } else { lenient_code };
            assert_eq!(result_code(&r), expected, "strict={strict_mode} {body}");
        }
        let status = json!({"mid": DEFAULT_PAYTM_MID, "orderId": o.order_id, "refId": 99999});
        let r = roundtrip(&c, &paytm_raw(sb, "/v2/refund/status", &status)).await;
        assert_eq!(result_code(&r), if strict_mode { "624" } else { "631" });
    }
    // The documented body still refunds in strict mode.
    let o = strict.fixtures().paytm[1].clone();
    let good = json!({"mid": DEFAULT_PAYTM_MID, "txnType": "REFUND", "orderId": o.order_id, "refId": "GOOD1",
                      "txnId": o.txn_id, "refundAmount": "1.5", "comments": "ok"});
    assert_eq!(result_code(&roundtrip(&c, &paytm_raw(&strict, "/refund/apply", &good)).await), "601");
}

/// A mode-A signed UPI Refund 360 request with `body` as is.
fn upi_raw(sb: &Sandbox, body: &Value) -> HttpRequest {
    let text = body.to_string();
    let ts = now_ms().to_string();
    let input =
        signature_input(DEFAULT_UPI_MERCHANT_ID, DEFAULT_UPI_MERCHANT_CHANNEL_ID, None, None, &ts, text.as_bytes());
    let key = RsaPrivateKey::from_pem(&Secret::new(TEST_MERCHANT_PRIVATE_KEY_PEM)).unwrap();
    let sig: String = key.sign_pss_sha256(&input).unwrap().iter().map(|b| format!("{b:02x}")).collect();
    HttpRequest {
        method: HttpMethod::Post,
        url: format!("{}/api/n2/merchants/transactions/refund360", sb.base_url()),
        headers: vec![
            Header::new("content-type", "application/json"),
            Header::new("x-merchant-id", DEFAULT_UPI_MERCHANT_ID),
            Header::new("x-merchant-channel-id", DEFAULT_UPI_MERCHANT_CHANNEL_ID),
            Header::new("x-timestamp", ts.as_str()),
            Header::new("x-merchant-signature", sig.as_str()),
        ],
        body: text.into_bytes(),
    }
}

#[tokio::test]
async fn upi_fields_are_strings_within_their_formats() {
    let (strict, lenient) = both().await;
    let c = client();
    for (sb, strict_mode) in [(&strict, true), (&lenient, false)] {
        let fixtures = sb.fixtures().upi360;
        let base = |i: usize, id: &str| {
            json!({"originalUpiRequestId": fixtures[i].original_upi_request_id, "refundRequestId": id,
                   "refundAmount": "1.00", "refundType": "OFFLINE", "remarks": "refund"})
        };
        let cases: [(Value, &str); 5] = [
            (
                {
                    let mut b = base(0, "U1");
                    b["refundAmount"] = number("1.00");
                    b
                },
                "SUCCESS",
            ),
            (
                {
                    let mut b = base(1, "U2");
                    b["remarks"] = json!("refund!");
                    b
                },
                "SUCCESS",
            ),
            (
                {
                    let mut b = base(2, "U3");
                    b["udfParameters"] = json!("not json");
                    b
                },
                "SUCCESS",
            ),
            (
                {
                    let mut b = base(0, "U4");
                    b["originalUpiRequestId"] = json!("SBX-1");
                    b
                },
                "INVALID_DATA",
            ),
            (
                {
                    let mut b = base(0, "U5");
                    b["refundType"] = json!("ONLINE");
                    b["merchantRefundVpa"] = json!("no-at-sign");
                    b
                },
                // Lenient: the original already has an open refund (U1).
                "BAD_REQUEST",
            ),
        ];
        for (body, lenient_code) in cases {
            let r = roundtrip(&c, &upi_raw(sb, &body)).await;
            assert_eq!(r.status, 200);
            let code = body_json(&r)["responseCode"].as_str().unwrap_or_default().to_string();
            let expected = if strict_mode { "BAD_REQUEST" } else { lenient_code };
            assert_eq!(code, expected, "strict={strict_mode} {body}: {}", String::from_utf8_lossy(&r.body));
        }
    }
    assert!(strict.ledger().is_empty(), "nothing refunded in strict mode");
    assert_eq!(lenient.ledger().len(), 3);
}
