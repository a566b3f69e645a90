//! Session and socket ids: 15 random bytes in URL-safe base64, 20 characters, as engine.io's base64id.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};

/// A fresh 20-character session id (`+` and `/` of base64 written `-` and `_`).
pub(crate) fn generate() -> String {
    let bytes: [u8; 15] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_twenty_url_safe_chars_and_distinct() {
        let a = super::generate();
        let b = super::generate();
        assert_eq!(a.len(), 20);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(a, b);
    }
}
