//! RSA keys and signatures: PEM/DER framing parsed here, all RSA arithmetic done by `ring` (constant-time,
//! blinded). Deliberately not the `rsa` crate (RUSTSEC-2023-0071, the Marvin timing side channel).
//!
//! | Recipe | Method |
//! |---|---|
//! | RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32 | [`RsaPrivateKey::sign_pss_sha256`], [`RsaPublicKey::verify_pss_sha256`] |
//! | RSASSA-PKCS1-v1_5, SHA-256 (JWS `RS256`) | [`RsaPrivateKey::sign_pkcs1_sha256`], [`RsaPublicKey::verify_pkcs1_sha256`] |

use crate::error::{Error, Problem};
use crate::random::RandomError;
use crate::secret::Secret;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};
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
