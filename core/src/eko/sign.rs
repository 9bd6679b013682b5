//! Eko's `secret-key` and `request_hash` signatures.
//!
//! ```text
//! secret-key   = base64(HMAC-SHA256(key = base64(access_key) as ASCII text, msg = timestamp_ms as decimal text))
//! request_hash = base64(HMAC-SHA256(key = base64(access_key) as ASCII text, msg = timestamp_ms ‖ field1 ‖ field2 ‖ …))
//! ```
//!
//! The HMAC key is the base64 *text* of the access key, used as-is (decoding it back to raw bytes is the classic
//! mistake that earns an HTTP 403). Source: Eko, "How authentication works" (eps.eko.in/docs/how-auth-works) and
//! developers.eko.in/docs/authentication; golden vector from ekoindia/eps-platform docs/sdk-golden-vector.md.

use crate::sign::eko_secret_key_mac;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

fn hmac_b64(access_key: &str, parts: &[&[u8]]) -> String {
    STANDARD.encode(eko_secret_key_mac(access_key, parts))
}

/// The `secret-key` header for a request signed at `timestamp_ms` (Unix milliseconds).
///
/// Send it with `secret-key-timestamp` set to exactly `timestamp_ms.to_string()`. Sign every request and every
/// retry afresh: Eko rejects stale timestamps with HTTP 403.
///
/// ```
/// assert_eq!(
///     refundkit::eko::secret_key("TEST_ACCESS_KEY_DO_NOT_USE", 1_700_000_000_000),
///     "u30ak/iOGwKCaspqCeiYng8fd98QDx7kF3DBBOadQHk="
/// );
/// ```
pub fn secret_key(access_key: &str, timestamp_ms: u64) -> String {
    hmac_b64(access_key, &[timestamp_ms.to_string().as_bytes()])
}

/// Eko's `request_hash`: the timestamp followed by `fields`, concatenated without separators, signed like
/// [`secret_key`].
///
/// **Refund, refund-OTP and inquiry calls do not use it** (Eko documents it only for wallet-debiting calls such as
/// BBPS Pay Bill: `timestamp + utility_acc_no + amount + user_code`); refundkit's Eko requests never send it. It is
/// here for completeness and for callers of those other APIs.
pub fn request_hash(access_key: &str, timestamp_ms: u64, fields: &[&str]) -> String {
    let ts = timestamp_ms.to_string();
    let mut parts: Vec<&[u8]> = vec![ts.as_bytes()];
    parts.extend(fields.iter().map(|f| f.as_bytes()));
    hmac_b64(access_key, &parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_vector_and_the_raw_key_mistake() {
        let good = secret_key("TEST_ACCESS_KEY_DO_NOT_USE", 1_700_000_000_000);
        assert_eq!(good, "u30ak/iOGwKCaspqCeiYng8fd98QDx7kF3DBBOadQHk=");
        assert_ne!(good, "GxF3Pm81zvVbFPbQzDWcPXU+v9tKaMHsjtTxjdwDR9w=");
    }

    #[test]
    fn signature_changes_with_timestamp_and_key() {
        let a = secret_key("k", 1);
        assert_ne!(a, secret_key("k", 2));
        assert_ne!(a, secret_key("K", 1));
        assert_eq!(a.len(), 44);
    }
}
