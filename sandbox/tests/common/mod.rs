//! Shared test plumbing: refundkit clients pointed at a sandbox and a tiny loopback HTTP client (reqwest).
#![allow(dead_code)]

use refundkit::eko::{Eko, EkoConfig};
use refundkit::paytm::{Flavour, Paytm, PaytmConfig};
use refundkit::upi360::{PlainStrategy, ResponseVerification, SigningMode, Upi360, Upi360Config};
use refundkit::{Clock, Header, HttpMethod, HttpRequest, HttpResponse, OsRandom, Secret, SystemClock};
use refundkit_sandbox::{
    Sandbox, SandboxConfig, DEFAULT_PAYTM_MERCHANT_KEY, DEFAULT_PAYTM_MID, DEFAULT_UPI_MERCHANT_CHANNEL_ID,
    DEFAULT_UPI_MERCHANT_ID, TEST_MERCHANT_PRIVATE_KEY_PEM, TEST_PSP_PUBLIC_KEY_PEM,
};

pub async fn start() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).await.expect("sandbox starts")
}

pub async fn start_with(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config).await.expect("sandbox starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().expect("client")
}

/// Sends a refundkit request as built (exact headers and body bytes).
pub async fn send(client: &reqwest::Client, req: &HttpRequest) -> Result<HttpResponse, reqwest::Error> {
    let method = match req.method {
        HttpMethod::Get => reqwest::Method::GET,
        HttpMethod::Post => reqwest::Method::POST,
    };
    let mut builder = client.request(method, &req.url);
    for h in &req.headers {
        builder = builder.header(h.name.as_str(), h.value.as_str());
    }
    if !req.body.is_empty() {
        builder = builder.body(req.body.clone());
    }
    let response = builder.send().await?;
    let status = response.status().as_u16();
    let headers =
        response.headers().iter().map(|(n, v)| Header::new(n.as_str(), v.to_str().unwrap_or_default())).collect();
    let body = response.bytes().await?.to_vec();
    Ok(HttpResponse { status, headers, body })
}

/// Sends and expects an answer.
pub async fn roundtrip(client: &reqwest::Client, req: &HttpRequest) -> HttpResponse {
    send(client, req).await.expect("an HTTP answer")
}

pub fn eko_config(sandbox: &Sandbox) -> EkoConfig {
    let mut c = EkoConfig::uat();
    c.base_url = sandbox.eko_base_url();
    c
}

pub fn eko(sandbox: &Sandbox) -> Eko<SystemClock> {
    Eko::with_clock(eko_config(sandbox), SystemClock).expect("eko client")
}

pub fn eko_with_clock<C: Clock>(sandbox: &Sandbox, clock: C) -> Eko<C> {
    Eko::with_clock(eko_config(sandbox), clock).expect("eko client")
}

pub fn paytm_config(sandbox: &Sandbox, flavour: Flavour) -> PaytmConfig {
    let mut c = PaytmConfig::staging(DEFAULT_PAYTM_MID, DEFAULT_PAYTM_MERCHANT_KEY);
    c.flavour = flavour;
    c.base_url = sandbox.base_url();
    c
}

pub fn paytm(sandbox: &Sandbox) -> Paytm<SystemClock, OsRandom> {
    Paytm::new(paytm_config(sandbox, Flavour::Pg)).expect("paytm client")
}

pub fn upi_config(sandbox: &Sandbox, signing: SigningMode) -> Upi360Config {
    Upi360Config::new(
        sandbox.base_url(),
        "n2",
        DEFAULT_UPI_MERCHANT_ID,
        DEFAULT_UPI_MERCHANT_CHANNEL_ID,
        signing,
        ResponseVerification::verify(TEST_PSP_PUBLIC_KEY_PEM),
    )
}

pub fn pss() -> SigningMode {
    SigningMode::Plain(PlainStrategy::RsaPssSha256 { private_key_pem: Secret::new(TEST_MERCHANT_PRIVATE_KEY_PEM) })
}

pub fn jws() -> SigningMode {
    SigningMode::Jws { kid: "merchant-kid-1".into(), private_key_pem: Secret::new(TEST_MERCHANT_PRIVATE_KEY_PEM) }
}

pub fn upi(sandbox: &Sandbox) -> Upi360<SystemClock> {
    Upi360::new(upi_config(sandbox, pss())).expect("upi client")
}

pub fn upi_with_clock<C: Clock>(sandbox: &Sandbox, signing: SigningMode, clock: C) -> Upi360<C> {
    Upi360::with_clock(upi_config(sandbox, signing), clock).expect("upi client")
}

pub fn now_ms() -> u64 {
    SystemClock.now_unix_ms()
}

/// A plain JSON request to the admin API.
pub async fn admin(
    client: &reqwest::Client,
    sandbox: &Sandbox,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut b = client.request(method, format!("{}/__sandbox/{path}", sandbox.base_url()));
    if let Some(body) = body {
        b = b.header("content-type", "application/json").body(body.to_string());
    }
    let r = b.send().await.expect("admin answer");
    let status = r.status().as_u16();
    let v = serde_json::from_slice(&r.bytes().await.expect("admin body")).expect("admin JSON");
    (status, v)
}
