//! [`ClientBuilder`]: timeouts, body cap, TLS material, retry policy and jitter seed.

use crate::Client;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};
use vaultcred_core::RetryPolicy;
use vaultcred_core::registry::DEFAULT_MAX_BODY_BYTES;

/// Why a [`Client`] could not be built. Messages name the file or setting at fault and never
/// contain key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The CA bundle file could not be read.
    #[error("cannot read CA bundle {}: {source}", path.display())]
    ReadCaBundle {
        /// The file asked for.
        path: PathBuf,
        /// Why it could not be read.
        #[source]
        source: std::io::Error,
    },
    /// The CA bundle holds no certificate, or one that cannot be a trust anchor.
    #[error("invalid CA bundle {origin}: {problem}")]
    InvalidCaBundle {
        /// The file it came from, or `ca_bundle_pem` when given as bytes.
        origin: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The mTLS client certificate chain or key is missing, malformed, or they do not match.
    #[error("invalid client certificate: {problem}")]
    InvalidClientCert {
        /// What is wrong with it.
        problem: String,
    },
}

/// Configures a [`Client`]. Start with [`Client::builder`].
///
/// ```
/// use std::time::Duration;
/// use vaultcred_ureq::{Client, RetryPolicy};
///
/// let client = Client::builder()
///     .timeout(Duration::from_secs(5))
///     .max_body_bytes(256 * 1024)
///     .retry(RetryPolicy::none())
///     .build()?;
/// # drop(client);
/// # Ok::<(), vaultcred_ureq::BuildError>(())
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    pub(crate) timeout: Duration,
    pub(crate) max_body_bytes: usize,
    ca_bundle: Option<(String, Vec<u8>)>,
    client_cert: Option<(Vec<u8>, Vec<u8>)>,
    insecure: bool,
    pub(crate) retry: RetryPolicy,
    jitter_seed: Option<u64>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("timeout", &self.timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field(
                "ca_bundle",
                &self.ca_bundle.as_ref().map(|(origin, _)| origin),
            )
            .field("client_cert", &self.client_cert.is_some())
            .field("danger_disable_tls_verification", &self.insecure)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
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

impl ClientBuilder {
    /// Time allowed for one HTTP call, from DNS lookup to the last body byte (default 30 s).
    /// A call that runs out fails with reason `timeout` (retried per the [`RetryPolicy`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Largest response body read (default 1 MiB). A bigger body fails with reason
    /// `invalid_response`.
    pub fn max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }

    /// Trusts exactly the certificates in this PEM bundle (the contents of `VAULT_CACERT`)
    /// instead of the built-in web PKI roots.
    pub fn ca_bundle_pem(mut self, pem: Vec<u8>) -> Self {
        self.ca_bundle = Some(("ca_bundle_pem".to_owned(), pem));
        self
    }

    /// Like [`ClientBuilder::ca_bundle_pem`], reading the bundle from a file now.
    pub fn ca_bundle_file(mut self, path: impl AsRef<Path>) -> Result<Self, BuildError> {
        let path = path.as_ref();
        let pem = std::fs::read(path).map_err(|source| BuildError::ReadCaBundle {
            path: path.to_owned(),
            source,
        })?;
        self.ca_bundle = Some((path.display().to_string(), pem));
        Ok(self)
    }

    /// Presents this client certificate (PEM chain, leaf first) and private key (PEM: PKCS#8,
    /// PKCS#1 or SEC1) to servers that ask for one (mTLS).
    pub fn client_cert_pem(mut self, cert_chain_pem: Vec<u8>, key_pem: Vec<u8>) -> Self {
        self.client_cert = Some((cert_chain_pem, key_pem));
        self
    }

    /// **Dangerous.** `true` turns off every check of the server's certificate: anyone on the
    /// network path can then impersonate Vault and collect the tokens, secretIds and JWTs the
    /// client sends, and feed it forged secrets. Off by default; meant only for throwaway local
    /// setups with self-signed certificates — prefer [`ClientBuilder::ca_bundle_pem`]. A `warn`
    /// event is logged when a client is built with it.
    pub fn danger_disable_tls_verification(mut self, disable: bool) -> Self {
        self.insecure = disable;
        self
    }

    /// How failed requests are retried, and the deadline of one resolve (see [`RetryPolicy`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Seed of the retry backoff jitter (default: derived from the clock and a counter, so
    /// clients started together do not retry in lockstep). Fix it for reproducible tests.
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.jitter_seed = Some(seed);
        self
    }

    /// Builds the client, checking the TLS material.
    pub fn build(self) -> Result<Client, BuildError> {
        let tls = self.tls_config()?;
        if self.insecure {
            tracing::warn!(target: "vaultcred", "TLS certificate verification is DISABLED for Vault connections");
        }
        Ok(Client::from_parts(&self, tls))
    }

    pub(crate) fn seed(&self) -> u64 {
        self.jitter_seed.unwrap_or_else(default_seed)
    }

    fn tls_config(&self) -> Result<TlsConfig, BuildError> {
        let mut tls = TlsConfig::builder().disable_verification(self.insecure);
        if let Some((origin, pem)) = &self.ca_bundle {
            let bad = |problem: String| BuildError::InvalidCaBundle {
                origin: origin.clone(),
                problem,
            };
            let roots = certificates(pem).map_err(bad)?;
            let mut store = rustls::RootCertStore::empty();
            for (i, root) in roots.iter().enumerate() {
                store
                    .add(root.clone())
                    .map_err(|e| bad(format!("certificate {}: {e}", i + 1)))?;
            }
            let roots: Vec<_> = roots
                .iter()
                .map(|c| Certificate::from_der(c).to_owned())
                .collect();
            tls = tls.root_certs(RootCerts::new_with_certs(&roots));
        }
        if let Some((chain_pem, key_pem)) = &self.client_cert {
            let bad = |problem: String| BuildError::InvalidClientCert { problem };
            let chain = certificates(chain_pem).map_err(bad)?;
            let key = PrivateKeyDer::from_pem_slice(key_pem)
                .map_err(|e| bad(format!("no usable private key in the key PEM ({e})")))?;
            let ureq_key = PrivateKey::from_pem(key_pem)
                .map_err(|e| bad(format!("no usable private key in the key PEM ({e})")))?;
            let ureq_chain: Vec<_> = chain
                .iter()
                .map(|c| Certificate::from_der(c).to_owned())
                .collect();
            // ureq panics on a key it cannot load; check it (and that it matches the leaf) here.
            let provider = rustls::crypto::ring::default_provider();
            rustls::sign::CertifiedKey::from_der(chain, key, &provider)
                .map_err(|e| bad(e.to_string()))?;
            tls = tls.client_cert(Some(ClientCert::new_with_certs(&ureq_chain, ureq_key)));
        }
        Ok(tls.build())
    }
}

/// Every certificate of a PEM bundle; at least one.
fn certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("malformed PEM: {e}"))?;
    if certs.is_empty() {
        return Err("no PEM certificate found".to_owned());
    }
    Ok(certs)
}

fn default_seed() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    (nanos ^ u64::from(std::process::id()).rotate_left(32))
        .wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_differ_between_clients() {
        let b = ClientBuilder::default();
        assert_ne!(b.seed(), b.seed());
        assert_eq!(b.clone().jitter_seed(7).seed(), 7);
    }

    #[test]
    fn debug_hides_key_material() {
        let b = ClientBuilder::default().client_cert_pem(b"CHAIN".to_vec(), b"KEYBYTES".to_vec());
        let shown = format!("{b:?}");
        assert!(
            !shown.contains("KEYBYTES") && !shown.contains("75, 69, 89"),
            "{shown}"
        );
    }
}
