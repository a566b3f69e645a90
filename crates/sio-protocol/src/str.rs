//! `Str`: an immutable UTF-8 string backed by shared `Bytes`, cheap to clone and to slice.

use bytes::Bytes;
use std::{fmt, ops::Deref};

/// An immutable, reference-counted UTF-8 string. Cloning it is a reference-count increment.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Str(Bytes);

impl Str {
    /// Wraps bytes already known to be UTF-8, or returns them back.
    pub fn from_utf8(bytes: Bytes) -> Result<Self, Bytes> {
        match std::str::from_utf8(&bytes) {
            Ok(_) => Ok(Str(bytes)),
            Err(_) => Err(bytes),
        }
    }

    /// A `Str` of a static string, without allocation.
    pub const fn from_static(s: &'static str) -> Self {
        Str(Bytes::from_static(s.as_bytes()))
    }

    /// The string.
    pub fn as_str(&self) -> &str {
        // The constructors only admit valid UTF-8 and slicing is done on char boundaries.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The length in bytes (without validating the string again, as going through `str` would).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The underlying bytes.
    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }

    /// The underlying bytes, by value.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// The part of the string from byte `start` on; `None` when `start` is not a char boundary.
    pub fn slice_from(&self, start: usize) -> Option<Str> {
        self.is_boundary(start).then(|| Str(self.0.slice(start..)))
    }

    /// [`slice_from`](Self::slice_from) that consumes the string: no reference is taken (slicing
    /// a `Bytes` made from a `Vec` allocates its shared header; advancing it does not).
    pub fn into_slice_from(mut self, start: usize) -> Option<Str> {
        self.is_boundary(start).then(|| {
            bytes::Buf::advance(&mut self.0, start);
            self
        })
    }

    /// Whether byte `start` is a char boundary: the end, or any byte that is not a UTF-8
    /// continuation byte (`10xxxxxx`); checked on the bytes so the string is not validated again.
    fn is_boundary(&self, start: usize) -> bool {
        match self.0.get(start) {
            Some(&b) => (b as i8) >= -0x40,
            None => start == self.0.len(),
        }
    }

    /// The first byte, if any (an ASCII type character on the wire), without validating the string.
    pub(crate) fn first_byte(&self) -> Option<u8> {
        self.0.first().copied()
    }
}

impl Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for Str {
    fn from(s: String) -> Self {
        Str(Bytes::from(s))
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Self {
        Str(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_invalid_utf8_and_slices_on_boundaries() {
        assert!(Str::from_utf8(Bytes::from_static(&[0xff, 0x00])).is_err());
        let s = Str::from("4héllo");
        assert_eq!(s.slice_from(1).unwrap().as_str(), "héllo");
        assert!(s.slice_from(3).is_none());
        assert_eq!(s.slice_from(s.len()).unwrap().as_str(), "");
        assert!(s.slice_from(s.len() + 1).is_none());
        assert_eq!(s.clone().into_slice_from(1).unwrap().as_str(), "héllo");
        assert!(s.clone().into_slice_from(3).is_none());
        assert_eq!(s.clone().into_slice_from(s.len()).unwrap().as_str(), "");
        assert!(s.clone().into_slice_from(s.len() + 1).is_none());
        assert_eq!(s.first_byte(), Some(b'4'));
        assert_eq!(Str::default().first_byte(), None);
    }
}
