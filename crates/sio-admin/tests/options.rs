//! `instrument`'s checks of its options, before anything is served.

use sio_admin::{instrument, AdminError, AdminOptions, Auth};
use sio_server::{Server, ServerConfig};

#[tokio::test]
async fn a_password_that_is_not_a_bcrypt_hash_is_refused() {
    let io = Server::new(ServerConfig::default());
    for hash in ["changeit", "", "$2b$10$tooshort"] {
        let options = AdminOptions::new(Auth::Basic {
            username: "admin".into(),
            password_hash: hash.into(),
        });
        assert_eq!(
            instrument(&io, options).unwrap_err(),
            AdminError::InvalidPasswordHash,
            "{hash:?}"
        );
    }
}

#[test]
fn the_documented_hash_is_the_documented_password() {
    let hash = "$2b$10$heqvAkYMez.Va6Et2uXInOnkCT6/uQj1brkrbyG3LpopDklcq7ZOS";
    assert!(bcrypt::verify("changeit", hash).unwrap());
}

#[test]
fn instrument_needs_a_runtime() {
    let io = Server::new(ServerConfig::default());
    let options = AdminOptions::new(Auth::Disabled);
    assert_eq!(instrument(&io, options).unwrap_err(), AdminError::NoRuntime);
}
