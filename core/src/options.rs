//! Registry-wide settings.

use crate::config::DEFAULT_JWT_PATH;
use crate::retry::RetryPolicy;

/// Default cap on a response body the core accepts (1 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Registry-wide settings: the operator's, never a tenant config's.
#[derive(Clone, Debug)]
pub struct RegistryOptions {
    /// How failed requests are retried, and the per-operation deadline.
    pub retry: RetryPolicy,
    /// Seed of the backoff jitter stream and of the registry's hash maps (hand in something
    /// random in production).
    pub jitter_seed: u64,
    /// Largest response body accepted; larger ones are `invalid_response`.
    pub max_body_bytes: usize,
    /// The Kubernetes JWT files a config's `jwtPath` may name (an entry ending in `/` allows
    /// every file below that directory). A config naming another path is refused at
    /// registration: the file's content is sent to the config's Vault, so which host file that
    /// is must be the operator's choice, not the org admin's. Default: only the kubelet's
    /// projected ServiceAccount token.
    pub allowed_jwt_paths: Vec<String>,
    /// Shared logins, for a host running as several replicas over one store (see
    /// [`crate::shared`]): before each login an operation yields
    /// [`Next::SharedLogin`](crate::Next::SharedLogin), every token obtained is queued for
    /// [`Registry::take_logins`](crate::Registry::take_logins), and
    /// [`Registry::shutdown`](crate::Registry::shutdown) revokes nothing. Default: off.
    pub shared_logins: bool,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        RegistryOptions {
            retry: RetryPolicy::default(),
            jitter_seed: 0x5eed,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            allowed_jwt_paths: vec![DEFAULT_JWT_PATH.to_owned()],
            shared_logins: false,
        }
    }
}

impl RegistryOptions {
    /// Also allows `path` as a config's `jwtPath` (a directory if it ends in `/`).
    ///
    /// ```
    /// use vaultcred_core::RegistryOptions;
    /// let options = RegistryOptions::default().allow_jwt_path("/var/run/secrets/vault/");
    /// assert!(options.jwt_path_allowed("/var/run/secrets/vault/token"));
    /// assert!(options.jwt_path_allowed("/var/run/secrets/kubernetes.io/serviceaccount/token"));
    /// assert!(!options.jwt_path_allowed("/etc/vaultcred/seal.key"));
    /// assert!(!options.jwt_path_allowed("/var/run/secrets/vault/../../../etc/passwd"));
    /// ```
    pub fn allow_jwt_path(mut self, path: impl Into<String>) -> Self {
        self.allowed_jwt_paths.push(path.into());
        self
    }

    /// Whether a config may name `path` as its `jwtPath`: an exact entry, or a file below a
    /// directory entry, with no `.`/`..` segment.
    pub fn jwt_path_allowed(&self, path: &str) -> bool {
        if path.split('/').any(|s| s == "." || s == "..") {
            return false;
        }
        self.allowed_jwt_paths.iter().any(|allowed| {
            path == allowed
                || (allowed.ends_with('/')
                    && path.len() > allowed.len()
                    && path.starts_with(allowed.as_str()))
        })
    }
}
