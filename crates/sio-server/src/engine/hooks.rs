//! The response-header hooks (engine.io's `initial_headers` and `headers` events): user code adds
//! headers (cookies, a sticky-session cookie, tracing ids) to the engine's answers.

use super::EngineConfig;
use http::HeaderMap;
use std::sync::Arc;

/// A hook over the headers of an answer and the request it answers (`initial_headers` or `headers`).
///
/// It may add, change or remove headers; several `Set-Cookie` values are added with
/// [`HeaderMap::append`]. It runs on the request's task and must not block.
pub type HeadersHook = Arc<dyn Fn(&mut HeaderMap, &http::request::Parts) + Send + Sync>;

/// Which answer the hooks see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// The handshake's answer (the open packet over polling, the `101` of a websocket-first session):
    /// `initial_headers` then `headers`.
    Handshake,
    /// Any later answer carrying the session (a poll, a POST's `ok`, an upgrade's `101`): `headers`.
    Session,
}

impl EngineConfig {
    /// Whether a `headers` hook wants the requests of later answers (polls, POSTs, upgrades) kept.
    pub(crate) fn hooks_every_answer(&self) -> bool {
        self.headers.is_some()
    }

    /// Runs the hooks for `answer` over `headers`, answering `request`.
    pub(crate) fn run_header_hooks(
        &self,
        answer: Answer,
        headers: &mut HeaderMap,
        request: &http::request::Parts,
    ) {
        if answer == Answer::Handshake {
            if let Some(hook) = &self.initial_headers {
                hook(headers, request);
            }
        }
        if let Some(hook) = &self.headers {
            hook(headers, request);
        }
    }
}
