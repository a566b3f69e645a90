//! gzip/deflate compression of polling answers (`httpCompression`), negotiated from `Accept-Encoding`.

use bytes::Bytes;
use flate2::write::{GzEncoder, ZlibEncoder};
use flate2::Compression;
use std::io::Write;

/// Options of polling answer compression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpCompression {
    /// Answers shorter than this many bytes go uncompressed (1024).
    pub threshold: usize,
    /// zlib level, 0-9 (6, zlib's default).
    pub level: u32,
}

impl Default for HttpCompression {
    fn default() -> Self {
        HttpCompression {
            threshold: 1024,
            level: 6,
        }
    }
}

/// A content coding engine.io offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Gzip,
    Deflate,
}

impl Encoding {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Encoding::Gzip => "gzip",
            Encoding::Deflate => "deflate",
        }
    }
}

/// The preferred of gzip/deflate in an `Accept-Encoding` value (highest q, gzip on ties), if any.
pub(crate) fn negotiate(accept: &str) -> Option<Encoding> {
    let mut best: Option<(f32, Encoding)> = None;
    let mut wildcard: Option<f32> = None;
    let mut explicit = [None::<f32>; 2];
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|v| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case("gzip") {
            explicit[0] = Some(q);
        } else if name.eq_ignore_ascii_case("deflate") {
            explicit[1] = Some(q);
        } else if name == "*" {
            wildcard = Some(q);
        }
    }
    for (i, enc) in [Encoding::Gzip, Encoding::Deflate].into_iter().enumerate() {
        let q = explicit[i].or(wildcard).unwrap_or(0.0);
        if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, enc));
        }
    }
    best.map(|(_, e)| e)
}

/// `data` compressed with `encoding`.
pub(crate) fn compress(data: &[u8], encoding: Encoding, level: u32) -> std::io::Result<Bytes> {
    let level = Compression::new(level.min(9));
    let out = match encoding {
        Encoding::Gzip => {
            let mut e = GzEncoder::new(Vec::new(), level);
            e.write_all(data)?;
            e.finish()?
        }
        Encoding::Deflate => {
            let mut e = ZlibEncoder::new(Vec::new(), level);
            e.write_all(data)?;
            e.finish()?
        }
    };
    Ok(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_like_accepts() {
        assert_eq!(negotiate("gzip, deflate, br"), Some(Encoding::Gzip));
        assert_eq!(negotiate("deflate"), Some(Encoding::Deflate));
        assert_eq!(negotiate("gzip;q=0.5, deflate"), Some(Encoding::Deflate));
        assert_eq!(negotiate("br"), None);
        assert_eq!(negotiate("gzip;q=0"), None);
        assert_eq!(negotiate("*"), Some(Encoding::Gzip));
        assert_eq!(negotiate("identity"), None);
        assert_eq!(
            negotiate("GZip;q=0.2, Deflate;q=0.9"),
            Some(Encoding::Deflate)
        );
    }
}
