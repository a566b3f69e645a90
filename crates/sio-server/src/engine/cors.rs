//! CORS headers and preflight answers, as the npm `cors` middleware engine.io uses.

use http::header::{self, HeaderMap, HeaderValue};

/// The request headers CORS answers depend on, copied from a request before it is consumed (a
/// clone would share the connection's read buffer, and a GET keeps these while it waits).
#[derive(Debug, Clone, Default)]
pub(crate) struct CorsRequest {
    origin: Option<HeaderValue>,
    request_headers: Option<HeaderValue>,
}

impl CorsRequest {
    pub(crate) fn of(headers: &HeaderMap) -> Self {
        let copy = |name| {
            let value: &HeaderValue = headers.get(name)?;
            HeaderValue::from_bytes(value.as_bytes()).ok()
        };
        CorsRequest {
            origin: copy(header::ORIGIN),
            request_headers: copy(header::ACCESS_CONTROL_REQUEST_HEADERS),
        }
    }
}

/// Which origins CORS allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigin {
    /// Any origin: `Access-Control-Allow-Origin: *`.
    Any,
    /// Echo the request's `Origin` (the `origin: true` option).
    Mirror,
    /// Only these origins (echoed when they match).
    List(Vec<String>),
}

/// CORS options (`cors`), with the npm `cors` defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsConfig {
    /// Allowed origins (`*`).
    pub origin: CorsOrigin,
    /// `Access-Control-Allow-Credentials: true` (false).
    pub credentials: bool,
    /// Methods announced to preflights (`GET,HEAD,PUT,PATCH,POST,DELETE`).
    pub methods: Vec<String>,
    /// Headers announced to preflights (none: echo `Access-Control-Request-Headers`).
    pub allowed_headers: Option<Vec<String>>,
    /// `Access-Control-Expose-Headers` (none).
    pub exposed_headers: Vec<String>,
    /// `Access-Control-Max-Age` in seconds (none).
    pub max_age: Option<u64>,
}

impl Default for CorsConfig {
    fn default() -> Self {
        CorsConfig {
            origin: CorsOrigin::Any,
            credentials: false,
            methods: ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"]
                .map(String::from)
                .to_vec(),
            allowed_headers: None,
            exposed_headers: Vec::new(),
            max_age: None,
        }
    }
}

impl CorsConfig {
    /// CORS that echoes any request origin and allows credentials (`{ origin: true, credentials: true }`).
    pub fn mirror_with_credentials() -> Self {
        CorsConfig {
            origin: CorsOrigin::Mirror,
            credentials: true,
            ..CorsConfig::default()
        }
    }

    /// Adds the headers of an actual (non-preflight) request's answer.
    pub(crate) fn apply(&self, request: &CorsRequest, out: &mut HeaderMap) {
        self.apply_origin(request, out);
        if self.credentials {
            out.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        if !self.exposed_headers.is_empty() {
            if let Ok(v) = HeaderValue::from_str(&self.exposed_headers.join(",")) {
                out.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, v);
            }
        }
    }

    /// Adds the headers of a preflight (`OPTIONS`) answer.
    pub(crate) fn apply_preflight(&self, request: &CorsRequest, out: &mut HeaderMap) {
        self.apply(request, out);
        if let Ok(v) = HeaderValue::from_str(&self.methods.join(",")) {
            out.insert(header::ACCESS_CONTROL_ALLOW_METHODS, v);
        }
        match &self.allowed_headers {
            Some(list) => {
                if let Ok(v) = HeaderValue::from_str(&list.join(",")) {
                    out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, v);
                }
            }
            None => {
                if let Some(v) = &request.request_headers {
                    out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, v.clone());
                    out.append(
                        header::VARY,
                        HeaderValue::from_static("Access-Control-Request-Headers"),
                    );
                }
            }
        }
        if let Some(age) = self.max_age {
            out.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from(age));
        }
    }

    fn apply_origin(&self, request: &CorsRequest, out: &mut HeaderMap) {
        let origin = request.origin.as_ref();
        match &self.origin {
            CorsOrigin::Any => {
                out.insert(
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    HeaderValue::from_static("*"),
                );
            }
            CorsOrigin::Mirror => {
                if let Some(o) = origin {
                    out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o.clone());
                }
                out.append(header::VARY, HeaderValue::from_static("Origin"));
            }
            CorsOrigin::List(list) => {
                if let Some(o) = origin {
                    let allowed = o
                        .to_str()
                        .map(|o| list.iter().any(|l| l == o))
                        .unwrap_or(false);
                    if allowed {
                        out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o.clone());
                    }
                }
                out.append(header::VARY, HeaderValue::from_static("Origin"));
            }
        }
    }
}
