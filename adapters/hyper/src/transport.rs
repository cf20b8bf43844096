//! The builder, the TLS setup and the HTTP transport: hyper's pooled client over rustls.

use crate::{Client, Shared};
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use std::error::Error as StdError;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, broadcast};
use vaultcred_core::{
    Registry, RegistryOptions, RetryPolicy, TransportError, TransportErrorKind,
    registry::DEFAULT_MAX_BODY_BYTES,
};

/// Why a [`Client`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A PEM file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A PEM bundle, certificate chain or key is malformed or empty.
    #[error("invalid PEM in {origin}: {problem}")]
    InvalidPem {
        /// The file it came from, or which in-memory input it was.
        origin: String,
        /// What is wrong (never the key material).
        problem: String,
    },
    /// rustls refused the setup (e.g. the client key does not match its certificate).
    #[error("invalid TLS setup: {0}")]
    Tls(String),
}

/// PEM bytes and where they came from, for error messages.
struct Pem {
    bytes: Vec<u8>,
    origin: String,
}

impl Pem {
    fn error(&self, problem: impl std::fmt::Display) -> BuildError {
        BuildError::InvalidPem {
            origin: self.origin.clone(),
            problem: problem.to_string(),
        }
    }

    fn certs(&self) -> Result<Vec<CertificateDer<'static>>, BuildError> {
        let certs = CertificateDer::pem_slice_iter(&self.bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))?;
        if certs.is_empty() {
            return Err(self.error("no CERTIFICATE block found"));
        }
        Ok(certs)
    }
}

/// Settings of a [`Client`]; see [`Client::builder`].
///
/// ```
/// use std::time::Duration;
/// use vaultcred_hyper::{Client, RetryPolicy};
///
/// let client = Client::builder()
///     .timeout(Duration::from_secs(5))
///     .max_body_bytes(256 * 1024)
///     .retry(RetryPolicy::none())
///     .build()?;
/// # drop(client);
/// # Ok::<(), vaultcred_hyper::BuildError>(())
/// ```
pub struct ClientBuilder {
    timeout: Duration,
    max_body_bytes: usize,
    ca_bundle: Option<Pem>,
    client_cert: Option<(Pem, Pem)>,
    insecure: bool,
    retry: RetryPolicy,
    jitter_seed: Option<u64>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            timeout: Duration::from_secs(30),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            ca_bundle: None,
            client_cert: None,
            insecure: false,
            retry: RetryPolicy::default(),
            jitter_seed: None,
        }
    }
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("timeout", &self.timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("ca_bundle", &self.ca_bundle.as_ref().map(|p| &p.origin))
            .field("client_cert", &self.client_cert.is_some())
            .field("insecure", &self.insecure)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Time allowed for one HTTP call, connection, request and whole response body included
    /// (default 30 s). A call over it fails with reason `timeout` (and is retried per policy).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Largest response body accepted (default 1 MiB); a bigger one is `invalid_response`.
    pub fn max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }

    /// Trusts the certificates of this PEM bundle (the contents of `VAULT_CACERT`) instead of
    /// the webpki roots.
    pub fn ca_bundle_pem(mut self, pem: Vec<u8>) -> Self {
        self.ca_bundle = Some(Pem {
            bytes: pem,
            origin: "the CA bundle (ca_bundle_pem)".into(),
        });
        self
    }

    /// Like [`ClientBuilder::ca_bundle_pem`], reading the bundle from a file now.
    pub fn ca_bundle_file(mut self, path: impl AsRef<Path>) -> Result<Self, BuildError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| BuildError::ReadFile {
            path: path.to_owned(),
            source,
        })?;
        self.ca_bundle = Some(Pem {
            bytes,
            origin: path.display().to_string(),
        });
        Ok(self)
    }

    /// Presents this client certificate (PEM chain, leaf first) and private key (PEM: PKCS#8,
    /// PKCS#1 or SEC1) to servers that ask for one (mTLS).
    pub fn client_cert_pem(mut self, chain_pem: Vec<u8>, key_pem: Vec<u8>) -> Self {
        let chain = Pem {
            bytes: chain_pem,
            origin: "the client certificate chain".into(),
        };
        let key = Pem {
            bytes: key_pem,
            origin: "the client key".into(),
        };
        self.client_cert = Some((chain, key));
        self
    }

    /// **Dangerous.** Accepts any server certificate: anyone on the network path can then
    /// impersonate Vault and collect the tokens and secrets sent to it. For local experiments
    /// only; off by default. Prefer [`ClientBuilder::ca_bundle_pem`] for private CAs.
    pub fn danger_disable_tls_verification(mut self, disable: bool) -> Self {
        self.insecure = disable;
        self
    }

    /// How failed requests are retried, and the deadline of one resolve.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Seed of the backoff jitter (default: random per client).
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.jitter_seed = Some(seed);
        self
    }

    /// Builds the client. Fails on an invalid PEM (naming its file) or TLS setup.
    pub fn build(self) -> Result<Client, BuildError> {
        let tls = self.tls_config()?;
        if self.insecure {
            tracing::warn!(target: "vaultcred", "TLS certificate verification is DISABLED: Vault can be impersonated");
        }
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        // Redirects are never followed: hyper's client does not, and must not here.
        let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .build(https);
        let options = RegistryOptions {
            retry: self.retry.clone(),
            jitter_seed: self.jitter_seed.unwrap_or_else(|| {
                std::collections::hash_map::RandomState::new()
                    .build_hasher()
                    .finish()
            }),
            max_body_bytes: self.max_body_bytes,
        };
        let (events, _) = broadcast::channel(256);
        Ok(Client {
            shared: Arc::new(Shared {
                registry: Mutex::new(Registry::with_options(options)),
                progress: Notify::new(),
                events,
                transport: Transport {
                    http,
                    timeout: self.timeout,
                    max_body_bytes: self.max_body_bytes,
                },
            }),
        })
    }

    fn tls_config(&self) -> Result<rustls::ClientConfig, BuildError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| BuildError::Tls(e.to_string()))?;
        let builder = if self.insecure {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
        } else {
            let mut roots = RootCertStore::empty();
            match &self.ca_bundle {
                None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
                Some(pem) => {
                    for cert in pem.certs()? {
                        roots.add(cert).map_err(|e| pem.error(e))?;
                    }
                }
            }
            builder.with_root_certificates(roots)
        };
        match &self.client_cert {
            None => Ok(builder.with_no_client_auth()),
            Some((chain, key)) => {
                let certs = chain.certs()?;
                let key_der =
                    PrivateKeyDer::from_pem_slice(&key.bytes).map_err(|e| key.error(e))?;
                builder
                    .with_client_auth_cert(certs, key_der)
                    .map_err(|e| BuildError::Tls(format!("client certificate: {e}")))
            }
        }
    }
}

/// Accepts every server certificate (but still checks handshake signatures).
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

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

/// Sends the core's requests: one pooled keep-alive client, a timeout and a body cap per call.
pub(crate) struct Transport {
    http: hyper_util::client::legacy::Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
    max_body_bytes: usize,
}

impl Transport {
    pub(crate) async fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let started = Instant::now();
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let request = request.map(|body| Full::new(Bytes::from(body)));
        let exchange = async {
            let response = self
                .http
                .request(request)
                .await
                .map_err(|e| send_error(&e))?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, self.max_body_bytes)
                .collect()
                .await
                .map_err(|e| body_error(&*e, self.max_body_bytes))?;
            Ok(Response::from_parts(parts, body.to_bytes().to_vec()))
        };
        let result = tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or_else(|_| {
                Err(TransportError::new(
                    TransportErrorKind::TimedOut,
                    format!(
                        "no complete response within {} ms",
                        self.timeout.as_millis()
                    ),
                ))
            });
        let latency_ms = started.elapsed().as_millis();
        match &result {
            Ok(r) => {
                tracing::debug!(target: "vaultcred", %method, path, status = r.status().as_u16(), latency_ms, "vault http exchange")
            }
            Err(e) => {
                tracing::debug!(target: "vaultcred", %method, path, error = %e, latency_ms, "vault http exchange failed")
            }
        }
        result
    }
}

/// The error and its sources, looking inside `io::Error`s (whose `source()` skips the error
/// they wrap, and which hyper-rustls wraps twice around a rustls error).
fn chain<'a>(
    e: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(e), |e| {
        match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => (*e).source(),
        }
    })
}

/// Display of the error and of its sources (none carries request headers).
fn describe(e: &(dyn StdError + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn is_closed(e: &(dyn StdError + 'static)) -> bool {
    use std::io::ErrorKind::*;
    chain(e).any(|e| {
        e.downcast_ref::<hyper::Error>()
            .is_some_and(|h| h.is_incomplete_message() || h.is_closed() || h.is_canceled())
            || e.downcast_ref::<std::io::Error>().is_some_and(|io| {
                matches!(
                    io.kind(),
                    ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
                )
            })
    })
}

fn send_error(e: &hyper_util::client::legacy::Error) -> TransportError {
    let kind = if chain(e).any(|e| e.is::<rustls::Error>()) {
        TransportErrorKind::Tls
    } else if e.is_connect() {
        TransportErrorKind::Refused
    } else if is_closed(e) {
        TransportErrorKind::Closed
    } else {
        TransportErrorKind::Other
    };
    TransportError::new(kind, describe(e))
}

fn body_error(e: &(dyn StdError + Send + Sync + 'static), max: usize) -> TransportError {
    if e.is::<LengthLimitError>() {
        let detail = format!("over the {max}-byte cap, stopped reading");
        return TransportError::new(TransportErrorKind::BodyTooLarge, detail);
    }
    let kind = if chain(e).any(|e| e.is::<rustls::Error>()) {
        TransportErrorKind::Tls
    } else {
        // A body that stops arriving means the connection broke.
        TransportErrorKind::Closed
    };
    TransportError::new(kind, describe(e))
}
