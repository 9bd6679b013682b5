//! HTTP as plain values: the core builds [`HttpRequest`]s and interprets [`HttpResponse`]s; it never does I/O.

use crate::Problem;
use std::fmt;

/// The HTTP methods the providers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
}

impl HttpMethod {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One header, name and value exactly as sent (names keep the provider's spelling, e.g. `developer_key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Header name.
    pub name: String,
    /// Header value.
    pub value: String,
}

impl Header {
    /// A header from a name and a value.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Header { name: name.into(), value: value.into() }
    }
}

/// A request to send: exact method, URL, ordered headers and body bytes. The body bytes are the signed bytes.
///
/// Its `Debug` output redacts the values of headers that carry credentials or signatures.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Method.
    pub method: HttpMethod,
    /// Absolute URL, with the query string already encoded.
    pub url: String,
    /// Headers, in the order to send them.
    pub headers: Vec<Header>,
    /// Body bytes (empty for `GET`).
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// The value of the first header with this name (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The body as UTF-8 text (bodies refundkit builds always are).
    pub fn body_text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap_or("<non-UTF-8 body>")
    }
}

/// Header names whose values `Debug` output never shows.
const SENSITIVE_HEADERS: &[&str] =
    &["secret-key", "developer_key", "authorization", "x-merchant-signature", "signature"];

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|h| {
                let sensitive = SENSITIVE_HEADERS.iter().any(|s| h.name.eq_ignore_ascii_case(s));
                (h.name.as_str(), if sensitive { "***" } else { h.value.as_str() })
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A response as received: status, headers and body bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// Headers, in the order received.
    pub headers: Vec<Header>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response from a status and a body, without headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        HttpResponse { status, headers: Vec::new(), body: body.into() }
    }

    /// The value of the first header with this name (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

fn find_header<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
}

/// `https://` anything, or `http://` to a loopback host (a local sandbox or test server).
pub(crate) fn validate_base_url(url: &str) -> Result<(), crate::Error> {
    let fail = |expected| Err(crate::error::config("base_url", Problem::Format { expected }));
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        rest
    } else if let Some(rest) = url.strip_prefix("http://") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit_once(':').map_or(
            host,
            |(h, port)| {
                if port.bytes().all(|b| b.is_ascii_digit()) {
                    h
                } else {
                    host
                }
            },
        );
        let loopback = host == "localhost"
            || host == "[::1]"
            || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback());
        if !loopback {
            return fail("an https:// URL (plain http:// is allowed only for loopback hosts)");
        }
        rest
    } else {
        return fail("an https:// URL");
    };
    if rest.is_empty()
        || rest.starts_with('/')
        || url.contains(['?', '#'])
        || !url.chars().all(|c| c.is_ascii_graphic())
    {
        return fail("an absolute URL without query, fragment or spaces");
    }
    Ok(())
}

/// Percent-encodes one URL path segment (RFC 3986 `pchar`): unreserved characters, sub-delimiters, `:` and `@`
/// stay; everything else, including `/`, `?`, `#` and `%`, is encoded, so a value can never change the path.
pub fn encode_path_segment(segment: &str) -> String {
    encode(segment, |b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b))
}

/// Encodes a query or `application/x-www-form-urlencoded` component: only unreserved characters stay (`+`, `/`,
/// `=` of a base64 value are encoded).
pub fn encode_query_component(value: &str) -> String {
    encode(value, |b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

fn encode(value: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        if keep(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Joins `name=value` pairs into a query string or form body, encoding both sides.
pub fn encode_pairs(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode_query_component(k), encode_query_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        for ok in ["https://api.eko.in/ekoicici/v3", "https://api.eko.in:25002/ekoicici/v3", "http://localhost:1/x"] {
            assert!(validate_base_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "ftp://x",
            "https://",
            "https:///x",
            "http://10.0.0.1/x",
            "http://127.0.0.1.evil.com/",
            "https://x/a b",
            "https://x/?q=1",
        ] {
            assert!(validate_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn path_segments_cannot_escape() {
        assert_eq!(encode_path_segment("client_ref_id:AB-1_2"), "client_ref_id:AB-1_2");
        assert_eq!(encode_path_segment("a/b?c#d%e f"), "a%2Fb%3Fc%23d%25e%20f");
        assert_eq!(encode_path_segment("ü"), "%C3%BC");
    }

    #[test]
    fn form_values_encode_base64_characters() {
        assert_eq!(encode_pairs(&[("otp_ref_id", "a+b/c="), ("x y", "1")]), "otp_ref_id=a%2Bb%2Fc%3D&x%20y=1");
    }

    #[test]
    fn header_lookup_is_case_insensitive_and_debug_redacts() {
        let r = HttpRequest {
            method: HttpMethod::Post,
            url: "https://x/".into(),
            headers: vec![Header::new("secret-key", "SIG"), Header::new("Content-Type", "application/json")],
            body: b"{}".to_vec(),
        };
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.header("nope"), None);
        let dbg = format!("{r:?}");
        assert!(!dbg.contains("SIG"), "{dbg}");
        assert!(dbg.contains("application/json"));
    }
}
