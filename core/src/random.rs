//! Injected randomness, so every signature that needs a nonce or salt still has a known answer in tests.

/// A source of random bytes. Production code uses [`OsRandom`]; tests use [`FixedRandom`].
pub trait RandomSource: Send + Sync {
    /// Fills `dest` with random bytes.
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError>;
}

/// The operating system's CSPRNG failed (it practically never does; refundkit reports it rather than sign with
/// predictable bytes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the operating system's random number generator failed: {0}")]
pub struct RandomError(pub String);

/// The operating system's cryptographically secure random number generator.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        getrandom::fill(dest).map_err(|e| RandomError(e.to_string()))
    }
}

impl<R: RandomSource + ?Sized> RandomSource for std::sync::Arc<R> {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        (**self).fill(dest)
    }
}

/// Repeats a fixed byte pattern: for tests and known-answer vectors only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedRandom(pub Vec<u8>);

impl RandomSource for FixedRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        if self.0.is_empty() {
            return Err(RandomError("FixedRandom has no bytes".into()));
        }
        for (d, s) in dest.iter_mut().zip(self.0.iter().cycle()) {
            *d = *s;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_random_repeats_and_os_random_varies() {
        let mut buf = [0u8; 5];
        FixedRandom(vec![1, 2]).fill(&mut buf).unwrap();
        assert_eq!(buf, [1, 2, 1, 2, 1]);
        assert!(FixedRandom(vec![]).fill(&mut buf).is_err());
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        OsRandom.fill(&mut a).unwrap();
        OsRandom.fill(&mut b).unwrap();
        assert_ne!(a, b);
    }
}
