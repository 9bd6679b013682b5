//! RSA keys, the three signature recipes (RSA-PSS-SHA256, RS256 JWS, HMAC-SHA256) and the sorted-key JSON form used
//! to verify Juspay's response and callback signatures.
//!
//! The keys and the RSA arithmetic live in [`crate::crypto::rsa`] (re-exported here); this module holds the Refund
//! 360 recipes built on them.
//!
//! | Recipe | Used for | Output |
//! |---|---|---|
//! | RSA-PSS, SHA-256, MGF1-SHA-256, salt 32 | mode A `x-merchant-signature`; `x-response-signature`; `x-merchant-payload-signature` | lowercase hex |
//! | RSASSA-PKCS1-v1_5 SHA-256 (RS256) | mode B JWS | base64url without padding |
//! | HMAC-SHA256 | mode A, HMAC strategy (**unconfirmed** by Juspay) | lowercase hex (default) or base64 |
//!
//! PSS signatures are randomized (the salt comes from the operating system), so they have no known answers: they are
//! tested by verifying. RS256 is deterministic, so JWS objects are exact known answers.

pub use crate::crypto::rsa::{RsaPrivateKey, RsaPublicKey};
use crate::error::Error;
use crate::secret::Secret;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::Value;

/// How a signature is written in a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureEncoding {
    /// Lowercase hexadecimal (Base16), as the YES_BIZ spec says for `x-merchant-signature`. The default.
    #[default]
    Hex,
    /// Standard base64 with padding.
    Base64,
}

impl SignatureEncoding {
    /// Encodes signature bytes.
    pub fn encode(self, bytes: &[u8]) -> String {
        match self {
            SignatureEncoding::Hex => hex(bytes),
            SignatureEncoding::Base64 => STANDARD.encode(bytes),
        }
    }
}

pub(crate) use crate::crypto::hex::{decode as unhex, encode as hex};

/// Decodes a header signature written in hex, or (when `allow_base64`) in standard or URL-safe base64.
pub(crate) fn decode_signature(text: &str, allow_base64: bool) -> Option<Vec<u8>> {
    let text = text.trim();
    if let Some(bytes) = unhex(text) {
        return Some(bytes);
    }
    if !allow_base64 {
        return None;
    }
    STANDARD.decode(text).ok().or_else(|| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok())
}

/// The mode-A signature input: `merchantId + channelId + subMerchantId + subMerchantChannelId + timestamp + body`,
/// concatenated without separators; absent sub-merchant ids are empty strings (spec §5.1).
pub fn signature_input(
    merchant_id: &str,
    merchant_channel_id: &str,
    sub_merchant_id: Option<&str>,
    sub_merchant_channel_id: Option<&str>,
    timestamp: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut input = Vec::with_capacity(body.len() + 128);
    for part in [merchant_id, merchant_channel_id, sub_merchant_id.unwrap_or(""), sub_merchant_channel_id.unwrap_or("")]
    {
        input.extend_from_slice(part.as_bytes());
    }
    input.extend_from_slice(timestamp.as_bytes());
    input.extend_from_slice(body);
    input
}

/// The raw HMAC-SHA256 of `message` keyed with the API key bytes.
pub(crate) fn hmac_sha256_raw(api_key: &Secret, message: &[u8]) -> [u8; 32] {
    crate::crypto::hmac::sha256(api_key.expose().as_bytes(), &[message])
}

/// HMAC-SHA256 of `message` keyed with the UTF-8 bytes of `api_key`, encoded as asked.
///
/// **Unconfirmed recipe**: Juspay's guide mentions an "API key and configured signature strategy" but no public
/// Juspay document specifies an HMAC variant; only a third-party fixture shows hex HMAC-SHA256 over the mode-A input.
/// Confirm the key form and encoding with the PSP before relying on it.
pub fn hmac_sha256(api_key: &Secret, message: &[u8], encoding: SignatureEncoding) -> String {
    encoding.encode(&hmac_sha256_raw(api_key, message))
}

/// A flattened JWS JSON object (RFC 7515 §7.2.2) over `payload`, signed RS256 with `key`:
/// `{"protected":b64url({"alg":"RS256","kid":kid}),"payload":b64url(payload),"signature":b64url(sig)}`, base64url
/// without padding, payload embedded.
pub fn jws_flattened(key: &RsaPrivateKey, kid: &str, payload: &[u8]) -> Result<String, Error> {
    let header = serde_json::json!({"alg": "RS256", "kid": kid});
    // `json!` builds a map; write it by hand so the member order is fixed whatever serde_json's map features are.
    let header = format!(r#"{{"alg":"RS256","kid":{}}}"#, header["kid"]);
    let protected = URL_SAFE_NO_PAD.encode(header.as_bytes());
    let payload = URL_SAFE_NO_PAD.encode(payload);
    let signing_input = format!("{protected}.{payload}");
    let sig = URL_SAFE_NO_PAD.encode(key.sign_pkcs1_sha256(signing_input.as_bytes())?);
    Ok(format!(r#"{{"protected":"{protected}","payload":"{payload}","signature":"{sig}"}}"#))
}

/// A flattened JWS without its signature: the body with an empty `signature` string, the byte offset inside those
/// quotes where the base64url signature goes, and the signing input `protected.payload`.
pub(crate) fn jws_unsigned(kid: &str, payload: &[u8]) -> (String, usize, Vec<u8>) {
    let header = serde_json::json!({"alg": "RS256", "kid": kid});
    let header = format!(r#"{{"alg":"RS256","kid":{}}}"#, header["kid"]);
    let protected = URL_SAFE_NO_PAD.encode(header.as_bytes());
    let payload = URL_SAFE_NO_PAD.encode(payload);
    let signing_input = format!("{protected}.{payload}").into_bytes();
    let body = format!(r#"{{"protected":"{protected}","payload":"{payload}","signature":""}}"#);
    let slot = body.len() - 2;
    (body, slot, signing_input)
}

/// Why a JWS did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JwsError {
    /// Not a flattened JWS object.
    NotJws,
    /// The signature does not verify, or the header is not RS256.
    BadSignature,
}

/// Verifies a flattened JWS JSON object signed RS256 and returns its payload bytes. With no key (verification
/// switched off) the payload is returned unverified.
pub(crate) fn jws_verify(key: Option<&RsaPublicKey>, body: &[u8]) -> Result<Vec<u8>, JwsError> {
    let Ok(obj) = crate::crypto::json::parse_object(body) else { return Err(JwsError::NotJws) };
    let field = |n: &str| obj.get(n).and_then(Value::as_str);
    let (Some(protected), Some(payload), Some(sig)) = (field("protected"), field("payload"), field("signature")) else {
        return Err(JwsError::NotJws);
    };
    let decode = |s: &str| URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).map_err(|_| JwsError::BadSignature);
    let header = crate::crypto::json::parse(&decode(protected)?).map_err(|_| JwsError::BadSignature)?;
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(JwsError::BadSignature);
    }
    let sig = decode(sig)?;
    let Some(key) = key else { return decode(payload) };
    if !key.verify_pkcs1_sha256(format!("{protected}.{payload}").as_bytes(), &sig) {
        return Err(JwsError::BadSignature);
    }
    decode(payload)
}

/// Compact JSON with every object's keys sorted (by UTF-8 bytes, which is code-point order), numbers written as
/// received: the "sorted JSON of the response body" of the KOTAK_BIZ spec. `None` if `body` is not strict JSON
/// ([`crate::crypto::json::parse`]: a document with duplicate keys has no single sorted form).
pub fn sorted_key_json(body: &[u8]) -> Option<String> {
    let value: Value = crate::crypto::json::parse(body).ok()?;
    let mut out = String::with_capacity(body.len());
    write_sorted(&value, &mut out);
    Some(out)
}

fn write_sorted(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_sorted(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_sorted(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Checks a PEM private key named `field`, for configuration validation.
pub(crate) fn private_key(field: &'static str, pem: &Secret) -> Result<RsaPrivateKey, Error> {
    RsaPrivateKey::from_pem(pem).map_err(|p| crate::error::config(field, p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Problem;

    #[test]
    fn hex_round_trip_and_rejects() {
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
        assert_eq!(unhex("00AB10"), Some(vec![0, 0xab, 0x10]));
        assert_eq!(unhex("0"), None);
        assert_eq!(unhex("zz"), None);
        assert_eq!(decode_signature("AAE=", true), Some(vec![0, 1]));
        assert_eq!(decode_signature("AAE=", false), None);
    }

    #[test]
    fn sorted_json_sorts_nested_keys_and_keeps_numbers() {
        let got = sorted_key_json(br#"{"b":1.50,"a":{"d":[{"z":1,"y":"/"}],"c":null},"A":"\u00e9"}"#).unwrap();
        assert_eq!(got, r#"{"A":"é","a":{"c":null,"d":[{"y":"/","z":1}]},"b":1.50}"#);
        assert_eq!(sorted_key_json(b"not json"), None);
    }

    #[test]
    fn pem_garbage_is_rejected() {
        assert_eq!(RsaPrivateKey::from_pem(&Secret::new("")).unwrap_err(), Problem::Missing);
        assert!(RsaPrivateKey::from_pem(&Secret::new("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"))
            .is_err());
        assert!(RsaPublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----").is_err());
        assert!(RsaPublicKey::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----").is_err());
        let encrypted = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----";
        assert!(RsaPrivateKey::from_pem(&Secret::new(encrypted)).is_err());
    }

    #[test]
    fn signature_input_concatenates_without_separators() {
        assert_eq!(signature_input("M", "C", None, None, "1", b"{}"), b"MC1{}".to_vec());
        assert_eq!(signature_input("M", "C", Some("S"), Some("SC"), "1", b"{}"), b"MCSSC1{}".to_vec());
    }
}
