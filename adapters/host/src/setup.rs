//! [`Setup`]: the checked settings an adapter builds its transport from, and the rustls
//! configuration both adapters' TLS stacks derive from them.

use crate::AddressPolicy;
use crate::error::{BuildError, Origin, Setting};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::Arc;
use std::time::Duration;
use vaultcred_core::{RegistryOptions, RetryPolicy};

/// Everything an adapter needs to build its client, checked: TLS material parsed, the client
/// key matched to its certificate, the server name valid.
#[derive(Debug)]
#[non_exhaustive]
pub struct Setup {
    /// Time allowed for one HTTP call.
    pub timeout: Duration,
    /// Largest response body read.
    pub max_body_bytes: usize,
    /// How failed requests are retried.
    pub retry: RetryPolicy,
    /// Seed of the backoff jitter (the given one, or [`default_seed`](crate::default_seed)).
    pub jitter_seed: u64,
    /// JWT paths org configs may name besides the default one.
    pub allowed_jwt_paths: Vec<String>,
    /// The HTTP(S) proxy to use, if the user chose one (never from the environment).
    pub proxy: Option<String>,
    /// Which IP addresses the client may connect to (default: every one).
    pub address_policy: AddressPolicy,
    /// The TLS settings.
    pub tls: Tls,
}

impl Setup {
    /// The core registry's options: retry policy, jitter seed and body cap.
    pub fn registry_options(&self) -> RegistryOptions {
        let mut options = RegistryOptions {
            retry: self.retry.clone(),
            jitter_seed: self.jitter_seed,
            max_body_bytes: self.max_body_bytes,
            ..RegistryOptions::default()
        };
        options
            .allowed_jwt_paths
            .extend(self.allowed_jwt_paths.iter().cloned());
        options
    }
}

/// The checked TLS settings.
#[derive(Debug)]
#[non_exhaustive]
pub struct Tls {
    /// The trust anchors; `None`: the built-in web PKI roots (`webpki-roots`).
    pub roots: Option<Vec<CertificateDer<'static>>>,
    /// The mTLS client certificate and key, if any.
    pub client_auth: Option<ClientAuth>,
    /// `false` only when verification was explicitly turned off.
    pub verify: bool,
    /// The name to check the server certificate against (and send as SNI) instead of the host
    /// of Vault's address.
    pub server_name: Option<ServerName<'static>>,
}

/// An mTLS client certificate chain (leaf first) and its private key. `Debug` shows neither.
#[non_exhaustive]
pub struct ClientAuth {
    /// The chain, leaf first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The private key matching the leaf.
    pub key: PrivateKeyDer<'static>,
    /// The key's PEM text, for TLS stacks that load keys from PEM themselves.
    pub key_pem: Vec<u8>,
}

impl std::fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientAuth")
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl ClientAuth {
    /// Checks that the key loads and matches the leaf certificate.
    pub(crate) fn check(&self, origin: Origin) -> Result<(), BuildError> {
        let provider = rustls::crypto::ring::default_provider();
        rustls::sign::CertifiedKey::from_der(self.chain.clone(), self.key.clone_key(), &provider)
            .map(drop)
            .map_err(|e| BuildError::Invalid {
                setting: Setting::ClientKey,
                origin,
                problem: format!("the client key does not fit the client certificate ({e})"),
            })
    }
}

/// `roots` as a rustls store, each checked as a trust anchor; the problem names the first bad one.
pub(crate) fn root_store(roots: &[CertificateDer<'static>]) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    for (i, root) in roots.iter().enumerate() {
        store
            .add(root.clone())
            .map_err(|e| format!("certificate {}: {e}", i + 1))?;
    }
    Ok(store)
}

impl Tls {
    /// A rustls client configuration (ring provider, safe default protocol versions) with these
    /// roots, this client certificate, and — when verification is off — a verifier that accepts
    /// every server certificate but still checks handshake signatures. The server name is the
    /// adapter's to apply (it is per connection).
    ///
    /// ```
    /// let setup = vaultcred_host::Options::default().setup()?;
    /// let config = setup.tls.rustls_config()?;
    /// assert!(config.client_auth_cert_resolver.has_certs() == false);
    /// # Ok::<(), vaultcred_host::BuildError>(())
    /// ```
    pub fn rustls_config(&self) -> Result<rustls::ClientConfig, BuildError> {
        let invalid = |problem: String| BuildError::Invalid {
            setting: Setting::ClientCert,
            origin: Origin::Method("build"),
            problem,
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid(format!("TLS setup: {e}")))?;
        let builder = if self.verify {
            let roots = match &self.roots {
                None => RootCertStore {
                    roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
                },
                Some(roots) => root_store(roots).map_err(|e| BuildError::Invalid {
                    setting: Setting::CaBundle,
                    origin: Origin::Method("build"),
                    problem: format!("invalid CA bundle: {e}"),
                })?,
            };
            builder.with_root_certificates(roots)
        } else {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
        };
        match &self.client_auth {
            None => Ok(builder.with_no_client_auth()),
            Some(auth) => builder
                .with_client_auth_cert(auth.chain.clone(), auth.key.clone_key())
                .map_err(|e| invalid(format!("client certificate: {e}"))),
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
        let algorithms = &self.0.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.0.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
