//! Unit and property tests of the request parser: regressions for each hardening finding, framing rules, and a
//! seeded generator (no external crate; reproducible from the printed seed) that round-trips generated requests,
//! mutates them and throws biased garbage at the parser.

use super::*;
use crate::util::splitmix64;

const DEFAULT: Limits = Limits { max_head: 64 * 1024, max_body: 4 * 1024 * 1024 };

fn parse(bytes: &[u8]) -> Result<Option<(Request, usize)>, HttpError> {
    parse_request(bytes, DEFAULT)
}

fn status_of(bytes: &[u8]) -> u16 {
    match parse(bytes) {
        Ok(Some(_)) => 200,
        Ok(None) => 0,
        Err(e) => e.status,
    }
}

#[test]
fn a_huge_chunk_size_is_refused_not_a_panic() {
    let req = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n";
    assert_eq!(status_of(req), 413);
    // After a first chunk: the sum would overflow.
    let req = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\nFFFFFFFFFFFFFFFF\r\n";
    assert_eq!(status_of(req), 413);
    let req = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000000000001\r\na\r\n0\r\n\r\n";
    assert_eq!(status_of(req), 200, "leading zeros are allowed");
    let req = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n";
    assert_eq!(status_of(req), 413);
    let req = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n";
    assert_eq!(status_of(req), 400, "from_str_radix would accept a sign");
}

#[test]
fn the_head_limit_applies_to_complete_heads_too() {
    let mut req = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
    req.extend(std::iter::repeat_n(b'a', 100 * 1024));
    req.extend_from_slice(b"\r\n\r\n");
    assert_eq!(status_of(&req), 431);
    // Incomplete and already over the limit.
    assert_eq!(status_of(&req[..70 * 1024]), 431);
    // Exactly at the limit is fine.
    let small = Limits { max_head: 40, max_body: 10 };
    let exact = b"GET /abc HTTP/1.1\r\nX-A: 0123456789ab\r\n\r\n";
    assert_eq!(exact.len(), 40);
    assert!(matches!(parse_request(exact, small), Ok(Some(_))));
    let over = b"GET /abc HTTP/1.1\r\nX-A: 0123456789abc\r\n\r\n";
    assert_eq!(
        parse_request(over, small).map(|_| ()),
        Err(HttpError { status: 431, reason: "request head too large" })
    );
}

#[test]
fn bodies_are_bounded() {
    let small = Limits { max_head: 1024, max_body: 4 };
    let status = |b: &[u8]| match parse_request(b, small) {
        Ok(Some(_)) => 200,
        Ok(None) => 0,
        Err(e) => e.status,
    };
    assert_eq!(status(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"), 413);
    assert_eq!(status(b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nhell"), 200);
    assert_eq!(status(b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"), 413);
    assert_eq!(status(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n"), 413);
    assert_eq!(status(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n2\r\nll\r\n0\r\n\r\n"), 200);
    // A trailer is bounded by the head limit.
    let mut t = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: ".to_vec();
    t.extend(std::iter::repeat_n(b'a', 2000));
    assert_eq!(status(&t), 431);
    // A chunk-size line without end is bounded.
    let mut l = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;".to_vec();
    l.extend(std::iter::repeat_n(b'x', 2000));
    assert_eq!(status(&l), 400);
}

#[test]
fn content_length_and_chunked_framing() {
    let (r, n) = parse(b"POST /a?b=1 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET").unwrap().unwrap();
    assert_eq!(
        (r.method.as_str(), r.path.as_str(), r.query.as_deref(), r.body.as_slice(), n),
        ("POST", "/a", Some("b=1"), &b"hello"[..], 48)
    );
    let chunked =
        b"POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n5;ext=1\r\nhello\r\n1 \r\n!\r\n0\r\nX-T: v\r\n\r\n";
    let (r, n) = parse(chunked).unwrap().unwrap();
    assert_eq!((r.body.as_slice(), n), (&b"hello!"[..], chunked.len()));
    // Both framings: refused (request smuggling).
    assert_eq!(status_of(b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 400);
    assert_eq!(status_of(b"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"), 400);
    assert_eq!(status_of(b"POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\nabc"), 200);
    assert_eq!(status_of(b"POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\nabc"), 400);
    assert_eq!(status_of(b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), 400);
    assert_eq!(status_of(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), 501);
    assert_eq!(status_of(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"), 400);
    assert_eq!(status_of(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 400);
    assert_eq!(status_of(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n"), 400);
    assert_eq!(status_of(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), 400);
    assert_eq!(status_of(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n"), 400);
    // Incomplete.
    assert_eq!(status_of(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel"), 0);
    assert_eq!(status_of(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"), 0);
}

#[test]
fn malformed_request_lines_and_headers() {
    for bad in [
        &b"GET  / HTTP/1.1\r\n\r\n"[..],
        b"GET / HTTP/1.1 x\r\n\r\n",
        b"GET /\r\n\r\n",
        b" GET / HTTP/1.1\r\n\r\n",
        b"GET http://x/ HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.x\r\n\r\n",
        b"GET / http/1.1\r\n\r\n",
        b"G(T / HTTP/1.1\r\n\r\n",
        b"GET /a\x01 HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
        b"GET / HTTP/1.1\r\n: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nA: 1\r\n folded\r\n\r\n",
        b"GET / HTTP/1.1\r\nA: x\ny\r\n\r\n",
        b"GET / HTTP/1.1\r\nA: x\x00y\r\n\r\n",
        b"GET / HTTP/1.1\r\nA: \xff\r\n\r\n",
    ] {
        assert_eq!(status_of(bad), 400, "{}", String::from_utf8_lossy(bad));
    }
    assert_eq!(status_of(b"GET / HTTP/2.0\r\n\r\n"), 505);
    assert_eq!(status_of(b"\r\n\r\nGET / HTTP/1.1\r\n\r\n"), 200, "empty lines before the request line");
    let many: String = (0..300).map(|i| format!("X-{i}: v\r\n")).collect();
    assert_eq!(status_of(format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes()), 431);
}

#[test]
fn keep_alive_rules_and_pipelining() {
    let ka = |b: &[u8]| parse(b).unwrap().unwrap().0.keep_alive();
    assert!(ka(b"GET / HTTP/1.1\r\n\r\n"));
    assert!(!ka(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
    assert!(!ka(b"GET / HTTP/1.1\r\nConnection: foo, Close\r\n\r\n"));
    assert!(!ka(b"GET / HTTP/1.0\r\n\r\n"));
    assert!(ka(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    let two = b"POST /1 HTTP/1.1\r\nContent-Length: 2\r\n\r\nabGET /2 HTTP/1.1\r\n\r\n";
    let (first, n) = parse(two).unwrap().unwrap();
    assert_eq!((first.path.as_str(), first.body.as_slice()), ("/1", &b"ab"[..]));
    let (second, m) = parse(&two[n..]).unwrap().unwrap();
    assert_eq!(second.path, "/2");
    assert_eq!(n + m, two.len());
}

// ---- property tests -------------------------------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix64(self.0)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn string(&mut self, alphabet: &[u8], min: usize, max: usize) -> String {
        let len = min + self.below(max - min + 1);
        (0..len).map(|_| char::from(*self.pick(alphabet))).collect()
    }
}

const TCHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~";
const PATH_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%:@!$&'()*+,;=/";
const QUERY_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-._~%:@!$&'()*+,;=/?";
const VALUE_CHARS: &[u8] =
    b"abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\t!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// A generated request and what parsing it must give.
struct Generated {
    bytes: Vec<u8>,
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    keep_alive: bool,
    head_len: usize,
    trailer_bytes: usize,
}

fn generate(rng: &mut Rng) -> Generated {
    let method = if rng.chance(80) {
        rng.pick(&["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]).to_string()
    } else {
        rng.string(TCHARS, 1, 12)
    };
    let mut target = format!("/{}", rng.string(PATH_CHARS, 0, 40));
    if rng.chance(50) {
        target.push('?');
        target.push_str(&rng.string(QUERY_CHARS, 0, 60));
    }
    let http10 = rng.chance(15);
    let mut headers: Vec<(String, String)> = Vec::new();
    for _ in 0..rng.below(8) {
        let name = format!("x-{}", rng.string(TCHARS, 0, 16));
        let mut value = rng.string(VALUE_CHARS, 0, 80).trim_matches([' ', '\t']).to_string();
        if rng.chance(10) {
            value.push_str("é→");
            value.push('z');
        }
        headers.push((name, value));
    }
    let keep_alive = match rng.below(4) {
        0 => {
            headers.push(("Connection".into(), "close".into()));
            false
        }
        1 => {
            headers.push(("Connection".into(), "keep-alive".into()));
            true
        }
        _ => !http10,
    };
    let body_len = match rng.below(10) {
        0..=3 => 0,
        4..=8 => rng.below(300),
        _ => rng.below(6000),
    };
    let body: Vec<u8> = (0..body_len).map(|_| rng.next() as u8).collect();
    let chunked = !http10 && body_len > 0 && rng.chance(40);
    if chunked {
        headers.push(("Transfer-Encoding".into(), rng.pick(&["chunked", "Chunked", "CHUNKED"]).to_string()));
    } else if body_len > 0 || rng.chance(30) {
        headers.push(("Content-Length".into(), body_len.to_string()));
    }
    if rng.chance(10) {
        let i = rng.below(headers.len() + 1);
        headers.insert(i, ("Expect".into(), "100-continue".into()));
    }
    let mut bytes = Vec::new();
    if rng.chance(5) {
        bytes.extend_from_slice(b"\r\n");
    }
    let start = bytes.len();
    bytes.extend_from_slice(format!("{method} {target} HTTP/1.{}\r\n", if http10 { 0 } else { 1 }).as_bytes());
    for (n, v) in &headers {
        let sep = rng.pick(&[":", ": ", ":\t", ":  "]);
        let tail = rng.pick(&["", " ", "\t"]);
        bytes.extend_from_slice(format!("{n}{sep}{v}{tail}\r\n").as_bytes());
    }
    bytes.extend_from_slice(b"\r\n");
    let head_len = bytes.len() - start;
    let mut trailer_bytes = 0;
    if chunked {
        let mut rest = &body[..];
        while !rest.is_empty() {
            let n = 1 + rng.below(rest.len().min(700));
            let ext = if rng.chance(20) { format!(";x={}", rng.string(TCHARS, 0, 8)) } else { String::new() };
            let zeros = if rng.chance(10) { "00" } else { "" };
            let hex = if rng.chance(50) { format!("{n:x}") } else { format!("{n:X}") };
            bytes.extend_from_slice(format!("{zeros}{hex}{ext}\r\n").as_bytes());
            bytes.extend_from_slice(&rest[..n]);
            bytes.extend_from_slice(b"\r\n");
            rest = &rest[n..];
        }
        bytes.extend_from_slice(b"0\r\n");
        for _ in 0..rng.below(3) {
            let line = format!("x-t{}: {}", rng.string(TCHARS, 0, 6), rng.string(TCHARS, 0, 30));
            trailer_bytes += line.len() + 2;
            bytes.extend_from_slice(line.as_bytes());
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"\r\n");
    } else {
        bytes.extend_from_slice(&body);
    }
    Generated { bytes, method, target, headers, body, keep_alive, head_len, trailer_bytes }
}

/// Parses the way the connection reader does: the buffer grows by random amounts, the head is parsed when
/// complete, then the body is framed or decoded incrementally. Must agree with [`parse_request`].
fn parse_in_pieces(bytes: &[u8], limits: Limits, rng: &mut Rng) -> Result<Option<(Request, usize)>, HttpError> {
    let mut len = 0;
    let mut grow = |len: &mut usize| -> bool {
        if *len >= bytes.len() {
            return false;
        }
        *len = (*len + 1 + rng.below(64)).min(bytes.len());
        true
    };
    let skip = leading_empty_lines(bytes);
    let rest = &bytes[skip..];
    let (head, head_len) = loop {
        if let Some(parsed) = parse_head(&rest[..len.min(rest.len())], limits)? {
            break parsed;
        }
        if !grow(&mut len) {
            return Ok(None);
        }
    };
    let (body, end) = match head.framing {
        Framing::Empty => (Vec::new(), head_len),
        Framing::Length(n) => match rest.get(head_len..head_len + n) {
            Some(b) => (b.to_vec(), head_len + n),
            None => return Ok(None),
        },
        Framing::Chunked => {
            let mut decoder = ChunkedDecoder::new(head_len);
            len = len.max(head_len);
            let end = loop {
                if let Some(end) = decoder.advance(&rest[..len.min(rest.len())], limits)? {
                    break end;
                }
                if !grow(&mut len) {
                    return Ok(None);
                }
            };
            (decoder.into_body(), end)
        }
    };
    Ok(Some((head.into_request(body), skip + end)))
}

fn summary(r: &Result<Option<(Request, usize)>, HttpError>) -> String {
    match r {
        Ok(Some((req, n))) => format!("ok {n} {} {:?} {:?} {}", req.method, req.path, req.query, req.body.len()),
        Ok(None) => "incomplete".into(),
        Err(e) => format!("error {}", e.status),
    }
}

/// Checks the invariants any parse result must satisfy, whatever the input.
fn check_invariants(bytes: &[u8], limits: Limits, result: &Result<Option<(Request, usize)>, HttpError>) {
    if let Ok(Some((req, consumed))) = result {
        assert!(*consumed <= bytes.len());
        let skip = leading_empty_lines(bytes);
        let head_end = find(&bytes[skip..], b"\r\n\r\n", 0).map(|p| p + 4);
        assert!(head_end.is_some_and(|h| h <= limits.max_head), "accepted a head over the limit");
        assert!(req.body.len() <= limits.max_body, "accepted a body over the limit");
        assert!(req.path.starts_with('/'));
    }
}

const CASES: u64 = 10_000;

#[test]
fn generated_requests_round_trip() {
    let mut rng = Rng(0x5EED_0001);
    let mut accepted = 0;
    for case in 0..CASES {
        let g = generate(&mut rng);
        let limits =
            if rng.chance(70) { DEFAULT } else { Limits { max_head: 32 + rng.below(600), max_body: rng.below(3000) } };
        let result = parse_request(&g.bytes, limits);
        check_invariants(&g.bytes, limits, &result);
        let expected_status = if g.head_len > limits.max_head {
            Some(431)
        } else if g.body.len() > limits.max_body {
            Some(413)
        } else if g.trailer_bytes > limits.max_head {
            Some(431)
        } else {
            None
        };
        match (&result, expected_status) {
            (Err(e), Some(s)) => assert_eq!(e.status, s, "case {case}: {e:?}"),
            (Ok(Some((req, consumed))), None) => {
                accepted += 1;
                assert_eq!(*consumed, g.bytes.len(), "case {case}");
                assert_eq!(req.method, g.method, "case {case}");
                let target = match &req.query {
                    Some(q) => format!("{}?{q}", req.path),
                    None => req.path.clone(),
                };
                assert_eq!(target, g.target, "case {case}");
                assert_eq!(req.headers, g.headers, "case {case}");
                assert_eq!(req.body, g.body, "case {case}");
                assert_eq!(req.keep_alive(), g.keep_alive, "case {case}");
            }
            (other, expected) => panic!("case {case}: got {}, expected {expected:?}", summary(other)),
        }
        // The reader's incremental path agrees.
        let pieces = parse_in_pieces(&g.bytes, limits, &mut rng);
        assert_eq!(summary(&pieces), summary(&result), "case {case}: in pieces");
        // A strict prefix is incomplete (or the same refusal).
        let cut = rng.below(g.bytes.len());
        match parse_request(&g.bytes[..cut], limits) {
            Ok(None) => {}
            Err(e) => assert_eq!(Some(e.status), expected_status, "case {case}: prefix {cut}"),
            Ok(Some(_)) => panic!("case {case}: a prefix of {cut} bytes parsed as complete"),
        }
        // Pipelined: the next request starts exactly where this one ends.
        if result.is_ok() && rng.chance(20) {
            let mut two = g.bytes.clone();
            two.extend_from_slice(b"GET /next HTTP/1.1\r\n\r\n");
            let (_, n) = parse_request(&two, limits).unwrap().unwrap();
            assert_eq!(parse_request(&two[n..], limits).unwrap().unwrap().0.path, "/next", "case {case}");
        }
    }
    assert!(accepted > CASES / 2, "most generated requests should be within the limits: {accepted}");
}

fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>) {
    const SNIPPETS: &[&[u8]] = &[
        b"\r\n",
        b"\r\n\r\n",
        b"\n",
        b"\r",
        b":",
        b" ",
        b"\x00",
        b"\xff",
        b"FFFFFFFFFFFFFFFF",
        b"10000000000000000",
        b"-1",
        b"Content-Length: 99999999999999999999\r\n",
        b"Content-Length: 3\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"0\r\n\r\n",
        b";",
        b"HTTP/1.1",
    ];
    for _ in 0..1 + rng.below(4) {
        let len = bytes.len();
        let at = rng.below(len + 1);
        match rng.below(6) {
            0 if len > 0 => bytes[at.min(len - 1)] = rng.next() as u8,
            1 => bytes.insert(at, rng.next() as u8),
            2 if len > 0 => {
                let end = (at + 1 + rng.below(20)).min(len);
                bytes.drain(at.min(len - 1)..end);
            }
            3 => {
                let s = rng.pick(SNIPPETS);
                bytes.splice(at..at, s.iter().copied());
            }
            4 if len > 0 => {
                let from = rng.below(len);
                let end = (from + 1 + rng.below(40)).min(len);
                let piece: Vec<u8> = bytes[from..end].to_vec();
                bytes.splice(at..at, piece);
            }
            _ => bytes.truncate(at),
        }
    }
}

#[test]
fn mutated_and_random_input_never_panics_nor_exceeds_limits() {
    let mut rng = Rng(0x5EED_0002);
    let mut outcomes = [0u32; 3];
    for case in 0..CASES {
        let mut bytes = generate(&mut rng).bytes;
        mutate(&mut rng, &mut bytes);
        let limits =
            if rng.chance(50) { DEFAULT } else { Limits { max_head: 16 + rng.below(400), max_body: rng.below(2000) } };
        let result = parse_request(&bytes, limits);
        check_invariants(&bytes, limits, &result);
        let pieces = parse_in_pieces(&bytes, limits, &mut rng);
        assert_eq!(summary(&pieces), summary(&result), "case {case}: in pieces");
        outcomes[match result {
            Ok(Some(_)) => 0,
            Ok(None) => 1,
            Err(_) => 2,
        }] += 1;
    }
    // Biased garbage from the protocol's own alphabet.
    const ALPHABET: &[u8] =
        b"GETPOST /HTTP1.0\r\n:;0123456789abcdefABCDEF chunked Content-Length Transfer-Encoding\t\x00\xff";
    for case in 0..CASES / 2 {
        let bytes: Vec<u8> = (0..rng.below(300)).map(|_| *rng.pick(ALPHABET)).collect();
        let limits = Limits { max_head: 8 + rng.below(200), max_body: rng.below(100) };
        let result = parse_request(&bytes, limits);
        check_invariants(&bytes, limits, &result);
        let pieces = parse_in_pieces(&bytes, limits, &mut rng);
        assert_eq!(summary(&pieces), summary(&result), "garbage case {case}");
    }
    // The mutations reach every outcome (the generator is not trivially rejected or accepted).
    assert!(outcomes.iter().all(|n| *n > 100), "{outcomes:?}");
}
