//! The built-in transport: reqwest with rustls (ring provider, webpki roots), on tokio.

use super::{Transport, TransportError};
use crate::error::{Error, Problem};
use crate::http::{Header, HttpMethod, HttpRequest, HttpResponse};
use async_trait::async_trait;
use std::time::Duration;

/// Timeouts and pool settings of [`ReqwestTransport`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportOptions {
    /// Time to establish a connection (TCP and TLS). A connect failure is [`TransportError::not_sent`].
    pub connect_timeout: Duration,
    /// Time for one whole request and answer. Running out is "may have been processed".
    pub request_timeout: Duration,
    /// How long idle pooled connections are kept.
    pub pool_idle_timeout: Duration,
    /// Largest answer body accepted; larger answers are cut off and reported as "may have been processed".
    pub max_response_bytes: usize,
}

impl Default for TransportOptions {
    fn default() -> Self {
        TransportOptions {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            pool_idle_timeout: Duration::from_secs(60),
            max_response_bytes: 1 << 20,
        }
    }
}

/// reqwest + rustls, connection pooling, no redirects, HTTPS only (plain HTTP only to loopback addresses).
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    max_response_bytes: usize,
}

impl ReqwestTransport {
    /// A transport with `options`. Fails only if the TLS stack cannot be set up.
    pub fn new(options: TransportOptions) -> Result<Self, Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .pool_idle_timeout(options.pool_idle_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .https_only(false) // checked per request: loopback http is allowed
            .user_agent(concat!("refundkit/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| Error::Configuration {
                field: "transport",
                problem: Problem::Format { expected: "a TLS stack that can be initialised" },
            })?;
        Ok(ReqwestTransport { client, max_response_bytes: options.max_response_bytes })
    }
}

/// Whether `url` may be sent to: https anywhere, http only to 127.0.0.0/8, ::1 or localhost.
fn allowed(url: &reqwest::Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        },
        _ => false,
    }
}

#[async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let url = reqwest::Url::parse(&request.url).map_err(|_| TransportError::not_sent("invalid URL"))?;
        if !allowed(&url) {
            return Err(TransportError::not_sent("refused: only https (or http to a loopback address) is allowed"));
        }
        let method = match request.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
        };
        let mut builder = self.client.request(method, url);
        for h in &request.headers {
            builder = builder.header(h.name.as_str(), h.value.as_str());
        }
        if request.method != HttpMethod::Get || !request.body.is_empty() {
            builder = builder.body(request.body);
        }
        let mut response = builder.send().await.map_err(classify)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(k, v)| v.to_str().ok().map(|v| Header::new(k.as_str(), v)))
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.len() + chunk.len() > self.max_response_bytes {
                return Err(TransportError::maybe_processed("answer larger than max_response_bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse { status, headers, body })
    }
}

/// Connect and builder failures never left; everything else may have been processed.
fn classify(e: reqwest::Error) -> TransportError {
    // reqwest's Display can include the URL (with its query); report the kind only.
    if e.is_connect() {
        TransportError::not_sent("could not connect")
    } else if e.is_builder() {
        TransportError::not_sent("request could not be built")
    } else if e.is_timeout() {
        TransportError::maybe_processed("timed out after sending")
    } else if e.is_body() || e.is_decode() {
        TransportError::maybe_processed("the answer was cut off")
    } else {
        TransportError::maybe_processed("connection failed after sending")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        let ok = |u: &str| allowed(&reqwest::Url::parse(u).unwrap());
        assert!(ok("https://api.eko.in/x"));
        assert!(ok("http://127.0.0.1:8080/x"));
        assert!(ok("http://127.9.9.9/x"));
        assert!(ok("http://[::1]:1/x"));
        assert!(ok("http://localhost:1/x"));
        assert!(!ok("http://api.eko.in/x"));
        assert!(!ok("http://10.0.0.1/x"));
        assert!(!ok("ftp://127.0.0.1/x"));
    }
}
