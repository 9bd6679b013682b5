//! PaytmChecksum: the signature Paytm puts on requests, responses and webhooks (spec §3).
//!
//! ```text
//! salt      = 4 random characters of [A-Za-z0-9]
//! plaintext = hex_lower(SHA-256(utf8(text + "|" + salt))) + salt                      (68 ASCII bytes)
//! signature = base64_std(AES-CBC-PKCS#7(key = utf8(merchant_key), iv = "@@@@&&&&####$$$$", plaintext))  (108 chars)
//! ```
//!
//! Sources: Paytm's official checksum libraries (paytm/Paytm_Python_Checksum `paytmchecksum/PaytmChecksum.py`,
//! paytm/Paytm_Node_Checksum `PaytmChecksum.js`, paytm/Paytm_PHP_Checksum, paytm/Paytm_JAVA_Checksum), whose
//! outputs the known-answer vectors in `tests/vectors/paytm_checksum.json` were cross-checked against.
//!
//! Deliberate choices:
//!
//! - The merchant key is used as its exact UTF-8 bytes. 16, 24 or 32 bytes select AES-128/192/256 (as Paytm's
//!   Java server and the Python/Java libraries do); any other length is [`Error::Configuration`] on
//!   `merchant_key`. Keys are never padded or truncated (PHP's library does both), nor HTML-entity-decoded.
//! - [`verify`] is total and constant-time in the contents: bad base64, a wrong length, bad padding, a wrong key
//!   and a non-ASCII plaintext all answer `false`; nothing panics or raises.

use crate::error::{config, Error, Problem};
use crate::random::{RandomError, RandomSource};
use crate::secret::Secret;
use aes::cipher::block_padding::{NoPadding, Pkcs7};
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// The fixed initialisation vector of every PaytmChecksum.
const IV: &[u8; 16] = b"@@@@&&&&####$$$$";
/// The salt alphabet. A random byte `b < 248` maps to `SALT_ALPHABET[b % 62]`; bytes `>= 248` are discarded, so
/// every character is equally likely (248 = 4 × 62: no modulo bias).
pub const SALT_ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Length of the salt.
pub const SALT_LEN: usize = 4;
/// Length of the plaintext: 64 hex characters of SHA-256 plus the 4-character salt.
const PLAIN_LEN: usize = 64 + SALT_LEN;
/// Length of the ciphertext: the plaintext padded to whole AES blocks (PKCS#7 adds 12 bytes of `0x0c`).
const CIPHER_LEN: usize = 80;
/// Length of every signature (base64 of 80 bytes).
pub const SIGNATURE_LEN: usize = 108;
/// The params-map key that carries the checksum, left out of the string to sign (spec §3.4).
pub const CHECKSUMHASH: &str = "CHECKSUMHASH";

/// The AES variant the key length selects.
#[derive(Clone, Copy)]
enum KeySize {
    Aes128,
    Aes192,
    Aes256,
}

fn key_size(key: &[u8]) -> Option<KeySize> {
    match key.len() {
        16 => Some(KeySize::Aes128),
        24 => Some(KeySize::Aes192),
        32 => Some(KeySize::Aes256),
        _ => None,
    }
}

/// Checks a merchant key: 16, 24 or 32 bytes of UTF-8 (AES-128/192/256). Fails with [`Error::Configuration`] on
/// field `merchant_key`; the message never contains the key.
pub fn validate_merchant_key(merchant_key: &Secret) -> Result<(), Error> {
    if merchant_key.is_empty() {
        return Err(config("merchant_key", Problem::Missing));
    }
    match key_size(merchant_key.expose().as_bytes()) {
        Some(_) => Ok(()),
        None => Err(config(
            "merchant_key",
            Problem::Format {
                expected: "exactly 16, 24 or 32 bytes (AES-128/192/256), as issued by Paytm; keys are never padded \
                           or truncated (a '#' in an unquoted .env value often cuts a key short)",
            },
        )),
    }
}

/// The 68-byte plaintext for `text` and `salt`.
fn plaintext(text: &[u8], salt: &[u8]) -> Zeroizing<[u8; PLAIN_LEN]> {
    let mut hasher = Sha256::new();
    hasher.update(text);
    hasher.update(b"|");
    hasher.update(salt);
    let digest = hasher.finalize();
    let mut out = Zeroizing::new([0u8; PLAIN_LEN]);
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, byte) in digest.iter().enumerate() {
        out[2 * i] = HEX[usize::from(byte >> 4)];
        out[2 * i + 1] = HEX[usize::from(byte & 0x0f)];
    }
    // `salt` is SALT_LEN bytes: callers check.
    out[64..].copy_from_slice(salt);
    out
}

fn encrypt(key: &[u8], size: KeySize, plain: &[u8; PLAIN_LEN]) -> Option<[u8; CIPHER_LEN]> {
    let mut buf = [0u8; CIPHER_LEN];
    buf[..PLAIN_LEN].copy_from_slice(plain);
    let ok = match size {
        KeySize::Aes128 => cbc::Encryptor::<aes::Aes128>::new_from_slices(key, IV)
            .ok()?
            .encrypt_padded_mut::<Pkcs7>(&mut buf, PLAIN_LEN)
            .is_ok(),
        KeySize::Aes192 => cbc::Encryptor::<aes::Aes192>::new_from_slices(key, IV)
            .ok()?
            .encrypt_padded_mut::<Pkcs7>(&mut buf, PLAIN_LEN)
            .is_ok(),
        KeySize::Aes256 => cbc::Encryptor::<aes::Aes256>::new_from_slices(key, IV)
            .ok()?
            .encrypt_padded_mut::<Pkcs7>(&mut buf, PLAIN_LEN)
            .is_ok(),
    };
    ok.then_some(buf)
}

/// Decrypts exactly 80 bytes without removing the padding (the caller compares it in constant time).
fn decrypt_raw(key: &[u8], size: KeySize, ct: &[u8; CIPHER_LEN]) -> Option<Zeroizing<[u8; CIPHER_LEN]>> {
    let mut buf = Zeroizing::new(*ct);
    let ok = match size {
        KeySize::Aes128 => cbc::Decryptor::<aes::Aes128>::new_from_slices(key, IV)
            .ok()?
            .decrypt_padded_mut::<NoPadding>(&mut buf[..])
            .is_ok(),
        KeySize::Aes192 => cbc::Decryptor::<aes::Aes192>::new_from_slices(key, IV)
            .ok()?
            .decrypt_padded_mut::<NoPadding>(&mut buf[..])
            .is_ok(),
        KeySize::Aes256 => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, IV)
            .ok()?
            .decrypt_padded_mut::<NoPadding>(&mut buf[..])
            .is_ok(),
    };
    ok.then_some(buf)
}

/// Draws a salt of 4 characters of [`SALT_ALPHABET`] from `random`, without modulo bias.
pub fn random_salt(random: &dyn RandomSource) -> Result<String, Error> {
    let mut salt = String::with_capacity(SALT_LEN);
    // Each round discards a byte with probability 8/256; 16 rounds of 16 bytes all failing means the source is
    // broken (or a FixedRandom of only bytes >= 248).
    for _ in 0..16 {
        let mut bytes = [0u8; 16];
        random.fill(&mut bytes)?;
        for b in bytes {
            if b < 248 {
                salt.push(char::from(SALT_ALPHABET[usize::from(b % 62)]));
                if salt.len() == SALT_LEN {
                    return Ok(salt);
                }
            }
        }
    }
    Err(Error::Random(RandomError("the random source produced no usable bytes for a salt".into())))
}

/// The PaytmChecksum of `text` with a given `salt` (4 visible ASCII characters): the deterministic core of
/// [`generate`], for known-answer tests. Production code uses [`generate`], which draws the salt from a CSPRNG.
///
/// ```
/// use refundkit::{paytm::checksum, Secret};
/// // Vector V1 of tests/vectors/paytm_checksum.json.
/// let key = Secret::new("A1b2C3d4E5f6G7h8");
/// let body = r#"{"mid":"YOUR_MID_HERE","orderId":"YOUR_ORDER_ID_HERE"}"#;
/// assert_eq!(
///     checksum::checksum(body, &key, "abcd")?,
///     "ZRLX7MQ4eFb3ITQi53/f4xfFt7HEiKd/HNPszY3UHLJHtBF00MWBI4VsZG6B9xOqET0/XKBvOKVEl01TK2SLbcSQOBqcCDHKtHBaacUhK3A="
/// );
/// # Ok::<(), refundkit::Error>(())
/// ```
pub fn checksum(text: &str, merchant_key: &Secret, salt: &str) -> Result<String, Error> {
    validate_merchant_key(merchant_key)?;
    if salt.len() != SALT_LEN || !salt.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(crate::error::invalid("salt", Problem::Format { expected: "4 visible ASCII characters" }));
    }
    let key = merchant_key.expose().as_bytes();
    let size = key_size(key).ok_or_else(|| config("merchant_key", Problem::Missing))?;
    let plain = plaintext(text.as_bytes(), salt.as_bytes());
    let ct = encrypt(key, size, &plain).ok_or(Error::Unsupported("AES-CBC encryption failed"))?;
    Ok(STANDARD.encode(ct))
}

/// The PaytmChecksum of `text` (for JSON APIs: the exact `body` text) with a fresh salt from `random`.
pub fn generate(text: &str, merchant_key: &Secret, random: &dyn RandomSource) -> Result<String, Error> {
    validate_merchant_key(merchant_key)?;
    let salt = random_salt(random)?;
    checksum(text, merchant_key, &salt)
}

/// Whether `signature` is a valid PaytmChecksum of `text` under `merchant_key`.
///
/// Total: every failure (bad base64, a length other than 108 characters / 80 bytes, bad padding, a wrong key, a
/// plaintext that is not the 68 expected ASCII bytes, a key of an unusable length) is `false`. The decrypted
/// block, padding included, is compared with the expected one in constant time. Equivalent to the official Python
/// library's check (re-encrypt with the recovered salt and compare), which compares all 68 characters.
pub fn verify(text: &str, merchant_key: &Secret, signature: &str) -> bool {
    let key = merchant_key.expose().as_bytes();
    let Some(size) = key_size(key) else {
        return false;
    };
    if signature.len() != SIGNATURE_LEN {
        return false;
    }
    let mut ct = [0u8; CIPHER_LEN];
    match STANDARD.decode_slice(signature.as_bytes(), &mut ct) {
        Ok(CIPHER_LEN) => {}
        _ => return false,
    }
    let Some(decrypted) = decrypt_raw(key, size, &ct) else {
        return false;
    };
    let salt = &decrypted[64..PLAIN_LEN];
    let mut expected = Zeroizing::new([0x0cu8; CIPHER_LEN]);
    expected[..PLAIN_LEN].copy_from_slice(&plaintext(text.as_bytes(), salt)[..]);
    // A salt outside ASCII is never produced by a conforming signer (the plaintext must be 68 ASCII characters).
    let salt_ascii = salt.iter().fold(0u8, |acc, b| acc | (b & 0x80)).ct_eq(&0);
    (decrypted[..].ct_eq(&expected[..]) & salt_ascii).into()
}

/// The string the params-map form signs (spec §3.4): `CHECKSUMHASH` removed, keys sorted by byte order, a `None`
/// value or the string `"null"` in any case as `""`, values joined with `|`.
///
/// ```
/// use std::collections::BTreeMap;
/// let mut params = BTreeMap::new();
/// params.insert("MID".to_string(), Some("m1".to_string()));
/// params.insert("ORDERID".to_string(), Some("o1".to_string()));
/// params.insert("CUST_ID".to_string(), Some("NULL".to_string()));
/// params.insert("CHECKSUMHASH".to_string(), Some("ignored".to_string()));
/// assert_eq!(refundkit::paytm::checksum::params_string(&params), "|m1|o1");
/// ```
pub fn params_string(params: &BTreeMap<String, Option<String>>) -> String {
    // BTreeMap<String, _> iterates in byte order of the keys (`str`'s `Ord`), as §3.4 requires.
    params
        .iter()
        .filter(|(k, _)| k.as_str() != CHECKSUMHASH)
        .map(|(_, v)| match v.as_deref() {
            None => "",
            Some(v) if v.eq_ignore_ascii_case("null") => "",
            Some(v) => v,
        })
        .collect::<Vec<_>>()
        .join("|")
}

/// The PaytmChecksum of a params map (spec §3.4) with a fresh salt from `random`.
pub fn generate_for_params(
    params: &BTreeMap<String, Option<String>>,
    merchant_key: &Secret,
    random: &dyn RandomSource,
) -> Result<String, Error> {
    generate(&params_string(params), merchant_key, random)
}

/// Whether a params map carries a valid `CHECKSUMHASH` (spec §3.4). `false` when it has none.
pub fn verify_params(params: &BTreeMap<String, Option<String>>, merchant_key: &Secret) -> bool {
    match params.get(CHECKSUMHASH) {
        Some(Some(signature)) => verify(&params_string(params), merchant_key, signature),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::FixedRandom;

    const V1_KEY: &str = "A1b2C3d4E5f6G7h8";
    const V1_BODY: &str = r#"{"mid":"YOUR_MID_HERE","orderId":"YOUR_ORDER_ID_HERE"}"#;
    const V1_SIG: &str =
        "ZRLX7MQ4eFb3ITQi53/f4xfFt7HEiKd/HNPszY3UHLJHtBF00MWBI4VsZG6B9xOqET0/XKBvOKVEl01TK2SLbcSQOBqcCDHKtHBaacUhK3A=";
    const V2_KEY: &str = "Test&Key#12345$@";
    const V2_BODY: &str = r#"{"mid":"INTEGR7769XXXXXX9383","txnType":"REFUND","orderId":"OREDRID_98765","txnId":"202005081112128XXXXXX68470101509706","refId":"REFUNDID_98765","refundAmount":"1.00"}"#;
    const V2_SIG: &str =
        "UdhLKPGGK21DhC6RrCWN7IwlJab2jHyjdSPnwsPBMod04Q+AUqadsT5XOQb5o6JO2DI66MTT4ZNr+ZX/Le3fhvzoN0xgCxW3nDbxRTdlxD4=";

    fn key(k: &str) -> Secret {
        Secret::new(k)
    }

    #[test]
    fn v1_intermediate_plaintext() {
        let p = plaintext(V1_BODY.as_bytes(), b"abcd");
        assert_eq!(&p[..], b"1b0f5ed10d22da6ccf93c16c0976be0c34f309ebe29267b36635c1fba6c924e9abcd");
    }

    #[test]
    fn known_answers_sign_and_verify() {
        assert_eq!(checksum(V1_BODY, &key(V1_KEY), "abcd").unwrap(), V1_SIG);
        assert_eq!(checksum(V2_BODY, &key(V2_KEY), "Xy9Z").unwrap(), V2_SIG);
        assert!(verify(V1_BODY, &key(V1_KEY), V1_SIG));
        assert!(verify(V2_BODY, &key(V2_KEY), V2_SIG));
    }

    #[test]
    fn nv1_respaced_body_is_invalid() {
        let spaced = r#"{"mid": "INTEGR7769XXXXXX9383", "txnType": "REFUND", "orderId": "OREDRID_98765", "txnId": "202005081112128XXXXXX68470101509706", "refId": "REFUNDID_98765", "refundAmount": "1.00"}"#;
        assert!(!verify(spaced, &key(V2_KEY), V2_SIG));
    }

    #[test]
    fn nv2_tampered_amount_is_invalid() {
        assert!(!verify(&V2_BODY.replace("1.00", "2.00"), &key(V2_KEY), V2_SIG));
    }

    #[test]
    fn nv3_wrong_key_is_invalid() {
        assert!(!verify(V1_BODY, &key("A1b2C3d4E5f6G7h9"), V1_SIG));
    }

    #[test]
    fn nv4_truncated_signature_is_invalid() {
        assert!(!verify(V1_BODY, &key(V1_KEY), "ZRLX7MQ4eFb3ITQi53/f4xfFt7HEiKd/HNPszY3UHLJH"));
    }

    #[test]
    fn verify_is_total_on_garbage() {
        let k = key(V1_KEY);
        let mut flipped_last_block = V1_SIG.to_string().into_bytes();
        flipped_last_block[100] = if flipped_last_block[100] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped_last_block).unwrap();
        let bad_padding_char = format!("{}A", &V1_SIG[..107]); // '=' replaced: non-canonical / trailing bits
        let with_newline = format!("{}\n{}", &V1_SIG[..54], &V1_SIG[54..]);
        for sig in [
            "",
            "====",
            "not base64 at all!",
            &"A".repeat(108),
            &"/".repeat(108),
            &flipped,
            &bad_padding_char,
            &with_newline,
            &V1_SIG.replace('=', ""),
            &format!("{V1_SIG}="),
            &STANDARD.encode([0u8; 96]),
            &STANDARD.encode([0u8; 79]),
            "\u{e9}\u{e9}\u{e9}\u{e9}",
        ] {
            assert!(!verify(V1_BODY, &k, sig), "{sig:?}");
        }
        // Wrong key lengths: false, never a panic.
        for bad in ["", "short", "A1b2C3d4E5f6G7h8X", &"k".repeat(64)] {
            assert!(!verify(V1_BODY, &key(bad), V1_SIG));
        }
    }

    #[test]
    fn non_ascii_plaintext_never_verifies() {
        // A ciphertext whose plaintext salt holds non-ASCII bytes but is otherwise "consistent" must fail.
        let k = key(V1_KEY);
        let salt = [0xffu8, 0xfe, 0x80, 0x81];
        let plain = plaintext(V1_BODY.as_bytes(), &salt);
        let ct = encrypt(k.expose().as_bytes(), KeySize::Aes128, &plain).unwrap();
        assert!(!verify(V1_BODY, &k, &STANDARD.encode(ct)));
    }

    #[test]
    fn key_lengths_select_aes_variants_and_others_are_rejected() {
        for n in [16, 24, 32] {
            let k = key(&"k".repeat(n));
            let sig = checksum(V1_BODY, &k, "abcd").unwrap();
            assert_eq!(sig.len(), SIGNATURE_LEN);
            assert!(verify(V1_BODY, &k, &sig));
            // A longer key is not silently truncated to 16 bytes (PHP's behaviour).
            if n > 16 {
                assert!(!verify(V1_BODY, &key(&"k".repeat(16)), &sig));
            }
        }
        for n in [0, 1, 15, 17, 23, 25, 31, 33, 64] {
            let err = checksum(V1_BODY, &key(&"k".repeat(n)), "abcd").unwrap_err();
            assert!(matches!(err, Error::Configuration { field: "merchant_key", .. }), "{n}: {err:?}");
            assert!(!err.to_string().contains("kkkk"));
        }
        // Byte length, not character length: 8 two-byte characters are 16 bytes.
        assert!(validate_merchant_key(&key("éééééééé")).is_ok());
    }

    #[test]
    fn salt_is_unbiased_alnum_from_the_source() {
        assert_eq!(random_salt(&FixedRandom(vec![26, 27, 28, 29])).unwrap(), "abcd");
        assert_eq!(random_salt(&FixedRandom(vec![23, 50, 61, 25])).unwrap(), "Xy9Z");
        // Bytes >= 248 are skipped, not folded.
        assert_eq!(random_salt(&FixedRandom(vec![255, 248, 0, 62 + 1, 247])).unwrap(), "AB9A");
        assert!(random_salt(&FixedRandom(vec![250])).is_err());
        let salt = random_salt(&crate::random::OsRandom).unwrap();
        assert!(salt.len() == 4 && salt.bytes().all(|b| b.is_ascii_alphanumeric()));
        let sig = generate(V1_BODY, &key(V1_KEY), &FixedRandom(vec![26, 27, 28, 29])).unwrap();
        assert_eq!(sig, V1_SIG);
    }

    #[test]
    fn bad_salt_is_rejected() {
        for salt in ["abc", "abcde", "ab d", "abcé"] {
            let err = checksum(V1_BODY, &key(V1_KEY), salt).unwrap_err();
            assert_eq!(err.field(), Some("salt"));
        }
    }

    fn map(pairs: &[(&str, Option<&str>)]) -> BTreeMap<String, Option<String>> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.map(str::to_string))).collect()
    }

    #[test]
    fn params_form_v4_and_v5() {
        let v4 = map(&[("ORDERID", Some("YOUR_ORDER_ID_HERE")), ("MID", Some("YOUR_MID_HERE"))]);
        assert_eq!(params_string(&v4), "YOUR_MID_HERE|YOUR_ORDER_ID_HERE");
        let sig = generate_for_params(&v4, &key(V1_KEY), &FixedRandom(b"\x35\x36\x37\x38".to_vec())).unwrap();
        assert_eq!(sig, "P4AU8bVNk54FM3iLQr4ZnFeTgFuHfQ4NzLtmpPc4KezKABC2ZksYomGMjyU+RFpoSa3qjGiUkZlw8XxrDoYtfE6dyS/zDWmavZ7Dw2+QXAY=");
        let v5 = map(&[("MID", Some("m1")), ("ORDERID", Some("o1")), ("CUST_ID", Some("null"))]);
        assert_eq!(params_string(&v5), "|m1|o1");
        let mut signed = v5.clone();
        signed.insert(CHECKSUMHASH.into(), Some("2gTwLY5w37tA10fiyOnXfJYxWctdPK6jvsSpb3DdgLgSw9aEGPEAB7et3pXnvI5x7231FFCpiPHrppxwztSdMwGEgs9v1KDU94bpJTKCdkE=".into()));
        assert!(verify_params(&signed, &key(V1_KEY)));
        // V5-node (the literal "null" signed) must not verify for the map.
        signed.insert(CHECKSUMHASH.into(), Some("6DNTI5k9r9DhKMPRxz88bju97o81uQKHhXbWf+7GGARtsQm67qMpu/SCoWVLSyKVEbt2Q5ZZ50k7IObo77jYYieHgc8CgsYp0vlIoVRDxnw=".into()));
        assert!(!verify_params(&signed, &key(V1_KEY)));
        assert!(!verify_params(&v5, &key(V1_KEY)));
        // Byte order: upper case before lower case; None and "NuLl" are empty.
        let m = map(&[("b", Some("3")), ("B", Some("2")), ("A", None), ("a", Some("NuLl"))]);
        assert_eq!(params_string(&m), "|2||3");
    }
}
