//! Load run: starts a sandbox and, over several keep-alive connections, fires freshly signed requests (Eko
//! Transaction Inquiry with a new `secret-key` each time, Paytm Refund Status with a new checksum each time) for a
//! few seconds, interprets every answer with refundkit, and prints signed requests per second.
//!
//! ```sh
//! cargo run -p refundkit-sandbox --release --example load
//! LOAD_SECONDS=10 LOAD_CONNECTIONS=32 cargo run -p refundkit-sandbox --release --example load
//! ```

use refundkit::eko::{self, Eko, EkoConfig, TransactionRef};
use refundkit::paytm::{Paytm, PaytmConfig, PriorApply, RefundApply, RefundStatusQuery};
use refundkit::{Header, HttpRequest, HttpResponse, Money, Status};
use refundkit_sandbox::{Sandbox, SandboxConfig, DEFAULT_PAYTM_MERCHANT_KEY, DEFAULT_PAYTM_MID};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One request/response exchange on a keep-alive connection (a deliberately tiny HTTP/1.1 client).
async fn exchange(stream: &mut TcpStream, buf: &mut Vec<u8>, req: &HttpRequest) -> std::io::Result<HttpResponse> {
    let path = req.url.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap_or_else(|| "/".into());
    let mut out = format!("{} {} HTTP/1.1\r\nHost: 127.0.0.1\r\n", req.method, path);
    for h in &req.headers {
        out.push_str(&format!("{}: {}\r\n", h.name, h.value));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", req.body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&req.body);
    stream.write_all(&bytes).await?;
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        if stream.read_buf(buf).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let status: u16 = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut headers = Vec::new();
    let mut len = 0usize;
    for line in head.lines().skip(1).filter(|l| !l.is_empty()) {
        if let Some((n, v)) = line.split_once(':') {
            if n.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            }
            headers.push(Header::new(n, v.trim()));
        }
    }
    while buf.len() < head_end + len {
        if stream.read_buf(buf).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
    }
    let body = buf[head_end..head_end + len].to_vec();
    buf.drain(..head_end + len);
    Ok(HttpResponse { status, headers, body })
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds = env_or("LOAD_SECONDS", 5);
    let connections = env_or("LOAD_CONNECTIONS", 16);
    let sandbox = Sandbox::start(SandboxConfig { polls_until_success: 1_000_000, ..SandboxConfig::default() }).await?;
    println!("sandbox on {} — {connections} keep-alive connections for {seconds} s", sandbox.base_url());

    let mut eko_config = EkoConfig::uat();
    eko_config.base_url = sandbox.eko_base_url();
    let eko = Arc::new(Eko::new(eko_config)?);
    let mut paytm_config = PaytmConfig::staging(DEFAULT_PAYTM_MID, DEFAULT_PAYTM_MERCHANT_KEY);
    paytm_config.base_url = sandbox.base_url();
    let paytm = Arc::new(Paytm::new(paytm_config)?);

    // One Paytm refund to poll, applied once up front.
    let order = sandbox.fixtures().paytm[0].clone();
    let tid = sandbox.fixtures().eko[0].tid.clone();
    let addr = format!("127.0.0.1:{}", sandbox.port());
    {
        let mut s = TcpStream::connect(&addr).await?;
        let apply = paytm.build_refund_apply(&RefundApply::new(
            &order.order_id,
            "LOADREF1",
            &order.txn_id,
            Money::from_paise(100),
        ))?;
        let o = paytm.interpret_refund_apply(&exchange(&mut s, &mut Vec::new(), &apply).await?);
        assert_eq!(o.status, Status::Pending, "{o:?}");
    }

    let ok = Arc::new(AtomicU64::new(0));
    let wrong = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..connections {
        let (eko, paytm, ok, wrong, addr, tid, order_id) =
            (eko.clone(), paytm.clone(), ok.clone(), wrong.clone(), addr.clone(), tid.clone(), order.order_id.clone());
        tasks.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(&addr).await.expect("connect");
            let _ = stream.set_nodelay(true);
            let mut buf = Vec::with_capacity(16 * 1024);
            let mut i = n;
            while Instant::now() < deadline {
                i += 1;
                let good = if i % 2 == 0 {
                    let req = eko.build_inquiry(&TransactionRef::Tid(tid.clone())).expect("signs");
                    let resp = exchange(&mut stream, &mut buf, &req).await.expect("answer");
                    // Refund-pending original: "not refunded yet".
                    eko::interpret_inquiry(&resp).reason == refundkit::Reason::NotRefunded
                } else {
                    let req = paytm.build_refund_status(&RefundStatusQuery::new(&order_id, "LOADREF1")).expect("signs");
                    let resp = exchange(&mut stream, &mut buf, &req).await.expect("answer");
                    paytm.interpret_refund_status(&resp, PriorApply::Unknown).status == Status::Pending
                };
                if good { &ok } else { &wrong }.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let (ok, wrong) = (ok.load(Ordering::Relaxed), wrong.load(Ordering::Relaxed));
    println!(
        "{} signed requests in {elapsed:.2} s: {:.0} requests/s ({ok} answered as expected, {wrong} not)",
        ok + wrong,
        (ok + wrong) as f64 / elapsed
    );
    println!("paytm status polls recorded in the ledger: {}", sandbox.ledger()[0].status_polls);
    sandbox.shutdown().await;
    if wrong > 0 {
        return Err(format!("{wrong} answers were not interpreted as expected").into());
    }
    Ok(())
}
