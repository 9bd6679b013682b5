//! A loopback HTTP/1.1 test server that replays scripted answers and injects faults: timeouts, resets, 5xx,
//! malformed and truncated bodies, and answers lost after the request was processed.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Action {
    /// Answer.
    Respond { status: u16, headers: Vec<(String, String)>, body: Vec<u8> },
    /// Wait, then answer (longer than the client's timeout = a timeout after sending).
    Delay(Duration, Box<Action>),
    /// Read the request, then close the connection without a word (the request was processed: a lost answer).
    Drop,
    /// Send the status line and a Content-Length larger than the body, then close.
    Truncate { status: u16, body: Vec<u8> },
}

impl Action {
    pub fn json(status: u16, body: &str) -> Action {
        Action::Respond {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn with_header(self, name: &str, value: &str) -> Action {
        match self {
            Action::Respond { status, mut headers, body } => {
                headers.push((name.into(), value.into()));
                Action::Respond { status, headers, body }
            }
            other => other,
        }
    }
}

type Handler = dyn Fn(&Seen, usize) -> Action + Send + Sync;

/// A running server.
pub struct Server {
    pub base: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    /// Starts a server on 127.0.0.1 whose answer to the n-th request (0-based) is `handler(request, n)`.
    pub async fn start(handler: impl Fn(&Seen, usize) -> Action + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let log = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let (handler, log) = (handler.clone(), log.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, handler, log).await;
                });
            }
        });
        Server { base, seen }
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// How many requests were POSTed to a path containing `fragment`.
    pub fn posts_to(&self, fragment: &str) -> usize {
        self.requests().iter().filter(|r| r.method == "POST" && r.path.contains(fragment)).count()
    }
}

async fn serve(mut stream: TcpStream, handler: Arc<Handler>, log: Arc<Mutex<Vec<Seen>>>) -> std::io::Result<()> {
    let mut buf = Vec::new();
    loop {
        // Read one request (headers, then Content-Length bytes).
        let header_end = loop {
            if let Some(i) = find(&buf, b"\r\n\r\n") {
                break i;
            }
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
        let mut lines = head.split("\r\n");
        let mut first = lines.next().unwrap_or_default().split(' ');
        let method = first.next().unwrap_or_default().to_string();
        let path = first.next().unwrap_or_default().to_string();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':').map(|(n, v)| (n.trim().to_string(), v.trim().to_string())))
            .collect();
        let len: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        while buf.len() < header_end + 4 + len {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let body = buf[header_end + 4..header_end + 4 + len].to_vec();
        buf.drain(..header_end + 4 + len);
        let seen = Seen { method, path, headers, body };
        let n = {
            let mut l = log.lock().unwrap();
            l.push(seen.clone());
            l.len() - 1
        };
        let mut action = handler(&seen, n);
        while let Action::Delay(d, next) = action {
            tokio::time::sleep(d).await;
            action = *next;
        }
        match action {
            Action::Respond { status, headers, body } => {
                let mut out = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
                if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("date")) {
                    out.push_str("date: ");
                    out.push_str(&http_date(std::time::SystemTime::now()));
                    out.push_str("\r\n");
                }
                for (n, v) in headers {
                    out.push_str(&format!("{n}: {v}\r\n"));
                }
                out.push_str("\r\n");
                stream.write_all(out.as_bytes()).await?;
                stream.write_all(&body).await?;
            }
            Action::Drop => return Ok(()),
            Action::Truncate { status, body } => {
                let out = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n\r\n", body.len() + 100);
                stream.write_all(out.as_bytes()).await?;
                stream.write_all(&body).await?;
                stream.flush().await?;
                return Ok(());
            }
            Action::Delay(..) => unreachable!(),
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// IMF-fixdate of `t`.
pub fn http_date(t: std::time::SystemTime) -> String {
    let secs = t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    http_date_secs(secs)
}

pub fn http_date_secs(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    let wd = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][(m - 1) as usize];
    format!("{wd}, {d:02} {mon} {y} {:02}:{:02}:{:02} GMT", rem / 3600, rem % 3600 / 60, rem % 60)
}

fn civil(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A response body from a conformance-vector case, by file and case name.
pub fn vector_response(file: &str, case: &str) -> Action {
    // The repository's tests/vectors (or $REFUNDKIT_VECTORS): a packaged crate has none, and these tests say so.
    let dir = std::env::var("REFUNDKIT_VECTORS")
        .unwrap_or_else(|_| format!("{}/../tests/vectors", env!("CARGO_MANIFEST_DIR")));
    let path = format!("{dir}/{file}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{path}: {e} (this test needs the refundkit repository's tests/vectors: set REFUNDKIT_VECTORS)")
    });
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let c = v["cases"].as_array().unwrap().iter().find(|c| c["name"] == case).unwrap_or_else(|| panic!("{case}"));
    let r = &c["response"];
    let headers = r["headers"]
        .as_array()
        .map(|hs| {
            hs.iter()
                .map(|h| (h[0].as_str().unwrap().to_string(), h[1].as_str().unwrap().to_string()))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    Action::Respond {
        status: r["status"].as_u64().unwrap() as u16,
        headers,
        body: r["body"].as_str().unwrap().as_bytes().to_vec(),
    }
}
