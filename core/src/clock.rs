//! Injected time, so every signature has a known answer in tests.

use crate::error::{Error, Problem};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time. Everything that signs takes one, so tests can fix it.
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_unix_ms(&self) -> u64;
}

/// The earliest time refundkit signs with: 2020-01-01T00:00:00Z.
pub const EARLIEST_PLAUSIBLE_MS: u64 = 1_577_836_800_000;
/// The first time refundkit refuses to sign with: 2100-01-01T00:00:00Z.
pub const LATEST_PLAUSIBLE_MS: u64 = 4_102_444_800_000;

/// Reads `clock` for a signature, refusing an implausible time (before 2020 or from 2100 on) with
/// [`Error::Configuration`] on field `clock`: a broken clock or a foreign clock returning garbage is reported before
/// anything is signed, instead of as an authentication error from the provider.
pub fn signing_time(clock: &(impl Clock + ?Sized)) -> Result<u64, Error> {
    let now = clock.now_unix_ms();
    if (EARLIEST_PLAUSIBLE_MS..LATEST_PLAUSIBLE_MS).contains(&now) {
        Ok(now)
    } else {
        Err(Error::Configuration {
            field: "clock",
            problem: Problem::Format { expected: "a time from 2020 to 2099, in Unix milliseconds" },
        })
    }
}

/// The operating system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix_ms(&self) -> u64 {
        // A clock before 1970 is a broken host; report the epoch rather than panic. The provider will answer
        // with an authentication/clock error, which says what is wrong.
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
    }
}

/// A clock stuck at one instant, for tests and known-answer vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub u64);

impl Clock for FixedClock {
    fn now_unix_ms(&self) -> u64 {
        self.0
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now_unix_ms(&self) -> u64 {
        (**self).now_unix_ms()
    }
}

impl<C: Clock + ?Sized> Clock for Box<C> {
    fn now_unix_ms(&self) -> u64 {
        (**self).now_unix_ms()
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now_unix_ms(&self) -> u64 {
        (**self).now_unix_ms()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_is_fixed_and_system_clock_is_recent() {
        assert_eq!(FixedClock(1_700_000_000_000).now_unix_ms(), 1_700_000_000_000);
        // 2023-11-14: any working host is later than this.
        assert!(SystemClock.now_unix_ms() > 1_700_000_000_000);
    }

    #[test]
    fn implausible_times_are_refused_before_signing() {
        assert_eq!(signing_time(&FixedClock(1_700_000_000_000)), Ok(1_700_000_000_000));
        assert_eq!(signing_time(&FixedClock(EARLIEST_PLAUSIBLE_MS)), Ok(EARLIEST_PLAUSIBLE_MS));
        for bad in [0, 1_700_000_000, EARLIEST_PLAUSIBLE_MS - 1, LATEST_PLAUSIBLE_MS, u64::MAX] {
            assert_eq!(signing_time(&FixedClock(bad)).unwrap_err().field(), Some("clock"), "{bad}");
        }
    }
}
