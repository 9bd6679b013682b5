//! The admin API, HTTP plumbing (keep-alive, chunked bodies, Date), and the background-thread handle.

mod common;

use common::*;
use refundkit::eko::{self, TransactionRef};
use refundkit_sandbox::{SandboxConfig, SandboxHandle};
use serde_json::json;
use std::io::{Read, Write};

#[tokio::test]
async fn admin_endpoints() {
    let sb = start().await;
    let c = client();

    let (s, creds) = admin(&c, &sb, "GET", "credentials", None).await;
    assert_eq!(s, 200);
    assert_eq!(creds["eko"]["developer_key"], refundkit::eko::UAT_DEVELOPER_KEY);
    assert_eq!(creds["paytm"]["mid"], refundkit_sandbox::DEFAULT_PAYTM_MID);

    let (_, fixtures) = admin(&c, &sb, "GET", "fixtures", None).await;
    assert_eq!(fixtures["eko"].as_array().unwrap().len(), 4);
    assert_eq!(fixtures["paytm"].as_array().unwrap().len(), 3);
    assert_eq!(fixtures["upi360"].as_array().unwrap().len(), 4);
    assert_eq!(fixtures["eko"][0]["tid"], sb.fixtures().eko[0].tid.as_str());

    let (s, created) =
        admin(&c, &sb, "POST", "eko/transactions", Some(json!({"amount_paise": 12345, "tid": "5550001"}))).await;
    assert_eq!((s, created["tid"].as_str()), (200, Some("5550001")));
    assert_eq!(created["tx_status"], 3);
    let (s, _) = admin(&c, &sb, "POST", "eko/transactions", Some(json!({"amount_paise": 1, "tid": "5550001"}))).await;
    assert_eq!(s, 400, "duplicate tid");
    let (s, _) = admin(&c, &sb, "POST", "paytm/orders", Some(json!({"amount_paise": 0}))).await;
    assert_eq!(s, 400, "amount must be positive");
    let (s, order) =
        admin(&c, &sb, "POST", "paytm/orders", Some(json!({"amount_paise": 999, "order_id": "ADMINORDER1"}))).await;
    assert_eq!((s, order["order_id"].as_str()), (200, Some("ADMINORDER1")));
    let (s, upi) = admin(&c, &sb, "POST", "upi360/transactions", Some(json!({"amount_paise": 777}))).await;
    assert_eq!(s, 200);
    assert_eq!(upi["original_upi_request_id"].as_str().unwrap().len(), 35);

    // OTP: none before Get Refund OTP, then the one the customer would receive.
    let (s, _) = admin(&c, &sb, "GET", "eko/otp/5550001", None).await;
    assert_eq!(s, 404);
    let e = eko(&sb);
    let sent = eko::interpret_refund_otp(&roundtrip(&c, &e.build_refund_otp("5550001").unwrap()).await).otp.unwrap();
    let (s, otp) = admin(&c, &sb, "GET", "eko/otp/5550001", None).await;
    assert_eq!(s, 200);
    assert_eq!(otp["otp"].as_str(), sent.test_otp.as_deref());
    assert_eq!(otp["otp_ref_id"].as_str(), sent.otp_ref_id.as_deref());

    // Faults: set, observe, count, clear.
    let rules = json!({"rules": [{"route": "eko.inquiry", "kind": "server_error", "status": 504, "every_nth": 1}]});
    assert_eq!(admin(&c, &sb, "PUT", "faults", Some(rules)).await.0, 200);
    let resp = roundtrip(&c, &e.build_inquiry(&TransactionRef::Tid("5550001".into())).unwrap()).await;
    assert_eq!(resp.status, 504);
    let (_, faults) = admin(&c, &sb, "GET", "faults", None).await;
    assert_eq!(faults["rules"][0]["kind"], "server_error");
    assert_eq!(faults["counts"]["server_error"], 1);
    assert_eq!(faults["counts"]["total"], 1);
    let (s, _) = admin(&c, &sb, "PUT", "faults", Some(json!([{"kind": "bogus"}]))).await;
    assert_eq!(s, 400);
    assert_eq!(admin(&c, &sb, "DELETE", "faults", None).await.0, 200);
    assert!(sb.faults().is_empty());
    assert_eq!(roundtrip(&c, &e.build_inquiry(&TransactionRef::Tid("5550001".into())).unwrap()).await.status, 200);

    // Ledger, then reset.
    let (_, ledger) = admin(&c, &sb, "GET", "ledger", None).await;
    assert_eq!(ledger["refunds"].as_array().unwrap().len(), 0);
    assert_eq!(admin(&c, &sb, "POST", "reset", None).await.0, 200);
    let (_, fixtures_after) = admin(&c, &sb, "GET", "fixtures", None).await;
    assert_eq!(fixtures_after, fixtures, "reset restores exactly the seeded fixtures");
    assert_eq!(sb.fault_counts().total(), 0);
    assert_eq!(admin(&c, &sb, "GET", "nope", None).await.0, 404);
}

#[tokio::test]
async fn ledger_json_lists_refunds() {
    let sb = start().await;
    let c = client();
    let p = paytm(&sb);
    let o = sb.fixtures().paytm[0].clone();
    let req = p
        .build_refund_apply(&refundkit::paytm::RefundApply::new(
            &o.order_id,
            "L1",
            &o.txn_id,
            refundkit::Money::from_paise(250),
        ))
        .unwrap();
    roundtrip(&c, &req).await;
    let (_, ledger) = admin(&c, &sb, "GET", "ledger", None).await;
    let r = &ledger["refunds"][0];
    assert_eq!(r["provider"], "paytm");
    assert_eq!(r["reference"], "L1");
    assert_eq!(r["original_id"], o.order_id.as_str());
    assert_eq!(r["amount_paise"], 250);
    assert_eq!(r["state"], "PENDING");
    assert_eq!(r["money_moved"], 1);
}

#[tokio::test]
async fn same_seed_same_fixtures_and_other_seed_differs() {
    let a = start_with(SandboxConfig { seed: 1, ..SandboxConfig::default() }).await;
    let b = start_with(SandboxConfig { seed: 1, ..SandboxConfig::default() }).await;
    let other = start_with(SandboxConfig { seed: 2, ..SandboxConfig::default() }).await;
    assert_eq!(a.fixtures(), b.fixtures());
    assert_ne!(a.fixtures(), other.fixtures());
    let none = start_with(SandboxConfig { fixtures: false, ..SandboxConfig::default() }).await;
    assert!(none.fixtures().eko.is_empty());
}

/// Raw HTTP over one TCP connection: keep-alive, a chunked request body, `Date` and `Content-Length` on answers.
fn raw_exchange(port: u16, requests: &[&str]) -> Vec<String> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
    let mut answers = Vec::new();
    for r in requests {
        stream.write_all(r.as_bytes()).unwrap();
        let mut buf = Vec::new();
        let mut byte = [0u8; 1];
        while !buf.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).unwrap();
            buf.push(byte[0]);
        }
        let head = String::from_utf8(buf).unwrap();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .map(|v| v.trim().parse().unwrap())
            .expect("Content-Length on every answer");
        let mut body = vec![0u8; len];
        stream.read_exact(&mut body).unwrap();
        answers.push(format!("{head}{}", String::from_utf8(body).unwrap()));
    }
    answers
}

#[test]
fn background_handle_keep_alive_and_chunked_bodies() {
    let handle = SandboxHandle::spawn(SandboxConfig::default()).unwrap();
    assert!(handle.base_url().starts_with("http://127.0.0.1:"));
    assert!(handle.credentials().contains(refundkit::eko::UAT_ACCESS_KEY));
    let chunked_body = "{\"amount_paise\": 4200, \"tid\": \"7770001\"}";
    let (first, second) = chunked_body.split_at(10);
    let chunked = format!(
        "POST /__sandbox/eko/transactions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{first}\r\n{:x};ext=1\r\n{second}\r\n0\r\n\r\n",
        first.len(),
        second.len()
    );
    let answers = raw_exchange(
        handle.port(),
        &[&chunked, "GET /__sandbox/fixtures HTTP/1.1\r\nHost: x\r\n\r\n", "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"],
    );
    assert!(answers[0].starts_with("HTTP/1.1 200 OK\r\n"), "{}", answers[0]);
    assert!(answers[0].contains("\"tid\":\"7770001\""));
    assert!(answers[0].contains("Connection: keep-alive"));
    let date = answers[1].lines().find_map(|l| l.strip_prefix("Date: ")).expect("Date header");
    assert!(date.ends_with(" GMT") && date.len() == 29, "IMF-fixdate: {date}");
    assert!(answers[1].contains("7770001"), "same connection, same state");
    assert!(answers[2].starts_with("HTTP/1.1 404"));
    assert_eq!(handle.fixtures().eko.iter().filter(|t| t.tid == "7770001").count(), 1);
    let port = handle.port();
    handle.shutdown();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "stopped listening");
}

#[test]
fn malformed_http_is_400() {
    let handle = SandboxHandle::spawn(SandboxConfig::default()).unwrap();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", handle.port())).unwrap();
    stream.write_all(b"NONSENSE\r\n\r\n").unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 400"), "{out}");
}

#[test]
fn expect_100_continue_is_answered() {
    let handle = SandboxHandle::spawn(SandboxConfig::default()).unwrap();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", handle.port())).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
    let body = "{\"amount_paise\": 100}";
    let head = format!(
        "POST /__sandbox/paytm/orders HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut interim = [0u8; 25];
    stream.read_exact(&mut interim).unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(body.as_bytes()).unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
    assert!(out.contains("Connection: close"));
}
