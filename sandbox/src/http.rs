//! A small hand-rolled HTTP/1.1 server layer: request parsing (`Content-Length` and chunked bodies, keep-alive,
//! pipelining) and response writing (`Date` and `Content-Length` always). Hand-rolled so that faults such as a reset
//! connection, a truncated body or a dropped response are fully under the sandbox's control.
//!
//! Hardened against hostile input: the parser is pure (no I/O; [`parse_request`] is what the fuzz test drives) and
//! uses checked arithmetic and bounds-checked slicing only; the head is limited (431) whether or not it is complete,
//! the body too (413, also after chunked decoding, and a chunk size is refused before it could overflow); an idle
//! connection is closed after the idle timeout and a request that takes longer than the request timeout to arrive is
//! answered 408 (so slow-loris clients cannot hold connections open).

use std::io;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

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
        100 => "Continue",
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    }
}

/// The HTTP layer's size limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// The largest request head (request line, headers and the empty line; also the largest chunked trailer).
    pub(crate) max_head: usize,
    /// The largest request body (after chunked decoding).
    pub(crate) max_body: usize,
}

/// The largest number of header fields in one head.
const MAX_HEADERS: usize = 256;
/// The longest chunk-size line (size and extensions).
const MAX_CHUNK_LINE: usize = 1024;

/// Why a request cannot be served: answered with `status` and the connection closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpError {
    /// 400, 413, 431, 501 or 505.
    pub(crate) status: u16,
    /// A short explanation, sent as the plain-text body.
    pub(crate) reason: &'static str,
}

impl HttpError {
    fn bad(reason: &'static str) -> HttpError {
        HttpError { status: 400, reason }
    }

    /// The answer to send before closing.
    pub(crate) fn response(&self) -> Response {
        Response::text(self.status, self.reason)
    }
}

/// How a request's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body.
    Empty,
    /// `Content-Length` bytes.
    Length(usize),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// A parsed request head.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    keep_alive: bool,
    framing: Framing,
    expects_continue: bool,
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p.saturating_add(from))
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Field-value characters: HTAB, SP, VCHAR and obs-text (no CR, LF or other controls).
fn is_field_char(c: char) -> bool {
    c == '\t' || c == ' ' || (c >= '!' && c != '\u{7f}')
}

/// How many leading bytes of `buf` are empty lines (CRLF pairs), which RFC 9112 §2.2 lets a server ignore before a
/// request line.
pub(crate) fn leading_empty_lines(buf: &[u8]) -> usize {
    let mut i: usize = 0;
    while buf.get(i..i.saturating_add(2)) == Some(b"\r\n") {
        i += 2;
    }
    i
}

/// Parses the head at the start of `buf` (after any leading empty lines were removed). `Ok(None)`: not complete yet
/// and still within the limit. On success, returns the head and its length (including the final empty line).
pub(crate) fn parse_head(buf: &[u8], limits: Limits) -> Result<Option<(Head, usize)>, HttpError> {
    let too_large = HttpError { status: 431, reason: "request head too large" };
    let end = match find(buf, b"\r\n\r\n", 0) {
        Some(p) => p.saturating_add(4),
        // Without the terminator in `max_head` bytes, the head is longer than `max_head`.
        None if buf.len() >= limits.max_head => return Err(too_large),
        None => return Ok(None),
    };
    if end > limits.max_head {
        return Err(too_large);
    }
    let text = std::str::from_utf8(&buf[..end - 4]).map_err(|_| HttpError::bad("request head is not UTF-8"))?;
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HttpError::bad("malformed request line"));
    };
    if method.is_empty() || !method.bytes().all(is_tchar) {
        return Err(HttpError::bad("malformed method"));
    }
    if !target.starts_with('/') || !target.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(HttpError::bad("malformed request target (origin form expected)"));
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        v if v.len() == 8
            && v.starts_with("HTTP/")
            && v.as_bytes()[5].is_ascii_digit()
            && v.as_bytes()[7].is_ascii_digit()
            && v.as_bytes()[6] == b'.' =>
        {
            return Err(HttpError { status: 505, reason: "only HTTP/1.0 and HTTP/1.1 are supported" })
        }
        _ => return Err(HttpError::bad("malformed HTTP version")),
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            return Err(HttpError::bad("obsolete line folding in a header"));
        }
        let (name, value) = line.split_once(':').ok_or(HttpError::bad("malformed header line"))?;
        if name.is_empty() || !name.bytes().all(is_tchar) {
            return Err(HttpError::bad("malformed header name"));
        }
        let value = value.trim_matches([' ', '\t']);
        if !value.chars().all(is_field_char) {
            return Err(HttpError::bad("control character in a header value"));
        }
        if headers.len() >= MAX_HEADERS {
            return Err(HttpError { status: 431, reason: "too many header fields" });
        }
        headers.push((name.to_string(), value.to_string()));
    }
    fn values<'h>(headers: &'h [(String, String)], n: &'static str) -> impl Iterator<Item = &'h str> {
        headers.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(n)).map(|(_, v)| v.as_str())
    }
    let values = |n: &'static str| values(&headers, n);
    let connection: Vec<String> =
        values("connection").flat_map(|v| v.split(',')).map(|t| t.trim().to_ascii_lowercase()).collect();
    let keep_alive =
        if http10 { connection.iter().any(|t| t == "keep-alive") } else { !connection.iter().any(|t| t == "close") };
    let codings: Vec<String> = values("transfer-encoding")
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    let lengths: Vec<&str> = values("content-length").flat_map(|v| v.split(',')).map(str::trim).collect();
    let framing = if values("transfer-encoding").next().is_some() {
        if http10 {
            return Err(HttpError::bad("Transfer-Encoding in an HTTP/1.0 request"));
        }
        if !lengths.is_empty() {
            // RFC 9112 §6.1: both framings at once is how requests are smuggled; refuse.
            return Err(HttpError::bad("both Transfer-Encoding and Content-Length"));
        }
        match codings.as_slice() {
            [only] if only == "chunked" => Framing::Chunked,
            [.., last] if last == "chunked" => {
                return Err(HttpError { status: 501, reason: "only the chunked transfer coding is supported" })
            }
            _ => return Err(HttpError::bad("the last transfer coding must be chunked")),
        }
    } else if let Some(first) = lengths.first() {
        if lengths.iter().any(|l| l != first) {
            return Err(HttpError::bad("conflicting Content-Length values"));
        }
        if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) {
            return Err(HttpError::bad("malformed Content-Length"));
        }
        let body_too_large = HttpError { status: 413, reason: "request body too large" };
        // Digits only: a parse failure can only be an overflow.
        let n = first.parse::<usize>().map_err(|_| body_too_large.clone())?;
        if n > limits.max_body {
            return Err(body_too_large);
        }
        if n == 0 {
            Framing::Empty
        } else {
            Framing::Length(n)
        }
    } else {
        Framing::Empty
    };
    let expects_continue = values("expect").any(|v| v.eq_ignore_ascii_case("100-continue"));
    let head =
        Head { method: method.to_string(), target: target.to_string(), headers, keep_alive, framing, expects_continue };
    Ok(Some((head, end)))
}

impl Head {
    /// The request, with its body.
    fn into_request(self, body: Vec<u8>) -> Request {
        let (path, query) = match self.target.split_once('?') {
            Some((p, q)) => (p.to_string(), Some(q.to_string())),
            None => (self.target, None),
        };
        Request { method: self.method, path, query, headers: self.headers, body, keep_alive: self.keep_alive }
    }
}

/// Where the chunked decoder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    Size,
    Data { remaining: usize },
    DataEnd,
    Trailer,
}

/// An incremental decoder of a chunked body. It keeps its position in the connection buffer, so each byte is
/// examined once however the body arrives; every size is bounded by [`Limits`].
#[derive(Debug)]
pub(crate) struct ChunkedDecoder {
    pos: usize,
    state: ChunkState,
    body: Vec<u8>,
    trailer_bytes: usize,
}

impl ChunkedDecoder {
    /// A decoder of the body starting at `start` in the buffer.
    pub(crate) fn new(start: usize) -> ChunkedDecoder {
        ChunkedDecoder { pos: start, state: ChunkState::Size, body: Vec::new(), trailer_bytes: 0 }
    }

    /// Decodes what `buf` holds. `Ok(Some(end))` when the body is complete (`end`: just past the trailer);
    /// `Ok(None)` when more bytes are needed.
    pub(crate) fn advance(&mut self, buf: &[u8], limits: Limits) -> Result<Option<usize>, HttpError> {
        loop {
            match self.state {
                ChunkState::Size => {
                    let Some(line_end) = find(buf, b"\r\n", self.pos) else {
                        // The pending bytes may end with the CR of the line's CRLF: one byte of slack, so a split
                        // read decides exactly as the whole line would.
                        if buf.len().saturating_sub(self.pos) > MAX_CHUNK_LINE.saturating_add(1) {
                            return Err(HttpError::bad("chunk size line too long"));
                        }
                        return Ok(None);
                    };
                    let line = buf.get(self.pos..line_end).unwrap_or_default();
                    if line.len() > MAX_CHUNK_LINE {
                        return Err(HttpError::bad("chunk size line too long"));
                    }
                    let size_part = line.split(|b| *b == b';').next().unwrap_or_default();
                    let size_part = size_part.strip_suffix(b" ").unwrap_or(size_part);
                    if size_part.is_empty() || !size_part.iter().all(u8::is_ascii_hexdigit) {
                        return Err(HttpError::bad("malformed chunk size"));
                    }
                    if !line.iter().all(|b| *b == b'\t' || (b' '..=b'~').contains(b)) {
                        return Err(HttpError::bad("malformed chunk extension"));
                    }
                    let too_large = HttpError { status: 413, reason: "request body too large" };
                    let digits = size_part.iter().skip_while(|b| **b == b'0').count();
                    if digits > 16 {
                        return Err(too_large);
                    }
                    let text = std::str::from_utf8(size_part).map_err(|_| HttpError::bad("malformed chunk size"))?;
                    let size = u64::from_str_radix(text, 16).map_err(|_| too_large.clone())?;
                    let size = usize::try_from(size).map_err(|_| too_large.clone())?;
                    match self.body.len().checked_add(size) {
                        Some(total) if total <= limits.max_body => {}
                        _ => return Err(too_large),
                    }
                    self.pos = line_end.saturating_add(2);
                    self.state = if size == 0 { ChunkState::Trailer } else { ChunkState::Data { remaining: size } };
                }
                ChunkState::Data { remaining } => {
                    let available = buf.len().saturating_sub(self.pos);
                    let take = available.min(remaining);
                    let end = self.pos.saturating_add(take);
                    self.body.extend_from_slice(buf.get(self.pos..end).unwrap_or_default());
                    self.pos = end;
                    if take < remaining {
                        self.state = ChunkState::Data { remaining: remaining - take };
                        return Ok(None);
                    }
                    self.state = ChunkState::DataEnd;
                }
                ChunkState::DataEnd => match buf.get(self.pos..self.pos.saturating_add(2)) {
                    None => return Ok(None),
                    Some(b"\r\n") => {
                        self.pos = self.pos.saturating_add(2);
                        self.state = ChunkState::Size;
                    }
                    Some(_) => return Err(HttpError::bad("chunk data not followed by CRLF")),
                },
                ChunkState::Trailer => {
                    let too_large = HttpError { status: 431, reason: "chunked trailer too large" };
                    let Some(line_end) = find(buf, b"\r\n", self.pos) else {
                        let pending = buf.len().saturating_sub(self.pos);
                        if self.trailer_bytes.saturating_add(pending) > limits.max_head {
                            return Err(too_large);
                        }
                        return Ok(None);
                    };
                    let line = buf.get(self.pos..line_end).unwrap_or_default();
                    self.pos = line_end.saturating_add(2);
                    if line.is_empty() {
                        return Ok(Some(self.pos));
                    }
                    self.trailer_bytes = self.trailer_bytes.saturating_add(line.len().saturating_add(2));
                    if self.trailer_bytes > limits.max_head {
                        return Err(too_large);
                    }
                    let well_formed =
                        std::str::from_utf8(line).ok().and_then(|l| l.split_once(':')).is_some_and(|(name, value)| {
                            !name.is_empty() && name.bytes().all(is_tchar) && value.chars().all(is_field_char)
                        });
                    if !well_formed {
                        return Err(HttpError::bad("malformed trailer field"));
                    }
                }
            }
        }
    }

    fn into_body(self) -> Vec<u8> {
        self.body
    }
}

/// Parses one complete request from the start of `buf` without I/O: the head parser and chunked decoder the
/// connection reader runs, given every byte at once (the fuzz test's entry point). `Ok(None)`: more bytes are needed. On success, also returns how many bytes of `buf` the
/// request took (leading empty lines included), so pipelined requests follow at that index.
#[cfg(test)]
pub(crate) fn parse_request(buf: &[u8], limits: Limits) -> Result<Option<(Request, usize)>, HttpError> {
    let skip = leading_empty_lines(buf);
    let rest = &buf[skip..];
    let Some((head, head_len)) = parse_head(rest, limits)? else { return Ok(None) };
    let (body, end) = match head.framing {
        Framing::Empty => (Vec::new(), head_len),
        Framing::Length(n) => {
            let end = head_len.checked_add(n).ok_or(HttpError { status: 413, reason: "request body too large" })?;
            match rest.get(head_len..end) {
                Some(b) => (b.to_vec(), end),
                None => return Ok(None),
            }
        }
        Framing::Chunked => {
            let mut decoder = ChunkedDecoder::new(head_len);
            match decoder.advance(rest, limits)? {
                Some(end) => (decoder.into_body(), end),
                None => return Ok(None),
            }
        }
    };
    Ok(Some((head.into_request(body), skip.saturating_add(end))))
}

/// The connection reader's limits and timeouts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadConfig {
    pub(crate) limits: Limits,
    /// How long a connection may wait, idle, for the first byte of its next request.
    pub(crate) idle_timeout: Duration,
    /// How long reading one request may take, from its first byte to its last.
    pub(crate) request_timeout: Duration,
}

/// What reading a request gave.
#[derive(Debug)]
pub(crate) enum ReadOutcome {
    /// A complete request.
    Request(Request),
    /// The client closed the connection (or it failed) between requests: nothing to answer.
    Closed,
    /// No request began within the idle timeout: close without answering.
    Idle,
    /// The request was not complete within the request timeout: answer 408 and close.
    TimedOut,
    /// The request is unacceptable: answer with the error and close.
    Failed(HttpError),
}

/// Reads more bytes into `buf`; `Ok(0)` at end of stream.
async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<usize> {
    buf.reserve(16 * 1024);
    stream.read_buf(buf).await
}

/// `now + timeout`, or about 30 years from now if that overflows (a configured `u64::MAX` must not panic).
fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout).unwrap_or_else(|| now + Duration::from_secs(30 * 365 * 86_400))
}

/// One read bounded by `deadline`.
enum Step {
    Data,
    Eof,
    Late,
}

async fn read_before(stream: &mut TcpStream, buf: &mut Vec<u8>, deadline: Instant) -> io::Result<Step> {
    match tokio::time::timeout_at(deadline, read_more(stream, buf)).await {
        Err(_) => Ok(Step::Late),
        Ok(Ok(0)) => Ok(Step::Eof),
        Ok(Ok(_)) => Ok(Step::Data),
        Ok(Err(e)) => Err(e),
    }
}

/// Reads one request from `stream`. `buf` carries bytes read past the previous request (pipelining) and keeps
/// those past this one.
pub(crate) async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>, config: ReadConfig) -> ReadOutcome {
    match read_request_io(stream, buf, config).await {
        Ok(outcome) => outcome,
        Err(_) => ReadOutcome::Closed,
    }
}

async fn read_request_io(stream: &mut TcpStream, buf: &mut Vec<u8>, config: ReadConfig) -> io::Result<ReadOutcome> {
    let cut_short = ReadOutcome::Failed(HttpError::bad("request cut short"));
    // Idle: wait for the first byte of a request (empty lines before a request line are skipped).
    let idle_deadline = deadline_after(config.idle_timeout);
    loop {
        let skip = leading_empty_lines(buf);
        buf.drain(..skip);
        if !buf.is_empty() && buf.as_slice() != b"\r" {
            break;
        }
        match read_before(stream, buf, idle_deadline).await? {
            Step::Data => {}
            Step::Eof => return Ok(ReadOutcome::Closed),
            Step::Late => return Ok(ReadOutcome::Idle),
        }
    }
    let deadline = deadline_after(config.request_timeout);
    let (head, head_end) = loop {
        match parse_head(buf, config.limits) {
            Err(e) => return Ok(ReadOutcome::Failed(e)),
            Ok(Some(parsed)) => break parsed,
            Ok(None) => {}
        }
        match read_before(stream, buf, deadline).await? {
            Step::Data => {}
            Step::Eof => return Ok(cut_short),
            Step::Late => return Ok(ReadOutcome::TimedOut),
        }
    };
    if head.expects_continue && head.framing != Framing::Empty && buf.len() == head_end {
        // curl waits for this before sending a body of more than 1 KiB.
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
    }
    let (body, end) = match head.framing {
        Framing::Empty => (Vec::new(), head_end),
        Framing::Length(n) => {
            let Some(end) = head_end.checked_add(n) else {
                return Ok(ReadOutcome::Failed(HttpError { status: 413, reason: "request body too large" }));
            };
            while buf.len() < end {
                match read_before(stream, buf, deadline).await? {
                    Step::Data => {}
                    Step::Eof => return Ok(cut_short),
                    Step::Late => return Ok(ReadOutcome::TimedOut),
                }
            }
            (buf[head_end..end].to_vec(), end)
        }
        Framing::Chunked => {
            let mut decoder = ChunkedDecoder::new(head_end);
            let end = loop {
                match decoder.advance(buf, config.limits) {
                    Err(e) => return Ok(ReadOutcome::Failed(e)),
                    Ok(Some(end)) => break end,
                    Ok(None) => {}
                }
                match read_before(stream, buf, deadline).await? {
                    Step::Data => {}
                    Step::Eof => return Ok(cut_short),
                    Step::Late => return Ok(ReadOutcome::TimedOut),
                }
            };
            (decoder.into_body(), end)
        }
    };
    buf.drain(..end);
    Ok(ReadOutcome::Request(head.into_request(body)))
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

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
