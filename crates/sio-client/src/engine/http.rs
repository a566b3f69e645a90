//! The HTTP client of the polling transport: hyper's pooled HTTP/1.1 client (keep-alive, so a session's
//! GETs and POSTs reuse their connections), with TLS through the manager's rustls configuration.

use crate::transport_error::TransportError;
use bytes::Bytes;
use http::{Method, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::sync::Arc;
use url::Url;

/// A pooled HTTP/1.1 client, `http` and `https`. Cheap to clone (and small: the pool is behind an `Arc`).
#[derive(Clone)]
pub(crate) struct HttpClient(Arc<Client<Connector, Full<Bytes>>>);

/// `http` and, with the `tls` feature, `https`.
#[cfg(feature = "tls")]
type Connector = hyper_rustls::HttpsConnector<HttpConnector>;
#[cfg(not(feature = "tls"))]
type Connector = HttpConnector;

impl HttpClient {
    /// A client whose `https` requests use `tls`.
    pub fn new(#[cfg(feature = "tls")] tls: Arc<rustls::ClientConfig>) -> HttpClient {
        #[cfg(feature = "tls")]
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config((*tls).clone())
            .https_or_http()
            .enable_http1()
            .build();
        #[cfg(not(feature = "tls"))]
        let connector = HttpConnector::new();
        HttpClient(Arc::new(
            Client::builder(TokioExecutor::new()).build(connector),
        ))
    }

    /// GETs `url` and reads a body of at most `max` bytes.
    pub async fn get(
        &self,
        url: &Url,
        headers: &[(String, String)],
        max: usize,
    ) -> Result<Bytes, TransportError> {
        let request = request(Method::GET, url, headers, Bytes::new())?;
        self.send(request, "GET", max).await
    }

    /// POSTs a text `body` to `url`; its answer is read and dropped.
    pub async fn post(
        &self,
        url: &Url,
        headers: &[(String, String)],
        body: Bytes,
        max: usize,
    ) -> Result<(), TransportError> {
        let mut request = request(Method::POST, url, headers, body)?;
        request.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain;charset=UTF-8"),
        );
        self.send(request, "POST", max).await.map(drop)
    }

    async fn send(
        &self,
        request: Request<Full<Bytes>>,
        method: &str,
        max: usize,
    ) -> Result<Bytes, TransportError> {
        let url = request.uri().to_string();
        let response = self
            .0
            .request(request)
            .await
            .map_err(|e| TransportError::caused(format!("{method} {url}"), e))?;
        if !response.status().is_success() {
            return Err(format!("{method} failed with status {}", response.status()).into());
        }
        let too_long =
            || TransportError::new(format!("response body over {max} bytes (max_message_size)"));
        let announced = response
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
            .unwrap_or(0);
        if announced > max as u64 {
            return Err(too_long());
        }
        let mut body = response.into_body();
        let mut read = bytes::BytesMut::with_capacity(announced as usize);
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| TransportError::caused(format!("{method} {url}"), e))?;
            if let Ok(chunk) = frame.into_data() {
                if read.len() + chunk.len() > max {
                    return Err(too_long());
                }
                read.extend_from_slice(&chunk);
            }
        }
        Ok(read.freeze())
    }
}

/// A request with the user's extra headers.
fn request(
    method: Method,
    url: &Url,
    headers: &[(String, String)],
    body: Bytes,
) -> Result<Request<Full<Bytes>>, TransportError> {
    let uri: Uri = url
        .as_str()
        .parse()
        .map_err(|e| TransportError::caused(format!("bad url {url}"), e))?;
    let mut builder = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder
        .body(Full::new(body))
        .map_err(|e| TransportError::caused("bad request header", e))
}
