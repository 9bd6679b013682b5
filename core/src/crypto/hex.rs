//! Hexadecimal (Base16): lowercase on output, either case on input.

/// Lowercase hex of `bytes`.
///
/// ```
/// assert_eq!(refundkit::crypto::hex::encode(&[0, 0xab, 0x10]), "00ab10");
/// ```
pub fn encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Decodes hex of either case. `None` for an odd length or a character that is not a hex digit (no white space,
/// no `0x` prefix).
///
/// ```
/// assert_eq!(refundkit::crypto::hex::decode("00AB10"), Some(vec![0, 0xab, 0x10]));
/// assert_eq!(refundkit::crypto::hex::decode("0"), None);
/// ```
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let t = text.as_bytes();
    if !t.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| char::from(c).to_digit(16).and_then(|d| u8::try_from(d).ok());
    t.chunks(2).map(|p| Some(digit(p[0])? << 4 | digit(p[1])?)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects() {
        assert_eq!(encode(&[0, 0xab, 0x10]), "00ab10");
        assert_eq!(decode("00AB10"), Some(vec![0, 0xab, 0x10]));
        assert_eq!(decode(""), Some(vec![]));
        for bad in ["0", "zz", "0x", " 0", "é0"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encode(&all)), Some(all));
    }
}
