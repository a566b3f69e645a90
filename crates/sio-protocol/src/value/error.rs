//! Why a conversion between a serde type and a [`Value`](super::Value) failed.

use std::fmt::Display;

/// Why a serde type could not become a [`Value`](super::Value), or a value could not become the requested type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A map key that is not a string, a number, a boolean or a char.
    #[error("object keys must be strings")]
    KeyMustBeString,
    /// An integer outside the range a `Value` number can hold (128-bit integers beyond 64 bits).
    #[error("number out of range")]
    NumberOutOfRange,
    /// The value has another kind than the target type expects.
    #[error("invalid type: {found}, expected {expected}")]
    InvalidType {
        /// What the value holds.
        found: String,
        /// What the target type expects.
        expected: String,
    },
    /// An array or object of the wrong length.
    #[error("invalid length {len}, expected {expected}")]
    InvalidLength {
        /// The length found.
        len: usize,
        /// What the target type expects.
        expected: String,
    },
    /// A struct field that the value does not have.
    #[error("missing field `{0}`")]
    MissingField(&'static str),
    /// An enum variant name the target type does not know.
    #[error("unknown variant `{0}`")]
    UnknownVariant(String),
    /// Any other message raised by a `Serialize` or `Deserialize` implementation.
    #[error("{0}")]
    Custom(String),
}

impl serde::ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error::Custom(msg.to_string())
    }
}

impl serde::de::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error::Custom(msg.to_string())
    }

    fn invalid_type(unexp: serde::de::Unexpected<'_>, exp: &dyn serde::de::Expected) -> Self {
        Error::InvalidType {
            found: unexp.to_string(),
            expected: exp.to_string(),
        }
    }

    fn invalid_length(len: usize, exp: &dyn serde::de::Expected) -> Self {
        Error::InvalidLength {
            len,
            expected: exp.to_string(),
        }
    }

    fn missing_field(field: &'static str) -> Self {
        Error::MissingField(field)
    }

    fn unknown_variant(variant: &str, _expected: &'static [&'static str]) -> Self {
        Error::UnknownVariant(variant.to_string())
    }
}
