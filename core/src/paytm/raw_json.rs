//! Finds the raw text of a top-level member of a JSON object, without re-serializing anything (spec §4).
//!
//! Paytm signs the `body` member's text exactly as it travels. To verify a response or webhook, refundkit cuts that
//! text out of the received document with a string-aware scanner (braces and brackets inside strings, and escaped
//! quotes, do not count), then verifies and parses exactly those bytes. A document with two top-level members of
//! the same name is ambiguous (parsers disagree on which wins) and yields nothing.

/// The raw text of the top-level member `name` of the JSON object `text` when its value is an object, e.g. the
/// `{...}` of `"body"`. `None` when `text` is not a well-formed object at the top level, the member is absent, is
/// not an object, or occurs more than once.
pub(crate) fn raw_object_member<'a>(text: &'a str, name: &str) -> Option<&'a str> {
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
        let key = &text[i + 1..key_end - 1];
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
            if b[value_start] == b'{' {
                found = Some(&text[value_start..value_end]);
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
    use super::raw_object_member as m;

    #[test]
    fn finds_the_raw_body_in_either_order_and_keeps_its_bytes() {
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
    fn rejects_ambiguous_or_broken_documents() {
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
        ] {
            assert_eq!(m(bad, "body"), None, "{bad}");
        }
    }
}
