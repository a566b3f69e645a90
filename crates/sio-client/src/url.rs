//! Splitting a Socket.IO URL into the engine address, the namespace and the query, as `io(url)` does.

use crate::error::{Error, UrlError};
use url::Url;

/// A parsed `io()` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedUrl {
    /// `http` or `https` (`ws`/`wss` are mapped to them).
    pub secure: bool,
    /// Host name or address.
    pub host: String,
    /// Port, defaulted from the scheme.
    pub port: u16,
    /// The namespace: the URL path, `/` when empty.
    pub nsp: String,
    /// Query pairs found in the URL.
    pub query: Vec<(String, String)>,
}

impl ParsedUrl {
    pub fn parse(input: &str) -> Result<Self, Error> {
        let with_scheme = if input.contains("://") {
            input.to_owned()
        } else {
            format!("http://{input}")
        };
        let url = Url::parse(&with_scheme).map_err(|e| Error::InvalidUrl(UrlError::Parse(e)))?;
        let secure = match url.scheme() {
            "http" | "ws" => false,
            "https" | "wss" if cfg!(feature = "tls") => true,
            "https" | "wss" => {
                return Err(Error::InvalidUrl(UrlError::TlsNotBuilt(
                    url.scheme().to_owned(),
                )))
            }
            other => {
                return Err(Error::InvalidUrl(UrlError::UnsupportedScheme(
                    other.to_owned(),
                )))
            }
        };
        let host = url
            .host_str()
            .ok_or_else(|| Error::InvalidUrl(UrlError::MissingHost))?
            .to_owned();
        let port = url.port().unwrap_or(if secure { 443 } else { 80 });
        let nsp = match url.path() {
            "" => "/".to_owned(),
            p => p.to_owned(),
        };
        let query = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Ok(ParsedUrl {
            secure,
            host,
            port,
            nsp,
            query,
        })
    }

    /// The key under which managers are shared: scheme, host, port (the path option is added by the caller).
    pub fn origin(&self) -> String {
        let scheme = if self.secure { "https" } else { "http" };
        let host = if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("{scheme}://{host}:{}", self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_namespace_and_query() {
        let u = ParsedUrl::parse("ws://example.com/users?token=abc&x=1").unwrap();
        assert_eq!(u.origin(), "http://example.com:80");
        assert_eq!(u.nsp, "/users");
        assert_eq!(
            u.query,
            vec![("token".into(), "abc".into()), ("x".into(), "1".into())]
        );
        let u = ParsedUrl::parse("localhost:3000").unwrap();
        assert_eq!(u.origin(), "http://localhost:3000");
        assert!(ParsedUrl::parse("ftp://x").is_err());
    }

    #[cfg(feature = "tls")]
    #[test]
    fn secure_schemes_default_to_443() {
        let u = ParsedUrl::parse("https://example.com").unwrap();
        assert_eq!((u.secure, u.port, u.nsp.as_str()), (true, 443, "/"));
    }

    #[cfg(not(feature = "tls"))]
    #[test]
    fn secure_schemes_need_the_tls_feature() {
        for url in ["https://example.com", "wss://example.com/admin"] {
            match ParsedUrl::parse(url) {
                Err(Error::InvalidUrl(UrlError::TlsNotBuilt(scheme))) => {
                    assert!(url.starts_with(&scheme), "{url}: {scheme}")
                }
                other => panic!("{url}: {other:?}"),
            }
        }
    }
}
