//! [`BuildError`]: why a client could not be built, naming the setting and where its value came
//! from (a builder method or an environment variable).

use std::fmt;
use std::path::PathBuf;

/// A transport setting of [`Builder`](crate::Builder).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// Time allowed for one HTTP call (`VAULT_CLIENT_TIMEOUT`).
    Timeout,
    /// Largest response body read.
    MaxBodyBytes,
    /// PEM bundle of trusted CA certificates (`VAULT_CACERT`).
    CaBundle,
    /// Directory of PEM CA certificates (`VAULT_CAPATH`).
    CaDir,
    /// mTLS client certificate chain (`VAULT_CLIENT_CERT`).
    ClientCert,
    /// mTLS client private key (`VAULT_CLIENT_KEY`).
    ClientKey,
    /// The switch turning server certificate verification off (`VAULT_SKIP_VERIFY`).
    SkipVerify,
    /// The name checked against the server certificate, and sent as SNI
    /// (`VAULT_TLS_SERVER_NAME`).
    TlsServerName,
    /// The retry policy; its retry count comes from `VAULT_MAX_RETRIES`.
    Retry,
    /// Seed of the retry backoff jitter.
    JitterSeed,
    /// The HTTP proxy requests go through (never taken from the environment).
    Proxy,
    /// Which IP addresses the client may connect to (never taken from the environment).
    AddressPolicy,
}

impl Setting {
    /// The Vault client environment variable of this setting, if it has one.
    ///
    /// ```
    /// use vaultcred_host::Setting;
    /// assert_eq!(Setting::CaBundle.variable(), Some("VAULT_CACERT"));
    /// assert_eq!(Setting::JitterSeed.variable(), None);
    /// ```
    pub fn variable(self) -> Option<&'static str> {
        match self {
            Setting::Timeout => Some("VAULT_CLIENT_TIMEOUT"),
            Setting::CaBundle => Some("VAULT_CACERT"),
            Setting::CaDir => Some("VAULT_CAPATH"),
            Setting::ClientCert => Some("VAULT_CLIENT_CERT"),
            Setting::ClientKey => Some("VAULT_CLIENT_KEY"),
            Setting::SkipVerify => Some("VAULT_SKIP_VERIFY"),
            Setting::TlsServerName => Some("VAULT_TLS_SERVER_NAME"),
            Setting::Retry => Some("VAULT_MAX_RETRIES"),
            Setting::MaxBodyBytes
            | Setting::JitterSeed
            | Setting::Proxy
            | Setting::AddressPolicy => None,
        }
    }

    /// The builder method that sets it.
    ///
    /// ```
    /// assert_eq!(vaultcred_host::Setting::CaDir.method(), "ca_dir");
    /// ```
    pub fn method(self) -> &'static str {
        match self {
            Setting::Timeout => "timeout",
            Setting::MaxBodyBytes => "max_body_bytes",
            Setting::CaBundle => "ca_bundle_pem",
            Setting::CaDir => "ca_dir",
            Setting::ClientCert | Setting::ClientKey => "client_cert_pem",
            Setting::SkipVerify => "danger_disable_tls_verification",
            Setting::TlsServerName => "tls_server_name",
            Setting::Retry => "retry",
            Setting::JitterSeed => "jitter_seed",
            Setting::Proxy => "proxy",
            Setting::AddressPolicy => "address_policy",
        }
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Setting::Timeout => "timeout",
            Setting::MaxBodyBytes => "body cap",
            Setting::CaBundle => "CA bundle",
            Setting::CaDir => "CA directory",
            Setting::ClientCert => "client certificate",
            Setting::ClientKey => "client key",
            Setting::SkipVerify => "TLS verification switch",
            Setting::TlsServerName => "TLS server name",
            Setting::Retry => "retry policy",
            Setting::JitterSeed => "jitter seed",
            Setting::Proxy => "proxy",
            Setting::AddressPolicy => "address policy",
        })
    }
}

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A builder method call (the method's name).
    Method(&'static str),
    /// An environment variable (its name), read by [`Builder::from_env`](crate::Builder::from_env).
    Env(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Method(name) => write!(f, "{name}()"),
            Origin::Env(name) => f.write_str(name),
        }
    }
}

/// Why a client could not be built. Messages name the setting and where its value came from
/// (the builder method, or the environment variable), and never contain key material.
///
/// ```
/// use vaultcred_host::{BuildError, Origin, Setting};
///
/// let env = |name: &str| (name == "VAULT_SKIP_VERIFY").then(|| "maybe".into());
/// let err = vaultcred_host::Options::default().with_env(env).unwrap_err();
/// assert!(matches!(err, BuildError::Invalid { setting: Setting::SkipVerify, origin: Origin::Env("VAULT_SKIP_VERIFY"), .. }));
/// assert_eq!(err.to_string(), "VAULT_SKIP_VERIFY: \"maybe\" is not a boolean (true/false, 1/0, t/f)");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A file or directory could not be read.
    #[error("{origin}: cannot read {}: {source}", path.display())]
    Read {
        /// The setting.
        setting: Setting,
        /// Where the path came from.
        origin: Origin,
        /// The file or directory.
        path: PathBuf,
        /// Why it could not be read.
        #[source]
        source: std::io::Error,
    },
    /// A value is unusable: malformed PEM, a key that does not match its certificate, an
    /// environment variable that does not parse…
    #[error("{origin}: {problem}")]
    Invalid {
        /// The setting.
        setting: Setting,
        /// Where the value came from.
        origin: Origin,
        /// What is wrong (never the key material).
        problem: String,
    },
    /// The adapter's TLS stack cannot apply this setting; it is refused rather than ignored.
    #[error("{origin}: the {setting} setting is not supported by {client}")]
    Unsupported {
        /// The setting.
        setting: Setting,
        /// Where the value came from.
        origin: Origin,
        /// The adapter (e.g. `vaultcred-ureq`).
        client: &'static str,
    },
}

impl BuildError {
    /// The setting at fault.
    pub fn setting(&self) -> Setting {
        match self {
            BuildError::Read { setting, .. }
            | BuildError::Invalid { setting, .. }
            | BuildError::Unsupported { setting, .. } => *setting,
        }
    }

    /// Where the faulty value came from.
    pub fn origin(&self) -> Origin {
        match self {
            BuildError::Read { origin, .. }
            | BuildError::Invalid { origin, .. }
            | BuildError::Unsupported { origin, .. } => *origin,
        }
    }

    /// The message without its leading origin, for a host that names the value's source
    /// itself (a CLI flag, say).
    ///
    /// ```
    /// let err = vaultcred_host::Options::default()
    ///     .ca_bundle_file("/nonexistent/ca.pem")
    ///     .unwrap_err();
    /// assert!(err.detail().starts_with("cannot read /nonexistent/ca.pem"));
    /// ```
    pub fn detail(&self) -> String {
        let full = self.to_string();
        let prefix = format!("{}: ", self.origin());
        full.strip_prefix(&prefix)
            .map_or(full.clone(), str::to_owned)
    }
}
