//! Socket ids: 15 random bytes as 20 URL-safe base64 characters, like the official `base64id`.

use base64::Engine as _;
use rand::RngCore;

/// A new random socket id.
pub(crate) fn generate() -> String {
    let mut bytes = [0u8; 15];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_20_url_safe_characters_and_distinct() {
        let a = super::generate();
        let b = super::generate();
        assert_eq!(a.len(), 20);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(a, b);
    }
}
