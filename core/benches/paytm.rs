//! Paytm: PaytmChecksum sign and verify, building a signed Refund Apply, and interpreting a Refund Status answer
//! (strict JSON parse + response signature check), each next to the raw floor measured in the same run: SHA-256 of
//! the message and AES-128-CBC over the 68-byte plaintext (what one checksum costs at the least).
//!
//! `cargo bench -p refundkit --bench paytm` (add `-- --quick` for a short run). Not run in CI; clippy checks it.

use criterion::{criterion_group, criterion_main, Criterion};
use refundkit::paytm::{checksum, Paytm, PaytmConfig, PriorApply, RefundApply};
use refundkit::{FixedClock, FixedRandom, HttpResponse, Money, Secret, Status};
use std::hint::black_box;

/// The fake 16-byte merchant key of tests/vectors/paytm_checksum.json (V2) and paytm_interpret.json.
const MERCHANT_KEY: &str = "Test&Key#12345$@";
const MID: &str = "INTEGR7769XXXXXX9383";
const NOW_MS: u64 = 1_700_000_000_000;

/// A compact Refund Apply body (tests/vectors/paytm_checksum.json, V2): the text a checksum signs.
const APPLY_BODY: &str = r#"{"mid":"INTEGR7769XXXXXX9383","txnType":"REFUND","orderId":"OREDRID_98765","txnId":"202005081112128XXXXXX68470101509706","refId":"REFUNDID_98765","refundAmount":"1.00"}"#;

/// A signed Refund Status TXN_SUCCESS answer (tests/vectors/paytm_interpret.json, "status §6.2 10 TXN_SUCCESS").
const STATUS_SUCCESS: &str = r#"{"head":{"responseTimestamp":"1700000000000","signature":"7N6D1i3+NhW3hV/ConVm/DSeedHmIQOwbzaGwcdW35NRndJjwVVmnYOocBIsf2KIHNJOxyH4OSGUR4QNvLpjO73u0P+ThTUpxK8snvkSkuA=","version":"v1"},"body":{"orderId":"OREDRID_98765","mid":"INTEGR7769XXXXXX9383","refId":"REFUNDID_98765","txnId":"202005081112128XXXXXX68470101509706","txnAmount":"10.00","refundAmount":"1.00","resultInfo":{"resultStatus":"TXN_SUCCESS","resultCode":"10","resultMsg":"Refund Successfull"}}}"#;

fn floor(c: &mut Criterion) {
    use aes::cipher::block_padding::{NoPadding, Pkcs7};
    use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
    const IV: &[u8; 16] = b"@@@@&&&&####$$$$";
    let mut g = c.benchmark_group("paytm/floor");
    g.bench_function("sha256_ring", |b| {
        b.iter(|| ring::digest::digest(&ring::digest::SHA256, black_box(APPLY_BODY.as_bytes())))
    });
    g.bench_function("sha256_rustcrypto", |b| {
        use sha2::Digest;
        b.iter(|| sha2::Sha256::digest(black_box(APPLY_BODY.as_bytes())))
    });
    let plain = [b'a'; 68];
    g.bench_function("aes128_cbc_encrypt_68", |b| {
        b.iter(|| {
            let mut buf = [0u8; 80];
            buf[..68].copy_from_slice(black_box(&plain));
            cbc::Encryptor::<aes::Aes128>::new_from_slices(MERCHANT_KEY.as_bytes(), IV)
                .expect("16-byte key")
                .encrypt_padded_mut::<Pkcs7>(&mut buf, 68)
                .map(|ct| ct.len())
                .expect("room for the padding")
        })
    });
    g.bench_function("aes128_cbc_decrypt_80", |b| {
        let ct = [7u8; 80];
        b.iter(|| {
            let mut buf = *black_box(&ct);
            cbc::Decryptor::<aes::Aes128>::new_from_slices(MERCHANT_KEY.as_bytes(), IV)
                .expect("16-byte key")
                .decrypt_padded_mut::<NoPadding>(&mut buf)
                .map(|pt| pt.len())
                .expect("whole blocks")
        })
    });
    g.finish();
}

fn refundkit(c: &mut Criterion) {
    let mut g = c.benchmark_group("paytm/refundkit");
    let key = Secret::new(MERCHANT_KEY);
    let signature = checksum::checksum(APPLY_BODY, &key, "Xy9Z").expect("valid key and salt");
    g.bench_function("checksum", |b| {
        b.iter(|| checksum::checksum(black_box(APPLY_BODY), black_box(&key), black_box("Xy9Z")).expect("signs"))
    });
    g.bench_function("checksum_with_os_salt", |b| {
        b.iter(|| checksum::generate(black_box(APPLY_BODY), black_box(&key), &refundkit::OsRandom).expect("signs"))
    });
    assert!(checksum::verify(APPLY_BODY, &key, &signature));
    g.bench_function("verify", |b| b.iter(|| checksum::verify(black_box(APPLY_BODY), &key, black_box(&signature))));

    let client =
        Paytm::with_sources(PaytmConfig::staging(MID, MERCHANT_KEY), FixedClock(NOW_MS), FixedRandom(vec![1, 2, 3, 4]))
            .expect("staging config");
    let apply = RefundApply::new(
        "OREDRID_98765",
        "REFUNDID_98765",
        "202005081112128XXXXXX68470101509706",
        Money::from_paise(100),
    );
    g.bench_function("build_refund_apply", |b| {
        b.iter(|| client.build_refund_apply(black_box(&apply)).expect("valid apply"))
    });
    let response = HttpResponse::new(200, STATUS_SUCCESS);
    assert_eq!(client.interpret_refund_status(&response, PriorApply::Unknown).status, Status::Succeeded);
    g.bench_function("interpret_refund_status_verified", |b| {
        b.iter(|| client.interpret_refund_status(black_box(&response), PriorApply::Unknown))
    });
    g.finish();
}

criterion_group!(benches, floor, refundkit);
criterion_main!(benches);
