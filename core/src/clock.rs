//! Injected time, so every signature has a known answer in tests.

use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time. Everything that signs takes one, so tests can fix it.
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_unix_ms(&self) -> u64;
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
}
