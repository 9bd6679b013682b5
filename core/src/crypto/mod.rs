//! Cryptographic and parsing primitives shared by every provider: a leaf module (it imports nothing from the
//! provider modules or from [`crate::sign`]).
//!
//! | Module | What |
//! |---|---|
//! | [`hex`] | lowercase hex encoding, case-insensitive decoding |
//! | [`hmac`] | the one HMAC-SHA256 helper (Eko `secret-key`, the Refund 360 HMAC strategy) and a constant-time check |
//! | [`rsa`] | PEM/DER parsing and RSA-PSS / RSASSA-PKCS1-v1_5 SHA-256 signing and verifying (all RSA arithmetic is `ring`'s) |
//! | [`paytm_checksum`] | PaytmChecksum: AES-CBC over the message and a salted SHA-256, generate and constant-time verify (the Paytm provider and delegated signing both use it) |
//! | [`json`] | the **strict** JSON parser every interpreter reads answers with, and the raw-member scanner that cuts a signed member out of a document without re-serializing it |

pub mod hex;
pub mod hmac;
pub mod json;
pub mod paytm_checksum;
pub mod rsa;
