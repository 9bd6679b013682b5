//! The provider's clock, measured from its `Date` headers.

use crate::clock::Clock;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;

/// The local clock plus the offset to the provider's clock measured from its answers' `Date` headers.
///
/// As a [`Clock`] it reads local time, corrected by the offset when correction is switched on
/// ([`crate::client::RetryPolicy::correct_clock`]) and an offset has been measured.
pub struct ClockOffset {
    local: Arc<dyn Clock>,
    correct: bool,
    known: AtomicBool,
    offset_ms: AtomicI64,
}

impl ClockOffset {
    /// A clock over `local`, correcting timestamps by the measured offset when `correct` is set.
    pub fn new(local: Arc<dyn Clock>, correct: bool) -> Self {
        ClockOffset { local, correct, known: AtomicBool::new(false), offset_ms: AtomicI64::new(0) }
    }

    /// Records a provider timestamp (Unix ms, from a `Date` header) seen now.
    pub fn observe(&self, provider_time_ms: u64) {
        let local = self.local.now_unix_ms();
        // A `Date` header has 1-second resolution: the provider's clock is somewhere in [date, date + 1 s).
        let offset = provider_time_ms as i64 + 500 - local as i64;
        self.offset_ms.store(offset, Ordering::SeqCst);
        self.known.store(true, Ordering::SeqCst);
    }

    /// The latest measured offset (provider minus local, milliseconds).
    pub fn offset_ms(&self) -> Option<i64> {
        self.known.load(Ordering::SeqCst).then(|| self.offset_ms.load(Ordering::SeqCst))
    }

    /// Local time, uncorrected.
    pub fn local_now_ms(&self) -> u64 {
        self.local.now_unix_ms()
    }
}

impl Clock for ClockOffset {
    fn now_unix_ms(&self) -> u64 {
        let local = self.local.now_unix_ms();
        match (self.correct, self.offset_ms()) {
            // Only correct by more than the header's resolution; below that the local clock is as good.
            (true, Some(offset)) if offset.unsigned_abs() > 2_000 => local.saturating_add_signed(offset),
            _ => local,
        }
    }
}

impl std::fmt::Debug for ClockOffset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClockOffset").field("correct", &self.correct).field("offset_ms", &self.offset_ms()).finish()
    }
}

/// Parses an HTTP date in the preferred IMF-fixdate form (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 §5.6.7) into
/// Unix milliseconds. Obsolete forms are not accepted (`None`).
pub fn parse_http_date(value: &str) -> Option<u64> {
    let v = value.trim();
    let (_, rest) = v.split_once(", ")?;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts.as_slice() else { return None };
    let day: u64 = digits(day, 2)?;
    let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        .iter()
        .position(|m| m == month)? as u64
        + 1;
    let year: u64 = digits(year, 4)?;
    let hms: Vec<&str> = time.split(':').collect();
    let [h, m, s] = hms.as_slice() else { return None };
    let (h, m, s) = (digits(h, 2)?, digits(m, 2)?, digits(s, 2)?);
    if !(1970..=9999).contains(&year) || day == 0 || day > 31 || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(year as i64, month as i64, day as i64);
    let secs = days.checked_mul(86_400)? + (h * 3600 + m * 60 + s) as i64;
    u64::try_from(secs).ok()?.checked_mul(1000)
}

fn digits(text: &str, len: usize) -> Option<u64> {
    (text.len() == len && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok()).flatten()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;

    #[test]
    fn imf_fixdate() {
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777_000));
        assert_eq!(parse_http_date("Tue, 14 Nov 2023 22:13:20 GMT"), Some(1_700_000_000_000));
        assert_eq!(parse_http_date("Thu, 29 Feb 2024 00:00:00 GMT"), Some(1_709_164_800_000));
        for bad in [
            "",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn offset_is_measured_and_applied_only_when_asked() {
        let local = Arc::new(FixedClock(1_700_000_000_000));
        let plain = ClockOffset::new(local.clone(), false);
        assert_eq!(plain.offset_ms(), None);
        plain.observe(1_700_000_600_000);
        assert_eq!(plain.offset_ms(), Some(600_500));
        assert_eq!(plain.now_unix_ms(), 1_700_000_000_000);
        let corrected = ClockOffset::new(local, true);
        corrected.observe(1_699_999_000_000);
        assert_eq!(corrected.now_unix_ms(), 1_700_000_000_000 - 999_500);
        corrected.observe(1_700_000_000_000);
        assert_eq!(corrected.now_unix_ms(), 1_700_000_000_000, "sub-resolution offsets are not applied");
    }
}
