//! The dashboard's static files (`ui/dist` of the npm package `@socket.io/admin-ui`), served under a path
//! prefix. sio ships only its own code, so the files come from an installed npm package.

use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};
use http_body_util::Full;
use std::path::{Component, Path, PathBuf};

/// Serves the dashboard's files from a directory (`node_modules/@socket.io/admin-ui/ui/dist`).
#[derive(Debug, Clone)]
pub struct AdminUi {
    dir: PathBuf,
    /// The prefix with a trailing `/` (`/admin-ui/`), or `/`.
    prefix: String,
}

impl AdminUi {
    /// Serves the files of `dir` under `prefix` (`/` for the root).
    pub fn new(dir: impl Into<PathBuf>, prefix: &str) -> Self {
        let prefix = format!("/{}/", prefix.trim_matches('/')).replace("//", "/");
        AdminUi {
            dir: dir.into(),
            prefix,
        }
    }

    /// Serves the dashboard of the `@socket.io/admin-ui` package installed in a `node_modules` directory
    /// (`npm install @socket.io/admin-ui`) under `prefix`.
    pub fn from_node_modules(node_modules: impl AsRef<Path>, prefix: &str) -> Self {
        Self::new(
            node_modules.as_ref().join("@socket.io/admin-ui/ui/dist"),
            prefix,
        )
    }

    /// The directory the files come from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The answer to a GET of `path` (with its query, if any), or `None` when the path is not under the prefix.
    /// The prefix itself (with or without its trailing `/`) is `index.html`; a missing file is a 404, a path
    /// that climbs out of the directory a 400.
    pub async fn serve(&self, path: &str) -> Option<Response<Full<Bytes>>> {
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let relative = if path == self.prefix.trim_end_matches('/') {
            ""
        } else {
            path.strip_prefix(&self.prefix)?
        };
        if path == self.prefix.trim_end_matches('/') && self.prefix != "/" {
            // `index.html` refers to its files relatively: the page must be read under the prefix.
            return Some(answer(
                StatusCode::MOVED_PERMANENTLY,
                Some(("location", self.prefix.clone())),
                Bytes::new(),
            ));
        }
        let relative = if relative.is_empty() {
            "index.html"
        } else {
            relative
        };
        let relative = Path::new(relative);
        if relative
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Some(answer(StatusCode::BAD_REQUEST, None, Bytes::new()));
        }
        let file = self.dir.join(relative);
        match tokio::fs::read(&file).await {
            Ok(body) => Some(answer(
                StatusCode::OK,
                Some(("content-type", content_type(&file).to_owned())),
                Bytes::from(body),
            )),
            Err(error) => {
                tracing::debug!(file = %file.display(), %error, "admin ui file not served");
                Some(answer(
                    StatusCode::NOT_FOUND,
                    None,
                    Bytes::from_static(b"Not Found"),
                ))
            }
        }
    }
}

fn answer(
    status: StatusCode,
    header: Option<(&str, String)>,
    body: Bytes,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    if let Some((name, value)) = header {
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::try_from(name),
            HeaderValue::try_from(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "application/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("map") | Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}
