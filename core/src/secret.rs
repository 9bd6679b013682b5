//! Secrets that never leak by accident.
//!
//! [`Secret`] holds key material (an Eko `access_key`, later a Paytm merchant key or a UPI private key). Its
//! `Debug` and `Display` print `Secret(***)`, its memory is zeroized on drop, and equality is constant-time. Reading
//! the value takes an explicit [`Secret::expose`], which makes every use of a secret easy to audit.

use std::fmt;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

/// A secret string: redacted in `Debug`/`Display`, zeroized on drop, compared in constant time.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a secret value. The `String`'s buffer is taken over (not copied) and zeroized when dropped.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Zeroizing::new(value.into()))
    }

    /// The secret text. Every call site is a place where the secret is used: keep them few.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl PartialEq for Secret {
    /// Constant-time in the contents (the length may be observable).
    fn eq(&self, other: &Self) -> bool {
        constant_time_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for Secret {}

impl Zeroize for Secret {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

/// Compares two byte strings without an early exit on the first difference (lengths may be observable).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted() {
        let s = Secret::new("d2fe1d99-6298-4af2-8cc5-d97dcf46df30");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{s}"), "***");
        assert!(!format!("{s:#?}").contains("d2fe"));
        assert_eq!(s.expose(), "d2fe1d99-6298-4af2-8cc5-d97dcf46df30");
    }

    #[test]
    fn zeroize_clears_the_value() {
        let mut s = Secret::new("abc");
        s.zeroize();
        assert!(s.is_empty());
    }

    #[test]
    fn equality_compares_contents() {
        assert_eq!(Secret::new("a"), Secret::new("a"));
        assert_ne!(Secret::new("a"), Secret::new("b"));
        assert_ne!(Secret::new("a"), Secret::new("ab"));
        assert!(constant_time_eq(b"xyz", b"xyz"));
        assert!(!constant_time_eq(b"xyz", b"xyZ"));
    }
}
