//! Strict JSON: the one way refundkit reads a provider's answer, and the raw-member scanner for signed members.
//!
//! # Why strict
//!
//! A verdict must come from an answer that means one thing. Ordinary parsers resolve ambiguities silently:
//! `serde_json` keeps the **last** of two duplicate keys (other parsers keep the first), so
//! `{"status":1,"status":0}` is a failure to one reader and a success to another. [`parse`] therefore accepts only
//! RFC 8259 JSON that is also unambiguous and bounded, and reports anything else as a [`JsonError`]; interpreters map
//! every such error to [`crate::Reason::UnreadableResponse`] (never a verdict):
//!
//! - duplicate member names in any object at any depth (compared after unescaping: `"a"` and `"\u0061"` collide);
//! - invalid escapes (`\q`), lone or reversed UTF-16 surrogates (`\ud800`), control characters inside strings,
//!   invalid UTF-8;
//! - nesting deeper than [`MAX_DEPTH`], documents larger than [`MAX_LEN`] bytes;
//! - anything else outside the grammar: trailing commas, leading zeros, `NaN`, comments, trailing data.
//!
//! Numbers are kept exactly as written (the crate builds `serde_json` with `arbitrary_precision`), so money such as
//! `"2.22263731286E9"` or `5000.10` is never passed through `f64`.
//!
//! # Raw members
//!
//! Paytm signs the `body` member's text exactly as it travels. [`raw_object_member`] cuts that text out of a
//! received document with a string-aware scanner, so the signature can be verified over exactly those bytes.

use serde_json::{Map, Value};
use std::collections::HashSet;

/// The deepest nesting of objects and arrays [`parse`] accepts (the document itself is depth 1).
pub const MAX_DEPTH: usize = 64;
/// The largest document [`parse`] accepts, in bytes (1 MiB). Refund answers are a few kilobytes.
pub const MAX_LEN: usize = 1 << 20;

/// Why a document was refused by [`parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonError {
    /// Larger than [`MAX_LEN`].
    #[error("the JSON document is larger than the limit")]
    TooLarge,
    /// Nested deeper than [`MAX_DEPTH`].
    #[error("the JSON document is nested too deeply")]
    TooDeep,
    /// An object has two members with the same name.
    #[error("the JSON document has a duplicate member name")]
    DuplicateKey,
    /// A backslash escape JSON does not define.
    #[error("the JSON document has an invalid escape")]
    InvalidEscape,
    /// A `\uXXXX` escape of half a surrogate pair.
    #[error("the JSON document has a lone surrogate escape")]
    LoneSurrogate,
    /// Not UTF-8.
    #[error("the JSON document is not UTF-8")]
    InvalidUtf8,
    /// Anything else outside the JSON grammar (including an empty document and trailing data).
    #[error("the JSON document is malformed")]
    Syntax,
}

/// Checks that `bytes` is one strict JSON document (see the [module docs](self)), without building a value.
pub fn validate(bytes: &[u8]) -> Result<(), JsonError> {
    if bytes.len() > MAX_LEN {
        return Err(JsonError::TooLarge);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| JsonError::InvalidUtf8)?;
    let mut p = Parser { b: text.as_bytes(), text, i: 0 };
    p.ws();
    p.value(0)?;
    p.ws();
    if p.i == p.b.len() {
        Ok(())
    } else {
        Err(JsonError::Syntax)
    }
}

/// Parses one strict JSON document (see the [module docs](self)). Numbers keep their exact text.
///
/// ```
/// use refundkit::crypto::json::{parse, JsonError};
/// assert!(parse(br#"{"status":0,"data":{"amount":5000.10}}"#).is_ok());
/// assert_eq!(parse(br#"{"status":1,"status":0}"#).unwrap_err(), JsonError::DuplicateKey);
/// assert_eq!(parse(br#"{"x":"\q"}"#).unwrap_err(), JsonError::InvalidEscape);
/// assert_eq!(parse(br#"{"x":"\ud800"}"#).unwrap_err(), JsonError::LoneSurrogate);
/// ```
pub fn parse(bytes: &[u8]) -> Result<Value, JsonError> {
    validate(bytes)?;
    // The validator accepts a subset of what serde_json accepts; a disagreement is still reported, never a panic.
    serde_json::from_slice(bytes).map_err(|_| JsonError::Syntax)
}

/// [`parse`], requiring the document to be an object.
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, JsonError> {
    match parse(bytes)? {
        Value::Object(map) => Ok(map),
        _ => Err(JsonError::Syntax),
    }
}

struct Parser<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Result<(), JsonError> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(JsonError::Syntax)
        }
    }

    /// A value at nesting `depth` (the number of enclosing containers).
    fn value(&mut self, depth: usize) -> Result<(), JsonError> {
        match self.peek().ok_or(JsonError::Syntax)? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => self.string(false).map(drop),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(JsonError::Syntax),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), JsonError> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(JsonError::Syntax)
        }
    }

    fn digits(&mut self) -> Result<(), JsonError> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        if self.i == start {
            Err(JsonError::Syntax)
        } else {
            Ok(())
        }
    }

    fn number(&mut self) -> Result<(), JsonError> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => self.digits()?,
            _ => return Err(JsonError::Syntax),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            self.digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            self.digits()?;
        }
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self.b.get(self.i..self.i + 4).ok_or(JsonError::InvalidEscape)?;
        let mut v = 0u32;
        for &d in digits {
            v = v * 16 + char::from(d).to_digit(16).ok_or(JsonError::InvalidEscape)?;
        }
        self.i += 4;
        Ok(v)
    }

    /// A string starting at `"`; its unescaped text when `decode`.
    fn string(&mut self, decode: bool) -> Result<Option<String>, JsonError> {
        self.eat(b'"')?;
        let mut out = decode.then(String::new);
        let mut run = self.i;
        loop {
            let c = self.peek().ok_or(JsonError::Syntax)?;
            match c {
                b'"' => {
                    if let Some(o) = out.as_mut() {
                        o.push_str(&self.text[run..self.i]);
                    }
                    self.i += 1;
                    return Ok(out);
                }
                0x00..=0x1f => return Err(JsonError::Syntax),
                b'\\' => {
                    if let Some(o) = out.as_mut() {
                        o.push_str(&self.text[run..self.i]);
                    }
                    self.i += 1;
                    let e = self.peek().ok_or(JsonError::InvalidEscape)?;
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = match hi {
                                0xd800..=0xdbff => {
                                    if !self.b[self.i..].starts_with(b"\\u") {
                                        return Err(JsonError::LoneSurrogate);
                                    }
                                    self.i += 2;
                                    let lo = self.hex4()?;
                                    if !(0xdc00..=0xdfff).contains(&lo) {
                                        return Err(JsonError::LoneSurrogate);
                                    }
                                    0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                                }
                                0xdc00..=0xdfff => return Err(JsonError::LoneSurrogate),
                                other => other,
                            };
                            char::from_u32(code).ok_or(JsonError::LoneSurrogate)?
                        }
                        _ => return Err(JsonError::InvalidEscape),
                    };
                    if let Some(o) = out.as_mut() {
                        o.push(ch);
                    }
                    run = self.i;
                }
                _ => self.i += 1,
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep);
        }
        self.eat(b'{')?;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        let mut names: HashSet<String> = HashSet::new();
        loop {
            self.ws();
            let name = self.string(true)?.unwrap_or_default();
            if !names.insert(name) {
                return Err(JsonError::DuplicateKey);
            }
            self.ws();
            self.eat(b':')?;
            self.ws();
            self.value(depth)?;
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(JsonError::Syntax),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep);
        }
        self.eat(b'[')?;
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.ws();
            self.value(depth)?;
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(JsonError::Syntax),
            }
        }
    }
}

/// The raw text of the top-level member `name` of the JSON object `text` when its value is an object, e.g. the
/// `{...}` of Paytm's `"body"`, exactly as received (no re-serialization). `None` when `text` is not a well-formed
/// object at the top level, the member is absent, is not an object, or occurs more than once.
///
/// The scanner only locates; it does not validate escapes or nesting limits: run [`validate`] on the whole
/// document first when the member's contents are to be believed.
///
/// ```
/// use refundkit::crypto::json::raw_object_member;
/// assert_eq!(raw_object_member(r#"{"head":{"signature":"x"},"body":{"a": 1}}"#, "body"), Some(r#"{"a": 1}"#));
/// assert_eq!(raw_object_member(r#"{"body":{"a":1},"body":{"a":2}}"#, "body"), None);
/// ```
pub fn raw_object_member<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    let mut found: Option<&'a str> = None;
    if b.get(i) == Some(&b'}') {
        return None;
    }
    loop {
        // key
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = skip_string(b, i)?;
        let key = text.get(i + 1..key_end - 1)?;
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        let value_start = i;
        let value_end = skip_value(b, i)?;
        if key == name {
            if found.is_some() {
                return None;
            }
            if b.get(value_start) == Some(&b'{') {
                found = Some(text.get(value_start..value_end)?);
            } else {
                return None;
            }
        }
        i = skip_ws(b, value_end);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b'}') => {
                // Nothing but white space may follow the document.
                return if skip_ws(b, i + 1) == b.len() { found } else { None };
            }
            _ => return None,
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// `b[i]` is `"`: the index just past the closing quote.
fn skip_string(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

/// The index just past the value starting at `b[i]`.
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            let mut stack = vec![b[i]];
            let mut j = i + 1;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = skip_string(b, j)?;
                        continue;
                    }
                    c @ (b'{' | b'[') => stack.push(c),
                    close @ (b'}' | b']') => {
                        let open = if close == b'}' { b'{' } else { b'[' };
                        if stack.pop() != Some(open) {
                            return None;
                        }
                    }
                    _ => {}
                }
                j += 1;
                if stack.is_empty() {
                    return Some(j);
                }
            }
            None
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_answers_and_keeps_exact_numbers() {
        for ok in [
            r#"{"status":0,"data":{"amount":"5000.0","fee":2.22263731286E9,"l":[1,-0.5,1e-3,true,false,null]}}"#,
            r#"  {"a":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"} "#,
            "[]",
            "{}",
            "0",
            r#""x""#,
            r#"{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}"#,
        ] {
            assert!(parse(ok.as_bytes()).is_ok(), "{ok}");
        }
        let v = parse(br#"{"n":12345678901234567890.10}"#).unwrap();
        assert_eq!(v["n"].to_string(), "12345678901234567890.10");
    }

    #[test]
    fn refuses_ambiguous_or_broken_documents() {
        use JsonError as E;
        let deep_ok = format!("{}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(deep_ok.as_bytes()).is_ok());
        let deep = format!("{}1{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        let deep_obj = format!("{}1{}", r#"{"a":"#.repeat(200), "}".repeat(200));
        let big = format!(r#"{{"a":"{}"}}"#, "x".repeat(MAX_LEN));
        let cases: Vec<(&[u8], E)> = vec![
            (br#"{"status":1,"status":0}"#, E::DuplicateKey),
            (br#"{"a":{"b":1,"b":2}}"#, E::DuplicateKey),
            (br#"[{"x":1},{"y":[{"z":1,"z":1}]}]"#, E::DuplicateKey),
            (br#"{"a":1,"\u0061":2}"#, E::DuplicateKey),
            (br#"{"x":"\q"}"#, E::InvalidEscape),
            (br#"{"x":"\u12G4"}"#, E::InvalidEscape),
            (br#"{"x":"\u12"}"#, E::InvalidEscape),
            (br#"{"x":"\ud800"}"#, E::LoneSurrogate),
            (br#"{"x":"\ud800\u0041"}"#, E::LoneSurrogate),
            (br#"{"x":"\udc00\ud800"}"#, E::LoneSurrogate),
            (deep.as_bytes(), E::TooDeep),
            (deep_obj.as_bytes(), E::TooDeep),
            (big.as_bytes(), E::TooLarge),
            (b"{\"x\":\"\xff\"}", E::InvalidUtf8),
            (b"{\"x\":\"a\nb\"}", E::Syntax),
            (b"", E::Syntax),
            (b"{} {}", E::Syntax),
            (br#"{"a":1,}"#, E::Syntax),
            (br#"[1,]"#, E::Syntax),
            (br#"{"a":01}"#, E::Syntax),
            (br#"{"a":NaN}"#, E::Syntax),
            (br#"{"a":1.}"#, E::Syntax),
            (br#"{"a":.5}"#, E::Syntax),
            (br#"{"a":+1}"#, E::Syntax),
            (br#"{a:1}"#, E::Syntax),
            (br#"{"a":tru}"#, E::Syntax),
            (b"\xef\xbb\xbf{}", E::Syntax),
            (br#"{"a":1}/*c*/"#, E::Syntax),
        ];
        for (bad, want) in cases {
            assert_eq!(parse(bad).unwrap_err(), want, "{}", String::from_utf8_lossy(&bad[..bad.len().min(60)]));
        }
    }

    #[test]
    fn raw_member_finds_the_raw_body_in_either_order_and_keeps_its_bytes() {
        let m = raw_object_member;
        assert_eq!(m(r#"{"head":{"signature":"x"},"body":{"a": 1}}"#, "body"), Some(r#"{"a": 1}"#));
        assert_eq!(m(r#"{"body":{"a":"}{\"]"},"head":{}}"#, "body"), Some(r#"{"a":"}{\"]"}"#));
        assert_eq!(
            m(" {\n \"body\" : {\"l\":[{\"x\":[1,2]},\"}\"]} , \"head\":{\"s\":\"{\"}}\n", "body"),
            Some(r#"{"l":[{"x":[1,2]},"}"]}"#)
        );
        assert_eq!(m(r#"{"head":{"body":{"fake":1}},"body":{"real":2}}"#, "body"), Some(r#"{"real":2}"#));
        assert_eq!(m(r#"{"note":"\"body\":{\"fake\":1}","body":{"real":2}}"#, "body"), Some(r#"{"real":2}"#));
    }

    #[test]
    fn raw_member_rejects_ambiguous_or_broken_documents() {
        for bad in [
            r#"{"body":{"a":1},"body":{"a":2}}"#,
            r#"{"body":"text"}"#,
            r#"{"head":{}}"#,
            r#"{"body":{"a":1}"#,
            r#"{"body":{"a":1]}"#,
            r#"{"body":{"a":1}} trailing"#,
            r#"[{"body":{}}]"#,
            "",
            "{}",
            r#"{"body":{"a":"unterminated}}"#,
            "{\"body\":{\"a\":\"\\",
        ] {
            assert_eq!(raw_object_member(bad, "body"), None, "{bad}");
        }
    }
}
