//! UPI Refund 360: the mode-A `x-merchant-signature` (RSA-PSS-SHA256, hex), the mode-B RS256 flattened JWS, building
//! a signed Refund 360 request and interpreting a signed answer (strict JSON, RSA-PSS verification, field checks),
//! each next to the raw floor measured in the same run: RSA-2048 PSS and PKCS#1 v1.5 signing and PSS verification
//! with `ring` on the same key and message.
//!
//! `cargo bench -p refundkit --bench upi360` (add `-- --quick` for a short run). Not run in CI; clippy checks it.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use criterion::{criterion_group, criterion_main, Criterion};
use refundkit::upi360::{
    jws_flattened, signature_input, RefundRequest, RefundType, ResponseVerification, RsaPrivateKey, SignatureEncoding,
    SigningMode, Upi360, Upi360Config,
};
use refundkit::{FixedClock, Header, HttpResponse, Money, Secret, Status};
use std::hint::black_box;

// TEST-ONLY RSA-2048 keys, shared with the crate's tests (core/tests/data/upi360_keys/README.md).
const MERCHANT_PKCS8: &str = include_str!("../tests/data/upi360_keys/test_only_merchant_private_pkcs8.pem");
const PSP_PUBLIC: &str = include_str!("../tests/data/upi360_keys/test_only_psp_public_spki.pem");
const TIMESTAMP_MS: u64 = 1_700_000_000_000;

/// A signed Refund 360 SUCCESS answer (tests/vectors/upi360_interpret.json, "gatewayResponseStatus SUCCESS / 00"),
/// signed with the TEST-ONLY PSP key.
const REFUND_SUCCESS: &str = r#"{"status":"SUCCESS","responseCode":"SUCCESS","responseMessage":"SUCCESS","payload":{"merchantId":"MERCHANT1","merchantChannelId":"CHANNEL1","refundRequestId":"RF20250101ABC","originalMerchantRequestId":"ORD-1","refundAmount":"100.00","refundType":"ONLINE","refundTimestamp":"2025-01-01T10:00:05+05:30","gatewayTransactionId":"YJP1234567890ABCDEFGHIJKLMNOPQRSTUV","gatewayRefundReferenceId":"500112345678","gatewayRefundTransactionId":"YJPREF0001","gatewayResponseStatus":"SUCCESS","gatewayResponseCode":"00","gatewayResponseMessage":"msg 00"}}"#;
const REFUND_SUCCESS_SIGNATURE: &str = "6cd3b78473e660ca1a764668ca476844fcd926aaa97aad0c912544e42c4a6056b596bed86bf20bfff84fbbf38edc9fac36737ff264176e1099dcd132ecaccb65aba862b15489baa9f2555a4f3fa882ce1354754a85d9bdad46d09279d0925a1abac282bf1c3100a61806a272f055fefc58aab6b2fbfe99da17d4a0aaa9365f4320ff91c74f1a1faa1cd43024b4e980906fd194657668b34ccb158ef08cc8ee91fc3620aa0b20466f46407463c9418c53b9284a00237b885c7c38db2c562004407935959e5a9008ff6be7ae70a1308ec9fd3f9798104054f1b5336c95df1210e2d8f6aee8969eb09eea98d729faa5fac5072c7a6c2a684e094a2268a3e9c36dbf";

/// A Refund 360 body of realistic size (what the mode-A signature covers after the ids and timestamp).
const BODY: &str = r#"{"originalUpiRequestId":"YJP1234567890ABCDEFGHIJKLMNOPQRSTUV","refundRequestId":"RF20250101ABC","refundAmount":"100.00","refundType":"ONLINE","merchantRefundVpa":"refunds@parentbank","remarks":"Customer refund"}"#;

fn der(pem: &str) -> Vec<u8> {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(b64).expect("PEM body")
}

fn input() -> Vec<u8> {
    signature_input("MERCHANT1", "CHANNEL1", None, None, &TIMESTAMP_MS.to_string(), BODY.as_bytes())
}

fn floor(c: &mut Criterion) {
    use ring::rand::SystemRandom;
    use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};
    let mut g = c.benchmark_group("upi360/floor");
    let pair = RsaKeyPair::from_pkcs8(&der(MERCHANT_PKCS8)).expect("TEST key");
    let rng = SystemRandom::new();
    let message = input();
    let mut sig = vec![0u8; pair.public().modulus_len()];
    g.bench_function("rsa2048_pss_sign_ring", |b| {
        b.iter(|| pair.sign(&signature::RSA_PSS_SHA256, &rng, black_box(&message), &mut sig).expect("signs"))
    });
    g.bench_function("rsa2048_pkcs1_sign_ring", |b| {
        b.iter(|| pair.sign(&signature::RSA_PKCS1_SHA256, &rng, black_box(&message), &mut sig).expect("signs"))
    });
    pair.sign(&signature::RSA_PSS_SHA256, &rng, &message, &mut sig).expect("signs");
    let public = UnparsedPublicKey::new(&signature::RSA_PSS_2048_8192_SHA256, pair.public().as_ref().to_vec());
    g.bench_function("rsa2048_pss_verify_ring", |b| {
        b.iter(|| public.verify(black_box(&message), black_box(&sig)).expect("verifies"))
    });
    g.bench_function("rsa2048_parse_pkcs8_ring", |b| {
        let der = der(MERCHANT_PKCS8);
        b.iter(|| RsaKeyPair::from_pkcs8(black_box(&der)).expect("TEST key"))
    });
    g.finish();
}

fn refundkit(c: &mut Criterion) {
    let mut g = c.benchmark_group("upi360/refundkit");
    let key = RsaPrivateKey::from_pem(&Secret::new(MERCHANT_PKCS8)).expect("TEST key");
    g.bench_function("header_signature", |b| {
        b.iter(|| {
            let input = signature_input(
                black_box("MERCHANT1"),
                "CHANNEL1",
                None,
                None,
                &TIMESTAMP_MS.to_string(),
                black_box(BODY.as_bytes()),
            );
            SignatureEncoding::Hex.encode(&key.sign_pss_sha256(&input).expect("signs"))
        })
    });
    g.bench_function("header_signature_parsing_the_pem_each_call", |b| {
        // What a stateless call taking the PEM (e.g. the bindings' `upi_header_signature`) pays on top.
        b.iter(|| {
            let key = RsaPrivateKey::from_pem(&Secret::new(black_box(MERCHANT_PKCS8))).expect("TEST key");
            SignatureEncoding::Hex.encode(&key.sign_pss_sha256(&input()).expect("signs"))
        })
    });
    g.bench_function("jws_rs256", |b| {
        b.iter(|| jws_flattened(&key, "kid-1", black_box(BODY.as_bytes())).expect("signs"))
    });

    let config = Upi360Config::new(
        "https://api.beta.yesbank.upi.juspay.in",
        "n2",
        "MERCHANT1",
        "CHANNEL1",
        SigningMode::Plain(refundkit::upi360::PlainStrategy::RsaPssSha256 {
            private_key_pem: Secret::new(MERCHANT_PKCS8),
        }),
        ResponseVerification::verify(PSP_PUBLIC),
    );
    let client = Upi360::with_clock(config, FixedClock(TIMESTAMP_MS)).expect("TEST config");
    let request = RefundRequest::new("RF20250101ABC", Money::from_paise(10_000), RefundType::Online, "Customer refund")
        .original_upi_request_id("YJP1234567890ABCDEFGHIJKLMNOPQRSTUV")
        .merchant_refund_vpa("refunds@parentbank");
    g.bench_function("build_refund360", |b| {
        b.iter(|| client.build_refund(black_box(&request)).expect("valid request"))
    });

    let mut response = HttpResponse::new(200, REFUND_SUCCESS);
    response.headers.push(Header::new("x-response-signature", REFUND_SUCCESS_SIGNATURE));
    assert_eq!(client.interpret_refund(&request, &response).status, Status::Succeeded);
    g.bench_function("interpret_refund360_verified", |b| {
        b.iter(|| client.interpret_refund(black_box(&request), black_box(&response)))
    });
    g.finish();
}

criterion_group!(benches, floor, refundkit);
criterion_main!(benches);
