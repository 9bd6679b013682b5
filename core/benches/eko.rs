//! Eko: the `secret-key` signature, building a signed Initiate Refund and interpreting its answer, each next to the
//! raw floor measured in the same run (one HMAC-SHA256 over the same 13-byte timestamp, with `ring` and with the
//! `hmac` crate refundkit uses).
//!
//! `cargo bench -p refundkit --bench eko` (add `-- --quick` for a short run). Not run in CI; clippy checks it.

use criterion::{criterion_group, criterion_main, Criterion};
use refundkit::eko::{self, Eko, EkoConfig, RefundRequest};
use refundkit::{FixedClock, HttpResponse, Status};
use std::hint::black_box;

/// The documented test access key of Eko's golden vector (not a real credential).
const ACCESS_KEY: &str = "TEST_ACCESS_KEY_DO_NOT_USE";
const TIMESTAMP_MS: u64 = 1_700_000_000_000;

/// Eko's documented "Refund done" answer (tests/vectors/eko_interpret.json, first `initiate_refund` success case).
const REFUND_DONE: &str = r#"{"response_status_id":0,"response_type_id":74,"message":"Refund done","status":0,"data":{"refund_tid":"2147591637","amount":"5000.00","tds":"7.1","balance":"2.22263731286E9","fee":"50.0","currency":"INR","commission_reverse":"28.38","tid":"13192443","timestamp":"2018-10-30T12:00:14.058Z","refunded_amount":"5050.00"}}"#;

fn floor(c: &mut Criterion) {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let mut g = c.benchmark_group("eko/floor");
    // Eko keys the HMAC with the base64 text of the access key; the message is the decimal timestamp.
    let key_text = STANDARD.encode(ACCESS_KEY);
    let message = TIMESTAMP_MS.to_string();
    g.bench_function("hmac_sha256_ring", |b| {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key_text.as_bytes());
        b.iter(|| ring::hmac::sign(&key, black_box(message.as_bytes())))
    });
    g.bench_function("hmac_sha256_rustcrypto", |b| {
        b.iter(|| {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(black_box(key_text.as_bytes())).expect("any key length");
            mac.update(black_box(message.as_bytes()));
            mac.finalize().into_bytes()
        })
    });
    g.bench_function("hmac_sha256_rustcrypto_base64", |b| {
        // What `secret_key` does end to end, by hand: base64 the key, HMAC, base64 the MAC.
        b.iter(|| {
            let key = STANDARD.encode(black_box(ACCESS_KEY));
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
            mac.update(black_box(TIMESTAMP_MS).to_string().as_bytes());
            STANDARD.encode(mac.finalize().into_bytes())
        })
    });
    g.finish();
}

fn refundkit(c: &mut Criterion) {
    let mut g = c.benchmark_group("eko/refundkit");
    g.bench_function("secret_key", |b| b.iter(|| eko::secret_key(black_box(ACCESS_KEY), black_box(TIMESTAMP_MS))));
    let client = Eko::with_clock(EkoConfig::uat(), FixedClock(TIMESTAMP_MS)).expect("UAT config");
    let request = RefundRequest::new("13192443", "123456").otp_ref_id("zCIS+a/b=");
    g.bench_function("build_initiate_refund", |b| {
        b.iter(|| client.build_initiate_refund(black_box(&request)).expect("valid request"))
    });
    let response = HttpResponse::new(200, REFUND_DONE);
    assert_eq!(eko::interpret_initiate_refund(&response).status, Status::Succeeded);
    g.bench_function("interpret_initiate_refund", |b| b.iter(|| eko::interpret_initiate_refund(black_box(&response))));
    g.finish();
}

criterion_group!(benches, floor, refundkit);
criterion_main!(benches);
