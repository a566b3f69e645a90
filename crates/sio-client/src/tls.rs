//! TLS through rustls: the webpki roots by default, custom roots, or verification explicitly turned off.

use crate::error::{Cause, Error};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::{Arc, OnceLock};

/// How server certificates are checked on `https://` and `wss://` URLs.
///
/// ```
/// use sio_client::{Options, TlsOptions};
///
/// # let ca_der: Vec<u8> = Vec::new();
/// let private_ca = Options::default().tls(TlsOptions::CustomRoots(vec![ca_der]));
/// let tests_only = Options::default().tls(TlsOptions::DangerAcceptInvalidCerts);
/// # let _ = (private_ca, tests_only);
/// ```
#[derive(Clone, Default)]
pub enum TlsOptions {
    /// The Mozilla roots shipped with `webpki-roots`.
    #[default]
    WebPkiRoots,
    /// Only the given DER-encoded root certificates are trusted (e.g. a private CA).
    CustomRoots(Vec<Vec<u8>>),
    /// A ready-made rustls configuration.
    Config(Arc<rustls::ClientConfig>),
    /// No verification at all. Only for tests against self-signed certificates: anyone on the path can read
    /// and change the traffic.
    DangerAcceptInvalidCerts,
}

impl std::fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TlsOptions::WebPkiRoots => f.write_str("WebPkiRoots"),
            TlsOptions::CustomRoots(r) => write!(f, "CustomRoots({} certs)", r.len()),
            TlsOptions::Config(_) => f.write_str("Config(..)"),
            TlsOptions::DangerAcceptInvalidCerts => f.write_str("DangerAcceptInvalidCerts"),
        }
    }
}

impl TlsOptions {
    /// The rustls client configuration. The default one (webpki roots) is built once and shared by every
    /// manager of the process: it holds the root store and a session-resumption cache (~24 KB).
    pub fn client_config(&self) -> Result<Arc<rustls::ClientConfig>, Error> {
        static DEFAULT: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
        if let TlsOptions::WebPkiRoots = self {
            if let Some(config) = DEFAULT.get() {
                return Ok(config.clone());
            }
            let config = self.build()?;
            return Ok(DEFAULT.get_or_init(|| config).clone());
        }
        self.build()
    }

    fn build(&self) -> Result<Arc<rustls::ClientConfig>, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Tls(Cause::new(e)))?;
        let config = match self {
            TlsOptions::Config(c) => return Ok(c.clone()),
            TlsOptions::WebPkiRoots => {
                let roots = RootCertStore {
                    roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
                };
                builder.with_root_certificates(roots).with_no_client_auth()
            }
            TlsOptions::CustomRoots(ders) => {
                let mut roots = RootCertStore::empty();
                for der in ders {
                    roots
                        .add(CertificateDer::from(der.clone()))
                        .map_err(|e| Error::Tls(Cause::new(e)))?;
                }
                builder.with_root_certificates(roots).with_no_client_auth()
            }
            TlsOptions::DangerAcceptInvalidCerts => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
                .with_no_client_auth(),
        };
        Ok(Arc::new(config))
    }
}

/// Accepts any certificate; signatures are still checked so the handshake itself stays sound.
#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
