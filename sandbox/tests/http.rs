//! The HTTP layer over real loopback connections: one regression test per hardening finding (chunk-size overflow,
//! slow-loris and idle connections, the head limit on complete heads, the body limit, admin numeric errors),
//! keep-alive and pipelining, `Content-Length` vs chunked bodies, malformed request lines.
//!
//! No assertion depends on scheduling: timeouts are configured small and tests only check that a connection is
//! *eventually* answered or closed, within a bound (`GUARD`) two orders of magnitude above the configured timeout.

mod common;

use refundkit_sandbox::{Sandbox, SandboxConfig};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A hang guard, not a timing assertion: far above every timeout configured here.
const GUARD: Duration = Duration::from_secs(60);

async fn start_small_timeouts() -> Sandbox {
    common::start_with(SandboxConfig { idle_timeout_ms: 300, request_timeout_ms: 500, ..SandboxConfig::default() })
        .await
}

/// A long idle timeout (so a request's first byte can never be late for it) and a short request timeout.
async fn start_short_request_timeout() -> Sandbox {
    common::start_with(SandboxConfig { idle_timeout_ms: 60_000, request_timeout_ms: 500, ..SandboxConfig::default() })
        .await
}

async fn connect(sb: &Sandbox) -> TcpStream {
    TcpStream::connect(("127.0.0.1", sb.port())).await.expect("connect")
}

/// Reads until the server closes the connection (or resets it); panics if it does not within [`GUARD`].
async fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let read = async {
        let mut buf = [0u8; 8192];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(GUARD, read).await.expect("the server closes the connection");
    out
}

/// Sends `bytes` on a fresh connection and returns everything answered until the server closes it.
async fn exchange(sb: &Sandbox, bytes: &[u8]) -> String {
    let mut s = connect(sb).await;
    s.write_all(bytes).await.expect("write");
    String::from_utf8_lossy(&read_to_close(&mut s).await).into_owned()
}

/// Reads exactly one response (head plus `Content-Length` body) from a keep-alive connection.
async fn read_one_response(stream: &mut TcpStream, carry: &mut Vec<u8>) -> (u16, String) {
    let read = async {
        loop {
            if let Some(p) = carry.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&carry[..p]).into_owned();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                if carry.len() >= p + 4 + len {
                    let body = String::from_utf8_lossy(&carry[p + 4..p + 4 + len]).into_owned();
                    carry.drain(..p + 4 + len);
                    let status = head[9..12].parse().expect("status");
                    return (status, body);
                }
            }
            let mut buf = [0u8; 8192];
            let n = stream.read(&mut buf).await.expect("read");
            assert!(n > 0, "closed before a whole response");
            carry.extend_from_slice(&buf[..n]);
        }
    };
    tokio::time::timeout(GUARD, read).await.expect("a response")
}

fn status_of(answer: &str) -> u16 {
    answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0)
}

#[tokio::test]
async fn a_chunk_size_of_all_fs_is_answered_413_and_the_server_lives_on() {
    let sb = common::start().await;
    for req in [
        &b"POST /__sandbox/paytm/orders HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\nabc\r\n"[..],
        b"POST /__sandbox/paytm/orders HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\nFFFFFFFFFFFFFFFF\r\n",
    ] {
        let answer = exchange(&sb, req).await;
        assert_eq!(status_of(&answer), 413, "{answer}");
    }
    let answer = exchange(&sb, b"GET /__sandbox/fixtures HTTP/1.1\r\nConnection: close\r\n\r\n").await;
    assert_eq!(status_of(&answer), 200, "{answer}");
}

#[tokio::test]
async fn a_complete_100_kb_head_is_answered_431() {
    let sb = common::start().await;
    let mut req = b"GET /__sandbox/fixtures HTTP/1.1\r\nX-Big: ".to_vec();
    req.extend(std::iter::repeat_n(b'a', 100 * 1024));
    req.extend_from_slice(b"\r\n\r\n");
    // The whole head at once: the limit must apply even though the head is complete.
    let answer = exchange(&sb, &req).await;
    assert_eq!(status_of(&answer), 431, "{}", &answer[..answer.len().min(200)]);
}

#[tokio::test]
async fn bodies_over_the_limit_are_answered_413() {
    let sb = common::start_with(SandboxConfig { max_body_bytes: 1000, ..SandboxConfig::default() }).await;
    let big = "x".repeat(1001);
    let req = format!("POST /refund/apply HTTP/1.1\r\nContent-Length: {}\r\n\r\n{big}", big.len());
    assert_eq!(status_of(&exchange(&sb, req.as_bytes()).await), 413);
    let req = format!("POST /refund/apply HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n{big}\r\n0\r\n\r\n");
    assert_eq!(status_of(&exchange(&sb, req.as_bytes()).await), 413);
    // The default limit is 4 MiB.
    assert_eq!(SandboxConfig::default().max_body_bytes, 4 * 1024 * 1024);
    assert_eq!(SandboxConfig::default().max_head_bytes, 64 * 1024);
}

#[tokio::test]
async fn slow_loris_connections_are_closed() {
    let sb = start_short_request_timeout().await;
    let mut tasks = Vec::new();
    for i in 0..80 {
        let port = sb.port();
        tasks.push(tokio::spawn(async move {
            let mut s = TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
            s.write_all(format!("GET /__sandbox/fixtures HTTP/1.1\r\nX-{i}: ").as_bytes()).await.expect("write");
            // Trickle one byte at a time, never finishing the head, until the server gives up on us.
            let (mut r, mut w) = s.into_split();
            let trickle = tokio::spawn(async move {
                while w.write_all(b"a").await.is_ok() {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            });
            let mut out = Vec::new();
            let closed = tokio::time::timeout(GUARD, async {
                let mut buf = [0u8; 1024];
                loop {
                    match r.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => out.extend_from_slice(&buf[..n]),
                    }
                }
            })
            .await;
            trickle.abort();
            assert!(closed.is_ok(), "connection {i} still open");
            String::from_utf8_lossy(&out).into_owned()
        }));
    }
    for t in tasks {
        let answer = t.await.expect("task");
        // 408, or nothing if the close overtook the answer.
        assert!(answer.is_empty() || status_of(&answer) == 408, "{answer}");
    }
    // The server still serves.
    let answer = exchange(&sb, b"GET /__sandbox/fixtures HTTP/1.1\r\nConnection: close\r\n\r\n").await;
    assert_eq!(status_of(&answer), 200);
}

#[tokio::test]
async fn idle_connections_are_closed() {
    let sb = start_small_timeouts().await;
    // Never sends a byte.
    let mut s = connect(&sb).await;
    assert!(read_to_close(&mut s).await.is_empty());
    // Idle after a first request on a keep-alive connection: closed after the one answer. (Were the request itself
    // late for the idle timeout, the connection would be closed with no answer: also closed, also accepted.)
    let answer = exchange(&sb, b"GET /__sandbox/fixtures HTTP/1.1\r\n\r\n").await;
    assert!(answer.is_empty() || (status_of(&answer) == 200 && answer.matches("HTTP/1.1 ").count() == 1), "{answer}");

    let sb = start_short_request_timeout().await;
    // A head that is never finished is answered 408.
    let answer = exchange(&sb, b"GET /__sandbox/fixtures HTTP/1.1\r\nHost: x\r\n").await;
    assert_eq!(status_of(&answer), 408, "{answer}");
    // So is a body that never arrives.
    let answer = exchange(&sb, b"POST /refund/apply HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc").await;
    assert_eq!(status_of(&answer), 408, "{answer}");
    // Defaults.
    let d = SandboxConfig::default();
    assert_eq!((d.idle_timeout_ms, d.request_timeout_ms), (10_000, 10_000));
}

#[tokio::test]
async fn keep_alive_and_pipelining() {
    let sb = common::start().await;
    let mut s = connect(&sb).await;
    let mut carry = Vec::new();
    // Sequential requests on one connection.
    for _ in 0..3 {
        s.write_all(b"GET /__sandbox/credentials HTTP/1.1\r\n\r\n").await.expect("write");
        let (status, body) = read_one_response(&mut s, &mut carry).await;
        assert_eq!(status, 200);
        assert!(body.contains("\"seed\""));
    }
    // Three pipelined requests in one write, one with a Content-Length body and one chunked: answered in order.
    let body = r#"{"amount_paise": 4321, "order_id": "PIPE1"}"#;
    let chunked = r#"{"amount_paise": 777, "order_id": "PIPE2"}"#;
    let pipelined = format!(
        "POST /__sandbox/paytm/orders HTTP/1.1\r\nContent-Length: {}\r\n\r\n{body}\
         POST /__sandbox/paytm/orders HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{}\r\n{:x}\r\n{}\r\n0\r\n\r\n\
         GET /__sandbox/fixtures HTTP/1.1\r\n\r\n",
        body.len(),
        10,
        &chunked[..10],
        chunked.len() - 10,
        &chunked[10..],
    );
    s.write_all(pipelined.as_bytes()).await.expect("write");
    let (s1, b1) = read_one_response(&mut s, &mut carry).await;
    let (s2, b2) = read_one_response(&mut s, &mut carry).await;
    let (s3, b3) = read_one_response(&mut s, &mut carry).await;
    assert_eq!((s1, s2, s3), (200, 200, 200), "{b1} {b2}");
    assert!(b1.contains("PIPE1") && b1.contains("4321"), "{b1}");
    assert!(b2.contains("PIPE2") && b2.contains("777"), "{b2}");
    assert!(b3.contains("PIPE1") && b3.contains("PIPE2"), "{b3}");
    // Connection: close is honoured.
    s.write_all(b"GET /__sandbox/credentials HTTP/1.1\r\nConnection: close\r\n\r\n").await.expect("write");
    assert_eq!(read_one_response(&mut s, &mut carry).await.0, 200);
    assert!(read_to_close(&mut s).await.is_empty());
}

#[tokio::test]
async fn malformed_requests_are_answered_400_and_closed() {
    let sb = common::start().await;
    for (req, status) in [
        (&b"GARBAGE\r\n\r\n"[..], 400),
        (b"GET  /__sandbox HTTP/1.1\r\n\r\n", 400),
        (b"GET http://example.com/ HTTP/1.1\r\n\r\n", 400),
        (b"GET / HTTP/9.9\r\n\r\n", 505),
        (b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\n folded: x\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", 400),
        (b"\xff\xfe / HTTP/1.1\r\n\r\n", 400),
    ] {
        let answer = exchange(&sb, req).await;
        assert_eq!(status_of(&answer), status, "{} -> {answer}", String::from_utf8_lossy(req));
        assert!(answer.contains("Connection: close"), "{answer}");
    }
}

#[tokio::test]
async fn a_request_cut_short_is_answered_400() {
    let sb = common::start().await;
    let mut s = connect(&sb).await;
    s.write_all(b"POST /refund/apply HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc").await.expect("write");
    s.shutdown().await.expect("half-close");
    let answer = String::from_utf8_lossy(&read_to_close(&mut s).await).into_owned();
    assert_eq!(status_of(&answer), 400, "{answer}");
}

#[tokio::test]
async fn admin_numbers_say_what_is_wrong() {
    let sb = common::start().await;
    let c = common::client();
    for (body, expected) in [
        (r#"{"amount_paise": 99999999999999999999999}"#, "too large"),
        (r#"{"amount_paise": "99999999999999999999999"}"#, "too large"),
        (r#"{"amount_paise": 100000000001}"#, "too large"),
        (r#"{"amount_paise": 0}"#, "must be positive"),
        (r#"{"amount_paise": -5}"#, "must be positive"),
        (r#"{"amount_paise": 1.5}"#, "whole number"),
        (r#"{"amount_paise": "abc"}"#, "whole number"),
        (r#"{}"#, "required"),
    ] {
        for path in ["paytm/orders", "upi360/transactions", "eko/transactions"] {
            let (status, v) =
                common::admin(&c, &sb, "POST", path, Some(serde_json::from_str(body).expect("json"))).await;
            assert_eq!(status, 400, "{path} {body}");
            let error = v["error"].as_str().unwrap_or_default();
            assert!(error.contains(expected), "{path} {body}: {error}");
        }
    }
    let (status, v) = common::admin(
        &c,
        &sb,
        "POST",
        "eko/transactions",
        Some(serde_json::json!({"amount_paise": 100, "tx_status": 99999999999999999999u128})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(v["error"].as_str().unwrap_or_default().contains("too large"), "{v}");
}
