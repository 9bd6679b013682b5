//! HMAC-SHA256, set up in exactly one place.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

fn keyed(key: &[u8], parts: &[&[u8]]) -> HmacSha256 {
    // HMAC accepts keys of any length: `new_from_slice` cannot fail for it.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    for part in parts {
        mac.update(part);
    }
    mac
}

/// HMAC-SHA256 keyed with `key` over the concatenation of `parts` (no separators).
///
/// ```
/// // RFC 4231 test case 2.
/// let mac = refundkit::crypto::hmac::sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
/// assert_eq!(
///     refundkit::crypto::hex::encode(&mac),
///     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
/// );
/// ```
pub fn sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    keyed(key, parts).finalize().into_bytes().into()
}

/// Whether `expected` is the HMAC-SHA256 of `parts` under `key`, compared in constant time (a wrong length is
/// simply `false`).
pub fn verify_sha256(key: &[u8], parts: &[&[u8]], expected: &[u8]) -> bool {
    keyed(key, parts).verify_slice(expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4231_case_1_and_verify() {
        let key = [0x0bu8; 20];
        let mac = sha256(&key, &[b"Hi There"]);
        assert_eq!(
            crate::crypto::hex::encode(&mac),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert!(verify_sha256(&key, &[b"Hi ", b"There"], &mac));
        assert!(!verify_sha256(&key, &[b"Hi there"], &mac));
        assert!(!verify_sha256(&key, &[b"Hi There"], &mac[..31]));
    }
}
