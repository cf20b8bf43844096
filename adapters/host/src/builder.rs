//! [`Builder`]: the one place for a client's transport options, generic over the adapter that
//! builds its client from them.

use crate::Connect;
use crate::address::AddressPolicy;
use crate::error::{BuildError, Origin, Setting};
use crate::pem::{Pem, read_ca_dir};
use crate::setup::{ClientAuth, Setup, Tls, root_store};
use rustls::pki_types::{CertificateDer, ServerName};
use std::marker::PhantomData;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use vaultcred_core::RetryPolicy;
use vaultcred_core::registry::DEFAULT_MAX_BODY_BYTES;

/// Default time allowed for one HTTP call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The trust roots asked for: a bundle (wins, as in the Go client) or a directory.
#[derive(Clone)]
pub(crate) enum Roots {
    Bundle(Pem),
    Dir(Vec<CertificateDer<'static>>, Origin),
}

/// The transport options of a vaultcred client: timeout, body cap, TLS roots, mTLS, the TLS
/// verification switch and server name, retry policy, jitter seed and address policy. `C` is
/// the client it builds (each adapter names it `ClientBuilder`); [`Options`](crate::Options) is
/// the same builder without a client.
///
/// Precedence, as in the Go client: an explicit method call wins over the environment
/// ([`Builder::from_env`] / [`Builder::with_env`], whatever the order of the calls), which wins
/// over the defaults.
///
/// ```
/// use std::time::Duration;
/// use vaultcred_host::{Options, RetryPolicy};
///
/// let setup = Options::default()
///     .timeout(Duration::from_secs(5))
///     .max_body_bytes(256 * 1024)
///     .retry(RetryPolicy::none())
///     .jitter_seed(7)
///     .setup()?;
/// assert_eq!(setup.timeout, Duration::from_secs(5));
/// assert_eq!(setup.jitter_seed, 7);
/// # Ok::<(), vaultcred_host::BuildError>(())
/// ```
pub struct Builder<C> {
    pub(crate) timeout: Option<(Duration, Origin)>,
    pub(crate) max_body_bytes: usize,
    pub(crate) roots: Option<Roots>,
    pub(crate) client_cert: Option<(Pem, Pem)>,
    pub(crate) insecure: Option<(bool, Origin)>,
    pub(crate) server_name: Option<(String, Origin)>,
    pub(crate) retry: Option<(RetryPolicy, Origin)>,
    pub(crate) jitter_seed: Option<u64>,
    pub(crate) allowed_jwt_paths: Vec<String>,
    pub(crate) proxy: Option<String>,
    pub(crate) address_policy: AddressPolicy,
    client: PhantomData<fn() -> C>,
}

impl<C> Default for Builder<C> {
    fn default() -> Self {
        Builder {
            timeout: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            roots: None,
            client_cert: None,
            insecure: None,
            server_name: None,
            retry: None,
            jitter_seed: None,
            allowed_jwt_paths: Vec::new(),
            proxy: None,
            address_policy: AddressPolicy::allow_all(),
            client: PhantomData,
        }
    }
}

impl<C> Clone for Builder<C> {
    fn clone(&self) -> Self {
        Builder {
            timeout: self.timeout,
            max_body_bytes: self.max_body_bytes,
            roots: self.roots.clone(),
            client_cert: self.client_cert.clone(),
            insecure: self.insecure,
            server_name: self.server_name.clone(),
            retry: self.retry.clone(),
            jitter_seed: self.jitter_seed,
            allowed_jwt_paths: self.allowed_jwt_paths.clone(),
            proxy: self.proxy.clone(),
            address_policy: self.address_policy.clone(),
            client: PhantomData,
        }
    }
}

impl<C> std::fmt::Debug for Builder<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let roots = self.roots.as_ref().map(|r| match r {
            Roots::Bundle(pem) => pem.origin,
            Roots::Dir(_, origin) => *origin,
        });
        f.debug_struct("ClientBuilder")
            .field("timeout", &self.timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("ca_roots", &roots)
            .field(
                "client_cert",
                &self.client_cert.as_ref().map(|(c, _)| c.origin),
            )
            .field("danger_disable_tls_verification", &self.insecure)
            .field("tls_server_name", &self.server_name)
            .field("retry", &self.retry)
            .field("address_policy", &self.address_policy)
            .finish_non_exhaustive()
    }
}

impl<C> Builder<C> {
    /// Time allowed for one HTTP call, from connecting to the last body byte (default 30 s).
    /// A call that runs out fails with reason `timeout` (retried per the [`RetryPolicy`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some((timeout, Origin::Method("timeout")));
        self
    }

    /// Largest response body read (default 1 MiB); a bigger one is `invalid_response`.
    pub fn max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }

    /// Trusts exactly the certificates of this PEM bundle (what `VAULT_CACERT` names) instead
    /// of the built-in web PKI roots. Replaces an earlier bundle or directory.
    pub fn ca_bundle_pem(mut self, pem: Vec<u8>) -> Self {
        let origin = Origin::Method("ca_bundle_pem");
        self.roots = Some(Roots::Bundle(Pem::new(pem, Setting::CaBundle, origin)));
        self
    }

    /// Like [`Builder::ca_bundle_pem`], reading the bundle from a file now.
    pub fn ca_bundle_file(mut self, path: impl AsRef<Path>) -> Result<Self, BuildError> {
        let origin = Origin::Method("ca_bundle_file");
        let pem = Pem::read(path.as_ref(), Setting::CaBundle, origin)?;
        self.roots = Some(Roots::Bundle(pem));
        Ok(self)
    }

    /// Trusts the certificates of every file in this directory, read now, recursively (what
    /// `VAULT_CAPATH` names); each file must hold PEM certificates. Replaces an earlier bundle.
    pub fn ca_dir(mut self, dir: impl AsRef<Path>) -> Result<Self, BuildError> {
        let origin = Origin::Method("ca_dir");
        self.roots = Some(Roots::Dir(read_ca_dir(dir.as_ref(), origin)?, origin));
        Ok(self)
    }

    /// Presents this client certificate (PEM chain, leaf first) and private key (PEM: PKCS#8,
    /// PKCS#1 or SEC1) to servers that ask for one (mTLS).
    pub fn client_cert_pem(mut self, cert_chain_pem: Vec<u8>, key_pem: Vec<u8>) -> Self {
        let origin = Origin::Method("client_cert_pem");
        self.client_cert = Some((
            Pem::new(cert_chain_pem, Setting::ClientCert, origin),
            Pem::new(key_pem, Setting::ClientKey, origin),
        ));
        self
    }

    /// Like [`Builder::client_cert_pem`], reading both PEM files now.
    pub fn client_cert_files(
        mut self,
        cert_chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Self, BuildError> {
        let origin = Origin::Method("client_cert_files");
        let cert = Pem::read(cert_chain.as_ref(), Setting::ClientCert, origin)?;
        let key = Pem::read(key.as_ref(), Setting::ClientKey, origin)?;
        self.client_cert = Some((cert, key));
        Ok(self)
    }

    /// **Dangerous.** `true` turns off every check of the server's certificate: anyone on the
    /// network path can then impersonate Vault, collect the tokens, secretIds and JWTs the
    /// client sends, and feed it forged secrets. Off by default; for throwaway local setups
    /// only — prefer [`Builder::ca_bundle_pem`]. A `warn` event is logged at build.
    pub fn danger_disable_tls_verification(mut self, disable: bool) -> Self {
        self.insecure = Some((disable, Origin::Method("danger_disable_tls_verification")));
        self
    }

    /// Checks the server certificate against this name (and sends it as SNI) instead of the
    /// host of Vault's address, like `VAULT_TLS_SERVER_NAME`. Checked at build; an adapter
    /// whose TLS stack cannot do it refuses it with [`BuildError::Unsupported`].
    pub fn tls_server_name(mut self, name: impl Into<String>) -> Self {
        self.server_name = Some((name.into(), Origin::Method("tls_server_name")));
        self
    }

    /// How failed requests are retried, and the deadline of one resolve (see [`RetryPolicy`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some((retry, Origin::Method("retry")));
        self
    }

    /// Seed of the retry backoff jitter (default: [`default_seed`], different for each client,
    /// so clients started together do not retry in lockstep). Fix it for reproducible tests.
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.jitter_seed = Some(seed);
        self
    }

    /// Allows org configs to name `path` as their Kubernetes `jwtPath` (a directory if it ends
    /// in `/`), besides the kubelet's projected token path, which is always allowed. The file
    /// is sent to the config's Vault: which host files may be is the operator's choice.
    pub fn allow_jwt_path(mut self, path: impl Into<String>) -> Self {
        self.allowed_jwt_paths.push(path.into());
        self
    }

    /// Sends requests through this HTTP(S) proxy (`http://host:port`). There is no proxy
    /// otherwise: `HTTP_PROXY`, `HTTPS_PROXY` and `ALL_PROXY` are never read, so a token never
    /// reaches a proxy the user did not choose. Refused ([`BuildError::Unsupported`]) by an
    /// adapter that cannot use one.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// Which IP addresses the client may connect to (default
    /// [`AddressPolicy::allow_all`]). With [`AddressPolicy::public_only`], a Vault `addr` — an
    /// IP literal, or a host name whatever it resolves to — leads to no connection to a
    /// loopback, private, link-local… address outside the ranges the policy allows: the
    /// adapter checks each address it is about to connect to, after DNS, and a resolve whose
    /// every address is refused fails with reason `address_not_allowed`. Never read from the
    /// environment. Refused ([`BuildError::Unsupported`]) by an adapter that cannot apply it;
    /// an allow-all policy is the default and every adapter takes it.
    ///
    /// ```
    /// use vaultcred_host::{AddressPolicy, Options};
    ///
    /// let policy = AddressPolicy::public_only().allow("10.20.0.0/16")?;
    /// let setup = Options::default().address_policy(policy.clone()).setup()?;
    /// assert_eq!(setup.address_policy, policy);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn address_policy(mut self, policy: AddressPolicy) -> Self {
        self.address_policy = policy;
        self
    }

    /// The settings with a non-default value, and where each came from.
    fn chosen(&self) -> Vec<(Setting, Origin)> {
        let mut chosen = Vec::new();
        if let Some((_, origin)) = self.timeout {
            chosen.push((Setting::Timeout, origin));
        }
        match &self.roots {
            Some(Roots::Bundle(pem)) => chosen.push((Setting::CaBundle, pem.origin)),
            Some(Roots::Dir(_, origin)) => chosen.push((Setting::CaDir, *origin)),
            None => {}
        }
        if let Some((cert, _)) = &self.client_cert {
            chosen.push((Setting::ClientCert, cert.origin));
        }
        if let Some((true, origin)) = self.insecure {
            chosen.push((Setting::SkipVerify, origin));
        }
        if let Some((_, origin)) = self.server_name {
            chosen.push((Setting::TlsServerName, origin));
        }
        if self.proxy.is_some() {
            chosen.push((Setting::Proxy, Origin::Method("proxy")));
        }
        if !self.address_policy.is_allow_all() {
            chosen.push((Setting::AddressPolicy, Origin::Method("address_policy")));
        }
        chosen
    }

    /// Checks every setting and returns them resolved (defaults filled in, TLS material
    /// parsed), for an adapter to build its transport from.
    pub fn setup(self) -> Result<Setup, BuildError> {
        let roots = match self.roots {
            None => None,
            Some(Roots::Bundle(pem)) => {
                let certs = pem.certs()?;
                root_store(&certs).map_err(|e| pem.error(e))?;
                Some(certs)
            }
            Some(Roots::Dir(certs, origin)) => {
                root_store(&certs).map_err(|e| BuildError::Invalid {
                    setting: Setting::CaDir,
                    origin,
                    problem: format!("invalid CA directory: {e}"),
                })?;
                Some(certs)
            }
        };
        let client_auth = match self.client_cert {
            None => None,
            Some((chain, key)) => {
                let auth = ClientAuth {
                    chain: chain.certs()?,
                    key: key.key()?,
                    key_pem: key.bytes.clone(),
                };
                auth.check(key.origin)?;
                Some(auth)
            }
        };
        let server_name = match self.server_name {
            None => None,
            Some((name, origin)) => {
                Some(
                    ServerName::try_from(name.clone()).map_err(|e| BuildError::Invalid {
                        setting: Setting::TlsServerName,
                        origin,
                        problem: format!("{name:?} is not a DNS name or IP address ({e})"),
                    })?,
                )
            }
        };
        Ok(Setup {
            timeout: self.timeout.map_or(DEFAULT_TIMEOUT, |(t, _)| t),
            max_body_bytes: self.max_body_bytes,
            retry: self.retry.map(|(r, _)| r).unwrap_or_default(),
            jitter_seed: self.jitter_seed.unwrap_or_else(default_seed),
            allowed_jwt_paths: self.allowed_jwt_paths,
            proxy: self.proxy,
            address_policy: self.address_policy,
            tls: Tls {
                roots,
                client_auth,
                verify: !self.insecure.is_some_and(|(off, _)| off),
                server_name,
            },
        })
    }
}

impl<C: Connect> Builder<C> {
    /// Builds the client: checks every setting, refuses one the adapter cannot apply
    /// ([`BuildError::Unsupported`]), logs a `warn` event if TLS verification is off.
    pub fn build(self) -> Result<C, BuildError> {
        if let Some((setting, origin)) = self
            .chosen()
            .into_iter()
            .find(|(s, _)| C::UNSUPPORTED.contains(s))
        {
            return Err(BuildError::Unsupported {
                setting,
                origin,
                client: C::CLIENT,
            });
        }
        let setup = self.setup()?;
        if !setup.tls.verify {
            tracing::warn!(target: "vaultcred", "TLS certificate verification is DISABLED for Vault connections: Vault can be impersonated");
        }
        C::connect(setup)
    }
}

/// A jitter seed that differs between clients: the clock, the process id and a counter.
///
/// ```
/// assert_ne!(vaultcred_host::default_seed(), vaultcred_host::default_seed());
/// ```
pub fn default_seed() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    (nanos ^ u64::from(std::process::id()).rotate_left(32))
        .wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}
