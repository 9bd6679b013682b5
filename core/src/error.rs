//! Errors: one small public type, [`Error`], whose input variants name the offending field.
//!
//! Errors never contain secret values, and input errors never echo the input (it may be an OTP): they say which
//! field is wrong and why, e.g. `invalid otp: must be 4 to 8 ASCII digits`.

use crate::money::MoneyError;
use crate::random::RandomError;

/// Everything that can go wrong before a request is signed or sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A request input is missing or malformed. Nothing was signed or sent.
    #[error("invalid {field}: {problem}")]
    InvalidInput {
        /// The field, named as on the provider's wire (`tid`, `otp`, `initiator_id`, ...).
        field: &'static str,
        /// What is wrong with it.
        problem: Problem,
    },
    /// The client configuration (base URL, credentials, options) is unusable. Nothing was signed or sent.
    #[error("invalid configuration {field}: {problem}")]
    Configuration {
        /// The configuration field (`base_url`, `developer_key`, ...).
        field: &'static str,
        /// What is wrong with it.
        problem: Problem,
    },
    /// The operation does not exist in the configured API flavour (e.g. pending refunds on Eko's legacy API).
    #[error("unsupported operation: {0}")]
    Unsupported(&'static str),
    /// The random number generator failed.
    #[error(transparent)]
    Random(#[from] RandomError),
}

/// Why a field's value is rejected. The text never contains the value itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// Required but empty or absent.
    #[error("is required")]
    Missing,
    /// Longer than allowed (ids are never truncated).
    #[error("must be at most {max} characters (got {len}); ids are never truncated")]
    TooLong {
        /// The maximum length.
        max: usize,
        /// The given length.
        len: usize,
    },
    /// Does not match the required format.
    #[error("must be {expected}")]
    Format {
        /// A description of the required format.
        expected: &'static str,
    },
    /// An amount that is not an exact, positive amount of money.
    #[error("{0}")]
    Amount(MoneyError),
    /// An amount that must be greater than zero.
    #[error("must be greater than zero")]
    NotPositive,
}

impl Error {
    /// The name of the offending field, for input and configuration errors.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::InvalidInput { field, .. } | Error::Configuration { field, .. } => Some(field),
            _ => None,
        }
    }
}

pub(crate) fn invalid(field: &'static str, problem: Problem) -> Error {
    Error::InvalidInput { field, problem }
}

pub(crate) fn config(field: &'static str, problem: Problem) -> Error {
    Error::Configuration { field, problem }
}

/// Checks that `value` is 1..=`max` characters, each accepted by `allowed`; `expected` describes the format.
pub(crate) fn check_text(
    value: &str,
    max: usize,
    allowed: impl Fn(char) -> bool,
    expected: &'static str,
) -> Result<(), Problem> {
    if value.is_empty() {
        return Err(Problem::Missing);
    }
    let len = value.chars().count();
    if len > max {
        return Err(Problem::TooLong { max, len });
    }
    if !value.chars().all(allowed) {
        return Err(Problem::Format { expected });
    }
    Ok(())
}

/// Checks a header value: non-empty visible ASCII, so it can neither break the header block nor be mangled.
pub(crate) fn check_header_value(value: &str) -> Result<(), Problem> {
    check_text(value, 1024, |c| c.is_ascii_graphic(), "visible ASCII characters without spaces")
}
