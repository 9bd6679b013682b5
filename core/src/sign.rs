//! Delegated signing: build a request without its signature, let someone else sign, then complete it.
//!
//! A point-of-sale app should not hold an Eko `access_key`, a Paytm merchant key or a UPI private key. Every
//! provider module therefore has `prepare_*` builders next to its `build_*` ones: they return an
//! [`UnsignedRequest`] whose [`SignatureRequest`] names the algorithm and carries the exact bytes to sign. Whoever
//! holds the key (a back office, a hardware keystore) signs those bytes; [`UnsignedRequest::complete`] checks the
//! shape of the signature and places it where the provider expects it (a header, or inside the body envelope).
//!
//! `build_*` is `prepare_*` followed by signing in process with the key from the configuration, so both paths
//! produce byte-identical requests (tested for every provider).
//!
//! ```
//! use refundkit::eko::{Eko, EkoConfig};
//! use refundkit::sign::SignatureAlgorithm;
//! use refundkit::FixedClock;
//!
//! // The app's configuration has no access key: signing happens elsewhere.
//! let mut config = EkoConfig::uat();
//! config.access_key = refundkit::Secret::new("");
//! let eko = Eko::with_clock(config, FixedClock(1_700_000_000_000))?;
//! let unsigned = eko.prepare_refund_otp("13192443")?;
//! let to_sign = unsigned.signature_request();
//! assert_eq!(to_sign.algorithm, SignatureAlgorithm::EkoSecretKey);
//! assert_eq!(to_sign.message, b"1700000000000");
//!
//! // ... the back office computes HMAC-SHA256(key = base64(access_key), message) ...
//! let mac = refundkit::sign::sign_locally(to_sign, &refundkit::Secret::new("TEST_ACCESS_KEY_DO_NOT_USE"), None)?;
//! let request = unsigned.complete(&mac)?;
//! assert_eq!(request.header("secret-key"), Some("u30ak/iOGwKCaspqCeiYng8fd98QDx7kF3DBBOadQHk="));
//! # Ok::<(), refundkit::Error>(())
//! ```

use crate::crypto::rsa::RsaPrivateKey;
use crate::error::{Error, Problem};
use crate::http::HttpRequest;
use crate::outcome::Provider;
use crate::random::RandomSource;
use crate::secret::Secret;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use zeroize::Zeroizing;

/// What a signature is computed with. Each provider uses exactly one per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// Eko `secret-key`: HMAC-SHA256 keyed with the **base64 text of the access key**; the signature is the raw
    /// 32-byte MAC (refundkit base64-encodes it into the header).
    EkoSecretKey,
    /// Paytm checksum (`PaytmChecksum.generateSignature(message, merchantKey)`); the signature is the checksum
    /// **text** as UTF-8 bytes (base64 characters).
    PaytmChecksum,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt (Refund 360 `x-merchant-signature`); the raw
    /// signature bytes (refundkit hex-encodes them).
    RsaPssSha256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (JWS `RS256`); the raw signature bytes (refundkit base64url-encodes them).
    RsaPkcs1Sha256,
    /// HMAC-SHA256 keyed with the raw API key bytes (Refund 360 HMAC strategy); the raw 32-byte MAC.
    HmacSha256,
}

impl SignatureAlgorithm {
    /// A stable lower-case name (`"eko_secret_key"`, `"paytm_checksum"`, `"rsa_pss_sha256"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureAlgorithm::EkoSecretKey => "eko_secret_key",
            SignatureAlgorithm::PaytmChecksum => "paytm_checksum",
            SignatureAlgorithm::RsaPssSha256 => "rsa_pss_sha256",
            SignatureAlgorithm::RsaPkcs1Sha256 => "rsa_pkcs1_sha256",
            SignatureAlgorithm::HmacSha256 => "hmac_sha256",
        }
    }
}

/// The bytes to sign and how. `Debug` shows the message length only (an Eko message is just a timestamp, but a
/// Paytm or UPI message is a request body).
#[derive(Clone, PartialEq, Eq)]
pub struct SignatureRequest {
    /// Whose key signs.
    pub provider: Provider,
    /// The algorithm.
    pub algorithm: SignatureAlgorithm,
    /// The JWS `kid`, for [`SignatureAlgorithm::RsaPkcs1Sha256`] in Refund 360's JWS mode.
    pub key_id: Option<String>,
    /// The exact bytes to sign.
    pub message: Vec<u8>,
}

impl std::fmt::Debug for SignatureRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignatureRequest")
            .field("provider", &self.provider)
            .field("algorithm", &self.algorithm)
            .field("key_id", &self.key_id)
            .field("message_len", &self.message.len())
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Base64,
    Hex,
    Base64UrlNoPad,
    Text,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Placement {
    /// The value of this header (present in the request with an empty value).
    Header(String),
    /// Inserted at this byte offset of the body (inside a JSON string whose quotes are already there).
    Body(usize),
}

/// A request complete except for its one signature. Produced by the providers' `prepare_*` builders.
#[derive(Debug, Clone)]
pub struct UnsignedRequest {
    request: HttpRequest,
    signature: SignatureRequest,
    encoding: Encoding,
    placement: Placement,
}

impl UnsignedRequest {
    pub(crate) fn in_header(request: HttpRequest, signature: SignatureRequest, header: &str) -> Self {
        let encoding = default_encoding(signature.algorithm);
        UnsignedRequest { request, signature, encoding, placement: Placement::Header(header.to_string()) }
    }

    pub(crate) fn in_body(request: HttpRequest, signature: SignatureRequest, offset: usize) -> Self {
        let encoding = default_encoding(signature.algorithm);
        UnsignedRequest { request, signature, encoding, placement: Placement::Body(offset) }
    }

    pub(crate) fn hmac_base64(mut self) -> Self {
        self.encoding = Encoding::Base64;
        self
    }

    /// What to sign.
    pub fn signature_request(&self) -> &SignatureRequest {
        &self.signature
    }

    /// The request as it will be sent, minus the signature (for logs and tests; the signature slot is empty).
    pub fn unsigned(&self) -> &HttpRequest {
        &self.request
    }

    /// Places `signature` (as the [`SignatureAlgorithm`] describes it) into the request.
    ///
    /// Fails with [`Error::Configuration`] on field `signer` when the signature has the wrong shape for its
    /// algorithm (e.g. a 31-byte HMAC, a Paytm checksum with non-base64 characters): a broken signer is reported
    /// here, before anything is sent, rather than as an authentication error from the provider.
    pub fn complete(self, signature: &[u8]) -> Result<HttpRequest, Error> {
        check_shape(self.signature.algorithm, signature)?;
        let text = match self.encoding {
            Encoding::Base64 => STANDARD.encode(signature),
            Encoding::Hex => crate::crypto::hex::encode(signature),
            Encoding::Base64UrlNoPad => URL_SAFE_NO_PAD.encode(signature),
            // check_shape made sure this is base64 text.
            Encoding::Text => String::from_utf8_lossy(signature).into_owned(),
        };
        let mut request = self.request;
        match self.placement {
            Placement::Header(name) => {
                let slot = request.headers.iter_mut().find(|h| h.name == name);
                match slot {
                    Some(h) => h.value = text,
                    None => return Err(Error::Unsupported("signature header slot missing")),
                }
            }
            Placement::Body(at) => {
                if at > request.body.len() {
                    return Err(Error::Unsupported("signature body slot out of range"));
                }
                request.body.splice(at..at, text.into_bytes());
            }
        }
        Ok(request)
    }
}

fn default_encoding(algorithm: SignatureAlgorithm) -> Encoding {
    match algorithm {
        SignatureAlgorithm::EkoSecretKey => Encoding::Base64,
        SignatureAlgorithm::PaytmChecksum => Encoding::Text,
        SignatureAlgorithm::RsaPssSha256 | SignatureAlgorithm::HmacSha256 => Encoding::Hex,
        SignatureAlgorithm::RsaPkcs1Sha256 => Encoding::Base64UrlNoPad,
    }
}

fn signer_error(expected: &'static str) -> Error {
    Error::Configuration { field: "signer", problem: Problem::Format { expected } }
}

fn check_shape(algorithm: SignatureAlgorithm, signature: &[u8]) -> Result<(), Error> {
    match algorithm {
        SignatureAlgorithm::EkoSecretKey | SignatureAlgorithm::HmacSha256 if signature.len() != 32 => {
            Err(signer_error("a 32-byte HMAC-SHA256 value"))
        }
        SignatureAlgorithm::RsaPssSha256 | SignatureAlgorithm::RsaPkcs1Sha256
            if !(128..=1024).contains(&signature.len()) =>
        {
            Err(signer_error("an RSA signature of 128 to 1024 bytes (1024- to 8192-bit key)"))
        }
        SignatureAlgorithm::PaytmChecksum
            if signature.is_empty()
                || signature.len() > 512
                || !signature.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')) =>
        {
            Err(signer_error("a Paytm checksum: 1 to 512 base64 characters"))
        }
        _ => Ok(()),
    }
}

/// Signs `request` in process with `key`: the reference implementation of every [`SignatureAlgorithm`], used by
/// the `build_*` builders and by back offices that sign for their apps.
///
/// `key` is the Eko access key, the Paytm merchant key, the UPI private key PEM or the UPI HMAC API key. A Paytm
/// checksum needs `random` for its salt (the operating system's generator when `None`).
pub fn sign_locally(
    request: &SignatureRequest,
    key: &Secret,
    random: Option<&dyn RandomSource>,
) -> Result<Vec<u8>, Error> {
    match request.algorithm {
        SignatureAlgorithm::EkoSecretKey => {
            if key.is_empty() {
                return Err(Error::Configuration { field: "access_key", problem: Problem::Missing });
            }
            Ok(eko_secret_key_mac(key.expose(), &[&request.message]).to_vec())
        }
        SignatureAlgorithm::PaytmChecksum => {
            let text = std::str::from_utf8(&request.message)
                .map_err(|_| Error::Unsupported("Paytm checksums are computed over UTF-8 text"))?;
            let os = crate::random::OsRandom;
            let random = random.unwrap_or(&os);
            Ok(crate::crypto::paytm_checksum::generate(text, key, random)?.into_bytes())
        }
        SignatureAlgorithm::RsaPssSha256 => RsaPrivateKey::from_pem(key)
            .map_err(|p| Error::Configuration { field: "private_key_pem", problem: p })?
            .sign_pss_sha256(&request.message),
        SignatureAlgorithm::RsaPkcs1Sha256 => RsaPrivateKey::from_pem(key)
            .map_err(|p| Error::Configuration { field: "private_key_pem", problem: p })?
            .sign_pkcs1_sha256(&request.message),
        SignatureAlgorithm::HmacSha256 => {
            if key.is_empty() {
                return Err(Error::Configuration { field: "api_key", problem: Problem::Missing });
            }
            Ok(crate::crypto::hmac::sha256(key.expose().as_bytes(), &[&request.message]).to_vec())
        }
    }
}

/// The Eko `secret-key` recipe ([`SignatureAlgorithm::EkoSecretKey`]): HMAC-SHA256 keyed with the **base64 text**
/// of the access key, over the concatenated `parts`.
pub(crate) fn eko_secret_key_mac(access_key: &str, parts: &[&[u8]]) -> [u8; 32] {
    let key = Zeroizing::new(STANDARD.encode(access_key.as_bytes()));
    crate::crypto::hmac::sha256(key.as_bytes(), parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Header, HttpMethod};

    fn req(algorithm: SignatureAlgorithm) -> SignatureRequest {
        SignatureRequest { provider: Provider::Eko, algorithm, key_id: None, message: b"m".to_vec() }
    }

    #[test]
    fn shapes_are_checked_per_algorithm() {
        for (alg, bad, good) in [
            (SignatureAlgorithm::EkoSecretKey, vec![0u8; 31], vec![0u8; 32]),
            (SignatureAlgorithm::HmacSha256, vec![0u8; 33], vec![0u8; 32]),
            (SignatureAlgorithm::RsaPssSha256, vec![0u8; 64], vec![0u8; 256]),
            (SignatureAlgorithm::RsaPkcs1Sha256, vec![0u8; 1025], vec![0u8; 512]),
            (SignatureAlgorithm::PaytmChecksum, b"abc\"}".to_vec(), b"aGVsbG8=".to_vec()),
            (SignatureAlgorithm::PaytmChecksum, Vec::new(), b"QQ==".to_vec()),
        ] {
            let e = check_shape(alg, &bad).unwrap_err();
            assert_eq!(e.field(), Some("signer"), "{alg:?}");
            check_shape(alg, &good).unwrap();
        }
    }

    #[test]
    fn header_and_body_placement() {
        let request = HttpRequest {
            method: HttpMethod::Post,
            url: "https://x.invalid/".into(),
            headers: vec![Header::new("a", "1"), Header::new("sig", "")],
            body: b"{\"s\":\"\"}".to_vec(),
        };
        let h = UnsignedRequest::in_header(request.clone(), req(SignatureAlgorithm::EkoSecretKey), "sig");
        let done = h.complete(&[0xffu8; 32]).unwrap();
        assert_eq!(done.header("sig"), Some(STANDARD.encode([0xffu8; 32]).as_str()));
        assert_eq!(done.header("a"), Some("1"));

        let b = UnsignedRequest::in_body(request, req(SignatureAlgorithm::PaytmChecksum), 6);
        let done = b.complete(b"QUJD").unwrap();
        assert_eq!(done.body_text(), "{\"s\":\"QUJD\"}");
    }

    #[test]
    fn debug_hides_the_message() {
        let mut r = req(SignatureAlgorithm::PaytmChecksum);
        r.message = b"{\"orderId\":\"SECRET-ISH\"}".to_vec();
        let text = format!("{r:?}");
        assert!(!text.contains("SECRET-ISH"), "{text}");
        assert!(text.contains("message_len"));
    }

    #[test]
    fn local_signing_refuses_missing_keys() {
        let e = sign_locally(&req(SignatureAlgorithm::EkoSecretKey), &Secret::new(""), None).unwrap_err();
        assert_eq!(e.field(), Some("access_key"));
        let e = sign_locally(&req(SignatureAlgorithm::HmacSha256), &Secret::new(""), None).unwrap_err();
        assert_eq!(e.field(), Some("api_key"));
        let e = sign_locally(&req(SignatureAlgorithm::RsaPssSha256), &Secret::new("not a pem"), None).unwrap_err();
        assert_eq!(e.field(), Some("private_key_pem"));
    }
}
