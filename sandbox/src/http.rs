//! A small hand-rolled HTTP/1.1 server layer: request parsing (`Content-Length` and chunked bodies, keep-alive) and
//! response writing (`Date` and `Content-Length` always). Hand-rolled so that faults such as a reset connection, a
//! truncated body or a dropped response are fully under the sandbox's control.

use std::io;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The largest request head accepted (request line and headers).
const MAX_HEAD: usize = 64 * 1024;
/// The largest request body accepted.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// A parsed request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: String,
    /// The path, still percent-encoded, without the query.
    pub(crate) path: String,
    /// The raw query string (after `?`), if any.
    pub(crate) query: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    keep_alive: bool,
}

impl Request {
    /// The first header with this name (ASCII case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// A decoded query parameter.
    pub(crate) fn query_param(&self, name: &str) -> Option<String> {
        let q = self.query.as_deref()?;
        crate::util::parse_query(q).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// Whether the connection stays open after the answer.
    pub(crate) fn keep_alive(&self) -> bool {
        self.keep_alive
    }
}

/// A response to write. `Date`, `Content-Length` and `Connection` are added when written.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// A JSON response.
    pub(crate) fn json(status: u16, body: impl Into<Vec<u8>>) -> Response {
        Response { status, headers: vec![("Content-Type".into(), "application/json".into())], body: body.into() }
    }

    /// A JSON response from a value (compact; object keys sorted, as `serde_json::Map` keeps them).
    pub(crate) fn value(status: u16, value: &serde_json::Value) -> Response {
        Response::json(status, value.to_string())
    }

    /// A plain-text response.
    pub(crate) fn text(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// Adds a header.
    pub(crate) fn with_header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The head (status line and headers) as sent, with `Date` for `now_ms`.
    pub(crate) fn head_bytes(&self, now_ms: u64, keep_alive: bool) -> Vec<u8> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason_phrase(self.status));
        head.push_str(&format!("Date: {}\r\n", crate::util::imf_fixdate(now_ms)));
        head.push_str("Server: refundkit-sandbox\r\n");
        for (n, v) in &self.headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        head.push_str(if keep_alive { "Connection: keep-alive\r\n\r\n" } else { "Connection: close\r\n\r\n" });
        head.into_bytes()
    }
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn bad(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_string())
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// Reads more bytes into `buf`; `Ok(0)` at end of stream.
async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<usize> {
    buf.reserve(16 * 1024);
    stream.read_buf(buf).await
}

/// Reads until `buf` holds at least `n` bytes.
async fn fill_to(stream: &mut TcpStream, buf: &mut Vec<u8>, n: usize) -> io::Result<()> {
    while buf.len() < n {
        if read_more(stream, buf).await? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "body cut short"));
        }
    }
    Ok(())
}

/// Reads one request from `stream`. `buf` carries bytes read past the previous request (pipelining). `Ok(None)`
/// when the client closed the connection between requests.
pub(crate) async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<Option<Request>> {
    let head_end = loop {
        if let Some(pos) = find(buf, b"\r\n\r\n", 0) {
            break pos + 4;
        }
        if buf.len() > MAX_HEAD {
            return Err(bad("request head too large"));
        }
        if read_more(stream, buf).await? == 0 {
            return if buf.iter().all(|b| b.is_ascii_whitespace()) {
                Ok(None)
            } else {
                Err(io::Error::new(io::ErrorKind::UnexpectedEof, "request head cut short"))
            };
        }
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| bad("request head is not UTF-8"))?.to_string();
    let mut lines = head.trim_start_matches(['\r', '\n']).split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("malformed request line"));
    };
    if !version.starts_with("HTTP/1.") || method.is_empty() || !target.starts_with('/') {
        return Err(bad("unsupported request line"));
    }
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').ok_or_else(|| bad("malformed header"))?;
        if name.is_empty() || name.contains(' ') {
            return Err(bad("malformed header name"));
        }
        headers.push((name.to_string(), value.trim().to_string()));
    }
    let header = |n: &str| headers.iter().find(|(k, _): &&(String, String)| k.eq_ignore_ascii_case(n)).map(|(_, v)| v);
    let connection = header("connection").map(|v| v.to_ascii_lowercase()).unwrap_or_default();
    let keep_alive =
        if version == "HTTP/1.0" { connection.contains("keep-alive") } else { !connection.contains("close") };
    let chunked = header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let content_length = match header("content-length") {
        Some(v) => Some(v.parse::<usize>().map_err(|_| bad("bad Content-Length"))?),
        None => None,
    };
    let expects_continue = header("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    let has_body = chunked || content_length.is_some_and(|n| n > 0);
    if expects_continue && has_body && buf.len() == head_end {
        // curl waits for this before sending a body of more than 1 KiB.
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
    }
    let (body, consumed) = if chunked {
        read_chunked(stream, buf, head_end).await?
    } else {
        let len = content_length.unwrap_or(0);
        if len > MAX_BODY {
            return Err(bad("body too large"));
        }
        fill_to(stream, buf, head_end + len).await?;
        (buf[head_end..head_end + len].to_vec(), head_end + len)
    };
    buf.drain(..consumed);
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target.to_string(), None),
    };
    Ok(Some(Request { method: method.to_string(), path, query, headers, body, keep_alive }))
}

/// Decodes a chunked body starting at `start`; returns the body and the index just past the trailer.
async fn read_chunked(stream: &mut TcpStream, buf: &mut Vec<u8>, start: usize) -> io::Result<(Vec<u8>, usize)> {
    let mut body = Vec::new();
    let mut pos = start;
    loop {
        let line_end = loop {
            if let Some(p) = find(buf, b"\r\n", pos) {
                break p;
            }
            if read_more(stream, buf).await? == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "chunk size cut short"));
            }
        };
        let line = std::str::from_utf8(&buf[pos..line_end]).map_err(|_| bad("bad chunk size"))?;
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| bad("bad chunk size"))?;
        pos = line_end + 2;
        if size == 0 {
            // Trailer section: header lines up to an empty line.
            loop {
                let end = loop {
                    if let Some(p) = find(buf, b"\r\n", pos) {
                        break p;
                    }
                    if read_more(stream, buf).await? == 0 {
                        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "trailer cut short"));
                    }
                };
                let empty = end == pos;
                pos = end + 2;
                if empty {
                    return Ok((body, pos));
                }
            }
        }
        if body.len() + size > MAX_BODY {
            return Err(bad("body too large"));
        }
        fill_to(stream, buf, pos + size + 2).await?;
        body.extend_from_slice(&buf[pos..pos + size]);
        if &buf[pos + size..pos + size + 2] != b"\r\n" {
            return Err(bad("chunk not followed by CRLF"));
        }
        pos += size + 2;
    }
}

/// Writes a whole response.
pub(crate) async fn write_response(
    stream: &mut TcpStream,
    response: &Response,
    now_ms: u64,
    keep_alive: bool,
) -> io::Result<()> {
    let mut bytes = response.head_bytes(now_ms, keep_alive);
    bytes.extend_from_slice(&response.body);
    stream.write_all(&bytes).await?;
    stream.flush().await
}

/// Writes the head (with the full `Content-Length`) and only the first half of the body, then closes: the client
/// sees a body cut short.
pub(crate) async fn write_truncated(stream: &mut TcpStream, response: &Response, now_ms: u64) -> io::Result<()> {
    let mut bytes = response.head_bytes(now_ms, false);
    bytes.extend_from_slice(&response.body[..response.body.len() / 2]);
    stream.write_all(&bytes).await?;
    stream.flush().await?;
    stream.shutdown().await
}
