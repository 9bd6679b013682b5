//! RSA keys, the three signature recipes (RSA-PSS-SHA256, RS256 JWS, HMAC-SHA256) and the sorted-key JSON form used
//! to verify Juspay's response and callback signatures.
//!
//! All RSA arithmetic is `ring`'s (constant-time, blinded); refundkit only parses PEM/DER framing. It deliberately
//! does not use the `rsa` crate (RUSTSEC-2023-0071, the Marvin timing side channel).
//!
//! | Recipe | Used for | Output |
//! |---|---|---|
//! | RSA-PSS, SHA-256, MGF1-SHA-256, salt 32 | mode A `x-merchant-signature`; `x-response-signature`; `x-merchant-payload-signature` | lowercase hex |
//! | RSASSA-PKCS1-v1_5 SHA-256 (RS256) | mode B JWS | base64url without padding |
//! | HMAC-SHA256 | mode A, HMAC strategy (**unconfirmed** by Juspay) | lowercase hex (default) or base64 |
//!
//! PSS signatures are randomized (the salt comes from the operating system), so they have no known answers: they are
//! tested by verifying. RS256 is deterministic, so JWS objects are exact known answers.

use crate::error::{Error, Problem};
use crate::random::RandomError;
use crate::secret::Secret;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};
use serde_json::Value;
use sha2::Sha256;
use std::fmt;
use zeroize::Zeroizing;

const PRIVATE_KEY_FORMAT: &str =
    "an unencrypted RSA private key in PEM (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`), 2048 to 4096 bits";
const PUBLIC_KEY_FORMAT: &str =
    "an RSA public key in PEM (SubjectPublicKeyInfo `PUBLIC KEY` or PKCS#1 `RSA PUBLIC KEY`), at least 2048 bits";

/// One PEM block: its label and the decoded DER (zeroized on drop, since it may be a private key).
struct Pem {
    label: String,
    der: Zeroizing<Vec<u8>>,
}

/// Parses the first PEM block of `text`. Encrypted PEM (RFC 1421 headers) is rejected.
fn parse_pem(text: &str) -> Option<Pem> {
    let start = text.find("-----BEGIN ")?;
    let rest = &text[start + "-----BEGIN ".len()..];
    let label_end = rest.find("-----")?;
    let label = rest[..label_end].to_string();
    let body_and_end = &rest[label_end + 5..];
    let footer = format!("-----END {label}-----");
    let body = &body_and_end[..body_and_end.find(&footer)?];
    if body.contains(':') {
        return None; // Proc-Type / DEK-Info headers: an encrypted legacy PEM.
    }
    let b64: Zeroizing<String> = Zeroizing::new(body.chars().filter(|c| !c.is_ascii_whitespace()).collect());
    let der = Zeroizing::new(STANDARD.decode(b64.as_bytes()).ok()?);
    Some(Pem { label, der })
}

/// A DER TLV: (tag, contents, rest). Definite lengths up to 2^24 only, which is plenty for RSA keys.
fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 3 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The `rsaEncryption` OID, 1.2.840.113549.1.1.1, as DER contents.
const RSA_ENCRYPTION_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// Extracts the PKCS#1 `RSAPublicKey` from a SubjectPublicKeyInfo.
fn spki_to_pkcs1(spki: &[u8]) -> Option<Vec<u8>> {
    let (0x30, seq, []) = der_tlv(spki)? else { return None };
    let (0x30, alg, rest) = der_tlv(seq)? else { return None };
    let (0x06, oid, _params) = der_tlv(alg)? else { return None };
    if oid != RSA_ENCRYPTION_OID {
        return None;
    }
    let (0x03, bits, []) = der_tlv(rest)? else { return None };
    let (0, key) = bits.split_first()? else { return None };
    Some(key.to_vec())
}

/// Checks that `der` is a PKCS#1 `RSAPublicKey` (SEQUENCE of two INTEGERs) with a modulus of at least 2048 bits.
fn check_pkcs1_public(der: &[u8]) -> Option<()> {
    let (0x30, seq, []) = der_tlv(der)? else { return None };
    let (0x02, n, rest) = der_tlv(seq)? else { return None };
    let (0x02, _e, []) = der_tlv(rest)? else { return None };
    let n = match n.split_first() {
        Some((0, tail)) => tail,
        _ => n,
    };
    (n.len() >= 256).then_some(())
}

/// The merchant's RSA private key (RSA-2048 to 4096), parsed once from PEM. `Debug` never shows it.
pub struct RsaPrivateKey(RsaKeyPair);

impl RsaPrivateKey {
    /// Parses an unencrypted PKCS#8 (`-----BEGIN PRIVATE KEY-----`) or PKCS#1 (`-----BEGIN RSA PRIVATE KEY-----`)
    /// PEM. The error names no key material.
    pub fn from_pem(pem: &Secret) -> Result<Self, Problem> {
        let bad = || Problem::Format { expected: PRIVATE_KEY_FORMAT };
        if pem.is_empty() {
            return Err(Problem::Missing);
        }
        let pem = parse_pem(pem.expose()).ok_or_else(bad)?;
        let pair = match pem.label.as_str() {
            "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&pem.der),
            "RSA PRIVATE KEY" => RsaKeyPair::from_der(&pem.der),
            _ => return Err(bad()),
        };
        pair.map(RsaPrivateKey).map_err(|_| bad())
    }

    fn sign(&self, padding: &'static dyn signature::RsaEncoding, message: &[u8]) -> Result<Vec<u8>, Error> {
        let mut out = vec![0u8; self.0.public().modulus_len()];
        self.0
            .sign(padding, &SystemRandom::new(), message, &mut out)
            .map_err(|_| Error::Random(RandomError("RSA signing failed (random source)".into())))?;
        Ok(out)
    }

    /// RSA-PSS (SHA-256, MGF1-SHA-256, salt length 32) over `message`: randomized, so no two calls agree.
    pub fn sign_pss_sha256(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.sign(&signature::RSA_PSS_SHA256, message)
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 (JWS `RS256`) over `message`: deterministic.
    pub fn sign_pkcs1_sha256(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.sign(&signature::RSA_PKCS1_SHA256, message)
    }
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RsaPrivateKey(***)")
    }
}

/// An RSA public key (the PSP's, for verifying its responses and callbacks), held as PKCS#1 DER.
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPublicKey(Vec<u8>);

impl RsaPublicKey {
    /// Parses a SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`) or PKCS#1 (`-----BEGIN RSA PUBLIC KEY-----`) PEM.
    pub fn from_pem(pem: &str) -> Result<Self, Problem> {
        let bad = || Problem::Format { expected: PUBLIC_KEY_FORMAT };
        if pem.trim().is_empty() {
            return Err(Problem::Missing);
        }
        let pem = parse_pem(pem).ok_or_else(bad)?;
        let der = match pem.label.as_str() {
            "PUBLIC KEY" => spki_to_pkcs1(&pem.der).ok_or_else(bad)?,
            "RSA PUBLIC KEY" => pem.der.to_vec(),
            _ => return Err(bad()),
        };
        check_pkcs1_public(&der).ok_or_else(bad)?;
        Ok(RsaPublicKey(der))
    }

    /// Whether `sig` is a valid RSA-PSS-SHA256 signature (MGF1-SHA-256, salt 32) of `message`.
    pub fn verify_pss_sha256(&self, message: &[u8], sig: &[u8]) -> bool {
        UnparsedPublicKey::new(&signature::RSA_PSS_2048_8192_SHA256, &self.0).verify(message, sig).is_ok()
    }

    /// Whether `sig` is a valid RS256 (PKCS#1 v1.5, SHA-256) signature of `message`.
    pub fn verify_pkcs1_sha256(&self, message: &[u8], sig: &[u8]) -> bool {
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &self.0).verify(message, sig).is_ok()
    }
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RsaPublicKey({} bytes)", self.0.len())
    }
}

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

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decodes hex of either case.
pub(crate) fn unhex(text: &str) -> Option<Vec<u8>> {
    let t = text.as_bytes();
    if t.len() % 2 != 0 {
        return None;
    }
    t.chunks(2)
        .map(|p| {
            let d = |c: u8| (c as char).to_digit(16);
            Some((d(p[0])? * 16 + d(p[1])?) as u8)
        })
        .collect()
}

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
    let mut mac = match Hmac::<Sha256>::new_from_slice(api_key.expose().as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA256 of `message` keyed with the UTF-8 bytes of `api_key`, encoded as asked.
///
/// **Unconfirmed recipe**: Juspay's guide mentions an "API key and configured signature strategy" but no public
/// Juspay document specifies an HMAC variant; only a third-party fixture shows hex HMAC-SHA256 over the mode-A input.
/// Confirm the key form and encoding with the PSP before relying on it.
pub fn hmac_sha256(api_key: &Secret, message: &[u8], encoding: SignatureEncoding) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(api_key.expose().as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(message);
    encoding.encode(&mac.finalize().into_bytes())
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
    let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) else { return Err(JwsError::NotJws) };
    let field = |n: &str| obj.get(n).and_then(Value::as_str);
    let (Some(protected), Some(payload), Some(sig)) = (field("protected"), field("payload"), field("signature")) else {
        return Err(JwsError::NotJws);
    };
    let decode = |s: &str| URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).map_err(|_| JwsError::BadSignature);
    let header: Value = serde_json::from_slice(&decode(protected)?).map_err(|_| JwsError::BadSignature)?;
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
/// received: the "sorted JSON of the response body" of the KOTAK_BIZ spec. `None` if `body` is not JSON.
pub fn sorted_key_json(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
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
