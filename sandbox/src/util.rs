//! Small helpers: the deterministic PRNG, time formatting, percent-decoding and raw JSON slicing.

/// One step of splitmix64 (Steele, Lea, Flood 2014): a tiny, well-mixed deterministic generator. Every "random"
/// choice of the sandbox (fault draws, OTPs, ids) is a splitmix64 output of a value derived from the seed, so a run
/// is reproducible from its seed.
pub(crate) fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a over `text`: a stable hash for mixing names (routes, ids) into seeds.
pub(crate) fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// A deterministic value for (`seed`, `label`, `n`).
pub(crate) fn derive(seed: u64, label: &str, n: u64) -> u64 {
    splitmix64(splitmix64(seed ^ fnv1a(label)) ^ splitmix64(n.wrapping_add(0x5151)))
}

/// `n` deterministic characters from `alphabet`.
pub(crate) fn derive_chars(seed: u64, label: &str, n: u64, len: usize, alphabet: &[u8]) -> String {
    (0..len)
        .map(|i| {
            let v = derive(seed, label, n.wrapping_mul(1_000_003).wrapping_add(i as u64));
            alphabet[(v % alphabet.len() as u64) as usize] as char
        })
        .collect()
}

/// Uppercase letters and digits.
pub(crate) const ALNUM_UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// Letters and digits.
pub(crate) const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u64,
    minute: u64,
    second: u64,
    millis: u64,
    weekday: usize,
}

fn civil(ms: u64) -> Civil {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    Civil {
        year,
        month,
        day,
        hour: rem / 3600,
        minute: rem / 60 % 60,
        second: rem % 60,
        millis: ms % 1000,
        // 1970-01-01 was a Thursday.
        weekday: ((days + 4).rem_euclid(7)) as usize,
    }
}

/// The IMF-fixdate of RFC 9110 §5.6.7, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
pub(crate) fn imf_fixdate(ms: u64) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let c = civil(ms);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[c.weekday],
        c.day,
        MONTHS[(c.month - 1) as usize],
        c.year,
        c.hour,
        c.minute,
        c.second
    )
}

/// India Standard Time (UTC+05:30) as `YYYY-MM-DDTHH:MM:SS+05:30` (UPI) .
pub(crate) fn ist_iso(ms: u64) -> String {
    let c = civil(ms + 19_800_000);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+05:30", c.year, c.month, c.day, c.hour, c.minute, c.second)
}

/// IST as Paytm writes it: `yyyy-MM-dd HH:mm:ss.S`.
pub(crate) fn ist_paytm(ms: u64) -> String {
    let c = civil(ms + 19_800_000);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{}",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second,
        c.millis / 100
    )
}

/// UTC as Eko writes it: `2018-10-30T12:00:14.058Z`.
pub(crate) fn utc_iso_millis(ms: u64) -> String {
    let c = civil(ms);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", c.year, c.month, c.day, c.hour, c.minute, c.second, c.millis)
}

/// Percent-decodes a URL component (`+` is a space in query strings when `plus_is_space`). Invalid escapes stay as
/// they are.
pub(crate) fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses `a=1&b=2` into decoded pairs.
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// Paise as rupees with two decimals.
pub(crate) fn rupees(paise: i64) -> String {
    refundkit::Money::from_paise(paise).to_rupees_string()
}

/// The raw text of the top-level member `name` of the JSON object `text` (the exact bytes Paytm's server verifies a
/// checksum over): refundkit's own scanner, so the sandbox and the client agree byte for byte.
pub(crate) use refundkit::crypto::json::raw_object_member;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_formatted_like_http_and_the_providers() {
        assert_eq!(imf_fixdate(784_111_777_000), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(imf_fixdate(1_700_000_000_000), "Tue, 14 Nov 2023 22:13:20 GMT");
        assert_eq!(ist_iso(1_700_000_000_000), "2023-11-15T03:43:20+05:30");
        assert_eq!(ist_paytm(1_700_000_000_123), "2023-11-15 03:43:20.1");
        assert_eq!(utc_iso_millis(1_700_000_000_058), "2023-11-14T22:13:20.058Z");
    }

    #[test]
    fn query_and_percent_decoding() {
        assert_eq!(percent_decode("client_ref_id%3AAB", false), "client_ref_id:AB");
        assert_eq!(percent_decode("a%2", false), "a%2");
        assert_eq!(parse_query("a=1&b=x%2By+z"), vec![("a".into(), "1".into()), ("b".into(), "x+y z".into())]);
    }

    #[test]
    fn raw_body_member() {
        assert_eq!(raw_object_member(r#"{"body":{"a": 1},"head":{}}"#, "body"), Some(r#"{"a": 1}"#));
        assert_eq!(raw_object_member(r#"{"body":{"a":1},"body":{"a":2}}"#, "body"), None);
    }

    #[test]
    fn splitmix_is_deterministic() {
        assert_eq!(splitmix64(0), splitmix64(0));
        assert_ne!(derive(1, "x", 0), derive(2, "x", 0));
        assert_eq!(derive_chars(7, "id", 3, 10, ALNUM).len(), 10);
    }
}
