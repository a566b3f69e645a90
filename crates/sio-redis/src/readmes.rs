//! The Rust snippets of the repository's README and of the READMEs of this crate and sio-server, compiled
//! as doc tests (this crate's dependencies and dev-dependencies hold every crate they use).

/// The repository's README.
#[doc = include_str!("../../../README.md")]
pub struct RepositoryReadme;

/// sio-redis's README.
#[doc = include_str!("../README.md")]
pub struct RedisReadme;

/// sio-server's README.
#[doc = include_str!("../../sio-server/README.md")]
pub struct ServerReadme;
