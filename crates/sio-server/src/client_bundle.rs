//! The client bundle (`serveClient`): `<path>/socket.io.js`, `.min.js`, `.esm.min.js`, `.msgpack.min.js` and
//! their source maps, as the official server serves them.
//!
//! sio ships only its own code, so the files come from an installed npm `socket.io-client` (its `dist/`
//! directory, [`ServerConfig::client_dir`](crate::ServerConfig::client_dir)), read on first request and kept.
//! Answers follow socket.io 4.8: any method, `Cache-Control: public, max-age=0`, `Content-Type:
//! application/javascript; charset=utf-8` (`application/json` for the maps), an `ETag` that is the quoted
//! package version, `304` with no other header when `If-None-Match` is that tag (or its weak form), and gzip or
//! deflate as `Accept-Encoding` asks (chosen as npm `accepts` chooses; brotli is not offered). When the files
//! are missing the answer is a 404 saying so, and the log names the directory looked in.

use crate::engine::EngineBody;
use bytes::Bytes;
use flate2::write::{GzEncoder, ZlibEncoder};
use flate2::Compression;
use http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The files the official server serves under its path (`CLIENT_FILES`).
const FILES: [&str; 8] = [
    "socket.io.esm.min.js",
    "socket.io.esm.min.js.map",
    "socket.io.js",
    "socket.io.js.map",
    "socket.io.min.js",
    "socket.io.min.js.map",
    "socket.io.msgpack.min.js",
    "socket.io.msgpack.min.js.map",
];

/// Where `scripts/run` (and `scripts/test`) install the pinned `socket.io-client`: `tests/js/node_modules`.
pub(crate) fn default_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/js/node_modules/socket.io-client/dist"
    ))
}

/// A content coding of the bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Coding {
    Identity,
    Gzip,
    Deflate,
}

/// One file as served: its body in one coding, and its entity tag.
#[derive(Clone)]
struct Entry {
    body: Bytes,
    etag: HeaderValue,
}

/// Serves the bundle under one path.
pub(crate) struct ClientBundle {
    /// The path with a trailing `/` (`/socket.io/`).
    prefix: String,
    dir: PathBuf,
    /// Every (file, coding) served so far; missing files are looked for again on the next request.
    cache: Mutex<HashMap<(&'static str, Coding), Entry>>,
}

impl ClientBundle {
    /// A bundle served under `path` from `dir`; logs once what will be served, or that nothing can be.
    pub(crate) fn new(path: &str, dir: PathBuf) -> ClientBundle {
        let prefix = format!("{}/", path.trim_end_matches('/'));
        match std::fs::metadata(dir.join("socket.io.min.js")) {
            Ok(_) => tracing::info!(
                version = version(&dir).as_deref().unwrap_or("unknown"),
                "serving the Socket.IO client bundle at {prefix}socket.io.min.js (and {prefix}socket.io.js, \
                 .esm.min.js, .msgpack.min.js, their .map) from {}",
                shown(&dir)
            ),
            Err(e) => tracing::warn!(
                "the Socket.IO client bundle is missing ({}: {e}): {prefix}socket.io.js answers 404; install \
                 npm socket.io-client (in this repository, scripts/run does it with npm ci in tests/js) or set \
                 ServerConfig::client_dir to its dist/ directory",
                shown(&dir)
            ),
        }
        ClientBundle {
            prefix,
            dir,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The answer to a request for `path`, if it names a file of the bundle.
    pub(crate) fn serve(&self, path: &str, headers: &HeaderMap) -> Option<Response<EngineBody>> {
        let name = path.strip_prefix(&self.prefix)?;
        let file = *FILES.iter().find(|f| **f == name)?;
        let coding = negotiate(headers.get(header::ACCEPT_ENCODING));
        let entry = match self.entry(file, coding) {
            Ok(entry) => entry,
            Err(e) => {
                tracing::warn!("cannot serve {path}: {}: {e}", shown(&self.dir.join(file)));
                return Some(missing(file));
            }
        };
        let tag = entry.etag.as_bytes();
        if let Some(asked) = headers.get(header::IF_NONE_MATCH) {
            let asked = asked.as_bytes();
            if asked == tag || asked.strip_prefix(b"W/") == Some(tag) {
                tracing::debug!(file, "client bundle: 304");
                let mut res = Response::new(EngineBody::empty());
                *res.status_mut() = StatusCode::NOT_MODIFIED;
                return Some(res);
            }
        }
        let mut res = Response::new(EngineBody::new(entry.body));
        let h = res.headers_mut();
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=0"),
        );
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(if file.ends_with(".map") {
                "application/json; charset=utf-8"
            } else {
                "application/javascript; charset=utf-8"
            }),
        );
        h.insert(header::ETAG, entry.etag);
        match coding {
            Coding::Identity => {}
            Coding::Gzip => {
                h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            Coding::Deflate => {
                h.insert(
                    header::CONTENT_ENCODING,
                    HeaderValue::from_static("deflate"),
                );
            }
        }
        Some(res)
    }

    /// `file` in `coding`, read (and compressed) on first use.
    fn entry(&self, file: &'static str, coding: Coding) -> std::io::Result<Entry> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = cache.get(&(file, coding)) {
            return Ok(entry.clone());
        }
        let plain = match cache.get(&(file, Coding::Identity)) {
            Some(entry) => entry.clone(),
            None => {
                let body = Bytes::from(std::fs::read(self.dir.join(file))?);
                // The official tag is the package version; a directory without its package.json gets
                // a tag from the contents.
                let tag = version(&self.dir).unwrap_or_else(|| {
                    use std::hash::{Hash, Hasher};
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    body.hash(&mut h);
                    format!("{:016x}", h.finish())
                });
                let etag = HeaderValue::from_str(&format!("\"{tag}\""))
                    .unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
                let entry = Entry { body, etag };
                cache.insert((file, Coding::Identity), entry.clone());
                entry
            }
        };
        let body = match coding {
            Coding::Identity => return Ok(plain),
            Coding::Gzip => {
                let mut enc = GzEncoder::new(Vec::new(), Compression::default());
                enc.write_all(&plain.body)?;
                enc.finish()?
            }
            Coding::Deflate => {
                let mut enc = ZlibEncoder::new(Vec::new(), Compression::default());
                enc.write_all(&plain.body)?;
                enc.finish()?
            }
        };
        let entry = Entry {
            body: body.into(),
            etag: plain.etag,
        };
        cache.insert((file, coding), entry.clone());
        Ok(entry)
    }
}

/// The 404 for a file that is not installed: what is wrong and how to fix it (the log has the directory).
fn missing(file: &str) -> Response<EngineBody> {
    let body = format!(
        "{file}: the Socket.IO client bundle is not installed on this server (its log names the directory \
         looked in). Install npm socket.io-client (in the sio repository, scripts/run does it with npm ci in \
         tests/js), or set ServerConfig::client_dir to its dist/ directory.\n"
    );
    let mut res = Response::new(EngineBody::new(body));
    *res.status_mut() = StatusCode::NOT_FOUND;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

/// The `version` of the package `dir` belongs to (`dir/../package.json`).
fn version(dir: &Path) -> Option<String> {
    let json = std::fs::read(dir.parent()?.join("package.json")).ok()?;
    let json: serde_json::Value = serde_json::from_slice(&json).ok()?;
    json.get("version")?.as_str().map(str::to_owned)
}

fn shown(path: &Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_owned())
        .display()
        .to_string()
}

/// The coding npm `accepts` (negotiator 0.6) picks among `br`, `gzip` and `deflate` for `Accept-Encoding`:
/// highest q, then an exact name before `*`, then the earliest in the header, then that order. sio has no
/// brotli, so where the official server would choose `br` this takes the next choice.
fn negotiate(accept: Option<&HeaderValue>) -> Coding {
    let Some(accept) = accept.and_then(|v| v.to_str().ok()) else {
        return Coding::Identity;
    };
    // (name, q, position in the header)
    let specs: Vec<(&str, f32, usize)> = accept
        .split(',')
        .enumerate()
        .filter_map(|(i, item)| {
            let mut parts = item.trim().split(';');
            let name = parts.next()?.trim();
            if name.is_empty() || name.contains(char::is_whitespace) {
                return None;
            }
            let q = parts
                .find_map(|p| {
                    let (k, v) = p.trim().split_once('=')?;
                    (k == "q").then(|| v.trim().parse::<f32>().unwrap_or(f32::NAN))
                })
                .unwrap_or(1.0);
            Some((name, q, i))
        })
        .collect();
    // (q, exact, position, index) of each coding sio offers, after br at index 0.
    let mut ranked: Vec<(f32, bool, usize, usize, Coding)> =
        [(1, Coding::Gzip), (2, Coding::Deflate)]
            .into_iter()
            .filter_map(|(index, coding)| {
                let name = match coding {
                    Coding::Gzip => "gzip",
                    _ => "deflate",
                };
                let mut best: Option<(f32, bool, usize)> = None;
                for &(spec, q, pos) in &specs {
                    let exact = spec.eq_ignore_ascii_case(name);
                    if !exact && spec != "*" {
                        continue;
                    }
                    // negotiator keeps the most specific, then highest q, then latest match
                    if best.is_none_or(|(bq, bexact, bpos)| (exact, q, pos) > (bexact, bq, bpos)) {
                        best = Some((q, exact, pos));
                    }
                }
                let (q, exact, pos) = best?;
                (q > 0.0).then_some((q, exact, pos, index, coding))
            })
            .collect();
    ranked.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(b.1.cmp(&a.1))
            .then(a.2.cmp(&b.2))
            .then(a.3.cmp(&b.3))
    });
    ranked.first().map_or(Coding::Identity, |r| r.4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(accept: &str) -> Coding {
        negotiate(Some(&HeaderValue::from_str(accept).unwrap()))
    }

    #[test]
    fn codings_are_chosen_as_npm_accepts_chooses() {
        assert_eq!(negotiate(None), Coding::Identity);
        assert_eq!(pick(""), Coding::Identity);
        assert_eq!(pick("identity"), Coding::Identity);
        assert_eq!(pick("gzip, deflate, br, zstd"), Coding::Gzip);
        assert_eq!(pick("deflate, gzip"), Coding::Deflate);
        assert_eq!(pick("gzip;q=0.5, deflate"), Coding::Deflate);
        assert_eq!(pick("gzip;q=0, *"), Coding::Deflate);
        assert_eq!(pick("*"), Coding::Gzip);
        assert_eq!(pick("br"), Coding::Identity);
        assert_eq!(pick("br, deflate;q=0.1"), Coding::Deflate);
        assert_eq!(pick("gzip;q=nope"), Coding::Identity);
    }

    #[test]
    fn only_the_official_file_names_are_served() {
        let bundle = ClientBundle::new("/socket.io", PathBuf::from("/nonexistent"));
        let h = HeaderMap::new();
        assert!(bundle.serve("/socket.io/", &h).is_none());
        assert!(bundle.serve("/socket.io/socket.io.js.gz", &h).is_none());
        assert!(bundle.serve("/socket.io/../socket.io.js", &h).is_none());
        assert!(bundle.serve("/other/socket.io.js", &h).is_none());
        let res = bundle.serve("/socket.io/socket.io.js", &h).unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
}
