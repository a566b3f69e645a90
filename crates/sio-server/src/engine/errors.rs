//! The official error answers: `{"code":N,"message":...}` with HTTP 400 or 403.

use super::EngineBody;
use http::{header, HeaderValue, Response, StatusCode};

/// An Engine.IO request error, numbered as in engine.io's `Server.errors`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// 0: the `transport` parameter is missing or not enabled.
    #[error("Transport unknown")]
    UnknownTransport,
    /// 1: the `sid` names no session.
    #[error("Session ID unknown")]
    UnknownSid,
    /// 2: a handshake that is not a GET.
    #[error("Bad handshake method")]
    BadHandshakeMethod,
    /// 3: anything else wrong with the request.
    #[error("Bad request")]
    BadRequest,
    /// 4: `allowRequest` refused.
    #[error("Forbidden")]
    Forbidden,
    /// 5: `EIO` is not 4 (nor 3 with [`allow_eio3`](super::EngineConfig::allow_eio3)).
    #[error("Unsupported protocol version")]
    UnsupportedProtocolVersion,
}

impl EngineError {
    /// The numeric code of the JSON answer.
    pub fn code(&self) -> u8 {
        match self {
            EngineError::UnknownTransport => 0,
            EngineError::UnknownSid => 1,
            EngineError::BadHandshakeMethod => 2,
            EngineError::BadRequest => 3,
            EngineError::Forbidden => 4,
            EngineError::UnsupportedProtocolVersion => 5,
        }
    }

    /// The HTTP answer to a plain request: 400 (403 for `Forbidden`) with the JSON error,
    /// `message` replacing the official one when given.
    pub(crate) fn response(&self, message: Option<&str>) -> Response<EngineBody> {
        let status = if *self == EngineError::Forbidden {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::BAD_REQUEST
        };
        let message = message
            .map(str::to_owned)
            .unwrap_or_else(|| self.to_string());
        let body = serde_json::json!({ "code": self.code(), "message": message }).to_string();
        let mut res = Response::new(EngineBody::new(body));
        *res.status_mut() = status;
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        res
    }

    /// The HTTP answer to a refused websocket upgrade: always 400, the message as `text/html`,
    /// `Connection: close` (as engine.io's `abortUpgrade`).
    pub(crate) fn upgrade_response(&self, message: Option<&str>) -> Response<EngineBody> {
        let message = message
            .map(str::to_owned)
            .unwrap_or_else(|| self.to_string());
        let mut res = Response::new(EngineBody::new(message));
        *res.status_mut() = StatusCode::BAD_REQUEST;
        let h = res.headers_mut();
        h.insert(header::CONNECTION, HeaderValue::from_static("close"));
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        res
    }
}

/// A bare status answer with an empty body.
pub(crate) fn status(status: StatusCode) -> Response<EngineBody> {
    let mut res = Response::new(EngineBody::empty());
    *res.status_mut() = status;
    res
}
